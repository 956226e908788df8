// Bad input never stops the firmware: random and mutated values fed into a link's receive path
// (what a central's writes become) raise nothing, are counted, leave the link able to take a
// valid message, and leave the heap at its baseline.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

const COUNT = 100_000;

it(`${COUNT} random writes into the receive path: none escapes, all counted, state and heap intact`, async () => {
  const p = bench.pico('fuzz', firmware({ APP: 'fuzz', FUZZ_COUNT: COUNT, SEED: 7 }, 'firmware-fuzz'));
  await p.powerOn();
  const result = await line(p, /^fuzz /, 50_000);
  const m = /^fuzz (\d+) escaped (\d+) bad (\d+) after PicoLink ok heap grown (-?\d+)$/.exec(result);
  expect(m, result).not.toBeNull();
  expect(Number(m![1])).toBe(COUNT);
  expect(Number(m![2])).toBe(0);
  expect(Number(m![3])).toBeGreaterThan(COUNT / 2); // rejected input is counted
  expect(Number(m![4])).toBeLessThan(1024);
  expect(faults(p)).toEqual([]);
  console.log(result);
}, 60_000);
