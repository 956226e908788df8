// The log's rows waiting in memory for their commit, oldest first. Normally it holds one
// flush's worth; while commits fail (a full disk) it keeps growing, so it is bounded by an
// estimate of the memory it takes: past the bound the oldest rows are dropped and counted,
// because the newest rows are what the user is looking at when space comes back.
// Parallel arrays and a head index instead of an array of objects and shift(): a push
// allocates nothing but the caller's parameters, and dropping from the front is O(1) per row.

export class PendingRows<P> {
  private kinds: number[] = [];
  private params: (P | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  /** Estimated bytes held by the waiting rows. */
  bytes = 0;
  /** Rows dropped by trim() since the count was last reset. */
  dropped = 0;

  /** `keep(kind)`: rows of this kind are never dropped (a session's start, which later rows refer to). */
  constructor(private readonly keep: (kind: number) => boolean) {}

  get length(): number {
    return this.kinds.length - this.head;
  }

  push(kind: number, params: P, bytes: number): void {
    this.kinds.push(kind);
    this.params.push(params);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  kindAt(i: number): number {
    return this.kinds[this.head + i]!;
  }

  paramsAt(i: number): P {
    return this.params[this.head + i]!;
  }

  /** Forgets the `n` oldest rows (they were committed). */
  discard(n: number): void {
    const end = this.head + n;
    for (let i = this.head; i < end; i++) {
      this.bytes -= this.sizes[i]!;
      this.params[i] = undefined;
    }
    this.head = end;
    this.compact();
  }

  /**
   * Drops the oldest rows until at most `maxBytes` are held; returns how many it dropped. It
   * drops down to 99% of the bound, so a full buffer is trimmed once per hundredth of its size
   * rather than on every push.
   */
  trim(maxBytes: number): number {
    if (this.bytes <= maxBytes) return 0;
    const target = maxBytes * 0.99;
    const kept: number[] = [];
    let dropped = 0;
    let i = this.head;
    const end = this.kinds.length;
    for (; i < end && this.bytes > target; i++) {
      if (this.keep(this.kinds[i]!)) {
        kept.push(i);
      } else {
        this.bytes -= this.sizes[i]!;
        dropped++;
      }
    }
    // The kept rows move up against the first row that stays, in their order. Each moves to a
    // slot at or after its own, and the slots written were dropped rows or already moved.
    let w = i;
    for (let k = kept.length - 1; k >= 0; k--) {
      w--;
      const from = kept[k]!;
      this.kinds[w] = this.kinds[from]!;
      this.params[w] = this.params[from];
      this.sizes[w] = this.sizes[from]!;
    }
    for (let j = this.head; j < w; j++) this.params[j] = undefined;
    this.head = w;
    this.dropped += dropped;
    this.compact();
    return dropped;
  }

  private compact(): void {
    if (this.head === this.kinds.length) {
      this.kinds = [];
      this.params = [];
      this.sizes = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.kinds.length) {
      this.kinds = this.kinds.slice(this.head);
      this.params = this.params.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
