// The hub under an advertising flood: a rogue advertiser that makes up a new random address per
// packet (or a crowd of phones rotating theirs) must not grow the hub's device list, its status
// or the dashboard's, and must not push out the paired Pico.
import { afterEach, describe, expect, it } from 'vitest';
import { linkedCount, startSimHub, type SimHub } from './sim-hub.ts';

let h: SimHub | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('hub discovery under a flood of random addresses', () => {
  it('keeps the device list and the status bounded, warns once, and keeps the paired Pico', async () => {
    h = await startSimHub({ picos: 1 }, { pingHz: 5 });
    const { hub } = h;
    await expect.poll(() => linkedCount(hub), { timeout: 20_000, interval: 20 }).toBe(1);
    const pico = h.simulation.addresses[0]!;
    const warnings: string[] = [];
    hub.on('warning', (w) => warnings.push(w));
    const adapter = hub.adapters[0]!;
    const hex = (n: number): string => n.toString(16).padStart(2, '0');
    for (let i = 0; i < 20_000; i++) {
      const address = ['c0', hex((i >> 16) & 0xff), hex((i >> 8) & 0xff), hex(i & 0xff), hex(Math.floor(Math.random() * 256)), hex(Math.floor(Math.random() * 256))].join(':');
      adapter.emit('sighting', { address, name: null, rssi: -70, profile: null, connectable: false, adapter: adapter.name });
    }
    expect(hub.devices.list().length).toBeLessThanOrEqual(256);
    expect(hub.devices.evicted).toBeGreaterThanOrEqual(20_000 - 256);
    expect(hub.status().length).toBeLessThanOrEqual(257);
    expect(hub.status().find((d) => d.address === pico)).toMatchObject({ paired: true, state: 'linked' });
    expect(hub.devices.get(pico)).toBeDefined();
    expect(warnings.filter((w) => /devices are advertising nearby/.test(w))).toHaveLength(1);
    // The link was never disturbed by the flood.
    expect(linkedCount(hub)).toBe(1);
  });
});
