// Streaming RTT percentiles for one link: a cumulative HdrHistogram since creation plus a ring of
// per-second histograms, so "the last N seconds" is answered by summing the non-empty buckets of
// N small histograms rather than keeping every sample. Values are recorded as integer microseconds; 3 significant digits
// keep any percentile within 0.1% of the true sample.
//
// Memory is bounded from creation: the ring's histograms are reset and reused as seconds roll
// over, never reallocated; beside each, the list of its non-empty buckets holds at most one entry
// per bucket. Each histogram costs about 35 KB (Int16 counts over 1 µs..60 s at 3 digits), so the
// default 60 s of history is ~2 MB per link. The packed bucket type would be far smaller but
// adding packed histograms is ~100x slower, too slow for a dashboard refresh.

import * as hdr from 'hdr-histogram-js';

export interface RttSnapshot {
  /** Answered pings. */
  count: number;
  lost: number;
  /** lost / (count + lost) * 100; 0 when there is nothing yet. */
  lossPercent: number;
  /** Milliseconds; null when count is 0. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Enough for a one-minute live window; each second of history costs ~35 KB per link. */
export const DEFAULT_HISTORY_SECONDS = 60;

export interface RttStatsOptions {
  /** Seconds of per-second history kept for window snapshots (default 60). */
  historySeconds?: number;
}

/** 60 s: a PONG slower than this is clamped, not dropped, so it still weighs on p99 and max. */
const HIGHEST_US = 60_000_000;

const newHistogram = (bitBucketSize: 16 | 32 = 32): hdr.Histogram =>
  hdr.build({
    bitBucketSize,
    // A fixed range keeps memory bounded and add() on the fast same-layout path.
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

export class RttStats {
  private readonly history: number;
  private readonly total = newHistogram();
  private totalLost = 0;
  private readonly ring: hdr.Histogram[];
  /** The epoch second each ring slot holds; NaN for a slot never used since reset. */
  private readonly slotSecond: Float64Array;
  private readonly slotLost: Float64Array;
  /**
   * Per ring slot, the indexes of its non-empty buckets: a second holds a few dozen distinct
   * values among thousands of buckets, so a window walks these, not the whole counts arrays.
   */
  private readonly touched: number[][];
  /** The same for the cumulative histogram: at most one entry per bucket. */
  private readonly totalTouched: number[] = [];
  /** The seconds a window snapshot sums, and their buckets: reused rather than allocated per call. */
  private readonly parts: hdr.Histogram[] = [];
  private readonly indexes: number[] = [];

  constructor(options: RttStatsOptions = {}) {
    const history = options.historySeconds ?? DEFAULT_HISTORY_SECONDS;
    if (!Number.isInteger(history) || history < 1) throw new RangeError(`historySeconds must be a positive integer, got ${history}`);
    this.history = history;
    // A second holds at most a few thousand samples, so 16-bit counts are plenty and halve the ring.
    this.ring = Array.from({ length: history }, () => newHistogram(16));
    this.slotSecond = new Float64Array(history).fill(Number.NaN);
    this.slotLost = new Float64Array(history);
    this.touched = Array.from({ length: history }, () => []);
  }

  record(rttMs: number, atMs: number = Date.now()): void {
    // NaN has no place in a histogram; anything else is clamped so a bad clock never throws here.
    if (Number.isNaN(rttMs)) return;
    const us = Math.min(HIGHEST_US, Math.max(0, Math.round(rttMs * 1000)));
    const total = this.total as unknown as HistogramCounts & hdr.Histogram;
    const totalIndex = total.countsArrayIndex(us);
    if (total.getCountAtIndex(totalIndex) === 0) this.totalTouched.push(totalIndex);
    total.recordValue(us);
    const slot = this.slotIndex(atMs);
    if (slot === null) return;
    const h = this.ring[slot]! as unknown as HistogramCounts & hdr.Histogram;
    const index = h.countsArrayIndex(us);
    if (h.getCountAtIndex(index) === 0) this.touched[slot]!.push(index);
    h.recordValue(us);
  }

  recordLost(atMs: number = Date.now()): void {
    this.totalLost++;
    const slot = this.slotIndex(atMs);
    if (slot !== null) this.slotLost[slot]! += 1;
  }

  /**
   * windowSeconds undefined: everything since creation (or reset). Otherwise the last
   * windowSeconds whole seconds up to and including nowMs's (still filling) second; a window
   * longer than the history kept is cut to it.
   */
  snapshot(windowSeconds?: number, nowMs: number = Date.now()): RttSnapshot {
    if (windowSeconds === undefined) {
      // Kept sorted between calls, so each sort only places the buckets new since the last.
      this.totalTouched.sort((a, b) => a - b);
      return summarize([this.total], this.totalLost, this.totalTouched);
    }
    if (!(windowSeconds >= 1)) throw new RangeError(`windowSeconds must be at least 1, got ${windowSeconds}`);
    const w = Math.min(this.history, Math.ceil(windowSeconds));
    const newest = Math.floor(nowMs / 1000);
    const oldest = newest - w + 1;
    const parts = this.parts;
    const indexes = this.indexes;
    parts.length = 0;
    indexes.length = 0;
    let lost = 0;
    for (let i = 0; i < this.history; i++) {
      const sec = this.slotSecond[i]!;
      if (!(sec >= oldest && sec <= newest)) continue;
      lost += this.slotLost[i]!;
      const h = this.ring[i]!;
      // Most idle seconds are empty; they add nothing to the walk.
      if (h.totalCount === 0) continue;
      parts.push(h);
      for (const index of this.touched[i]!) indexes.push(index);
    }
    indexes.sort((a, b) => a - b);
    return summarize(parts, lost, indexes);
  }

  reset(): void {
    this.total.reset();
    this.totalTouched.length = 0;
    this.totalLost = 0;
    // Marking every slot unused is enough: a slot is cleared when a second claims it.
    this.slotSecond.fill(Number.NaN);
  }

  /**
   * The ring slot for atMs's second, claimed (and cleared) if it held an older second. A time
   * older than the slot's current second (it rolled past already) has no slot: it still counts
   * in the cumulative totals, just in no window.
   */
  private slotIndex(atMs: number): number | null {
    if (!Number.isFinite(atMs)) return null;
    const sec = Math.floor(atMs / 1000);
    const slot = ((sec % this.history) + this.history) % this.history;
    const held = this.slotSecond[slot]!;
    if (held === sec) return slot;
    if (held > sec) return null;
    this.ring[slot]!.reset();
    this.touched[slot]!.length = 0;
    this.slotLost[slot] = 0;
    this.slotSecond[slot] = sec;
    return slot;
  }
}

// What summarize reads of hdr-histogram-js 3's JsHistogram beyond its typed interface.
interface HistogramCounts {
  readonly countsArrayLength: number;
  getCountAtIndex(index: number): number;
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}

const PERCENTILES = [50, 95, 99] as const;

/**
 * hdr-histogram-js's getValueAtPercentile's rank (JsHistogram.getValueAtPercentile: the count
 * rounded up, one ulp of slack, at least 1), so the values found here are the ones it finds.
 */
function rankAt(percentile: number, total: number): number {
  const fp = (percentile / 100) * total;
  return Math.max(Math.ceil(fp - 2 ** (Math.floor(Math.log2(fp)) - 52)), 1);
}

/**
 * A snapshot of the sum of `histograms` (same layout) in one walk over their counts, up to the
 * max's bucket or over `indexes`, the buckets that hold counts, without adding them into another. The app asks for every link's window and total
 * twice a second; hdr-histogram-js walks the whole counts array once per percentile and again,
 * through an iterator object per bucket, for the mean, and add() walks it per second of the
 * window: tens of ms per refresh with 16 links, all on the hub's event loop. Same results: a
 * percentile is the top of the bucket holding its rank, the mean weighs each bucket's median by
 * its count.
 */
function summarize(histograms: readonly hdr.Histogram[], lost: number, indexes?: readonly number[]): RttSnapshot {
  let count = 0;
  let max = 0;
  for (const h of histograms) {
    count += h.totalCount;
    max = Math.max(max, h.maxValue);
  }
  const lossPercent = count + lost === 0 ? 0 : (lost / (count + lost)) * 100;
  if (count === 0) return { count, lost, lossPercent, p50: null, p95: null, p99: null, max: null, mean: null };
  const parts = histograms as unknown as readonly HistogramCounts[];
  const layout = parts[0]!;
  const found = [0, 0, 0];
  const ranks = PERCENTILES.map((p) => rankAt(p, count));
  let next = 0;
  let seen = 0;
  let sum = 0;
  const last = Math.min(layout.countsArrayIndex(max), layout.countsArrayLength - 1);
  // Every bucket up to the max's, or (sorted, repeats allowed) the ones known to hold counts.
  const walk = indexes?.length ?? last + 1;
  for (let k = 0; k < walk; k++) {
    const i = indexes ? indexes[k]! : k;
    if (indexes && k > 0 && i === indexes[k - 1]) continue;
    let c = 0;
    for (const h of parts) c += h.getCountAtIndex(i);
    if (c === 0) continue;
    const value = layout.valueFromIndex(i);
    seen += c;
    sum += layout.medianEquivalentValue(value) * c;
    while (next < ranks.length && seen >= ranks[next]!) found[next++] = layout.highestEquivalentValue(value);
  }
  // A percentile is the top of its bucket (within 0.1 %), which can lie above the largest
  // sample; no percentile is shown above the max.
  const ms = (us: number): number => Math.min(us, max) / 1000;
  return { count, lost, lossPercent, p50: ms(found[0]!), p95: ms(found[1]!), p99: ms(found[2]!), max: max / 1000, mean: sum / count / 1000 };
}
