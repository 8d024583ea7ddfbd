// Local files as streams of byte chunks (gunzipped when the name ends in .gz): memory stays flat.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { UnreadableInputError, describeIoError } from './errors';
import { gunzipTolerant, type GzipBreak } from './gzip';

const CHUNK_BYTES = 1 << 20;

/** `broken` hears where gzip data broke off after some text (see gzip.ts); gzip that never starts throws. */
export async function* localChunks(path: string, options: { gzip?: boolean; broken?: GzipBreak } = {}): AsyncGenerator<Uint8Array> {
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream: AsyncIterable<Uint8Array> = options.gzip ? gunzipTolerant(raw, options.broken ?? {}) : raw;
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (e) {
    throw new UnreadableInputError(path, describeIoError(e));
  } finally {
    raw.destroy();
  }
}

/** Read `length` bytes at `position` (for footers), failing clearly if the file is shorter. */
export async function readRange(path: string, position: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r').catch((e) => {
    throw new UnreadableInputError(path, describeIoError(e));
  });
  try {
    const out = new Uint8Array(length);
    const { bytesRead } = await handle.read(out, 0, length, position);
    if (bytesRead !== length) throw new UnreadableInputError(path, 'file is shorter than its footer says');
    return out;
  } finally {
    await handle.close();
  }
}

export async function fileSize(path: string): Promise<number> {
  const handle = await open(path, 'r').catch((e) => {
    throw new UnreadableInputError(path, describeIoError(e));
  });
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new UnreadableInputError(path, 'is a directory, not a file');
    return stat.size;
  } finally {
    await handle.close();
  }
}
