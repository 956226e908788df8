// The stack's one held write-without-response (BTstack binding: kept while the ACL buffers are
// full, EALREADY for the next) is released once the buffers free, at ATT_MTU 517 behind
// 512-octet writes. PicoLink's central relies on this for backpressure.
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { Bench, line } from './harness.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/firmware-held-write');
let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

it('a write held behind 512-octet writes goes out, and later writes are taken again', async () => {
  const p = bench.pico('p', readFirmware(path.join(DIR, 'peripheral')));
  const c = bench.pico('c', readFirmware(path.join(DIR, 'central')));
  await p.powerOn();
  await line(p, /^advertising$/);
  await c.powerOn();
  // Writes are taken until the buffers are full and one is held; the next is refused (EALREADY).
  const filled = Number(/^filled (\d+)$/.exec(await line(c, /^filled/, 15_000))![1]);
  expect(filled).toBeGreaterThanOrEqual(2);
  expect(filled).toBeLessThan(32);
  expect(await line(c, /^last write/, 15_000)).toBe('last write taken busy True');
  // Every octet arrives: the values written (the held one among them) and the 3-octet write. The
  // append buffer is drained per IRQ, so a loaded board may read two values at once.
  // (An empty read, "got 0", may follow; it carries nothing.)
  const got = (): number[] => p.console.filter((l) => l.startsWith('got ')).map((l) => Number(l.slice(4))).filter((n) => n > 0);
  await vi.waitFor(() => expect(got().reduce((a, b) => a + b, 0), `octets per read: ${got().join(', ')}`).toBe(512 * filled + 3), { timeout: 10_000, interval: 50 });
  expect(got()[0]! % 512).toBe(0);
});
