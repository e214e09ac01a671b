import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { FastifyInstance } from 'fastify';
import { duckOptionsFor } from '../duck/duckOptionsFor.js';
import { withDuck } from '../duck/withDuck.js';
import { RuntimeError, UsageError } from '../errors/errors.js';
import { readVersion } from '../features/featureStore.js';
import type { RunContext } from '../runContext.js';
import { FeatureTable } from './featureTable.js';
import { INFERENCE_DIR, InferenceLog } from './inferenceLog.js';
import { buildServeApp } from './serveApp.js';
import { loadServedState, servedVersions, type ServedState } from './servedState.js';
import { ServeMetrics } from './serveMetrics.js';
import type { StateHolder } from './stateHolder.js';

export interface ServeOptions {
  host: string;
  port: number;
  token?: string;
  /** Seconds between checks for new versions, besides the file watcher's events; 0: watcher only. */
  pollSeconds: number;
}

export interface ServeHandle {
  app: FastifyInstance;
  url: string;
  holder: StateHolder;
  /** Loads the newest versions if they changed; resolves true when it switched. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
/** Versions loaded for as_of requests, beside the served ones (the oldest is dropped first). */
const AS_OF_TABLES = 2;

/** Refuses a reachable address without a token: features and recommendations are customer data. */
export function checkServeOptions(options: ServeOptions): void {
  if (!LOOPBACK.has(options.host) && !options.token)
    throw new UsageError(
      `--host ${options.host} makes the server reachable from other machines, and it has no --token`,
      'give --token <secret> (or RECOMART_SERVE_TOKEN); clients send Authorization: Bearer <secret>',
    );
}

/**
 * Listens, loads the served versions (/readyz answers 503 until then), and from then on switches
 * to new versions as `features build` and `train` publish them: a file watcher on feature_store/
 * and models/, a poll as a safety net, and SIGHUP. A reload builds the next state beside the
 * current one; requests keep being answered from the current one until the swap.
 */
export async function startServer(ctx: RunContext, options: ServeOptions): Promise<ServeHandle> {
  checkServeOptions(options);
  const metrics = new ServeMetrics();
  const log = new InferenceLog(path.join(ctx.paths.logs, INFERENCE_DIR));
  const holder = stateHolder(ctx);
  const app = buildServeApp({
    ctx,
    holder,
    log,
    metrics,
    ...(options.token ? { token: options.token } : {}),
  });
  await listen(app, options);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  const install = (state: ServedState) => {
    holder.state = state;
    metrics.setState(state);
    const fields = { generation: state.generation, load_ms: state.load_ms, ...state.versions };
    if (state.generation > 1) ctx.logger.info('serve: switched to new versions', fields);
    else ctx.logger.debug('serve: versions loaded', fields);
  };
  install(await loadServedState(ctx));

  let running: Promise<boolean> | undefined;
  let again = false;
  const reloadOnce = async (): Promise<boolean> => {
    const current = holder.state!;
    const next = await servedVersions(ctx);
    if (JSON.stringify(next) === JSON.stringify(current.versions)) return false;
    install(await loadServedState(ctx, current));
    return true;
  };
  const reload = async (): Promise<boolean> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let switched = false;
      do {
        again = false;
        try {
          switched = (await reloadOnce()) || switched;
        } catch (e) {
          metrics.reloadFailures.inc();
          ctx.logger.error('serve: reload failed; the previous versions stay served', {
            error: (e as Error).message,
          });
        }
      } while (again);
      return switched;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const watcher: FSWatcher = watch([ctx.paths.featureStore, ctx.paths.models], {
    depth: 1,
    ignoreInitial: true,
    ignored: (p) => path.basename(p).startsWith('.'),
  });
  let timer: NodeJS.Timeout | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 250);
  };
  watcher
    .on('addDir', soon)
    .on('unlinkDir', soon)
    .on('error', (e) => ctx.logger.warn('serve: watcher', { error: String(e) }));
  const poll =
    options.pollSeconds > 0 ? setInterval(() => void reload(), options.pollSeconds * 1000) : undefined;
  poll?.unref();
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);

  return {
    app,
    url,
    holder,
    reload,
    async close() {
      process.off('SIGHUP', onHup);
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      await watcher.close();
      await app.close();
      await running;
      await log.close();
    },
  };
}

/** The holder of the served state, and a small cache of versions that as_of requests reach. */
function stateHolder(ctx: RunContext): StateHolder {
  const asOf = new Map<string, Promise<FeatureTable>>();
  return {
    tableFor(view, version) {
      const key = `${view}@${version}`;
      let t = asOf.get(key);
      if (!t) {
        t = readVersion(ctx, view, version).then((meta) =>
          withDuck(duckOptionsFor(ctx), (conn) => FeatureTable.load(conn, ctx.paths.root, meta)),
        );
        t.catch(() => asOf.delete(key));
        asOf.set(key, t);
        while (asOf.size > AS_OF_TABLES) asOf.delete(asOf.keys().next().value!);
      }
      return t;
    },
  };
}

/** Listens, turning the usual refusals into a runtime error with its fix. */
async function listen(app: FastifyInstance, options: ServeOptions): Promise<void> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new RuntimeError(
        `cannot listen on ${options.host}:${options.port} (${code})`,
        code === 'EADDRINUSE'
          ? 'another process has that port: stop it, or give --port <n> (0: any free port)'
          : 'give an address of this machine (--host) and a port you may open (--port, above 1023)',
      );
    throw e;
  }
}
