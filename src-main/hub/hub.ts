// The hub: adapters, what they hear, the paired devices and one link loop for each, with every
// sample, message and state change counted, kept and logged. Plain Node, no Electron: the CLI, the
// desktop app and the tests all drive this class.
import { EventEmitter } from 'node:events';
import type { Clock } from '../hci/clock.ts';
import { Adapter, DEFAULT_CONNECT_PARAMS, type ConnectParams } from './adapter/adapter.ts';
import { adapterStatusLabel, type AdapterPower, type AdapterStatus } from './adapter/adapter-state.ts';
import { hciFaults, type HciFault } from './adapter/noble-hardening.ts';
import { normaliseAddress } from './discovery/address.ts';
import { DeviceList, type DiscoveredDevice, type Sighting } from './discovery/device-list.ts';
import type { Profile } from './discovery/profile.ts';
import { RttStats, type RttSnapshot } from './latency/rtt-stats.ts';
import type { PingLost, PingSample } from './latency/pinger.ts';
import { backoffDelay } from './link/backoff.ts';
import { LinkLoop, type LinkStateChange, type LinkThroughput } from './link/link-loop.ts';
import { DEFAULT_TIMEOUTS, type LinkStateKind, type LinkTimeouts } from './link/link-machine.ts';
import type { LinkMessage } from './protocol/protocol-session.ts';
import type { LogStore } from './store/database.ts';
import type { PairedDevices } from './store/paired-devices.ts';

/** What the hub writes to its log: LogStore's writers (tests may pass null). */
export type HubLog = Pick<LogStore, 'addSample' | 'addMessage' | 'addEvent' | 'addThroughput'>;

export interface HubOptions {
  adapters: Adapter[];
  paired: PairedDevices;
  log?: HubLog | null;
  pingHz?: number;
  pingTimeoutMs?: number;
  connectParams?: ConnectParams;
  timeouts?: LinkTimeouts;
  /** Received and sent messages kept per device. */
  historyLimit?: number;
  /** A device heard this recently counts as advertising now. */
  seenWindowMs?: number;
  /** The live statistics' sliding window. */
  windowSeconds?: number;
  backoff?: (attempt: number) => number;
  deviceList?: DeviceList;
  /** The link loops' timers (default: real time). */
  clock?: Clock;
  /** Epoch ms: state changes' stamps and what counts as heard recently (default Date.now). */
  wallClock?: () => number;
}

export interface HistoryEntry {
  at: number;
  direction: 'in' | 'out';
  message: LinkMessage;
}

export interface DeviceStatus {
  address: string;
  name: string | null;
  paired: boolean;
  state: LinkStateKind | 'unpaired';
  reason: string;
  /** Set while the link's GATT setup keeps failing the same way (until it links), or while the linked peer floods: what the user should see. */
  fault: string | null;
  adapter: string | null;
  profile: Profile | null;
  rssi: number | null;
  lastSeen: number | null;
  mtu: number | null;
  /** Connection interval the device reports (INFO), or the one the hub asked for. */
  intervalMs: number;
  /** Over the live window. */
  window: RttSnapshot;
  /** Since the hub started. */
  total: RttSnapshot;
  /** Mean firmware share of the round trip, ms, since the start (null when not reported). */
  firmwareMs: number | null;
  messagesIn: number;
  messagesOut: number;
  bad: number;
  lastThroughput: LinkThroughput | null;
}

/** An adapter's state changed: noble's power state, and the typed condition front ends advise on. */
export type AdapterReport = { adapter: string; state: AdapterPower } & AdapterStatus;

export interface HubEvents {
  adapter: [AdapterReport];
  discovered: [DiscoveredDevice];
  state: [LinkStateChange & { name: string | null }];
  sample: [{ address: string; sample: PingSample }];
  lost: [{ address: string; lost: PingLost }];
  message: [{ address: string; entry: HistoryEntry }];
  throughput: [{ address: string; result: LinkThroughput }];
  info: [{ address: string; info: Record<string, unknown> }];
  paired: [{ address: string; paired: boolean }];
  warning: [string];
}

export class HubError extends Error {
  override readonly name = 'HubError';
}

interface Entry {
  loop: LinkLoop;
  stats: RttStats;
  history: HistoryEntry[];
  messagesIn: number;
  messagesOut: number;
  bad: number;
  firmwareUsSum: number;
  firmwareCount: number;
  lastThroughput: LinkThroughput | null;
  mtu: number | null;
  /** The user asked for it to stay down (disconnect) until asked to connect again. */
  held: boolean;
}

/** A pending --pair NAME: paired once a device with that name is heard. */
interface PendingName {
  name: string;
  resolve: (address: string) => void;
}

export class Hub extends EventEmitter<HubEvents> {
  readonly devices: DeviceList;
  private readonly entries = new Map<string, Entry>();
  private readonly pending: PendingName[] = [];
  private readonly log: HubLog | null;
  private readonly seenWindowMs: number;
  private readonly windowSeconds: number;
  private readonly historyLimit: number;
  private readonly connectParams: ConnectParams;
  private pingHz: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping: Promise<void> | null = null;
  private readonly onHciFault = (f: HciFault): void => {
    this.emit('warning', `dropped an HCI packet noble could not parse (${f.error.message}): ${f.packet.slice(0, 64)}`);
  };
  private readonly adapterListeners = new Map<Adapter, { state: (p: AdapterPower, s: AdapterStatus) => void; sighting: (s: Sighting) => void; room: () => void }>();
  private readonly wallClock: () => number;

  constructor(private readonly options: HubOptions) {
    super();
    if (options.adapters.length === 0) throw new HubError('the hub needs at least one adapter');
    const names = new Set(options.adapters.map((a) => a.name));
    if (names.size !== options.adapters.length) throw new HubError('adapter names must be unique');
    // Paired devices keep their entry however many others advertise around them.
    this.devices = options.deviceList ?? new DeviceList({ pinned: (address) => this.entries.has(address), ...(options.wallClock ? { now: options.wallClock } : {}) });
    this.devices.on('overflow', (max) =>
      this.emit('warning', `more than ${max} devices are advertising nearby (or one keeps changing its address): the list keeps the ${max} heard most recently`),
    );
    this.wallClock = options.wallClock ?? Date.now;
    this.log = options.log ?? null;
    this.seenWindowMs = options.seenWindowMs ?? 3_000;
    this.windowSeconds = options.windowSeconds ?? 10;
    this.historyLimit = options.historyLimit ?? 500;
    this.connectParams = options.connectParams ?? DEFAULT_CONNECT_PARAMS;
    this.pingHz = checkRate(options.pingHz ?? 10);
  }

  get adapters(): readonly Adapter[] {
    return this.options.adapters;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const a of this.options.adapters) {
      const l = {
        state: (power: AdapterPower, status: AdapterStatus) => this.adapterState(a, power, status),
        sighting: (s: Sighting) => this.sighting(s),
        room: () => this.wakeWaiting(),
      };
      this.adapterListeners.set(a, l);
      a.on('state', l.state);
      a.on('sighting', l.sighting);
      a.on('room', l.room);
      a.start();
    }
    hciFaults.on('fault', this.onHciFault);
    for (const d of this.options.paired.list()) this.ensureEntry(d.address, d.profile).loop.start();
    this.sweepTimer = setInterval(() => this.devices.sweep(), 1_000);
    this.sweepTimer.unref();
  }

  /** Stops every link (waiting for the controllers to confirm), then the adapters. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.sweepTimer);
      hciFaults.off('fault', this.onHciFault);
      for (const p of this.pending.splice(0)) p.resolve('');
      await Promise.all([...this.entries.values()].map((e) => e.loop.stop('hub stopping')));
      for (const [a, l] of this.adapterListeners) {
        a.off('state', l.state);
        a.off('sighting', l.sighting);
        a.off('room', l.room);
        a.stop();
      }
      this.adapterListeners.clear();
    })();
    return this.stopping;
  }

  /**
   * Remembers a device and links to it. An address pairs at once; a name pairs the device heard
   * with that name, now or when it first advertises (the promise resolves with its address).
   */
  async pair(nameOrAddress: string): Promise<string> {
    const address = normaliseAddress(nameOrAddress) ?? this.resolveName(nameOrAddress);
    if (address) {
      await this.remember(address);
      return address;
    }
    return new Promise<string>((resolve, reject) => {
      this.pending.push({
        name: nameOrAddress,
        resolve: (a) => (a ? this.remember(a).then(() => resolve(a), reject) : reject(new HubError(`stopped before ${nameOrAddress} was heard`))),
      });
    });
  }

  /** Forgets a device and closes its link. */
  async unpair(nameOrAddress: string): Promise<boolean> {
    const address = this.lookup(nameOrAddress);
    if (!address) return false;
    // The list first: if it cannot be saved (a full disk) the device stays paired and linked,
    // as the file says, instead of unlinked but paired again at the next start.
    const removed = await this.options.paired.remove(address);
    const e = this.entries.get(address);
    if (e) {
      await e.loop.stop('unpaired');
      e.loop.removeAllListeners();
      this.entries.delete(address);
    }
    this.emit('paired', { address, paired: false });
    return removed || e !== undefined;
  }

  /** Links a paired device again after disconnect(). */
  connect(nameOrAddress: string): void {
    const e = this.entryFor(nameOrAddress);
    e.held = false;
    e.loop.start();
  }

  /** Closes a paired device's link and keeps it down until connect(). */
  disconnect(nameOrAddress: string): Promise<void> {
    const e = this.entryFor(nameOrAddress);
    e.held = true;
    return e.loop.stop('disconnected by the user');
  }

  /** Sends to one device, or to every linked one with 'all'; resolves with the addresses sent to. */
  async send(target: string, message: LinkMessage): Promise<string[]> {
    const targets = target === 'all' ? [...this.entries.values()].filter((e) => e.loop.linked) : [this.entryFor(target)];
    if (target !== 'all' && !targets[0]!.loop.linked) throw new HubError(`${target} is not linked (${targets[0]!.loop.state.kind}: ${targets[0]!.loop.reason})`);
    const sent: string[] = [];
    const results = await Promise.allSettled(
      targets.map(async (e) => {
        await e.loop.send(message);
        this.record(e, 'out', message);
        sent.push(e.loop.address);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && sent.length === 0 && target !== 'all') throw failed.reason;
    return sent;
  }

  /** Asks a linked PicoLink device to stream `octets`; the result arrives as a 'throughput' event. */
  throughput(nameOrAddress: string, octets: number): void {
    if (!Number.isInteger(octets) || octets < 1 || octets > 0xffffffff) throw new HubError('the throughput test takes 1 to 4294967295 octets');
    const e = this.entryFor(nameOrAddress);
    if (!e.loop.linked) throw new HubError(`${nameOrAddress} is not linked`);
    if (!e.loop.throughput(octets)) throw new HubError(`${nameOrAddress} speaks the ${e.loop.profile} profile, which has no throughput test`);
  }

  setPingRate(hz: number): void {
    this.pingHz = checkRate(hz);
    for (const e of this.entries.values()) e.loop.setPingRate(this.pingHz);
  }

  get pingRate(): number {
    return this.pingHz;
  }

  history(nameOrAddress: string): readonly HistoryEntry[] {
    return this.entryFor(nameOrAddress).history;
  }

  /** Every paired device, then every other device heard. */
  status(now = this.wallClock()): DeviceStatus[] {
    const out: DeviceStatus[] = [];
    const paired = new Map(this.options.paired.list().map((d) => [d.address, d]));
    for (const [address, e] of this.entries) {
      const d = this.devices.get(address);
      const info = e.loop.info;
      const intervalUs = typeof info?.interval_us === 'number' ? info.interval_us : null;
      out.push({
        address,
        name: d?.name ?? paired.get(address)?.name ?? null,
        paired: paired.has(address),
        state: e.loop.state.kind,
        reason: e.loop.reason,
        fault: e.loop.fault,
        adapter: e.loop.adapter?.name ?? null,
        profile: e.loop.profile ?? d?.profile ?? null,
        rssi: d?.rssi ?? null,
        lastSeen: d?.lastSeen ?? null,
        mtu: e.mtu,
        intervalMs: intervalUs !== null ? intervalUs / 1000 : this.connectParams.maxInterval * 1.25,
        window: e.stats.snapshot(this.windowSeconds, now),
        total: e.stats.snapshot(undefined, now),
        firmwareMs: e.firmwareCount ? e.firmwareUsSum / e.firmwareCount / 1000 : null,
        messagesIn: e.messagesIn,
        messagesOut: e.messagesOut,
        bad: e.bad,
        lastThroughput: e.lastThroughput,
      });
    }
    for (const d of this.devices.list()) {
      if (this.entries.has(d.address)) continue;
      out.push({
        address: d.address,
        name: d.name,
        paired: false,
        state: 'unpaired',
        reason: d.stale ? 'not heard lately' : 'advertising',
        fault: null,
        adapter: null,
        profile: d.profile,
        rssi: d.rssi,
        lastSeen: d.lastSeen,
        mtu: null,
        intervalMs: this.connectParams.maxInterval * 1.25,
        window: EMPTY,
        total: EMPTY,
        firmwareMs: null,
        messagesIn: 0,
        messagesOut: 0,
        bad: 0,
        lastThroughput: null,
      });
    }
    return out;
  }

  private async remember(address: string): Promise<void> {
    const d = this.devices.get(address);
    await this.options.paired.add({ address, name: d?.name ?? null, profile: d?.profile ?? null });
    const e = this.ensureEntry(address, d?.profile ?? null);
    this.emit('paired', { address, paired: true });
    if (this.started && !e.held) e.loop.start();
  }

  private resolveName(name: string): string | null {
    const paired = this.options.paired.find(name);
    if (paired.length > 1) throw new HubError(`more than one paired device is named ${name}: use its address (${paired.map((d) => d.address).join(', ')})`);
    if (paired.length === 1) return paired[0]!.address;
    return this.devices.find(name)?.address ?? null;
  }

  private lookup(nameOrAddress: string): string | null {
    const a = normaliseAddress(nameOrAddress);
    if (a) return a;
    const paired = this.options.paired.find(nameOrAddress);
    if (paired.length > 1) throw new HubError(`more than one paired device is named ${nameOrAddress}: use its address`);
    // Paired by address before its name was heard: the scan knows the name.
    return paired[0]?.address ?? this.devices.find(nameOrAddress)?.address ?? null;
  }

  private entryFor(nameOrAddress: string): Entry {
    const a = this.lookup(nameOrAddress);
    const e = a ? this.entries.get(a) : undefined;
    if (!e) throw new HubError(`${nameOrAddress} is not a paired device`);
    return e;
  }

  private ensureEntry(address: string, profile: Profile | null): Entry {
    const found = this.entries.get(address);
    if (found) return found;
    const loop = new LinkLoop(address, profile, {
      pickAdapter: (a) => this.pickAdapter(a),
      seenRecently: (a) => this.seenRecently(a),
      connectParams: this.connectParams,
      pingHz: this.pingHz,
      pingTimeoutMs: this.options.pingTimeoutMs ?? 2_000,
      timeouts: this.options.timeouts ?? DEFAULT_TIMEOUTS,
      backoff: this.options.backoff ?? ((n) => backoffDelay(n)),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      wallClock: this.wallClock,
    });
    const e: Entry = {
      loop,
      stats: new RttStats(),
      history: [],
      messagesIn: 0,
      messagesOut: 0,
      bad: 0,
      firmwareUsSum: 0,
      firmwareCount: 0,
      lastThroughput: null,
      mtu: null,
      held: false,
    };
    const name = (): string | null => this.devices.get(address)?.name ?? this.options.paired.find(address)[0]?.name ?? null;
    loop.on('state', (c) => {
      this.log?.addEvent({ device: address, name: name(), t: c.at, state: c.state, reason: c.reason });
      this.emit('state', { ...c, name: name() });
      // A rate change while the link was down applies to the next one.
      if (c.state === 'linked') loop.setPingRate(this.pingHz);
    });
    loop.on('up', (u) => {
      e.mtu = u.mtu;
    });
    loop.on('mtu', (m) => {
      e.mtu = m;
    });
    loop.on('sample', (s) => {
      e.stats.record(s.rttMs, s.sentAt);
      if (s.firmwareUs !== null) {
        e.firmwareUsSum += s.firmwareUs;
        e.firmwareCount++;
      }
      this.log?.addSample({ device: address, name: name(), seq: s.seq, t: s.sentAt, rttMs: s.rttMs, firmwareUs: s.firmwareUs, lost: false });
      this.emit('sample', { address, sample: s });
    });
    loop.on('lost', (l) => {
      e.stats.recordLost(l.sentAt);
      this.log?.addSample({ device: address, name: name(), seq: l.seq, t: l.sentAt, rttMs: null, firmwareUs: null, lost: true });
      this.emit('lost', { address, lost: l });
    });
    loop.on('message', (m) => this.record(e, 'in', m));
    loop.on('bad', () => {
      e.bad++;
    });
    loop.on('info', (info) => this.emit('info', { address, info }));
    loop.on('throughput', (r) => {
      e.lastThroughput = r;
      this.log?.addThroughput({ device: address, name: name(), t: this.wallClock(), octets: r.octets, ms: r.hubMs, bytesPerSecond: r.bytesPerSecond });
      this.emit('throughput', { address, result: r });
    });
    loop.on('throughput-stalled', (why) => this.emit('warning', `${name() ?? address}: throughput test: ${why}`));
    loop.on('warning', (w) => this.emit('warning', `${name() ?? address}: ${w}`));
    this.entries.set(address, e);
    return e;
  }

  private record(e: Entry, direction: 'in' | 'out', message: LinkMessage): void {
    const entry: HistoryEntry = { at: this.wallClock(), direction, message };
    e.history.push(entry);
    if (e.history.length > this.historyLimit) e.history.splice(0, e.history.length - this.historyLimit);
    if (direction === 'in') e.messagesIn++;
    else e.messagesOut++;
    const address = e.loop.address;
    const body = message.kind === 'text' ? new TextEncoder().encode(message.text) : message.bytes;
    this.log?.addMessage({ device: address, name: this.devices.get(address)?.name ?? null, t: entry.at, direction, kind: message.kind, body });
    this.emit('message', { address, entry });
  }

  private sighting(s: Sighting): void {
    const d = this.devices.record(s);
    this.emit('discovered', d);
    if (this.pending.length && d.name) {
      for (let i = this.pending.length - 1; i >= 0; i--) {
        if (this.pending[i]!.name === d.name) this.pending.splice(i, 1)[0]!.resolve(d.address);
      }
    }
    const e = this.entries.get(d.address);
    if (!e) return;
    this.learn(d);
    if (s.connectable && !e.held) e.loop.seen();
  }

  /** Keeps a paired device's remembered name and profile up to date with what it advertises. */
  private learn(d: DiscoveredDevice): void {
    const known = this.options.paired.find(d.address)[0];
    if (!known || ((!d.name || d.name === known.name) && (!d.profile || d.profile === known.profile))) return;
    this.options.paired
      .add({ address: d.address, name: d.name ?? known.name, profile: d.profile ?? known.profile })
      .catch((e: Error) => this.emit('warning', `could not save the paired devices: ${e.message}`));
  }

  private seenRecently(address: string): boolean {
    const d = this.devices.get(address);
    return d !== undefined && this.wallClock() - d.lastSeen <= this.seenWindowMs;
  }

  /**
   * The adapter for a new link: powered on, with room, and one that has heard the device (noble
   * connects only to what its own scan has reported); the least loaded of those.
   */
  private pickAdapter(address: string): Adapter | { none: string } {
    const on = this.options.adapters.filter((a) => a.poweredOn);
    if (on.length === 0) return { none: 'no adapter is powered on' };
    const heard = this.devices.get(address)?.adapters;
    const candidates = on.filter((a) => a.canReach(address));
    if (candidates.length === 0) return { none: 'no adapter has heard it yet' };
    const roomy = candidates.filter((a) => a.hasRoom());
    if (roomy.length === 0) return { none: 'every adapter that hears it is at its connection limit' };
    // Most recently heard wins a tie in load: it is the likeliest to be in range.
    roomy.sort((a, b) => a.links.size - b.links.size || (heard?.get(b.name) ?? 0) - (heard?.get(a.name) ?? 0));
    return roomy[0]!;
  }

  private wakeWaiting(): void {
    for (const e of this.entries.values()) if (!e.held && this.seenRecently(e.loop.address)) e.loop.seen();
  }

  private adapterState(a: Adapter, power: AdapterPower, status: AdapterStatus): void {
    this.emit('adapter', { adapter: a.name, state: power, ...status });
    if (power === 'poweredOn') this.wakeWaiting();
    else for (const e of this.entries.values()) e.loop.adapterDown(a, adapterStatusLabel(a.name, status));
  }
}

const EMPTY: RttSnapshot = { count: 0, lost: 0, lossPercent: 0, p50: null, p95: null, p99: null, max: null, mean: null };

function checkRate(hz: number): number {
  if (!(hz >= 0 && hz <= 100)) throw new HubError(`ping rate ${hz} Hz is not in 0..100`);
  return hz;
}
