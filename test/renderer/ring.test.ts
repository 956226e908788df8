import { describe, expect, it } from 'vitest';
import { PointPool, SampleRing, type Point } from '../../src-renderer/src/lib/ring.ts';

/** The ring's samples, oldest first, read the way the charts read them. */
function contents(r: SampleRing): Point[] {
  const target: Point[] = [];
  r.copyInto(target, new PointPool(r.capacity));
  return target.map((p) => ({ ...p }));
}

describe('SampleRing', () => {
  it('keeps samples oldest first until full', () => {
    const r = new SampleRing(4);
    expect(contents(r)).toEqual([]);
    r.push(1, 10);
    r.push(2, 20);
    expect(r.length).toBe(2);
    expect(contents(r)).toEqual([
      { x: 1, y: 10 },
      { x: 2, y: 20 },
    ]);
  });

  it('overwrites the oldest once full and stays bounded', () => {
    const r = new SampleRing(3);
    for (let i = 1; i <= 7; i++) r.push(i, i * 10);
    expect(r.length).toBe(3);
    expect(r.total).toBe(7);
    expect(contents(r)).toEqual([
      { x: 5, y: 50 },
      { x: 6, y: 60 },
      { x: 7, y: 70 },
    ]);
  });

  it('copies into a reused point array in order, without new point objects once warm', () => {
    const r = new SampleRing(5);
    const pool = new PointPool(5);
    const target: Point[] = [];
    for (let i = 0; i < 3; i++) r.push(i, i);
    r.copyInto(target, pool);
    expect(target.map((p) => p.x)).toEqual([0, 1, 2]);
    const first = target.slice();
    for (let i = 3; i < 9; i++) r.push(i, -i);
    r.copyInto(target, pool);
    expect(target.map((p) => p.x)).toEqual([4, 5, 6, 7, 8]);
    expect(target.map((p) => p.y)).toEqual([-4, -5, -6, -7, -8]);
    // The first three slots are the very same objects as before.
    for (let i = 0; i < 3; i++) expect(target[i]).toBe(first[i]);
    // And every object came from the pool.
    for (let i = 0; i < 5; i++) expect(target[i]).toBe(pool.take(i));
  });

  it('shrinks the target when fewer samples are copied than last time', () => {
    const r = new SampleRing(3);
    const pool = new PointPool(3);
    const target: Point[] = [];
    r.push(1, 1);
    r.push(2, 2);
    r.copyInto(target, pool);
    r.push(3, 3);
    r.copyInto(target, pool, 3);
    expect(target).toEqual([{ x: 3, y: 3 }]);
  });

  it('rejects a nonsense capacity', () => {
    expect(() => new SampleRing(0)).toThrow(RangeError);
    expect(() => new SampleRing(2.5)).toThrow(RangeError);
    expect(() => new PointPool(1).take(1)).toThrow(RangeError);
  });
});

describe('SampleRing windows', () => {
  it('finds the first sample at or after x, across the wrap', () => {
    const r = new SampleRing(5);
    for (let i = 1; i <= 8; i++) r.push(i, i); // holds 4..8
    expect(r.firstIndexAtOrAfter(0)).toBe(0);
    expect(r.firstIndexAtOrAfter(4)).toBe(0);
    expect(r.firstIndexAtOrAfter(5.5)).toBe(2);
    expect(r.firstIndexAtOrAfter(8)).toBe(4);
    expect(r.firstIndexAtOrAfter(9)).toBe(5);
  });

  it('copies only the samples from x on when asked', () => {
    const r = new SampleRing(5);
    const pool = new PointPool(5);
    const target: Point[] = [];
    for (let i = 1; i <= 8; i++) r.push(i, i * 10);
    r.copyInto(target, pool, 6);
    expect(target).toEqual([
      { x: 6, y: 60 },
      { x: 7, y: 70 },
      { x: 8, y: 80 },
    ]);
    r.copyInto(target, pool, 100);
    expect(target).toEqual([]);
    r.copyInto(target, pool);
    expect(target.map((p) => p.x)).toEqual([4, 5, 6, 7, 8]);
  });
});
