// The driver for one paired device's link-machine: runs its effects against an adapter and noble,
// arms its timers, and carries the link's session and pinger while linked. Callbacks from an
// earlier attempt (a late connect, a discovery that finished after a timeout) are recognised by
// their attempt number and ignored, so a stale noble object never drives the current link.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Peripheral } from '@stoprocent/noble';
import type { Adapter, ConnectParams } from '../adapter/adapter.ts';
import type { Profile } from '../discovery/profile.ts';
import { Pinger, type PingLost, type PingSample } from '../latency/pinger.ts';
import { LinkSessionError, type LinkMessage } from '../protocol/link-session.ts';
import type { ThroughputResult } from '../protocol/session.ts';
import { openGattChannel, type GattChannel } from './gatt-channel.ts';
import { faultOf, transition, type LinkEffect, type LinkEvent, type LinkState, type LinkStateKind, type LinkTimeouts } from './link-machine.ts';

const { hciStatusMessage } = createRequire(import.meta.url)('@stoprocent/noble') as { hciStatusMessage: (reason: unknown) => string };

/** HCI Connection Limit Exceeded (Core 5.4 Vol 1 Part F 1.3, error code 0x09). */
const CONNECTION_LIMIT_EXCEEDED = 'Connection Limit Exceeded';

export interface LinkLoopContext {
  /** The adapter to link through, or null with why none can. */
  pickAdapter(address: string): Adapter | { none: string };
  seenRecently(address: string): boolean;
  connectParams: ConnectParams;
  pingHz: number;
  pingTimeoutMs: number;
  timeouts: LinkTimeouts;
  backoff(attempt: number): number;
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
  throughput: [ThroughputResult];
  'throughput-stalled': [reason: string];
  mtu: [number];
  bad: [string];
  /** Said once per loop for each distinct text, however often the link comes up. */
  warning: [string];
}

export class LinkLoop extends EventEmitter<LinkLoopEvents> {
  state: LinkState = { kind: 'stopped', failures: 0, setup: null };
  reason = 'not started';
  adapter: Adapter | null = null;
  channel: GattChannel | null = null;
  info: Record<string, unknown> | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private peripheral: Peripheral | null = null;
  private onDisconnect: ((reason: unknown) => void) | null = null;
  private pinger: Pinger | null = null;
  private restartWhenStopped = false;
  private readonly stoppedWaiters: (() => void)[] = [];
  private readonly warned = new Set<string>();

  constructor(
    readonly address: string,
    public profile: Profile | null,
    private readonly ctx: LinkLoopContext,
  ) {
    super();
  }

  start(): void {
    if (this.state.kind === 'disconnecting') {
      this.restartWhenStopped = true;
      return;
    }
    this.dispatch({ type: 'start' });
    if (this.ctx.seenRecently(this.address)) this.dispatch({ type: 'seen' });
  }

  /** Resolves once the link is down and nothing is pending. */
  stop(reason: string): Promise<void> {
    this.restartWhenStopped = false;
    this.dispatch({ type: 'stop', reason });
    if (this.state.kind === 'stopped') return Promise.resolve();
    return new Promise((resolve) => this.stoppedWaiters.push(resolve));
  }

  /** The device advertised, or an adapter has room again. */
  seen(): void {
    if (this.state.kind === 'waiting') this.dispatch({ type: 'seen' });
  }

  adapterDown(adapter: Adapter, reason: string): void {
    if (this.adapter === adapter) this.dispatch({ type: 'adapter-down', reason });
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
    if (!s || this.state.kind !== 'linked') return false;
    s.requestThroughput(octets);
    return true;
  }

  private dispatch(e: LinkEvent): void {
    const t = transition(this.state, e, { timeouts: this.ctx.timeouts, backoff: this.ctx.backoff });
    if (!t) return;
    const previous = this.state.kind;
    this.state = t.state;
    this.reason = t.reason;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (t.timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.dispatch({ type: 'timeout', seenRecently: this.ctx.seenRecently(this.address) }), t.timeoutMs);
    }
    this.emit('state', { address: this.address, state: t.state.kind, previous, reason: t.reason, fault: faultOf(t.state), adapter: this.adapter?.name ?? null, at: Date.now() });
    for (const effect of t.effects) this.run(effect);
    if (this.state.kind === 'stopped') {
      this.detach();
      for (const w of this.stoppedWaiters.splice(0)) w();
      if (this.restartWhenStopped) {
        this.restartWhenStopped = false;
        this.start();
      }
    }
  }

  private fail(attempt: number, reason: string): void {
    if (attempt === this.attempt) this.dispatch({ type: 'failed', reason });
  }

  private run(effect: LinkEffect): void {
    switch (effect) {
      case 'request-slot': {
        const a = this.ctx.pickAdapter(this.address);
        if ('none' in a) {
          this.dispatch({ type: 'adapter-down', reason: a.none });
          return;
        }
        this.adapter = a;
        a.requestSlot(this, () => this.dispatch({ type: 'slot' }));
        return;
      }
      case 'release-slot':
        this.adapter?.releaseSlot(this);
        return;
      case 'connect':
        this.connect();
        return;
      case 'cancel-connect':
        this.attempt++;
        this.adapter?.cancelConnect(this.address);
        return;
      case 'discover':
        this.discover();
        return;
      case 'disconnect': {
        const p = this.peripheral;
        if (!p) {
          // Nothing to wait for: the link is already gone.
          queueMicrotask(() => this.dispatch({ type: 'disconnected', reason: 'already disconnected' }));
          return;
        }
        try {
          p.disconnect();
        } catch {
          queueMicrotask(() => this.dispatch({ type: 'disconnected', reason: 'already disconnected' }));
        }
        return;
      }
      case 'stop-session':
        this.stopSession();
        return;
    }
  }

  private connect(): void {
    const attempt = ++this.attempt;
    const adapter = this.adapter!;
    adapter.connect(this.address, this.ctx.connectParams, (error, peripheral) => {
      if (attempt !== this.attempt || this.state.kind !== 'connecting') return;
      if (error || !peripheral) {
        const reason = error?.message ?? 'no peripheral';
        if (reason.includes(CONNECTION_LIMIT_EXCEEDED)) adapter.limitReached();
        this.fail(attempt, `connect failed: ${reason}`);
        return;
      }
      this.peripheral = peripheral;
      adapter.addLink(this.address);
      this.onDisconnect = (reason: unknown) => {
        if (this.peripheral !== peripheral) return;
        this.detach();
        this.dispatch({ type: 'disconnected', reason: `disconnected: ${hciStatusMessage(reason)}` });
      };
      peripheral.once('disconnect', this.onDisconnect);
      this.dispatch({ type: 'connected' });
    });
  }

  private discover(): void {
    const attempt = this.attempt;
    const p = this.peripheral;
    if (!p) return this.fail(attempt, 'no connection to discover');
    openGattChannel(p, this.profile).then(
      (channel) => {
        if (attempt !== this.attempt || this.state.kind !== 'discovering' || this.peripheral !== p) {
          channel.close();
          return;
        }
        this.channel = channel;
        this.profile = channel.profile;
        if (channel.notice && !this.warned.has(channel.notice)) {
          this.warned.add(channel.notice);
          this.emit('warning', channel.notice);
        }
        this.wireSession(channel);
        this.dispatch({ type: 'ready' });
        this.emit('up', { address: this.address, profile: channel.profile, mtu: channel.mtu, adapter: this.adapter?.name ?? '' });
      },
      (e: Error) => this.fail(attempt, e.message),
    );
  }

  private wireSession(channel: GattChannel): void {
    const s = channel.session;
    s.on('message', (m) => this.emit('message', m));
    s.on('bad', (why) => this.emit('bad', why));
    // A peer that broke the protocol is dropped, and the reason says so rather than blaming the link.
    s.on('error', (e) => this.fail(this.attempt, e instanceof LinkSessionError && e.code === 'protocol' ? `dropped: ${e.message}` : `link error: ${e.message}`));
    const pl = channel.picolink;
    let pinger: Pinger;
    if (pl) {
      pinger = new Pinger({ hz: this.ctx.pingHz, timeoutMs: this.ctx.pingTimeoutMs, send: (_seq, body) => pl.ping(body) });
      pl.on('pong', (p) => pinger.onPong(p.body, p.firmwareUs));
      pl.on('info', (info) => {
        this.info = info;
        this.emit('info', info);
      });
      pl.on('throughput', (r) => this.emit('throughput', r));
      pl.on('throughput-stalled', (why) => this.emit('throughput-stalled', why));
      pl.on('flooding', (why) => this.dispatch(why ? { type: 'flooding', reason: why } : { type: 'calm' }));
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
