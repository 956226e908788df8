// One LE connection between two controllers (the Core spec's "connection", Vol 6 Part B 4.5),
// as the link layer runs it: data moves only at connection events, as many exchanges per event as
// fit in the airtime the controllers give the event (packet times from hci/airtime.ts, MD bit,
// 4.5.6), lost PDUs are retransmitted in order (SN/NESN, 4.5.9), and a side that hears nothing for
// the supervision timeout drops the connection (4.5.2). Called the air connection here, so that
// "link" keeps one meaning: the PicoLink link between two ends.
//
// Cost: an event is computed in one go at its anchor; it is split (one timer) only where a sending
// queue runs dry while acknowledgements are waiting to be reported, so the host can refill its
// ACL buffers from Number Of Completed Packets and the event goes on, as on a real controller.
import { CONN_INTERVAL_UNIT_MS, HciStatus, LL_DEFAULT_DATA_OCTETS, SUPERVISION_TIMEOUT_UNIT_MS } from '../../hci/constants.ts';
import type { Clock, Timer } from '../../hci/clock.ts';
import { type Phy, eventBudgetUs, exchangeFits, exchangeUs } from '../../hci/airtime.ts';

/** LL_TERMINATE_IND: opcode and error code. Core 5.4 Vol 6 Part B 2.4.2.2. */
const LL_TERMINATE_IND_OCTETS = 2;

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
  /** Octets per PDU this side may send (connEffectiveMaxTxOctets, Core 5.4 Vol 6 Part B 4.5.10). */
  txOctets = LL_DEFAULT_DATA_OCTETS;
  /** Octets per PDU this side may receive (connEffectiveMaxRxOctets). */
  rxOctets = LL_DEFAULT_DATA_OCTETS;
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
  /** PHY both directions use (Core 5.4 Vol 6 Part B 5.1.10 PHY Update sets it). */
  phy: Phy = '1M';
  /** Whether data PDUs carry a MIC (Vol 6 Part B 2.4): 4 more octets on air per non-empty PDU. */
  encrypted = false;
  /** Airtime the two controllers give one event: the smaller of their maximum event lengths. */
  maxEventUs: number;
  packetErrorRate = 0;
  jammed = false;
  /** Events run and PDUs moved, for statistics and benchmarks. */
  events = 0;
  /** Events the peripheral slept through (peripheral latency). */
  eventsSkipped = 0;
  /** Central/peripheral exchanges that took place (empty ones included). */
  exchanges = 0;
  pdusDelivered = 0;
  pdusLost = 0;
  private timer: Timer | null = null;
  private anchor: number;
  private closed = false;
  private pendingUpdate: { params: AirConnectionParameters; at: number; initiator: ConnectionPeer } | null = null;
  private terminate: { from: ConnectionPeer; reason: number } | null = null;
  private skippedEvents = 0;
  /** The central was sending data at the peripheral's last event: it keeps listening. */
  private centralStreaming = false;
  /** Microseconds from the anchor the current event has used. */
  private eventUs = 0;
  private eventCarriedCentralData = false;
  /** Sides that sent data since the controllers last reported (eventDone): their hosts may refill. */
  private refilling: AirConnectionSide[] = [];

  constructor(
    private readonly env: ConnectionEnvironment,
    central: ConnectionPeer,
    peripheral: ConnectionPeer,
    params: AirConnectionParameters,
    maxEventUs: number,
  ) {
    this.maxEventUs = maxEventUs;
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
    if (!this.central.peer.inConnection(this) && !this.peripheral.peer.inConnection(this)) {
      // Both controllers forgot the connection (reset or power loss): nobody is left to time it out.
      return this.end();
    }
    this.events++;
    this.eventUs = 0;
    this.eventCarriedCentralData = false;
    if (!this.peripheralListens()) {
      this.eventsSkipped++;
      return this.closeEvent();
    }
    this.skippedEvents = 0;
    this.continueEvent();
  }

  /**
   * Peripheral latency, Core 5.4 Vol 6 Part B 4.5.1: the peripheral need not listen for up to
   * connPeripheralLatency consecutive events, but it listens while it has data to send or a PDU not
   * yet acknowledged (its SN/NESN exchange, 4.5.9, cannot progress otherwise; as Nordic's
   * SoftDevice documents BLE_GAP_SLAVE_LATENCY_ENABLE: "wake up every time it has data to send").
   * It also stays awake while the central is streaming to it (data, or MD set, at its last event),
   * so a central sending back to back is not held to one burst per latency + 1 events.
   */
  private peripheralListens(): boolean {
    const p = this.peripheral;
    if (this.skippedEvents >= this.params.latency) return true;
    if (p.queue.length > 0 || this.terminate?.from === p.peer || this.centralStreaming) return true;
    this.skippedEvents++;
    return false;
  }

  /** Runs exchanges from `eventUs` on while MD says there is more and the next one fits. */
  private continueEvent(): void {
    const c = this.central;
    const budget = eventBudgetUs(this.intervalMs, this.maxEventUs);
    const now = this.env.clock.now();
    while (!this.closed && c.peer.inConnection(this)) {
      const cost = this.nextExchangeUs();
      // The anchor packet always goes (4.5.1): it keeps the connection alive whatever the budget.
      if (this.eventUs > 0 && !exchangeFits(this.eventUs, cost, budget)) break;
      this.eventUs += cost;
      this.exchanges++;
      if (!this.exchange(now)) break;
      // More Data (4.5.6): the event goes on while either side has something left to send.
      if (this.more()) continue;
      // The queues ran dry. If acknowledgements are waiting, tell the hosts now and look again at the
      // time this exchange ends: a host refilling its ACL buffers keeps the event going.
      if (this.refilling.length > 0 && exchangeFits(this.eventUs, this.minExchangeUs(), budget)) {
        const senders = this.refilling;
        this.report();
        this.timer = this.env.clock.at(this.anchor + this.eventUs / 1000, () => this.resumeEvent(senders));
        return;
      }
      break;
    }
    if (!this.closed) this.closeEvent();
  }

  /**
   * Only a sender's own refill continues the event: in a real event its MD bit stayed set because
   * its host kept the buffers filled. An answer from the other side's host (a response to what it
   * just received) comes too late for an event that has closed, and goes at the next one.
   */
  private resumeEvent(senders: AirConnectionSide[]): void {
    if (this.closed) return;
    const refilled = senders.some((s) => (s === this.central ? s.queue.length > 0 : s.queue.some((q) => !q.delivered)));
    if (refilled) this.continueEvent();
    else this.closeEvent();
  }

  private closeEvent(): void {
    if (this.closed) return;
    const now = this.env.clock.now();
    // What the peripheral saw at this event decides whether it sleeps through the next ones.
    if (this.skippedEvents === 0) this.centralStreaming = this.eventCarriedCentralData || this.central.queue.length > 0;
    this.report();
    if (this.closed || this.checkSupervision(now)) return;
    if (this.pendingUpdate && this.anchor >= this.pendingUpdate.at) this.applyUpdate();
    this.anchor += this.intervalMs;
    // A stalled event loop must not replay missed events in a burst: skip them, as a radio would.
    while (this.anchor < now) this.anchor += this.intervalMs;
    this.schedule();
  }

  private report(): void {
    this.refilling = [];
    this.central.peer.eventDone(this);
    if (!this.closed) this.peripheral.peer.eventDone(this);
  }

  private more(): boolean {
    return this.central.queue.length > 0 || this.peripheral.queue.some((q) => !q.delivered) || this.terminate !== null;
  }

  /** Airtime of the next exchange: the central's head PDU (new or a retransmission), the peripheral's next. */
  private nextExchangeUs(): number {
    const cHead = this.central.queue[0];
    const pq = this.peripheral.queue;
    // The peripheral's delivered head is acknowledged by the central's packet that opens this exchange.
    const pNext = pq[0]?.delivered ? pq[1] : pq[0];
    const term = this.terminate;
    const cLen = term?.from === this.central.peer ? LL_TERMINATE_IND_OCTETS : (cHead?.data.length ?? 0);
    const pLen = term?.from === this.peripheral.peer ? LL_TERMINATE_IND_OCTETS : (pNext?.data.length ?? 0);
    return exchangeUs(this.phy, cLen, pLen, this.encrypted);
  }

  private minExchangeUs(): number {
    return exchangeUs(this.phy, 0, 0, this.encrypted);
  }

  /** One central packet and the peripheral's answer; false when the event ends here (loss, termination). */
  private exchange(now: number): boolean {
    const c = this.central;
    const p = this.peripheral;
    // Central transmits: its head PDU, or an empty PDU that still carries the acknowledgement.
    if (!this.env.received(this, c.peer, p.peer)) {
      this.pdusLost++;
      return false;
    }
    p.lastRx = now;
    // Hearing the central acknowledges the peripheral's PDU delivered in the previous exchange.
    const pHead = p.queue[0];
    if (pHead?.delivered) this.ack(p);
    if (this.terminate?.from === c.peer) {
      this.finishTerminate();
      return false;
    }
    const cHead = c.queue[0];
    if (cHead) this.eventCarriedCentralData = true;
    if (cHead && !cHead.delivered) {
      cHead.delivered = true;
      this.sent(c);
      this.pdusDelivered++;
      p.peer.receivePdu(this, cHead);
      if (this.closed) return false;
    }
    if (!p.peer.inConnection(this)) return false;
    // Peripheral answers: its acknowledgement of the central's PDU travels in this reply.
    if (!this.env.received(this, p.peer, c.peer)) {
      this.pdusLost++;
      return false;
    }
    c.lastRx = now;
    if (cHead?.delivered && c.queue[0] === cHead) this.ack(c);
    if (this.terminate?.from === p.peer) {
      this.finishTerminate();
      return false;
    }
    const pNext = p.queue[0];
    if (pNext && !pNext.delivered) {
      pNext.delivered = true;
      this.sent(p);
      this.pdusDelivered++;
      c.peer.receivePdu(this, pNext);
      if (this.closed) return false;
    }
    return true;
  }

  private sent(side: AirConnectionSide): void {
    if (!this.refilling.includes(side)) this.refilling.push(side);
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
