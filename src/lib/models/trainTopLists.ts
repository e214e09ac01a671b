import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duck/rows.js';
import { quoteLiteral } from '../duck/sqlText.js';
import type { RunContext } from '../runContext.js';
import type { InteractionMatrix } from './interactionMatrix.js';
import type { ModelKind } from './recommender.js';
import type { TopLists } from './topLists.js';
import { topListsInThreads } from './topListsInThreads.js';
import { modelThreads, type FeatureVersions } from './trainingInputs.js';
import type { TrainedModel } from './trainModels.js';

/**
 * The top lists of every model just trained (config models.top_lists), for every user of the
 * matrix, or for the `max_users` most recently active ones (their last interaction in the
 * user_item version, newest first; ties by id), in the matrix's order.
 */
export async function trainTopLists(
  conn: DuckDBConnection,
  ctx: RunContext,
  versions: FeatureVersions,
  matrix: InteractionMatrix,
  trained: ReadonlyMap<ModelKind, TrainedModel>,
): Promise<{ lists: Map<ModelKind, TopLists>; ms: number } | undefined> {
  const { depth, max_users: maxUsers } = ctx.config.models.top_lists;
  if (depth === 0 || maxUsers === 0 || matrix.users.length === 0) return undefined;
  const started = performance.now();
  let rows = matrix.users.map((_, r) => r);
  if (rows.length > maxUsers) {
    const row = new Map(matrix.users.map((id, r) => [id, r]));
    const recent = await queryRows<{ user_id: string }>(
      conn,
      `SELECT user_id FROM read_parquet(${quoteLiteral(path.join(ctx.paths.root, versions.user_item.file))})
       GROUP BY user_id ORDER BY max(last_ts) DESC, user_id LIMIT ${maxUsers}`,
    );
    rows = recent
      .map((r) => row.get(r.user_id))
      .filter((r): r is number => r !== undefined)
      .sort((a, b) => a - b);
  }
  const models = new Map([...trained].map(([kind, t]) => [kind, t.recommender]));
  ctx.logger.info(`models: ranking the top ${depth} of ${rows.length} users for ${models.size} models`);
  const lists = await topListsInThreads(
    matrix,
    models,
    [...trained.values()],
    rows,
    depth,
    modelThreads(ctx) ?? availableParallelism(),
  );
  ctx.logger.info(
    `models: top ${depth} lists of ${rows.length} users for ${[...lists.keys()].join(', ')} in ${Math.round(performance.now() - started)} ms`,
  );
  return { lists, ms: Math.round(performance.now() - started) };
}
