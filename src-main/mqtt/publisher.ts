// The hub publishing to a broker (issue 17 point 1): it listens to the Hub's events and turns them
// into the topic tree of topics.ts with the payloads of schemas.ts. Nothing here may slow the
// hub: every hub event only appends to a bounded queue (synchronously), and the queue goes to the
// client while it is connected, a bounded number of publishes in flight at a time. When the
// broker is slow or gone the queue fills, the oldest entries go, and the drops are counted and
// said once (a warning, and a `dropped` event once the broker takes publishes again).
//
// Retained topics (state, stats) keep one queued entry per topic, the latest: a subscriber needs
// only the last state, so a long outage costs one entry per device, not one per change.
import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../hci/clock.ts';
import type { DeviceStatus, HubEvents } from '../hub/hub.ts';
import type { LinkMessage } from '../hub/protocol/protocol-session.ts';
import { STATUS_ONLINE, STATUS_OFFLINE, type EventPayload, type RxPayload, type SamplesPayload, type StatePayload, type StatsPayload, type ThroughputEventLimit } from './schemas.ts';
import type { ThroughputLimit } from '../hub/protocol/bulk-pace.ts';
import type { HubTopics } from './topics.ts';
import type { HaDiscovery } from './ha-discovery.ts';

/** What the publisher needs of a Hub (tests pass an EventEmitter with a status()). */
export interface HubSource {
  on<K extends keyof HubEvents>(event: K, listener: (...args: HubEvents[K]) => void): unknown;
  off<K extends keyof HubEvents>(event: K, listener: (...args: HubEvents[K]) => void): unknown;
  status(now?: number): DeviceStatus[];
}

/** What the publisher needs of an MQTT.js client. */
export interface PublishClient {
  readonly connected: boolean;
  publish(topic: string, message: string, opts: { qos: 0 | 1; retain: boolean }, callback: (error?: Error) => void): unknown;
  on(event: 'connect', listener: () => void): unknown;
  off(event: 'connect', listener: () => void): unknown;
}

export interface PublisherOptions {
  hub: HubSource;
  client: PublishClient;
  topics: HubTopics;
  /** Timers (batching, stats): real time by default, a ManualClock in tests. */
  clock: Clock;
  /** Epoch ms for the payloads' `at` (default Date.now). */
  wallClock?: () => number;
  /** Queued publishes at most (default 2000). */
  maxQueue?: number;
  /** Publishes handed to the client and not yet written (QoS 0) or acknowledged (QoS 1), at most (default 64). */
  maxInFlight?: number;
  /** Publishes per second per device on `samples`, at most (default 4). */
  samplesPerSecond?: number;
  /** Samples one batch holds at most; more are counted in its `dropped` (default 400). */
  maxBatch?: number;
  /** `stats` period, ms (default 1000). */
  statsEveryMs?: number;
  /** The statistics' window the hub keeps (hub option windowSeconds; default 10). */
  windowSeconds?: number;
  /** Home Assistant discovery configs to publish for the hub and each paired device (--ha-discovery). */
  discovery?: HaDiscovery | null;
}

export interface PublisherStats {
  queued: number;
  inFlight: number;
  published: number;
  /** Dropped since start: the queue was full. */
  dropped: number;
  failed: number;
}

interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

interface Batch {
  samples: SamplesPayload['samples'];
  lost: SamplesPayload['lost'];
  dropped: number;
  lastFlush: number;
  timer: Timer | null;
}

export interface PublisherEvents {
  /** Something the user should see once (the queue started dropping, and how many it dropped). */
  warning: [string];
}

export class Publisher extends EventEmitter<PublisherEvents> {
  private readonly queue: Outgoing[] = [];
  /** The queued entry of each retained topic, replaced in place by a newer payload. */
  private readonly retainedQueued = new Map<string, Outgoing>();
  private readonly batches = new Map<string, Batch>();
  /** Names as the hub's events last gave them: hub.status() per sample would cost a snapshot of every device. */
  private readonly names = new Map<string, string | null>();
  /** Devices whose discovery configs went out, with the name they carry. */
  private readonly discovered = new Map<string, string | null>();
  private inFlight = 0;
  private published = 0;
  private dropped = 0;
  private failed = 0;
  /** Drops not yet reported in a `dropped` event. */
  private unreported = 0;
  private pumping = false;
  private statsTimer: Timer | null = null;
  private stopped = false;
  private readonly wallClock: () => number;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;
  private readonly batchGapMs: number;
  private readonly maxBatch: number;
  private readonly statsEveryMs: number;
  private readonly windowSeconds: number;
  private readonly hubListeners: { [K in keyof HubEvents]?: (...args: HubEvents[K]) => void } = {};

  constructor(private readonly o: PublisherOptions) {
    super();
    this.wallClock = o.wallClock ?? Date.now;
    this.maxQueue = o.maxQueue ?? 2_000;
    this.maxInFlight = o.maxInFlight ?? 64;
    this.batchGapMs = 1_000 / (o.samplesPerSecond ?? 4);
    this.maxBatch = o.maxBatch ?? 400;
    this.statsEveryMs = o.statsEveryMs ?? 1_000;
    this.windowSeconds = o.windowSeconds ?? 10;
  }

  start(): void {
    const l = this.hubListeners;
    l.state = (c) => {
      this.names.set(c.address, c.name);
      this.publishState(c.address);
    };
    l.info = ({ address }) => this.publishState(address);
    l.sample = ({ address, sample }) => {
      const b = this.batch(address);
      if (b.samples.length + b.lost.length >= this.maxBatch) b.dropped++;
      else b.samples.push({ seq: sample.seq, at: sample.sentAt, rttMs: sample.rttMs });
      this.scheduleFlush(address, b);
    };
    l.lost = ({ address, lost }) => {
      const b = this.batch(address);
      if (b.samples.length + b.lost.length >= this.maxBatch) b.dropped++;
      else b.lost.push({ seq: lost.seq, at: lost.sentAt });
      this.scheduleFlush(address, b);
    };
    l.message = ({ address, entry }) => {
      if (entry.direction === 'in') {
        const rx: RxPayload = { hub: this.o.topics.hub, address, name: this.nameOf(address), at: entry.at, ...body(entry.message) };
        this.enqueue({ topic: this.o.topics.device(address, 'rx'), payload: JSON.stringify(rx), qos: 1, retain: false });
      } else {
        this.event(address, { kind: 'sent', ...body(entry.message) }, entry.at);
      }
    };
    l.throughput = ({ address, result }) =>
      this.event(address, { kind: 'throughput', octets: result.octets, hubMs: result.hubMs, bytesPerSecond: result.bytesPerSecond, limitBytesPerSecond: result.limit.bytesPerSecond, limit: linkOf(result.limit) });
    l.paired = ({ address, paired }) => {
      if (paired) {
        this.event(address, { kind: 'paired', name: this.nameOf(address) });
        this.publishState(address);
      } else {
        this.event(address, { kind: 'unpaired' });
        this.flushBatch(address);
        this.forget(address);
      }
    };
    l.warning = (text) => this.event(null, { kind: 'warning', text });
    for (const [k, f] of Object.entries(l)) this.o.hub.on(k as keyof HubEvents, f as never);
    this.o.client.on('connect', this.onConnect);
    if (this.o.client.connected) this.onConnect();
    this.scheduleStats();
  }

  /**
   * Flushes the batches, queues `offline` (retained) and resolves once the queue has gone to the
   * client or `waitMs` passed. The caller then ends the client; the will is not sent on a clean
   * DISCONNECT (§3.1.2.5), hence the explicit offline.
   */
  async stop(waitMs = 2_000): Promise<void> {
    if (this.stopped) return;
    for (const address of this.batches.keys()) this.flushBatch(address);
    this.enqueue({ topic: this.o.topics.status, payload: STATUS_OFFLINE, qos: 1, retain: true });
    this.stopped = true;
    for (const [k, f] of Object.entries(this.hubListeners)) this.o.hub.off(k as keyof HubEvents, f as never);
    this.o.client.off('connect', this.onConnect);
    this.statsTimer?.cancel();
    for (const b of this.batches.values()) b.timer?.cancel();
    const deadline = Date.now() + waitMs;
    while ((this.queue.length || this.inFlight) && this.o.client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Takes a device this hub does not pair off the broker: its retained state and stats (an empty
   * retained message removes the retained one, MQTT 5.0 §3.3.1.3) and its discovery configs.
   */
  forget(address: string): void {
    this.batches.get(address)?.timer?.cancel();
    this.batches.delete(address);
    this.names.delete(address);
    for (const kind of ['state', 'stats'] as const) this.enqueue({ topic: this.o.topics.device(address, kind), payload: '', qos: 1, retain: true });
    if (this.o.discovery) for (const m of this.o.discovery.remove(address)) this.enqueue({ ...m, qos: 1, retain: true });
    this.discovered.delete(address);
  }

  stats(): PublisherStats {
    return { queued: this.queue.length, inFlight: this.inFlight, published: this.published, dropped: this.dropped, failed: this.failed };
  }

  private readonly onConnect = (): void => {
    // Queued, not sent, until `online` is in front of everything queued while the broker was away.
    this.pumping = true;
    try {
      // Retained configs survive on the broker, but a broker that lost them (no persistence) gets them again.
      this.discovered.clear();
      if (this.o.discovery) this.enqueue({ ...this.o.discovery.hub(), qos: 1, retain: true });
      for (const d of this.o.hub.status()) if (d.paired) this.publishState(d.address, d);
    } finally {
      this.pumping = false;
    }
    this.queue.unshift({ topic: this.o.topics.status, payload: STATUS_ONLINE, qos: 1, retain: true });
    this.pump();
  };

  private nameOf(address: string): string | null {
    if (!this.names.has(address)) this.names.set(address, this.o.hub.status().find((d) => d.address === address)?.name ?? null);
    return this.names.get(address)!;
  }

  private publishState(address: string, known?: DeviceStatus): void {
    const d = known ?? this.o.hub.status().find((s) => s.address === address);
    if (!d || !d.paired) return;
    this.names.set(address, d.name);
    if (this.o.discovery && (!this.discovered.has(address) || this.discovered.get(address) !== d.name)) {
      this.discovered.set(address, d.name);
      for (const m of this.o.discovery.device({ address, name: d.name })) this.enqueue({ ...m, qos: 1, retain: true });
    }
    const s: StatePayload = {
      hub: this.o.topics.hub,
      address: d.address,
      name: d.name,
      state: d.state,
      reason: d.reason,
      fault: d.fault,
      adapter: d.adapter,
      profile: d.profile,
      rssi: d.rssi,
      intervalMs: d.intervalMs,
      mtu: d.mtu,
      at: this.wallClock(),
    };
    this.enqueue({ topic: this.o.topics.device(address, 'state'), payload: JSON.stringify(s), qos: 1, retain: true });
  }

  private event(address: string | null, e: DistributiveOmit<EventPayload, 'hub' | 'address' | 'at'>, at = this.wallClock()): void {
    const payload = { ...e, hub: this.o.topics.hub, address, at };
    const topic = address ? this.o.topics.device(address, 'events') : this.o.topics.events;
    this.enqueue({ topic, payload: JSON.stringify(payload), qos: 1, retain: false });
  }

  private batch(address: string): Batch {
    let b = this.batches.get(address);
    if (!b) {
      b = { samples: [], lost: [], dropped: 0, lastFlush: -Infinity, timer: null };
      this.batches.set(address, b);
    }
    return b;
  }

  /** At most one `samples` publish per batchGapMs per device: the first at once, the rest gathered. */
  private scheduleFlush(address: string, b: Batch): void {
    if (b.timer || this.stopped) return;
    const due = b.lastFlush + this.batchGapMs;
    const now = this.o.clock.now();
    if (due <= now) this.flushBatch(address);
    else b.timer = this.o.clock.at(due, () => this.flushBatch(address));
  }

  private flushBatch(address: string): void {
    const b = this.batches.get(address);
    if (!b) return;
    b.timer?.cancel();
    b.timer = null;
    if (!b.samples.length && !b.lost.length && !b.dropped) return;
    b.lastFlush = this.o.clock.now();
    const p: SamplesPayload = { hub: this.o.topics.hub, address, name: this.nameOf(address), samples: b.samples, lost: b.lost, dropped: b.dropped };
    b.samples = [];
    b.lost = [];
    b.dropped = 0;
    this.enqueue({ topic: this.o.topics.device(address, 'samples'), payload: JSON.stringify(p), qos: 0, retain: false });
  }

  private scheduleStats(): void {
    if (this.stopped) return;
    this.statsTimer = this.o.clock.at(this.o.clock.now() + this.statsEveryMs, () => {
      this.publishStats();
      this.scheduleStats();
    });
  }

  private publishStats(): void {
    const at = this.wallClock();
    for (const d of this.o.hub.status(at)) {
      // Only links that are up or were measured in the window: an idle device's stats stay as retained.
      if (!d.paired || (d.state !== 'linked' && d.window.count + d.window.lost === 0)) continue;
      const w = d.window;
      const s: StatsPayload = {
        hub: this.o.topics.hub,
        address: d.address,
        name: d.name,
        windowSeconds: this.windowSeconds,
        count: w.count,
        lost: w.lost,
        lossPercent: w.lossPercent,
        p50: w.p50,
        p95: w.p95,
        p99: w.p99,
        mean: w.mean,
        max: w.max,
        at,
      };
      this.enqueue({ topic: this.o.topics.device(d.address, 'stats'), payload: JSON.stringify(s), qos: 0, retain: true });
    }
  }

  private enqueue(m: Outgoing): void {
    if (this.stopped) return;
    if (m.retain) {
      const queued = this.retainedQueued.get(m.topic);
      if (queued) {
        queued.payload = m.payload;
        this.pump();
        return;
      }
      this.retainedQueued.set(m.topic, m);
    }
    if (this.queue.length >= this.maxQueue) {
      const old = this.queue.shift()!;
      if (old.retain) this.retainedQueued.delete(old.topic);
      this.dropped++;
      if (this.unreported++ === 0) {
        this.emit('warning', `MQTT: the publish queue is full (${this.maxQueue}; the broker is ${this.o.client.connected ? 'slow' : 'unreachable'}): dropping the oldest publishes until it takes them again`);
      }
    }
    this.queue.push(m);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.o.client.connected && this.inFlight < this.maxInFlight && this.queue.length) {
        const m = this.queue.shift()!;
        if (this.unreported && this.queue.length < this.maxQueue / 2) this.reportDrops();
        if (m.retain && this.retainedQueued.get(m.topic) === m) this.retainedQueued.delete(m.topic);
        this.inFlight++;
        this.o.client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (error) => {
          this.inFlight--;
          if (error) this.failed++;
          else this.published++;
          this.pump();
        });
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Once the broker takes publishes again: how many went, as a warning and an event. */
  private reportDrops(): void {
    const n = this.unreported;
    this.unreported = 0;
    this.emit('warning', `MQTT: dropped ${n} publish(es) while the broker was slow or away (${this.dropped} since start)`);
    const e = { kind: 'dropped', publishes: n, why: 'the publish queue was full', hub: this.o.topics.hub, address: null, at: this.wallClock() };
    this.queue.unshift({ topic: this.o.topics.events, payload: JSON.stringify(e), qos: 1, retain: false });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function body(m: LinkMessage): { text: string } | { hex: string } {
  return m.kind === 'text' ? { text: m.text } : { hex: Buffer.from(m.bytes).toString('hex') };
}

/** What a throughput event says of the link its limit is for (the hub's ThroughputLimit without its own bookkeeping). */
function linkOf(l: ThroughputLimit): ThroughputEventLimit {
  return { phy: l.phy, intervalMs: l.intervalMs, attMtu: l.attMtu, maxTxOctets: l.maxTxOctets, assumed: [...l.assumed] };
}
