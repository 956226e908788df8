// The example apps boot and run in a virtual Pico with the unmodified firmware and print what they
// should, with a central on the raw bluetooth API (fixture firmware-probe) linked to them:
// temperature streams "temp C" text messages, dashboard echoes messages and prints text ones.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

it('temperature: a text message "temp C" with a room temperature every TEMP_MS; "link down" when the central goes', async () => {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-temp', APP: 'temperature', TEMP_MS: 200 }));
  const probe = bench.pico('probe', firmware({ APP: 'probe', PEER: 'pl-temp', PROBE: 'listen', COUNT: 5 }, 'firmware-probe'));
  await periph.powerOn();
  await line(periph, /^advertising pl-temp$/);
  await probe.powerOn();
  await line(probe, /^probe done$/, 10_000);
  const temps = probe.console.filter((l) => l.startsWith('listen '));
  expect(temps.length).toBe(5);
  for (const t of temps) {
    const m = /^listen 1 temp (-?\d+\.\d)$/.exec(t); // type 0x01 TEXT
    expect(m, t).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(10);
    expect(Number(m![1])).toBeLessThan(40);
  }
  const p = periph.console.length;
  await probe.powerOff();
  await line(periph, /^link down$/, 5000, p);
  await line(periph, /^advertising pl-temp$/, 5000, p);
  expect(faults(periph)).toEqual([]);
}, 30_000);

it('dashboard: "link up", each text message printed as "got ..." and echoed back whole', async () => {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-dash', APP: 'dashboard' }));
  const probe = bench.pico('probe', firmware({ APP: 'probe', PEER: 'pl-dash', PROBE: 'echo', COUNT: 20 }, 'firmware-probe'));
  await periph.powerOn();
  await line(periph, /^advertising pl-dash$/);
  await probe.powerOn();
  await line(probe, /^probe done$/, 10_000);
  const n = Array.from({ length: 20 }, (_, i) => i);
  expect(periph.console.filter((l) => l === 'link up')).toEqual(['link up']);
  expect(periph.console.filter((l) => l.startsWith('got '))).toEqual(n.map((i) => `got echo ${i}`));
  expect(probe.console.filter((l) => l.startsWith('echoed '))).toEqual(n.map((i) => `echoed 1 echo ${i}`));
  expect([...faults(periph), ...faults(probe)]).toEqual([]);
}, 30_000);
