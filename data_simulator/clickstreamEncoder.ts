import { customerId } from './customerTraits.js';
import { DatasetLedgerBuilder } from './defectLedger.js';
import { Prng } from './prng.js';
import type { ClickEvent } from './sessionGenerator.js';

export interface ClickstreamDefectOptions {
  seed: number;
  defectRate: number;
  customers: number;
}

/**
 * Serialises events to JSON lines, injecting the clickstream defects of the
 * ledger. Shared by the JSONL file sink and the Kafka producer so both carry
 * the same defects for the same seed.
 */
export class ClickstreamEncoder {
  readonly ledger = new DatasetLedgerBuilder();
  private readonly prng: Prng;
  private unknownUsers = 0;

  constructor(private readonly options: ClickstreamDefectOptions) {
    this.prng = new Prng(options.seed, 'defects:clickstream');
  }

  /** One or two lines (a duplicate delivery) for this event. */
  encode(event: ClickEvent): string[] {
    if (this.options.defectRate <= 0 || !this.prng.chance(this.options.defectRate))
      return [JSON.stringify(event)];
    const id = event.event_id;
    switch (this.prng.int(8)) {
      case 0: {
        const text = JSON.stringify(event);
        this.ledger.record('malformed_json', null, 'ingest', id);
        return [text.slice(0, Math.floor(text.length / 2))];
      }
      case 1: {
        const { timestamp: _dropped, ...rest } = event;
        this.ledger.record('missing_timestamp', 'timestamp', 'ingest', id);
        return [JSON.stringify(rest)];
      }
      case 2:
        this.ledger.record('invalid_timestamp', 'timestamp', 'ingest', id);
        return [JSON.stringify({ ...event, timestamp: '2024-13-45T25:61:00Z' })];
      case 3:
        this.ledger.record('invalid_value', 'event_type', 'ingest', id);
        return [JSON.stringify({ ...event, event_type: 'hover' })];
      case 4:
        this.ledger.record('unknown_foreign_key', 'user_id', 'validate', id);
        return [
          JSON.stringify({ ...event, user_id: customerId(this.options.customers + ++this.unknownUsers) }),
        ];
      case 5: {
        if (event.event_type === 'search') return this.encodeDuplicate(event);
        this.ledger.record('missing_value', 'item_id', 'validate', id);
        return [JSON.stringify({ ...event, item_id: null })];
      }
      case 6:
        this.ledger.record('out_of_range', 'dwell_time', 'validate', id);
        return [JSON.stringify({ ...event, dwell_time: -Math.abs(event.dwell_time) - 1 })];
      default:
        return this.encodeDuplicate(event);
    }
  }

  private encodeDuplicate(event: ClickEvent): string[] {
    this.ledger.record('duplicate_row', null, 'validate', event.event_id);
    const text = JSON.stringify(event);
    return [text, text];
  }
}
