import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../../log/createLogger.js';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Connection retries before giving up (kafkajs' own exponential backoff). */
  retries?: number;
}

/**
 * A kafkajs client whose logs go to our logger at debug level: its connection
 * chatter is noise on stderr, and the failure that matters is reported once, by
 * us, with the brokers named.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 300, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, log }: LogEntry) => {
        const { message, ...extra } = log;
        options.logger.debug(`kafkajs ${namespace}: ${message}`, { kafkajs: extra });
      },
  });
}
