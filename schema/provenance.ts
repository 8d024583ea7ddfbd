// Provenance: which file (and line) first forced a field's current type.
//
// Within one file the scanner sees records in order, so "first forced" is simply the record where the
// field's shape last changed. Across files and chunks, `mergeProvenance` picks deterministically:
//   - both sides already had the merged shape   -> the smaller location (it was there first)
//   - exactly one side had it                   -> that side's location (it forced the change)
//   - neither side had it (a conflict or a wider decimal born from the meeting) -> the larger location
//     (in file-then-line order it is the record that completed the change)
// This rule is symmetric, so merge stays commutative including provenance. It is not associative in
// every case (which file "first" forced a conflict depends on grouping), so the lattice laws are stated
// and tested on schemas with provenance stripped (`withoutProvenance`). Splitting one file into
// consecutive chunks and merging gives the same provenance as scanning it whole.
import type { LakeType, Provenance, Schema, Field } from './types';
import { forEachField, mapFields } from './visit';

export function compareProvenance(a: Provenance, b: Provenance): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const la = a.line ?? a.rowGroup ?? -1;
  const lb = b.line ?? b.rowGroup ?? -1;
  return la - lb;
}

/** Shape of a type for provenance purposes: nested struct fields carry their own provenance, so a
 * struct counts as just "struct" here. */
export function shapeKey(t: LakeType): string {
  switch (t.kind) {
    case 'struct':
      return 'struct';
    case 'array':
      return `array<${shapeKey(t.element)}>`;
    case 'map':
      return `map<${shapeKey(t.key)},${shapeKey(t.value)}>`;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    default:
      return t.kind;
  }
}

export function mergeProvenance(
  merged: LakeType,
  a: LakeType,
  pa: Provenance | undefined,
  b: LakeType,
  pb: Provenance | undefined,
): Provenance | undefined {
  if (!pa) return pb;
  if (!pb) return pa;
  const m = shapeKey(merged);
  const aHad = shapeKey(a) === m;
  const bHad = shapeKey(b) === m;
  if (aHad && !bHad) return pa;
  if (bHad && !aHad) return pb;
  const c = compareProvenance(pa, pb);
  if (aHad) return c <= 0 ? pa : pb; // both had it: the earlier
  return c >= 0 ? pa : pb; // neither had it: the later
}

/** The schema without provenance anywhere: what the merge laws are stated on. */
export function withoutProvenance(schema: Schema): Schema {
  return mapFields(schema, (f, type) => ({ name: f.name, hiveName: f.hiveName, type, position: f.position }));
}

/** Flattened provenance by field path (schema/visit.ts), for reports. */
export function provenanceByPath(schema: Schema): Record<string, Provenance> {
  const out: Record<string, Provenance> = {};
  forEachField(schema, (at) => {
    if (at.field.provenance) out[at.path] = at.field.provenance;
  });
  return out;
}

/** Shift line numbers of `file` by `offset`: for results of a slice of a file scanned with firstLine 1. */
export function shiftProvenanceLines(schema: Schema, file: string, offset: number): Schema {
  return mapFields(schema, (f, type) => {
    const out: Field = { ...f, type };
    if (f.provenance && f.provenance.file === file && f.provenance.line !== undefined)
      out.provenance = { ...f.provenance, line: f.provenance.line + offset };
    return out;
  });
}
