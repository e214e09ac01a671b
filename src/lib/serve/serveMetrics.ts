import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServedState } from './servedState.js';

/** The server's Prometheus metrics (GET /metrics), on a registry of its own. */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'recomart_http_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'recomart_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly served = new Gauge({
    name: 'recomart_served_version',
    help: 'The version served, per feature view and model (1 per served version)',
    labelNames: ['kind', 'name', 'version'] as const,
    registers: [this.registry],
  });
  readonly generation = new Gauge({
    name: 'recomart_state_generation',
    help: 'How many times the served versions were loaded (1 at start, +1 per hot reload)',
    registers: [this.registry],
  });
  readonly reloadFailures = new Counter({
    name: 'recomart_reload_failures_total',
    help: 'Hot reloads that failed (the previous versions stay served)',
    registers: [this.registry],
  });
  readonly loadSeconds = new Gauge({
    name: 'recomart_state_load_seconds',
    help: 'How long the last load of the served versions took',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'recomart_' });
  }

  /** After a (re)load: the versions gauge holds exactly the versions now served. */
  setState(state: ServedState): void {
    this.served.reset();
    for (const [name, v] of Object.entries(state.versions.features))
      this.served.set({ kind: 'feature', name, version: String(v) }, 1);
    for (const [name, v] of Object.entries(state.versions.models))
      this.served.set({ kind: 'model', name, version: String(v) }, 1);
    this.generation.set(state.generation);
    this.loadSeconds.set(state.load_ms / 1000);
  }
}
