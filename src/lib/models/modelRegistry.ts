import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CODE_VERSION } from '../codeVersion.js';
import { RuntimeError, UsageError } from '../errors/errors.js';
import { listVersions } from '../lake/versionDirs.js';
import { fsyncDir, writeFileAtomic } from '../lake/atomicWrite.js';
import { sealWrittenFile } from '../lake/moveFile.js';
import type { RunContext } from '../runContext.js';
import type { ModelArrays } from './popularity.js';
import { MODEL_KINDS, type ItemTable, type ModelKind } from './recommender.js';

/** models/<name>/v=<N>/_recomart.json: what a version is, what it was trained on, and its files. */
export interface ModelVersion {
  name: string;
  kind: ModelKind;
  version: number;
  created_at: string;
  /** Trained on what was known at this time: the feature versions below are as of it. */
  as_of: string;
  run_id: string;
  code_version: string;
  params: Record<string, unknown>;
  /** Training figures (time, sizes). */
  stats: Record<string, unknown>;
  /** The newest leak-free evaluation of this kind with the same parameters, when there was one. */
  evaluation: { run_id: string; as_of: string; horizon_days: number; metrics: Record<string, number> } | null;
  features: { view: string; version: number; as_of: string; md5: string; file: string }[];
  /** Models this one blends (hybrid): name and version. */
  components: { name: string; version: number }[];
  users: number;
  items: number;
  /** Every file with its md5; arrays are raw little-endian, row-major, with their shape. */
  files: { file: string; bytes: number; md5: string; dtype?: 'float32' | 'int32'; shape?: number[] }[];
  /** md5 of kind, params, feature versions' md5s and code version: training again on the same inputs reuses the version. */
  inputs_digest: string;
}

export const MODEL_METADATA = '_recomart.json';
export const ITEMS_FILE = 'items.json';

export interface NewModelVersion {
  name: string;
  kind: ModelKind;
  asOf: string;
  params: Record<string, unknown>;
  stats: Record<string, unknown>;
  evaluation: ModelVersion['evaluation'];
  features: ModelVersion['features'];
  components: ModelVersion['components'];
  users: number;
  items: ItemTable;
  arrays: ModelArrays;
  texts: Record<string, string[]>;
}

export function inputsDigest(
  v: Pick<NewModelVersion, 'kind' | 'params' | 'features' | 'components'>,
): string {
  return createHash('md5')
    .update(
      JSON.stringify({
        kind: v.kind,
        params: v.params,
        features: v.features.map((f) => f.md5),
        components: v.components,
        code: CODE_VERSION,
      }),
    )
    .digest('hex');
}

/**
 * Publishes a model version: every file written and fsynced in a staging directory, made
 * read-only, and the directory renamed to v=<N> (a version appears whole or not at all). When a
 * version with the same inputs digest exists, that one is returned instead (`reused`).
 */
export async function registerModel(
  ctx: RunContext,
  v: NewModelVersion,
): Promise<{ meta: ModelVersion; reused: boolean }> {
  const dir = path.join(ctx.paths.models, v.name);
  await mkdir(dir, { recursive: true });
  const digest = inputsDigest(v);
  const existing = await findByDigest(ctx, v.name, digest);
  if (existing) return { meta: existing, reused: true };
  const version = ((await listVersions(dir)).at(-1) ?? 0) + 1;
  const tmp = path.join(dir, `.tmp-v=${version}-${ctx.runId}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const files: ModelVersion['files'] = [];
  const put = async (
    name: string,
    data: Uint8Array | string,
    layout?: Pick<ModelVersion['files'][number], 'dtype' | 'shape'>,
  ) => {
    await writeFile(path.join(tmp, name), data);
    files.push({ file: name, ...(await sealWrittenFile(path.join(tmp, name))), ...layout });
  };
  if (v.kind !== 'hybrid')
    await put(
      ITEMS_FILE,
      JSON.stringify({
        ids: v.items.ids,
        category: v.items.category,
        brand: v.items.brand,
        name: v.items.name,
      }),
    );
  for (const [name, a] of Object.entries(v.arrays)) {
    const dtype = a instanceof Float32Array ? 'float32' : 'int32';
    // Factors: a row per user or item; top lists (but their kinds): a row per listed user.
    const listed = v.arrays.top_kinds?.length;
    const rows =
      name === 'user_factors'
        ? v.users
        : name === 'item_factors'
          ? v.items.ids.length
          : name.startsWith('top_') && name !== 'top_kinds' && name !== 'top_history' && listed
            ? listed
            : a.length;
    await put(
      `${name}.${dtype === 'float32' ? 'f32' : 'i32'}`,
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      {
        dtype,
        shape: rows === a.length ? [a.length] : [rows, a.length / rows],
      },
    );
  }
  for (const [name, lines] of Object.entries(v.texts)) await put(`${name}.txt`, lines.join('\n') + '\n');
  const meta: ModelVersion = {
    name: v.name,
    kind: v.kind,
    version,
    created_at: ctx.now().toISOString(),
    as_of: v.asOf,
    run_id: ctx.runId,
    code_version: CODE_VERSION,
    params: v.params,
    stats: v.stats,
    evaluation: v.evaluation,
    features: v.features,
    components: v.components,
    users: v.users,
    items: v.items.ids.length,
    files,
    inputs_digest: digest,
  };
  await writeFile(path.join(tmp, MODEL_METADATA), JSON.stringify(meta, null, 2) + '\n');
  await sealWrittenFile(path.join(tmp, MODEL_METADATA));
  for (const f of [...files.map((x) => x.file), MODEL_METADATA]) await chmod(path.join(tmp, f), 0o444);
  await rename(tmp, path.join(dir, `v=${version}`));
  await fsyncDir(dir);
  ctx.logger.info(`model ${v.name}: v=${version} as of ${v.asOf}`, { model: v.name, version });
  return { meta, reused: false };
}

/** The version of `name` whose inputs digest is `digest`, if one was published. */
export async function findByDigest(
  ctx: RunContext,
  name: string,
  digest: string,
): Promise<ModelVersion | undefined> {
  for (const n of (await listVersions(path.join(ctx.paths.models, name))).reverse()) {
    const meta = await readModelVersion(ctx, name, n);
    if (meta.inputs_digest === digest) return meta;
  }
  return undefined;
}

export async function readModelVersion(
  ctx: RunContext,
  name: string,
  version: number,
): Promise<ModelVersion> {
  const file = path.join(ctx.paths.models, name, `v=${version}`, MODEL_METADATA);
  if (!existsSync(file)) throw new RuntimeError(`model ${name} has no version ${version}`);
  return JSON.parse(await readFile(file, 'utf8')) as ModelVersion;
}

/** Every model name in the registry, in leaderboard order then by name. */
export async function listModels(ctx: RunContext): Promise<string[]> {
  const names = MODEL_KINDS.filter((k) => existsSync(path.join(ctx.paths.models, k)));
  return names;
}

/**
 * `name` or `name@version`: that version, or the one with the newest as-of (the later one on a
 * tie), as the feature store serves.
 */
export async function resolveModel(ctx: RunContext, spec: string): Promise<ModelVersion> {
  const [name, at] = spec.split('@') as [string, string | undefined];
  if (!(MODEL_KINDS as readonly string[]).includes(name))
    throw new UsageError(`no model named ${name}`, `models: ${MODEL_KINDS.join(', ')}`);
  const versions = await listVersions(path.join(ctx.paths.models, name));
  if (versions.length === 0)
    throw new RuntimeError(`model ${name} has no versions yet`, 'run `recomart train` first');
  if (at !== undefined) {
    const n = Number(at.replace(/^v=?/, ''));
    if (!Number.isInteger(n) || !versions.includes(n))
      throw new UsageError(`model ${name} has no version ${at}`, `versions: ${versions.join(', ')}`);
    return readModelVersion(ctx, name, n);
  }
  let best: ModelVersion | undefined;
  for (const n of versions) {
    const meta = await readModelVersion(ctx, name, n);
    if (!best || Date.parse(meta.as_of) >= Date.parse(best.as_of)) best = meta;
  }
  return best!;
}

/**
 * A version's arrays, texts and item table (of the files `only` keeps), read back from its files,
 * each checked against its md5. A file is hashed when it is new to this lake's record of verified
 * files (.recomart/cache/models-ok.json) or its size or mtime moved since it matched: versions are
 * read-only and never rewritten, and hashing a version's 25 MB of top lists took a fifth of a
 * `recommend` process. Deleting the record makes the next load hash every file again.
 */
export async function readModelFiles(
  ctx: RunContext,
  meta: ModelVersion,
  only: (file: string) => boolean = () => true,
): Promise<{ arrays: ModelArrays; texts: Record<string, string[]>; items?: ItemTable }> {
  const dir = path.join(ctx.paths.models, meta.name, `v=${meta.version}`);
  const arrays: ModelArrays = {};
  const texts: Record<string, string[]> = {};
  let items: ItemTable | undefined;
  const record = path.join(ctx.paths.root, '.recomart', 'cache', 'models-ok.json');
  const verified = await readRecord(record);
  let added = false;
  for (const f of meta.files.filter((x) => only(x.file))) {
    const file = path.join(dir, f.file);
    const key = path.relative(ctx.paths.root, file);
    const before = await stat(file);
    const stamp = `${before.size}:${before.mtimeMs}:${f.md5}`;
    const buf = await readFile(file);
    if (verified[key] !== stamp) {
      if (createHash('md5').update(buf).digest('hex') !== f.md5)
        throw new RuntimeError(
          `model ${meta.name} v=${meta.version}: ${f.file} does not match its md5 (changed after it was published)`,
          'train a new version: recomart train',
        );
      verified[key] = stamp;
      added = true;
    }
    // A view of the read bytes where they are 4-byte aligned (a file's own buffer is), else a copy.
    const aligned = buf.byteOffset % 4 === 0 ? buf.buffer : new Uint8Array(buf).buffer;
    const at = buf.byteOffset % 4 === 0 ? buf.byteOffset : 0;
    const stem = f.file.replace(/\.[^.]+$/, '');
    if (f.dtype === 'float32') arrays[stem] = new Float32Array(aligned, at, buf.byteLength / 4);
    else if (f.dtype === 'int32') arrays[stem] = new Int32Array(aligned, at, buf.byteLength / 4);
    else if (f.file === ITEMS_FILE) items = JSON.parse(buf.toString('utf8')) as ItemTable;
    else texts[stem] = buf.toString('utf8').split('\n').slice(0, -1);
  }
  if (added) await writeRecord(record, verified);
  return { arrays, texts, ...(items ? { items } : {}) };
}

async function readRecord(file: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The record is derived data: a lake this process may not write to still answers. */
async function writeRecord(file: string, verified: Record<string, string>): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(verified) + '\n');
  } catch {
    // Next time the files are hashed again.
  }
}
