// `lake infer [--format jsonl|csv|parquet] [--json] [--detect-dates] FILE...`
// One merged schema over all files. Exit 0 when inference succeeded (corrupt records included),
// 2 when an input cannot be read, 1 for bad usage.
import { inferLocalFiles, UnreadableInputError } from '../../client/local-files';
import { FORMATS, type Format } from '../../schema/formats';
import { toHiveColumns } from '../../schema/hive';
import type { InferenceResult } from '../../schema/merge';
import { provenanceByPath } from '../../schema/provenance';
import { EXIT, type Command } from '../command';

const USAGE = 'usage: lake infer [--format jsonl|csv|parquet] [--json] [--detect-dates] FILE...\n';

interface InferArgs {
  format?: Format;
  json: boolean;
  detectDates: boolean;
  files: string[];
}

export function parseInferArgs(args: string[]): InferArgs | string {
  const out: InferArgs = { json: false, detectDates: false, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.files.push(...args.slice(i + 1));
      break;
    }
    if (a === '--json') out.json = true;
    else if (a === '--detect-dates') out.detectDates = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const value = a === '--format' ? args[++i] : a.slice('--format='.length);
      if (!value || !(FORMATS as readonly string[]).includes(value)) return `--format must be one of ${FORMATS.join(', ')}`;
      out.format = value as Format;
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else out.files.push(a);
  }
  if (out.files.length === 0) return 'no input files';
  return out;
}

/** The JSON contract other checks rely on: exactly these keys. */
export function inferJson(result: InferenceResult): string {
  return JSON.stringify({
    columns: toHiveColumns(result.schema),
    corruptRecords: result.corruptRecords,
    corruptSamples: result.corruptSamples.map(({ file, line, reason }) => ({ file, line, reason })),
    provenance: provenanceByPath(result.schema),
  });
}

export function inferText(result: InferenceResult, files: number): string {
  const columns = toHiveColumns(result.schema);
  const provenance = provenanceByPath(result.schema);
  const width = Math.max(4, ...columns.map((c) => c.name.length));
  const lines = [
    `${columns.length} column${columns.length === 1 ? '' : 's'} from ${files} file${files === 1 ? '' : 's'}: ${result.records} records, ${result.corruptRecords} corrupt`,
  ];
  result.schema.columns.forEach((f, i) => {
    const c = columns[i]!;
    const p = provenance[c.name];
    const from = p ? `  (${p.file}${p.line !== undefined ? ':' + p.line : ''})` : '';
    const original = f.name !== c.name ? `  [was "${f.name}"]` : '';
    lines.push(`  ${c.name.padEnd(width)}  ${c.type}${original}${from}`);
  });
  if (result.corruptSamples.length > 0) {
    lines.push('corrupt records:');
    for (const s of result.corruptSamples) lines.push(`  ${s.file}:${s.line}  ${s.reason}`);
  }
  return lines.join('\n') + '\n';
}

export const command: Command = {
  usage: USAGE,
  async run(args, io) {
    const parsed = parseInferArgs(args);
    if (typeof parsed === 'string') {
      io.stderr(`lake infer: ${parsed}\n${USAGE}`);
      return EXIT.usage;
    }
    try {
      const options = parsed.format ? { format: parsed.format, detectTemporal: parsed.detectDates } : { detectTemporal: parsed.detectDates };
      const result = await inferLocalFiles(parsed.files, options);
      io.stdout(parsed.json ? inferJson(result) + '\n' : inferText(result, parsed.files.length));
      return EXIT.ok;
    } catch (e) {
      if (e instanceof UnreadableInputError) {
        io.stderr(`lake infer: cannot read ${e.file}: ${e.reason}\n`);
        return EXIT.unreadableInput;
      }
      throw e;
    }
  },
};
