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
  return { columns: schema.columns.map(stripField) };
}

function stripField(f: Field): Field {
  return { name: f.name, hiveName: f.hiveName, type: stripType(f.type), position: f.position };
}

function stripType(t: LakeType): LakeType {
  switch (t.kind) {
    case 'struct':
      return { kind: 'struct', fields: t.fields.map(stripField) };
    case 'array':
      return { kind: 'array', element: stripType(t.element) };
    case 'map':
      return { kind: 'map', key: stripType(t.key), value: stripType(t.value) };
    default:
      return t;
  }
}

/** Flattened provenance by dotted path (array elements as `[]`, map values as `{}`), for reports. */
export function provenanceByPath(schema: Schema): Record<string, Provenance> {
  const out: Record<string, Provenance> = {};
  const visitType = (t: LakeType, path: string): void => {
    if (t.kind === 'struct') for (const f of t.fields) visitField(f, path + '.');
    else if (t.kind === 'array') visitType(t.element, path + '[]');
    else if (t.kind === 'map') visitType(t.value, path + '{}');
  };
  const visitField = (f: Field, prefix: string): void => {
    const path = prefix + f.hiveName;
    if (f.provenance) out[path] = f.provenance;
    visitType(f.type, path);
  };
  for (const c of schema.columns) visitField(c, '');
  return out;
}

/** Shift line numbers of `file` by `offset`: for results of a slice of a file scanned with firstLine 1. */
export function shiftProvenanceLines(schema: Schema, file: string, offset: number): Schema {
  const shiftField = (f: Field): Field => {
    const out: Field = { ...f, type: shiftType(f.type) };
    if (f.provenance && f.provenance.file === file && f.provenance.line !== undefined)
      out.provenance = { ...f.provenance, line: f.provenance.line + offset };
    return out;
  };
  const shiftType = (t: LakeType): LakeType => {
    switch (t.kind) {
      case 'struct':
        return { kind: 'struct', fields: t.fields.map(shiftField) };
      case 'array':
        return { kind: 'array', element: shiftType(t.element) };
      case 'map':
        return { kind: 'map', key: shiftType(t.key), value: shiftType(t.value) };
      default:
        return t;
    }
  };
  return { columns: schema.columns.map(shiftField) };
}
