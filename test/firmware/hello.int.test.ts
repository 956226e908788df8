// The tutorial's scenario, done right, on the unmodified firmware/ with two configs: 1,000
// "hello N" exchanges with none lost, then the peripheral is power-cycled and the central relinks
// each time within 2 s of the peripheral advertising again.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

const PERIPHERAL = { ROLE: 'peripheral', NAME: 'pl-periph', APP: 'hello' };
const CENTRAL = { ROLE: 'central', NAME: 'pl-central', PEER: 'pl-periph', APP: 'hello', HELLO_MS: 0 };

it('1,000 hello/reply exchanges, none lost, duplicated or out of order', async () => {
  const periph = bench.pico('periph', firmware(PERIPHERAL));
  const central = bench.pico('central', firmware({ ...CENTRAL, HELLO_COUNT: 1000 }));
  await periph.powerOn();
  await line(periph, /^advertising pl-periph$/);
  await central.powerOn();
  expect(await line(central, /^exchanges /, 50_000)).toBe('exchanges 1000 bad 0');
  const sent = central.console.filter((l) => l.startsWith('sent '));
  expect(sent.at(-1)).toBe('sent hello 999 reply got hello 999');
  const received = periph.console.filter((l) => l.startsWith('received hello '));
  expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => `received hello ${i}`));
  expect([...faults(periph), ...faults(central), ...periph.console.filter((l) => /out of order/.test(l))]).toEqual([]);
});

/** Resolves when p prints a line matching pattern after index `from`, with the time it arrived. */
async function stamped(p: ReturnType<Bench['pico']>, pattern: RegExp, from: number, timeoutMs = 10_000): Promise<number> {
  if (p.console.slice(from).some((l) => pattern.test(l))) return performance.now();
  await line(p, pattern, timeoutMs, from);
  return performance.now();
}

it('the peripheral is power-cycled 20 times; the central relinks within 2 s of each re-advertising and exchanges go on', async () => {
  const periph = bench.pico('periph', firmware(PERIPHERAL));
  const central = bench.pico('central', firmware({ ...CENTRAL, HELLO_MS: 50 }));
  await periph.powerOn();
  await line(periph, /^advertising /);
  await central.powerOn();
  await line(central, /^linked /);
  const relinkMs: number[] = [];
  for (let cycle = 0; cycle < 20; cycle++) {
    await periph.powerOff();
    const c = central.console.length;
    const p = periph.console.length;
    await periph.powerOn();
    const advertising = await stamped(periph, /^advertising pl-periph$/, p);
    const linked = await stamped(central, /^linked /, c);
    relinkMs.push(linked - advertising);
    await line(periph, /^received hello \d+$/, 5000, p); // messages flow on the new link
  }
  expect(relinkMs.length).toBe(20);
  expect(Math.max(...relinkMs)).toBeLessThan(2000);
  expect([...faults(periph), ...faults(central)]).toEqual([]);
  console.log(`relink after advertising, ms: max ${Math.max(...relinkMs).toFixed(0)}, all ${relinkMs.map((m) => m.toFixed(0)).join(' ')}`);
}, 60_000);
