import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../../../src/lib/errors/exitCode.js';
import { ConfigError, UsageError } from '../../../src/lib/errors/errors.js';
import { configSchema, defaultConfig } from '../../../src/lib/config/configSchema.js';
import { newAjv } from '../../../src/lib/config/newAjv.js';
import { envNameToPath, loadConfig } from '../../../src/lib/config/loadConfig.js';
import { makeTempDir } from '../../helpers/tempDir.js';

describe('loadConfig', () => {
  let root: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir: root, cleanup } = makeTempDir());
  });
  afterEach(() => cleanup());

  it('gives the defaults when nothing overrides them', () => {
    expect(loadConfig({ root, env: {} }).config).toEqual(defaultConfig);
  });

  it('has defaults that satisfy its own schema (loadConfig does not check them when nothing is set)', () => {
    const validate = newAjv({ strict: true }).compile(configSchema);
    expect(validate(structuredClone(defaultConfig))).toBe(true);
    expect(validate.errors ?? null).toBeNull();
    // And a value set is still checked.
    expect(() => loadConfig({ root, env: { RECOMART_SIMULATOR_DAYS: 'many' } })).toThrow(ConfigError);
  });

  it('applies defaults < file < env < flags', () => {
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      'simulator:\n  seed: 1\n  days: 30\n  scale: medium\n',
    );
    const { config, file } = loadConfig({
      root,
      env: { RECOMART_SIMULATOR_SEED: '2', RECOMART_SIMULATOR_DAYS: '60' },
      flags: [{ path: 'simulator.seed', value: '3', flag: '--seed' }],
    });
    expect(file).toBe(path.join(root, 'recomart.config.yaml'));
    expect(config.simulator.seed).toBe(3); // flag beats env and file
    expect(config.simulator.days).toBe(60); // env beats file
    expect(config.simulator.scale).toBe('medium'); // file beats default
    expect(config.simulator.defects).toBe(0); // default
  });

  it('takes a number or the word a setting allows (regularization: auto), and names both when neither', () => {
    const env = (v: string) => ({ RECOMART_MODELS_IALS_REGULARIZATION: v });
    expect(loadConfig({ root, env: env('120') }).config.models.ials.regularization).toBe(120);
    expect(loadConfig({ root, env: env('auto') }).config.models.ials.regularization).toBe('auto');
    let error: unknown;
    try {
      loadConfig({ root, env: env('strong') });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual([
      'models.ials.regularization: must be a number ≥ 0 or "auto" (from environment variable RECOMART_MODELS_IALS_REGULARIZATION)',
    ]);
  });

  it('reads JSON config files too', () => {
    writeFileSync(path.join(root, 'recomart.config.json'), '{"lock": {"wait_seconds": 12}}');
    expect(loadConfig({ root, env: {} }).config.lock.wait_seconds).toBe(12);
  });

  it('reports every problem together, each with its file line, env variable or flag', () => {
    writeFileSync(
      path.join(root, 'recomart.config.yaml'),
      ['simulator:', '  scale: huge', '  days: 0', 'log:', '  level: chatty', 'colour: true'].join('\n'),
    );
    let error: unknown;
    try {
      loadConfig({
        root,
        env: { RECOMART_SIMULATOR_SEED: 'abc' },
        flags: [{ path: 'simulator.defects', value: '2', flag: '--defects' }],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const file = path.join(root, 'recomart.config.yaml');
    expect(problems).toEqual(
      expect.arrayContaining([
        `simulator.scale: must be one of small, medium, large (from ${file}:2)`,
        `simulator.days: must be >= 1 (from ${file}:3)`,
        `log.level: must be one of error, warn, info, debug (from ${file}:5)`,
        `colour: unknown setting (from ${file}:6)`,
        'simulator.seed: must be integer (from environment variable RECOMART_SIMULATOR_SEED)',
        'simulator.defects: must be <= 0.5 (from flag --defects)',
      ]),
    );
    expect(problems).toHaveLength(6);
    expect((error as ConfigError).exitCode).toBe(ExitCode.Usage);
  });

  it('reports a YAML syntax error with its line', () => {
    writeFileSync(path.join(root, 'recomart.config.yaml'), 'simulator:\n  seed: [1,\n');
    expect(() => loadConfig({ root, env: {} })).toThrow(/recomart\.config\.yaml:\d+:/);
  });

  it('reads KAFKA_BROKERS, below RECOMART_KAFKA_BROKERS and flags', () => {
    expect(loadConfig({ root, env: { KAFKA_BROKERS: 'k:1' } }).config.kafka.brokers).toBe('k:1');
    expect(
      loadConfig({ root, env: { KAFKA_BROKERS: 'k:1', RECOMART_KAFKA_BROKERS: 'r:2' } }).config.kafka.brokers,
    ).toBe('r:2');
    const flagged = loadConfig({
      root,
      env: { KAFKA_BROKERS: 'k:1' },
      flags: [{ path: 'kafka.brokers', value: 'f:3', flag: '--brokers' }],
    });
    expect(flagged.config.kafka.brokers).toBe('f:3');
    expect(() => loadConfig({ root, env: { KAFKA_BROKERS: 'not a broker' } })).toThrow(
      /kafka\.brokers.*environment variable KAFKA_BROKERS/,
    );
  });

  it('warns about an unknown RECOMART_ variable instead of failing', () => {
    const { warnings } = loadConfig({ root, env: { RECOMART_SIMULATR_SEED: '1', RECOMART_HOME: '/x' } });
    expect(warnings).toEqual([expect.stringContaining('RECOMART_SIMULATR_SEED')]);
  });

  it('fails with a usage error when --config names a missing file', () => {
    expect(() => loadConfig({ root, configFile: 'nope.yaml', env: {} })).toThrow(UsageError);
  });

  it('maps env names to config paths mechanically', () => {
    expect(envNameToPath('RECOMART_LOCK_WAIT_SECONDS')).toBe('lock.wait_seconds');
    expect(envNameToPath('RECOMART_SIMULATOR_OUTPUT_DIR')).toBe('simulator.output_dir');
    expect(envNameToPath('RECOMART_NOPE')).toBeUndefined();
    // Nested sections, and a section name is not a leaf.
    expect(envNameToPath('RECOMART_PROFILE_ALERTS_SKEWNESS')).toBe('profile.alerts.skewness');
    expect(envNameToPath('RECOMART_PROFILE_COLD_START_THRESHOLD')).toBe('profile.cold_start_threshold');
    expect(envNameToPath('RECOMART_PROFILE_ALERTS')).toBeUndefined();
  });

  it('coerces nested numeric env values and validates them', () => {
    const { config } = loadConfig({ root, env: { RECOMART_PROFILE_ALERTS_SKEWNESS: '3.5' } });
    expect(config.profile.alerts.skewness).toBe(3.5);
    expect(() => loadConfig({ root, env: { RECOMART_PROFILE_ALERTS_IMBALANCE: '2' } })).toThrow(
      /RECOMART_PROFILE_ALERTS_IMBALANCE/,
    );
  });
});

describe('sources: mappings', () => {
  it('reports an unknown timezone together with the other problems, each with its origin', () => {
    const { dir, cleanup } = makeTempDir();
    writeFileSync(
      path.join(dir, 'recomart.config.yaml'),
      'sources:\n  clickstream:\n    timezone: Mars/Olympus\n  customers:\n    delimiter: ";;"\n',
    );
    let problems: string[] = [];
    try {
      loadConfig({ root: dir, env: {} });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^sources\.customers\.delimiter: .*recomart\.config\.yaml:\d+\)$/),
      expect.stringMatching(
        /^sources\.clickstream\.timezone: unknown timezone "Mars\/Olympus".*recomart\.config\.yaml:3\)$/,
      ),
    ]);
    cleanup();
  });
});
