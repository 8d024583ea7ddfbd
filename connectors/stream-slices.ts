// A stream's records split into logical sources, as a batch gathers them from each object's grouped scan
// (an S3 object, a topic's run of offsets): one home for both connectors.
import { REMAINDER_KEY } from '../crawl/logical';
import { mergeResults, type InferenceResult } from '../schema';
import type { GroupedInferenceResult } from '../schema/slices';
import type { BatchSlice } from './connector';

/** Adds one object's slices to the batch's (`slices`, by slice key) and returns the object's own counts:
 *  records and corrupt lines per slice key (the latter only where there are any). */
export function gatherSlices(slices: Record<string, BatchSlice>, grouped: GroupedInferenceResult): { slices: Record<string, number>; sliceCorrupt?: Record<string, number> } {
  const perSlice: Record<string, number> = {};
  let sliceCorrupt: Record<string, number> | undefined;
  const add = (key: string, values: string[] | null, r: InferenceResult) => {
    if (r.records === 0 && r.corruptRecords === 0) return;
    if (r.records > 0) perSlice[key] = r.records;
    if (r.corruptRecords > 0) (sliceCorrupt ??= {})[key] = r.corruptRecords;
    const had = slices[key];
    slices[key] = { values, result: had ? mergeResults(had.result, r) : r };
  };
  for (const [key, s] of Object.entries(grouped.slices)) add(key, s.values, s.result);
  add(REMAINDER_KEY, null, grouped.remainder);
  return { slices: perSlice, ...(sliceCorrupt ? { sliceCorrupt } : {}) };
}
