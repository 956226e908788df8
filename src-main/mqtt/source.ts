// A dashboard's view of the hubs on one broker: it subscribes to their topic tree (topics.ts),
// checks every payload with schemas.ts, keeps each remote device with its hub's name and its own
// RTT statistics (fed from the samples, as a local link's are), and sends commands with the MQTT 5
// request/response properties (Response Topic 3.3.2.3.5, Correlation Data 3.3.2.3.6), awaiting the
// hub's reply with a timeout. Bad payloads are counted and dropped; nothing here throws into
// MQTT.js's event loop. MQTT.js reconnects by itself, with the hubs' backoff (connection.ts).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect as mqttConnect, type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { realClock, type Clock, type Timer } from '../hci/clock.ts';
import { RttStats, type RttSnapshot } from '../hub/latency/rtt-stats.ts';
import { eventSchema, replySchema, rxSchema, samplesSchema, stateSchema, statsSchema, statusSchema, type ErrorCode, type StatePayload, type ThroughputEventLimit } from './schemas.ts';
import { checkPrefix, deviceLevel, levelProblem, parseTopic, statusFilter } from './topics.ts';
import { backOffReconnects } from './connection.ts';
import { hubOnline, initialSourceState, remoteKey, transition, type SourceEffect, type SourceInput, type SourceState } from './source-state.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- MQTT.js's listeners each take their own arguments
type Listener = (...args: any[]) => void;

/** MQTT.js's client as far as the source uses it: tests hand in a fake. */
export interface SourceClient {
  on(event: string, listener: Listener): unknown;
  options: { reconnectPeriod?: number };
  connected: boolean;
  subscribe(topics: Record<string, { qos: 0 | 1 | 2 }>, callback?: (err: Error | null) => void): unknown;
  publish(topic: string, message: string, opts: IClientPublishOptions, callback?: (err?: Error) => void): unknown;
  end(force?: boolean, opts?: object, callback?: () => void): unknown;
}

export interface BrokerConfig {
  url: string;
  prefix: string;
  user?: string;
  password?: string;
  /** PEM text of a CA to trust (self-signed brokers). */
  ca?: string;
}

export interface SourceOptions extends BrokerConfig {
  /** Seconds between our PINGREQs: a dead broker connection is noticed within 1.5 x this. */
  keepaliveSeconds?: number;
  /** How long a command waits for its reply. */
  commandTimeoutMs?: number;
  /** First and largest reconnect delay, ms. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  clock?: Clock;
  /** Epoch ms, for timestamps the log and the renderer read. */
  wallNow?: () => number;
  /** MQTT.js's connect; tests replace it. */
  connect?: (url: string, options: IClientOptions) => SourceClient;
}

/** Device commands go to PREFIX/HUB/DEVICE/kind; `unpair` to PREFIX/HUB/unpair with the device as its target. */
export type CommandKind = 'tx' | 'connect' | 'disconnect' | 'unpair';

/** A command that got no good answer: `code` says why (the hub's error codes, or ours). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: ErrorCode | 'timeout' | 'offline' | 'stopped',
    message: string,
  ) {
    super(message);
  }
}

export interface RemoteDeviceStatus {
  key: string;
  hub: string;
  online: boolean;
  state: StatePayload;
  window: RttSnapshot;
  total: RttSnapshot;
  lastSeen: number | null;
  messagesIn: number;
  messagesOut: number;
  lastThroughput: { octets: number; hubMs: number; bytesPerSecond: number; limitBytesPerSecond: number; limit: ThroughputEventLimit | null } | null;
}

export interface RemoteSample {
  key: string;
  name: string | null;
  seq: number;
  /** Epoch ms the ping was sent. */
  at: number;
  /** null: lost. */
  rttMs: number | null;
}

export interface RemoteMessage {
  key: string;
  name: string | null;
  at: number;
  direction: 'in' | 'out';
  body: { kind: 'text'; text: string } | { kind: 'data'; hex: string };
}

export interface SourceEvents {
  effect: [SourceEffect];
  sample: [RemoteSample];
  message: [RemoteMessage];
  /** Something the user should read: a hub's warning, the broker refusing us. */
  warning: [string];
}

/** Seconds of RTT window, as the local hub's default (hub.ts). */
const WINDOW_SECONDS = 10;
const DEFAULT_KEEPALIVE_S = 10;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** Commands waiting for their reply at once: more are refused rather than queued without bound. */
const MAX_PENDING_COMMANDS = 256;
/**
 * How long the broker keeps this source's session while it is away (MQTT 5.0 §3.1.2.11.2): with
 * Clean Start off it queues the QoS 1 topics (rx, events, state) for us, so what a hub flushes
 * from its outbox after a broker restart, before we are subscribed again, still reaches us.
 */
const SESSION_EXPIRY_S = 300;
/** QoS 1 messages remembered to drop the broker's DUP redelivery of one we already had. */
const RECENT_QOS1 = 256;
/** How long stop() waits for its DISCONNECT to go out before closing the socket. */
const STOP_WAIT_MS = 2_000;

interface DeviceExtras {
  stats: RttStats;
  lastSeen: number | null;
  messagesIn: number;
  messagesOut: number;
  lastThroughput: RemoteDeviceStatus['lastThroughput'];
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (e: CommandError) => void;
  timer: Timer;
}

export class MqttSource extends EventEmitter<SourceEvents> {
  readonly prefix: string;
  readonly clientId = `picolink-dash-${randomBytes(6).toString('hex')}`;
  private state: SourceState = initialSourceState;
  private readonly extras = new Map<string, DeviceExtras>();
  private readonly pending = new Map<string, Pending>();
  private client: SourceClient | null = null;
  private nextId = 1;
  private stopped = false;
  private readonly recentQos1: string[] = [];
  /** Payloads that failed their schema or their topic, since start. */
  bad = 0;
  /** The last reason the broker connection failed; null while connected. */
  lastError: string | null = null;
  private readonly clock: Clock;
  private readonly wallNow: () => number;

  constructor(private readonly options: SourceOptions) {
    super();
    this.prefix = checkPrefix(options.prefix);
    this.clock = options.clock ?? realClock;
    this.wallNow = options.wallNow ?? Date.now;
  }

  get url(): string {
    return this.options.url;
  }

  get connection(): SourceState['connection'] {
    return this.state.connection;
  }

  /** The hubs heard of, with whether each can be reached now. */
  hubs(): { name: string; online: boolean }[] {
    return [...this.state.hubs.values()].map((h) => ({ name: h.name, online: hubOnline(this.state, h.name) }));
  }

  start(): void {
    const o = this.options;
    const reconnectBase = o.reconnectBaseMs ?? 500;
    const client = (o.connect ?? (mqttConnect as unknown as NonNullable<SourceOptions['connect']>))(o.url, {
      protocolVersion: 5,
      clientId: this.clientId,
      clean: false,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      keepalive: o.keepaliveSeconds ?? DEFAULT_KEEPALIVE_S,
      reconnectPeriod: reconnectBase,
      connectTimeout: 10_000,
      ...(o.user !== undefined ? { username: o.user } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.ca !== undefined ? { ca: o.ca } : {}),
      // A refused CONNACK (bad password) is retried too, with the backoff: the user may fix the broker.
      reconnectOnConnackError: true,
    });
    this.client = client;
    this.apply({ kind: 'connecting' });
    // The hubs' own backoff: MQTT.js's fixed period, doubled with jitter after each failed attempt.
    backOffReconnects(client as unknown as MqttClient, reconnectBase, o.reconnectMaxMs ?? 10_000);
    client.on('connect', () => {
      this.lastError = null;
      this.apply({ kind: 'connected', at: this.wallNow() });
      client.subscribe(this.filters(), (err) => {
        if (err) this.warn(`Could not subscribe to ${o.url}: ${err.message}`);
      });
    });
    client.on('close', () => {
      if (!this.stopped) this.apply({ kind: 'disconnected', at: this.wallNow(), why: this.lastError ?? `the connection to ${o.url} closed` });
    });
    client.on('error', (e: Error) => {
      this.lastError = `${o.url}: ${e.message}`;
    });
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (this.redelivered(topic, payload, packet)) return;
      try {
        this.onMessage(topic, payload, packet);
      } catch {
        this.refuse(topic);
      }
    });
  }

  /** Fails the commands still waiting and disconnects, asking the broker to drop our session. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [id, p] of this.pending) {
      p.timer.cancel();
      p.reject(new CommandError('stopped', 'The broker source was stopped.'));
      this.pending.delete(id);
    }
    const c = this.client;
    this.client = null;
    if (!c) return;
    if (!c.connected) return void (await new Promise<void>((resolve) => c.end(true, {}, resolve)));
    // Session Expiry Interval 0 on DISCONNECT ends the session now (MQTT 5.0 section 3.14.2.2.2):
    // the broker need not queue rx for a dashboard that is gone.
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.end(true, {}, resolve), STOP_WAIT_MS);
      c.end(false, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } }, () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  devices(nowWall: number = this.wallNow()): RemoteDeviceStatus[] {
    const out: RemoteDeviceStatus[] = [];
    for (const d of this.state.devices.values()) {
      const x = this.extrasOf(d.key);
      out.push({
        key: d.key,
        hub: d.hub,
        online: hubOnline(this.state, d.hub),
        state: d.state,
        window: x.stats.snapshot(WINDOW_SECONDS, nowWall),
        total: x.stats.snapshot(undefined, nowWall),
        lastSeen: x.lastSeen,
        messagesIn: x.messagesIn,
        messagesOut: x.messagesOut,
        lastThroughput: x.lastThroughput,
      });
    }
    return out;
  }

  has(key: string): boolean {
    return this.state.devices.has(key);
  }

  /**
   * Sends a command to the hub that publishes `key`'s device and resolves with the reply's
   * result. Rejects with CommandError: `offline` at once when the hub cannot be reached,
   * `timeout` when no reply came in time, or the hub's own error code.
   */
  command(key: string, kind: CommandKind, body: Record<string, unknown> = {}, timeoutMs = this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const d = this.state.devices.get(key);
    const client = this.client;
    if (!d) return Promise.reject(new CommandError('unknown-device', `No hub on ${this.options.url} publishes ${key}.`));
    if (!client || !hubOnline(this.state, d.hub)) {
      return Promise.reject(new CommandError('offline', `Hub ${d.hub} is offline${this.state.connection !== 'connected' ? ` (no connection to ${this.options.url})` : ''}: ${kind} was not sent.`));
    }
    if (this.pending.size >= MAX_PENDING_COMMANDS) return Promise.reject(new CommandError('failed', `${MAX_PENDING_COMMANDS} commands are already waiting for replies on ${this.options.url}.`));
    const id = String(this.nextId++);
    const base = `${this.prefix}/${d.hub}`;
    return new Promise((resolve, reject) => {
      const timer = this.clock.at(this.clock.now() + timeoutMs, () => {
        this.pending.delete(id);
        reject(new CommandError('timeout', `Hub ${d.hub} did not answer ${kind} within ${timeoutMs / 1000} s.`));
      });
      this.pending.set(id, { resolve, reject, timer });
      client.publish(
        kind === 'unpair' ? `${base}/unpair` : `${base}/${deviceLevel(d.state.address)}/${kind}`,
        JSON.stringify(kind === 'unpair' ? { target: d.state.address } : body),
        { qos: 1, properties: { responseTopic: `${base}/reply/${this.clientId}`, correlationData: Buffer.from(id) } },
        (err) => {
          if (!err || !this.pending.has(id)) return;
          timer.cancel();
          this.pending.delete(id);
          reject(new CommandError('offline', `${kind} to hub ${d.hub} could not be published: ${err.message}`));
        },
      );
    });
  }

  private filters(): Record<string, { qos: 0 | 1 }> {
    const p = this.prefix;
    return {
      [statusFilter(p)]: { qos: 1 },
      [`${p}/+/events`]: { qos: 1 },
      [`${p}/+/+/state`]: { qos: 1 },
      [`${p}/+/+/samples`]: { qos: 0 },
      [`${p}/+/+/stats`]: { qos: 0 },
      [`${p}/+/+/rx`]: { qos: 1 },
      [`${p}/+/+/events`]: { qos: 1 },
      [`${p}/+/reply/${this.clientId}`]: { qos: 1 },
    };
  }

  private apply(input: SourceInput): void {
    const { state, effects } = transition(this.state, input);
    this.state = state;
    for (const e of effects) {
      if (e.kind === 'device-removed') this.extras.delete(e.key);
      this.emit('effect', e);
    }
  }

  private warn(text: string): void {
    this.emit('warning', text);
  }

  private extrasOf(key: string): DeviceExtras {
    let x = this.extras.get(key);
    if (!x) this.extras.set(key, (x = { stats: new RttStats(), lastSeen: null, messagesIn: 0, messagesOut: 0, lastThroughput: null }));
    return x;
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const t = parseTopic(this.prefix, topic);
    // The hub level is also part of the dashboard's device key: one the key cannot hold is refused.
    if (!t || levelProblem(t.hub, 'hub') !== null || t.hub.length > 64) return this.refuse(topic);
    if (t.kind === 'status') {
      // An empty retained status is a hub removed from the broker: as good as offline.
      const s = payload.length === 0 ? { success: true as const, data: 'offline' as const } : statusSchema.safeParse(payload.toString('utf8'));
      if (!s.success) return this.refuse(topic);
      return this.apply({ kind: 'status', hub: t.hub, status: s.data, at: this.wallNow() });
    }
    if (t.kind === 'reply') return this.onReply(topic, packet, payload);
    if (t.kind === 'events' && !('device' in t)) {
      const e = parse(eventSchema, payload);
      if (!e || e.hub !== t.hub) return this.refuse(topic);
      if (e.kind === 'warning') this.warn(`Hub ${t.hub}: ${e.text}`);
      else if (e.kind === 'dropped') this.warn(`Hub ${t.hub} dropped ${e.publishes} publish(es): ${e.why}`);
      return;
    }
    if (!('device' in t)) return this.refuse(topic);
    const key = remoteKey(t.hub, t.device);
    switch (t.kind) {
      case 'state': {
        if (payload.length === 0) return this.apply({ kind: 'removed', hub: t.hub, address: t.device });
        const s = parse(stateSchema, payload);
        if (!s || s.address !== t.device || s.hub !== t.hub) return this.refuse(topic);
        this.apply({ kind: 'state', hub: t.hub, state: s });
        // A link is up when its hub says so: the device was heard then, before any sample.
        if (s.state === 'linked') {
          const x = this.extrasOf(key);
          x.lastSeen = Math.max(x.lastSeen ?? 0, s.at);
        }
        return;
      }
      case 'samples': {
        const s = parse(samplesSchema, payload);
        if (!s || s.address !== t.device || !this.state.devices.has(key)) return this.refuse(topic);
        const x = this.extrasOf(key);
        for (const r of s.samples) {
          x.stats.record(r.rttMs, r.at);
          this.emit('sample', { key, name: s.name, seq: r.seq, at: r.at, rttMs: r.rttMs });
        }
        for (const r of s.lost) {
          x.stats.recordLost(r.at);
          this.emit('sample', { key, name: s.name, seq: r.seq, at: r.at, rttMs: null });
        }
        x.lastSeen = this.wallNow();
        return;
      }
      case 'stats':
        // The window is computed here from the samples, as for a local link; stats only prove the
        // payload. Empty: the hub cleared the retained stats of a device it unpaired.
        if (payload.length > 0 && !parse(statsSchema, payload)) this.refuse(topic);
        return;
      case 'rx': {
        const r = parse(rxSchema, payload);
        const body = r && bodyOf(r);
        if (!r || !body || r.address !== t.device) return this.refuse(topic);
        const x = this.extrasOf(key);
        x.messagesIn++;
        x.lastSeen = this.wallNow();
        return void this.emit('message', { key, name: r.name, at: r.at, direction: 'in', body });
      }
      case 'events': {
        const e = parse(eventSchema, payload);
        if (!e || e.hub !== t.hub || e.address !== t.device) return this.refuse(topic);
        const x = this.extrasOf(key);
        if (e.kind === 'sent') {
          const body = bodyOf(e);
          if (!body) return this.refuse(topic);
          x.messagesOut++;
          this.emit('message', { key, name: this.state.devices.get(key)?.state.name ?? null, at: e.at, direction: 'out', body });
        } else if (e.kind === 'throughput') {
          x.lastThroughput = { octets: e.octets, hubMs: e.hubMs, bytesPerSecond: e.bytesPerSecond, limitBytesPerSecond: e.limitBytesPerSecond, limit: e.limit ?? null };
        } else if (e.kind === 'warning') {
          this.warn(`Hub ${t.hub}, ${t.device}: ${e.text}`);
        }
        return;
      }
      default:
        // Command topics (tx, connect...) are not subscribed; one arriving anyway is not ours to read.
        return this.refuse(topic);
    }
  }

  /**
   * A payload that fails its schema or its topic is dropped and counted; the user hears of the
   * 1st, 10th, 100th... so a hub of another version is noticed without a warning per message.
   */
  private refuse(topic: string): void {
    this.bad++;
    if (/^10*$/.test(String(this.bad))) {
      this.warn(`${this.bad} payload(s) from ${this.options.url} did not match the PicoLink topic tree or its schemas (docs/MQTT.md) and were ignored; the last on ${topic}.`);
    }
  }

  /**
   * QoS 1 is at least once (MQTT 5.0 §4.3.2): a message received just before the broker stopped
   * can come again after it returns, flagged DUP (§4.4). Once in the console and the log is enough.
   */
  private redelivered(topic: string, payload: Buffer, packet: IPublishPacket): boolean {
    if (packet.qos === 0) return false;
    const key = `${topic}\n${payload.toString('latin1')}`;
    if (packet.dup && this.recentQos1.includes(key)) return true;
    this.recentQos1.push(key);
    if (this.recentQos1.length > RECENT_QOS1) this.recentQos1.shift();
    return false;
  }

  private onReply(topic: string, packet: IPublishPacket, payload: Buffer): void {
    const cd = packet.properties?.correlationData;
    const reply = parse(replySchema, payload);
    const id = cd ? Buffer.from(cd).toString('utf8') : reply?.id;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!reply || !p || id === undefined) return this.refuse(topic);
    this.pending.delete(id);
    p.timer.cancel();
    if (reply.ok) p.resolve(reply.result ?? {});
    else p.reject(new CommandError(reply.error.code, `Hub ${reply.hub}: ${reply.error.hint}`));
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, payload: Buffer): T | null {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  const r = schema.safeParse(json);
  return r.success ? r.data : null;
}

function bodyOf(p: { text?: string | undefined; hex?: string | undefined }): RemoteMessage['body'] | null {
  if (p.text !== undefined && p.hex === undefined) return { kind: 'text', text: p.text };
  if (p.hex !== undefined && p.text === undefined && /^([0-9a-f]{2})+$/.test(p.hex)) return { kind: 'data', hex: p.hex };
  return null;
}
