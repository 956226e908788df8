// Latency ping (docs/PROTOCOL.md sections 3-4): a central on the raw bluetooth API (fixture
// firmware-probe) pings a PicoLink peripheral running the unmodified firmware. Each PONG echoes its
// PING's body octet for octet and adds the peripheral's receive-to-send time, which must be >= 0
// and well under the round trip; 200 pings one by one get 200 answers. 200 written in a burst are
// a flood: the answers the PONG budget allows come back in order, every other PING is counted bad.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

it('200 pings one by one: 200 pongs, bodies echoed, firmware time plausible; a burst of 200: pongs within budget, in order, the rest counted', async () => {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-ping', APP: 'dashboard' }));
  const probe = bench.pico('probe', firmware({ APP: 'probe', PEER: 'pl-ping', PROBE: 'ping', COUNT: 200 }, 'firmware-probe'));
  await periph.powerOn();
  await line(periph, /^advertising pl-ping$/);
  await probe.powerOn();
  expect(await line(probe, /^probe linked/)).toBe('probe linked mtu 23 version 1');
  expect(await line(probe, /^ping one-by-one/, 20_000)).toBe('ping one-by-one 200 pongs 200 bad echo 0 fw over rtt 0');
  const us = /^ping us fw min (\d+) max (\d+) rtt min (\d+) max (\d+)$/.exec(await line(probe, /^ping us /));
  expect(us).not.toBeNull();
  const [fwMin, fwMax, rttMin, rttMax] = us!.slice(1).map(Number) as [number, number, number, number];
  expect(fwMin).toBeGreaterThanOrEqual(0);
  // Answered from the receive path: a few ms at most, against a round trip of at least one
  // connection event (7.5 ms).
  expect(fwMax).toBeLessThan(5000);
  expect(rttMin).toBeGreaterThan(fwMax);
  expect(rttMax).toBeLessThan(200_000);
  const burst = /^ping burst 200 pongs (\d+) in order True$/.exec(await line(probe, /^ping burst/, 15_000));
  expect(burst).not.toBeNull();
  const answered = Number(burst![1]);
  // The budget's burst (64 ms ahead at 4 octets/ms: 16 PONGs of 16 octets) and its rate while the
  // 200 PINGs arrive, ~0.4 s at 4 PINGs a 7.5 ms event; never all of them.
  expect(answered).toBeGreaterThanOrEqual(16);
  expect(answered).toBeLessThan(200);
  const info = JSON.parse((await line(probe, /^info \{/)).slice(5)) as { bad: number };
  expect(info.bad).toBe(200 - answered);
  await line(probe, /^probe done$/);
  expect([...faults(periph), ...faults(probe)]).toEqual([]);
  console.log(`pong firmware time ${fwMin}..${fwMax} us, round trip ${rttMin}..${rttMax} us; a burst of 200 PINGs got ${answered} PONGs`);
}, 30_000);
