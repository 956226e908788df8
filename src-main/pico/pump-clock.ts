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
    // Called on every bluetooth call a firmware makes, so it allocates nothing when nothing is due.
    for (;;) {
      const now = performance.now();
      let next = Infinity;
      let due: Entry | null = null;
      for (const e of this.entries) {
        if (e.at <= now && (due === null || e.at < due.at)) due = e;
        if (e.at < next) next = e.at;
      }
      if (due === null) return next;
      this.fire(due);
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
