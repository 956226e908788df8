// The exporter's memoised cell formatters give exactly what the plain formulas give.
import { describe, expect, it } from 'vitest';
import { csvText, EpochMs, IsoTime, jsonText, TextMemo } from '../../src-main/hub/store/export-format.ts';

describe('IsoTime', () => {
  // ECMA-262 21.4.4.36 toISOString is the reference; 21.4.1.31 TimeClip cuts fractions toward zero.
  const reference = (t: number): string => new Date(t).toISOString();

  it('matches toISOString for times in order, out of order, fractional and at the edges', () => {
    const times = [
      0, -0, 0.4, 0.999, 1, 999, 999.9999, 1000, 1000.5, -0.5, -1, -1.5, -999.5, -1000, -86_400_000.25,
      1_765_000_000_000, 1_765_000_000_999.75, 1_765_000_001_000, 1_765_000_000_500, 951_782_400_000, // 2000-02-29
      253_402_300_799_999, 253_402_300_799_999.9, 253_402_300_800_000, 253_402_300_800_001, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15,
    ];
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      // Runs of nearby times (the cache's case) and jumps anywhere in the Date range.
      times.push(i % 100 === 0 ? (seed / 2_147_483_648 - 0.5) * 1.7e15 : times[times.length - 1]! + (seed % 1500) / 3);
    }
    const iso = new IsoTime();
    const wrong = times.filter((t) => iso.format(t) !== reference(t)).map((t) => [t, iso.format(t), reference(t)]);
    expect(wrong).toEqual([]);
  });

  it('throws as toISOString does for a time outside the Date range', () => {
    expect(() => new IsoTime().format(8.64e15 + 1)).toThrow(RangeError);
    expect(() => new IsoTime().format(Number.NaN)).toThrow(RangeError);
  });
});

describe('TextMemo', () => {
  const inputs = [null, '', 'pico', '=1+1', '+x', '-1', '@a', '\tt', '\rx', '\0z', 'a,b', 'q"q', 'l\nb', 'ünï', '😀', '\ud800', 'x'.repeat(65)];

  it('gives what the formatter gives, asked once or many times', () => {
    for (const format of [csvText, jsonText]) {
      const memo = new TextMemo(format);
      for (let round = 0; round < 3; round++) for (const v of inputs) expect(memo.get(v)).toBe(format(v));
    }
  });

  it('stays right past its size limit', () => {
    const memo = new TextMemo(csvText);
    for (let i = 0; i < 3000; i++) expect(memo.get(`-${i % 1500}`)).toBe(`"'-${i % 1500}"`);
  });
});

describe('EpochMs', () => {
  it('matches String() for whole, fractional, small, negative and huge times', () => {
    const times = [0, -0, 1, 999, 1000, 1001, 1999, 2000, 10_000, 1_765_000_000_000, 1_765_000_000_999, 1_765_000_001_000, 1_765_000_000_000.5, -1000, -1765,
      2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1.5e-7, Number.NaN, Infinity, -Infinity];
    for (let i = 0; i < 3000; i++) times.push(1_765_000_000_000 + i * 7 + (i % 50 === 0 ? 0.25 : 0));
    const ms = new EpochMs();
    expect(times.filter((t) => ms.format(t) !== String(t))).toEqual([]);
  });
});
