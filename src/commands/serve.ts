import { createCommandContext, type GlobalOptions } from '../lib/cli/commandContext.js';
import { startServer } from '../lib/serve/startServer.js';

export async function serveCommand(
  options: GlobalOptions & { host: string; port: number; token?: string; poll: number },
): Promise<number> {
  const ctx = createCommandContext('serve', options);
  const token = options.token ?? process.env.RECOMART_SERVE_TOKEN;
  const server = await startServer(ctx, {
    host: options.host,
    port: options.port,
    pollSeconds: options.poll,
    ...(token ? { token } : {}),
  });
  const state = server.holder.state!;
  // An example that answers on this lake: its first user, not the simulator's CUST001.
  const example = state.features.get('user_activity')?.ids().next().value ?? 'CUST001';
  if (ctx.json)
    ctx.printJson({ url: server.url, ready: true, load_ms: state.load_ms, versions: state.versions });
  ctx.say(
    [
      `recomart serve: ${server.url} (dashboard at /, API under /v1/; ready in ${(state.load_ms / 1000).toFixed(1)} s)`,
      `features: ${
        Object.entries(state.versions.features)
          .map(([v, n]) => `${v} v${n}`)
          .join(', ') || 'none yet'
      }`,
      `models: ${
        Object.entries(state.versions.models)
          .map(([m, n]) => `${m} v${n}`)
          .join(', ') || 'none yet'
      }${state.defaultModel ? ` (default ${state.defaultModel})` : ''}`,
      `try: curl '${server.url}/v1/recommendations?user=${encodeURIComponent(example)}&k=5'${token ? ` -H 'Authorization: Bearer …'` : ''}`,
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.say('recomart serve: stopping after the requests in flight');
  await server.close();
  return 0;
}
