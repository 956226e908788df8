// Streaming RTT percentiles for one link: a cumulative HdrHistogram since creation plus a ring of
// per-second histograms, so "the last N seconds" is answered by adding N small histograms rather
// than keeping every sample. Values are recorded as integer microseconds; 3 significant digits
// keep any percentile within 0.1% of the true sample.
//
// Memory is fixed at creation: the ring's histograms are reset and reused as seconds roll over,
// never reallocated. Each costs about 35 KB (Int16 counts over 1 µs..60 s at 3 digits), so the
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
  /** Window snapshots add into this one histogram instead of allocating per call. */
  private readonly scratch = newHistogram();

  constructor(options: RttStatsOptions = {}) {
    const history = options.historySeconds ?? DEFAULT_HISTORY_SECONDS;
    if (!Number.isInteger(history) || history < 1) throw new RangeError(`historySeconds must be a positive integer, got ${history}`);
    this.history = history;
    // A second holds at most a few thousand samples, so 16-bit counts are plenty and halve the ring.
    this.ring = Array.from({ length: history }, () => newHistogram(16));
    this.slotSecond = new Float64Array(history).fill(Number.NaN);
    this.slotLost = new Float64Array(history);
  }

  record(rttMs: number, atMs: number = Date.now()): void {
    // NaN has no place in a histogram; anything else is clamped so a bad clock never throws here.
    if (Number.isNaN(rttMs)) return;
    const us = Math.min(HIGHEST_US, Math.max(0, Math.round(rttMs * 1000)));
    this.total.recordValue(us);
    this.slotFor(atMs)?.recordValue(us);
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
    if (windowSeconds === undefined) return summarize(this.total, this.totalLost);
    if (!(windowSeconds >= 1)) throw new RangeError(`windowSeconds must be at least 1, got ${windowSeconds}`);
    const w = Math.min(this.history, Math.ceil(windowSeconds));
    const newest = Math.floor(nowMs / 1000);
    const oldest = newest - w + 1;
    this.scratch.reset();
    let lost = 0;
    for (let i = 0; i < this.history; i++) {
      const sec = this.slotSecond[i]!;
      if (!(sec >= oldest && sec <= newest)) continue;
      lost += this.slotLost[i]!;
      const h = this.ring[i]!;
      // add() walks the whole counts array; most idle seconds are empty, so skip them.
      if (h.totalCount > 0) this.scratch.add(h);
    }
    return summarize(this.scratch, lost);
  }

  reset(): void {
    this.total.reset();
    this.totalLost = 0;
    // Marking every slot unused is enough: a slot is cleared when a second claims it.
    this.slotSecond.fill(Number.NaN);
  }

  private slotFor(atMs: number): hdr.Histogram | null {
    const slot = this.slotIndex(atMs);
    return slot === null ? null : this.ring[slot]!;
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
    this.slotLost[slot] = 0;
    this.slotSecond[slot] = sec;
    return slot;
  }
}

function summarize(h: hdr.Histogram, lost: number): RttSnapshot {
  const count = h.totalCount;
  const ms = (us: number): number | null => (count === 0 ? null : us / 1000);
  // A percentile is the top of its bucket (within 0.1 %), which can lie above the largest
  // sample; no percentile is shown above the max.
  const at = (p: number): number | null => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return {
    count,
    lost,
    lossPercent: count + lost === 0 ? 0 : (lost / (count + lost)) * 100,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}
