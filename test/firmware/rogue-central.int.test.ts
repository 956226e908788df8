// A central that breaks the protocol against a PicoLink peripheral running the unmodified
// firmware and the dashboard app (fixture firmware-rogue-central, on the raw bluetooth API): a
// PING flood, a CREDIT for frames never sent, counted frames past the window, and no CREDIT at
// all. Each must cost the board nothing it cannot bound, and the next central must get a working
// link: the app never dies, whatever the peer did.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bench, faults, firmware, line } from './harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(async () => {
  await bench.close();
});

async function run(rogue: string, extra: Record<string, number> = {}): Promise<{ periph: string[]; rogue: string[] }> {
  const periph = bench.pico('periph', firmware({ ROLE: 'peripheral', NAME: 'pl-victim', APP: 'dashboard', MTU: 517 }));
  const central = bench.pico('rogue', firmware({ APP: 'rogue_central', PEER: 'pl-victim', ROGUE: rogue, ...extra }, 'firmware-rogue-central'));
  await periph.powerOn();
  await line(periph, /^advertising pl-victim$/);
  await central.powerOn();
  await line(central, /^rogue linked/);
  // The next link: three echoes from a well-behaved central after the rogue's link is gone.
  for (let i = 0; i < 3; i++) expect(await line(central, new RegExp(`^next link echo next ${i}$`), 40_000)).toBeTruthy();
  await line(central, /^rogue done$/);
  expect(faults(periph)).toEqual([]);
  return { periph: [...periph.console], rogue: [...central.console] };
}

const sole = (lines: string[], pattern: RegExp): RegExpExecArray => {
  const found = lines.map((l) => pattern.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  expect(found, `${pattern} in\n${lines.join('\n')}`).toHaveLength(1);
  return found[0]!;
};

describe('a rogue central against the firmware', () => {
  it('a PING flood (63 in each value) is answered within the PONG budget, the rest counted, nothing left queued', async () => {
    const r = await run('ping-flood', { SECONDS: 6 });
    const m = sole(r.rogue, /^flood pings (\d+) pongs (\d+) pongs 2 s later (\d+)$/);
    const [pings, pongs, later] = [Number(m[1]), Number(m[2]), Number(m[3])];
    // Before: every PING answered, ~2,400 PONGs a second queued in the stack, still arriving
    // long after the flood; the INFO behind them never came.
    expect(pings).toBeGreaterThan(3000);
    // The budget: 4 octets/ms, 16 octets a PONG, 6 s: ~1,500, and a burst of 16.
    expect(pongs).toBeLessThan(2000);
    expect(later - pongs).toBeLessThan(50);
    const bad = Number(sole(r.rogue, /^flood info (\d+)$/)[1]);
    expect(bad).toBe(pings - later);
    console.log(`firmware under a PING flood: ${pings} PINGs in 6 s, ${pongs} PONGs by the end, ${later - pongs} more in the next 2 s, ${bad} counted bad`);
  }, 90_000);

  it('a CREDIT for frames never sent is ignored and counted; the link goes on', async () => {
    const r = await run('bogus-credit');
    sole(r.rogue, /^bogus echo after bogus$/);
  }, 90_000);

  it('counted frames past the window drop the link, with the reason', async () => {
    const r = await run('ignore-credit');
    const m = sole(r.rogue, /^ignore-credit link lost after (\d+) ms, echoes (\d+)$/);
    expect(Number(m[2])).toBeLessThanOrEqual(16);
    sole(r.periph, /^link dropped: peer ignored credit$/);
  }, 90_000);

  it('a peer that never grants credit has its link dropped when the send times out, and the app goes on', async () => {
    const r = await run('no-credit');
    const m = sole(r.rogue, /^no-credit link lost after (\d+) ms, echoes (\d+)$/);
    expect(Number(m[2])).toBe(16);
    expect(Number(m[1])).toBeGreaterThan(9_000);
    sole(r.periph, /^link dropped: peer gave no credit$/);
  }, 90_000);
});
