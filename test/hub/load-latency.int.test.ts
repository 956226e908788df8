// Latency under load (issue 15 point 4, docs/PROTOCOL.md 4 "THROUGHPUT_REQ" and 5 "Bulk ahead of
// a ping"): while one Pico streams a throughput test to the hub, that link's pings stay within 4
// connection intervals at p99, the stream reaches 80% of the link's physical limit
// (src-main/hci/airtime.ts linkCapacity, for the connection as the air runs it), and another
// link on the same adapter keeps its idle round trip. Two virtual Picos running firmware/, one
// virtual adapter, real noble, the hub.
import { afterEach, expect, it } from 'vitest';
import { startSimHub, linkedCount, type SimHub } from './sim-hub.ts';
import { linkLoadRun, type LoadRun } from './load-run.ts';

let h: SimHub | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function report(r: LoadRun): string {
  const iv = r.intervalMs;
  return [
    `link: ${r.phy}, interval ${iv} ms, ATT_MTU ${r.mtu}, ${r.txOctets}-octet PDUs, max event ${r.maxEventUs} us, ahead ${r.ahead} frames`,
    `throughput ${Math.round(r.bytesPerSecond)} B/s of ${Math.round(r.capacity)} B/s possible (${((100 * r.bytesPerSecond) / r.capacity).toFixed(0)}%); the hub's own limit ${Math.round(r.hubLimit)} B/s`,
    `loaded link ping: idle p50 ${r.busyIdle.p50.toFixed(1)} ms; under load p50 ${r.busy.p50.toFixed(1)} ms (${(r.busy.p50 / iv).toFixed(2)} intervals), p99 ${r.busy.p99.toFixed(1)} ms (${(r.busy.p99 / iv).toFixed(2)} intervals), n=${r.busy.n}`,
    `other link ping: idle p50 ${r.otherIdle.p50.toFixed(1)} ms, under load p50 ${r.other.p50.toFixed(1)} ms (${((100 * r.other.p50) / r.otherIdle.p50 - 100).toFixed(1)}%), n=${r.other.n}`,
  ].join('\n');
}

it('a throughput run keeps its own pings within 4 intervals at p99, reaches 80% of capacity, and leaves the other link alone', async () => {
  h = await startSimHub({ picos: 2 }, { pingHz: 20 });
  const { hub } = h;
  await expect.poll(() => linkedCount(hub), { timeout: 30_000, interval: 20 }).toBe(2);
  const r = await linkLoadRun(h, { busy: 'pico1', other: 'pico2', idleMs: 3000, loadMs: 5000 });
  console.log(report(r));
  expect(r.ahead).not.toBeNull();
  expect(r.ahead!).toBeLessThan(16);
  expect(r.busy.n).toBeGreaterThanOrEqual(40);
  expect(r.busy.p99).toBeLessThanOrEqual(4 * r.intervalMs);
  expect(r.bytesPerSecond).toBeGreaterThanOrEqual(0.8 * r.capacity);
  expect(r.other.p50).toBeLessThanOrEqual(1.1 * r.otherIdle.p50);
}, 60_000);
