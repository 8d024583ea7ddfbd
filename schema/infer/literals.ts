// How a single literal is typed, shared by every text format (JSON lines, CSV): one place for
// "integers are bigint, past int64 decimal(p,0) up to 38 digits, else double" and for the optional
// date/timestamp detection inside strings.
import { MAX_DECIMAL_PRECISION, T, type LakeType } from '../types';

/** Digits of 2^63 - 1 and of |-2^63|: a 19-digit integer fits in a bigint iff it is not above these. */
export const INT64_MAX_DIGITS = '9223372036854775807';
export const INT64_MIN_MAGNITUDE_DIGITS = '9223372036854775808';

// One shared object per precision so scanners can compare types by identity on the hot path.
const INTEGER_DECIMALS: LakeType[] = [];
for (let p = 0; p <= MAX_DECIMAL_PRECISION; p++) INTEGER_DECIMALS.push(T.decimal(p, 0));

/** Type of an integer literal with `digits` digits (no sign, no leading zeros). */
export function integerLiteralType(digits: number, fitsInt64: boolean): LakeType {
  if (fitsInt64) return T.bigint;
  if (digits <= MAX_DECIMAL_PRECISION) return INTEGER_DECIMALS[digits]!;
  return T.double;
}

/** Does a 19-digit magnitude fit in int64? `digitAt(i)` is the char code of the i-th digit. */
export function nineteenDigitsFitInt64(digitAt: (i: number) => number, negative: boolean): boolean {
  const limit = negative ? INT64_MIN_MAGNITUDE_DIGITS : INT64_MAX_DIGITS;
  for (let i = 0; i < 19; i++) {
    const d = digitAt(i);
    const l = limit.charCodeAt(i);
    if (d !== l) return d < l;
  }
  return true;
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Type of a number written as text (JSON number grammar), or undefined when it is not a number. */
export function numberTextType(text: string): LakeType | undefined {
  const m = JSON_NUMBER.exec(text);
  if (!m) return undefined;
  if (m[2] !== undefined || m[3] !== undefined) return T.double;
  const negative = text.charCodeAt(0) === 0x2d;
  const digits = text.length - (negative ? 1 : 0);
  const offset = negative ? 1 : 0;
  const fits = digits < 19 || (digits === 19 && nineteenDigitsFitInt64((i) => text.charCodeAt(offset + i), negative));
  return integerLiteralType(digits, fits);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** Date or timestamp when the string is one (ISO 8601 forms), else undefined. Off by default per source. */
export function temporalTextType(text: string): LakeType | undefined {
  if (text.length < 10 || text.length > 35) return undefined;
  const d = DATE.exec(text);
  if (d) return validDate(+d[1]!, +d[2]!, +d[3]!) ? T.date : undefined;
  const t = TIMESTAMP.exec(text);
  if (t && validDate(+t[1]!, +t[2]!, +t[3]!) && +t[4]! < 24 && +t[5]! < 60 && (t[7] === undefined || +t[7] < 60)) return T.timestamp;
  return undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A day that exists in the proleptic Gregorian calendar engines use (2023-02-31 does not; 2024-02-29 does). */
function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}
