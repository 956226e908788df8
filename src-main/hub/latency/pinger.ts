// Pings one linked Pico at a steady rate and turns its PONGs into RTT samples (PROTOCOL.md
// section 4). Every ping ends exactly once: as a sample, or as lost (timeout, send failure, or
// the link going down), so loss figures are never flattered by pings that just vanished.
//
// The ping body is seq (u32 LE) + a tag (u32 LE) drawn once per Pinger: a PONG still in the air
// from an earlier link or pinger carries another tag and cannot be mistaken for one of ours.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

export interface PingSample {
  seq: number;
  /** Epoch ms when the ping was handed to send. */
  sentAt: number;
  rttMs: number;
  /** µs the firmware says it held the ping; null when the transport cannot tell. */
  firmwareUs: number | null;
  /** rttMs less the firmware's share: radio, stacks and the hub. */
  airMs: number | null;
}

export type PingLostReason = 'timeout' | 'send-failed' | 'link-down';

export interface PingLost {
  seq: number;
  sentAt: number;
  reason: PingLostReason;
}

export interface PingerStats {
  /** Pings send accepted (a ping whose send threw is only in lost). */
  sent: number;
  received: number;
  /** Every reason, send failures included. */
  lost: number;
  /** PONGs with our tag for a ping no longer awaited: timed out, flushed or answered twice. */
  late: number;
  /** PONGs that are not ours: another tag, a seq never sent, or the wrong size. */
  foreign: number;
  inFlight: number;
}

export interface PingerOptions {
  hz: number;
  timeoutMs: number;
  send: (seq: number, body: Uint8Array) => void;
  /** Monotonic ms, for RTTs and the schedule (default performance.now). */
  now?: () => number;
  /** Epoch ms, only for stamping sentAt (default Date.now). */
  wallClock?: () => number;
}

export const MAX_PING_HZ = 1000;
/** A cap on pings awaited at once, for a long timeout at a high rate; see track(). */
export const MAX_IN_FLIGHT = 4096;
const BODY_OCTETS = 8;

interface InFlight {
  sentMono: number;
  sentAt: number;
}

function checkRate(hz: number): number {
  if (!(hz >= 0 && hz <= MAX_PING_HZ)) throw new RangeError(`ping rate must be 0..${MAX_PING_HZ} Hz, got ${hz}`);
  return hz;
}

export class Pinger extends EventEmitter<{ sample: [PingSample]; lost: [PingLost] }> {
  private readonly timeoutMs: number;
  private readonly sendFn: (seq: number, body: Uint8Array) => void;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly tag: number;
  private hz: number;
  private nextSeq = 0;
  /** Pings ever handed out, to tell a late PONG of ours from a seq we never used. */
  private issued = 0;
  /** Monotonic time the next ping is due; slots are fixed from here, so timer lateness never accumulates. */
  private nextDue = 0;
  private lastPingMono: number | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Insertion order is send order, and all share one timeout: the first entry expires first. */
  private readonly inFlight = new Map<number, InFlight>();
  private readonly counts = { sent: 0, received: 0, lost: 0, late: 0, foreign: 0 };

  constructor(options: PingerOptions) {
    super();
    if (!(options.timeoutMs > 0 && Number.isFinite(options.timeoutMs))) throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.hz = checkRate(options.hz);
    this.timeoutMs = options.timeoutMs;
    this.sendFn = options.send;
    this.now = options.now ?? (() => performance.now());
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.tag = randomBytes(4).readUInt32LE(0);
    // The first ping goes out on a zero timer rather than in here, so a send failure is emitted
    // after the caller has had the chance to listen for it.
    if (this.hz > 0) this.schedule(this.now());
  }

  get stats(): PingerStats {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  setRate(hz: number): void {
    checkRate(hz);
    // A rate change racing a link going down is not an error; a stopped pinger stays stopped.
    if (this.stopped) return;
    this.hz = hz;
    this.clearPingTimer();
    if (hz === 0) return;
    // Keep the spacing from the last ping at the new rate, but never wait longer than that.
    const t = this.now();
    const due = this.lastPingMono === null ? t : Math.max(t, this.lastPingMono + 1000 / hz);
    this.schedule(due);
  }

  onPong(body: Uint8Array, firmwareUs: number | null): void {
    if (body.length !== BODY_OCTETS) {
      this.counts.foreign++;
      return;
    }
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const seq = view.getUint32(0, true);
    if (view.getUint32(4, true) !== this.tag) {
      this.counts.foreign++;
      return;
    }
    const ping = this.inFlight.get(seq);
    if (!ping) {
      // Ours if the seq is one already handed out (modulo 2^32), else a corrupted or forged body.
      const behind = (this.nextSeq - seq) >>> 0;
      if (behind >= 1 && behind <= this.issued) this.counts.late++;
      else this.counts.foreign++;
      return;
    }
    this.inFlight.delete(seq);
    this.counts.received++;
    const rttMs = this.now() - ping.sentMono;
    const airMs = firmwareUs === null ? null : rttMs - firmwareUs / 1000;
    this.emit('sample', { seq, sentAt: ping.sentAt, rttMs, firmwareUs, airMs });
  }

  stop({ flushLost }: { flushLost: boolean }): void {
    this.stopped = true;
    this.clearPingTimer();
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
    // Empty the map before emitting, so a listener reading stats sees the final state.
    const pending = [...this.inFlight];
    this.inFlight.clear();
    if (!flushLost) return;
    for (const [seq, p] of pending) this.lose(seq, p.sentAt, 'link-down');
  }

  private schedule(due: number): void {
    this.nextDue = due;
    // Ceil: a timer fired a fraction of a ms early would find the slot not yet due and re-arm.
    const delay = Math.max(0, Math.ceil(due - this.now()));
    this.pingTimer = setTimeout(() => this.tick(), delay);
    this.pingTimer.unref();
  }

  private tick(): void {
    this.pingTimer = null;
    if (this.stopped || this.hz === 0) return;
    const t = this.now();
    if (t < this.nextDue) {
      this.schedule(this.nextDue);
      return;
    }
    this.ping(t);
    // ping() may have run a listener that stopped us or changed the rate (which re-armed).
    if (this.stopped || this.hz === 0 || this.pingTimer) return;
    const period = 1000 / this.hz;
    let next = this.nextDue + period;
    // After a stall, skip the slots that passed instead of sending them all at once.
    if (next <= t) next += (Math.floor((t - next) / period) + 1) * period;
    this.schedule(next);
  }

  private ping(t: number): void {
    this.lastPingMono = t;
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    this.issued++;
    const body = new Uint8Array(BODY_OCTETS);
    const view = new DataView(body.buffer);
    view.setUint32(0, seq, true);
    view.setUint32(4, this.tag, true);
    const sentAt = this.wallClock();
    // Tracked before send: a loopback transport may answer from inside send.
    this.track(seq, { sentMono: t, sentAt });
    try {
      this.sendFn(seq, body);
    } catch {
      // Only if it is still ours to account for (a PONG from inside send already settled it).
      if (this.inFlight.delete(seq)) this.lose(seq, sentAt, 'send-failed');
      return;
    }
    this.counts.sent++;
  }

  private track(seq: number, p: InFlight): void {
    // Past the cap the oldest ping is given up as timed out early: memory stays bounded even
    // with a long timeout at a high rate, and that ping is still reported, not dropped.
    for (const [oldSeq, old] of this.inFlight) {
      if (this.inFlight.size < MAX_IN_FLIGHT) break;
      this.inFlight.delete(oldSeq);
      this.lose(oldSeq, old.sentAt, 'timeout');
    }
    this.inFlight.set(seq, p);
    this.armTimeout();
  }

  /** One timer, for the oldest ping's deadline; it runs whatever the ping rate, paused included. */
  private armTimeout(): void {
    if (this.timeoutTimer || this.stopped) return;
    const first = this.inFlight.values().next();
    if (first.done) return;
    const delay = Math.max(0, Math.ceil(first.value.sentMono + this.timeoutMs - this.now()));
    this.timeoutTimer = setTimeout(() => this.expire(), delay);
    this.timeoutTimer.unref();
  }

  private expire(): void {
    this.timeoutTimer = null;
    const t = this.now();
    for (const [seq, p] of this.inFlight) {
      if (p.sentMono + this.timeoutMs > t) break;
      this.inFlight.delete(seq);
      this.lose(seq, p.sentAt, 'timeout');
    }
    this.armTimeout();
  }

  private lose(seq: number, sentAt: number, reason: PingLostReason): void {
    this.counts.lost++;
    this.emit('lost', { seq, sentAt, reason });
  }

  private clearPingTimer(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }
}
