// Events gathered per device and handed out in one batch per tick. At 16 devices x 20 Hz one IPC
// message per latency sample would be 320 messages a second, each waking the renderer, and a
// chatty Pico could send a message event per notification; one batch per 100 ms is 10 a second
// whatever the traffic, and the charts and the console redraw no faster than that anyway.
export interface DeviceBatch<T> {
  address: string;
  items: T[];
  /** Items past the per-device limit since the last drain: the oldest of them were let go. */
  dropped: number;
}

export class DeviceBatcher<T> {
  private pending = new Map<string, { items: T[]; dropped: number }>();

  /** `limit`: items kept per device between drains (the newest); the rest are only counted. */
  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  add(address: string, item: T): void {
    let p = this.pending.get(address);
    if (!p) this.pending.set(address, (p = { items: [], dropped: 0 }));
    p.items.push(item);
    if (p.items.length > this.limit) {
      p.items.shift();
      p.dropped++;
    }
  }

  /** What gathered since the last drain, in arrival order per device; empty when nothing did. */
  drain(): DeviceBatch<T>[] {
    if (this.pending.size === 0) return [];
    const out = [...this.pending].map(([address, p]) => ({ address, items: p.items, dropped: p.dropped }));
    this.pending = new Map();
    return out;
  }
}
