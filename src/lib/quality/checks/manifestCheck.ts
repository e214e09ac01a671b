import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../lake/atomicWrite.js';
import { MANIFEST_SUFFIX } from '../../lake/manifest.js';
import { checkManifestFiles } from '../../verify/verifyLake.js';
import { base, defineCheck } from '../checkTypes.js';

/**
 * A file's and its manifest's size and mtime: unchanged since they last matched means still
 * matching. Synchronous: a stat is a few microseconds, a round trip through the thread pool ten
 * times that, and a run takes two per file.
 */
function fingerprint(file: string): string | undefined {
  try {
    const [d, m] = [statSync(file), statSync(file + MANIFEST_SUFFIX)];
    return `${d.size}:${d.mtimeMs}:${m.size}:${m.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether the manifest records the file as it is now: the size and mtime it had when its writer
 * computed the md5 (`file_mtime_ns`). The bytes were hashed as they were written; hashing them
 * again would find the same md5 unless the file changed, and a change moves its mtime.
 */
function unchangedSinceWritten(file: string): boolean {
  try {
    const doc = JSON.parse(readFileSync(file + MANIFEST_SUFFIX, 'utf8')) as {
      bytes?: unknown;
      file_mtime_ns?: unknown;
    };
    if (typeof doc.file_mtime_ns !== 'string') return false;
    const st = statSync(file, { bigint: true });
    return doc.bytes === Number(st.size) && doc.file_mtime_ns === st.mtimeNs.toString();
  } catch {
    return false;
  }
}

/**
 * Manifest integrity: every file of the dataset matches its manifest (the same
 * test as `recomart verify`). A file is hashed only when its size or mtime differ from what was
 * last verified: files that matched before, and whose size and mtime, and their manifest's, have
 * not changed since, are not re-read (.recomart/cache/manifests-ok.<dataset>.json, like git's
 * index), nor are files whose size and mtime are still those their manifest recorded when ingest
 * wrote and hashed them. The suite stays fast as the lake grows, and a first validate after an
 * ingest hashes nothing again. `recomart verify` always re-reads every file.
 */
export const manifestCheck = defineCheck<Record<string, never>>({
  name: 'manifest',
  description: 'files match their manifests (md5, count, size)',
  params: { type: 'object', properties: {} },
  plan: (params) => [
    {
      type: 'manifest',
      name: 'manifest',
      ...base(params),
      threshold: 'every file matches',
      measure: async ({ ctx, dataset }) => {
        const cacheFile = path.join(
          ctx.paths.root,
          '.recomart',
          'cache',
          `manifests-ok.${dataset.name}.json`,
        );
        const known: Record<string, string> = existsSync(cacheFile)
          ? (JSON.parse(await readFile(cacheFile, 'utf8')) as Record<string, string>)
          : {};
        const ok: Record<string, string> = {};
        const problems: string[] = [];
        // The failing rows are files: one whose size, count and checksum all moved is one file.
        const failingFiles = new Set<string>();
        let recorded = 0;
        const toHash: { file: string; rel: string; before: string | undefined }[] = [];
        for (const file of dataset.files) {
          const rel = path.relative(ctx.paths.root, file);
          const before = fingerprint(file);
          if (before !== undefined && known[rel] === before) ok[rel] = before;
          else if (before !== undefined && unchangedSinceWritten(file)) {
            recorded++;
            ok[rel] = before;
          } else toHash.push({ file, rel, before });
        }
        const reread = toHash.length;
        const { results, threads } = await checkManifestFiles(
          ctx.paths.root,
          toHash.map((h) => h.file + MANIFEST_SUFFIX),
        );
        results.forEach((r, i) => {
          const { file, rel, before } = toHash[i]!;
          for (const issue of r.issues) {
            problems.push(`${path.basename(issue.path)}: ${issue.kind}`);
            failingFiles.add(issue.path);
          }
          // Not recorded as matching if it changed while it was hashed.
          if (r.issues.length === 0 && before !== undefined && fingerprint(file) === before) ok[rel] = before;
        });
        problems.sort();
        await mkdir(path.dirname(cacheFile), { recursive: true });
        await writeFileAtomic(cacheFile, JSON.stringify(ok) + '\n');
        ctx.logger.debug(
          `${dataset.name}: ${reread} of ${dataset.files.length} files hashed; ${recorded} as their ingest hashed them (${threads} thread${threads === 1 ? '' : 's'})`,
        );
        return {
          failing: failingFiles.size,
          total: dataset.files.length,
          observed: `${dataset.files.length} files`,
          note: problems.slice(0, 5).join('; ') || undefined,
        };
      },
    },
  ],
});
