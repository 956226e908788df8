// A bounded ring of latency samples per device, in preallocated typed arrays: appending never
// allocates, and the oldest sample is overwritten once the ring is full. Charts copy the ring's
// contents, oldest first, into a reused array of point objects (see PointPool).

export interface Point {
  x: number;
  y: number;
}

export class SampleRing {
  readonly capacity: number;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  /** Index of the next write. */
  private head = 0;
  private count = 0;
  /** Samples ever pushed (including overwritten ones). */
  total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(x: number, y: number): void {
    this.xs[this.head] = x;
    this.ys[this.head] = y;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.total++;
  }

  /**
   * The logical index of the first sample with x ≥ `x` (length when none), by binary search:
   * samples arrive in time order.
   */
  firstIndexAtOrAfter(x: number): number {
    let lo = 0;
    let hi = this.count;
    const base = this.head - this.count + this.capacity;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.xs[(base + mid) % this.capacity]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Writes the samples with x ≥ `fromX` (all by default), oldest first, into `target` (resized
   * to fit), reusing its point objects and taking new ones only from `pool` (so steady state
   * allocates nothing). A live chart copies only its window, not five minutes of samples.
   */
  copyInto(target: Point[], pool: PointPool, fromX = -Infinity): void {
    const skip = fromX === -Infinity ? 0 : this.firstIndexAtOrAfter(fromX);
    const n = this.count - skip;
    const start = (this.head - this.count + skip + this.capacity) % this.capacity;
    if (target.length > n) target.length = n;
    for (let i = 0; i < n; i++) {
      const j = (start + i) % this.capacity;
      let p = target[i];
      if (p === undefined) {
        p = pool.take(i);
        target[i] = p;
      }
      p.x = this.xs[j]!;
      p.y = this.ys[j]!;
    }
  }
}

/** Preallocated point objects, one per ring slot, handed out by index. */
export class PointPool {
  private readonly points: Point[];

  constructor(capacity: number) {
    this.points = Array.from({ length: capacity }, () => ({ x: 0, y: 0 }));
  }

  take(i: number): Point {
    const p = this.points[i];
    if (!p) throw new RangeError(`point pool has ${this.points.length} points, asked for #${i}`);
    return p;
  }
}
