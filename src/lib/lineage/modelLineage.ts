import path from 'node:path';
import { UsageError } from '../errors/errors.js';
import { readModelVersion, resolveModel, type ModelVersion } from '../models/modelRegistry.js';
import type { RunContext } from '../runContext.js';
import type { LineageNode } from './lineageNode.js';

/** The model version a lineage target names (`model:ials`, `model:ials@3`, `models/ials/v=3`), or undefined. */
export async function modelTarget(ctx: RunContext, target: string): Promise<ModelVersion | undefined> {
  const named = /^model:(.+)$/.exec(target);
  if (named) return resolveModel(ctx, named[1]!);
  const rel = path.relative(ctx.paths.root, path.resolve(ctx.paths.root, target));
  const dir = /^models\/([^/]+)\/v=(\d+)(\/|$)/.exec(rel);
  return dir ? resolveModel(ctx, `${dir[1]}@${dir[2]}`) : undefined;
}

/**
 * A model version back to its sources: the feature versions it was trained on (each traced on to
 * silver, raw files and Kafka offsets by `featureNode`) and, for a blend, its component versions
 * (trained on the same feature versions: shown without repeating them).
 */
export async function modelNode(
  ctx: RunContext,
  meta: ModelVersion,
  featureNode: (view: string, version: number) => Promise<LineageNode>,
): Promise<LineageNode> {
  const warnings: string[] = [];
  const features: LineageNode[] = [];
  for (const f of meta.features) {
    let node: LineageNode;
    try {
      node = await featureNode(f.view, f.version);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      warnings.push(`${f.view} v=${f.version} is no longer in the feature store`);
      node = { kind: 'feature_version', name: `${f.view} v=${f.version}`, facts: { ...f }, upstream: [] };
    }
    if (node.facts.md5 !== f.md5)
      warnings.push(
        `${f.view} v=${f.version}: md5 ${String(node.facts.md5)} differs from the ${f.md5} trained on`,
      );
    features.push(node);
  }
  const components: LineageNode[] = [];
  for (const c of meta.components) {
    const part = await readModelVersion(ctx, c.name, c.version);
    components.push({
      kind: 'model_version',
      name: `${part.name} v=${part.version}`,
      facts: versionFacts(part),
      transformations: ['trained on the same feature versions (below)'],
      upstream: [],
    });
  }
  return {
    kind: 'model_version',
    name: `${meta.name} v=${meta.version}`,
    facts: versionFacts(meta),
    transformations: [
      `recomart train: ${meta.kind} with ${JSON.stringify(meta.params)} (docs/models.md; recomart models describe ${meta.name}@${meta.version})`,
    ],
    warnings: warnings.length ? warnings : undefined,
    upstream: [...components, ...features],
  };
}

function versionFacts(meta: ModelVersion): Record<string, string | number> {
  return {
    dir: `models/${meta.name}/v=${meta.version}`,
    as_of: meta.as_of,
    created_at: meta.created_at,
    run_id: meta.run_id,
    code_version: meta.code_version,
    inputs_digest: meta.inputs_digest,
    files: meta.files.map((f) => `${f.file} (md5 ${f.md5})`).join(', ') || 'none (a blend of its components)',
    ...(meta.evaluation ? { 'ndcg@10': meta.evaluation.metrics['ndcg@10'] ?? '?' } : {}),
  };
}
