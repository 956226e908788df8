import { describe, expect, it } from 'vitest';
import { RttStats } from '../../src-main/hub/latency/rtt-stats.ts';
import * as hdr from 'hdr-histogram-js';

const T0 = 1_700_000_000_000; // a whole second, so T0 + k * 1000 starts second k

/** Deterministic RTTs in ms, log-spread over 0.5 ms .. ~2 s like a real link's tail. */
function rtts(n: number, seed = 1): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    out.push(0.5 * Math.exp((x / 2 ** 32) * 8.3));
  }
  return out;
}

/** Nearest-rank percentile of values as recorded (whole µs). */
function percentile(sortedMs: number[], p: number): number {
  return sortedMs[Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1)]!;
}

/** HdrHistogram at 3 significant digits: within 0.1% of the value, plus the 1 µs unit. */
function expectClose(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);
}

describe('RttStats percentiles', () => {
  it('matches percentiles of the sorted samples within HdrHistogram precision', () => {
    const stats = new RttStats();
    const values = rtts(20_000);
    values.forEach((v, i) => stats.record(v, T0 + i)); // 20 s of samples
    const sorted = values.map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;

    for (const snap of [stats.snapshot(undefined, T0 + 20_000), stats.snapshot(60, T0 + 20_000)]) {
      expect(snap.count).toBe(20_000);
      expectClose(snap.p50, percentile(sorted, 50));
      expectClose(snap.p95, percentile(sorted, 95));
      expectClose(snap.p99, percentile(sorted, 99));
      expectClose(snap.max, sorted[sorted.length - 1]!);
      expectClose(snap.mean, mean);
      expect(snap.lost).toBe(0);
      expect(snap.lossPercent).toBe(0);
    }
    // Guard against a vacuous pass: the spread really is wide, so wrong percentiles would show.
    expect(percentile(sorted, 99) / percentile(sorted, 50)).toBeGreaterThan(10);
  });

  it('never puts a percentile above the max (a bucket top can lie above the largest sample)', () => {
    const stats = new RttStats();
    // 42.601 ms falls in a bucket 32 µs wide whose top is above it.
    stats.record(42.601, T0);
    stats.record(20, T0 + 1);
    for (const snap of [stats.snapshot(undefined, T0 + 10), stats.snapshot(10, T0 + 10)]) {
      expect(snap.max).toBeCloseTo(42.601, 3);
      expect(snap.p99).toBe(snap.max);
      expect(snap.p95).toBe(snap.max);
      expect(snap.p50).toBeLessThanOrEqual(snap.max!);
    }
  });

  it('gives nulls and 0% with no samples', () => {
    const stats = new RttStats();
    expect(stats.snapshot()).toEqual({ count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null });
    expect(stats.snapshot(10)).toEqual({ count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null });
  });
});

describe('RttStats windows', () => {
  it('covers the last N seconds including the current one, and drops older seconds', () => {
    const stats = new RttStats({ historySeconds: 30 });
    // Second k holds the value (k + 1) * 10 ms, twice.
    for (let k = 0; k < 10; k++) {
      stats.record((k + 1) * 10, T0 + k * 1000 + 100);
      stats.record((k + 1) * 10, T0 + k * 1000 + 900);
    }
    const now = T0 + 9_500; // inside second 9
    const w3 = stats.snapshot(3, now);
    expect(w3.count).toBe(6);
    expectClose(w3.max, 100);
    expectClose(w3.p50, 90);
    expectClose(w3.mean, 90);
    expect(stats.snapshot(1, now).count).toBe(2);
    expect(stats.snapshot(10, now).count).toBe(20);

    // Three seconds later, with nothing new, the same 3 s window holds only seconds 10..12.
    expect(stats.snapshot(3, T0 + 12_500).count).toBe(0);
    expect(stats.snapshot(5, T0 + 12_500).count).toBe(4); // seconds 8 and 9
    expect(stats.snapshot(undefined, T0 + 12_500).count).toBe(20);
  });

  it('reuses ring slots: a second older than the history is gone from every window', () => {
    const stats = new RttStats({ historySeconds: 5 });
    stats.record(500, T0); // second 0
    stats.record(7, T0 + 5_000); // second 5: same slot as second 0
    const snap = stats.snapshot(5, T0 + 5_000);
    expect(snap.count).toBe(1);
    expectClose(snap.max, 7);
    // A window longer than the history is cut to it, not an error.
    expect(stats.snapshot(1_000, T0 + 5_000).count).toBe(1);
    // The cumulative view still has both.
    expect(stats.snapshot(undefined, T0 + 5_000).count).toBe(2);
    expectClose(stats.snapshot(undefined, T0 + 5_000).max, 500);
  });

  it('keeps a sample for a second already rolled past in the totals only', () => {
    const stats = new RttStats({ historySeconds: 5 });
    stats.record(10, T0 + 5_000);
    stats.record(20, T0); // same slot, older second: must not clear second 5
    expect(stats.snapshot(5, T0 + 5_000).count).toBe(1);
    expect(stats.snapshot(undefined, T0 + 5_000).count).toBe(2);
  });

  it('rejects a window under one second', () => {
    const stats = new RttStats();
    expect(() => stats.snapshot(0)).toThrow(RangeError);
    expect(() => stats.snapshot(Number.NaN)).toThrow(RangeError);
  });
});

describe('RttStats loss', () => {
  it('gives lost / (answered + lost) overall and per window', () => {
    const stats = new RttStats();
    stats.recordLost(T0); // second 0
    for (let i = 0; i < 3; i++) stats.record(5, T0 + 10_000 + i);
    stats.recordLost(T0 + 10_500); // second 10
    const all = stats.snapshot(undefined, T0 + 10_900);
    expect(all).toMatchObject({ count: 3, lost: 2, lossPercent: 40 });
    const recent = stats.snapshot(5, T0 + 10_900);
    expect(recent).toMatchObject({ count: 3, lost: 1, lossPercent: 25 });
  });

  it('forgets a reused slot\'s old losses', () => {
    const stats = new RttStats({ historySeconds: 5 });
    stats.recordLost(T0); // second 0
    stats.recordLost(T0 + 5_000); // second 5, same slot
    stats.record(1, T0 + 5_000);
    expect(stats.snapshot(5, T0 + 5_000)).toMatchObject({ count: 1, lost: 1, lossPercent: 50 });
    expect(stats.snapshot(undefined, T0 + 5_000)).toMatchObject({ count: 1, lost: 2 });
  });

  it('reports 100% and null percentiles when every ping was lost', () => {
    const stats = new RttStats();
    stats.recordLost(T0);
    stats.recordLost(T0 + 1);
    expect(stats.snapshot(10, T0 + 2)).toEqual({ count: 0, lost: 2, lossPercent: 100, p50: null, p95: null, p99: null, max: null, mean: null });
  });
});

describe('RttStats input', () => {
  it('clamps values outside the trackable range instead of throwing', () => {
    const stats = new RttStats();
    expect(() => {
      stats.record(1e9, T0);
      stats.record(Number.POSITIVE_INFINITY, T0);
      stats.record(-5, T0);
      stats.record(Number.NaN, T0); // has no value to place: ignored
      stats.record(3, Number.NaN); // no usable time: totals only
    }).not.toThrow();
    const all = stats.snapshot(undefined, T0);
    expect(all.count).toBe(4);
    expectClose(all.max, 60_000);
    expectClose(all.p50, 3);
    expect(stats.snapshot(undefined, T0).p95).toBeGreaterThanOrEqual(60_000); // Infinity clamped too
    expect(stats.snapshot(1, T0).count).toBe(3);
  });

  it('rounds to whole microseconds', () => {
    const stats = new RttStats();
    stats.record(1.2344, T0);
    expect(stats.snapshot(undefined, T0).max).toBe(1.234);
  });

  it('reset forgets samples, losses and windows', () => {
    const stats = new RttStats();
    for (const v of rtts(100)) stats.record(v, T0);
    stats.recordLost(T0);
    stats.reset();
    const empty = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };
    expect(stats.snapshot(undefined, T0)).toEqual(empty);
    expect(stats.snapshot(300, T0)).toEqual(empty);
    stats.record(4, T0);
    const one = stats.snapshot(300, T0);
    expect(one.count).toBe(1);
    expectClose(one.p50, 4);
  });

  it('defaults times to Date.now()', () => {
    const stats = new RttStats();
    stats.record(2);
    stats.recordLost();
    expect(stats.snapshot(2)).toMatchObject({ count: 1, lost: 1, lossPercent: 50 });
  });
});

describe('RttStats summaries in one walk', () => {
  // The reference: hdr-histogram-js's own getValueAtPercentile, maxValue and mean over one
  // histogram holding the same samples, as the snapshot computed them before.
  function reference(valuesMs: number[]): { p50: number; p95: number; p99: number; max: number; mean: number } {
    const h = hdr.build({ bitBucketSize: 32, autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (const v of valuesMs) h.recordValue(Math.round(v * 1000));
    const at = (p: number): number => Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000;
    return { p50: at(50), p95: at(95), p99: at(99), max: h.maxValue / 1000, mean: h.mean / 1000 };
  }

  it('gives exactly what hdr-histogram-js gives, for the total and for a window of many seconds', () => {
    for (const n of [1, 2, 3, 99, 100, 101, 5000]) {
      const stats = new RttStats();
      const values = rtts(n, n);
      // Spread over 30 s, so the 10 s window sums ten seconds' histograms.
      values.forEach((v, i) => stats.record(v, T0 + Math.floor((i * 30_000) / n)));
      const inWindow = values.filter((_, i) => Math.floor((i * 30_000) / n) >= 20_000);
      expect(stats.snapshot(undefined, T0 + 29_999)).toMatchObject(reference(values));
      if (inWindow.length > 0) expect(stats.snapshot(10, T0 + 29_999)).toMatchObject({ count: inWindow.length, ...reference(inWindow) });
    }
  });
});
