// Issue 17 point 5 against a real Mosquitto (test/setup/mosquitto.ts, persistence on): the broker
// goes away and comes back, a subscriber stops reading, commands arrive malformed. One simulated
// hub for the whole file (two virtual Picos that each send "n0", "n1", ... every 50 ms, from
// test/fixtures/firmware-counter); each test gives it a broker and its MQTT side as
// `picolink hub --mqtt` wires it (hub-mqtt.ts: client, publisher, commands).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { realClock } from '../../src-main/hci/clock.ts';
import { connectHub, parseBrokerUrl, RECONNECT_MIN_MS } from '../../src-main/mqtt/connection.ts';
import { Publisher } from '../../src-main/mqtt/publisher.ts';
import { MqttSource } from '../../src-main/mqtt/source.ts';
import { HubMqtt } from '../../src-main/mqtt/hub-mqtt.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';
import { DEFAULT_FIRMWARE_DIR } from '../../src-main/sim/simulation.ts';
import { linkedCount, startSimHub, type SimHub } from '../hub/sim-hub.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';

const PREFIX = 'picolink';
const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'firmware-counter');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let sim: SimHub;
let counterDir = '';
/** The board whose count the tests follow, and the other. */
let counter = '';
let other = '';

beforeAll(async () => {
  // A whole firmware folder (main.py, the library) with the counter app added and chosen.
  counterDir = mkdtempSync(path.join(tmpdir(), 'picolink-counter-fw-'));
  cpSync(DEFAULT_FIRMWARE_DIR, counterDir, { recursive: true });
  cpSync(FIXTURE, counterDir, { recursive: true });
  writeFileSync(path.join(counterDir, 'config.py'), `${readFileSync(path.join(counterDir, 'config.py'), 'utf8')}APP = "counter"\nCOUNT_MS = 50\n`);
  sim = await startSimHub({ picos: 2, firmwareDir: counterDir });
  [counter, other] = sim.simulation.addresses as [string, string];
  await vi.waitFor(() => expect(linkedCount(sim.hub)).toBe(2), { timeout: 60_000, interval: 100 });
}, 90_000);

afterAll(async () => {
  await sim?.close();
  rmSync(counterDir, { recursive: true, force: true });
});

/** A broker that can be taken down for a while and brought back on the same port with its database. */
interface Broker {
  url: string;
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(): Promise<Broker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'picolink-faults-broker-'));
  let m: Mosquitto | null = await startMosquitto({ dir });
  const { url, port } = m;
  const b: Broker = {
    url,
    port,
    down: async () => {
      await m?.stop(); // SIGTERM: Mosquitto writes its persistence database (mosquitto.conf(5))
      m = null;
    },
    up: async () => {
      m = await startMosquitto({ dir, port });
    },
    stop: async () => {
      await m?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cleanups.push(b.stop);
  return b;
}

/**
 * The hub's side as `picolink hub --mqtt` wires it (hub-mqtt.ts: client, publisher, commands).
 * With `maxQueue`, a client and a Publisher of that queue size instead (HubMqtt keeps the default).
 */
function hubOn(url: string, name: string, options: { maxQueue?: number } = {}): { client: MqttClient; publisher: Publisher; topics: HubTopics; warnings: string[] } {
  const warnings: string[] = [];
  if (options.maxQueue === undefined) {
    const m = new HubMqtt(sim.hub, { broker: parseBrokerUrl(url), prefix: PREFIX, hubName: name, haDiscovery: false });
    m.on('notice', (n) => n.kind === 'warning' && warnings.push(n.text));
    m.start();
    cleanups.push(() => m.stop(500));
    return { client: m.client, publisher: m.publisher, topics: m.topics, warnings };
  }
  const topics = new HubTopics(PREFIX, name);
  const client = connectHub({ broker: parseBrokerUrl(url), topics });
  const publisher = new Publisher({ hub: sim.hub, client, topics, clock: realClock, maxQueue: options.maxQueue });
  publisher.on('warning', (w) => warnings.push(w));
  publisher.start();
  cleanups.push(async () => {
    await publisher.stop(500);
    await client.endAsync(true);
  });
  return { client, publisher, topics, warnings };
}

interface Received {
  topic: string;
  /** Set on the broker's redelivery of a message this session may have had already (MQTT 5.0 §3.3.1.1, §4.4). */
  dup: boolean;
  body: Record<string, unknown>;
}

/** A dashboard that keeps its session across broker restarts (clean start off, MQTT 5.0 §3.1.2.4, §3.1.2.11.2). */
async function persistentSubscriber(url: string, id: string, filters: string[]): Promise<{ client: MqttClient; got: Received[] }> {
  const client = await mqtt.connectAsync(url, { clientId: id, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 }, reconnectPeriod: 200 });
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, dup: packet.dup, body: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }));
  await client.subscribeAsync(filters, { qos: 1 });
  cleanups.push(() => client.endAsync(true));
  return { client, got };
}

/** The counter's numbers, in arrival order, from the rx payloads received. */
const counted = (got: Received[]): { n: number; at: number; dup: boolean }[] =>
  got
    .filter((m) => m.topic.endsWith('/rx') && m.body.address === counter && typeof m.body.text === 'string')
    .map((m) => ({ n: Number((m.body.text as string).slice(1)), at: m.body.at as number, dup: m.dup }));

/**
 * The numbers once each. QoS 1 is "at least once" (MQTT 5.0 §4.3.2): a message the subscriber
 * received just before the broker stopped may come again after it returns, flagged DUP (§4.4,
 * the session's unacknowledged PUBLISH resent). Such a copy is dropped here, as a reader that
 * logs messages should; a copy without the flag would be the hub publishing twice.
 */
function once(ms: { n: number; dup: boolean }[]): number[] {
  const out: number[] = [];
  for (const m of ms) {
    if (m.dup && out.includes(m.n)) continue;
    out.push(m.n);
  }
  return out;
}

describe('the broker goes away and comes back', () => {
  it('the hub reconnects with a growing, jittered delay and keeps publishing; the dashboard source recovers by itself', async () => {
    const b = await broker();
    const hub = hubOn(b.url, 'f-restart');
    // Three more hubs' clients on the same broker: when it goes, they must not all come back in step.
    const clients = [hub.client, ...['f-r1', 'f-r2', 'f-r3'].map((n) => connectHub({ broker: parseBrokerUrl(b.url), topics: new HubTopics(PREFIX, n) }))];
    for (const c of clients.slice(1)) cleanups.push(() => c.endAsync(true));
    await vi.waitFor(() => expect(clients.every((c) => c.connected)).toBe(true), { timeout: 10_000 });
    // Per client: when it lost the broker, then each reconnect attempt.
    const times = clients.map((c) => {
      const t: number[] = [];
      c.once('close', () => t.push(Date.now()));
      c.on('reconnect', () => t.push(Date.now()));
      return t;
    });
    const source = new MqttSource({ url: b.url, prefix: PREFIX });
    const seen = new Map<string, number>();
    source.on('sample', (s) => seen.set(s.key, s.seq));
    source.start();
    cleanups.push(() => source.stop());
    const keys = [counter, other].map((a) => `f-restart/${a}`);
    await vi.waitFor(() => expect(keys.every((k) => seen.has(k) && source.has(k))).toBe(true), { timeout: 10_000 });
    const restartHub = (): { name: string; online: boolean }[] => source.hubs().filter((h) => h.name === 'f-restart');
    expect(restartHub()).toEqual([{ name: 'f-restart', online: true }]);

    await b.down();
    await vi.waitFor(() => expect(source.connection).not.toBe('connected'), { timeout: 5_000 });
    // Long enough for three attempts or more at RECONNECT_MIN_MS doubling (1/2 + 1 + 2 s at least).
    await sleep(6 * RECONNECT_MIN_MS);
    const before = new Map(seen);
    await b.up();
    await vi.waitFor(() => expect(source.connection).toBe('connected'), { timeout: 15_000 });
    await vi.waitFor(() => expect(keys.every((k) => (seen.get(k) ?? -1) > before.get(k)! + 10)).toBe(true), { timeout: 20_000 });
    expect(restartHub()).toEqual([{ name: 'f-restart', online: true }]);

    // connection.ts: the wait before attempt k is backoffDelay(k) (hub/link/backoff.ts, equal
    // jitter): in [step/2, step], the step doubling from RECONNECT_MIN_MS, so no wait is shorter
    // than the one before, and the first ones of hubs that lost the broker together differ.
    for (const t of times) {
      const gaps = t.slice(1).map((x, i) => x - t[i]!);
      expect(gaps.length).toBeGreaterThanOrEqual(3);
      expect(gaps[0]).toBeLessThanOrEqual(RECONNECT_MIN_MS + 50);
      for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]! - 20);
    }
    const firsts = times.map((t) => t[1]! - t[0]!);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(20);
  }, 60_000);

  it('messages the boards sent while the broker was down reach a persistent subscriber and the dashboard source once each, in order', async () => {
    const b = await broker();
    const sub = await persistentSubscriber(b.url, 'faults-dashboard', [`${PREFIX}/f-outbox/+/rx`]);
    // The dashboard's own reader: it keeps its session too (source.ts), and drops the broker's
    // DUP redelivery of a message it had.
    const source = new MqttSource({ url: b.url, prefix: PREFIX });
    const fromSource: number[] = [];
    source.on('message', (m) => {
      if (m.key === `f-outbox/${counter}` && m.direction === 'in' && m.body.kind === 'text') fromSource.push(Number(m.body.text.slice(1)));
    });
    source.start();
    cleanups.push(() => source.stop());
    const hub = hubOn(b.url, 'f-outbox');
    await vi.waitFor(() => expect(counted(sub.got).length > 5 && fromSource.length > 5).toBe(true), { timeout: 10_000 });

    await b.down();
    const downAt = Date.now();
    await sleep(3_000);
    const upAt = Date.now();
    await b.up();
    await vi.waitFor(() => expect(counted(sub.got).some((m) => m.at > upAt + 1_000)).toBe(true), { timeout: 20_000 });
    const last = counted(sub.got).at(-1)!.n;
    await vi.waitFor(() => expect(fromSource.at(-1)).toBeGreaterThanOrEqual(last), { timeout: 10_000 });

    const ns = once(counted(sub.got));
    const whileDown = counted(sub.got).filter((m) => m.at > downAt + 100 && m.at < upAt).length;
    expect(whileDown).toBeGreaterThan(20); // ~20 a second for 3 s
    expect(ns).toEqual(ns.map((_, i) => ns[0]! + i)); // none twice, none missing, in order
    expect(fromSource).toEqual(fromSource.map((_, i) => fromSource[0]! + i));
    expect(hub.publisher.stats().dropped).toBe(0);
    expect(hub.warnings).toEqual([]);
  }, 60_000);

  it('a full outbox drops the oldest publishes and says so: a warning at once, a dropped event once the broker is back', async () => {
    const b = await broker();
    const sub = await persistentSubscriber(b.url, 'faults-dashboard-2', [`${PREFIX}/f-full/+/rx`, `${PREFIX}/f-full/events`]);
    const hub = hubOn(b.url, 'f-full', { maxQueue: 40 });
    await vi.waitFor(() => expect(counted(sub.got).length).toBeGreaterThan(5), { timeout: 10_000 });

    await b.down();
    await vi.waitFor(() => expect(hub.warnings.some((w) => /queue is full/.test(w))).toBe(true), { timeout: 10_000 });
    await sleep(1_000);
    const upAt = Date.now();
    await b.up();
    await vi.waitFor(() => expect(sub.got.some((m) => m.topic.endsWith('/events') && m.body.kind === 'dropped')).toBe(true), { timeout: 20_000 });
    await vi.waitFor(() => expect(counted(sub.got).some((m) => m.at > upAt + 500)).toBe(true), { timeout: 10_000 });

    const reported = sub.got.filter((m) => m.topic.endsWith('/events') && m.body.kind === 'dropped').reduce((n, m) => n + (m.body.publishes as number), 0);
    expect(reported).toBeGreaterThan(0);
    expect(reported).toBe(hub.publisher.stats().dropped);
    expect(hub.warnings.some((w) => new RegExp(`dropped ${reported} publish`).test(w))).toBe(true);
    // What was kept is the newest: one hole where the oldest went, and from there on the
    // messages run on, none twice, into those sent after the broker came back.
    const ns = once(counted(sub.got));
    expect(new Set(ns).size).toBe(ns.length);
    const holes = ns.slice(1).filter((n, i) => n !== ns[i]! + 1);
    expect(holes.length).toBe(1);
    expect(linkedCount(sim.hub)).toBe(2);
  }, 60_000);
});

describe('a subscriber that stops reading', () => {
  it('does not slow the hub: pings keep their rate, nothing queues or drops on the hub side', async () => {
    const b = await broker();
    const hub = hubOn(b.url, 'f-slow');
    const reader = await mqtt.connectAsync(b.url, { clientId: 'faults-reader', reconnectPeriod: 0 });
    const publishes = new Map<string, number>();
    reader.on('message', (topic) => {
      if (topic.endsWith('/samples')) publishes.set(topic, (publishes.get(topic) ?? 0) + 1);
    });
    await reader.subscribeAsync(`${PREFIX}/f-slow/+/samples`, { qos: 0 });
    cleanups.push(() => reader.endAsync(true));
    // Subscribed to everything at QoS 1, then never reads its socket again (no keep-alive, so
    // the broker keeps it: MQTT 5.0 §3.1.2.10): Mosquitto's queue for it is its own to bound.
    const stalled = await mqtt.connectAsync(b.url, { clientId: 'faults-stalled', keepalive: 0, reconnectPeriod: 0 });
    await stalled.subscribeAsync('#', { qos: 1 });
    (stalled.stream as Socket).pause();
    cleanups.push(() => stalled.endAsync(true));
    // 16 MB for everyone: more than the stalled socket's buffers hold, so the broker has to queue.
    const flood = await mqtt.connectAsync(b.url, { clientId: 'faults-flood', reconnectPeriod: 0 });
    cleanups.push(() => flood.endAsync(true));
    const junk = Buffer.alloc(256 * 1024, 0x61);
    for (let i = 0; i < 64; i++) await flood.publishAsync('junk/flood', junk, { qos: 0 });

    const count = (): Map<string, number> => new Map(sim.hub.status().map((d) => [d.address, d.total.count]));
    const from = count();
    publishes.clear();
    const t0 = Date.now();
    await sleep(3_000);
    const seconds = (Date.now() - t0) / 1000;
    const to = count();
    for (const a of [counter, other]) expect(to.get(a)! - from.get(a)!).toBeGreaterThanOrEqual(Math.floor(0.8 * 10 * seconds)); // 10 Hz pings
    // The reader still gets every device's batches at the publisher's pace (4 a second).
    expect([...publishes.values()].length).toBe(2);
    for (const n of publishes.values()) expect(n).toBeGreaterThanOrEqual(Math.floor(0.8 * 4 * seconds));
    const s = hub.publisher.stats();
    expect(s.dropped).toBe(0);
    expect(s.queued).toBeLessThan(20);
  }, 60_000);
});

describe('bad payloads on the command topics', () => {
  it('each gets an error reply naming what is wrong, and nothing on the hub changes', async () => {
    const b = await broker();
    const topics = new HubTopics(PREFIX, 'f-bad');
    const events: Received[] = [];
    const asker = await mqtt.connectAsync(b.url, { clientId: 'faults-asker', protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => asker.endAsync(true));
    const replyTopic = topics.reply('faults-asker');
    const replies = new Map<string, Record<string, unknown>>();
    asker.on('message', (topic, payload, packet) => {
      const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      if (topic === replyTopic) replies.set(packet.properties?.correlationData?.toString() ?? String(body.id), body);
      else events.push({ topic, dup: packet.dup, body });
    });
    await asker.subscribeAsync([replyTopic, `${PREFIX}/f-bad/+/events`, `${PREFIX}/f-bad/events`], { qos: 1 });
    const dev = (kind: string, address = counter): string => `${PREFIX}/f-bad/${address.replace(/:/g, '')}/${kind}`;
    const before = sim.hub.status().map((d) => ({ address: d.address, paired: d.paired, state: d.state, messagesOut: d.messagesOut }));
    // A retained command would run again at every subscribe. One left on the broker before the
    // hub comes reaches it flagged retained (MQTT 5.0 §3.3.1.3): refused, not run. (Published
    // while the hub is subscribed, the copy it gets live has the flag cleared, and runs.)
    await asker.publishAsync(dev('tx'), '{"text":"stale"}', { qos: 1, retain: true, properties: { responseTopic: replyTopic, correlationData: Buffer.from('retained') } });
    const hub = hubOn(b.url, 'f-bad');
    await vi.waitFor(() => expect(replies.get('retained')).toMatchObject({ ok: false, error: { code: 'bad-request' } }), { timeout: 10_000 });
    await asker.publishAsync(dev('tx'), '', { qos: 1, retain: true }); // removes it (§3.3.1.3)
    expect(hub.client.connected).toBe(true);
    let n = 0;
    /** Publishes a request the MQTT 5 way (Response Topic, Correlation Data: MQTT 5.0 §4.10) and awaits its reply. */
    const ask = async (topic: string, payload: string | Buffer): Promise<Record<string, unknown>> => {
      const id = String(++n);
      await asker.publishAsync(topic, payload, { qos: 1, properties: { responseTopic: replyTopic, correlationData: Buffer.from(id) } });
      await vi.waitFor(() => expect(replies.has(id)).toBe(true), { timeout: 5_000 });
      return replies.get(id)!;
    };

    const cases: [string, string | Buffer, string][] = [
      [dev('tx'), '{"text":', 'not-json'],
      [dev('tx'), Buffer.from([0xff, 0xfe, 0x7b]), 'not-json'],
      [dev('tx'), '"hello"', 'bad-request'],
      [dev('tx'), '{"text":""}', 'bad-request'],
      [dev('tx'), '{"hex":"abc"}', 'bad-request'],
      [dev('tx'), '{"text":"hi","hex":"00"}', 'bad-request'],
      [dev('tx'), '{"text":"hi","to":"everyone"}', 'bad-request'],
      [dev('tx'), JSON.stringify({ text: 'x'.repeat(4097) }), 'too-long'],
      [dev('tx'), 'x'.repeat(16 * 1024 + 1), 'too-long'],
      [dev('tx', 'aa:bb:cc:dd:ee:ff'), '{"text":"hi"}', 'unknown-device'],
      [dev('connect'), '{"now":true}', 'bad-request'],
      [dev('disconnect'), '[1,2]', 'bad-request'],
      [`${PREFIX}/f-bad/pair`, '{}', 'bad-request'],
      [`${PREFIX}/f-bad/pair`, '{"target":"nobody-here"}', 'unknown-device'],
      [`${PREFIX}/f-bad/unpair`, '{"target":"nobody-here"}', 'unknown-device'],
      [`${PREFIX}/f-bad/unpair`, '{"target":""}', 'bad-request'],
    ];
    for (const [topic, payload, code] of cases) {
      const r = await ask(topic, payload);
      expect({ topic, payload: String(payload).slice(0, 40), r }).toMatchObject({ r: { ok: false, hub: 'f-bad', error: { code } } });
      expect((r.error as { hint: string }).hint.length).toBeGreaterThan(10);
    }
    // The v3.1.1 fallback: reply topic and id in the payload.
    const v3 = await mqtt.connectAsync(b.url, { clientId: 'faults-v3', protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => v3.endAsync(true));
    await v3.publishAsync(dev('tx'), JSON.stringify({ text: 5, replyTo: replyTopic, id: 'v3-1' }), { qos: 1 });
    await vi.waitFor(() => expect(replies.get('v3-1')).toMatchObject({ ok: false, id: 'v3-1', error: { code: 'bad-request' } }), { timeout: 5_000 });

    const after = sim.hub.status().map((d) => ({ address: d.address, paired: d.paired, state: d.state, messagesOut: d.messagesOut }));
    expect(after).toEqual(before);
    expect(events.filter((e) => e.body.kind === 'sent' || e.body.kind === 'paired' || e.body.kind === 'unpaired')).toEqual([]);
    // The same requester, a good request: it goes through (the refusals were the payloads' doing).
    expect(await ask(dev('tx'), '{"text":"hi"}')).toMatchObject({ ok: true, result: { sentTo: [counter] } });
    await vi.waitFor(() => expect(events.some((e) => e.body.kind === 'sent' && e.body.text === 'hi')).toBe(true), { timeout: 5_000 });
  }, 60_000);
});
