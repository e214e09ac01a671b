import { startCli } from './runCli.js';

export interface RunningServer {
  url: string;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

/**
 * `recomart serve --port 0 --json` in `root`: resolves once it printed its URL (it has loaded the
 * served versions by then), or rejects with its stderr if it exits first.
 */
export function startServe(
  root: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const child = startCli(['serve', '--port', '0', '--json', '--poll', '0', ...args], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += String(d);
      let printed: { url: string };
      try {
        printed = JSON.parse(stdout) as { url: string };
      } catch {
        return; // not all of it yet
      }
      resolve({
        url: printed.url,
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          return child.exited;
        },
      });
    });
    void child.exited.then((code) => reject(new Error(`recomart serve exited ${code}: ${stderr}`)));
  });
}

/** GET url and parse the JSON answer, with the status and the request id the server gave it. */
export async function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; requestId: string | null }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T, requestId: res.headers.get('x-request-id') };
}
