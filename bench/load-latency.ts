// Latency under load (issue 15 point 4): a hub with two virtual Picos on one virtual adapter;
// both pinged at 20 Hz, idle first, then Pico 1 streams a throughput test. Prints Pico 1's ping
// RTT in connection intervals during the stream, the stream beside the link's physical limit
// (linkCapacity for the connection as the air runs it), and Pico 2's RTT against its idle RTT.
// LOAD_SECONDS (default 5) sets the stream's length at capacity.
import { startSimHub, linkedCount } from '../test/hub/sim-hub.ts';
import { linkLoadRun } from '../test/hub/load-run.ts';

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 5);

console.log(`machine: ${process.platform} ${process.arch}, node ${process.version}, ${new Date().toISOString()}`);
const h = await startSimHub({ picos: 2 }, { pingHz: 20 });
try {
  const deadline = Date.now() + 30_000;
  while (linkedCount(h.hub) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (linkedCount(h.hub) < 2) throw new Error('the two Picos did not link');
  const r = await linkLoadRun(h, { busy: 'pico1', other: 'pico2', idleMs: 3000, loadMs: LOAD_SECONDS * 1000 });
  const iv = r.intervalMs;
  const inIv = (ms: number): string => `${ms.toFixed(1)} ms = ${(ms / iv).toFixed(2)} intervals`;
  console.log(`link: ${r.phy}, interval ${iv} ms, ATT_MTU ${r.mtu}, ${r.txOctets}-octet PDUs, max event ${r.maxEventUs} us; THROUGHPUT_DATA ahead of a PONG: ${r.ahead ?? 'whole window (16)'} frames`);
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(`| throughput, Pico 1 -> hub (${r.octets} octets) | ${Math.round(r.bytesPerSecond)} B/s |`);
  console.log(`| physical limit (linkCapacity, notify) | ${Math.round(r.capacity)} B/s |`);
  console.log(`| throughput / limit | ${((100 * r.bytesPerSecond) / r.capacity).toFixed(1)}% |`);
  console.log(`| the hub's own limit (PHY and data length as the adapter reported them, whole interval) | ${Math.round(r.hubLimit)} B/s |`);
  console.log(`| Pico 1 ping idle, p50 | ${inIv(r.busyIdle.p50)} |`);
  console.log(`| Pico 1 ping during the stream, p50 (n=${r.busy.n}) | ${inIv(r.busy.p50)} |`);
  console.log(`| Pico 1 ping during the stream, p99 | ${inIv(r.busy.p99)} |`);
  console.log(`| Pico 1 ping during the stream, max | ${inIv(r.busy.max)} |`);
  console.log(`| Pico 2 ping idle, p50 (n=${r.otherIdle.n}) | ${inIv(r.otherIdle.p50)} |`);
  console.log(`| Pico 2 ping during Pico 1's stream, p50 (n=${r.other.n}) | ${inIv(r.other.p50)} (${((100 * r.other.p50) / r.otherIdle.p50 - 100).toFixed(1)}% vs idle) |`);
  console.log(`| Pico 2 ping during Pico 1's stream, p99 | ${inIv(r.other.p99)} (idle p99 ${inIv(r.otherIdle.p99)}) |`);
} finally {
  await h.close();
}
