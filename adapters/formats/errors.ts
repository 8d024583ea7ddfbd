/** Input that cannot be read at all (missing, not permitted, not the format it claims): an error value
 * with the file in it. Distinct from corrupt records, which are counted and do not fail inference. */
export class UnreadableInputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableInputError';
  }
}

/** A readable reason for a Node I/O or zlib error. */
export function describeIoError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return `not valid gzip data (${err.message})`;
    default:
      return err?.message ?? String(e);
  }
}
