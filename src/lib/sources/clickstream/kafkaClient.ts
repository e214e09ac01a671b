import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import pRetry from 'p-retry';
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

/**
 * An admin call for one topic, retried while the broker answers with an error kafkajs marks
 * retriable. Right after a topic is created, or while a partition's leader moves, ListOffsets
 * answers "This server is not the leader for that topic-partition", and kafkajs' admin does not
 * retry it. Each retry first refreshes the topic's metadata, so that the call goes to the leader.
 */
export function whileRetriable<T>(admin: Admin, topic: string, call: () => Promise<T>): Promise<T> {
  let attempt = 0;
  return pRetry(
    async () => {
      if (attempt++ > 0) await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      return call();
    },
    {
      retries: 10,
      minTimeout: 100,
      maxTimeout: 1000,
      shouldRetry: ({ error }) => (error as { retriable?: unknown }).retriable === true,
    },
  );
}
