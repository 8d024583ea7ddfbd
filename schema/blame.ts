// Per-field blame over a source's schema versions: since which version each field of the newest schema has
// been there, and which file (and line) forced it then. Pure: the versions come in, the answer goes out.
import { provenanceByPath } from './provenance';
import type { Provenance, Schema } from './types';
import { forEachField } from './visit';

export interface FieldBlame {
  /** The field's path (schema/visit.ts `pathOf`): `props.e_mail`, `items[].sku`. */
  path: string;
  /** The version since which the field has been present in every version up to the newest. */
  version: number;
  /** When that version was written, when the caller knows it. */
  createdAt?: string;
  /** The file (and line) that forced the field's type in that version. */
  provenance?: Provenance;
}

/**
 * Blame for every field of the newest version, in its schema order. A field that vanished and came back is
 * blamed on the version it came back in: the earlier one did not introduce what is there now.
 */
export function blameFields(versions: readonly { version: number; schema: Schema; createdAt?: string }[]): FieldBlame[] {
  if (versions.length === 0) return [];
  const ordered = [...versions].sort((a, b) => a.version - b.version);
  const newest = ordered[ordered.length - 1];
  const paths: string[] = [];
  forEachField(newest.schema, (at) => void paths.push(at.path));
  // walking back from the newest, a field's blame moves to each older version that still has it
  const since = new Map(paths.map((p) => [p, ordered.length - 1]));
  const open = new Set(paths);
  for (let i = ordered.length - 2; i >= 0 && open.size > 0; i--) {
    const present = new Set<string>();
    forEachField(ordered[i].schema, (at) => void present.add(at.path));
    for (const p of [...open]) {
      if (present.has(p)) since.set(p, i);
      else open.delete(p);
    }
  }
  const provenance = new Map<number, Record<string, Provenance>>();
  return paths.map((path) => {
    const i = since.get(path)!;
    const v = ordered[i];
    let byPath = provenance.get(i);
    if (byPath === undefined) provenance.set(i, (byPath = provenanceByPath(v.schema)));
    const p = byPath[path];
    return { path, version: v.version, ...(v.createdAt !== undefined ? { createdAt: v.createdAt } : {}), ...(p ? { provenance: p } : {}) };
  });
}
