// The whole path of issue 17 point 2 with the real hub: `picolink hub --sim 2 --mqtt URL
// --hub-name A` in a process of its own publishes to a real Mosquitto; a dashboard (HubService with
// its own adapters off) lists both Picos with hub A, records their samples in its own log, sends a
// console message that reaches the board and gets the board's echo back from rx, and shows the hub
// offline once its process is killed (the broker publishes its will when the socket closes).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_PAIRED_FILE } from '../../src-main/hub/store/paired-devices.ts';
import { Cli } from '../cli/cli-process.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

const PREFIX = 'picolink';

async function until<T>(what: string, fn: () => T | null | undefined | false, ms: number, why: () => string = () => ''): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard reading `picolink hub --sim 2 --mqtt`', () => {
  let broker: Mosquitto;
  let hubHome: string;
  let hub: Cli;
  let h: ServiceHarness;

  beforeAll(async () => {
    broker = await startMosquitto();
    hubHome = mkdtempSync(path.join(tmpdir(), 'picolink-remote-hub-'));
    hub = new Cli(['hub', '--sim', '2', '--mqtt', broker.url, '--hub-name', 'A', '--json', '--home', hubHome]);
    h = await startService({
      settings: { sources: { adapters: false, brokers: [{ url: broker.url, prefix: PREFIX }] } },
      remote: { source: { keepaliveSeconds: 2, commandTimeoutMs: 5_000 } },
      log: { flushMs: 20 },
    });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
    hub?.kill();
    await hub?.exit().catch(() => undefined);
    await broker?.stop();
    rmSync(hubHome, { recursive: true, force: true });
  });

  it('lists both Picos with hub A, linked, and their samples reach the dashboard', async () => {
    const devices = await until(
      'two linked remote Picos',
      () => {
        const d = h.service.status().devices;
        return d.length === 2 && d.every((x) => x.hub === 'A' && x.online && x.state === 'linked') && d;
      },
      60_000,
      () => hub.transcript().slice(-2_000),
    );
    for (const d of devices) expect(d.address).toMatch(/^A\/[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const key = devices[0]!.address;
    await until('samples of a remote Pico', () => h.seen('samples').some((e) => e.batches.some((b) => b.address === key && b.samples.some((s) => s.rttMs !== null))), 15_000);
    await until('its RTT window', () => h.service.status().devices.find((d) => d.address === key)!.window.p50 !== null, 5_000);
  }, 90_000);

  it('a console send reaches the board and its echo comes back from rx', async () => {
    const key = h.service.status().devices[0]!.address;
    const text = `over mqtt ${Date.now() % 10_000}`;
    expect((await h.call('device.send', { target: key, body: { kind: 'text', text } })).sentTo).toEqual([key]);
    const entries = await until(
      'the echo',
      () => {
        const e = h.seen('messages').flatMap((m) => m.batches).filter((b) => b.address === key).flatMap((b) => b.entries);
        return e.some((x) => x.direction === 'in' && x.body.kind === 'text' && x.body.text.includes(text)) && e;
      },
      10_000,
    );
    expect(entries.some((x) => x.direction === 'out' && x.body.kind === 'text' && x.body.text === text)).toBe(true);
  }, 20_000);

  it('Unpair on a remote device asks its hub (PREFIX/A/unpair): the hub drops it and it leaves the list', async () => {
    const [gone, kept] = h.service.status().devices;
    const address = gone!.address.slice('A/'.length);
    expect(await h.call('device.unpair', { address: gone!.address })).toEqual({ removed: true });
    await until('the device out of the list', () => h.service.status().devices.length === 1, 10_000);
    expect(h.service.status().devices[0]!.address).toBe(kept!.address);
    // The hub's own record says so: its paired file no longer has it.
    await until('the hub to forget it', () => !readFileSync(path.join(hubHome, SIM_PAIRED_FILE), 'utf8').includes(address), 5_000);
    // A second unpair of a key no broker publishes any more is refused with why.
    await expect(h.call('device.unpair', { address: gone!.address })).rejects.toThrow(/publishes/);
  }, 20_000);

  it('killing the hub shows it offline at once (its will), and its devices keep their last state', async () => {
    const started = Date.now();
    hub.kill();
    await until('offline', () => h.service.status().devices.every((d) => !d.online), 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(h.service.status().devices).toHaveLength(1);
  }, 10_000);
});
