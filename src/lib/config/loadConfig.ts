import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, UsageError } from '../errors/errors.js';
import { columnNames, datasetNames, specOf } from '../datasets/datasetCatalog.js';
import {
  configSchema,
  defaultConfig,
  sourceMappingKeys,
  type Config,
  type SourceMapping,
} from './configSchema.js';
import { newAjv } from './newAjv.js';

/** A flag value keyed by its config path, e.g. `{ 'simulator.seed': '7' }`, with the flag's name. */
export interface FlagOverride {
  path: string;
  value: unknown;
  flag: string;
}

export interface LoadConfigOptions {
  root: string;
  /** Explicit `--config` file; when absent, `recomart.config.{json,yaml,yml}` in the root is used if present. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  flags?: FlagOverride[];
}

export interface LoadedConfig {
  config: Config;
  /** The config file that was read, if any. */
  file?: string;
  /** Non-fatal remarks, e.g. an unknown RECOMART_* variable. */
  warnings: string[];
}

export const CONFIG_FILE_NAMES = ['recomart.config.json', 'recomart.config.yaml', 'recomart.config.yml'];

/** Environment variables that are not config keys and must not be reported as unknown. */
const RESERVED_ENV = new Set([
  'RECOMART_HOME',
  'RECOMART_API_TOKEN',
  'RECOMART_REQUIRE_KAFKA',
  'RECOMART_CONFIG',
  'RECOMART_FAILPOINT',
  'RECOMART_TRACE_SQL',
  'RECOMART_REQUIRE_REPORT_TOOLS',
  'RECOMART_KAFKA_STATE', // scripts/kafka.sh's state directory
]);

type Json = Record<string, unknown>;

/**
 * Builds the configuration from defaults < config file < RECOMART_* env < flags,
 * then validates it once. Every problem is collected and thrown together in a
 * ConfigError, each naming where the bad value came from (file and line, env
 * variable or flag).
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const merged = structuredClone(defaultConfig) as unknown as Json;

  const file = findConfigFile(options.root, options.configFile ?? env.RECOMART_CONFIG);
  if (file) {
    const fromFile = readConfigFile(file, problems);
    if (fromFile) {
      mergeInto(merged, fromFile.value, '', (p) => origin.set(p, fromFile.where(p)));
    }
  }

  // KAFKA_BROKERS is the variable every Kafka tool reads; RECOMART_KAFKA_BROKERS and --brokers override it.
  if (env.KAFKA_BROKERS) {
    setPath(merged, 'kafka.brokers', env.KAFKA_BROKERS);
    origin.set('kafka.brokers', 'environment variable KAFKA_BROKERS');
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('RECOMART_') || raw === undefined || RESERVED_ENV.has(name)) continue;
    const keyPath = envNameToPath(name);
    if (!keyPath) {
      warnings.push(
        `ignoring ${name}: no config key ${name.slice(9).toLowerCase()} (see docs/configuration.md)`,
      );
      continue;
    }
    setPath(merged, keyPath, coerce(keyPath, raw));
    origin.set(keyPath, `environment variable ${name}`);
  }

  for (const flag of options.flags ?? []) {
    if (flag.value === undefined) continue;
    setPath(merged, flag.path, coerce(flag.path, flag.value));
    origin.set(flag.path, `flag ${flag.flag}`);
  }

  // Nothing set: the defaults, which satisfy the schema (tested). Compiling the schema is 40 ms
  // of every command's start-up, an eighth of a `recommend` process.
  const validate = origin.size > 0 ? newAjv({ strict: true }).compile(configSchema) : undefined;
  if (validate && !validate(merged)) {
    const errors = validate.errors ?? [];
    // A setting that may be a number or a word fails each alternative and the oneOf: report it once.
    const oneOf = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
    for (const error of errors)
      if (error.keyword === 'oneOf') problems.push(describeOneOf(error, origin));
      else if (!oneOf.has(error.instancePath)) problems.push(describe(error, origin));
  }
  problems.push(...sourceProblems(merged as unknown as Config, origin));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: merged as unknown as Config, file, warnings };
}

function findConfigFile(root: string, explicit: string | undefined): string | undefined {
  if (explicit) {
    const resolved = path.resolve(root, explicit);
    if (!existsSync(resolved)) {
      throw new UsageError(`config file not found: ${resolved}`, 'pass an existing file to --config');
    }
    return resolved;
  }
  return CONFIG_FILE_NAMES.map((n) => path.join(root, n)).find((p) => existsSync(p));
}

interface ParsedFile {
  value: Json;
  where: (keyPath: string) => string;
}

/** JSON is YAML, so one parser gives both formats line numbers for every key. */
function readConfigFile(file: string, problems: string[]): ParsedFile | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      problems.push(`${file}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
    return undefined;
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return { value: {}, where: () => file };
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(
      `${file}:1: the config file must hold a mapping of sections (simulator, master, lock, log)`,
    );
    return undefined;
  }
  return {
    value: value as Json,
    where: (keyPath) => {
      const node = doc.getIn(keyPath.split('.'), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      return offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`;
    },
  };
}

/** Deep-merges `source` into `target`, reporting the dotted path of every leaf it sets. */
function mergeInto(target: Json, source: Json, prefix: string, onLeaf: (keyPath: string) => void): void {
  for (const [key, value] of Object.entries(source)) {
    const keyPath = prefix ? `${prefix}.${key}` : key;
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      mergeInto(existing, value, keyPath, onLeaf);
    } else {
      target[key] = value;
      onLeaf(keyPath);
    }
  }
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(target: Json, keyPath: string, value: unknown): void {
  const parts = keyPath.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

interface SchemaNode {
  type?: string;
  const?: unknown;
  minimum?: number;
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
}

/**
 * `RECOMART_LOCK_WAIT_SECONDS` → `lock.wait_seconds`, `RECOMART_PROFILE_ALERTS_SKEWNESS` →
 * `profile.alerts.skewness`: the leaf key of the schema the name spells, if there is one.
 */
export function envNameToPath(name: string): string | undefined {
  const walk = (node: SchemaNode, prefix: string[], rest: string): string | undefined => {
    for (const [key, sub] of Object.entries(node.properties ?? {})) {
      if (rest === key && sub.type !== 'object') return [...prefix, key].join('.');
      if (sub.type === 'object' && rest.startsWith(`${key}_`)) {
        const found = walk(sub, [...prefix, key], rest.slice(key.length + 1));
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(configSchema as unknown as SchemaNode, [], name.slice('RECOMART_'.length).toLowerCase());
}

function leafSchema(keyPath: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = configSchema as unknown as SchemaNode;
  for (const key of keyPath.split('.')) node = node?.properties?.[key];
  return node;
}

/** Strings from env or flags become numbers/booleans when the schema says so; anything unparseable is left for ajv to reject. */
function coerce(keyPath: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const leaf = leafSchema(keyPath);
  // A setting that is a number or a word (e.g. regularization: 'auto') takes the number when it is one.
  const type = leaf?.type ?? leaf?.oneOf?.find((o) => o.type === 'number')?.type;
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function describeOneOf(error: ErrorObject, origin: Map<string, string>): string {
  const keyPath = error.instancePath.split('/').filter(Boolean).join('.');
  const choices = (leafSchema(keyPath)?.oneOf ?? []).map((o) =>
    o.const !== undefined
      ? JSON.stringify(o.const)
      : `a ${o.type}${o.minimum !== undefined ? ` ≥ ${o.minimum}` : ''}`,
  );
  return `${keyPath}: must be ${choices.join(' or ')} (from ${originOf(keyPath, origin)})`;
}

function describe(error: ErrorObject, origin: Map<string, string>): string {
  const keyPath = error.instancePath.split('/').filter(Boolean).join('.');
  if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const full = keyPath ? `${keyPath}.${extra}` : extra;
    return `${full}: unknown setting (from ${originOf(full, origin)})`;
  }
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const detail = allowed ? `must be one of ${allowed.join(', ')}` : (error.message ?? 'is invalid');
  return `${keyPath || '(root)'}: ${detail} (from ${originOf(keyPath, origin)})`;
}

function originOf(keyPath: string, origin: Map<string, string>): string {
  for (let p = keyPath; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const o = origin.get(p);
    if (o) return o;
  }
  return 'defaults';
}

/**
 * What the schema cannot say about `sources`: a key the dataset does not read, a key column the
 * catalog does not have, a timezone the runtime does not know.
 */
function sourceProblems(config: Config, origin: Map<string, string>): string[] {
  const problems: string[] = [];
  const sources = (config.sources ?? {}) as Record<string, Record<string, unknown> | null | undefined>;
  for (const [name, mapping] of Object.entries(sources)) {
    const spec = specOf(name);
    if (!spec || !mapping) continue;
    const applies = sourceMappingKeys[spec.name];
    const at = (key: string) => `sources.${name}.${key}`;
    const from = (key: string) => `(from ${originOf(at(key), origin)})`;
    for (const key of Object.keys(mapping)) {
      if (applies.includes(key as keyof SourceMapping)) continue;
      const readers = datasetNames.filter((d) => sourceMappingKeys[d].includes(key as keyof SourceMapping));
      if (readers.length === 0) continue; // an unknown setting: the schema reports it
      problems.push(
        `${at(key)}: ${name} does not use ${key}; it applies to ${readers.join(', ')} ` +
          `(docs/bring-your-own-data.md) ${from(key)}`,
      );
    }
    const zone = mapping.timezone;
    if (typeof zone === 'string' && !isTimeZone(zone))
      problems.push(
        `${at('timezone')}: unknown timezone "${zone}"; use an IANA name such as UTC or Europe/Berlin ${from('timezone')}`,
      );
    const key = mapping.key;
    if (Array.isArray(key)) {
      const unknown = key.filter((k) => typeof k === 'string' && !columnNames(spec).includes(k));
      if (unknown.length > 0)
        problems.push(
          `${at('key')}: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not columns' : 'is not a column'} of ${name}; ` +
            `use catalog names (${columnNames(spec).join(', ')}) ${from('key')}`,
        );
    }
  }
  return problems;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
