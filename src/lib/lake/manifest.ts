import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { newAjv } from '../config/newAjv.js';
import { writeFileAtomic } from './atomicWrite.js';
import { manifestSchema, type Manifest } from './manifestSchema.js';

export const MANIFEST_SUFFIX = '.manifest';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Compiled on first use: commands that never read a manifest as JSON (prepare, features) skip it.
let compiled: ReturnType<Ajv['compile']> | undefined;
const validateManifest = (): ReturnType<Ajv['compile']> =>
  (compiled ??= addFormats(newAjv({ strict: true })).compile(manifestSchema));

export function manifestPathFor(dataFile: string): string {
  return dataFile + MANIFEST_SUFFIX;
}

export class InvalidManifestError extends Error {
  constructor(
    readonly manifestPath: string,
    readonly problems: string[],
  ) {
    super(`${manifestPath}: invalid manifest: ${problems.join('; ')}`);
    this.name = 'InvalidManifestError';
  }
}

/** Problems with a manifest document, empty when it is valid. */
export function manifestProblems(doc: unknown): string[] {
  const validate = validateManifest();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/**
 * Writes `<dataFile>.manifest` atomically. Call only once the data file itself is durable: the
 * manifest records its mtime (`file_mtime_ns`), so that the md5 the writer computed counts as the
 * file's first verification while the file keeps that size and mtime.
 */
export async function writeManifest(dataFile: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPathFor(dataFile), manifestText(dataFile, manifest));
}

/**
 * The text of `dataFile`'s manifest, checked, with the file's mtime when its size is the one the
 * writer counted (a file of another size gets no mtime: validate hashes it). `dataFile` may be a
 * staged copy under the target's own name: a rename keeps the mtime.
 */
export function manifestText(dataFile: string, manifest: Manifest): string {
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new InvalidManifestError(manifestPathFor(dataFile), problems);
  if (manifest.file !== path.basename(dataFile)) {
    throw new InvalidManifestError(manifestPathFor(dataFile), [
      `file is ${manifest.file}, expected ${path.basename(dataFile)}`,
    ]);
  }
  const st = statSync(dataFile, { bigint: true });
  if (Number(st.size) === manifest.bytes) manifest = { ...manifest, file_mtime_ns: st.mtimeNs.toString() };
  return JSON.stringify(manifest, null, 2) + '\n';
}

/**
 * Reads and validates a manifest; undefined when the file does not exist. Read synchronously: a
 * manifest is a few hundred bytes, and `verify` reads thousands while its workers hash, which the
 * thread pool's open, stat, read and close per file kept waiting (2,560 manifests: 530 ms of the
 * main thread, the hashing workers idle a quarter of the time).
 */
export async function readManifest(manifestPath: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new InvalidManifestError(manifestPath, [`not JSON: ${(error as Error).message}`]);
  }
  const problems = manifestProblems(doc);
  if (problems.length > 0) throw new InvalidManifestError(manifestPath, problems);
  return doc as Manifest;
}
