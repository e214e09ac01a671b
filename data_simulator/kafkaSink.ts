import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import { RuntimeError } from '../src/lib/errors/errors.js';
import type { Logger } from '../src/lib/log/createLogger.js';
import { createKafka } from '../src/lib/sources/clickstream/kafkaClient.js';

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  /** Partitions to create the topic with, if it does not exist. */
  partitions: number;
  /** Events per second; undefined = as fast as the broker takes them. */
  rate?: number;
  logger: Logger;
}

/**
 * Sends clickstream lines to Kafka, keyed by user so a user's events stay in
 * order on one partition; batches of 1000 with acks from all in-sync replicas.
 */
export class KafkaSink {
  private batch: { key: string | null; value: string }[] = [];
  lines = 0;
  private readonly started = Date.now();

  private constructor(
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly options: KafkaSinkOptions,
  ) {}

  static async open(options: KafkaSinkOptions): Promise<KafkaSink> {
    const kafka = createKafka({
      brokers: options.brokers,
      clientId: 'recomart-simulator',
      logger: options.logger,
    });
    const admin = kafka.admin();
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    try {
      await admin.connect();
      if (!(await admin.listTopics()).includes(options.topic)) {
        await admin.createTopics({
          topics: [{ topic: options.topic, numPartitions: options.partitions }],
          waitForLeaders: true,
        });
      }
      await producer.connect();
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw new RuntimeError(
        `cannot reach Kafka at ${options.brokers.join(', ')}: ${(error as Error).message}`,
        'start the broker (scripts/kafka.sh start, or docker compose up -d) or pass --brokers / KAFKA_BROKERS',
      );
    }
    return new KafkaSink(producer, admin, options);
  }

  async line(value: string, key: string | null): Promise<void> {
    this.batch.push({ key, value });
    this.lines++;
    if (this.batch.length >= 1000) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const messages = this.batch;
    this.batch = [];
    await this.producer.send({ topic: this.options.topic, acks: -1, messages });
    if (this.options.rate) {
      const due = this.started + (this.lines / this.options.rate) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  async abort(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
