// Whole messages of 1 octet, MTU-3, MTU-2, 4 KB and random sizes arrive octet-exact both ways
// between two Picos, at the default ATT_MTU (23) and at the large one the firmware asks for (517).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

async function sizesBothWays(mtu: number, timeoutMs: number): Promise<void> {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-sizes', APP: 'sizes', SEED: mtu }, 'firmware-sizes'));
  const central = bench.pico('central', firmware({ ROLE: 'central', NAME: 'pl-c', PEER: 'pl-sizes', APP: 'sizes', MTU: mtu, SEED: mtu }, 'firmware-sizes'));
  await periph.powerOn();
  await line(periph, /^advertising /);
  await central.powerOn();
  expect(await line(central, /^mtu /)).toBe(`mtu ${mtu} messages 32`);
  expect(await line(periph, /^mtu /)).toBe(`mtu ${mtu} messages 32`);
  expect(await line(central, /^sizes done/, timeoutMs)).toBe('sizes done 32 bad 0 link bad 0');
  expect(await line(periph, /^sizes done/, 5000)).toBe('sizes done 32 bad 0 link bad 0');
  expect([...faults(periph), ...faults(central)]).toEqual([]);
}

it('sizes 1, MTU-3, MTU-2, 4096 and 24 random ones, both ways, octet-exact at the default ATT_MTU 23', async () => {
  await sizesBothWays(23, 50_000);
});

// At ATT_MTU 517 each 512-octet write is 20 link-layer PDUs; the run takes about 25 s.
it('sizes 1, MTU-3, MTU-2, 4096 and 24 random ones, both ways, octet-exact at ATT_MTU 517', async () => {
  await sizesBothWays(517, 55_000);
});
