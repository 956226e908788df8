// The dashboard's MQTT source against a fake MQTT.js client in virtual time: the pure transition
// (hubs and devices online/offline), payload checking (bad ones counted, never thrown), samples
// into RTT statistics, and commands with MQTT 5 Response Topic / Correlation Data (MQTT 5.0
// sections 3.3.2.3.5-6, 4.10) answered, refused and timed out.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { CommandError, MqttSource, type SourceClient } from '../../src-main/mqtt/source.ts';
import { initialSourceState, transition, type SourceState } from '../../src-main/mqtt/source-state.ts';
import type { StatePayload } from '../../src-main/mqtt/schemas.ts';

const A = 'aa:bb:cc:dd:ee:01';
const state = (hub: string, over: Partial<StatePayload> = {}): StatePayload => ({
  hub,
  address: A,
  name: 'pico1',
  state: 'linked',
  reason: 'linked',
  fault: null,
  adapter: 'sim0',
  profile: 'picolink',
  rssi: -50,
  intervalMs: 7.5,
  mtu: 247,
  at: 1000,
  ...over,
});

describe('source transition', () => {
  const run = (inputs: Parameters<typeof transition>[1][]): { s: SourceState; effects: ReturnType<typeof transition>['effects'] } => {
    let s = initialSourceState;
    const effects = [];
    for (const i of inputs) {
      const r = transition(s, i);
      s = r.state;
      effects.push(...r.effects);
    }
    return { s, effects };
  };

  it('a hub is online only while it says so and our connection holds', () => {
    const { effects } = run([
      { kind: 'connected', at: 1 },
      { kind: 'status', hub: 'A', status: 'online', at: 2 },
      { kind: 'status', hub: 'A', status: 'online', at: 3 },
      { kind: 'status', hub: 'A', status: 'offline', at: 4 },
      { kind: 'status', hub: 'A', status: 'online', at: 5 },
      { kind: 'disconnected', at: 6, why: 'broker gone' },
      { kind: 'disconnected', at: 7, why: 'again' },
      { kind: 'connected', at: 8 },
      { kind: 'status', hub: 'A', status: 'online', at: 9 },
    ]);
    expect(effects.map((e) => (e.kind === 'hub' ? `${e.at}:${e.online}` : e.kind))).toEqual(['2:true', '4:false', '5:true', '6:false', '9:true']);
  });

  it('keeps devices per hub, so two hubs seeing one address stay apart; an empty state removes one', () => {
    const { s, effects } = run([
      { kind: 'connected', at: 1 },
      { kind: 'state', hub: 'A', state: state('A') },
      { kind: 'state', hub: 'B', state: state('B', { state: 'waiting' }) },
      { kind: 'state', hub: 'A', state: state('A', { rssi: -60 }) },
      { kind: 'removed', hub: 'B', address: A },
    ]);
    expect([...s.devices.keys()]).toEqual([`A/${A}`]);
    expect(s.devices.get(`A/${A}`)!.state.rssi).toBe(-60);
    // A state repeated with the same link state is no transition.
    expect(effects.map((e) => `${e.kind}:${'key' in e ? e.key : ''}`)).toEqual([`device-state:A/${A}`, `device-state:B/${A}`, `device-removed:B/${A}`]);
    // Heard of through a device only: listed, but not online until its status says so.
    expect(s.hubs.get('A')!.status).toBe('offline');
  });
});

class FakeClient extends EventEmitter implements SourceClient {
  options: { reconnectPeriod?: number } = {};
  connected = false;
  subscribed: string[] = [];
  published: { topic: string; message: string; opts: { qos?: number; properties?: { responseTopic?: string; correlationData?: Buffer } } }[] = [];
  ended = false;
  subscribe(topics: Record<string, { qos: 0 | 1 | 2 }>, cb?: (err: Error | null) => void): void {
    this.subscribed.push(...Object.keys(topics));
    cb?.(null);
  }
  publish(topic: string, message: string, opts: FakeClient['published'][number]['opts'], cb?: (err?: Error) => void): void {
    this.published.push({ topic, message, opts });
    cb?.();
  }
  end(_force?: boolean, _opts?: object, cb?: () => void): void {
    this.ended = true;
    cb?.();
  }
  deliver(topic: string, payload: string | object, properties: object = {}): void {
    const buf = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    this.emit('message', topic, buf, { topic, payload: buf, properties });
  }
}

function setup(): { source: MqttSource; client: FakeClient; clock: ManualClock } {
  const client = new FakeClient();
  const clock = new ManualClock();
  const source = new MqttSource({ url: 'mqtt://broker', prefix: 'pl', clock, wallNow: () => 10_000, connect: () => client, commandTimeoutMs: 1_000 });
  source.start();
  client.emit('connect');
  client.deliver('pl/A/status', 'online');
  client.deliver(`pl/A/aabbccddee01/state`, state('A'));
  return { source, client, clock };
}

describe('MqttSource', () => {
  it('subscribes to the tree and to its own reply topic', () => {
    const { client, source } = setup();
    expect(client.subscribed).toContain('pl/+/status');
    expect(client.subscribed).toContain('pl/+/+/samples');
    expect(client.subscribed).toContain(`pl/+/reply/${source.clientId}`);
  });

  it('lists a remote device with its hub, online, and feeds its samples into RTT statistics', () => {
    const { source, client } = setup();
    const samples: unknown[] = [];
    source.on('sample', (s) => samples.push(s));
    client.deliver('pl/A/aabbccddee01/samples', { hub: 'A', address: A, name: 'pico1', samples: [{ seq: 1, at: 9_500, rttMs: 12 }, { seq: 2, at: 9_600, rttMs: 14 }], lost: [{ seq: 3, at: 9_700 }], dropped: 0 });
    const [d] = source.devices(10_000);
    expect(d).toMatchObject({ key: `A/${A}`, hub: 'A', online: true, state: { name: 'pico1' } });
    expect(d!.total).toMatchObject({ count: 2, lost: 1 });
    expect(d!.window.p50).toBeCloseTo(12, 1);
    expect(samples).toHaveLength(3);
  });

  it('a linked state counts as seen at its time; a later sample moves it on; other states do not', () => {
    const { source, client } = setup();
    expect(source.devices()[0]!.lastSeen).toBe(1000);
    client.deliver('pl/A/aabbccddee01/samples', { hub: 'A', address: A, name: 'pico1', samples: [{ seq: 1, at: 9_500, rttMs: 12 }], lost: [], dropped: 0 });
    expect(source.devices()[0]!.lastSeen).toBe(10_000);
    client.deliver('pl/A/aabbccddee01/state', state('A', { state: 'backoff', at: 12_000 }));
    expect(source.devices()[0]!.lastSeen).toBe(10_000);
  });

  it('counts and ignores bad payloads without throwing', () => {
    const { source, client } = setup();
    const before = source.devices();
    client.deliver('pl/A/aabbccddee01/samples', 'not json');
    client.deliver('pl/A/aabbccddee01/samples', { hub: 'A', address: A, samples: 'x' });
    client.deliver('pl/A/aabbccddee01/state', { ...state('A'), address: 'aa:bb:cc:dd:ee:02' }); // topic and payload disagree
    client.deliver('pl/A/status', 'maybe');
    client.deliver('pl/A/aabbccddee01/rx', { hub: 'A', address: A, name: null, at: 1 }); // neither text nor hex
    client.deliver('pl/A/reply/whoever', { ok: true, hub: 'A' });
    expect(source.bad).toBe(6);
    expect(source.devices()).toEqual(before);
  });

  it('says so on the 1st, 10th, 100th bad payload, not on each', () => {
    const { source, client } = setup();
    const warnings: string[] = [];
    source.on('warning', (w) => warnings.push(w));
    for (let i = 0; i < 150; i++) client.deliver('pl/A/aabbccddee01/rx', '{');
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toMatch(/^100 payload\(s\) from mqtt:\/\/broker .* on pl\/A\/aabbccddee01\/rx\.$/);
  });

  it('a hub whose last will arrives, or a broker connection that closes, takes its devices offline', () => {
    const { source, client } = setup();
    client.deliver('pl/A/status', 'offline');
    expect(source.devices()[0]!.online).toBe(false);
    client.deliver('pl/A/status', 'online');
    expect(source.devices()[0]!.online).toBe(true);
    client.emit('close');
    expect(source.devices()[0]!.online).toBe(false);
    // The next attempt waits longer than the first (backoff), and a connection resets it.
    expect(client.options.reconnectPeriod).toBeGreaterThanOrEqual(250);
    client.emit('close');
    client.emit('close');
    client.emit('close');
    expect(client.options.reconnectPeriod).toBeGreaterThanOrEqual(2_000);
    client.emit('connect');
    expect(client.options.reconnectPeriod).toBe(500);
  });

  it('sends a command with a response topic and correlation data and resolves with the reply', async () => {
    const { source, client } = setup();
    const p = source.command(`A/${A}`, 'tx', { text: 'hi' });
    const sent = client.published.at(-1)!;
    expect(sent.topic).toBe('pl/A/aabbccddee01/tx');
    expect(JSON.parse(sent.message)).toEqual({ text: 'hi' });
    expect(sent.opts.qos).toBe(1);
    expect(sent.opts.properties!.responseTopic).toBe(`pl/A/reply/${source.clientId}`);
    client.deliver(sent.opts.properties!.responseTopic!, { ok: true, hub: 'A', result: { sent: true } }, { correlationData: sent.opts.properties!.correlationData });
    await expect(p).resolves.toEqual({ sent: true });
  });

  it('unpair goes to the hub-level topic with the device as its target (PREFIX/HUB/unpair, docs/MQTT.md)', async () => {
    const { source, client } = setup();
    const p = source.command(`A/${A}`, 'unpair');
    const sent = client.published.at(-1)!;
    expect(sent.topic).toBe('pl/A/unpair');
    expect(JSON.parse(sent.message)).toEqual({ target: A });
    client.deliver(sent.opts.properties!.responseTopic!, { ok: true, hub: 'A', result: { removed: true } }, { correlationData: sent.opts.properties!.correlationData });
    await expect(p).resolves.toEqual({ removed: true });
  });

  it('a refused command rejects with the hub\'s code; a silent hub times out; an offline hub is not asked', async () => {
    const { source, client, clock } = setup();
    const refused = source.command(`A/${A}`, 'connect');
    const r = client.published.at(-1)!;
    client.deliver(r.opts.properties!.responseTopic!, { ok: false, hub: 'A', error: { code: 'not-linked', hint: 'not linked' } }, { correlationData: r.opts.properties!.correlationData });
    await expect(refused).rejects.toMatchObject({ code: 'not-linked' });

    const silent = source.command(`A/${A}`, 'disconnect');
    clock.advance(999);
    let settled = false;
    silent.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(silent).rejects.toMatchObject({ code: 'timeout' });

    client.deliver('pl/A/status', 'offline');
    const n = client.published.length;
    await expect(source.command(`A/${A}`, 'tx', { text: 'x' })).rejects.toBeInstanceOf(CommandError);
    expect(client.published.length).toBe(n);
  });

  it('stop fails the commands still waiting and ends the client', async () => {
    const { source, client } = setup();
    const p = source.command(`A/${A}`, 'tx', { text: 'hi' });
    await source.stop();
    await expect(p).rejects.toMatchObject({ code: 'stopped' });
    expect(client.ended).toBe(true);
  });
});
