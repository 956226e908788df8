// Chart redraws batched to at most one per animation frame: whoever has new data asks for a
// redraw; each frame runs each asked-for redraw once, within a time budget. Each frame's work is
// timed for the renderer bench's frame-time figures.

export type FrameRequest = (cb: (t: number) => void) => unknown;

export class FrameBatcher {
  private readonly dirty = new Map<object, () => void>();
  private scheduled = false;
  /** Work per frame, ms (a ring of the last `durations.length` frames). */
  readonly durations: Float64Array;
  private written = 0;
  frames = 0;

  constructor(
    private readonly raf: FrameRequest,
    private readonly now: () => number,
    historySize = 2048,
    /**
     * Work per frame, ms: once spent, the remaining redraws wait for the next frame (oldest
     * request first), so many charts due at once spread over frames instead of stalling one.
     */
    private readonly budgetMs = Infinity,
  ) {
    this.durations = new Float64Array(historySize);
  }

  /** Runs `fn` on the next frame; asking again with the same key before then replaces it. */
  request(key: object, fn: () => void): void {
    this.dirty.set(key, fn);
    if (!this.scheduled) {
      this.scheduled = true;
      this.raf(() => this.flush());
    }
  }

  cancel(key: object): void {
    this.dirty.delete(key);
  }

  get pending(): number {
    return this.dirty.size;
  }

  private flush(): void {
    this.scheduled = false;
    const start = this.now();
    // Oldest request first; at least one runs each frame, then as many as fit the budget.
    for (const [key, fn] of this.dirty) {
      if (this.now() - start >= this.budgetMs) break;
      this.dirty.delete(key);
      try {
        fn();
      } catch (e) {
        console.error('frame work failed', e);
      }
    }
    if (this.dirty.size > 0) {
      this.scheduled = true;
      this.raf(() => this.flush());
    }
    this.durations[this.written % this.durations.length] = this.now() - start;
    this.written++;
    this.frames++;
  }

  /** Percentile (0-100) of the recorded frames' work, ms; null before any frame. */
  percentile(p: number): number | null {
    const n = Math.min(this.written, this.durations.length);
    if (n === 0) return null;
    const sorted = Array.from(this.durations.subarray(0, n)).sort((a, b) => a - b);
    const i = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
    return sorted[i]!;
  }

  resetStats(): void {
    this.written = 0;
    this.frames = 0;
  }
}
