import type { CheckType } from './checkTypes.js';
import { allowedValuesCheck } from './checks/allowedValuesCheck.js';
import { duplicatesCheck } from './checks/duplicatesCheck.js';
import { formatCheck } from './checks/formatCheck.js';
import { freshnessCheck } from './checks/freshnessCheck.js';
import { manifestCheck } from './checks/manifestCheck.js';
import { missingCheck } from './checks/missingCheck.js';
import { rangeCheck } from './checks/rangeCheck.js';
import { referencesCheck } from './checks/referencesCheck.js';
import { schemaCheck } from './checks/schemaCheck.js';
import { volumeCheck } from './checks/volumeCheck.js';

/** Every check type a rule suite can use. A new type is one file plus one line here. */
export const checkRegistry: ReadonlyMap<string, CheckType> = new Map(
  [
    schemaCheck,
    missingCheck,
    duplicatesCheck,
    rangeCheck,
    allowedValuesCheck,
    formatCheck,
    referencesCheck,
    freshnessCheck,
    volumeCheck,
    manifestCheck,
  ].map((c) => [c.name, c]),
);
