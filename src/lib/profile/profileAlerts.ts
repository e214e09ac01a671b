import type { Config } from '../config/configSchema.js';
import type { DatasetProfile, ProfileAlert } from './profileTypes.js';

/**
 * Alerts in the spirit of ydata-profiling's, each with its threshold from
 * config `profile.alerts`. A key column is expected to be unique, so
 * `unique` is raised only for columns that are not the dataset's key.
 */
export function profileAlerts(
  profile: DatasetProfile,
  thresholds: Config['profile']['alerts'],
  key: string[],
): ProfileAlert[] {
  const alerts: ProfileAlert[] = [];
  const add = (
    column: string,
    kind: ProfileAlert['kind'],
    value: number,
    threshold: number,
    message: string,
  ) => alerts.push({ dataset: profile.name, column, kind, value, threshold, message });
  for (const v of profile.variables) {
    if (v.missing_percent > thresholds.high_missing_percent)
      add(
        v.name,
        'high_missing',
        v.missing_percent,
        thresholds.high_missing_percent,
        `${v.missing_percent}% missing`,
      );
    if (v.count === 0) continue;
    if (v.distinct === 1)
      add(v.name, 'constant', 1, 1, `one value only${v.top?.[0] ? ` (${v.top[0].value})` : ''}`);
    const unique = v.distinct === v.count && v.count > 1;
    if (unique && !key.includes(v.name) && !v.distinct_approximate)
      add(v.name, 'unique', v.distinct, v.count, 'every value is different');
    if (v.kind === 'text' && !unique && v.distinct > thresholds.high_cardinality)
      add(
        v.name,
        'high_cardinality',
        v.distinct,
        thresholds.high_cardinality,
        `${v.distinct} distinct values`,
      );
    if (v.skewness !== undefined && Math.abs(v.skewness) > thresholds.skewness)
      add(v.name, 'skewed', v.skewness, thresholds.skewness, `skewness ${v.skewness}`);
    if (v.imbalance !== undefined && v.imbalance > thresholds.imbalance)
      add(
        v.name,
        'imbalanced',
        v.imbalance,
        thresholds.imbalance,
        `imbalance ${v.imbalance} (top: ${v.top?.[0]?.value ?? '?'})`,
      );
    if (v.zeros_percent !== undefined && v.zeros_percent > thresholds.zeros_percent)
      add(v.name, 'zeros', v.zeros_percent, thresholds.zeros_percent, `${v.zeros_percent}% zeros`);
  }
  return alerts;
}
