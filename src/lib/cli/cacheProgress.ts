import cliProgress from 'cli-progress';
import type { CommandContext } from './commandContext.js';

/** Fewer stale partitions than this parse in a moment: no bar flickers up for them. */
const SHOW_FROM = 8;

/**
 * A progress bar for the raw-zone cache's partitions as a reader parses them: a lake ingested by
 * an older version (or whose cache was deleted) is converted once, and on a large lake that takes
 * minutes. On a TTY only; nothing in cron, pipes, CI or with --quiet / --json.
 */
export function cacheProgressBar(ctx: CommandContext): {
  onCacheProgress?: (dataset: string, done: number, total: number) => void;
  stop: () => void;
} {
  if (!process.stderr.isTTY || ctx.quiet || ctx.json) return { stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  return {
    onCacheProgress: (dataset, done, total) => {
      if (total < SHOW_FROM) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: 'raw-zone cache {bar} {value}/{total} parts parsed | {dataset}',
            stream: process.stderr,
            clearOnComplete: true,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { dataset });
      }
      bar.setTotal(total);
      bar.update(done, { dataset });
      if (done >= total) {
        bar.stop();
        bar = undefined;
      }
    },
    stop: () => bar?.stop(),
  };
}
