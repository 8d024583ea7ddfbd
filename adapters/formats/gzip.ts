// Gunzip for scanners, tolerant of gzip data that breaks off: a file cut short, or followed by bytes that
// are not gzip (a partial upload, an appender that crashed, padding). The text decompressed before the
// break is kept, and the break is reported once, as a corrupt record, instead of rejecting the whole file.
// zlib drops the output it had not yet handed over when it fails, so up to one output chunk (16 KiB) of
// text right before the break can be lost; the report says so. When it fails before handing over anything
// (a small file: all of it in one chunk), the first member is inflated again from the bytes kept so far.
import { Readable, pipeline } from 'node:stream';
import { constants, createGunzip, inflateRawSync } from 'node:zlib';

export const GUNZIP_CHUNK_BYTES = 16 * 1024;
/** Compressed bytes kept until the first text comes out, to inflate the first member again on a break. */
const KEEP_UNTIL_OUTPUT_BYTES = 16 << 20;

/** Where a tolerant gunzip stopped early, and why; empty while (or when) all went well. */
export interface GzipBreak {
  reason?: string;
}

function isZlibError(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('Z_');
}

/**
 * The decompressed chunks of `compressed`. Data that is not gzip from its first bytes throws (zlib's
 * error); data that breaks off after some text ends the chunks there and says why in `broken.reason`.
 */
export async function* gunzipTolerant(compressed: AsyncIterable<Uint8Array>, broken: GzipBreak): AsyncGenerator<Uint8Array> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let out = 0;
  async function* keeping(): AsyncGenerator<Uint8Array> {
    for await (const chunk of compressed) {
      if (out === 0 && keptBytes + chunk.length <= KEEP_UNTIL_OUTPUT_BYTES) {
        kept.push(chunk);
        keptBytes += chunk.length;
      }
      yield chunk;
    }
  }
  const gunzip = pipeline(Readable.from(keeping(), { objectMode: false }), createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), () => undefined);
  try {
    for await (const chunk of gunzip) {
      out += (chunk as Uint8Array).length;
      yield chunk as Uint8Array;
    }
  } catch (e) {
    if (!isZlibError(e)) throw e;
    const what = e.code === 'Z_BUF_ERROR' ? 'the gzip data is cut short' : 'the gzip data is followed by bytes that are not gzip';
    if (out > 0) {
      broken.reason = `${what} (${e.message}) after ${out} decompressed bytes; the records before it are read, the last up to ${GUNZIP_CHUNK_BYTES / 1024} KiB of text before it may be lost`;
      return;
    }
    const first = keptBytes > 0 && keptBytes <= KEEP_UNTIL_OUTPUT_BYTES ? firstMember(Buffer.concat(kept)) : undefined;
    if (first === undefined || first.length === 0) throw e;
    broken.reason = `${what} (${e.message}) after its first member (${first.length} decompressed bytes), which is read`;
    yield first;
  }
}

/** The text of the first gzip member of `bytes`, as far as it goes; undefined when the header is not gzip. */
function firstMember(bytes: Buffer): Buffer | undefined {
  const start = gzipHeaderLength(bytes);
  if (start === undefined) return undefined;
  try {
    // raw deflate ignores what follows the member; a sync flush returns what a cut-short member holds
    return inflateRawSync(bytes.subarray(start), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

/** RFC 1952: the fixed 10 bytes, then the optional extra field, name, comment and header CRC. */
function gzipHeaderLength(b: Buffer): number | undefined {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return undefined;
  const flags = b[3]!;
  let pos = 10;
  if (flags & 4) pos += 2 + (b.length >= pos + 2 ? b.readUInt16LE(pos) : 0);
  for (const bit of [8, 16]) {
    if (flags & bit) {
      const end = b.indexOf(0, pos);
      if (end < 0) return undefined;
      pos = end + 1;
    }
  }
  if (flags & 2) pos += 2;
  return pos <= b.length ? pos : undefined;
}
