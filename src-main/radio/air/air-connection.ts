// One LE connection between two controllers (the Core spec's "connection", Vol 6 Part B 4.5),
// as the link layer runs it: data moves only at connection events, a bounded number of PDUs per
// event, lost PDUs are retransmitted at the next event in order (SN/NESN, 4.5.9), and a side that
// hears nothing for the supervision timeout drops the connection (4.5.2). Called the air
// connection here, so that "link" keeps one meaning: the PicoLink link between two ends.
import { CONN_INTERVAL_UNIT_MS, HciStatus, LL_DEFAULT_DATA_OCTETS, SUPERVISION_TIMEOUT_UNIT_MS } from '../../hci/constants.ts';
import type { Clock, Timer } from '../../hci/clock.ts';

/** LLID of a data channel PDU, Core Vol 6 Part B 2.4: start of an L2CAP message or continuation. */
export type Llid = 'start' | 'continuation';

export interface LlPdu {
  llid: Llid;
  data: Uint8Array;
  /** Called once when the peer acknowledges the PDU. */
  onAck?: () => void;
  /** Set once the peer has received it; a retransmission is then a duplicate the peer drops. */
  delivered?: boolean;
}

/** What an air connection needs from each of its two controllers. */
export interface ConnectionPeer {
  readonly id: string;
  /** False once the node's controller has lost power or been reset: it no longer takes part. */
  inConnection(connection: AirConnection): boolean;
  receivePdu(connection: AirConnection, pdu: LlPdu): void;
  /** After each connection event, so a controller can batch Number Of Completed Packets. */
  eventDone(connection: AirConnection): void;
  connectionClosed(connection: AirConnection, reason: number): void;
  connectionUpdated(connection: AirConnection, initiatedHere: boolean, changed: boolean): void;
}

export interface AirConnectionParameters {
  /** In 1.25 ms units. */
  interval: number;
  latency: number;
  /** In 10 ms units. */
  supervisionTimeout: number;
}

export interface ConnectionEnvironment {
  clock: Clock;
  random: () => number;
  /** Whether a packet from `from` to `to` is received now: range, per-connection error rate, jamming. */
  received(connection: AirConnection, from: ConnectionPeer, to: ConnectionPeer): boolean;
  onClosed(connection: AirConnection): void;
}

export class AirConnectionSide {
  readonly queue: LlPdu[] = [];
  lastRx: number;
  /** Octets per PDU this side may send. */
  txOctets = LL_DEFAULT_DATA_OCTETS;
  constructor(
    readonly peer: ConnectionPeer,
    now: number,
  ) {
    this.lastRx = now;
  }
}

let nextConnectionId = 1;

export class AirConnection {
  readonly id = nextConnectionId++;
  readonly central: AirConnectionSide;
  readonly peripheral: AirConnectionSide;
  params: AirConnectionParameters;
  packetErrorRate = 0;
  jammed = false;
  /** Events run and PDUs moved, for statistics and benchmarks. */
  events = 0;
  pdusDelivered = 0;
  pdusLost = 0;
  private timer: Timer | null = null;
  private anchor: number;
  private closed = false;
  private pendingUpdate: { params: AirConnectionParameters; at: number; initiator: ConnectionPeer } | null = null;
  private terminate: { from: ConnectionPeer; reason: number } | null = null;
  private skippedEvents = 0;

  constructor(
    private readonly env: ConnectionEnvironment,
    central: ConnectionPeer,
    peripheral: ConnectionPeer,
    params: AirConnectionParameters,
    readonly maxPdusPerEvent: number,
  ) {
    const now = env.clock.now();
    this.central = new AirConnectionSide(central, now);
    this.peripheral = new AirConnectionSide(peripheral, now);
    this.params = { ...params };
    // The first event follows CONNECT_IND after transmitWindowDelay (1.25 ms) plus an offset.
    this.anchor = now + 1.25 + env.random() * this.intervalMs;
    this.schedule();
  }

  get intervalMs(): number {
    return this.params.interval * CONN_INTERVAL_UNIT_MS;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  side(peer: ConnectionPeer): AirConnectionSide {
    if (peer === this.central.peer) return this.central;
    if (peer === this.peripheral.peer) return this.peripheral;
    throw new Error(`controller ${peer.id} is not on connection ${this.id}`);
  }
  other(peer: ConnectionPeer): AirConnectionSide {
    return peer === this.central.peer ? this.peripheral : this.central;
  }

  send(from: ConnectionPeer, pdu: LlPdu): void {
    if (!this.closed) this.side(from).queue.push(pdu);
  }

  /** LL_TERMINATE_IND: goes at the next event and ends the connection once the peer has it. */
  requestTerminate(from: ConnectionPeer, reason: number): void {
    if (!this.closed && !this.terminate) this.terminate = { from, reason };
  }

  /** Connection Update procedure: new parameters take effect at an instant six events ahead. */
  requestUpdate(initiator: ConnectionPeer, params: AirConnectionParameters): void {
    this.pendingUpdate = { params: { ...params }, at: this.anchor + 6 * this.intervalMs, initiator };
  }

  /** The connection is over: no more events; the air forgets it. Telling the hosts is the caller's part. */
  private end(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.env.onClosed(this);
  }

  private schedule(): void {
    this.timer = this.env.clock.at(this.anchor, () => this.runEvent());
  }

  private runEvent(): void {
    if (this.closed) return;
    const now = this.env.clock.now();
    if (!this.central.peer.inConnection(this) && !this.peripheral.peer.inConnection(this)) {
      // Both controllers forgot the connection (reset or power loss): nobody is left to time it out.
      return this.end();
    }
    this.events++;
    this.exchange(now);
    if (this.closed) return;
    this.central.peer.eventDone(this);
    this.peripheral.peer.eventDone(this);
    if (this.checkSupervision(now)) return;
    if (this.pendingUpdate && this.anchor >= this.pendingUpdate.at) this.applyUpdate();
    this.anchor += this.intervalMs;
    // A stalled event loop must not replay missed events in a burst: skip them, as a radio would.
    while (this.anchor < now) this.anchor += this.intervalMs;
    this.schedule();
  }

  private exchange(now: number): void {
    const c = this.central;
    const p = this.peripheral;
    if (!c.peer.inConnection(this)) return;
    // Peripheral latency (Core Vol 6 Part B 4.5.1): with nothing to send, the peripheral may sleep
    // through up to `latency` events, so data from the central waits for its next wake-up.
    const peripheralIdle = p.queue.length === 0 && this.terminate?.from !== p.peer;
    if (peripheralIdle && this.skippedEvents < this.params.latency) {
      this.skippedEvents++;
      return;
    }
    this.skippedEvents = 0;
    for (let i = 0; i < this.maxPdusPerEvent; i++) {
      // Central transmits: its head PDU, or an empty PDU that still carries the acknowledgement.
      if (!this.env.received(this, c.peer, p.peer)) {
        this.pdusLost++;
        return;
      }
      p.lastRx = now;
      // Hearing the central acknowledges the peripheral's PDU delivered in the previous exchange.
      const pHead = p.queue[0];
      if (pHead?.delivered) this.ack(p);
      if (this.terminate?.from === c.peer) return this.finishTerminate();
      const cHead = c.queue[0];
      if (cHead && !cHead.delivered) {
        cHead.delivered = true;
        this.pdusDelivered++;
        p.peer.receivePdu(this, cHead);
        if (this.closed) return;
      }
      if (!p.peer.inConnection(this)) return;
      // Peripheral answers: its acknowledgement of the central's PDU travels in this reply.
      if (!this.env.received(this, p.peer, c.peer)) {
        this.pdusLost++;
        return;
      }
      c.lastRx = now;
      if (cHead?.delivered && c.queue[0] === cHead) this.ack(c);
      if (this.terminate?.from === p.peer) return this.finishTerminate();
      const pNext = p.queue[0];
      if (pNext && !pNext.delivered) {
        pNext.delivered = true;
        this.pdusDelivered++;
        c.peer.receivePdu(this, pNext);
        if (this.closed) return;
      }
      // More Data: the event goes on while either side has something left to send.
      const more = c.queue.length > 0 || p.queue.some((q) => !q.delivered) || this.terminate !== null;
      if (!more) return;
    }
  }

  private ack(side: AirConnectionSide): void {
    const pdu = side.queue.shift();
    pdu?.onAck?.();
  }

  private finishTerminate(): void {
    const t = this.terminate!;
    this.end();
    const local = this.side(t.from);
    const remote = this.other(t.from);
    local.peer.connectionClosed(this, HciStatus.CONNECTION_TERMINATED_BY_LOCAL_HOST);
    remote.peer.connectionClosed(this, t.reason);
  }

  private checkSupervision(now: number): boolean {
    const timeoutMs = this.params.supervisionTimeout * SUPERVISION_TIMEOUT_UNIT_MS;
    const lost = (s: AirConnectionSide): boolean => s.peer.inConnection(this) && now - s.lastRx > timeoutMs;
    const cLost = lost(this.central);
    const pLost = lost(this.peripheral);
    if (!cLost && !pLost) return false;
    this.end();
    for (const s of [this.central, this.peripheral]) if (s.peer.inConnection(this)) s.peer.connectionClosed(this, HciStatus.CONNECTION_TIMEOUT);
    return true;
  }

  private applyUpdate(): void {
    const u = this.pendingUpdate!;
    this.pendingUpdate = null;
    const changed =
      u.params.interval !== this.params.interval ||
      u.params.latency !== this.params.latency ||
      u.params.supervisionTimeout !== this.params.supervisionTimeout;
    this.params = u.params;
    for (const s of [this.central, this.peripheral]) {
      s.peer.connectionUpdated(this, s.peer === u.initiator, changed);
    }
  }
}
