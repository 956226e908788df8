// A rogue peripheral beside two good Picos on ONE adapter: a PING flood must not reach the good
// links, must not grow noble's adapter-wide queue, and must show as a flood; a peer that ignores
// its credit is dropped with the reason. (Full size, printed: `npm run bench:flood`.)
import { afterEach, describe, expect, it } from 'vitest';
import { MessageType, START, END, encodeFrame } from '../../src-main/hub/protocol/frames.ts';
import { runHubPingFlood } from '../../bench/hub/ping-flood.ts';
import type { LinkStateChange } from '../../src-main/hub/link/link-loop.ts';
import { ScriptedGattPeer } from './scripted-gatt-peer.ts';
import { startSimHub, type SimHub } from './sim-hub.ts';

describe('a PING flood on a shared adapter', () => {
  // Packed: every value full of PINGs (the one-PONG-per-value rule). Doubling: one PING a value
  // whose PONG takes two link-layer PDUs to the PING's one (the one-PONG-in-flight rule, which
  // needs noble's per-link count: without it the queue passed 1,100 and the good links lost 75%).
  const shapes = [
    { name: 'values packed with PINGs', shape: {} },
    { name: 'one PING a value, each PONG twice its size on the air', shape: { pingsPerValue: 1, bodyOctets: 16 } },
  ];
  for (const { name, shape } of shapes) {
    it(`${name}: costs the good links nothing, keeps noble’s queue bounded, shows the rogue as flooding`, async () => {
      const r = await runHubPingFlood({ goodPicos: 2, pingHz: 10, baselineSeconds: 3, floodSeconds: 6, shape });
      expect(r.hubErrors).toEqual([]);
      expect(r.goodStates).toEqual(['linked', 'linked']);
      // The rogue really flooded: several times more PINGs than were answered.
      expect(r.rogue.pingsSent).toBeGreaterThan(1000);
      expect(r.rogue.pongsReceived).toBeLessThan(r.rogue.pingsSent / 3);
      // Before the fix: 75-88% of the good links' pings lost, p50 ~1 s, the queue past 1,000.
      for (let i = 0; i < 2; i++) {
        expect(r.flood.sent[i]).toBeGreaterThan(40);
        expect(r.flood.lossPercent[i]).toBe(0);
        // Loose for a loaded machine; the flood itself adds nothing measurable (npm run bench:flood).
        expect(r.flood.p50Ms[i]).toBeLessThan(r.baseline.p50Ms[i]! * 2 + 20);
      }
      expect(r.flood.queueMax).toBeLessThanOrEqual(40);
      expect(r.rogue.state).toBe('linked');
      expect(r.rogue.fault).toMatch(/^flooding: /);
      expect(r.rogue.bad).toBeGreaterThan(r.rogue.pingsSent / 2);
      expect(r.rogue.logged.some((reason) => reason.startsWith('flooding: '))).toBe(true);
    }, 90_000);
  }
});

let h: SimHub | null = null;
let rogue: ScriptedGattPeer | null = null;
afterEach(async () => {
  rogue?.close();
  rogue = null;
  await h?.close();
  h = null;
});

describe('a peripheral that ignores its credit', () => {
  it('is dropped with the reason after its window, and counted as bad', async () => {
    h = await startSimHub({ picos: 1, adapters: 1 }, { pingHz: 10 });
    const { hub } = h;
    rogue = await ScriptedGattPeer.start(h.simulation.radio, 'greedy', { profile: 'picolink', cccd: true, cccdByType: { octets: 0 } });
    const address = rogue.address;
    const states: LinkStateChange[] = [];
    hub.on('state', (c) => c.address === address && states.push(c));
    await hub.pair(address);
    await expect.poll(() => hub.status().map((d) => d.state), { timeout: 20_000, interval: 20 }).toEqual(['linked', 'linked']);
    await expect.poll(() => rogue!.received, { message: 'CREDIT 0', timeout: 20_000, interval: 20 }).toContainEqual(expect.stringMatching(/c0030012(0000)$/));
    // 20 one-frame TEXT messages in one value before any CREDIT but the first: the window is 16.
    const frames = Array.from({ length: 20 }, (_, i) => encodeFrame(START | END, i, Uint8Array.of(MessageType.TEXT, 0x61 + i)));
    rogue.send(Uint8Array.from(frames.flatMap((f) => Array.from(f))));
    await expect.poll(() => states.map((c) => c.reason), { timeout: 10_000, interval: 20 }).toContainEqual(expect.stringMatching(/^dropped: /));
    const dropped = states.find((c) => c.reason.startsWith('dropped: '))!;
    expect(dropped.previous).toBe('linked');
    expect(dropped.reason).toMatch(/^dropped: the device ignored flow control/);
    const d = hub.status().find((x) => x.address === address)!;
    expect(d.bad).toBeGreaterThanOrEqual(1);
    expect(d.messagesIn).toBe(16);
    // The good Pico is not disturbed.
    expect(hub.status().find((x) => x.address === h!.simulation.addresses[0])!.state).toBe('linked');
  }, 60_000);
});
