import { describe, expect, it } from 'vitest';
import { bodyText, filterLines, lineOf, mergeLines, type LogLine } from '../../src-renderer/src/lib/console-log.ts';

const A = 'aa:aa:aa:aa:aa:01';
const B = 'bb:bb:bb:bb:bb:02';
const text = (address: string, at: number, t: string, direction: 'in' | 'out' = 'in'): LogLine => lineOf(address, { at, direction, body: { kind: 'text', text: t } });

describe('mergeLines', () => {
  it('appends in time order and drops duplicates (history overlapping live events)', () => {
    let log = mergeLines([], [text(A, 1, 'x'), text(A, 3, 'y')], 100);
    log = mergeLines(log, [text(A, 2, 'late'), text(A, 3, 'y'), text(B, 4, 'z')], 100);
    expect(log.map((l) => l.at)).toEqual([1, 2, 3, 4]);
    expect(log).toHaveLength(4);
  });

  it('keeps only the newest `limit` lines and does not mutate its input', () => {
    const before = [text(A, 1, 'a')];
    const log = mergeLines(before, [text(A, 2, 'b'), text(A, 3, 'c')], 2);
    expect(log.map((l) => l.at)).toEqual([2, 3]);
    expect(before).toHaveLength(1);
  });

  it('tells messages of the same time apart by device, direction, kind and body', () => {
    const hex = (address: string, at: number, h: string): LogLine => lineOf(address, { at, direction: 'in', body: { kind: 'data', hex: h } });
    let log = mergeLines([], [text(A, 7, 'x'), text(B, 7, 'x'), text(A, 7, 'x', 'out'), text(A, 7, 'y'), hex(A, 7, '78')], 100);
    expect(log).toHaveLength(5);
    log = mergeLines(log, [text(B, 7, 'x'), hex(A, 7, '78'), text(A, 7, 'x'), hex(A, 7, '79'), text(A, 6, 'x')], 100);
    expect(log).toHaveLength(7);
    expect(log.map((l) => l.at)).toEqual([6, 7, 7, 7, 7, 7, 7]);
    expect(new Set(log.map((l) => l.id)).size).toBe(7);
  });

  it('drops duplicates within one batch', () => {
    expect(mergeLines([], [text(A, 1, 'x'), text(A, 1, 'x'), text(A, 2, 'x')], 10)).toHaveLength(2);
  });

  it('keeps arrival order for equal times, and tells direction apart', () => {
    const log = mergeLines([], [text(A, 5, 'ping', 'out'), text(A, 5, 'ping', 'in')], 10);
    expect(log.map((l) => l.direction)).toEqual(['out', 'in']);
  });
});

describe('filterLines', () => {
  const log = [
    text(A, 1, 'Hello there'),
    text(B, 2, 'other'),
    lineOf(A, { at: 3, direction: 'out', body: { kind: 'data', hex: 'deadbeef' } }),
  ];
  const names = (a: string) => (a === A ? 'pico-one' : 'pico-two');

  it('filters by device', () => {
    expect(filterLines(log, A, '')).toHaveLength(2);
    expect(filterLines(log, 'all', '')).toHaveLength(3);
  });
  it('matches text case-insensitively, hex with or without spaces, and device names', () => {
    expect(filterLines(log, 'all', 'hello').map((l) => l.at)).toEqual([1]);
    expect(filterLines(log, 'all', 'ad be').map((l) => l.at)).toEqual([3]);
    expect(filterLines(log, 'all', 'adbe').map((l) => l.at)).toEqual([3]);
    expect(filterLines(log, 'all', 'pico-two', names).map((l) => l.at)).toEqual([2]);
    expect(filterLines(log, A, 'other', names)).toEqual([]);
  });
});

describe('bodyText', () => {
  it('shows text as is and bytes as hex with a preview', () => {
    expect(bodyText({ kind: 'text', text: 'hi' })).toBe('hi');
    expect(bodyText({ kind: 'data', hex: '4869' })).toBe('48 69  |Hi|');
  });
});
