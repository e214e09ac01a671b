import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { SourceMapping } from '../../config/configSchema.js';
import { columnOf } from '../../datasets/datasetCatalog.js';
import { duckOptionsFor } from '../../duck/duckOptionsFor.js';
import { quoteIdent, quoteLiteral } from '../../duck/sqlText.js';
import { withDuck } from '../../duck/withDuck.js';
import { archiveCurrent, currentVersion } from '../../lake/archiveCurrent.js';
import { fsyncDir, tempPathFor } from '../../lake/atomicWrite.js';
import { fileStats } from '../../lake/fileStats.js';
import { writeManifest } from '../../lake/manifest.js';
import { sealWrittenFile } from '../../lake/moveFile.js';
import type { RunContext } from '../../runContext.js';
import { dialectDetails, readColumnNames, strictCsv, type CsvHead } from '../readCsvHeader.js';
import type { MasterDataset, MasterFileResult } from './masterDatasets.js';

interface NormaliseInput {
  source: string;
  target: string;
  header: string[];
  /** The header's names after sources.<dataset>.rename. */
  named: string[];
  head: CsvHead;
  mapping: SourceMapping;
  stamp: string;
  base: Pick<MasterFileResult, 'dataset' | 'source' | 'target'>;
  started: number;
}

/**
 * Ingests a master export that is not in the canonical form (another delimiter, quote or encoding,
 * other column names, dates in another format, or lines the reader cannot read): DuckDB reads it as text and writes it comma-delimited with the catalog's
 * names, under a temporary name that is fsynced and renamed, then the manifest, which records the
 * source's md5 and dialect. An unchanged export (same source md5) is a no-op, as for a plain copy.
 */
export async function ingestNormalised(
  ctx: RunContext,
  dataset: MasterDataset,
  input: NormaliseInput,
): Promise<MasterFileResult> {
  const { source, target, header, named, head, mapping, stamp, base } = input;
  const sourceStats = await fileStats(source, 'csv');
  const current = await currentVersion(target);
  if (current.committed && current.sourceMd5 === sourceStats.md5) {
    ctx.logger.info(`${dataset.name}: unchanged (md5 ${sourceStats.md5})`, {
      file: source,
      outcome: 'unchanged',
    });
    return { ...base, status: 'unchanged', records: sourceStats.records - 1, md5: sourceStats.md5 };
  }
  const tmp = tempPathFor(target);
  // A DATE column in sources.<dataset>.date_format is written as YYYY-MM-DD; a value that does not
  // parse is kept as it came, for validate's type check to report.
  const sourceValue = (column: string, name: string) =>
    mapping.date_format && columnOf(dataset.spec, name)?.type === 'DATE'
      ? `coalesce(strftime(try_strptime(trim(${quoteIdent(column)}), ${quoteLiteral(mapping.date_format)}), '%Y-%m-%d'), ${quoteIdent(column)})`
      : quoteIdent(column);
  // Read with the header's columns and no sniffing: a line the reader cannot read (extra fields, a
  // torn quote) is left out and quarantined with its line number, not taken for the header.
  const readNames = readColumnNames(header);
  const rejectsFile = path.join(ctx.paths.quarantine, 'master', stamp, `${dataset.name}.rejects.csv`);
  const { records, rejected } = await withDuck(duckOptionsFor(ctx), async (conn) => {
    const select = header
      .flatMap((c, i) =>
        c === '' ? [] : [`${sourceValue(readNames[i]!, named[i]!)} AS ${quoteIdent(named[i]!)}`],
      )
      .join(', ');
    await conn.run(
      `COPY (SELECT ${select} FROM ${strictCsv(source, header, head.delimiter, mapping)})
       TO ${quoteLiteral(tmp)} (FORMAT csv, HEADER true)`,
    );
    const bad = await conn.runAndReadAll(`SELECT count(DISTINCT line)::BIGINT AS n FROM reject_errors`);
    const rejected = Number(bad.getRowObjectsJS()[0]!.n as bigint);
    if (rejected > 0) {
      await mkdir(path.dirname(rejectsFile), { recursive: true });
      await conn.run(
        `COPY (SELECT DISTINCT ON (line) line, lower(error_type::VARCHAR) || ': ' || error_message AS reason, csv_line AS raw_line
               FROM reject_errors ORDER BY line, column_idx NULLS FIRST)
         TO ${quoteLiteral(`${rejectsFile}.tmp`)} (FORMAT csv, HEADER true)`,
      );
      await sealWrittenFile(`${rejectsFile}.tmp`);
      await rename(`${rejectsFile}.tmp`, rejectsFile);
    }
    const r = await conn.runAndReadAll(
      `SELECT count(*)::BIGINT AS n FROM read_csv(${quoteLiteral(tmp)}, header = true, all_varchar = true)`,
    );
    return { records: Number(r.getRowObjectsJS()[0]!.n as bigint), rejected };
  });
  if (rejected > 0)
    ctx.logger.warn(
      `${dataset.name}: ${rejected} line${rejected === 1 ? '' : 's'} of ${path.basename(source)} could not be read; quarantined in ${path.relative(ctx.paths.root, rejectsFile)}`,
      { file: source, dataset: dataset.name, rows_quarantined: rejected, outcome: 'partial' },
    );
  const sealed = await sealWrittenFile(tmp);
  const archiveDir = await archiveCurrent(target, path.join(ctx.paths.archiveMaster, stamp), current);
  await rename(tmp, target);
  await fsyncDir(path.dirname(target));
  await writeManifest(target, {
    manifest_version: 1,
    file: path.basename(target),
    format: 'csv',
    md5: sealed.md5,
    record_count: records,
    bytes: sealed.bytes,
    ingested_at: ctx.now().toISOString(),
    source: 'master',
    run_id: ctx.runId,
    source_file: { name: path.basename(source), md5: sourceStats.md5, bytes: sourceStats.bytes },
    details: {
      dataset: dataset.name,
      columns: named,
      source_columns: header,
      source_path: source,
      ...dialectDetails(head.delimiter, mapping),
      normalised: 'comma-delimited, catalog column names',
    },
  });
  ctx.logger.info(
    `${dataset.name}: ingested ${records} records into ${base.target} (normalised from ${path.basename(source)})`,
    {
      file: source,
      dataset: dataset.name,
      records,
      outcome: 'ingested',
      duration_ms: Date.now() - input.started,
    },
  );
  return {
    ...base,
    status: 'ingested',
    records,
    md5: sealed.md5,
    ...(rejected > 0
      ? { rows_quarantined: rejected, quarantine_file: path.relative(ctx.paths.root, rejectsFile) }
      : {}),
    archived_to: archiveDir ? path.relative(ctx.paths.root, archiveDir) : undefined,
  };
}
