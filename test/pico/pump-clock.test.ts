// The board's clock: its timers fire from the event loop and from runDue(), which a firmware's
// every bluetooth call and blocking sleep runs, so the stack's timers keep time while Python runs.
import { afterEach, describe, expect, it } from 'vitest';
import type { Timer } from '../../src-main/hci/clock.ts';
import { PumpClock } from '../../src-main/pico/pump-clock.ts';

describe('PumpClock.runDue', () => {
  const armed: Timer[] = [];
  afterEach(() => {
    for (const t of armed.splice(0)) t.cancel();
  });

  it('runs the due timers earliest first, whatever order they were armed in', () => {
    const clock = new PumpClock();
    const now = performance.now();
    const order: string[] = [];
    armed.push(clock.at(now - 1, () => order.push('late')));
    armed.push(clock.at(now - 30, () => order.push('early')));
    armed.push(clock.at(now - 10, () => order.push('middle')));
    clock.runDue();
    expect(order).toEqual(['early', 'middle', 'late']);
  });

  it('runs a timer a callback arms for a time already past in the same call, and not a cancelled one', () => {
    const clock = new PumpClock();
    const now = performance.now();
    const order: string[] = [];
    const cancelled = clock.at(now - 5, () => order.push('cancelled'));
    armed.push(clock.at(now - 20, () => armed.push(clock.at(now - 50, () => order.push('re-armed')))));
    cancelled.cancel();
    clock.runDue();
    expect(order).toEqual(['re-armed']);
  });

  it('returns the time of the next timer, Infinity when none is left', () => {
    const clock = new PumpClock();
    const now = performance.now();
    expect(clock.runDue()).toBe(Infinity);
    armed.push(clock.at(now + 60_000, () => undefined));
    armed.push(clock.at(now + 30_000, () => undefined));
    armed.push(clock.at(now - 1, () => undefined));
    expect(clock.runDue()).toBe(now + 30_000);
  });
});
