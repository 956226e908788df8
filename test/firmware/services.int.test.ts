// Info and throughput requests (docs/PROTOCOL.md section 4), answered by the library in every app:
// a central on the raw bluetooth API (fixture firmware-probe) asks a PicoLink peripheral running
// the unmodified firmware. Replies span many frames at ATT_MTU 23, so the probe's credits matter.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, FIRMWARE_DIR, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

const VERSION = /VERSION = "([^"]+)"/.exec(readFileSync(path.join(FIRMWARE_DIR, 'picolink/__init__.py'), 'utf8'))![1];

interface Info {
  name: string;
  firmware: string;
  micropython: string;
  mtu: number;
  heap_free: number;
  uptime_ms: number;
  interval_us: number | null;
  bad: number;
  ahead: boolean;
}

async function twoInfos(mtu: number): Promise<{ infos: Info[]; upMs: number }> {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-info', APP: 'dashboard' }));
  const probe = bench.pico('probe', firmware({ APP: 'probe', PEER: 'pl-info', PROBE: 'info', MTU: mtu }, 'firmware-probe'));
  const t0 = performance.now();
  await periph.powerOn();
  await line(periph, /^advertising pl-info$/);
  await probe.powerOn();
  expect(await line(probe, /^probe linked/)).toBe(`probe linked mtu ${mtu} version 1`);
  await line(probe, /^probe done$/, 15_000);
  const upMs = performance.now() - t0;
  expect(probe.console.filter((l) => l.startsWith('info type '))).toEqual([`info type 33 mtu ${mtu} bad 0`, `info type 33 mtu ${mtu} bad 0`]);
  const infos = probe.console.filter((l) => l.startsWith('info {')).map((l) => JSON.parse(l.slice(5)) as Info);
  expect([...faults(periph), ...faults(probe)]).toEqual([]);
  return { infos, upMs };
}

it.each([23, 517])('INFO at ATT_MTU %i: every field present and plausible, uptime advancing', async (mtu) => {
  const { infos, upMs } = await twoInfos(mtu);
  expect(infos.length).toBe(2);
  const [a, b] = infos as [Info, Info];
  expect(Object.keys(a).sort()).toEqual(['ahead', 'bad', 'firmware', 'heap_free', 'interval_us', 'micropython', 'mtu', 'name', 'uptime_ms']);
  expect(a.ahead).toBe(true);
  expect(a.name).toBe('pl-info');
  expect(a.firmware).toBe(VERSION);
  expect(a.micropython).toMatch(/^1\.\d+\.\d+$/);
  expect(a.mtu).toBe(mtu);
  expect(a.heap_free).toBeGreaterThan(50_000);
  expect(a.heap_free).toBeLessThanOrEqual(264 * 1024);
  expect(a.uptime_ms).toBeGreaterThan(0);
  expect(b.uptime_ms).toBeLessThan(upMs);
  expect(b.uptime_ms - a.uptime_ms).toBeGreaterThanOrEqual(1000); // the probe waits 1 s between them
  expect(b.uptime_ms - a.uptime_ms).toBeLessThan(3000);
  // The bluetooth module tells a peripheral the interval only on a connection update, which a
  // Pico central cannot request: unknown (null) on this link, as the protocol allows.
  expect(a.interval_us).toBeNull();
  expect(a.bad).toBe(0);
}, 30_000);

it('THROUGHPUT of 0, 1, 5,000 and 20,000 octets at ATT_MTU 517, and 3,000 at 23: the report equals what arrived; pings mid-transfer answered', async () => {
  for (const [mtu, octets] of [[517, '0,1,5000,20000'], [23, '3000']] as const) {
    const name = `pl-tput-${mtu}`;
    const periph = bench.pico(`periph-${mtu}`, firmware({ ROLE: 'peripheral', NAME: name, APP: 'dashboard' }));
    const probe = bench.pico(`probe-${mtu}`, firmware({ APP: 'probe', PEER: name, PROBE: 'throughput', MTU: mtu, OCTETS: octets, PINGS: 5 }, 'firmware-probe'));
    await periph.powerOn();
    await line(periph, new RegExp(`^advertising ${name}$`));
    await probe.powerOn();
    await line(probe, /^probe done$/, 20_000);
    const results = probe.console.filter((l) => l.startsWith('throughput asked'));
    const asked = octets.split(',').map(Number);
    expect(results.length).toBe(asked.length);
    results.forEach((r, i) => {
      const m = /^throughput asked (\d+) received (\d+) in (\d+) reported (\d+) ms (\d+) probe ms (\d+)$/.exec(r);
      expect(m, r).not.toBeNull();
      const [a, got, frames, reported, ms, probeMs] = m!.slice(1).map(Number) as [number, number, number, number, number, number];
      expect(a).toBe(asked[i]);
      expect(got).toBe(a);
      expect(reported).toBe(got);
      expect(frames).toBe(Math.ceil(a / (Math.min(mtu - 3, 512) - 4))); // each as large as one frame allows
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(probeMs);
    });
    for (const p of probe.console.filter((l) => l.startsWith('throughput pings'))) expect(p).toMatch(/^throughput pings (\d) pongs \1 bad 0$/);
    expect([...faults(periph), ...faults(probe)]).toEqual([]);
    console.log(results.join('\n'));
  }
}, 30_000);

it('THROUGHPUT_REQ with ahead: the Pico keeps at most that many THROUGHPUT_DATA frames unacknowledged; without it, the window (PROTOCOL.md 4, 5)', async () => {
  const name = 'pl-ahead';
  const periph = bench.pico('periph-ahead', firmware({ ROLE: 'peripheral', NAME: name, APP: 'dashboard' }));
  // Ten full frames at ATT_MTU 517 (508 filler octets each), then DONE.
  const probe = bench.pico('probe-ahead', firmware({ APP: 'probe', PEER: name, PROBE: 'ahead', MTU: 517, OCTETS: 5080, AHEAD: '2,1,0' }, 'firmware-probe'));
  await periph.powerOn();
  await line(periph, new RegExp(`^advertising ${name}$`));
  await probe.powerOn();
  await line(probe, /^probe done$/, 30_000);
  const held = probe.console.filter((l) => / held /.test(l));
  console.log(probe.console.filter((l) => l.startsWith('ahead')).join('\n'));
  expect(held).toEqual(['ahead 2 held 2', 'ahead 1 held 1', 'ahead 0 held 11']);
  for (const n of [2, 1, 0]) expect(probe.console).toContain(`ahead ${n} received 5080 reported 5080 bad 0`);
  expect([...faults(periph), ...faults(probe)]).toEqual([]);
}, 60_000);
