// Parquet files written by parquet-wasm from Apache Arrow tables, for the footer-only schema reader.
import * as arrow from 'apache-arrow';
// parquet-wasm's CommonJS build is exported as 'parquet-wasm/node'; TypeScript's node resolution finds its types by path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Table: WasmTable, writeParquet } = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');

/** Write an Arrow table as Parquet bytes. */
export function parquetBytes(table: arrow.Table): Uint8Array {
  return writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream')));
}

const f = <T extends arrow.DataType>(name: string, type: T, nullable = true) => new arrow.Field<T>(name, type, nullable);

/** One column per type the footer reader must map. */
export function allTypesTable(): arrow.Table {
  const n = 3;
  const dec = new arrow.Decimal(2, 12, 128);
  const point = new arrow.Struct([f('x', new arrow.Float64()), f('label', new arrow.Utf8())]);
  const item = new arrow.Struct([f('p', new arrow.Int64()), f('q', new arrow.Utf8())]);
  const entries = new arrow.Struct<{ key: arrow.Utf8; value: arrow.Int32 }>([f('key', new arrow.Utf8(), false), f('value', new arrow.Int32())]);
  const columns: Record<string, arrow.Vector> = {
    flag: arrow.vectorFromArray([true, false, null], new arrow.Bool()),
    i8: arrow.vectorFromArray([1, 2, 3], new arrow.Int8()),
    i32: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()),
    i64: arrow.vectorFromArray([1n, 2n, 3n], new arrow.Int64()),
    u32: arrow.vectorFromArray([1, 2, 3], new arrow.Uint32()),
    f32: arrow.vectorFromArray([1.5, 2.5, 3.5], new arrow.Float32()),
    f64: arrow.vectorFromArray([1.5, 2.5, 3.5], new arrow.Float64()),
    text: arrow.vectorFromArray(['a', 'b', null], new arrow.Utf8()),
    category: arrow.vectorFromArray(['x', 'y', 'x'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
    blob: arrow.vectorFromArray([new Uint8Array([1]), new Uint8Array([2]), null], new arrow.Binary()),
    amount: arrow.makeVector(arrow.makeData({ type: dec, length: n, data: new Uint32Array(n * 4) })),
    day: arrow.vectorFromArray([new Date(0), new Date(86400000), null], new arrow.DateDay()),
    ts_ms: arrow.vectorFromArray([1, 2, 3], new arrow.TimestampMillisecond()),
    ts_us: arrow.vectorFromArray([1, 2, 3], new arrow.TimestampMicrosecond('UTC')),
    tags: arrow.vectorFromArray([['a'], [], ['b', 'c']], new arrow.List(f('item', new arrow.Utf8()))),
    scores: arrow.vectorFromArray([[1n], [2n, 3n], []], new arrow.List(f('element', new arrow.Int64()))),
    items: arrow.vectorFromArray([[{ p: 1n, q: 'a' }], [], [{ p: 2n, q: null }]], new arrow.List(f('item', item))),
    point: arrow.vectorFromArray([{ x: 1, label: 'a' }, { x: 2, label: null }, null], point),
    attrs: arrow.vectorFromArray([new Map([['k', 1]]), new Map(), new Map([['z', 2]])], new arrow.Map_(new arrow.Field('entries', entries, false))),
    'User Id': arrow.vectorFromArray([1, 2, 3], new arrow.Int32()),
  };
  return new arrow.Table(columns);
}
