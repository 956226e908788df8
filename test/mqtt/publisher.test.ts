// The publisher (src-main/mqtt/publisher.ts) in virtual time with a fake hub and a fake client:
// what goes to which topic with which QoS and retain flag, samples batched to at most 4
// publishes per second per device, stats each second, and the bounded queue that drops (counted,
// said once) instead of growing or slowing the hub while the broker is away or slow.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-main/hci/clock.ts';
import type { DeviceStatus, HubEvents } from '../../src-main/hub/hub.ts';
import type { RttSnapshot } from '../../src-main/hub/latency/rtt-stats.ts';
import { linkLimit, linkShape, throughputLimit } from '../../src-main/hub/protocol/bulk-pace.ts';
import { HaDiscovery } from '../../src-main/mqtt/ha-discovery.ts';
import { Publisher, type PublishClient } from '../../src-main/mqtt/publisher.ts';
import { eventSchema, rxSchema, samplesSchema, stateSchema, statsSchema } from '../../src-main/mqtt/schemas.ts';
import { HubTopics } from '../../src-main/mqtt/topics.ts';

const A = 'aa:bb:cc:dd:ee:01';
const B = 'aa:bb:cc:dd:ee:02';
const SNAP: RttSnapshot = { count: 10, lost: 1, lossPercent: 9.09, p50: 12, p95: 20, p99: 25, max: 30, mean: 13 };

function device(address: string, over: Partial<DeviceStatus> = {}): DeviceStatus {
  return {
    address,
    name: `pico-${address.slice(-2)}`,
    paired: true,
    state: 'linked',
    reason: 'linked',
    fault: null,
    adapter: 'sim0',
    profile: 'picolink',
    rssi: -50,
    lastSeen: 0,
    mtu: 247,
    intervalMs: 7.5,
    window: SNAP,
    total: SNAP,
    firmwareMs: null,
    messagesIn: 0,
    messagesOut: 0,
    bad: 0,
    lastThroughput: null,
    ...over,
  };
}

class FakeHub extends EventEmitter<HubEvents> {
  devices: DeviceStatus[] = [device(A)];
  status(): DeviceStatus[] {
    return this.devices;
  }
}

interface Sent {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  at: number;
}

class FakeClient extends EventEmitter implements PublishClient {
  connected = true;
  sent: Sent[] = [];
  /** Callbacks not yet called (hold = true): a slow broker. */
  held: (() => void)[] = [];
  hold = false;
  constructor(private readonly clock: ManualClock) {
    super();
  }
  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain: boolean }, cb: (e?: Error) => void): void {
    this.sent.push({ topic, payload, ...opts, at: this.clock.now() });
    if (this.hold) this.held.push(() => cb());
    else cb();
  }
  to(topic: string): Sent[] {
    return this.sent.filter((s) => s.topic === topic);
  }
  connect(): void {
    this.connected = true;
    this.emit('connect');
  }
}

function rig(opts: Partial<ConstructorParameters<typeof Publisher>[0]> = {}) {
  const clock = new ManualClock();
  const hub = new FakeHub();
  const client = new FakeClient(clock);
  const topics = new HubTopics('picolink', 'h1');
  const p = new Publisher({ hub, client, topics, clock, wallClock: () => 1_000_000 + clock.now(), ...opts });
  const warnings: string[] = [];
  p.on('warning', (w) => warnings.push(w));
  return { clock, hub, client, topics, p, warnings };
}

const sample = (seq: number, at: number) => ({ seq, sentAt: at, rttMs: 10 + seq, firmwareUs: null, airMs: null });

describe('Publisher', () => {
  it('says online (retained, QoS 1) on connect, then the state of each paired device', () => {
    const { client, topics, p } = rig();
    p.start();
    expect(client.sent[0]).toMatchObject({ topic: topics.status, payload: 'online', qos: 1, retain: true });
    const s = client.to(topics.device(A, 'state'));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ qos: 1, retain: true });
    expect(stateSchema.parse(JSON.parse(s[0]!.payload))).toMatchObject({ hub: 'h1', address: A, name: 'pico-01', state: 'linked', rssi: -50, intervalMs: 7.5, mtu: 247 });
  });

  it('publishes the state retained on each change', () => {
    const { hub, client, topics, p } = rig();
    p.start();
    hub.devices = [device(A, { state: 'backoff', reason: 'supervision timeout' })];
    hub.emit('state', { address: A, name: 'pico-01', state: 'backoff', previous: 'linked', reason: 'supervision timeout', fault: null, adapter: null, at: 5 });
    const s = client.to(topics.device(A, 'state'));
    expect(s).toHaveLength(2);
    expect(JSON.parse(s[1]!.payload)).toMatchObject({ state: 'backoff', reason: 'supervision timeout' });
  });

  it('batches samples: at most 4 publishes per second per device, QoS 0, none lost', () => {
    const { clock, hub, client, topics, p } = rig();
    hub.devices = [device(A), device(B)];
    p.start();
    // 100 Hz on A and B for 2 s, with a lost ping now and then.
    for (let i = 0; i < 200; i++) {
      hub.emit('sample', { address: A, sample: sample(i, clock.now()) });
      if (i % 50 === 0) hub.emit('lost', { address: A, lost: { seq: 10_000 + i, sentAt: clock.now(), reason: 'timeout' } });
      else hub.emit('sample', { address: B, sample: sample(i, clock.now()) });
      clock.advance(10);
    }
    clock.advance(1_000);
    for (const address of [A, B]) {
      const pubs = client.to(topics.device(address, 'samples'));
      for (const s of pubs) expect(s).toMatchObject({ qos: 0, retain: false });
      for (const s of pubs) {
        const inWindow = pubs.filter((o) => o.at >= s.at && o.at < s.at + 1_000);
        expect(inWindow.length).toBeLessThanOrEqual(4);
      }
      const batches = pubs.map((s) => samplesSchema.parse(JSON.parse(s.payload)));
      const seqs = batches.flatMap((b) => b.samples.map((x) => x.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      if (address === A) {
        expect(seqs).toHaveLength(200);
        expect(batches.flatMap((b) => b.lost.map((x) => x.seq))).toEqual([10_000, 10_050, 10_100, 10_150]);
      } else expect(seqs).toHaveLength(196);
      expect(batches.every((b) => b.dropped === 0 && b.name === `pico-${address.slice(-2)}`)).toBe(true);
    }
  });

  it('a batch past maxBatch counts what it left out', () => {
    const { hub, client, topics, p, clock } = rig({ maxBatch: 5 });
    p.start();
    hub.emit('sample', { address: A, sample: sample(0, 0) });
    for (let i = 1; i <= 20; i++) hub.emit('sample', { address: A, sample: sample(i, 0) });
    clock.advance(250);
    const b = client.to(topics.device(A, 'samples')).map((s) => samplesSchema.parse(JSON.parse(s.payload)));
    expect(b.map((x) => [x.samples.length, x.dropped])).toEqual([
      [1, 0],
      [5, 15],
    ]);
  });

  it('publishes stats each second (QoS 0, retained) for linked devices only', () => {
    const { hub, client, topics, p, clock } = rig();
    hub.devices = [device(A), device(B, { state: 'waiting', window: { ...SNAP, count: 0, lost: 0 } }), device('aa:bb:cc:dd:ee:03', { paired: false, state: 'unpaired' })];
    p.start();
    clock.advance(3_500);
    const st = client.to(topics.device(A, 'stats'));
    expect(st).toHaveLength(3);
    expect(st[0]).toMatchObject({ qos: 0, retain: true });
    expect(statsSchema.parse(JSON.parse(st[0]!.payload))).toMatchObject({ p50: 12, p95: 20, p99: 25, lossPercent: 9.09, count: 10, windowSeconds: 10 });
    expect(client.to(topics.device(B, 'stats'))).toHaveLength(0);
    expect(client.sent.filter((s) => s.topic.includes('ee03'))).toHaveLength(0);
  });

  it('rx at QoS 1 for each received message; sent messages, throughput and warnings as events', () => {
    const { hub, client, topics, p } = rig();
    p.start();
    hub.emit('message', { address: A, entry: { at: 7, direction: 'in', message: { kind: 'text', text: 'hello' } } });
    hub.emit('message', { address: A, entry: { at: 8, direction: 'in', message: { kind: 'data', bytes: new Uint8Array([1, 0xab]) } } });
    hub.emit('message', { address: A, entry: { at: 9, direction: 'out', message: { kind: 'text', text: 'hi' } } });
    hub.emit('warning', 'adapter sim0 is slow');
    hub.emit('throughput', { address: A, result: { octets: 20_000, firmwareOctets: 20_000, firmwareMs: 600, hubMs: 610, bytesPerSecond: 32_786.9, limit: throughputLimit(linkShape(15, 256, '1M', 27), 2) } });
    const rx = client.to(topics.device(A, 'rx'));
    expect(rx.map((r) => r.qos)).toEqual([1, 1]);
    expect(rx.map((r) => rxSchema.parse(JSON.parse(r.payload)))).toEqual([
      { hub: 'h1', address: A, name: 'pico-01', at: 7, text: 'hello' },
      { hub: 'h1', address: A, name: 'pico-01', at: 8, hex: '01ab' },
    ]);
    const ev = client.to(topics.device(A, 'events')).map((e) => eventSchema.parse(JSON.parse(e.payload)));
    expect(ev).toEqual([
      { kind: 'sent', text: 'hi', hub: 'h1', address: A, at: 9 },
      {
        kind: 'throughput',
        octets: 20_000,
        hubMs: 610,
        bytesPerSecond: 32_786.9,
        limitBytesPerSecond: linkLimit(linkShape(15, 256, '1M', 27)),
        // The link the limit is for, so a dashboard reading the broker can say what it assumed.
        limit: { phy: '1M', intervalMs: 15, attMtu: 256, maxTxOctets: 27, assumed: [] },
        hub: 'h1',
        address: A,
        at: expect.any(Number),
      },
    ]);
    expect(eventSchema.parse(JSON.parse(client.to(topics.events)[0]!.payload))).toMatchObject({ kind: 'warning', text: 'adapter sim0 is slow', address: null });
  });

  it('on unpair: an event and empty retained state and stats, which clear them on the broker', () => {
    const { hub, client, topics, p } = rig();
    p.start();
    hub.devices = [];
    hub.emit('paired', { address: A, paired: false });
    expect(client.to(topics.device(A, 'state')).at(-1)).toMatchObject({ payload: '', retain: true });
    expect(client.to(topics.device(A, 'stats')).at(-1)).toMatchObject({ payload: '', retain: true });
    expect(JSON.parse(client.to(topics.device(A, 'events'))[0]!.payload)).toMatchObject({ kind: 'unpaired' });
  });

  it('while the broker is away: a bounded queue, the oldest dropped, counted and said once, then reported', () => {
    const { hub, client, topics, p, warnings } = rig({ maxQueue: 50 });
    p.start();
    client.connected = false;
    client.sent = [];
    for (let i = 0; i < 200; i++) hub.emit('message', { address: A, entry: { at: i, direction: 'in', message: { kind: 'text', text: `m${i}` } } });
    expect(client.sent).toHaveLength(0);
    expect(p.stats()).toMatchObject({ queued: 50, dropped: 150 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/publish queue is full \(50; the broker is unreachable\)/);
    client.connect();
    expect(client.sent[0]).toMatchObject({ topic: topics.status, payload: 'online' });
    const texts = client.to(topics.device(A, 'rx')).map((r) => JSON.parse(r.payload).text);
    // The newest kept (the state re-published on connect took one place).
    expect(texts.at(-1)).toBe('m199');
    expect(texts.length).toBeGreaterThanOrEqual(48);
    const dropped = client.to(topics.events).map((e) => eventSchema.parse(JSON.parse(e.payload)));
    expect(dropped).toMatchObject([{ kind: 'dropped', address: null }]);
    expect(warnings[1]).toMatch(/dropped \d+ publish\(es\) while the broker was slow or away/);
    expect(p.stats().dropped).toBe((dropped[0] as { publishes: number }).publishes);
  });

  it('keeps one queued entry per retained topic: the latest state', () => {
    const { hub, client, topics, p } = rig();
    p.start();
    client.connected = false;
    client.sent = [];
    for (let i = 0; i < 100; i++) {
      hub.devices = [device(A, { reason: `r${i}` })];
      hub.emit('state', { address: A, name: 'pico-01', state: 'linked', previous: 'linked', reason: `r${i}`, fault: null, adapter: null, at: i });
    }
    expect(p.stats().queued).toBe(1);
    client.connect();
    // The one queued entry was replaced in place; connect re-publishes it once more.
    const s = client.to(topics.device(A, 'state')).map((x) => JSON.parse(x.payload).reason);
    expect(s.every((r) => r === 'r99')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(2);
  });

  it('a slow broker: at most maxInFlight publishes outstanding, the hub never waits', () => {
    const { hub, client, p } = rig({ maxInFlight: 8, maxQueue: 100 });
    p.start();
    client.hold = true;
    client.sent = [];
    for (let i = 0; i < 500; i++) hub.emit('message', { address: A, entry: { at: i, direction: 'in', message: { kind: 'text', text: `m${i}` } } });
    expect(client.sent).toHaveLength(8);
    expect(p.stats()).toMatchObject({ inFlight: 8, queued: 100, dropped: 392 });
    for (const release of client.held.splice(0)) release();
    expect(client.sent.length).toBe(16);
  });

  it('with discovery: the hub config and each paired device configs, retained, and removed on unpair', () => {
    const topics = new HubTopics('picolink', 'h1');
    const { hub, client, p } = rig({ discovery: new HaDiscovery(topics) });
    p.start();
    const configs = client.sent.filter((s) => s.topic.startsWith('homeassistant/'));
    expect(configs.map((c) => c.topic)).toEqual([
      'homeassistant/binary_sensor/picolink-h1/hub_status/config',
      'homeassistant/sensor/picolink-h1/aabbccddee01_rtt_p50/config',
      'homeassistant/sensor/picolink-h1/aabbccddee01_loss/config',
      'homeassistant/sensor/picolink-h1/aabbccddee01_rssi/config',
      'homeassistant/sensor/picolink-h1/aabbccddee01_link/config',
      'homeassistant/text/picolink-h1/aabbccddee01_send/config',
    ]);
    expect(configs.every((c) => c.retain && c.qos === 1)).toBe(true);
    hub.devices = [];
    hub.emit('paired', { address: A, paired: false });
    const removed = client.sent.filter((s) => s.topic.startsWith('homeassistant/') && s.payload === '');
    expect(removed).toHaveLength(5);
  });

  it('stop: offline retained goes out, then nothing more', async () => {
    const { hub, client, topics, p, clock } = rig();
    p.start();
    await p.stop();
    expect(client.sent.at(-1)).toMatchObject({ topic: topics.status, payload: 'offline', retain: true, qos: 1 });
    const n = client.sent.length;
    hub.emit('sample', { address: A, sample: sample(1, 0) });
    clock.advance(5_000);
    expect(client.sent).toHaveLength(n);
  });
});
