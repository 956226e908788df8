// The hub at scale: past one adapter's connection limit, and many link/unlink cycles.
import { afterEach, describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/hub/soak.ts';
import { SIM_ADAPTER_LIMIT } from '../../src-main/sim/simulation.ts';
import { linkedCount, startSimHub, until, type SimHub } from './sim-hub.ts';

let h: SimHub | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('hub at scale', () => {
  it('links 16 Picos at once across three virtual adapters of 7 links each', async () => {
    h = await startSimHub({ picos: 16 }, { pingHz: 5 });
    const { hub, simulation } = h;
    expect(simulation.adapters).toHaveLength(3);
    await until('16 links', () => linkedCount(hub) === 16, 90_000);
    for (const a of simulation.adapters) expect(a.links.size).toBeLessThanOrEqual(SIM_ADAPTER_LIMIT);
    expect(simulation.adapters.reduce((n, a) => n + a.links.size, 0)).toBe(16);
    await until('samples on every link', () => hub.status().every((d) => d.total.count >= 5), 30_000);
    expect(hub.status().every((d) => d.total.lost === 0)).toBe(true);
  }, 150_000);

  it('link/unlink cycles leave no listeners or timers behind', async () => {
    const samples = await runSoak(2, 40, 10, () => {});
    const [first, ...rest] = samples;
    expect(rest.length).toBeGreaterThanOrEqual(3);
    for (const s of rest) {
      expect(s.listeners, `listeners after ${s.cycles} cycles`).toBe(first!.listeners);
      expect(s.timers, `timers after ${s.cycles} cycles`).toBe(first!.timers);
    }
  }, 120_000);
});
