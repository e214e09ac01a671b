import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { RuntimeError } from '../errors/errors.js';
import { resolveVersion } from '../features/featureStore.js';
import { featureViews } from '../features/featureViews.js';
import { recommendFor, similarTo, type Recommendations } from '../models/recommendFor.js';
import type { RunContext } from '../runContext.js';
import { registerDashboard } from './dashboardRoutes.js';
import type { FeatureTable } from './featureTable.js';
import type { InferenceRecord } from './inferenceLog.js';
import { flagParam, HttpError, idParam, idsParam, kParam, timeParam } from './requestInput.js';
import { historyOf, type ServedState } from './servedState.js';
import { ready, type ServeAppOptions, type StateHolder } from './stateHolder.js';

type Query = Record<string, string | string[] | undefined>;
type Pending = Omit<InferenceRecord, 'ts' | 'request_id' | 'status' | 'latency_ms'>;

/** Routes anyone may call with a token set: liveness, and the dashboard page (it holds no data). */
const OPEN = new Set(['/healthz', '/', '/dashboard.js']);

/** The HTTP API (docs/serving.md): recommendations, similar items, online features, health, metrics. */
export function buildServeApp(options: ServeAppOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 200 },
  });
  const pending = new WeakMap<FastifyRequest, Pending>();
  installHooks(app, options, pending);
  registerHealth(app, options);
  registerAnswers(app, options, pending);
  registerDashboard(app, options);
  return app;
}

/** Auth, the request id header, metrics and the inference log per answer, and JSON errors. */
function installHooks(
  app: FastifyInstance,
  options: ServeAppOptions,
  pending: WeakMap<FastifyRequest, Pending>,
): void {
  const { ctx, metrics } = options;
  const expected = options.token ? digest(options.token) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (!expected || OPEN.has(request.url.split('?')[0]!)) return;
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    // Both sides hashed to 32 bytes: the comparison takes the same time whatever the token's length.
    if (!timingSafeEqual(digest(given), expected)) {
      void reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'unauthorized', 'a valid Bearer token is required');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    const p = pending.get(request);
    if (p)
      options.log.write({
        ts: new Date().toISOString(),
        request_id: request.id,
        status: reply.statusCode,
        ...p,
        latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
      });
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof HttpError)
      return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    if (error.statusCode && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: 'bad_request', message: error.message });
    ctx.logger.error('serve: request failed', {
      request_id: request.id,
      url: request.url,
      error: error.message,
    });
    return reply.code(500).send({ error: 'internal', message: 'the server failed to answer; see its log' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}

function registerHealth(app: FastifyInstance, { holder, metrics }: ServeAppOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = holder.state;
    if (!state) return reply.code(503).send({ ready: false, message: 'loading the served versions' });
    return {
      ready: true,
      generation: state.generation,
      loaded_at: state.loaded_at,
      versions: state.versions,
    };
  });
  app.get('/metrics', async (_request, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/v1/versions', async () => {
    const state = ready(holder);
    return {
      generation: state.generation,
      loaded_at: state.loaded_at,
      load_ms: state.load_ms,
      ...state.versions,
    };
  });
}

/** The answers: recommendations, similar items, online features; each noted for the inference log. */
function registerAnswers(
  app: FastifyInstance,
  { ctx, holder }: ServeAppOptions,
  pending: WeakMap<FastifyRequest, Pending>,
): void {
  app.get('/v1/recommendations', async (request) => {
    const q = request.query as Query;
    const state = ready(holder);
    const user = idParam('user', q.user);
    const k = kParam(q.k);
    const model = modelOf(state, q.model);
    const includeBought =
      q.include_bought !== undefined
        ? flagParam('include_bought', q.include_bought)
        : !ctx.config.models.exclude_bought;
    const result = recommendFor(model.loaded, user, historyOf(model, user), k, includeBought);
    const feature_versions: Record<string, number> = model.history
      ? { user_item: model.history.meta.version }
      : {};
    pending.set(request, answered('recommendations', result, k, { user, feature_versions }));
    return { request_id: request.id, ...result, feature_versions };
  });

  app.get('/v1/similar', async (request) => {
    const q = request.query as Query;
    const state = ready(holder);
    const item = idParam('item', q.item);
    const k = kParam(q.k);
    const model = modelOf(state, q.model);
    if (!model.itemCodes.has(item))
      throw new HttpError(
        404,
        'unknown_item',
        `item ${item} is not in model ${model.meta.name} v=${model.meta.version}'s catalogue`,
      );
    const result = similarTo(model.loaded, item, k);
    pending.set(request, answered('similar', result, k, { item, feature_versions: {} }));
    return { request_id: request.id, ...result };
  });

  app.get('/v1/features/:view', async (request) => {
    const { view } = request.params as { view: string };
    const q = request.query as Query;
    const state = ready(holder);
    if (!featureViews.some((v) => v.name === view))
      throw new HttpError(
        404,
        'unknown_view',
        `no feature view named ${view}; views: ${featureViews.map((v) => v.name).join(', ')}`,
      );
    const ids = idsParam(q.ids);
    const asOf = timeParam('as_of', q.as_of);
    const table = await featureTable(ctx, holder, state, view, asOf);
    const rows = table.rows(ids);
    pending.set(request, {
      endpoint: 'features',
      view,
      ids,
      items: [...new Set(rows.map((r) => String(r[table.key])))],
      feature_versions: { [view]: table.meta.version },
    });
    return { view, version: table.meta.version, as_of: table.meta.as_of, rows };
  });
}

/** What the inference log records of a recommendation or similar-items answer. */
function answered(
  endpoint: 'recommendations' | 'similar',
  result: Recommendations,
  k: number,
  extra: Pick<Pending, 'feature_versions'> & Partial<Pending>,
): Pending {
  return {
    endpoint,
    k,
    kind: result.kind,
    items: result.items.map((i) => i.item_id),
    model: result.model,
    model_version: result.version,
    ...extra,
  };
}

function modelOf(state: ServedState, name: string | string[] | undefined) {
  if (name !== undefined && typeof name !== 'string') throw new HttpError(400, 'bad_model', 'give one model');
  const chosen = name ?? state.defaultModel;
  if (!chosen) throw new HttpError(404, 'no_model', 'no model is trained yet: recomart train');
  const model = state.models.get(chosen);
  if (!model)
    throw new HttpError(
      404,
      'unknown_model',
      `no model ${chosen} is served; served: ${[...state.models.keys()].join(', ') || 'none'}`,
    );
  return model;
}

/** The served version, or with as_of the newest version computed as of then (as `features get --as-of`). */
async function featureTable(
  ctx: RunContext,
  holder: StateHolder,
  state: ServedState,
  view: string,
  asOf: Date | undefined,
): Promise<FeatureTable> {
  const served = state.features.get(view);
  if (!asOf) {
    if (!served)
      throw new HttpError(
        404,
        'not_built',
        `feature view ${view} has no versions yet: recomart features build`,
      );
    return served;
  }
  let version: number;
  try {
    version = (await resolveVersion(ctx, view, { asOf })).version;
  } catch (e) {
    if (e instanceof RuntimeError) throw new HttpError(404, 'no_version', e.message);
    throw e;
  }
  return state.tables.get(`${view}@${version}`) ?? holder.tableFor(view, version);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
