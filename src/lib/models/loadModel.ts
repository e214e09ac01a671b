import type { RunContext } from '../runContext.js';
import { buildRecommenders, hybridOf } from './buildRecommenders.js';
import { ITEMS_FILE, readModelFiles, readModelVersion, type ModelVersion } from './modelRegistry.js';
import { PopularityModel, type ModelArrays } from './popularity.js';
import { topListsFrom, type TopLists } from './topLists.js';
import type { ItemTable, Recommender } from './recommender.js';

/** A loaded version: the recommender, and for ials its user ids (the rows of its user factors). */
export interface LoadedModel {
  meta: ModelVersion;
  recommender: Recommender;
  /** user id → row of the user arrays, for models that have them. */
  userRows?: UserRows;
  /** The popularity model the cold-start list comes from (the model itself, or a component). */
  coldStart?: PopularityModel;
  /**
   * The lists computed at train time and each listed user's row in them. `index` holds the users'
   * index, shared by the models of one train, alive while this model is loaded.
   */
  top?: { lists: TopLists; rows: Map<string, number>; index: object };
}

/** What answering the users a version lists needs: its lists and its item table, none of its model arrays. */
export interface ListedModel {
  meta: ModelVersion;
  items: ItemTable;
  lists: TopLists;
}

/**
 * A version's top lists and item table (a hybrid's from its popularity component), md5-checked,
 * without the model's arrays or components: `recommend`'s fast path. Undefined without lists.
 */
export async function loadListed(ctx: RunContext, meta: ModelVersion): Promise<ListedModel | undefined> {
  const own = await readModelFiles(ctx, meta, (f) => f.startsWith('top_') || f === ITEMS_FILE);
  const lists = topListsFrom(own.arrays, own.texts);
  if (!lists) return undefined;
  let items = own.items;
  const source = meta.components.find((c) => c.name === 'popularity');
  if (!items && source)
    items = (
      await readModelFiles(
        ctx,
        await readModelVersion(ctx, source.name, source.version),
        (f) => f === ITEMS_FILE,
      )
    ).items;
  return items ? { meta, items, lists } : undefined;
}

/** Versions already read, by `name@version`: a server loads a hybrid's components once, not twice. */
export type ModelCache = Map<string, Promise<LoadedModel>>;

/**
 * Reads a registered version back into a recommender (a hybrid loads its components). With a
 * cache, a version read before (as a component or on its own) is shared.
 */
export function loadModel(
  ctx: RunContext,
  meta: ModelVersion,
  cache?: ModelCache,
  /** Read the top lists too (serve); false when every answer will be scored (recommend --live). */
  lists = true,
): Promise<LoadedModel> {
  const key = `${meta.name}@${meta.version}${lists ? '' : ' without lists'}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const loading = readModel(ctx, meta, cache, lists);
  cache?.set(key, loading);
  return loading;
}

/**
 * The popularity model a version's cold-start list comes from: the version itself, or its
 * popularity component; undefined for a model with neither.
 */
export async function loadColdStart(
  ctx: RunContext,
  meta: ModelVersion,
  cache?: ModelCache,
  lists = true,
): Promise<PopularityModel | undefined> {
  let source: ModelVersion | undefined = meta;
  if (meta.kind !== 'popularity') {
    const component = meta.components.find((c) => c.name === 'popularity');
    source = component && (await readModelVersion(ctx, component.name, component.version));
  }
  return source && ((await loadModel(ctx, source, cache, lists)).recommender as PopularityModel);
}

async function readModel(
  ctx: RunContext,
  meta: ModelVersion,
  cache: ModelCache | undefined,
  lists: boolean,
): Promise<LoadedModel> {
  const files = (f: string) => lists || !f.startsWith('top_');
  if (meta.kind === 'hybrid') {
    const parts = new Map<string, LoadedModel>();
    for (const c of meta.components)
      parts.set(c.name, await loadModel(ctx, await readModelVersion(ctx, c.name, c.version), cache, lists));
    const recommender = hybridOf(
      new Map([...parts].map(([name, loaded]) => [name, loaded.recommender])),
      meta.params,
    );
    const { arrays, texts } = await readModelFiles(ctx, meta, files);
    return {
      meta,
      recommender,
      userRows: parts.get('ials')!.userRows!,
      coldStart: parts.get('popularity')!.recommender as PopularityModel,
      ...topOf(meta, arrays, texts),
    };
  }
  const { arrays, texts, items } = await readModelFiles(ctx, meta, files);
  if (!items) throw new Error(`model ${meta.name} v=${meta.version} has no ${'items.json'}`);
  const userRows = texts.user_ids ? new UserRows(texts.user_ids) : undefined;
  const recommender = buildRecommenders(items, [{ kind: meta.kind, arrays, texts, params: meta.params }]).get(
    meta.kind,
  )!;
  const coldStart =
    recommender instanceof PopularityModel ? recommender : await loadColdStart(ctx, meta, cache, lists);
  return {
    meta,
    recommender,
    ...(userRows ? { userRows } : {}),
    ...(coldStart ? { coldStart } : {}),
    ...topOf(meta, arrays, texts),
  };
}

/**
 * The listed users and their rows, by the md5 of the version's top_users.txt: every model of one
 * train lists the same users, so a server holds one index of them, not five (30 MB at medium scale).
 */
const userIndexes = new Map<string, WeakRef<{ users: string[]; rows: Map<string, number> }>>();

function topOf(
  meta: ModelVersion,
  arrays: ModelArrays,
  texts: Record<string, string[]>,
): Pick<LoadedModel, 'top'> {
  const lists = topListsFrom(arrays, texts);
  if (!lists) return {};
  const md5 = meta.files.find((f) => f.file === 'top_users.txt')?.md5 ?? '';
  let index = userIndexes.get(md5)?.deref();
  if (!index) {
    index = { users: lists.users, rows: new Map(lists.users.map((id, r) => [id, r])) };
    userIndexes.set(md5, new WeakRef(index));
  }
  return { top: { lists: { ...lists, users: index.users }, rows: index.rows, index } };
}

/**
 * User id → row of a model's user arrays. The first few lookups scan the ids (milliseconds at a
 * million users); the fourth builds a Map. A one-shot `recommend` looks up one user, and the Map
 * of a million ids alone took 0.6 s of its 1.6; a server looks up many.
 */
export class UserRows {
  private map?: Map<string, number>;
  private lookups = 0;

  constructor(private readonly ids: readonly string[]) {}

  get(id: string): number | undefined {
    if (!this.map && ++this.lookups > 3) this.map = new Map(this.ids.map((u, i) => [u, i]));
    if (this.map) return this.map.get(id);
    const row = this.ids.indexOf(id);
    return row < 0 ? undefined : row;
  }
}
