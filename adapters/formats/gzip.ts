// Gunzip for scanners, tolerant of gzip data that breaks off: a file cut short, or followed by bytes that
// are not gzip (a partial upload, an appender that crashed, padding). The text decompressed before the
// break is kept, and the break is reported once, as a corrupt record, instead of rejecting the whole file.
// zlib drops the output it had not yet handed over when it fails, so up to one output chunk (16 KiB) of
// text right before the break can be lost; the report says so.
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export const GUNZIP_CHUNK_BYTES = 16 * 1024;

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
  const gunzip = pipeline(Readable.from(compressed, { objectMode: false }), createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), () => undefined);
  let out = 0;
  try {
    for await (const chunk of gunzip) {
      out += (chunk as Uint8Array).length;
      yield chunk as Uint8Array;
    }
  } catch (e) {
    if (!isZlibError(e) || out === 0) throw e;
    const what = e.code === 'Z_BUF_ERROR' ? 'the gzip data is cut short' : 'the gzip data is followed by bytes that are not gzip';
    broken.reason = `${what} (${e.message}) after ${out} decompressed bytes; the records before it are read, the last up to ${GUNZIP_CHUNK_BYTES / 1024} KiB of text before it may be lost`;
  }
}
