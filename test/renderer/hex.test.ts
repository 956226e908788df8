import { describe, expect, it } from 'vitest';
import { formatHex, hexToAscii, parseHex } from '../../src-renderer/src/lib/hex.ts';

describe('parseHex', () => {
  it('accepts compact, spaced, colon, comma and 0x forms, and lower-cases', () => {
    expect(parseHex('DEADBEEF')).toEqual({ ok: true, hex: 'deadbeef', bytes: 4 });
    expect(parseHex(' de ad  be ef ')).toEqual({ ok: true, hex: 'deadbeef', bytes: 4 });
    expect(parseHex('de:ad:be:ef')).toEqual({ ok: true, hex: 'deadbeef', bytes: 4 });
    expect(parseHex('0xde, 0xAD,0xbe ,0xef')).toEqual({ ok: true, hex: 'deadbeef', bytes: 4 });
    expect(parseHex('00-ff')).toEqual({ ok: true, hex: '00ff', bytes: 2 });
  });

  it('pads single digits that stand alone as bytes', () => {
    expect(parseHex('1 2 a')).toEqual({ ok: true, hex: '01020a', bytes: 3 });
    expect(parseHex('0x1')).toEqual({ ok: true, hex: '01', bytes: 1 });
  });

  it('rejects empty input, non-hex characters and an odd run of digits', () => {
    expect(parseHex('   ').ok).toBe(false);
    const bad = parseHex('de ag');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain('"g"');
    const odd = parseHex('abc');
    expect(odd.ok).toBe(false);
    if (!odd.ok) expect(odd.error).toMatch(/odd/i);
    expect(parseHex('0x').ok).toBe(false);
    expect(parseHex('hello').ok).toBe(false);
  });

  it('enforces the size limit', () => {
    expect(parseHex('00'.repeat(4096)).ok).toBe(true);
    const r = parseHex('00'.repeat(4097));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('4097');
    expect(parseHex('aabbcc', 2).ok).toBe(false);
  });

  it('produces what the contract accepts', () => {
    const r = parseHex('0A 0b');
    expect(r.ok && /^([0-9a-f]{2})+$/.test(r.hex)).toBe(true);
  });
});

describe('formatHex and hexToAscii', () => {
  it('groups bytes and previews printable characters', () => {
    expect(formatHex('deadbeef')).toBe('de ad be ef');
    expect(formatHex('')).toBe('');
    expect(hexToAscii('48690a7f')).toBe('Hi..');
  });
});
