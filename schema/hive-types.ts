// Hive column types as the metastore and engines write them (`struct<a:int,b:array<string>>`), parsed and
// rendered back. Pure. Type names are case-insensitive in Hive: they are read lowercased.

export type HiveType =
  | { kind: 'scalar'; name: string }
  | { kind: 'array'; element: HiveType }
  | { kind: 'map'; key: HiveType; value: HiveType }
  | { kind: 'struct'; fields: { name: string; type: HiveType }[] };

/** Parses a metastore column type (`struct<a:int,b:array<string>>`). */
export function parseHiveType(text: string): HiveType {
  let pos = 0;
  const word = () => {
    const m = /^[^<>,:(]+(\([^)]*\))?/.exec(text.slice(pos)); // decimal(10,2) is one word
    if (!m) throw new Error(`bad Hive type at ${pos}: ${text}`);
    pos += m[0].length;
    return m[0].trim();
  };
  const expect = (c: string) => {
    if (text[pos] !== c) throw new Error(`expected "${c}" at ${pos}: ${text}`);
    pos++;
  };
  const type = (): HiveType => {
    const name = word().toLowerCase();
    if (name === 'array') {
      expect('<');
      const element = type();
      expect('>');
      return { kind: 'array', element };
    }
    if (name === 'map') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      return { kind: 'map', key, value };
    }
    if (name === 'struct') {
      expect('<');
      const fields: { name: string; type: HiveType }[] = [];
      while (text[pos] !== '>') {
        const fieldName = word();
        expect(':');
        fields.push({ name: fieldName, type: type() });
        if (text[pos] === ',') pos++;
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    return { kind: 'scalar', name };
  };
  const t = type();
  if (pos !== text.length) throw new Error(`trailing text at ${pos}: ${text}`);
  return t;
}

export function renderHiveType(t: HiveType): string {
  switch (t.kind) {
    case 'scalar':
      return t.name;
    case 'array':
      return `array<${renderHiveType(t.element)}>`;
    case 'map':
      return `map<${renderHiveType(t.key)},${renderHiveType(t.value)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${renderHiveType(f.type)}`).join(',')}>`;
  }
}
