import type { JSONSchemaType } from 'ajv';
import { datasetNames, type DatasetName } from '../datasets/datasetCatalog.js';

export type Scale = 'small' | 'medium' | 'large';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * The whole configuration. Keys are snake_case so that each maps mechanically to
 * an environment variable: `simulator.seed` ⇄ `RECOMART_SIMULATOR_SEED`.
 */
export interface Config {
  simulator: {
    /** PRNG seed: the same seed and sizes give byte-identical output. */
    seed: number;
    scale: Scale;
    /** Probability that a generated row carries one injected defect (0 = clean). */
    defects: number;
    /** First day of simulated activity (UTC, YYYY-MM-DD). */
    start_date: string;
    days: number;
    /** Where the simulated source systems write their exports, relative to the lake root. */
    output_dir: string;
  };
  master: {
    /** Directory holding the master-data exports, relative to the lake root. */
    from: string;
  };
  lock: {
    /** How long a command waits for another process's lock before exiting 3. */
    wait_seconds: number;
  };
  transactions: {
    /** A landing file without a `.ready` marker is taken once it is this many seconds old. */
    stable_seconds: number;
  };
  kafka: {
    /** Comma-separated bootstrap servers (also KAFKA_BROKERS). */
    brokers: string;
    topic: string;
    group: string;
    /** Events per micro-batch: a batch is one set of files and one commit. */
    batch_size: number;
    /** A partial batch is flushed after this long, even when no new message arrives. */
    batch_timeout_seconds: number;
    /** How soon the group notices a dead consumer and hands its partitions on. */
    session_timeout_ms: number;
    /** A broker silent this long (no fetch answered, no heartbeat) is logged as a warning, and again each time as long. */
    stall_warn_seconds: number;
    /** A broker silent this long stops the ingest: exit 3, locks released, the lake as of its last commit. */
    stall_deadline_seconds: number;
  };
  api: {
    /** The external metadata endpoint (GET, paginated with page/page_size and a `next` link). */
    url: string;
    page_size: number;
    /** Per-request timeout. */
    timeout_ms: number;
    /** Tries per request, the first included; only transient failures are retried. */
    attempts: number;
    /** First backoff; doubles per retry, with jitter, up to max_backoff_ms. */
    backoff_ms: number;
    max_backoff_ms: number;
    max_response_bytes: number;
    max_pages: number;
    /** The whole pull, retries included, must finish within this. */
    deadline_seconds: number;
    /**
     * Send the token over plain http to a host other than this machine. Off: a token travels only
     * over https, or to a loopback address.
     */
    allow_insecure_token: boolean;
  };
  duckdb: {
    /** DuckDB's buffer pool cap, or `auto` (1 GB for checks and queries, 2 GB for profile, 4 GB for prepare and features); larger work spills to .recomart/duckdb_tmp. */
    memory_limit: string;
    /** Worker threads; 0 = one per core. */
    threads: number;
  };
  profile: {
    /** A user or item with fewer interactions than this is cold-start (also the feature views'). */
    cold_start_threshold: number;
    /** Most frequent values kept per column. */
    top_k: number;
    histogram_bins: number;
    /** Up to this many rows distinct counts are exact; above, HyperLogLog estimates (labelled approximate). */
    exact_distinct_max_rows: number;
    /**
     * A numeric column with at most this many distinct values (estimated) gets exact quantiles,
     * from one GROUP BY of its values, at any row count; above, and above exact_distinct_max_rows
     * rows, t-digest estimates (labelled approximate).
     */
    exact_quantile_max_distinct: number;
    /**
     * Share of DuckDB's memory limit the typed copies of the datasets may take; a dataset that
     * does not fit is profiled through a view that casts on every read. 0: always views.
     */
    typed_copy_memory_percent: number;
    /**
     * Profile each multi-partition dataset from the typed columns of the raw-zone cache, cast
     * when each partition entered it; false: cast the text on every run.
     */
    typed_cache: boolean;
    /** Thresholds of the alerts (docs/commands.md, "recomart profile"). */
    alerts: {
      high_missing_percent: number;
      /** A text column with more distinct values than this (and not unique) is high-cardinality. */
      high_cardinality: number;
      /** |skewness| above this is skewed. */
      skewness: number;
      /** 1 − normalised entropy above this is imbalanced (categoricals with 2–high_cardinality values). */
      imbalance: number;
      zeros_percent: number;
    };
  };
  /** train, evaluate and recommend (docs/models.md). */
  models: {
    /** evaluate's test set: what happened in the this many days after the as-of time. */
    horizon_days: number;
    /** Leave what a user bought before the as-of time out of their candidates (evaluate and recommend). */
    exclude_bought: boolean;
    /** The model recommend uses without --model. */
    default_model: 'popularity' | 'item_knn' | 'ials' | 'content' | 'hybrid';
    /** Worker threads for ials and the top lists; 0 = one per core. */
    threads: number;
    /**
     * Top lists computed at train time, from which `serve` and `recommend` answer without scoring
     * (docs/models.md#top-lists): each user's best `depth` items; `max_users` most recently active
     * users get one. depth 0: none, every answer is scored live.
     */
    top_lists: { depth: number; max_users: number };
    ials: {
      factors: number;
      /** λ; 'auto': 1.6 · √(users in the matrix), which suits the simulator's lakes from 1,000 to 100,000 users. */
      regularization: number | 'auto';
      /** Confidence c = 1 + alpha · strength. */
      alpha: number;
      iterations: number;
      cg_steps: number;
      seed: number;
    };
    hybrid: {
      /** Users with fewer interactions get the cold blend (content + popularity in their categories). */
      warm_threshold: number;
      /** Weights of the warm blend's reciprocal-rank fusion. */
      weights: { ials: number; item_knn: number; content: number };
    };
  };
  /** recomart monitor's alert thresholds (docs/serving.md, "Monitoring"). */
  monitor: {
    /** Population stability index of a numeric feature between the served version and the one before. */
    psi_max: number;
    /** Share of the served version's users (or items) absent from the one before. */
    new_entities_max: number;
    /** Mean share of the default model's top-10 kept between its served version and the one before. */
    overlap_min: number;
    /** 99th percentile of answered requests' latency, milliseconds. */
    latency_p99_ms_max: number;
    /** Share of recommendation answers that were the cold-start list. */
    cold_start_share_max: number;
  };
  log: {
    level: LogLevel;
    /** JSON-lines log file, relative to the lake root. */
    file: string;
  };
  /** How the user's exports map onto the catalog's datasets (docs/bring-your-own-data.md). */
  sources: Partial<Record<DatasetName, SourceMapping>>;
}

/** One dataset's source mapping; every key is optional, and only some apply to each dataset. */
export interface SourceMapping {
  /**
   * Master data: the export's file name or glob in master.from (newest match wins); clickstream:
   * the --from-file default; metadata: a file to read instead of the API.
   */
  file?: string;
  /** Column (or clickstream field) renames, source name → catalog name. */
  rename?: Record<string, string>;
  /** CSV field delimiter; sniffed from the header line when unset. */
  delimiter?: string;
  /** CSV quote character (default "). */
  quote?: string;
  /** CSV text encoding (default utf-8). */
  encoding?: 'utf-8' | 'latin-1' | 'utf-16';
  /** strftime format of the dataset's DATE columns when not YYYY-MM-DD, e.g. "%d/%m/%Y". */
  date_format?: string;
  /** IANA timezone of timestamps without an offset (default UTC); recorded in each manifest. */
  timezone?: string;
  /** The dataset's key, overriding the catalog's. */
  key?: string[];
}

type MappingKey = keyof SourceMapping;
const CSV_DIALECT: MappingKey[] = ['delimiter', 'quote', 'encoding'];

/**
 * Which mapping keys each dataset reads, and for the others why not: a key that would be
 * silently ignored is a config error instead (docs/bring-your-own-data.md has the same table).
 */
export const sourceMappingKeys: Readonly<Record<DatasetName, readonly MappingKey[]>> = {
  catalog: ['file', 'rename', ...CSV_DIALECT, 'date_format', 'key'],
  customers: ['file', 'rename', ...CSV_DIALECT, 'date_format', 'key'],
  // Drops are whatever lands in raw_zone/landing/: there is no file to name.
  transactions: ['rename', ...CSV_DIALECT, 'date_format', 'key'],
  // JSON: no dialect; timestamps carry their own format, and a naive one needs its zone.
  clickstream: ['file', 'rename', 'timezone', 'key'],
  external_metadata: ['file', 'rename', ...CSV_DIALECT, 'key'],
};

export const configSchema: JSONSchemaType<Config> = {
  type: 'object',
  additionalProperties: false,
  required: [
    'simulator',
    'master',
    'lock',
    'transactions',
    'kafka',
    'api',
    'duckdb',
    'profile',
    'models',
    'monitor',
    'log',
    'sources',
  ],
  properties: {
    simulator: {
      type: 'object',
      additionalProperties: false,
      required: ['seed', 'scale', 'defects', 'start_date', 'days', 'output_dir'],
      properties: {
        seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
        scale: { type: 'string', enum: ['small', 'medium', 'large'] },
        defects: { type: 'number', minimum: 0, maximum: 0.5 },
        start_date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        days: { type: 'integer', minimum: 1, maximum: 3650 },
        output_dir: { type: 'string', minLength: 1 },
      },
    },
    master: {
      type: 'object',
      additionalProperties: false,
      required: ['from'],
      properties: { from: { type: 'string', minLength: 1 } },
    },
    lock: {
      type: 'object',
      additionalProperties: false,
      required: ['wait_seconds'],
      properties: { wait_seconds: { type: 'number', minimum: 0, maximum: 86400 } },
    },
    transactions: {
      type: 'object',
      additionalProperties: false,
      required: ['stable_seconds'],
      properties: { stable_seconds: { type: 'number', minimum: 0, maximum: 3600 } },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      required: [
        'brokers',
        'topic',
        'group',
        'batch_size',
        'batch_timeout_seconds',
        'session_timeout_ms',
        'stall_warn_seconds',
        'stall_deadline_seconds',
      ],
      properties: {
        brokers: { type: 'string', pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' },
        topic: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
        group: { type: 'string', minLength: 1 },
        batch_size: { type: 'integer', minimum: 1, maximum: 1000000 },
        batch_timeout_seconds: { type: 'number', minimum: 0.05, maximum: 3600 },
        session_timeout_ms: { type: 'integer', minimum: 6000, maximum: 300000 },
        stall_warn_seconds: { type: 'number', minimum: 1, maximum: 3600 },
        stall_deadline_seconds: { type: 'number', minimum: 2, maximum: 86400 },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      required: [
        'url',
        'page_size',
        'timeout_ms',
        'attempts',
        'backoff_ms',
        'max_backoff_ms',
        'max_response_bytes',
        'max_pages',
        'deadline_seconds',
        'allow_insecure_token',
      ],
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        page_size: { type: 'integer', minimum: 1, maximum: 100000 },
        timeout_ms: { type: 'integer', minimum: 1, maximum: 600000 },
        attempts: { type: 'integer', minimum: 1, maximum: 20 },
        backoff_ms: { type: 'integer', minimum: 0, maximum: 600000 },
        max_backoff_ms: { type: 'integer', minimum: 0, maximum: 600000 },
        max_response_bytes: { type: 'integer', minimum: 1 },
        max_pages: { type: 'integer', minimum: 1 },
        deadline_seconds: { type: 'number', minimum: 0.1, maximum: 86400 },
        allow_insecure_token: { type: 'boolean' },
      },
    },
    duckdb: {
      type: 'object',
      additionalProperties: false,
      required: ['memory_limit', 'threads'],
      properties: {
        memory_limit: { type: 'string', pattern: '^(auto|\\d+(\\.\\d+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))$' },
        threads: { type: 'integer', minimum: 0, maximum: 256 },
      },
    },
    profile: {
      type: 'object',
      additionalProperties: false,
      required: [
        'cold_start_threshold',
        'top_k',
        'histogram_bins',
        'exact_distinct_max_rows',
        'exact_quantile_max_distinct',
        'typed_copy_memory_percent',
        'typed_cache',
        'alerts',
      ],
      properties: {
        cold_start_threshold: { type: 'integer', minimum: 1 },
        top_k: { type: 'integer', minimum: 1, maximum: 1000 },
        histogram_bins: { type: 'integer', minimum: 2, maximum: 200 },
        exact_distinct_max_rows: { type: 'integer', minimum: 0 },
        exact_quantile_max_distinct: { type: 'integer', minimum: 0 },
        typed_copy_memory_percent: { type: 'number', minimum: 0, maximum: 90 },
        typed_cache: { type: 'boolean' },
        alerts: {
          type: 'object',
          additionalProperties: false,
          required: ['high_missing_percent', 'high_cardinality', 'skewness', 'imbalance', 'zeros_percent'],
          properties: {
            high_missing_percent: { type: 'number', minimum: 0, maximum: 100 },
            high_cardinality: { type: 'integer', minimum: 1 },
            skewness: { type: 'number', minimum: 0 },
            imbalance: { type: 'number', minimum: 0, maximum: 1 },
            zeros_percent: { type: 'number', minimum: 0, maximum: 100 },
          },
        },
      },
    },
    models: {
      type: 'object',
      additionalProperties: false,
      required: ['horizon_days', 'exclude_bought', 'default_model', 'threads', 'top_lists', 'ials', 'hybrid'],
      properties: {
        horizon_days: { type: 'number', minimum: 0.001, maximum: 3650 },
        exclude_bought: { type: 'boolean' },
        default_model: { type: 'string', enum: ['popularity', 'item_knn', 'ials', 'content', 'hybrid'] },
        threads: { type: 'integer', minimum: 0, maximum: 256 },
        top_lists: {
          type: 'object',
          additionalProperties: false,
          required: ['depth', 'max_users'],
          properties: {
            depth: { type: 'integer', minimum: 0, maximum: 100 },
            max_users: { type: 'integer', minimum: 0 },
          },
        },
        ials: {
          type: 'object',
          additionalProperties: false,
          required: ['factors', 'regularization', 'alpha', 'iterations', 'cg_steps', 'seed'],
          properties: {
            factors: { type: 'integer', minimum: 1, maximum: 1024 },
            regularization: {
              oneOf: [
                { type: 'number', minimum: 0 },
                { type: 'string', const: 'auto' },
              ],
            },
            alpha: { type: 'number', minimum: 0 },
            iterations: { type: 'integer', minimum: 1, maximum: 1000 },
            cg_steps: { type: 'integer', minimum: 1, maximum: 100 },
            seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
          },
        },
        hybrid: {
          type: 'object',
          additionalProperties: false,
          required: ['warm_threshold', 'weights'],
          properties: {
            warm_threshold: { type: 'integer', minimum: 1, maximum: 1000 },
            weights: {
              type: 'object',
              additionalProperties: false,
              required: ['ials', 'item_knn', 'content'],
              properties: {
                ials: { type: 'number', minimum: 0 },
                item_knn: { type: 'number', minimum: 0 },
                content: { type: 'number', minimum: 0 },
              },
            },
          },
        },
      },
    },
    monitor: {
      type: 'object',
      additionalProperties: false,
      required: ['psi_max', 'new_entities_max', 'overlap_min', 'latency_p99_ms_max', 'cold_start_share_max'],
      properties: {
        psi_max: { type: 'number', minimum: 0 },
        new_entities_max: { type: 'number', minimum: 0, maximum: 1 },
        overlap_min: { type: 'number', minimum: 0, maximum: 1 },
        latency_p99_ms_max: { type: 'number', minimum: 0 },
        cold_start_share_max: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      required: ['level', 'file'],
      properties: {
        level: { type: 'string', enum: ['error', 'warn', 'info', 'debug'] },
        file: { type: 'string', minLength: 1 },
      },
    },
    sources: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: Object.fromEntries(datasetNames.map((name) => [name, sourceMappingSchema()])),
    } as unknown as JSONSchemaType<Config['sources']>,
  },
};

function sourceMappingSchema() {
  return {
    type: 'object',
    nullable: true,
    additionalProperties: false,
    properties: {
      file: { type: 'string', minLength: 1 },
      rename: {
        type: 'object',
        additionalProperties: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      },
      delimiter: { type: 'string', minLength: 1, maxLength: 1 },
      quote: { type: 'string', minLength: 1, maxLength: 1 },
      encoding: { type: 'string', enum: ['utf-8', 'latin-1', 'utf-16'] },
      date_format: { type: 'string', minLength: 2 },
      timezone: { type: 'string', minLength: 1 },
      key: { type: 'array', items: { type: 'string' }, minItems: 1 },
    },
  };
}

export const defaultConfig: Config = {
  simulator: {
    seed: 42,
    scale: 'small',
    defects: 0,
    start_date: '2026-08-01',
    days: 90,
    output_dir: 'source_systems',
  },
  master: { from: 'source_systems/master' },
  lock: { wait_seconds: 0 },
  transactions: { stable_seconds: 2 },
  kafka: {
    brokers: '127.0.0.1:9092',
    topic: 'reco_clickstream',
    group: 'recomart-clickstream',
    batch_size: 10000,
    batch_timeout_seconds: 10,
    session_timeout_ms: 6000,
    stall_warn_seconds: 15,
    stall_deadline_seconds: 120,
  },
  api: {
    url: 'http://127.0.0.1:8000/product_stats',
    page_size: 1000,
    timeout_ms: 10000,
    attempts: 3,
    backoff_ms: 500,
    max_backoff_ms: 10000,
    max_response_bytes: 50 * 1024 * 1024,
    max_pages: 10000,
    deadline_seconds: 300,
    allow_insecure_token: false,
  },
  duckdb: { memory_limit: 'auto', threads: 0 },
  profile: {
    cold_start_threshold: 5,
    top_k: 10,
    histogram_bins: 20,
    exact_distinct_max_rows: 500_000,
    exact_quantile_max_distinct: 100_000,
    typed_copy_memory_percent: 60,
    typed_cache: true,
    // ydata-profiling's defaults where it has one (skewness 20, imbalance 0.5, zeros 10%).
    alerts: {
      high_missing_percent: 10,
      high_cardinality: 50,
      skewness: 20,
      imbalance: 0.5,
      zeros_percent: 10,
    },
  },
  models: {
    horizon_days: 7,
    exclude_bought: true,
    default_model: 'hybrid',
    threads: 0,
    top_lists: { depth: 20, max_users: 100_000 },
    ials: { factors: 64, regularization: 'auto', alpha: 3, iterations: 15, cg_steps: 3, seed: 42 },
    hybrid: { warm_threshold: 3, weights: { ials: 1, item_knn: 1, content: 0.25 } },
  },
  // PSI: 0.1–0.25 is the usual "moderate shift" band, above 0.25 a significant one.
  monitor: {
    psi_max: 0.25,
    new_entities_max: 0.5,
    overlap_min: 0.3,
    latency_p99_ms_max: 250,
    cold_start_share_max: 0.5,
  },
  log: { level: 'info', file: 'logs/recomart.log' },
  sources: {},
};
