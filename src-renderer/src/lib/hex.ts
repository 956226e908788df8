// Hex input and display for the console's binary messages. Input is forgiving about separators
// (spaces, colons, commas, dashes, 0x prefixes) and strict about everything else.
import { MAX_MESSAGE_LENGTH } from '../../../src-main/ipc/contract.ts';

export type HexParse = { ok: true; hex: string; bytes: number } | { ok: false; error: string };

/** Parses user hex into the wire form (lower-case, no separators). */
export function parseHex(input: string, maxBytes = MAX_MESSAGE_LENGTH): HexParse {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, error: 'Enter some hex bytes, like "de ad be ef".' };
  const tokens = trimmed.split(/[\s,:;-]+/).filter((t) => t !== '');
  let digits = '';
  for (const token of tokens) {
    const t = /^0x/i.test(token) ? token.slice(2) : token;
    if (t === '') return { ok: false, error: `"${token}" has no digits after 0x.` };
    const bad = /[^0-9a-fA-F]/.exec(t);
    if (bad) return { ok: false, error: `"${bad[0]}" is not a hex digit (in "${token}").` };
    // A prefixed or separated single digit is one byte ("0x1" or "1 2" → 01 02).
    if (t.length % 2 === 1) {
      if (tokens.length > 1 || /^0x/i.test(token)) digits += '0' + t;
      else return { ok: false, error: `Odd number of hex digits (${t.length}): each byte needs two.` };
    } else {
      digits += t;
    }
  }
  const bytes = digits.length / 2;
  if (bytes > maxBytes) return { ok: false, error: `Too long: ${bytes} bytes, at most ${maxBytes}.` };
  return { ok: true, hex: digits.toLowerCase(), bytes };
}

/** "deadbeef" → "de ad be ef". */
export function formatHex(hex: string): string {
  return (hex.match(/.{1,2}/g) ?? []).join(' ');
}

/** Printable ASCII preview of hex bytes ("." for the rest). */
export function hexToAscii(hex: string): string {
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return out;
}
