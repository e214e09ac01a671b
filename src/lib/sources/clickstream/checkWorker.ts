import { parentPort } from 'node:worker_threads';
import { checkBatch, type ConsumedEvent } from './checkBatch.js';
import type { EventMapping } from './eventSchema.js';

/** A request to the clickstream check worker: one batch of one partition. */
export interface CheckRequest {
  id: number;
  events: ConsumedEvent[];
  mapping: EventMapping;
  topic: string;
  partition: number;
}

/**
 * The clickstream check worker: parses and checks each batch it is sent (checkBatch) while the
 * consumer's thread reads the next one and commits the one before. The reply carries the hour
 * files' bytes and md5s; an unexpected failure is a reply too, so the batch's caller sees it.
 */
parentPort!.on('message', (m: CheckRequest) => {
  try {
    parentPort!.postMessage({ id: m.id, checked: checkBatch(m.events, m.mapping, m.topic, m.partition) });
  } catch (error) {
    parentPort!.postMessage({ id: m.id, error: (error as Error).stack ?? String(error) });
  }
});
