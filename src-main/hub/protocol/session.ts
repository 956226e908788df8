// The hub's side of one PicoLink link (docs/PROTOCOL.md): reassembles the Pico's counted frames
// into messages, answers its link frames, and cuts outgoing messages into frames within the
// Pico's credit window. Mirrors firmware/picolink/link.py, so both ends agree on what a credit,
// a SEQ and a bad frame are. The hub consumes every message the moment it completes, so it never
// withholds credit (PROTOCOL.md 5): the Pico's window only waits for the radio.
//
// What a link may have in flight is bounded, so one peer cannot fill the adapter's shared queue
// (PROTOCOL.md 4 and 5): counted frames by the Pico's credit, and link frames one of a kind at a
// time: one PONG (further PINGs are refused and counted; a run of them is a flood, reported),
// one CREDIT (a newer total waits for the older to go), and pings while room is left. The
// transport says when a write has gone (OutboundProgress); without one, a write counts as gone
// at once and only the one-PONG-per-value rule holds. A Pico that sends past its credit is cut
// off: the session closes with a 'protocol' error and the link loop drops the link.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import {
  CREDIT_EVERY,
  CREDIT_MODULO,
  END,
  MessageType,
  SEQ,
  START,
  WINDOW,
  decodeCredit,
  decodePong,
  decodeValue,
  encodeCredit,
  encodeFrame,
  encodePing,
  encodePong,
  encodeThroughputRequest,
  framePayloadRoom,
  isLinkFrame,
  maxPingBody,
  messageTypeName,
  readU32,
  type Frame,
  type FrameErrorCode,
} from './frames.ts';
import { FloodMeter, FLOOD_REFUSALS, FLOOD_WINDOW_MS } from './flood-meter.ts';
import { SessionError, checkMtu, newStats, type LinkMessage, type LinkStats, type OutboundProgress, type ProtocolSession, type ProtocolSessionEvents } from './protocol-session.ts';

/** DATA and TEXT bodies are at most config.MAX_MESSAGE octets, 4,096 by default. PROTOCOL.md 4. */
export const MAX_MESSAGE = 4096;
/** A receiver re-sends CREDIT this often while frames stay unacknowledged. PROTOCOL.md 5. */
export const CREDIT_INTERVAL_MS = 100;
/** Messages send() may hold before it refuses more. */
export const MAX_QUEUED = 64;
/**
 * ATT values one link may have handed to the transport and not yet seen go: a full window of
 * counted frames, one CREDIT, one PONG, and two pings. PROTOCOL.md 4 and 5.
 */
export const MAX_IN_FLIGHT = WINDOW + 4;
/** THROUGHPUT_DONE body: u32 octets sent, u32 ms taken. PROTOCOL.md 4. */
const THROUGHPUT_DONE_LENGTH = 8;
/** Half the u16 circle: a CREDIT total this far ahead or more counts as behind. PROTOCOL.md 5. */
const CREDIT_HALF = CREDIT_MODULO / 2;
const U32_MAX = 0xffff_ffff;

export interface ThroughputResult {
  /** THROUGHPUT_DATA body octets the hub received. */
  octets: number;
  /** Octets the Pico says it sent (THROUGHPUT_DONE). */
  firmwareOctets: number;
  /** Milliseconds the Pico says it took (THROUGHPUT_DONE). */
  firmwareMs: number;
  /** From the request to THROUGHPUT_DONE, on the hub's clock. */
  hubMs: number;
  /** octets * 1000 / hubMs (0 when no time passed). */
  bytesPerSecond: number;
}

export interface PicoLinkSessionEvents extends ProtocolSessionEvents {
  /** The answer to ping(): its body, and the µs the Pico held the PING before answering. */
  pong: [{ body: Uint8Array; firmwareUs: number }];
  info: [Record<string, unknown>];
  throughput: [ThroughputResult];
  /** A throughput run that stopped arriving: abandoned, so another can start. */
  'throughput-stalled': [reason: string];
  /** The peer floods PINGs (why, to show), or no longer does (null). */
  flooding: [reason: string | null];
}

/** A run with no THROUGHPUT_DATA or DONE for this long is abandoned (the firmware gives up after 5 s without credit). */
export const THROUGHPUT_STALL_MS = 10_000;

export interface PicoLinkSessionOptions {
  mtu: number;
  /** Hands one ATT value to the transport (Write Without Response); throws when the link is gone. */
  write: (value: Uint8Array) => void;
  maxMessage?: number;
  creditIntervalMs?: number;
  maxQueued?: number;
  /** Milliseconds, monotonic; performance.now by default. */
  now?: () => number;
  /** How far the transport has got with our writes; without it a write counts as gone at once. */
  outbound?: OutboundProgress | null;
  /** Counted frames the hub lets wait in the transport at once (bulk-pace.ts framesAhead); WINDOW by default. */
  framesAhead?: number;
}

interface Outgoing {
  type: number;
  body: Uint8Array;
  /** Body octets already framed. */
  offset: number;
  started: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface ThroughputRun {
  /** THROUGHPUT_DATA frames the Pico was asked to keep unacknowledged at most (WINDOW when not asked). */
  ahead: number;
  startedAt: number;
  /** When the last THROUGHPUT_DATA arrived (or the request went out). */
  lastAt: number;
  octets: number;
}

const FRAME_ERROR_REASONS: Record<FrameErrorCode, string> = {
  'truncated-header': 'frame header past the end of the value',
  'zero-length': 'frame with L = 0',
  'length-past-end': 'frame length past the end of the value',
};

// fatal: invalid UTF-8 is a bad message (PROTOCOL.md 6), not U+FFFD; ignoreBOM: the text arrives
// exactly as the Pico's str() decoded it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function isCountedType(type: number): boolean {
  return (type >= 0x00 && type <= 0x0f) || (type >= 0x20 && type <= 0x2f);
}

function clampAhead(frames: number): number {
  return Number.isFinite(frames) ? Math.min(WINDOW, Math.max(1, Math.floor(frames))) : WINDOW;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class PicoLinkSession extends EventEmitter<PicoLinkSessionEvents> implements ProtocolSession {
  readonly stats: LinkStats = newStats();
  private mtu: number;
  private readonly writeValue: (value: Uint8Array) => void;
  private readonly maxMessage: number;
  private readonly creditIntervalMs: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private isClosed = false;
  private started = false;
  private creditTimer: NodeJS.Timeout | undefined;
  private readonly outbound: OutboundProgress | null;
  private stopOutbound: (() => void) | null = null;
  /** Our write numbers (stats.framesOut after each) of the last PONG and CREDIT: each in flight until the transport's done reaches it. */
  private pongWrite = 0;
  private creditWrite = 0;
  /** A PONG already went out for the value being received. */
  private pongThisValue = false;
  private readonly flood = new FloodMeter();
  /** Counted frames allowed to wait in the transport ahead of a PING (PROTOCOL.md 5, bulk ahead of a ping). */
  private ahead: number;
  /** Our write numbers of the counted frames the transport has not sent yet, oldest first (at most WINDOW). */
  private readonly countedWrites: number[] = [];

  // Receive direction.
  private rxSeq = 0;
  /** Counted frames consumed, modulo 65536: what our CREDIT carries. */
  private consumed = 0;
  private creditSent = 0;
  /** The message being reassembled (type octet first), or null between messages. */
  private parts: Uint8Array[] | null = null;
  private partsLength = 0;
  /**
   * After a SEQ gap or an over-long message: its remaining continuations are dropped quietly until
   * the next START or END, since the message already counted as one bad.
   */
  private discarding = false;

  // Send direction.
  private txSeq = 0;
  /** Counted frames sent, modulo 65536. */
  private sent = 0;
  /** The peer lets us have sent this many counted frames in total (its CREDIT + WINDOW), modulo 65536. */
  private granted = WINDOW;
  private readonly queue: Outgoing[] = [];
  private pumping = false;

  private throughputRun: ThroughputRun | null = null;

  constructor(options: PicoLinkSessionOptions) {
    super();
    this.mtu = checkMtu(options.mtu);
    this.writeValue = options.write;
    this.maxMessage = options.maxMessage ?? MAX_MESSAGE;
    this.creditIntervalMs = options.creditIntervalMs ?? CREDIT_INTERVAL_MS;
    this.maxQueued = options.maxQueued ?? MAX_QUEUED;
    this.now = options.now ?? (() => performance.now());
    this.outbound = options.outbound ?? null;
    this.ahead = clampAhead(options.framesAhead ?? WINDOW);
  }

  // EventEmitter's own signatures map an event to its listener through a conditional type that a
  // generic K cannot resolve, so they do not satisfy ProtocolSession's; these say the same thing plainly.
  override on<K extends keyof PicoLinkSessionEvents>(event: K, listener: (...args: PicoLinkSessionEvents[K]) => void): this {
    return super.on(event, listener as never);
  }

  override off<K extends keyof PicoLinkSessionEvents>(event: K, listener: (...args: PicoLinkSessionEvents[K]) => void): this {
    return super.off(event, listener as never);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Counted frames the peer's credit lets us send now. */
  get sendWindow(): number {
    const room = (this.granted - this.sent) & 0xffff;
    return room <= WINDOW ? room : 0;
  }

  get throughputRunning(): boolean {
    return this.throughputRun !== null;
  }

  /** ATT values handed to the transport that it has not sent yet. */
  get inFlight(): number {
    return this.stats.framesOut - this.sentByTransport();
  }

  /** Whether the peer is flooding PINGs now. */
  get flooding(): boolean {
    return this.flood.flooding;
  }

  start(): void {
    if (this.isClosed || this.started) return;
    this.started = true;
    this.stopOutbound = this.outbound?.onDone(() => this.onOutboundDone()) ?? null;
    // CREDIT 0 is the central's "I'm ready": the Pico notifies nothing before a frame arrives (PROTOCOL.md 2).
    this.sendCredit();
    if (this.isClosed) return;
    this.creditTimer = setInterval(() => this.onCreditTimer(), this.creditIntervalMs);
    this.creditTimer.unref();
    this.pump();
  }

  setMtu(mtu: number): void {
    this.mtu = checkMtu(mtu);
  }

  /** Counted frames the hub lets wait in the transport at once (1 to WINDOW): from the link's shape, bulk-pace.ts. */
  setFramesAhead(frames: number): void {
    this.ahead = clampAhead(frames);
    if (this.started && !this.isClosed) this.pump();
  }

  get framesAhead(): number {
    return this.ahead;
  }

  receive(value: Uint8Array): void {
    if (this.isClosed) return;
    try {
      const t0 = this.now();
      this.pongThisValue = false;
      const { frames, error } = decodeValue(value);
      for (const frame of frames) {
        if (this.isClosed) return;
        this.stats.framesIn++;
        if (isLinkFrame(frame)) this.onLinkFrame(frame, t0);
        else this.onCountedFrame(frame);
      }
      // Frames before a broken length were whole and are kept; the rest of the value cannot be framed.
      if (error) this.bad(FRAME_ERROR_REASONS[error.code]);
      // Once per value, like the firmware: a value of many frames earns one CREDIT, not several.
      if (!this.isClosed && this.creditDue() >= this.creditEvery()) this.sendCredit();
    } catch (e) {
      this.reportError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  send(message: LinkMessage): Promise<void> {
    if (message.kind === 'text') return this.enqueue(MessageType.TEXT, utf8Encoder.encode(message.text));
    return this.enqueue(MessageType.DATA, message.bytes);
  }

  /** Queues any counted message (INFO_REQ, THROUGHPUT_REQ...) behind the messages already queued. */
  sendControl(type: number, body: Uint8Array = new Uint8Array(0)): Promise<void> {
    if (!isCountedType(type)) return Promise.reject(new RangeError(`${messageTypeName(type)} is not a counted message type`));
    return this.enqueue(type, body);
  }

  /**
   * Writes a PING at once: link frames use no credit and overtake queued messages (PROTOCOL.md 3).
   * Throws SessionError 'queue-full' when the link already has MAX_IN_FLIGHT values in flight:
   * that ping is lost, rather than queued behind a link that is not moving.
   */
  ping(body: Uint8Array): void {
    if (this.isClosed) return;
    const max = maxPingBody(this.mtu);
    if (body.length > max) throw new RangeError(`PING body of ${body.length} octets: its PONG would not fit one frame at ATT_MTU ${this.mtu} (at most ${max})`);
    if (this.inFlight >= MAX_IN_FLIGHT) throw new SessionError('queue-full', `${this.inFlight} values already in flight on this link`);
    this.write(encodePing(body));
  }

  requestInfo(): void {
    if (this.isClosed) return;
    this.checkQueueRoom();
    // A failure surfaces as 'error' and closed; the promise has nothing to add.
    this.enqueue(MessageType.INFO_REQ, new Uint8Array(0)).catch(() => {});
  }

  /**
   * Asks the Pico to stream `octets`. With `ahead` (only for a Pico whose INFO says `ahead`: older
   * firmware takes a 4-octet body only), it keeps at most that many THROUGHPUT_DATA frames
   * unacknowledged, so a PONG waits behind those alone (PROTOCOL.md 4).
   */
  requestThroughput(octets: number, ahead?: number): void {
    if (this.isClosed) return;
    if (!Number.isInteger(octets) || octets < 0 || octets > U32_MAX) throw new RangeError(`throughput of ${octets} octets is not a u32`);
    if (ahead !== undefined && !(Number.isInteger(ahead) && ahead >= 1 && ahead <= WINDOW)) throw new RangeError(`ahead of ${ahead} frames is not 1 to ${WINDOW}`);
    if (this.throughputRun) throw new SessionError('busy', 'a throughput run is already in progress');
    this.checkQueueRoom();
    this.throughputRun = { ahead: ahead ?? WINDOW, startedAt: this.now(), lastAt: this.now(), octets: 0 };
    this.enqueue(MessageType.THROUGHPUT_REQ, encodeThroughputRequest(octets, ahead)).catch(() => {});
  }

  close(): void {
    this.shutDown(new SessionError('closed', 'the session is closed'));
  }

  // ---- receive path ----

  private onLinkFrame(frame: Frame, t0: number): void {
    const p = frame.payload;
    switch (p[0]) {
      case MessageType.PING: {
        const body = p.subarray(1);
        if (body.length > maxPingBody(this.mtu)) return this.bad('PING too long for its PONG to fit one frame');
        // One PONG in flight per link, and one per value: more PINGs than that are a flood (PROTOCOL.md 4).
        if (this.pongThisValue || this.sentByTransport() < this.pongWrite) return this.refusePing();
        this.pongThisValue = true;
        if (this.write(encodePong(body, Math.max(0, Math.round((this.now() - t0) * 1000))))) this.pongWrite = this.stats.framesOut;
        return;
      }
      case MessageType.PONG: {
        const pong = decodePong(p);
        if (!pong) return this.bad('PONG shorter than its u32');
        this.deliver('pong', { body: pong.body, firmwareUs: pong.micros });
        return;
      }
      case MessageType.CREDIT: {
        const total = decodeCredit(p);
        if (total === null) return this.bad('CREDIT not a u16');
        this.onCredit(total);
        return;
      }
      default:
        this.bad(`unknown link type ${messageTypeName(p[0]!)}`);
    }
  }

  private onCredit(total: number): void {
    const ahead = (total - this.sent) & 0xffff;
    if (ahead !== 0 && ahead < CREDIT_HALF) return this.bad(`CREDIT ${total} for frames never sent (sent ${this.sent})`);
    const granted = (total + WINDOW) & 0xffff;
    // Totals are absolute: an older one, in modulo-65536 order, is a late duplicate (PROTOCOL.md 5).
    if (((granted - this.granted) & 0xffff) >= CREDIT_HALF) return;
    this.granted = granted;
    this.pump();
  }

  private onCountedFrame(frame: Frame): void {
    // The Pico may have sent WINDOW frames past the last CREDIT we wrote, never more (PROTOCOL.md 5).
    if (((this.consumed - this.creditSent) & 0xffff) >= WINDOW) {
      return this.protocolFault(`the device ignored flow control: a counted frame beyond the ${WINDOW}-frame window after CREDIT ${this.creditSent}`);
    }
    // It used one of the Pico's credits whatever it holds, so it is consumed even when dropped.
    this.consumed = (this.consumed + 1) & 0xffff;
    if (frame.seq !== this.rxSeq) {
      this.bad(`SEQ gap: expected ${this.rxSeq}, got ${frame.seq}`);
      this.dropMessage();
      this.discarding = true;
    }
    // Resynchronise on what arrived, so one lost frame is one bad message, not every later one.
    this.rxSeq = (frame.seq + 1) & SEQ;
    if (frame.start) {
      if (this.parts) this.bad('START inside a message');
      this.parts = [];
      this.partsLength = 0;
      this.discarding = false;
    } else if (!this.parts) {
      if (!this.discarding) this.bad('continuation without START');
      if (frame.end) this.discarding = false;
      return;
    }
    if (this.partsLength + frame.payload.length - 1 > this.maxMessage) {
      this.bad(`message over ${this.maxMessage} octets`);
      this.dropMessage();
      this.discarding = !frame.end;
      return;
    }
    this.parts.push(frame.payload.slice());
    this.partsLength += frame.payload.length;
    if (frame.end) this.completeMessage();
  }

  private dropMessage(): void {
    this.parts = null;
    this.partsLength = 0;
  }

  private completeMessage(): void {
    const parts = this.parts!;
    const message = parts.length === 1 ? parts[0]! : new Uint8Array(this.partsLength);
    if (parts.length > 1) {
      let at = 0;
      for (const part of parts) {
        message.set(part, at);
        at += part.length;
      }
    }
    this.parts = null;
    this.partsLength = 0;
    const type = message[0]!;
    const body = message.subarray(1);
    switch (type) {
      case MessageType.DATA:
        this.stats.messagesIn++;
        this.deliver('message', { kind: 'data', bytes: body });
        return;
      case MessageType.TEXT: {
        const text = this.decodeText(body);
        if (text === null) return this.bad('invalid UTF-8 in TEXT');
        this.stats.messagesIn++;
        this.deliver('message', { kind: 'text', text });
        return;
      }
      case MessageType.INFO:
        return this.onInfo(body);
      case MessageType.THROUGHPUT_DATA:
        if (!this.throughputRun) return this.bad('THROUGHPUT_DATA without a request');
        this.stats.messagesIn++;
        this.throughputRun.octets += body.length;
        this.throughputRun.lastAt = this.now();
        return;
      case MessageType.THROUGHPUT_DONE:
        return this.onThroughputDone(body);
      default:
        // Includes INFO_REQ and THROUGHPUT_REQ: the hub serves neither.
        this.bad(`unexpected message type ${messageTypeName(type)}`);
    }
  }

  private decodeText(body: Uint8Array): string | null {
    try {
      return utf8.decode(body);
    } catch {
      return null;
    }
  }

  private onInfo(body: Uint8Array): void {
    const text = this.decodeText(body);
    if (text === null) return this.bad('invalid UTF-8 in INFO');
    let info: unknown;
    try {
      info = JSON.parse(text);
    } catch {
      return this.bad('INFO is not JSON');
    }
    if (typeof info !== 'object' || info === null || Array.isArray(info)) return this.bad('INFO is not a JSON object');
    this.stats.messagesIn++;
    this.deliver('info', info as Record<string, unknown>);
  }

  private onThroughputDone(body: Uint8Array): void {
    const run = this.throughputRun;
    if (!run) return this.bad('THROUGHPUT_DONE without a request');
    if (body.length !== THROUGHPUT_DONE_LENGTH) return this.bad(`THROUGHPUT_DONE of ${body.length} octets, not ${THROUGHPUT_DONE_LENGTH}`);
    this.throughputRun = null;
    this.stats.messagesIn++;
    const hubMs = this.now() - run.startedAt;
    this.deliver('throughput', {
      octets: run.octets,
      firmwareOctets: readU32(body, 0),
      firmwareMs: readU32(body, 4),
      hubMs,
      bytesPerSecond: hubMs > 0 ? (run.octets * 1000) / hubMs : 0,
    });
  }

  private onCreditTimer(): void {
    // Frames that did not add up to CREDIT_EVERY still get acknowledged (PROTOCOL.md 5).
    if (!this.isClosed && this.creditDue() > 0) this.sendCredit();
    if (this.flood.tick(this.now()) === 'ended') this.deliver('flooding', null);
    const run = this.throughputRun;
    if (run && this.now() - run.lastAt > THROUGHPUT_STALL_MS) {
      this.throughputRun = null;
      this.deliver('throughput-stalled', `no throughput data for ${THROUGHPUT_STALL_MS / 1000} s after ${run.octets} octets; the run was abandoned`);
    }
  }

  /**
   * CREDIT after this many frames: CREDIT_EVERY, or fewer while a throughput run keeps the Pico to
   * `ahead` frames unacknowledged (PROTOCOL.md 4, THROUGHPUT_REQ), so it never waits for the timer.
   */
  private creditEvery(): number {
    const ahead = this.throughputRun?.ahead ?? WINDOW;
    return Math.max(1, Math.min(CREDIT_EVERY, Math.floor(ahead / 2)));
  }

  /** Frames our next CREDIT would acknowledge beyond the last one. */
  private creditDue(): number {
    return (this.consumed - this.creditSent) & 0xffff;
  }

  private sendCredit(): void {
    // Totals are absolute: while one CREDIT is in flight a newer one only has to follow it (onOutboundDone).
    if (this.sentByTransport() < this.creditWrite) return;
    const total = this.consumed;
    if (!this.write(encodeCredit(total))) return;
    this.creditSent = total;
    this.creditWrite = this.stats.framesOut;
  }

  private countedInFlight(): number {
    const done = this.sentByTransport();
    while (this.countedWrites.length > 0 && this.countedWrites[0]! <= done) this.countedWrites.shift();
    return this.countedWrites.length;
  }

  private sentByTransport(): number {
    return this.outbound ? this.outbound.done : this.stats.framesOut;
  }

  private onOutboundDone(): void {
    if (this.isClosed) return;
    if (this.creditDue() > 0) this.sendCredit();
    this.pump();
  }

  private refusePing(): void {
    this.bad('PING while its PONG is still in flight');
    if (this.flood.refuse(this.now()) === 'started') {
      this.deliver('flooding', `flooding: ${FLOOD_REFUSALS} or more PINGs in ${FLOOD_WINDOW_MS / 1000} s while a PONG was still in flight; the excess is dropped and counted as bad`);
    }
  }

  // ---- send path ----

  private checkQueueRoom(): void {
    if (this.queue.length >= this.maxQueued) throw new SessionError('queue-full', `${this.queue.length} messages already queued`);
  }

  private enqueue(type: number, body: Uint8Array): Promise<void> {
    if (this.isClosed) return Promise.reject(new SessionError('closed', 'the session is closed'));
    if (body.length > this.maxMessage) return Promise.reject(new SessionError('too-long', `a body of ${body.length} octets is over the ${this.maxMessage}-octet limit`));
    if (this.queue.length >= this.maxQueued) return Promise.reject(new SessionError('queue-full', `${this.queue.length} messages already queued`));
    return new Promise<void>((resolve, reject) => {
      // Copied: the caller may reuse its buffer before the window lets the last frame go.
      this.queue.push({ type, body: body.slice(), offset: 0, started: false, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    // write() may feed a CREDIT back into receive() synchronously, which calls pump() again: the
    // loop below re-reads the window on every turn, so the inner call has nothing to add.
    if (this.pumping) return;
    this.pumping = true;
    try {
      // Within the Pico's credit, and with at most `ahead` counted frames not yet sent by the
      // transport, so a PING written now waits behind a few frames in the adapter, not a window of them.
      while (this.started && !this.isClosed && this.queue.length > 0 && this.sendWindow > 0 && this.countedInFlight() < this.ahead) {
        const m = this.queue[0]!;
        // The room is taken per frame, as the firmware does: an MTU exchange may land mid-message.
        const room = framePayloadRoom(this.mtu);
        let payload: Uint8Array;
        let flags = 0;
        if (!m.started) {
          const k = Math.min(m.body.length - m.offset, room - 1);
          payload = new Uint8Array(1 + k);
          payload[0] = m.type;
          payload.set(m.body.subarray(m.offset, m.offset + k), 1);
          m.offset += k;
          flags |= START;
        } else {
          const k = Math.min(m.body.length - m.offset, room);
          payload = m.body.subarray(m.offset, m.offset + k);
          m.offset += k;
        }
        const last = m.offset >= m.body.length;
        if (last) flags |= END;
        if (!this.write(encodeFrame(flags, this.txSeq, payload))) return;
        if (this.outbound) this.countedWrites.push(this.stats.framesOut);
        m.started = true;
        this.txSeq = (this.txSeq + 1) & SEQ;
        this.sent = (this.sent + 1) & 0xffff;
        if (last) {
          this.queue.shift();
          this.stats.messagesOut++;
          m.resolve();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  // ---- shared ----

  /** Hands a value to the transport; false when the session is closed or the write failed (and closed it). */
  private write(value: Uint8Array): boolean {
    if (this.isClosed) return false;
    try {
      this.writeValue(value);
    } catch (e) {
      const error = new SessionError('write-failed', `write failed: ${errorMessage(e)}`, { cause: e });
      this.shutDown(error);
      this.reportError(error);
      return false;
    }
    this.stats.framesOut++;
    return true;
  }

  private shutDown(reason: SessionError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.creditTimer);
    this.creditTimer = undefined;
    this.stopOutbound?.();
    this.stopOutbound = null;
    this.throughputRun = null;
    this.parts = null;
    for (const m of this.queue.splice(0)) m.reject(reason);
  }

  private bad(reason: string): void {
    this.stats.bad++;
    this.deliver('bad', reason);
  }

  /** The peer broke a rule the link cannot survive: counted, then the session closes and says why. */
  private protocolFault(reason: string): void {
    this.bad(reason);
    const error = new SessionError('protocol', reason);
    this.shutDown(error);
    this.reportError(error);
  }

  /** Emits to listeners; one that throws is reported as 'error' so receive() keeps its promise never to throw. */
  private deliver<K extends 'message' | 'bad' | 'pong' | 'info' | 'throughput' | 'throughput-stalled' | 'flooding'>(event: K, ...args: PicoLinkSessionEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PicoLinkSessionEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.reportError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private reportError(error: Error): void {
    // EventEmitter throws an unheard 'error'; here that would escape receive() or a timer, and the
    // failure is already visible as closed and rejected sends.
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', error);
    } catch {
      // An 'error' listener that throws has nobody left to tell.
    }
  }
}
