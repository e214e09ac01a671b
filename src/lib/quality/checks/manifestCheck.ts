import path from 'node:path';
import { MANIFEST_SUFFIX } from '../../lake/manifest.js';
import { checkManifestFile } from '../../verify/verifyLake.js';
import { base, type CheckType } from '../checkTypes.js';

/** Manifest integrity: every file of the dataset matches its manifest (the same test as `recomart verify`). */
export const manifestCheck: CheckType = {
  name: 'manifest',
  description: 'files match their manifests (md5, count, size)',
  params: { type: 'object', properties: {} },
  plan: (params) => [
    {
      type: 'manifest',
      name: 'manifest',
      ...base(params),
      threshold: 'every file matches',
      measure: async ({ ctx, dataset }) => {
        const problems: string[] = [];
        // Four files in flight: reads overlap the hashing of the previous ones.
        const queue = [...dataset.files];
        const worker = async () => {
          for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
            const r = await checkManifestFile(ctx.paths.root, file + MANIFEST_SUFFIX);
            for (const i of r.issues) problems.push(`${path.basename(i.path)}: ${i.kind}`);
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
        problems.sort();
        return {
          failing: problems.length,
          total: dataset.files.length,
          observed: `${dataset.files.length} files`,
          note: problems.slice(0, 5).join('; ') || undefined,
        };
      },
    },
  ],
};
