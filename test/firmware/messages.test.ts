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

// KNOWN FAILURE, not yet isolated (see the issue 5 report): at ATT_MTU 517 the central's second
// write-without-response after a 512-octet one is held by the stack (EALREADY for every later
// write) and never released: the host's L2CAP pump sees no Number Of Completed Packets for the
// last fragments of the 512-octet PDU. A raw two-write reproduction
// (test/fixtures/firmware-held-write) does not show it. Seen since: the central board's controller
// sent a Number Of Completed Packets for every ACL packet its host sent (29 of 29) and its link
// queues were empty, so the radio is not holding anything back; the question is in the board
// (host stack, bridge, worker) or the firmware.
it.fails('sizes 1, MTU-3, MTU-2, 4096 and 24 random ones, both ways, octet-exact at ATT_MTU 517', async () => {
  await sizesBothWays(517, 15_000);
});
