// The exporter's per-cell formatting, pure and memoised. An export of a million rows calls these
// millions of times with few distinct inputs (a handful of devices and names, times that share
// their second), so each keeps what it already worked out; every output is exactly what the
// plain formula (toISOString, JSON.stringify, the CSV rules) gives.

// RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled.
const NEEDS_QUOTES = /[",\r\n]/;
// Formula injection (OWASP "CSV Injection", CWE-1236): a spreadsheet runs a cell that starts with
// = + - @ as a formula, and tab, CR (and NUL, ASVS 1.2.10) can hide such a start. Names and
// messages come from the devices, so any text cell can start that way. OWASP's remedy: prefix
// the cell with a single quote, which spreadsheets take as "this is text", and quote the field.
const FORMULA_START = /^[=+\-@\t\r\0]/;

/** A text cell: neutralised if it could start a formula, then quoted as RFC 4180 says. */
export function csvText(value: string | null): string {
  if (value === null) return '';
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A JSON string literal, or null. */
export function jsonText(value: string | null): string {
  return JSON.stringify(value);
}

// Enough for every device and name of a log; an export of free text (messages) that overflows it
// starts afresh rather than growing.
const MEMO_LIMIT = 1024;
// Longer strings (message bodies) are rarely repeated and would only fill the memo.
const MEMO_MAX_LENGTH = 64;

/** `format` remembered for short, repeated strings (device addresses and names). */
export class TextMemo {
  private readonly seen = new Map<string, string>();

  constructor(private readonly format: (value: string | null) => string) {}

  get(value: string | null): string {
    if (value === null || value.length > MEMO_MAX_LENGTH) return this.format(value);
    let out = this.seen.get(value);
    if (out === undefined) {
      if (this.seen.size >= MEMO_LIMIT) this.seen.clear();
      out = this.format(value);
      this.seen.set(value, out);
    }
    return out;
  }
}

// ".000Z" to ".999Z": the part of an ISO time below the second.
const MILLIS = Array.from({ length: 1000 }, (_, ms) => `.${String(ms).padStart(3, '0')}Z`);
// ECMA-262 21.4.1.31 TimeClip: the Date range; 21.4.4.36 toISOString: years 0000-9999 print as 4
// digits, others with a sign and 6 digits, so the second's prefix has one length only in between.
const YEAR_10000_MS = 253402300800000;

/**
 * `new Date(t).toISOString()`, from the prefix of the second it falls in, worked out once per
 * second: consecutive rows of a log mostly share it.
 */
export class IsoTime {
  private second = Number.NaN;
  private prefix = '';

  format(t: number): string {
    // Date keeps whole milliseconds, cut toward zero (ECMA-262 21.4.1.31 TimeClip, ToIntegerOrInfinity).
    const ms = Math.trunc(t);
    if (!(ms >= 0 && ms < YEAR_10000_MS)) return new Date(t).toISOString();
    const below = ms % 1000;
    const second = ms - below;
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second).toISOString().slice(0, 19); // YYYY-MM-DDTHH:mm:ss
    }
    return this.prefix + MILLIS[below]!;
  }
}

// Below 2^53 every whole number is exact and String() writes it in plain digits.
const MAX_WHOLE_MS = Number.MAX_SAFE_INTEGER;
// "000" to "999": a time's milliseconds within its second, as digits.
const DIGITS3 = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

/**
 * `String(t)` for a time in epoch milliseconds, from the digits of the second it falls in,
 * worked out once per second: a 13-digit double costs a full number-to-text conversion each
 * time, and rows mostly share their second. Anything but a whole number of at least 1000 ms
 * (a fraction, a negative time) is written by String() itself.
 */
export class EpochMs {
  private second = Number.NaN;
  private digits = '';

  format(t: number): string {
    if (!(t >= 1000 && t <= MAX_WHOLE_MS) || !Number.isInteger(t)) return String(t);
    const below = t % 1000;
    const second = t - below;
    if (second !== this.second) {
      this.second = second;
      this.digits = String(second / 1000);
    }
    return this.digits + DIGITS3[below]!;
  }
}
