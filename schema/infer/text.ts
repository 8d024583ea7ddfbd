// What text the scanners read: UTF-8. Text in another encoding is recognised from its first bytes and
// reported once, with the reason, instead of as a corrupt record per line.

/** Bytes held back at the start of a file to tell UTF-16 from UTF-8. */
export const ENCODING_SNIFF_BYTES = 4096;

export const UTF16_REASON = 'looks like UTF-16 text; only UTF-8 is read';
export const UTF32_REASON = 'looks like UTF-32 text; only UTF-8 is read';

/**
 * Why the text is not UTF-8, judged from its first bytes: a UTF-16/UTF-32 byte order mark, or NUL in
 * every other byte (UTF-16 of mostly ASCII text). NUL bytes everywhere are not UTF-16: they are read,
 * and cut short by maxRecordBytes like any line without end.
 */
export function foreignEncoding(head: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = head;
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) return UTF32_REASON;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) return UTF16_REASON;
  const pairs = head.length >> 1;
  if (pairs < 2) return undefined;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    if (head[i] === 0) evenNuls++;
    if (head[i + 1] === 0) oddNuls++;
  }
  const many = Math.max(evenNuls, oddNuls);
  const few = Math.min(evenNuls, oddNuls);
  return many >= pairs * 0.3 && few <= pairs * 0.02 ? UTF16_REASON : undefined;
}
