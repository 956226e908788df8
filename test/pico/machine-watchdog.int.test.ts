// The main-thread watchdog behind machine.WDT: it expires the timeout after the last feed the
// worker recorded in shared memory, however often it was fed before, and never once stopped.
import { expect, it } from 'vitest';
import { Watchdog, createWatchdogMemory, feedWatchdog } from '../../src-main/pico/watchdog.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

it('expires the timeout after the last feed, each feed pushing it back', async () => {
  const memory = createWatchdogMemory();
  const fed = new BigInt64Array(memory);
  let expiredAt: number | null = null;
  const watchdog = new Watchdog(memory, () => (expiredAt = performance.now()));
  feedWatchdog(fed);
  watchdog.start(100);
  for (let i = 0; i < 4; i++) {
    await sleep(60);
    feedWatchdog(fed);
  }
  const lastFeed = performance.now();
  expect(expiredAt).toBeNull();
  expect(watchdog.running).toBe(true);
  await expect.poll(() => expiredAt, { timeout: 200, interval: 10 }).not.toBeNull();
  expect(expiredAt! - lastFeed).toBeGreaterThanOrEqual(95);
  expect(expiredAt! - lastFeed).toBeLessThan(150);
  expect(watchdog.running).toBe(false);
});

it('a timeout of 0 expires at once; a stopped watchdog never expires', async () => {
  const memory = createWatchdogMemory();
  feedWatchdog(new BigInt64Array(memory));
  let expired = 0;
  const watchdog = new Watchdog(memory, () => expired++);
  watchdog.start(0);
  expect(expired).toBe(1);
  watchdog.start(50);
  expect(watchdog.timeoutMs).toBe(50);
  watchdog.stop();
  await sleep(100);
  expect(expired).toBe(1);
});
