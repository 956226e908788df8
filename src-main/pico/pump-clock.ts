// A Clock whose timers fire from the event loop as usual, and also from `runDue()`, so that a
// firmware's blocking sleep can keep the Bluetooth stack's timers running.
import type { Clock, Timer } from '../hci/clock.ts';

interface Entry {
  at: number;
  fn: () => void;
  handle: NodeJS.Timeout;
  live: boolean;
}

export class PumpClock implements Clock {
  private readonly entries = new Set<Entry>();

  now(): number {
    return performance.now();
  }

  at(atMs: number, fn: () => void): Timer {
    const entry: Entry = {
      at: atMs,
      fn,
      live: true,
      handle: setTimeout(() => this.fire(entry), Math.max(0, Math.ceil(atMs - performance.now()))),
    };
    this.entries.add(entry);
    return {
      cancel: () => {
        entry.live = false;
        clearTimeout(entry.handle);
        this.entries.delete(entry);
      },
    };
  }

  /**
   * Runs every timer that is due now, including ones that callbacks arm for a time already
   * past; returns the time of the next one (Infinity if none), counting timers the callbacks armed.
   */
  runDue(): number {
    for (;;) {
      const now = performance.now();
      const due = [...this.entries].filter((e) => e.at <= now);
      if (due.length === 0) return this.next();
      for (const e of due) this.fire(e);
    }
  }

  /** The time of the earliest timer (Infinity if none). */
  next(): number {
    let next = Infinity;
    for (const e of this.entries) next = Math.min(next, e.at);
    return next;
  }

  private fire(e: Entry): void {
    if (!e.live) return;
    e.live = false;
    clearTimeout(e.handle);
    this.entries.delete(e);
    e.fn();
  }
}
