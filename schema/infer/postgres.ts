// Postgres tables: the schema comes from the column catalog (information_schema.columns), mapped to
// the lake type model. Pure: the adapter runs the query and hands the rows here.
import { canonicalFields, field } from '../fields';
import { MAX_DECIMAL_PRECISION, T, type Field, type LakeType } from '../types';

/** A row of information_schema.columns (the columns this mapping needs). */
export interface PostgresColumn {
  column_name: string;
  ordinal_position: number;
  /** e.g. 'integer', 'numeric', 'ARRAY', 'USER-DEFINED', 'timestamp with time zone' */
  data_type: string;
  /** e.g. 'int4', 'numeric', '_int8' (arrays: element udt prefixed by '_'), 'hstore' */
  udt_name: string;
  numeric_precision?: number | null;
  numeric_scale?: number | null;
  /** For arrays, the element's data_type when known (information_schema.element_types). */
  element_type?: string | null;
}

/** Postgres `numeric` without precision holds anything: Spark's choice for it is decimal(38,18). */
const UNBOUNDED_NUMERIC = T.decimal(MAX_DECIMAL_PRECISION, 18);

// Keyed by udt_name (the internal name), which is unambiguous for built-in types.
const BY_UDT: Record<string, LakeType> = {
  bool: T.boolean,
  int2: T.int,
  int4: T.int,
  int8: T.bigint,
  oid: T.bigint,
  float4: T.float,
  float8: T.double,
  money: T.string, // printed with currency symbols
  text: T.string,
  varchar: T.string,
  bpchar: T.string,
  char: T.string,
  name: T.string,
  citext: T.string,
  uuid: T.string,
  json: T.string,
  jsonb: T.string,
  xml: T.string,
  inet: T.string,
  cidr: T.string,
  macaddr: T.string,
  interval: T.string,
  time: T.string,
  timetz: T.string,
  bit: T.string,
  varbit: T.string,
  tsvector: T.string,
  bytea: T.binary,
  date: T.date,
  timestamp: T.timestamp,
  timestamptz: T.timestamp,
  hstore: T.map(T.string, T.string),
};

const BY_DATA_TYPE: Record<string, string> = {
  boolean: 'bool',
  smallint: 'int2',
  integer: 'int4',
  bigint: 'int8',
  real: 'float4',
  'double precision': 'float8',
  numeric: 'numeric',
  decimal: 'numeric',
  text: 'text',
  'character varying': 'varchar',
  character: 'bpchar',
  bytea: 'bytea',
  date: 'date',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'jsonb',
  interval: 'interval',
};

export function lakeTypeOfPostgresColumn(c: Omit<PostgresColumn, 'column_name' | 'ordinal_position'>): LakeType {
  if (c.data_type === 'ARRAY') {
    const elementUdt = c.element_type ? (BY_DATA_TYPE[c.element_type] ?? c.element_type) : c.udt_name.replace(/^_/, '');
    return T.array(lakeTypeOfPostgresColumn({ data_type: elementUdt, udt_name: elementUdt }));
  }
  const udt = c.udt_name || BY_DATA_TYPE[c.data_type] || c.data_type;
  if (udt === 'numeric') {
    const p = c.numeric_precision;
    if (p === null || p === undefined) return UNBOUNDED_NUMERIC;
    return p <= MAX_DECIMAL_PRECISION ? T.decimal(p, c.numeric_scale ?? 0) : T.double;
  }
  // Enums, domains over text and anything unknown are read as text.
  return BY_UDT[udt] ?? T.string;
}

/** The columns of one table, in catalog order. */
export function postgresColumns(rows: readonly PostgresColumn[], ctx: { file: string }): Field[] {
  return canonicalFields(
    rows.map((r) => field(r.column_name, lakeTypeOfPostgresColumn(r), r.ordinal_position - 1, { file: ctx.file })),
  );
}
