import { createCommandContext, type CommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { exitCodeForOutcome } from '../lib/errors/exitCode.js';
import { UsageError } from '../lib/errors/errors.js';
import { writeFeatureDocs } from '../lib/features/featureDocs.js';
import {
  buildFeatures,
  getFeatures,
  readVersion,
  resolveVersion,
  writeRegistry,
} from '../lib/features/featureStore.js';
import { featureViews } from '../lib/features/featureViews.js';
import { renderTable } from '../lib/cli/renderTable.js';

export function parseTime(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime()))
    throw new UsageError(`${flag} ${value} is not a date or timestamp`, `e.g. ${flag} 2026-10-01T00:00:00Z`);
  return t;
}

export async function featuresBuildCommand(
  options: GlobalOptions & { asOf?: string; view?: string[] },
): Promise<number> {
  const ctx = createCommandContext('features build', options);
  const result = await buildFeatures(ctx, { asOf: parseTime('--as-of', options.asOf), views: options.view });
  if (ctx.json) ctx.printJson(result);
  else {
    ctx.say(
      renderTable(
        ['view', 'version', 'rows', 'as of', 'file'],
        result.built.map((m) => [m.view, `v=${m.version}`, String(m.rows), m.as_of, m.file]),
        [2],
      ),
    );
    for (const s of result.skipped) ctx.say(`skipped ${s.view}: ${s.reason}`);
    ctx.say(`registry: ${result.registry}; catalogue: recomart features docs`);
  }
  return exitCodeForOutcome(result.built.length === 0 && result.skipped.length > 0 ? 'failed' : 'ok');
}

export async function featuresGetCommand(
  view: string,
  options: GlobalOptions & { ids?: string[]; featureVersion?: number; asOf?: string; limit?: number },
): Promise<number> {
  const ctx = createCommandContext('features get', options);
  if (options.featureVersion !== undefined && options.asOf !== undefined)
    throw new UsageError(
      '--feature-version and --as-of are alternatives',
      'give one of them, or neither for the latest',
    );
  const meta = await resolveVersion(ctx, view, {
    version: options.featureVersion,
    asOf: parseTime('--as-of', options.asOf),
  });
  const ids = options.ids?.flatMap((s) => s.split(',')).filter(Boolean);
  const rows = await getFeatures(ctx, meta, ids, options.limit ?? 20);
  if (ctx.json) ctx.printJson({ view, version: meta.version, as_of: meta.as_of, rows });
  else {
    ctx.say(`${view} v=${meta.version} (as of ${meta.as_of}, built ${meta.created_at})`);
    const columns = meta.columns.map((c) => c.name);
    process.stdout.write(
      renderTable(
        columns,
        rows.map((r) => columns.map((c) => formatValue(r[c]))),
        [],
      ) + '\n',
    );
    if (ids && rows.length === 0) ctx.say(`no rows for ${ids.join(', ')}`);
  }
  return exitCodeForOutcome('ok');
}

export async function featuresListCommand(options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('features list', options);
  const registry = await writeRegistry(ctx);
  if (ctx.json) ctx.printJson(registry.views.map(({ features: _f, ...v }) => v));
  else
    process.stdout.write(
      renderTable(
        ['view', 'entity', 'features', 'versions', 'latest', 'as of', 'rows'],
        registry.views.map((v) => {
          const last = v.versions.find((x) => x.version === v.latest);
          return [
            v.name,
            v.entity,
            String(v.features.length),
            String(v.versions.length),
            last ? `v=${last.version}` : '-',
            last?.as_of ?? '-',
            last ? String(last.rows) : '-',
          ];
        }),
        [2, 3, 6],
      ) + '\n',
    );
  return exitCodeForOutcome('ok');
}

export async function featuresDescribeCommand(
  view: string,
  options: GlobalOptions & { featureVersion?: number },
): Promise<number> {
  const ctx = createCommandContext('features describe', options);
  const registry = await writeRegistry(ctx);
  const entry = registry.views.find((v) => v.name === view);
  if (!entry)
    throw new UsageError(
      `no feature view named ${view}`,
      `views: ${featureViews.map((v) => v.name).join(', ')}`,
    );
  const version = options.featureVersion ?? entry.latest;
  const meta = version !== undefined ? await readVersion(ctx, view, version) : undefined;
  if (ctx.json) ctx.printJson({ ...entry, version: meta });
  else describe(ctx, entry, meta);
  return exitCodeForOutcome('ok');
}

function describe(
  ctx: CommandContext,
  entry: Awaited<ReturnType<typeof writeRegistry>>['views'][number],
  meta: Awaited<ReturnType<typeof readVersion>> | undefined,
): void {
  const out: string[] = [
    `${entry.name}: ${entry.description}`,
    `entity ${entry.entity}; keys ${entry.keys.join(', ')}; sources ${entry.sources.join(', ')}; owner ${entry.owner}`,
    '',
    renderTable(
      ['feature', 'type', 'description'],
      entry.features.map((f) => [f.name, f.type, f.description]),
      [],
    ),
    '',
    `versions: ${entry.versions.map((v) => `v=${v.version} as of ${v.as_of} (${v.rows} rows)`).join('; ') || 'none'}`,
  ];
  if (meta) {
    out.push(
      `v=${meta.version}: ${meta.file} md5 ${meta.md5}, built ${meta.created_at} by ${meta.code_version}`,
      `inputs: ${meta.inputs.map((i) => `${i.file} (md5 ${i.md5.slice(0, 12)}, ${i.rows} rows)`).join('; ')}`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
  void ctx;
}

export async function featuresDocsCommand(options: GlobalOptions): Promise<number> {
  const ctx = createCommandContext('features docs', options);
  const { file } = await writeFeatureDocs(ctx);
  if (ctx.json) ctx.printJson({ file });
  else ctx.say(`feature catalogue: ${file}`);
  return exitCodeForOutcome('ok');
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join('|');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
