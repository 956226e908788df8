// Time for the air and the controllers. Real time by default; tests may inject a manual clock.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, fractional, monotonic. */
  now(): number;
  /** Runs `fn` at `atMs` on this clock (or as soon as possible if that is past). */
  at(atMs: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  now: () => performance.now(),
  at(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, Math.ceil(atMs - performance.now())));
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to: deterministic tests of link-layer timing. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly queue: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  at(atMs: number, fn: () => void): Timer {
    const entry = { at: Math.max(atMs, this.t), seq: this.seq++, fn, live: true };
    this.queue.push(entry);
    return { cancel: () => void (entry.live = false) };
  }

  /** Advances time to `this.now() + ms`, running every timer due on the way, in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: (typeof this.queue)[number] | undefined;
      for (const e of this.queue) {
        if (e.live && e.at <= end && (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq))) next = e;
      }
      if (!next) break;
      next.live = false;
      this.t = next.at;
      next.fn();
    }
    for (let i = this.queue.length - 1; i >= 0; i--) if (!this.queue[i]!.live) this.queue.splice(i, 1);
    this.t = end;
  }
}
