// `picolink hub --sim N --mqtt URL` against a real Mosquitto (issue 17 points 1, 4, 5): the hub
// publishes status, state, samples, stats and rx; answers commands on the MQTT 5 Response Topic
// with the Correlation Data (MQTT 5.0 §4.10) and on the 3.1.1 fallback's replyTo; refuses bad
// payloads with an error reply and changes nothing; its last will says offline when the process
// is killed; takes the retained topics of a device it no longer pairs off the broker; and it works
// with a password and TLS on a self-signed CA (--mqtt-ca).
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replySchema, samplesSchema, stateSchema, statsSchema, eventSchema } from '../../src-main/mqtt/schemas.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';
import { cliFixture } from '../cli/cli-process.ts';
import { startMosquitto, type Mosquitto } from '../setup/mosquitto.ts';
import { Watch } from './mqtt-watch.ts';

const { dir, picolink } = cliFixture();
const watches: Watch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.close()));
});
const watch = async (...a: Parameters<typeof Watch.open>): Promise<Watch> => {
  const w = await Watch.open(...a);
  watches.push(w);
  return w;
};

describe('picolink hub --mqtt (plain broker)', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('publishes, takes commands, refuses bad ones, and its will says offline when killed', async () => {
    const t = new HubTopics('picolink', 'it1');
    // A device an earlier run of hub it1 paired, still retained on the broker (stale-states.ts).
    const GHOST = 'aa:bb:cc:00:00:99';
    const earlier = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const ghostState = { hub: 'it1', address: GHOST, name: 'gone', state: 'stopped', reason: 'hub stopping', fault: null, adapter: null, profile: 'picolink', rssi: null, intervalMs: 15, mtu: 247, at: 1 };
    await earlier.publishAsync(t.device(GHOST, 'state'), JSON.stringify(stateSchema.parse(ghostState)), { qos: 1, retain: true });
    await earlier.publishAsync(t.device(GHOST, 'stats'), '{}', { qos: 1, retain: true });
    await earlier.endAsync();
    const w = await watch(broker.url, [`${t.base}/#`]);
    const cli = picolink('hub', '--sim', '2', '--mqtt', broker.url.replace('127.0.0.1', 'localhost'), '--hub-name', 'it1', '--json', '--home', dir());
    await w.waitFor((s) => s.topic === t.status && s.text === 'online');
    const linked = async (): Promise<string[]> => {
      const addresses = new Set<string>();
      await w.waitFor((s) => {
        if (!s.topic.endsWith('/state') || !s.text) return false;
        const st = stateSchema.parse(JSON.parse(s.text));
        if (st.state === 'linked') addresses.add(st.address);
        return addresses.size === 2;
      }, 40_000);
      return [...addresses].sort();
    };
    const [a1, a2] = await linked();
    // The hub does not pair the ghost: it takes its retained topics off the broker.
    await w.waitFor((s) => s.topic === t.device(GHOST, 'state') && s.text === '' && !s.retain);
    await w.waitFor((s) => s.topic === t.device(GHOST, 'stats') && s.text === '');
    const fresh = await watch(broker.url, [`${t.base}/+/state`]);
    await fresh.waitFor((s) => s.topic === t.device(a1!, 'state') && s.retain);
    expect(fresh.seen.filter((s) => s.topic === t.device(GHOST, 'state'))).toEqual([]);
    const stateMsg = w.on(t.device(a1!, 'state')).at(-1)!;
    expect(stateMsg).toMatchObject({ qos: 1 });
    expect(stateSchema.parse(JSON.parse(stateMsg.text))).toMatchObject({ hub: 'it1', name: expect.stringMatching(/^pico[12]$/), adapter: expect.any(String), intervalMs: expect.any(Number) });

    // Samples: batched at QoS 0, at most 4 publishes per second per device; stats each second.
    const from = w.seen.length;
    await new Promise((r) => setTimeout(r, 2_500));
    for (const a of [a1!, a2!]) {
      const batches = w.seen.slice(from).filter((s) => s.topic === t.device(a, 'samples'));
      expect(batches.length).toBeGreaterThanOrEqual(4);
      expect(batches.length).toBeLessThanOrEqual(11);
      for (const b of batches) expect(b.qos).toBe(0);
      const n = batches.map((b) => samplesSchema.parse(JSON.parse(b.text))).reduce((k, b) => k + b.samples.length, 0);
      expect(n).toBeGreaterThanOrEqual(15); // 10 Hz for 2.5 s
      const stats = w.seen.slice(from).filter((s) => s.topic === t.device(a, 'stats'));
      expect(stats.length).toBeGreaterThanOrEqual(2);
      const st = statsSchema.parse(JSON.parse(stats.at(-1)!.text));
      expect(st.p50).toBeGreaterThan(0);
      expect(st.count).toBeGreaterThan(0);
    }

    // MQTT 5 request/response: tx answered with the Correlation Data; the echo comes back on rx (QoS 1).
    const v5 = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    const v5Replies = new Watch_(v5);
    await v5.subscribeAsync('it/replies', { qos: 1 });
    const corr = Buffer.from('req-1');
    await v5.publishAsync(t.device(a1!, 'tx'), JSON.stringify({ text: 'hello over mqtt' }), { qos: 1, properties: { responseTopic: 'it/replies', correlationData: corr } });
    const r1 = await v5Replies.next();
    expect(r1.correlationData).toEqual(corr);
    expect(replySchema.parse(JSON.parse(r1.text))).toMatchObject({ ok: true, hub: 'it1', result: { sentTo: [a1] } });
    const rx = await w.waitFor((s) => s.topic === t.device(a1!, 'rx') && s.text.includes('hello over mqtt'));
    expect(rx.qos).toBe(1);
    expect(JSON.parse(rx.text)).toMatchObject({ text: 'hello over mqtt', address: a1, hub: 'it1' });

    // Bad requests: an error reply each, and nothing sent (no `sent` event, the link as it was).
    const sentBefore = w.seen.filter((s) => s.topic.endsWith('/events') && s.text.includes('"sent"')).length;
    const bad = async (topic: string, payload: string, id: string) => {
      await v5.publishAsync(topic, payload, { qos: 1, properties: { responseTopic: 'it/replies', correlationData: Buffer.from(id) } });
      const r = await v5Replies.next();
      expect(r.correlationData?.toString()).toBe(id);
      return replySchema.parse(JSON.parse(r.text));
    };
    expect(await bad(t.device(a1!, 'tx'), 'hello', 'b1')).toMatchObject({ ok: false, error: { code: 'not-json' } });
    expect(await bad(t.device(a1!, 'tx'), '{"hex":"xyz"}', 'b2')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await bad(t.device('aa:bb:cc:00:00:01', 'disconnect'), '{}', 'b3')).toMatchObject({ ok: false, error: { code: 'unknown-device' } });
    expect(await bad(t.device(a2!, 'disconnect'), '{"later":1}', 'b4')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await bad(t.hubCommand('pair'), '{"target":"nobody-here"}', 'b5')).toMatchObject({ ok: false, error: { code: 'unknown-device' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(w.seen.filter((s) => s.topic.endsWith('/events') && s.text.includes('"sent"')).length).toBe(sentBefore);
    expect(stateSchema.parse(JSON.parse(w.on(t.device(a2!, 'state')).at(-1)!.text)).state).toBe('linked');
    await v5.endAsync();

    // MQTT 3.1.1: the fallback's replyTo and id.
    const v3 = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    const v3Replies = new Watch_(v3);
    await v3.subscribeAsync('it/r311', { qos: 1 });
    await v3.publishAsync(t.device(a2!, 'disconnect'), JSON.stringify({ replyTo: 'it/r311', id: 'x1' }), { qos: 1 });
    expect(JSON.parse((await v3Replies.next()).text)).toEqual({ ok: true, hub: 'it1', id: 'x1' });
    await w.waitFor((s) => s.topic === t.device(a2!, 'state') && JSON.parse(s.text || '{}').state === 'stopped');
    await v3.endAsync();
    const events = w.on(t.device(a1!, 'events')).map((e) => eventSchema.parse(JSON.parse(e.text)));
    expect(events.some((e) => e.kind === 'sent')).toBe(true);

    // The last will: the process dies without a DISCONNECT, the broker says offline (retained).
    const before = w.seen.length;
    cli.kill();
    const off = await w.waitFor((s) => s.topic === t.status && s.text === 'offline', 10_000, before);
    expect(off).toBeDefined();
    const late = await watch(broker.url, [t.status]);
    expect(await late.waitFor((s) => s.text === 'offline', 5_000)).toMatchObject({ retain: true });
  }, 90_000);
});

describe('picolink hub --mqtt (password and TLS)', () => {
  let broker: Mosquitto;
  const SECRET = 'Zq9-secret-x';
  beforeAll(async () => {
    broker = await startMosquitto({ tls: true, password: { user: 'hub', pass: SECRET } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('connects with mqtts://user:pass@ and --mqtt-ca, stops cleanly with offline; a wrong password is said, never printed', async () => {
    const t = new HubTopics('site/a', 'tls1');
    const ca = readFileSync(broker.caFile!);
    const w = await watch(broker.url, [`${t.base}/#`], { ca, username: 'hub', password: SECRET });
    const url = broker.url.replace('mqtts://', `mqtts://hub:${SECRET}@`);
    const cli = picolink('hub', '--sim', '1', '--mqtt', url, '--mqtt-ca', broker.caFile!, '--mqtt-prefix', 'site/a', '--hub-name', 'tls1', '--json', '--home', dir());
    await w.waitFor((s) => s.topic === t.status && s.text === 'online');
    await w.waitFor((s) => s.topic.endsWith('/state') && s.text.includes('"linked"'), 40_000);
    const before = w.seen.length;
    cli.child.stdin.end();
    expect(await cli.exit(20_000)).toBe(0);
    await w.waitFor((s) => s.topic === t.status && s.text === 'offline', 5_000, before);
    expect(cli.out.stdout).not.toContain(SECRET);
    expect(cli.out.stdout).toContain('mqtts://hub:***@localhost');

    const wrong = picolink('hub', '--sim', '1', '--mqtt', broker.url.replace('mqtts://', 'mqtts://hub:Wr0ng-pass@'), '--mqtt-ca', broker.caFile!, '--hub-name', 'tls2', '--json', '--home', dir());
    await wrong.waitFor('stdout', '"state":"disconnected"', 0, 20_000);
    expect(wrong.out.stdout).toMatch(/Not authorized|Bad User Name or Password/i);
    expect(wrong.out.stdout).not.toContain('Wr0ng-pass');
    wrong.child.stdin.end();
    expect(await wrong.exit(20_000)).toBe(0);
  }, 90_000);
});

/** The next messages of one client, one at a time. */
class Watch_ {
  private readonly queue: { text: string; correlationData?: Buffer }[] = [];
  private wake: (() => void) | null = null;
  constructor(client: mqtt.MqttClient) {
    client.on('message', (_t, p, packet) => {
      this.queue.push({ text: p.toString(), ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}) });
      this.wake?.();
    });
  }
  async next(ms = 10_000): Promise<{ text: string; correlationData?: Buffer }> {
    const deadline = Date.now() + ms;
    while (!this.queue.length) {
      if (Date.now() > deadline) throw new Error('no reply');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 100);
      });
    }
    return this.queue.shift()!;
  }
}
