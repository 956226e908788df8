// The stack's one held write-without-response (BTstack binding: kept while the ACL buffers are
// full, EALREADY for the next) is released once the buffers free, at ATT_MTU 517 with a
// 512-octet write ahead of it. PicoLink's central relies on this for backpressure.
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { readFirmware } from '../../src-main/pico/firmware-files.ts';
import { Bench, line } from './harness.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/firmware-held-write');
let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

it('a write held behind a 512-octet write goes out, and later writes are taken again', async () => {
  const p = bench.pico('p', readFirmware(path.join(DIR, 'peripheral')));
  const c = bench.pico('c', readFirmware(path.join(DIR, 'central')));
  await p.powerOn();
  await line(p, /^advertising$/);
  await c.powerOn();
  expect(await line(c, /^third write/, 15_000)).toBe('third write taken busy True');
  // The held 9 octets and the third write's 3 arrive appended in one read ("got 12") or, when the
  // board's IRQ runs between them (a loaded machine), in two; either way all 12, in order.
  // (An empty read, "got 0", may follow; it carries nothing.)
  const got = (): number[] => p.console.filter((l) => l.startsWith('got ')).map((l) => Number(l.slice(4))).filter((n) => n > 0);
  await vi.waitFor(() => expect(got().slice(1).reduce((a, b) => a + b, 0), `octets per read: ${got().join(', ')}`).toBeGreaterThanOrEqual(12), { timeout: 10_000, interval: 50 });
  expect(got()[0]).toBe(512);
  expect([[12], [9, 3]]).toContainEqual(got().slice(1, got()[1] === 12 ? 2 : 3));
});
