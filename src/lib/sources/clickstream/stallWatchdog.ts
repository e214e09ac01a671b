import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../../errors/errors.js';
import type { Logger } from '../../log/createLogger.js';

export interface StallWatchdog {
  /** Record an answer from the broker (an admin reply, a fetch, a heartbeat) or a lake commit. */
  contact(): void;
  /** A broker call that counts as contact when it answers, and gives up when the watchdog does. */
  guarded<T>(call: Promise<T>): Promise<T>;
  /** A call made while leaving: it must not hang on a broker that no longer answers. */
  bounded(call: Promise<unknown>): Promise<unknown>;
  /** The error once the deadline has passed. */
  stalled(): RuntimeError | undefined;
  /** Called once, when the deadline passes. */
  onStall(handler: () => void): void;
  stop(): void;
}

/**
 * The Kafka stall watchdog. A broker that freezes (a paused JVM, a full disk, a network
 * partition) answers nothing and raises no error either, so silence itself is the signal: a
 * warning every `warnMs` of it, and at `deadlineMs` the ingest stops with exit 3 and releases its
 * locks (the caller's `finally`).
 */
export function stallWatchdog(options: {
  brokers: string;
  topic: string;
  warnMs: number;
  deadlineMs: number;
  logger: Logger;
}): StallWatchdog {
  const { brokers, topic, warnMs, deadlineMs, logger } = options;
  let lastContact = Date.now();
  let answered = false;
  let warnedAt = 0;
  let stalled: RuntimeError | undefined;
  let rejectStall!: (error: RuntimeError) => void;
  const stall = new Promise<never>((_, reject) => (rejectStall = reject));
  stall.catch(() => undefined);
  let handler = () => undefined as void;
  const timer = setInterval(
    () => {
      const silent = Date.now() - lastContact;
      if (stalled) return;
      if (silent >= deadlineMs) {
        // A broker that never answered was not reached; one that stopped answering stalled.
        stalled = answered
          ? new RuntimeError(
              `Kafka at ${brokers} stopped answering: nothing for ${Math.round(silent / 1000)} s, past kafka.stall_deadline_seconds = ${deadlineMs / 1000}`,
              'check the broker (up? disk full? reachable?) and rerun: the lake holds every batch committed before the stall, and the next run resumes there',
            )
          : new RuntimeError(
              `cannot reach Kafka at ${brokers}: no answer in ${Math.round(silent / 1000)} s (kafka.stall_deadline_seconds = ${deadlineMs / 1000})`,
              'start the broker (scripts/kafka.sh start, or docker compose up -d) or pass --brokers / KAFKA_BROKERS',
            );
        logger.error(stalled.message, { topic, outcome: 'stalled', silent_ms: silent });
        rejectStall(stalled);
        handler();
      } else if (silent >= warnMs && Date.now() - warnedAt >= warnMs) {
        warnedAt = Date.now();
        logger.warn(
          `no answer from Kafka at ${brokers} for ${Math.round(silent / 1000)} s; giving up at ${deadlineMs / 1000} s`,
          { topic, outcome: 'stalling', silent_ms: silent },
        );
      }
    },
    Math.max(100, Math.min(1000, warnMs / 2)),
  );
  const contact = () => {
    lastContact = Date.now();
    answered = true;
  };
  return {
    contact,
    guarded: <T>(call: Promise<T>) =>
      Promise.race([
        call.then((v) => {
          contact();
          return v;
        }),
        stall,
      ]),
    bounded: (call) =>
      Promise.race([call.catch(() => undefined), sleep(stalled ? 2000 : 30_000, undefined, { ref: false })]),
    stalled: () => stalled,
    onStall: (h) => {
      handler = h;
    },
    stop: () => clearInterval(timer),
  };
}
