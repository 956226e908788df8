// The hub at scale: past one adapter's connection limit, and many link/unlink cycles.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSoak } from '../../bench/hub/soak.ts';
import { SIM_ADAPTER_LIMIT } from '../../src-main/sim/simulation.ts';
import { linkedCount, startSimHub, type SimHub } from './sim-hub.ts';

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
    await expect.poll(() => linkedCount(hub), { timeout: 90_000, interval: 20 }).toBe(16);
    for (const a of simulation.adapters) expect(a.links.size).toBeLessThanOrEqual(SIM_ADAPTER_LIMIT);
    expect(simulation.adapters.reduce((n, a) => n + a.links.size, 0)).toBe(16);
    await vi.waitFor(() => {
      for (const d of hub.status()) expect(d.total.count, `samples from ${d.name}`).toBeGreaterThanOrEqual(5);
    }, { timeout: 30_000, interval: 20 });
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
