// The driver for one paired device's link-machine: runs its effects against an adapter and noble,
// arms its timers on the clock it is given, and carries the link's session and pinger while
// linked. Everything that reaches it (a call from the hub, a timer, a slot granted, a noble
// callback, a session event) is an input, queued so each finishes before the next starts, and
// checked when its turn comes: a timer of a state already left, a slot granted to an earlier
// request, or a callback from an earlier attempt (a late connect, a discovery that finished after
// a timeout) is recognised and ignored, so a stale noble object never drives the current link.
import { EventEmitter } from 'node:events';
import type { Peripheral } from '@stoprocent/noble';
import { realClock, type Clock, type Timer } from '../../hci/clock.ts';
import type { Adapter, ConnectParams, ConnectResult } from '../adapter/adapter.ts';
import { disconnectReason } from '../adapter/noble-errors.ts';
import type { Profile } from '../discovery/profile.ts';
import { EventQueue } from '../event-queue.ts';
import { Pinger, type PingLost, type PingSample } from '../latency/pinger.ts';
import { SessionError, type LinkMessage } from '../protocol/protocol-session.ts';
import type { ThroughputResult } from '../protocol/session.ts';
import { framesAhead, linkIntervalMs, linkShape, throughputLimit, type LinkShape, type ThroughputLimit } from '../protocol/bulk-pace.ts';
import { openGattChannel, type GattChannel } from './gatt-channel.ts';
import { faultOf, transition, type LinkEffect, type LinkEvent, type LinkState, type LinkStateKind, type LinkTimeouts } from './link-machine.ts';

/** A throughput result with the physical limit of the link it ran on. */
export interface LinkThroughput extends ThroughputResult {
  limit: ThroughputLimit;
}

export interface LinkLoopContext {
  /** The adapter to link through, or null with why none can. */
  pickAdapter(address: string): Adapter | { none: string };
  seenRecently(address: string): boolean;
  connectParams: ConnectParams;
  pingHz: number;
  pingTimeoutMs: number;
  timeouts: LinkTimeouts;
  backoff(attempt: number): number;
  /** The machine's timers (default: real time). */
  clock?: Clock;
  /** Epoch ms, only for stamping state changes (default Date.now). */
  wallClock?: () => number;
  /** GATT setup on a new connection (default openGattChannel); tests give a scripted one. */
  openChannel?: (peripheral: Peripheral, profile: Profile | null) => Promise<GattChannel>;
}

export interface LinkStateChange {
  address: string;
  state: LinkStateKind;
  previous: LinkStateKind;
  reason: string;
  /** Set while the peer floods, or while GATT setup keeps failing the same way (link-machine faultOf); the latter outlasts the retry's own states. */
  fault: string | null;
  adapter: string | null;
  at: number;
}

export interface LinkUp {
  address: string;
  profile: Profile;
  mtu: number;
  adapter: string;
}

export interface LinkLoopEvents {
  state: [LinkStateChange];
  up: [LinkUp];
  sample: [PingSample];
  lost: [PingLost];
  message: [LinkMessage];
  info: [Record<string, unknown>];
  throughput: [LinkThroughput];
  'throughput-stalled': [reason: string];
  mtu: [number];
  bad: [string];
  /** Said once per loop for each distinct text, however often the link comes up. */
  warning: [string];
}

/** What reaches the driver; each is checked for staleness when its turn comes, not when it arrives. */
type Input =
  | { kind: 'start' }
  | { kind: 'stop'; reason: string }
  | { kind: 'event'; event: LinkEvent }
  | { kind: 'adapter-down'; adapter: Adapter; reason: string }
  | { kind: 'timeout'; timer: number }
  | { kind: 'slot'; ticket: object }
  | { kind: 'connect-done'; attempt: number; adapter: Adapter; result: ConnectResult }
  | { kind: 'gatt-done'; attempt: number; peripheral: Peripheral; result: { channel: GattChannel } | { error: Error } }
  | { kind: 'link-lost'; peripheral: Peripheral; reason: unknown }
  | { kind: 'session-failed'; attempt: number; reason: string };

export class LinkLoop extends EventEmitter<LinkLoopEvents> {
  state: LinkState = { kind: 'stopped', failures: 0, setup: null };
  reason = 'not started';
  adapter: Adapter | null = null;
  channel: GattChannel | null = null;
  info: Record<string, unknown> | null = null;
  /** The limit of the link the running throughput test was asked on. */
  private runLimit: ThroughputLimit | null = null;
  /** Counts connection attempts: a callback carries the number of the attempt it answers. */
  private attempt = 0;
  /** Counts armed timers: a timeout carries the number of the timer that fired. */
  private timerId = 0;
  private timer: Timer | null = null;
  /** The current slot request's owner, a fresh object per request, so a grant or release of an earlier one cannot touch it. */
  private ticket: object | null = null;
  private peripheral: Peripheral | null = null;
  private onDisconnect: ((reason: unknown) => void) | null = null;
  private pinger: Pinger | null = null;
  private restartWhenStopped = false;
  private readonly stoppedWaiters: (() => void)[] = [];
  private readonly warned = new Set<string>();
  private readonly inputs = new EventQueue<Input>((i) => this.step(i));
  private readonly clock: Clock;
  private readonly wallClock: () => number;

  constructor(
    readonly address: string,
    public profile: Profile | null,
    private readonly ctx: LinkLoopContext,
  ) {
    super();
    this.clock = ctx.clock ?? realClock;
    this.wallClock = ctx.wallClock ?? Date.now;
  }

  start(): void {
    this.inputs.push({ kind: 'start' });
  }

  /** Resolves once the link is down and nothing is pending. */
  stop(reason: string): Promise<void> {
    return new Promise((resolve) => {
      this.stoppedWaiters.push(resolve);
      this.inputs.push({ kind: 'stop', reason });
    });
  }

  /** The device advertised, or an adapter has room again. */
  seen(): void {
    this.inputs.push({ kind: 'event', event: { type: 'seen' } });
  }

  adapterDown(adapter: Adapter, reason: string): void {
    this.inputs.push({ kind: 'adapter-down', adapter, reason });
  }

  get linked(): boolean {
    return this.state.kind === 'linked';
  }

  get fault(): string | null {
    return faultOf(this.state);
  }

  setPingRate(hz: number): void {
    this.pinger?.setRate(hz);
  }

  send(message: LinkMessage): Promise<void> {
    if (!this.channel || this.state.kind !== 'linked') return Promise.reject(new Error(`${this.address} is not linked (${this.state.kind})`));
    return this.channel.session.send(message);
  }

  throughput(octets: number): boolean {
    const s = this.channel?.picolink;
    const shape = this.shape();
    if (!s || !shape || this.state.kind !== 'linked') return false;
    // Firmware that says so in INFO keeps its bulk to about what the link carries in one event (bulk-pace.ts).
    const ahead = this.info?.ahead === true ? framesAhead(shape, 'notify') : null;
    s.requestThroughput(octets, ahead ?? undefined);
    this.runLimit = throughputLimit(shape, ahead);
    return true;
  }

  /**
   * What the hub knows of the link now, for bulk one way (notify: device to hub): its interval and
   * MTU, and that direction's data length and PHY as the controller reported them (noble-link-layer.ts);
   * what it could not report is assumed (1M, 27 octets) and listed as such.
   */
  shape(op: 'notify' | 'write-without-response' = 'notify'): LinkShape | null {
    const ch = this.channel;
    if (!ch) return null;
    const l = ch.linkLayer();
    const way = l && (op === 'notify' ? l.rx : l.tx);
    return linkShape(linkIntervalMs(this.info, this.ctx.connectParams.maxInterval), ch.mtu, way?.phy ?? undefined, way?.octets);
  }

  private pace(): void {
    const shape = this.shape('write-without-response');
    if (shape) this.channel?.picolink?.setFramesAhead(framesAhead(shape, 'write-without-response'));
  }

  private step(i: Input): void {
    switch (i.kind) {
      case 'start':
        // A link being torn down starts again once the controller confirms it is down.
        if (this.state.kind === 'disconnecting') this.restartWhenStopped = true;
        else {
          this.apply({ type: 'start' });
          if (this.ctx.seenRecently(this.address)) this.apply({ type: 'seen' });
        }
        break;
      case 'stop':
        this.restartWhenStopped = false;
        this.apply({ type: 'stop', reason: i.reason });
        break;
      case 'event':
        this.apply(i.event);
        break;
      case 'adapter-down':
        if (i.adapter === this.adapter) this.apply({ type: 'adapter-down', reason: i.reason });
        break;
      case 'timeout':
        if (i.timer === this.timerId) this.apply({ type: 'timeout', seenRecently: this.ctx.seenRecently(this.address) });
        break;
      case 'slot':
        if (i.ticket === this.ticket) this.apply({ type: 'slot' });
        break;
      case 'connect-done':
        this.connected(i.attempt, i.adapter, i.result);
        break;
      case 'gatt-done':
        this.discovered(i.attempt, i.peripheral, i.result);
        break;
      case 'link-lost':
        if (i.peripheral !== this.peripheral) break;
        this.detach();
        this.apply({ type: 'disconnected', reason: `disconnected: ${disconnectReason(i.reason).message}` });
        break;
      case 'session-failed':
        if (i.attempt === this.attempt) this.apply({ type: 'failed', reason: i.reason });
        break;
    }
    if (this.state.kind === 'stopped') {
      for (const w of this.stoppedWaiters.splice(0)) w();
      if (this.restartWhenStopped) {
        this.restartWhenStopped = false;
        this.inputs.push({ kind: 'start' });
      }
    }
  }

  private apply(e: LinkEvent): void {
    const t = transition(this.state, e, { timeouts: this.ctx.timeouts, backoff: this.ctx.backoff });
    if (!t) return;
    const previous = this.state.kind;
    this.state = t.state;
    this.reason = t.reason;
    this.timer?.cancel();
    this.timer = null;
    const timer = ++this.timerId;
    if (t.timeoutMs !== undefined) this.timer = this.clock.at(this.clock.now() + t.timeoutMs, () => this.inputs.push({ kind: 'timeout', timer }));
    this.emit('state', { address: this.address, state: t.state.kind, previous, reason: t.reason, fault: faultOf(t.state), adapter: this.adapter?.name ?? null, at: this.wallClock() });
    for (const effect of t.effects) this.run(effect);
    if (this.state.kind === 'stopped') this.detach();
  }

  private run(effect: LinkEffect): void {
    switch (effect) {
      case 'request-slot': {
        const a = this.ctx.pickAdapter(this.address);
        if ('none' in a) {
          this.inputs.push({ kind: 'event', event: { type: 'adapter-down', reason: a.none } });
          return;
        }
        this.adapter = a;
        const ticket = {};
        this.ticket = ticket;
        a.requestSlot(ticket, () => this.inputs.push({ kind: 'slot', ticket }));
        return;
      }
      case 'release-slot':
        if (this.ticket) this.adapter?.releaseSlot(this.ticket);
        this.ticket = null;
        return;
      case 'connect': {
        const attempt = ++this.attempt;
        const adapter = this.adapter!;
        adapter.connect(this.address, this.ctx.connectParams, (result) => this.inputs.push({ kind: 'connect-done', attempt, adapter, result }));
        return;
      }
      case 'cancel-connect':
        this.attempt++;
        this.adapter?.cancelConnect(this.address);
        return;
      case 'discover':
        this.discover();
        return;
      case 'disconnect': {
        const p = this.peripheral;
        try {
          if (p) return void p.disconnect();
        } catch {
          // noble has no link to close: it is already down.
        }
        this.inputs.push({ kind: 'event', event: { type: 'disconnected', reason: 'already disconnected' } });
        return;
      }
      case 'stop-session':
        this.stopSession();
        return;
    }
  }

  private connected(attempt: number, adapter: Adapter, result: ConnectResult): void {
    if (attempt !== this.attempt || this.state.kind !== 'connecting') return;
    if (result.error) {
      this.apply({ type: 'failed', reason: `connect failed: ${result.error.message}` });
      return;
    }
    const peripheral = result.peripheral;
    this.peripheral = peripheral;
    adapter.addLink(this.address);
    this.onDisconnect = (reason: unknown) => this.inputs.push({ kind: 'link-lost', peripheral, reason });
    peripheral.once('disconnect', this.onDisconnect);
    this.apply({ type: 'connected' });
  }

  private discover(): void {
    const attempt = this.attempt;
    const p = this.peripheral;
    if (!p) {
      this.inputs.push({ kind: 'event', event: { type: 'failed', reason: 'no connection to discover' } });
      return;
    }
    (this.ctx.openChannel ?? openGattChannel)(p, this.profile).then(
      (channel) => this.inputs.push({ kind: 'gatt-done', attempt, peripheral: p, result: { channel } }),
      (error: Error) => this.inputs.push({ kind: 'gatt-done', attempt, peripheral: p, result: { error } }),
    );
  }

  private discovered(attempt: number, p: Peripheral, result: { channel: GattChannel } | { error: Error }): void {
    const current = attempt === this.attempt && this.state.kind === 'discovering' && this.peripheral === p;
    if ('error' in result) {
      if (current) this.apply({ type: 'failed', reason: result.error.message });
      return;
    }
    const channel = result.channel;
    if (!current) {
      channel.close();
      return;
    }
    this.channel = channel;
    this.profile = channel.profile;
    if (channel.notice && !this.warned.has(channel.notice)) {
      this.warned.add(channel.notice);
      this.emit('warning', channel.notice);
    }
    this.wireSession(channel, attempt);
    this.pace();
    // Before 'linked': whoever reads the link's status on that state change sees its MTU.
    this.emit('up', { address: this.address, profile: channel.profile, mtu: channel.mtu, adapter: this.adapter?.name ?? '' });
    this.apply({ type: 'ready' });
  }

  private wireSession(channel: GattChannel, attempt: number): void {
    const s = channel.session;
    s.on('message', (m) => this.emit('message', m));
    s.on('bad', (why) => this.emit('bad', why));
    // A peer that broke the protocol is dropped, and the reason says so rather than blaming the link.
    s.on('error', (e) =>
      this.inputs.push({ kind: 'session-failed', attempt, reason: e instanceof SessionError && e.code === 'protocol' ? `dropped: ${e.message}` : `link error: ${e.message}` }),
    );
    const pl = channel.picolink;
    let pinger: Pinger;
    if (pl) {
      pinger = new Pinger({ hz: this.ctx.pingHz, timeoutMs: this.ctx.pingTimeoutMs, send: (_seq, body) => pl.ping(body) });
      pl.on('pong', (p) => pinger.onPong(p.body, p.firmwareUs));
      pl.on('info', (info) => {
        this.info = info;
        this.pace();
        this.emit('info', info);
      });
      // The channel is this loop's while its session speaks, so the shape is known.
      pl.on('throughput', (r) => this.emit('throughput', { ...r, limit: this.runLimit ?? throughputLimit(this.shape()!, null) }));
      pl.on('throughput-stalled', (why) => this.emit('throughput-stalled', why));
      pl.on('flooding', (why) => this.inputs.push({ kind: 'event', event: why ? { type: 'flooding', reason: why } : { type: 'calm' } }));
      pl.requestInfo();
    } else {
      const probe = channel.readProbe!;
      pinger = new Pinger({
        hz: this.ctx.pingHz,
        timeoutMs: this.ctx.pingTimeoutMs,
        send: (_seq, body) => {
          probe().then(
            () => pinger.onPong(body, null),
            () => {},
          );
        },
      });
    }
    pinger.on('sample', (x) => this.emit('sample', x));
    pinger.on('lost', (x) => this.emit('lost', x));
    this.pinger = pinger;
  }

  private stopSession(): void {
    // Pings in flight when a link drops were never answered: they count as lost. When the link
    // is closed on purpose the measurement ends instead, and their answers were never due.
    this.pinger?.stop({ flushLost: this.state.kind !== 'disconnecting' });
    this.pinger?.removeAllListeners();
    this.pinger = null;
    this.channel?.session.removeAllListeners();
    this.channel?.close();
    this.channel = null;
  }

  private detach(): void {
    if (this.peripheral && this.onDisconnect) this.peripheral.removeListener('disconnect', this.onDisconnect);
    if (this.peripheral) this.adapter?.removeLink(this.address);
    this.peripheral = null;
    this.onDisconnect = null;
  }
}
