/** One node of a lineage tree: what it is, the facts recorded about it, and what it was made from. */
export interface LineageNode {
  kind: 'model_version' | 'feature_version' | 'silver' | 'raw_dataset' | 'raw_file' | 'origin';
  name: string;
  /** Recorded facts, in display order (file, md5, rows, times, run ids). */
  facts: Record<string, string | number>;
  transformations?: string[];
  /** Something that no longer matches what was recorded (e.g. silver rebuilt since). */
  warnings?: string[];
  upstream: LineageNode[];
  /** Where the output went (raw files only): silver datasets and feature versions built from it. */
  downstream?: string[];
}
