// The dashboard reads a hub over a real Mosquitto (issue 17 point 2): with this computer's
// adapters off and one broker in Settings → Sources, the hub's devices appear with its name,
// their samples reach the charts and the dashboard's own log (export by device), a console send
// goes to the device's tx topic with MQTT 5 request/response and the reply comes from rx, and a
// hub that dies shows offline within 1.5 x its keep-alive (its will, MQTT 5.0 section 3.1.2.5;
// Mosquitto publishes it when the keep-alive lapses, section 3.1.2.10).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSource } from '../../src-main/mqtt/source.ts';
import { ADDRS, frozenHubProcess, HUB, HUB_KEEPALIVE_S, level, PREFIX, scriptedHub } from '../mqtt/scripted-hub.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { startService, type ServiceHarness } from './service-harness.ts';

/** How often Mosquitto 2.0.11 checks its clients' keep-alives. */
const MOSQUITTO_CHECK_MS = 5_000;

async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('dashboard reading a hub over MQTT', () => {
  let broker: Mosquitto;
  let hub: Awaited<ReturnType<typeof scriptedHub>>;
  let h: ServiceHarness;
  let out: string;

  beforeAll(async () => {
    broker = await startMosquitto();
    hub = await scriptedHub(broker.url);
    out = path.join(mkdtempSync(path.join(tmpdir(), 'picolink-remote-export-')), 'out.csv');
    h = await startService({
      settings: { sources: { adapters: false, brokers: [{ url: broker.url, prefix: PREFIX }] } },
      remote: { source: { keepaliveSeconds: 1, commandTimeoutMs: 3_000 } },
      chooseFile: async () => out,
      log: { flushMs: 20 },
    });
  }, 20_000);

  afterAll(async () => {
    await h?.close();
    hub?.client.end(true);
    await broker?.stop();
    rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('lists both devices with the hub name, keyed HUB/address', async () => {
    const devices = await until('two remote devices', () => {
      const d = h.service.status().devices;
      return d.length === 2 && d.every((x) => x.online) && d;
    });
    expect(devices.map((d) => [d.address, d.hub, d.name]).sort()).toEqual([
      [`${HUB}/${ADDRS[0]}`, HUB, 'pico1'],
      [`${HUB}/${ADDRS[1]}`, HUB, 'pico2'],
    ]);
    // The contract accepts the key everywhere an address goes.
    const status = await h.call('hub.status', {});
    expect(status.devices).toHaveLength(2);
  });

  it('Test connection lists the hubs on a broker, and says why one cannot be reached', async () => {
    expect(await h.call('sources.test', { url: broker.url, prefix: PREFIX })).toEqual({ ok: true, hubs: [{ name: HUB, online: true }], error: null });
    const closed = await h.call('sources.test', { url: 'mqtt://127.0.0.1:1', prefix: PREFIX });
    expect(closed.ok).toBe(false);
    expect(closed.error).toMatch(/ECONNREFUSED/);
  });

  it('samples reach the charts, the stats and the log, and export reads them by device', async () => {
    const t = Date.now();
    const samples = Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, at: t - 2_000 + i * 50, rttMs: 10 + i }));
    await hub.client.publishAsync(
      `${PREFIX}/${HUB}/${level(ADDRS[0]!)}/samples`,
      JSON.stringify({ hub: HUB, address: ADDRS[0], name: 'pico1', samples, lost: [{ seq: 21, at: t - 900 }], dropped: 0 }),
    );
    // A bad batch beside it changes nothing.
    await hub.client.publishAsync(`${PREFIX}/${HUB}/${level(ADDRS[0]!)}/samples`, '{"hub":"A"}');
    const key = `${HUB}/${ADDRS[0]}`;
    await until('samples event', () => h.seen('samples').flatMap((e) => e.batches).filter((b) => b.address === key).flatMap((b) => b.samples).length === 21);
    const d = h.service.status().devices.find((x) => x.address === key)!;
    expect(d.total).toMatchObject({ count: 20, lost: 1 });
    await new Promise((r) => setTimeout(r, 100));
    const { chosen } = await h.call('export.chooseFile', { format: 'csv' });
    const r = await h.call('export.run', { token: chosen!.token, device: key });
    const csv = readFileSync(out, 'utf8');
    expect(r.rows).toBeGreaterThanOrEqual(21);
    expect(csv).toContain(key);
    expect(csv).not.toContain(`${HUB}/${ADDRS[1]}`);
  });

  it('a console send goes to tx and the reply comes back from rx', async () => {
    const key = `${HUB}/${ADDRS[0]}`;
    const r = await h.call('device.send', { target: key, body: { kind: 'text', text: 'hello' } });
    expect(r.sentTo).toEqual([key]);
    expect(hub.txs).toEqual(['hello']);
    const entries = await until('rx in the console', () => {
      const e = h.seen('messages').flatMap((m) => m.batches).filter((b) => b.address === key).flatMap((b) => b.entries);
      return e.some((x) => x.direction === 'in') && e;
    });
    expect(entries.map((e) => [e.direction, e.body])).toEqual([
      ['out', { kind: 'text', text: 'hello' }],
      ['in', { kind: 'text', text: 'echo hello' }],
    ]);
    expect((await h.call('device.history', { address: key })).entries).toHaveLength(2);
  });

  it('takes a broker out and back in from Settings without a restart', async () => {
    const brokers = (await h.call('settings.get', {})).sources.brokers;
    await h.call('settings.set', { sources: { adapters: false, brokers: [] } });
    expect(h.service.status().devices).toEqual([]);
    await h.call('settings.set', { sources: { adapters: false, brokers } });
    await until('back', () => h.service.status().devices.filter((d) => d.online).length === 2);
  });

  it('a source that stops ends its session, so the broker queues nothing more for it', async () => {
    const s = new MqttSource({ url: broker.url, prefix: PREFIX });
    s.start();
    await until('connected', () => s.connection === 'connected');
    await s.stop();
    const again = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: s.clientId, clean: false, properties: { sessionExpiryInterval: 1 }, reconnectPeriod: 0 });
    const { sessionPresent } = (again as unknown as { connackPacket: { sessionPresent: boolean } }).connackPacket;
    await again.endAsync();
    expect(sessionPresent).toBe(false);
  });

  it('recovers by itself when the broker restarts: offline while it is down, back online after', async () => {
    await broker.restart();
    // Our connection dropped: we cannot tell, so the hub's devices show offline at once.
    await until('offline while the broker restarts', () => h.service.status().devices.every((d) => !d.online));
    hub.client.end(true);
    hub = await scriptedHub(broker.url);
    await until('online again', () => {
      const d = h.service.status().devices;
      return d.length === 2 && d.every((x) => x.online);
    }, 10_000);
    const key = `${HUB}/${ADDRS[1]}`;
    expect((await h.call('device.send', { target: key, body: { kind: 'text', text: 'after restart' } })).sentTo).toEqual([key]);
    expect(hub.txs).toEqual(['after restart']);
  }, 15_000);

  it('a hub that freezes (socket open, silent) shows offline once the broker\'s keep-alive check runs out', async () => {
    // The scripted hub hands over to one in its own process (same client id: the broker drops the old one).
    hub.client.end(true);
    const frozen = await frozenHubProcess(broker.url, HUB_KEEPALIVE_S);
    try {
      await until('online', () => h.service.status().devices.every((d) => d.online));
      const started = Date.now();
      frozen.freeze();
      await until('devices offline', () => h.service.status().devices.every((d) => !d.online), 10_000);
      // The broker allows 1.5 x Keep Alive (MQTT 5.0 section 3.1.2.10); Debian's Mosquitto 2.0.11
      // looks at keep-alives once every 5 s (src/keepalive.c keepalive__check: last_keepalive_check + 5).
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_000);
      expect(took).toBeLessThan(1.5 * HUB_KEEPALIVE_S * 1000 + MOSQUITTO_CHECK_MS + 1_000);
    } finally {
      frozen.kill();
    }
    hub = await scriptedHub(broker.url);
    await until('online again', () => h.service.status().devices.every((d) => d.online));
  }, 15_000);

  it('a hub that dies shows offline within 1.5 x its keep-alive, and commands to it fail at once', async () => {
    const started = Date.now();
    // No DISCONNECT, as when the hub's process is killed: the broker publishes its will.
    (hub.client as unknown as { stream: { destroy(): void } }).stream.destroy();
    await until('devices offline', () => h.service.status().devices.every((d) => !d.online), 5_000);
    const took = Date.now() - started;
    expect(took).toBeLessThan(1.5 * HUB_KEEPALIVE_S * 1000 + 1_500);
    await expect(h.call('device.send', { target: `${HUB}/${ADDRS[0]}`, body: { kind: 'text', text: 'x' } })).rejects.toThrow(/offline/);
    expect(h.seen('notice').some((n) => n.text.includes(`Hub ${HUB}`) && n.text.includes('offline'))).toBe(true);
  }, 10_000);
});

describe('a broker with TLS and a password', () => {
  let broker: Mosquitto;
  let h: ServiceHarness;
  let ca: string;

  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, password: { user: 'dash', pass: 's3cret' } });
    ca = readFileSync(broker.caFile!, 'utf8');
    h = await startService({ settings: { sources: { adapters: false, brokers: [{ url: broker.url, prefix: PREFIX, user: 'dash', password: 's3cret', ca }] } } });
  }, 20_000);

  afterAll(async () => {
    await h?.close();
    await broker?.stop();
  });

  it('tests the connection with the stored password (the page never has it), and says why a wrong one fails', async () => {
    const [shown] = (await h.call('settings.get', {})).sources.brokers;
    expect(shown).toMatchObject({ user: 'dash', passwordSet: true });
    expect(shown!.password).toBeUndefined();
    expect(await h.call('sources.test', { url: broker.url, prefix: PREFIX, user: 'dash', passwordSet: true, ca })).toMatchObject({ ok: true, error: null });
    const wrong = await h.call('sources.test', { url: broker.url, prefix: PREFIX, user: 'dash', password: 'nope', ca });
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.error).toMatch(/Not authorized|Bad User Name or Password/i);
    const noCa = await h.call('sources.test', { url: broker.url, prefix: PREFIX, user: 'dash', passwordSet: true });
    expect(noCa.error).toMatch(/self.signed|certificate/i);
  });

  it('saving the brokers back from the page keeps the password', async () => {
    const brokers = (await h.call('settings.get', {})).sources.brokers;
    await h.call('settings.set', { sources: { adapters: false, brokers } });
    expect(await h.call('sources.test', { ...brokers[0]! })).toMatchObject({ ok: true });
  });
});
