import { describe } from '@jest/globals';
import { randomBytes } from 'node:crypto';

/** The broker the global setup started (or the one KAFKA_BROKERS names). */
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS;

if (!KAFKA_BROKERS && process.env.RECOMART_REQUIRE_KAFKA === '1') {
  throw new Error('RECOMART_REQUIRE_KAFKA=1 but KAFKA_BROKERS is not set: the Kafka tests must run');
}

/** describe, or describe.skip when no broker is available (never in CI). */
export const describeKafka = KAFKA_BROKERS ? describe : describe.skip;

/** A fresh topic (and group) name per test, so tests never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * The flags of a --follow consumer that commits every second or 1,000 events and whose group gives
 * a killed member's partitions away after 6 s: the crash and rebalance tests run it.
 */
export const FAST_FOLLOW = [
  '--follow',
  '--batch-size',
  '1000',
  '--batch-timeout',
  '0.5',
  '--session-timeout-ms',
  '6000',
  '-q',
];
