// Loader of the native-core probe (bench only, see src/lib.rs): undefined when the addon is not built
// (`bash bench/native-core/build.sh`; with `wasm` it also builds the same core as WebAssembly). Turns the addon's JSON answer into the InferenceResult the JS scanner
// gives, with the same field()/canonicalFields() and corrupt-record messages, so results compare deeply.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalFields, field } from '../../schema/fields';
import { keepFirstSamples, type InferenceResult } from '../../schema/merge';
import { T, type Field, type LakeType } from '../../schema/types';
import { errorMessage, fieldLimitReason, longLineMessage, topLevelMessage, type Err } from '../../schema/infer/jsonl/bytes';
import { JSONL_LIMITS } from '../../schema/infer/jsonl/options';

export const NATIVE_CORE_PATH = join(__dirname, 'lake_native_core.node');
export const WASM_CORE_PATH = join(__dirname, 'lake_native_core.wasm');
export const NATIVE_CORE_BUILD = 'bash bench/native-core/build.sh';

/** The addon, or the WebAssembly module behind the same call. */
export interface Addon {
  inferJsonLines(bytes: Uint8Array, firstLine: number): string;
}

type NativeType = 'null' | 'boolean' | 'bigint' | 'double' | 'string' | { decimal: number } | { array: NativeType } | { struct: NativeField[] };
type NativeField = [name: string, position: number, line: number, type: NativeType];
interface NativeAnswer {
  records: number;
  corrupt: number;
  lines: number;
  /** what: an Err code, -1 a top-level value that is not an object (byte: its first), -2 an over-long line */
  samples: [line: number, what: number, byte: number, at: number, detail: [key: string, limit: number, inObject: boolean] | null][];
  fields: NativeField[];
}

let addon: Addon | null | undefined;

/** The addon, or undefined when it is not built. */
export function loadNativeCore(): Addon | undefined {
  if (addon === undefined) addon = existsSync(NATIVE_CORE_PATH) ? (require(NATIVE_CORE_PATH) as Addon) : null;
  return addon ?? undefined;
}

interface WasmExports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  dealloc(ptr: number, len: number): void;
  infer(ptr: number, len: number, firstLine: number): void;
  answer_ptr(): number;
  answer_len(): number;
}

let wasm: Addon | null | undefined;

/** The same core built as WebAssembly, or undefined when it is not built (`build.sh wasm`). Each call copies the bytes into its memory. */
export function loadWasmCore(): Addon | undefined {
  if (wasm === undefined) {
    if (!existsSync(WASM_CORE_PATH)) wasm = null;
    else {
      const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(WASM_CORE_PATH))).exports as unknown as WasmExports;
      const utf8 = new TextDecoder();
      wasm = {
        inferJsonLines(bytes, firstLine) {
          const ptr = x.alloc(bytes.length);
          new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes); // the buffer after alloc: memory may have grown
          x.infer(ptr, bytes.length, firstLine);
          x.dealloc(ptr, bytes.length);
          return utf8.decode(new Uint8Array(x.memory.buffer, x.answer_ptr(), x.answer_len()));
        },
      };
    }
  }
  return wasm ?? undefined;
}

/** Infer the schema of whole JSON lines in `bytes` with the addon: what scanSlice gives for the same bytes. */
export function nativeInfer(core: Addon, bytes: Uint8Array, file: string): { result: InferenceResult; lines: number } {
  const answer = JSON.parse(core.inferJsonLines(bytes, 1)) as NativeAnswer;
  const fieldsOf = (fields: NativeField[]): Field[] =>
    canonicalFields(fields.map(([name, position, line, type]) => field(name, typeOf(type), position, { file, line })));
  const typeOf = (t: NativeType): LakeType => {
    if (typeof t === 'string') return T[t];
    if ('decimal' in t) return T.decimal(t.decimal, 0);
    if ('array' in t) return T.array(typeOf(t.array));
    return { kind: 'struct', fields: fieldsOf(t.struct) };
  };
  const reason = ([, what, byte, at, detail]: NativeAnswer['samples'][number]): string => {
    if (what === -1) return topLevelMessage(byte);
    if (what === -2) return longLineMessage(JSONL_LIMITS.maxRecordBytes);
    const limit = detail === null ? '' : fieldLimitReason(detail[0], detail[1], detail[2]);
    return errorMessage(what as Err, byte, at, JSONL_LIMITS.maxDepth, limit);
  };
  return {
    result: {
      schema: { columns: fieldsOf(answer.fields) },
      records: answer.records,
      corruptRecords: answer.corrupt,
      corruptSamples: keepFirstSamples(answer.samples.map((s) => ({ file, line: s[0], reason: reason(s) }))),
    },
    lines: answer.lines,
  };
}

/** Lines JSON.parse rejects, or accepts as something other than an object, beside ones it takes. */
export const EDGE_LINES = [
  '{}', '{"a":1}', '{"a":01}', '{"a":-}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":1e+}', '{"a":-0}', '{"a":1E-7}', '{"a":1e999}', '{"a":-1e-999}',
  '{"a":1,}', '{"a":[1,]}', '{,}', '{"a" 1}', '{"a":1}{"b":2}', '{"a":1} x', '{"a":1}\u00a0', '\ufeff{}',
  '{"a":"\\x"}', '{"a":"\\u00g9"}', '{"a":"\\u00e9"}', '{"a":"\\ud800"}', '{"a":"\\udc00\\ud800"}', '{"\\ud800":1}', '{"a":"\ud800"}', '{"a":"\t"}',
  '{"a":tru}', '{"a":nul}', '{"a":NaN}', '{"a":Infinity}', "{'a':1}", '[{"a":1}]', '"s"', '12', 'null', '[1,', '{"a":',
  '{"a":9223372036854775807}', '{"a":9223372036854775808}', '{"a":-9223372036854775809}', '{"a":' + '9'.repeat(38) + '}', '{"a":' + '9'.repeat(39) + '}',
  '{"a":' + '['.repeat(99) + ']'.repeat(99) + '}', '{"a":' + '['.repeat(100) + ']'.repeat(100) + '}', '{"a":1,"a":"s","a":{"b":1}}', '{"A":1,"a":2.5}',
  '{"a b":1,"É":true,"é":null,"😀":[]}', '  {"a":1}\r', '{"a":"x\\"y"}', '{"a":"\u0000"}',
];

/** What JSON.parse makes of a line: a record, another JSON value, or an error. */
export function parseVerdict(line: string): 'object' | 'other' | 'invalid' {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? 'object' : 'other';
  } catch {
    return 'invalid';
  }
}
