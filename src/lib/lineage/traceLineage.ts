import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors/errors.js';
import { readVersion, resolveVersion, type VersionMetadata } from '../features/featureStore.js';
import { listVersions } from '../lake/versionDirs.js';
import { featureViews } from '../features/featureViews.js';
import { manifestPathFor, readManifest } from '../lake/manifest.js';
import { PREPARE_RECORD, type PrepareRecord, type PreparedDatasetSummary } from '../prepare/silverZone.js';
import type { RunContext } from '../runContext.js';
import type { LineageNode } from './lineageNode.js';
import { modelNode, modelTarget } from './modelLineage.js';

export type { LineageNode } from './lineageNode.js';

/**
 * Traces a model version (`model:<name>[@N]`), a feature view (latest version or `version`), a
 * silver dataset, or a file of any zone back to its sources, from what ingest (manifests),
 * prepare (_prepare.json), features (_recomart.json) and train (_recomart.json) recorded.
 */
export async function traceLineage(ctx: RunContext, target: string, version?: number): Promise<LineageNode> {
  const record = await readPrepare(ctx);
  const model = await modelTarget(ctx, target);
  if (model)
    return modelNode(ctx, model, async (view, v) =>
      featureNode(await readVersionChecked(ctx, view, v), record),
    );
  if (featureViews.some((v) => v.name === target)) {
    const meta =
      version !== undefined
        ? await readVersionChecked(ctx, target, version)
        : await resolveVersion(ctx, target, {});
    return featureNode(meta, record);
  }
  const silver = record && silverByName(record, target);
  if (silver) return silverNode(silver, record);

  const abs = path.resolve(target);
  const rel = path.relative(ctx.paths.root, existsSync(abs) ? abs : path.resolve(ctx.paths.root, target));
  const featureFile = /^feature_store\/([^/]+)\/v=(\d+)(\/|$)/.exec(rel);
  if (featureFile)
    return featureNode(await readVersionChecked(ctx, featureFile[1]!, Number(featureFile[2])), record);
  const silverFile = /^processed_zone\/([^/]+)\.parquet$/.exec(rel);
  if (silverFile && record && silverByName(record, silverFile[1]!))
    return silverNode(silverByName(record, silverFile[1]!)!, record);
  if (rel.startsWith('raw_zone/')) return rawFileNode(ctx, rel, record);
  throw new UsageError(
    `${target} is not a model, a feature view, a silver dataset or a file of the lake`,
    `models: model:<name>[@version]; feature views: ${featureViews.map((v) => v.name).join(', ')}; silver: ${record ? silverNames(record).join(', ') : 'none (run recomart prepare)'}; or a path such as raw_zone/transactions/<date>/<file>.csv`,
  );
}

async function readPrepare(ctx: RunContext): Promise<PrepareRecord | undefined> {
  const file = path.join(ctx.paths.processedZone, PREPARE_RECORD);
  return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as PrepareRecord) : undefined;
}

async function readVersionChecked(ctx: RunContext, view: string, version: number): Promise<VersionMetadata> {
  const versions = await listVersions(path.join(ctx.paths.featureStore, view));
  if (!versions.includes(version))
    throw new UsageError(
      `feature view ${view} has no version ${version}`,
      versions.length ? `versions: ${versions.join(', ')}` : 'run `recomart features build`',
    );
  return readVersion(ctx, view, version);
}

type Silver = PreparedDatasetSummary | NonNullable<PrepareRecord['interactions']>;

function silverNames(record: PrepareRecord): string[] {
  return [...record.datasets.map((d) => d.name), ...(record.interactions ? ['interactions'] : [])];
}

function silverByName(record: PrepareRecord, name: string): Silver | undefined {
  return name === 'interactions' ? record.interactions : record.datasets.find((d) => d.name === name);
}

function featureNode(meta: VersionMetadata, record: PrepareRecord | undefined): LineageNode {
  const warnings: string[] = [];
  const upstream = meta.inputs.map((input) => {
    const current = record && silverByName(record, input.dataset);
    if (current && current.md5 === input.md5) return silverNode(current, record);
    warnings.push(
      `${input.dataset}: silver has been rebuilt since this version (recorded md5 ${input.md5}, now ${current?.md5 ?? 'absent'}); its upstream below is as recorded at build time only`,
    );
    return {
      kind: 'silver' as const,
      name: input.dataset,
      facts: { file: input.file, md5: input.md5, rows: input.rows },
      upstream: [],
    };
  });
  return {
    kind: 'feature_version',
    name: `${meta.view} v=${meta.version}`,
    facts: {
      file: meta.file,
      md5: meta.md5,
      rows: meta.rows,
      as_of: meta.as_of,
      created_at: meta.created_at,
      run_id: meta.run_id,
      code_version: meta.code_version,
      sql_md5: meta.sql_md5,
      prepare_run_id: meta.prepare_run_id,
    },
    transformations: [
      `SQL of feature view ${meta.view} (recomart features describe ${meta.view}; feature_store/FEATURES.md)`,
    ],
    warnings: warnings.length ? warnings : undefined,
    upstream,
  };
}

function silverNode(silver: Silver, record: PrepareRecord | undefined): LineageNode {
  const facts: Record<string, string | number> = {
    file: silver.file,
    md5: silver.md5,
    rows: silver.rows,
    built_at: record?.created_at ?? '?',
    prepare_run_id: record?.run_id ?? '?',
  };
  if ('inputs' in silver) {
    facts.raw_rows = silver.rows_in;
    facts.excluded = silver.excluded;
    facts.duplicates_removed = silver.duplicates_removed;
    const inputs = silver.inputs;
    return {
      kind: 'silver',
      name: silver.name,
      facts,
      transformations: silver.transformations,
      upstream: [
        {
          kind: 'raw_dataset',
          name: inputs.pattern,
          facts: {
            files: inputs.files,
            records: inputs.records,
            manifests_digest: inputs.digest,
            newest_ingested_at: inputs.newest_ingested_at ?? '?',
            file_list: inputs.list,
          },
          warnings: inputs.files_without_manifest
            ? [`${inputs.files_without_manifest} files had no manifest (never committed by an ingest)`]
            : undefined,
          upstream: inputs.origins.map((o) => ({
            kind: 'origin' as const,
            name: o,
            facts: {},
            upstream: [],
          })),
        },
      ],
    };
  }
  // interactions: derived from the silver clickstream and transactions of the same prepare run.
  return {
    kind: 'silver',
    name: silver.name,
    facts,
    transformations: silver.transformations,
    upstream: (record?.datasets ?? [])
      .filter((d) => d.name === 'clickstream' || d.name === 'transactions')
      .map((d) => silverNode(d, record)),
  };
}

async function rawFileNode(
  ctx: RunContext,
  rel: string,
  record: PrepareRecord | undefined,
): Promise<LineageNode> {
  if (!existsSync(path.join(ctx.paths.root, rel)))
    throw new UsageError(`${rel}: no such file in the lake`, '`ls raw_zone/` shows what is there');
  const manifest = await readManifest(manifestPathFor(path.join(ctx.paths.root, rel))).catch(() => undefined);
  if (!manifest)
    throw new UsageError(
      `${rel} has no manifest: it is not a committed data file`,
      'give a data file of raw_zone/ (not a .manifest or temp file); `recomart verify` lists what is committed',
    );
  const origins: LineageNode[] = [];
  if (manifest.source_file)
    origins.push({
      kind: 'origin',
      name: `file ${manifest.source_file.name}`,
      facts: { md5: manifest.source_file.md5, bytes: manifest.source_file.bytes },
      upstream: [],
    });
  if (manifest.kafka)
    origins.push({
      kind: 'origin',
      name: `kafka ${manifest.kafka.topic}[${manifest.kafka.partition}]`,
      facts: { first_offset: manifest.kafka.first_offset, last_offset: manifest.kafka.last_offset },
      upstream: [],
    });
  const downstream: string[] = [];
  if (record) {
    for (const d of record.datasets) {
      const list = path.join(ctx.paths.root, d.inputs.list);
      if (
        existsSync(list) &&
        (await readFile(list, 'utf8')).split('\n').some((l) => l.startsWith(`${rel},`))
      ) {
        downstream.push(`silver ${d.name} (${d.file}, prepare run ${record.run_id})`);
        if (record.interactions && (d.name === 'clickstream' || d.name === 'transactions'))
          downstream.push(`silver interactions (${record.interactions.file})`);
      }
    }
    for (const view of featureViews) {
      for (const v of await listVersions(path.join(ctx.paths.featureStore, view.name))) {
        const meta = await readVersion(ctx, view.name, v);
        const used = meta.inputs.some((i) => downstream.some((d) => d.startsWith(`silver ${i.dataset} `)));
        if (used && meta.prepare_run_id === record.run_id) downstream.push(`feature ${view.name} v=${v}`);
      }
    }
  }
  return {
    kind: 'raw_file',
    name: rel,
    facts: {
      md5: manifest.md5,
      records: manifest.record_count,
      bytes: manifest.bytes,
      source: manifest.source,
      ingested_at: manifest.ingested_at,
      run_id: manifest.run_id,
      ...Object.fromEntries(
        Object.entries(manifest.details ?? {}).filter(
          ([, v]) => typeof v === 'string' || typeof v === 'number',
        ),
      ),
    } as Record<string, string | number>,
    upstream: origins,
    downstream,
  };
}

/** The tree as indented text: the target first, each upstream step indented below it with ←. */
export function renderLineage(node: LineageNode, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  const label: Record<LineageNode['kind'], string> = {
    model_version: 'model',
    feature_version: 'feature',
    silver: 'silver',
    raw_dataset: 'raw',
    raw_file: 'raw file',
    origin: 'from',
  };
  const lines = [`${pad}${depth > 0 ? '← ' : ''}${label[node.kind]} ${node.name}`];
  const inner = pad + (depth > 0 ? '    ' : '  ');
  for (const [k, v] of Object.entries(node.facts)) lines.push(`${inner}${k}: ${v}`);
  if (node.transformations?.length) {
    lines.push(`${inner}transformations:`);
    for (const t of node.transformations) lines.push(`${inner}  - ${t}`);
  }
  for (const w of node.warnings ?? []) lines.push(`${inner}! ${w}`);
  if (node.downstream) {
    lines.push(`${inner}used by: ${node.downstream.length ? '' : 'nothing yet (run recomart prepare)'}`);
    for (const d of node.downstream) lines.push(`${inner}  → ${d}`);
  }
  for (const up of node.upstream) lines.push(...renderLineage(up, depth + 1));
  return lines;
}
