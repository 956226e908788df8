// A virtual LE controller: speaks HCI to one host over any HostPort and runs the link layer on
// the shared Air. Commands are dispatched through one handler per opcode; every command gets a
// Command Complete or Command Status, unknown ones with Unknown HCI Command.
import { EventEmitter } from 'node:events';
import type { AdvertisingPdu, Air, AirNode } from '../air/air.ts';
import type { Timer } from '../air/clock.ts';
import type { Link, LinkPeer, LlPdu } from '../air/link.ts';
import type { Position } from '../air/path-loss.ts';
import { parseAddress } from '../hci/address.ts';
import { ByteWriter, DecodeError } from '../hci/bytes.ts';
import * as C from '../hci/constants.ts';
import * as cmd from '../hci/commands.ts';
import * as ev from '../hci/events.ts';
import { decodePacket, encodePacket, type HciAcl, type HciCommand, type HciPacket } from '../hci/packets.ts';
import type { HostPort } from '../transport/host-port.ts';
import { describeFramerError, H4Framer } from '../transport/h4-framer.ts';
import { leFeatures, lmpFeatures, supportedCommands } from './capabilities.ts';
import {
  HCI_REVISION,
  HCI_VERSION_5_4,
  LMP_SUBVERSION,
  LMP_VERSION_5_4,
  MANUFACTURER_TEST,
  type ControllerOptions,
} from './options.ts';

const S = C.HciStatus;

/** Commands answered with Command Status (the outcome follows in its own event). */
const STATUS_COMMANDS = new Set([
  C.HCI_DISCONNECT,
  C.HCI_READ_REMOTE_VERSION_INFORMATION,
  C.HCI_LE_CREATE_CONNECTION,
  C.HCI_LE_EXTENDED_CREATE_CONNECTION,
  C.HCI_LE_CONNECTION_UPDATE,
  C.HCI_LE_READ_REMOTE_FEATURES,
  C.HCI_LE_SET_PHY,
]);

/** Default masks after reset. Core Vol 4 Part E 7.3.1 and 7.8.1. */
const DEFAULT_EVENT_MASK = [0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x00];
const DEFAULT_LE_EVENT_MASK = [0x1f, 0, 0, 0, 0, 0, 0, 0];

/** A partial packet idle this long is dropped: a real UART host writes a packet in one burst. */
const TRANSPORT_IDLE_FLUSH_MS = 100;

interface Connection {
  handle: number;
  link: Link;
  role: 'central' | 'peripheral';
  peer: Controller;
  /** Host ACL packets accepted for this link and not yet reported complete. */
  inFlight: number;
  /** Completed since the last Number Of Completed Packets event. */
  completed: number;
}

interface AdvertisingState {
  params: cmd.AdvertisingParameters;
  data: Uint8Array;
  scanResponse: Uint8Array;
  enabled: boolean;
  timer: Timer | null;
}

interface ScanState {
  params: cmd.ScanParameters;
  enabled: boolean;
  filterDuplicates: boolean;
  extended: boolean;
  seen: Set<string>;
}

interface Initiating {
  params: cmd.CreateConnection;
  extended: boolean;
}

export type ControllerEvent =
  | { kind: 'transport-error'; node: string; message: string }
  | { kind: 'protocol-error'; node: string; message: string };

export interface ControllerEvents {
  error: [ControllerEvent];
  /** Every H4 packet crossing the transport, for btsnoop capture. */
  packet: ['host-to-controller' | 'controller-to-host', Uint8Array];
  'connection-opened': [Controller, number];
  'connection-closed': [Controller, number, number];
}

export class Controller extends EventEmitter<ControllerEvents> implements AirNode, LinkPeer {
  readonly id: string;
  position: Position;
  readonly publicAddress: Uint8Array;
  private port: HostPort | null = null;
  private framer: H4Framer;
  private idleTimer: NodeJS.Timeout | null = null;
  private powered = true;
  // Host-set state; cleared by HCI_Reset and by power loss.
  private eventMask: Uint8Array = Uint8Array.from(DEFAULT_EVENT_MASK);
  private leEventMask: Uint8Array = Uint8Array.from(DEFAULT_LE_EVENT_MASK);
  private randomAddress: Uint8Array | null = null;
  private adv!: AdvertisingState;
  private scan!: ScanState;
  private initiating: Initiating | null = null;
  private filterAcceptList: string[] = [];
  private readonly connections = new Map<number, Connection>();
  private readonly byLink = new Map<Link, Connection>();
  private nextHandle = 0x0040;
  private aclInFlight = 0;
  private readonly handlers: Map<number, (c: HciCommand) => void>;

  constructor(
    private readonly air: Air,
    readonly options: ControllerOptions,
  ) {
    super();
    this.id = options.name;
    this.position = { ...options.position };
    this.publicAddress = parseAddress(options.address);
    this.framer = this.newFramer();
    this.handlers = this.buildHandlers();
    this.clearHostState();
    air.attach(this);
  }

  // ---- transport -------------------------------------------------------------------------

  attachHost(port: HostPort): void {
    this.port?.close();
    this.port = port;
    this.framer = this.newFramer();
    port.onData((bytes) => this.fromHost(bytes));
  }

  detachHost(): void {
    this.port?.close();
    this.port = null;
  }

  private newFramer(): H4Framer {
    return new H4Framer({
      accept: [C.HCI_COMMAND_PKT, C.HCI_ACLDATA_PKT, C.HCI_SCODATA_PKT, C.HCI_ISODATA_PKT],
      maxAclLength: this.options.leAclBufferLength,
    });
  }

  private fromHost(bytes: Uint8Array): void {
    if (!this.powered) return;
    for (const out of this.framer.push(bytes)) {
      if (out.kind === 'error') {
        this.report('transport-error', describeFramerError(out.error));
        continue;
      }
      this.emit('packet', 'host-to-controller', out.bytes);
      let packet: HciPacket;
      try {
        packet = decodePacket(out.bytes);
      } catch (e) {
        // SCO and ISO frame correctly but this controller has no such links.
        this.report('protocol-error', e instanceof DecodeError ? e.message : `unsupported packet type 0x${out.bytes[0]!.toString(16)}`);
        continue;
      }
      if (packet.kind === 'command') this.onCommand(packet);
      else if (packet.kind === 'acl') this.onAcl(packet);
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.framer.partial) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        const err = this.framer.flushPartial();
        if (err) this.report('transport-error', describeFramerError(err));
      }, TRANSPORT_IDLE_FLUSH_MS);
      this.idleTimer.unref();
    }
  }

  private report(kind: ControllerEvent['kind'], message: string): void {
    // Only emit when someone listens: an unhandled 'error' must never take the radio down.
    if (this.listenerCount('error') > 0) this.emit('error', { kind, node: this.id, message });
  }

  private toHost(packet: HciPacket): void {
    if (!this.powered || !this.port) return;
    const bytes = encodePacket(packet);
    this.emit('packet', 'controller-to-host', bytes);
    this.port.write(bytes);
  }

  /** Sends an event if the host's event masks allow it. Core Vol 4 Part E 7.3.1 and 7.8.1. */
  private sendEvent(e: ReturnType<typeof ev.commandComplete>): void {
    const always = e.code === C.HCI_COMMAND_COMPLETE || e.code === C.HCI_COMMAND_STATUS || e.code === C.HCI_NUMBER_OF_COMPLETED_PACKETS;
    if (!always && !maskHas(this.eventMask, e.code - 1)) return;
    if (e.code === C.HCI_LE_META && !maskHas(this.leEventMask, C.leEventMaskBit(e.params[0]!))) return;
    this.toHost(e);
  }

  // ---- power -------------------------------------------------------------------------------

  get isPowered(): boolean {
    return this.powered;
  }

  /** Power off: the controller goes silent and forgets everything; its links time out at the peer. */
  powerOff(): void {
    if (!this.powered) return;
    this.clearHostState();
    this.powered = false;
  }

  /** Power on: a fresh controller announces it is ready with a NOP Command Complete. */
  powerOn(): void {
    if (this.powered) return;
    this.powered = true;
    this.framer = this.newFramer();
    this.sendEvent(ev.commandCompleteNop());
  }

  moveTo(position: Position): void {
    this.position = { ...position };
  }

  private clearHostState(): void {
    this.adv?.timer?.cancel();
    this.eventMask = Uint8Array.from(DEFAULT_EVENT_MASK);
    this.leEventMask = Uint8Array.from(DEFAULT_LE_EVENT_MASK);
    this.randomAddress = null;
    this.adv = {
      params: {
        intervalMin: 0x0800,
        intervalMax: 0x0800,
        advertisingType: C.ADV_IND,
        ownAddressType: 0,
        peerAddressType: 0,
        peerAddress: new Uint8Array(6),
        channelMap: 0x07,
        filterPolicy: 0,
      },
      data: new Uint8Array(0),
      scanResponse: new Uint8Array(0),
      enabled: false,
      timer: null,
    };
    this.scan = {
      params: { active: false, interval: 0x0010, window: 0x0010, ownAddressType: 0, filterPolicy: 0 },
      enabled: false,
      filterDuplicates: false,
      extended: false,
      seen: new Set(),
    };
    this.initiating = null;
    this.filterAcceptList = [];
    // Links are abandoned silently on this side; the peer hears nothing and times out.
    this.connections.clear();
    this.byLink.clear();
    this.aclInFlight = 0;
  }

  // ---- commands ----------------------------------------------------------------------------

  private onCommand(c: HciCommand): void {
    const handler = this.handlers.get(c.opcode);
    if (!handler) {
      this.sendEvent(ev.commandComplete(c.opcode, S.UNKNOWN_HCI_COMMAND));
      return;
    }
    try {
      handler(c);
    } catch (e) {
      if (!(e instanceof DecodeError || e instanceof RangeError)) throw e;
      this.report('protocol-error', `command 0x${c.opcode.toString(16).padStart(4, '0')}: ${e.message}`);
      this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    }
  }

  private complete(c: HciCommand, status: number, ret?: Uint8Array | ByteWriter): void {
    const bytes = ret instanceof ByteWriter ? ret.finish() : ret;
    this.sendEvent(ev.commandComplete(c.opcode, status, status === S.SUCCESS ? bytes : undefined));
  }

  private fail(c: HciCommand, status: number): void {
    if (STATUS_COMMANDS.has(c.opcode)) this.sendEvent(ev.commandStatus(status, c.opcode));
    else this.sendEvent(ev.commandComplete(c.opcode, status));
  }

  private buildHandlers(): Map<number, (c: HciCommand) => void> {
    const o = this.options;
    const ok = (c: HciCommand): void => this.complete(c, S.SUCCESS);
    const h = new Map<number, (c: HciCommand) => void>([
      [C.HCI_RESET, (c) => (this.clearHostState(), ok(c))],
      [C.HCI_SET_EVENT_MASK, (c) => ((this.eventMask = cmd.decodeMask(c.params)), ok(c))],
      [C.HCI_SET_EVENT_MASK_PAGE_2, (c) => (cmd.decodeMask(c.params), ok(c))],
      [C.HCI_LE_SET_EVENT_MASK, (c) => ((this.leEventMask = cmd.decodeMask(c.params)), ok(c))],
      [C.HCI_SET_EVENT_FILTER, ok],
      [C.HCI_WRITE_LE_HOST_SUPPORT, ok],
      [C.HCI_READ_LE_HOST_SUPPORT, (c) => this.complete(c, S.SUCCESS, new ByteWriter().u8(1).u8(0))],
      [
        C.HCI_READ_LOCAL_VERSION_INFORMATION,
        (c) =>
          this.complete(
            c,
            S.SUCCESS,
            new ByteWriter().u8(HCI_VERSION_5_4).u16(HCI_REVISION).u8(LMP_VERSION_5_4).u16(MANUFACTURER_TEST).u16(LMP_SUBVERSION),
          ),
      ],
      [C.HCI_READ_LOCAL_SUPPORTED_COMMANDS, (c) => this.complete(c, S.SUCCESS, supportedCommands(o))],
      [C.HCI_READ_LOCAL_SUPPORTED_FEATURES, (c) => this.complete(c, S.SUCCESS, lmpFeatures())],
      // BR/EDR buffers: none on an LE-only controller, so hosts use the LE buffers. 7.4.5
      [C.HCI_READ_BUFFER_SIZE, (c) => this.complete(c, S.SUCCESS, new ByteWriter().u16(0).u8(0).u16(0).u16(0))],
      [C.HCI_READ_BD_ADDR, (c) => this.complete(c, S.SUCCESS, this.publicAddress)],
      [C.HCI_LE_READ_BUFFER_SIZE, (c) => this.complete(c, S.SUCCESS, new ByteWriter().u16(o.leAclBufferLength).u8(o.leAclBufferCount))],
      [C.HCI_LE_READ_LOCAL_SUPPORTED_FEATURES, (c) => this.complete(c, S.SUCCESS, leFeatures(o))],
      [C.HCI_LE_READ_SUPPORTED_STATES, (c) => this.complete(c, S.SUCCESS, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0, 0]))],
      [C.HCI_LE_SET_RANDOM_ADDRESS, (c) => this.onSetRandomAddress(c)],
      [C.HCI_LE_RAND, (c) => this.complete(c, S.SUCCESS, Uint8Array.from({ length: 8 }, () => Math.floor(this.air.random() * 256)))],
      [C.HCI_LE_READ_ADVERTISING_PHYSICAL_CHANNEL_TX_POWER, (c) => this.complete(c, S.SUCCESS, new ByteWriter().i8(this.air.pathLoss.txPowerDbm))],
      [C.HCI_LE_SET_ADVERTISING_PARAMETERS, (c) => this.onSetAdvertisingParameters(c)],
      [C.HCI_LE_SET_ADVERTISING_DATA, (c) => ((this.adv.data = cmd.decodeAdvertisingData(c.params)), ok(c))],
      [C.HCI_LE_SET_SCAN_RESPONSE_DATA, (c) => ((this.adv.scanResponse = cmd.decodeAdvertisingData(c.params)), ok(c))],
      [C.HCI_LE_SET_ADVERTISING_ENABLE, (c) => this.onSetAdvertisingEnable(c)],
      [C.HCI_LE_SET_SCAN_PARAMETERS, (c) => this.onSetScanParameters(c, cmd.decodeScanParameters(c.params), false)],
      [C.HCI_LE_SET_SCAN_ENABLE, (c) => this.onSetScanEnable(c, cmd.decodeScanEnable(c.params), false)],
      [C.HCI_LE_CREATE_CONNECTION, (c) => this.onCreateConnection(c, cmd.decodeCreateConnection(c.params), false)],
      [C.HCI_LE_CREATE_CONNECTION_CANCEL, (c) => this.onCreateConnectionCancel(c)],
      [C.HCI_LE_READ_FILTER_ACCEPT_LIST_SIZE, (c) => this.complete(c, S.SUCCESS, new Uint8Array([16]))],
      [C.HCI_LE_CLEAR_FILTER_ACCEPT_LIST, (c) => ((this.filterAcceptList = []), ok(c))],
      [C.HCI_LE_ADD_DEVICE_TO_FILTER_ACCEPT_LIST, (c) => this.onFilterAcceptList(c, true)],
      [C.HCI_LE_REMOVE_DEVICE_FROM_FILTER_ACCEPT_LIST, (c) => this.onFilterAcceptList(c, false)],
      [C.HCI_DISCONNECT, (c) => this.onDisconnect(c)],
      [C.HCI_LE_CONNECTION_UPDATE, (c) => this.onConnectionUpdate(c)],
      [C.HCI_READ_RSSI, (c) => this.onReadRssi(c)],
      [C.HCI_LE_READ_REMOTE_FEATURES, (c) => this.onReadRemote(c, 'features')],
      [C.HCI_READ_REMOTE_VERSION_INFORMATION, (c) => this.onReadRemote(c, 'version')],
      [C.HCI_LE_LONG_TERM_KEY_REQUEST_NEGATIVE_REPLY, (c) => this.complete(c, S.SUCCESS, new ByteWriter().u16(cmd.decodeHandle(c.params)))],
      [C.HCI_LE_READ_PHY, (c) => this.onReadPhy(c)],
      [C.HCI_LE_SET_DEFAULT_PHY, ok],
    ]);
    if (o.dataLengthExtension) {
      h.set(C.HCI_LE_SET_DATA_LENGTH, (c) => this.onSetDataLength(c));
      h.set(C.HCI_LE_READ_MAXIMUM_DATA_LENGTH, (c) =>
        this.complete(
          c,
          S.SUCCESS,
          new ByteWriter().u16(C.LL_MAX_DATA_OCTETS).u16(C.LL_MAX_DATA_TIME_1M).u16(C.LL_MAX_DATA_OCTETS).u16(C.LL_MAX_DATA_TIME_1M),
        ),
      );
      h.set(C.HCI_LE_READ_SUGGESTED_DEFAULT_DATA_LENGTH, (c) =>
        this.complete(c, S.SUCCESS, new ByteWriter().u16(C.LL_DEFAULT_DATA_OCTETS).u16(C.LL_DEFAULT_DATA_TIME)),
      );
      h.set(C.HCI_LE_WRITE_SUGGESTED_DEFAULT_DATA_LENGTH, ok);
    }
    if (o.extendedAdvertising) {
      h.set(C.HCI_LE_SET_EXTENDED_SCAN_PARAMETERS, (c) => this.onSetScanParameters(c, cmd.decodeExtendedScanParameters(c.params), true));
      h.set(C.HCI_LE_SET_EXTENDED_SCAN_ENABLE, (c) => this.onSetScanEnable(c, cmd.decodeExtendedScanEnable(c.params), true));
      h.set(C.HCI_LE_EXTENDED_CREATE_CONNECTION, (c) => this.onCreateConnection(c, cmd.decodeExtendedCreateConnection(c.params), true));
    }
    return h;
  }

  private onSetRandomAddress(c: HciCommand): void {
    const a = cmd.decodeAddress(c.params);
    // 7.8.4: refused while advertising or scanning with it.
    if (this.adv.enabled || this.scan.enabled || this.initiating) return this.fail(c, S.COMMAND_DISALLOWED);
    this.randomAddress = a;
    this.complete(c, S.SUCCESS);
  }

  private onSetAdvertisingParameters(c: HciCommand): void {
    const p = cmd.decodeAdvertisingParameters(c.params);
    if (this.adv.enabled) return this.fail(c, S.COMMAND_DISALLOWED);
    const directedHigh = p.advertisingType === C.ADV_DIRECT_IND_HIGH;
    const intervalOk = directedHigh || (p.intervalMin >= 0x0020 && p.intervalMax <= 0x4000 && p.intervalMin <= p.intervalMax);
    if (p.advertisingType > C.ADV_DIRECT_IND_LOW || !intervalOk || p.ownAddressType > 3 || (p.channelMap & 0x07) === 0) {
      return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    this.adv.params = p;
    this.complete(c, S.SUCCESS);
  }

  private onSetAdvertisingEnable(c: HciCommand): void {
    const enable = cmd.decodeEnable(c.params);
    if (enable && this.advertisingConnectable() && this.connections.size >= this.options.maxConnections) {
      return this.fail(c, S.COMMAND_DISALLOWED);
    }
    if (enable && this.adv.params.ownAddressType === 1 && !this.randomAddress) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    this.complete(c, S.SUCCESS);
    if (enable && !this.adv.enabled) {
      this.adv.enabled = true;
      this.scheduleAdvertising(0);
    } else if (!enable) {
      this.stopAdvertising();
    }
  }

  private advertisingConnectable(): boolean {
    const t = this.adv.params.advertisingType;
    return t === C.ADV_IND || t === C.ADV_DIRECT_IND_HIGH || t === C.ADV_DIRECT_IND_LOW;
  }

  private stopAdvertising(): void {
    this.adv.enabled = false;
    this.adv.timer?.cancel();
    this.adv.timer = null;
  }

  /** advInterval plus advDelay, a random 0-10 ms. Core Vol 6 Part B 4.4.2.2.1. */
  private scheduleAdvertising(intervalMs: number): void {
    const delay = this.air.random() * 10;
    this.adv.timer = this.air.clock.at(this.air.clock.now() + intervalMs + delay, () => {
      if (!this.adv.enabled || !this.powered) return;
      this.air.advertise(this, this.advertisingPdu());
      const p = this.adv.params;
      const units = p.advertisingType === C.ADV_DIRECT_IND_HIGH ? 6 : p.intervalMin + this.air.random() * (p.intervalMax - p.intervalMin);
      this.scheduleAdvertising(units * C.ADV_INTERVAL_UNIT_MS);
    });
  }

  private ownAddress(type: number): { addressType: number; address: Uint8Array } {
    const random = (type & 1) === 1 && this.randomAddress !== null;
    return { addressType: random ? 1 : 0, address: random ? this.randomAddress! : this.publicAddress };
  }

  private advertisingPdu(): AdvertisingPdu {
    const p = this.adv.params;
    const directed = p.advertisingType === C.ADV_DIRECT_IND_HIGH || p.advertisingType === C.ADV_DIRECT_IND_LOW;
    return {
      type: p.advertisingType,
      ...this.ownAddress(p.ownAddressType),
      data: directed ? new Uint8Array(0) : this.adv.data,
      ...(directed ? { targetAddress: p.peerAddress } : {}),
    };
  }

  private onSetScanParameters(c: HciCommand, p: cmd.ScanParameters, extended: boolean): void {
    if (this.scan.enabled) return this.fail(c, S.COMMAND_DISALLOWED);
    if (p.interval < 0x0004 || p.window < 0x0004 || p.window > p.interval) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    this.scan.params = p;
    this.scan.extended = extended;
    this.complete(c, S.SUCCESS);
  }

  private onSetScanEnable(c: HciCommand, e: cmd.ScanEnable, extended: boolean): void {
    this.complete(c, S.SUCCESS);
    if (e.enable && !this.scan.enabled) this.scan.seen.clear();
    this.scan.enabled = e.enable;
    this.scan.filterDuplicates = e.filterDuplicates;
    this.scan.extended = extended;
  }

  private onCreateConnection(c: HciCommand, p: cmd.CreateConnection, extended: boolean): void {
    if (this.initiating) return this.fail(c, S.COMMAND_DISALLOWED);
    if (this.options.disallowConnectWhileScanning && this.scan.enabled) return this.fail(c, S.COMMAND_DISALLOWED);
    if (!cmd.validConnectionParameters(p)) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    if (this.connections.size >= this.options.maxConnections) return this.fail(c, S.CONNECTION_LIMIT_EXCEEDED);
    this.sendEvent(ev.commandStatus(S.SUCCESS, c.opcode));
    this.initiating = { params: p, extended };
  }

  private onCreateConnectionCancel(c: HciCommand): void {
    const pending = this.initiating;
    if (!pending) return this.fail(c, S.COMMAND_DISALLOWED);
    this.initiating = null;
    this.complete(c, S.SUCCESS);
    // 7.8.13: the cancelled attempt ends in a connection complete event with Unknown Connection Identifier.
    this.sendConnectionComplete(
      {
        status: S.UNKNOWN_CONNECTION_IDENTIFIER,
        handle: 0,
        role: C.ROLE_CENTRAL,
        peerAddressType: pending.params.peerAddressType,
        peerAddress: pending.params.peerAddress,
        interval: 0,
        latency: 0,
        supervisionTimeout: 0,
      },
    );
  }

  private onFilterAcceptList(c: HciCommand, add: boolean): void {
    const r = c.params;
    if (r.length !== 7) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    const key = addrKey(r[0]!, r.subarray(1, 7));
    this.filterAcceptList = this.filterAcceptList.filter((k) => k !== key);
    if (add) this.filterAcceptList.push(key);
    this.complete(c, S.SUCCESS);
  }

  private connection(c: HciCommand, handle: number): Connection | null {
    const conn = this.connections.get(handle);
    if (!conn) this.fail(c, S.UNKNOWN_CONNECTION_IDENTIFIER);
    return conn ?? null;
  }

  private onDisconnect(c: HciCommand): void {
    const { handle, reason } = cmd.decodeDisconnect(c.params);
    const conn = this.connection(c, handle);
    if (!conn) return;
    // 7.1.6: the reasons a host may give.
    if (![0x05, 0x13, 0x14, 0x15, 0x1a, 0x29, 0x3b].includes(reason)) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    this.sendEvent(ev.commandStatus(S.SUCCESS, c.opcode));
    conn.link.requestTerminate(this, reason);
  }

  private onConnectionUpdate(c: HciCommand): void {
    const p = cmd.decodeConnectionUpdate(c.params);
    const conn = this.connection(c, p.handle);
    if (!conn) return;
    if (!cmd.validConnectionParameters(p)) return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    this.sendEvent(ev.commandStatus(S.SUCCESS, c.opcode));
    conn.link.requestUpdate(this, { interval: p.intervalMin, latency: p.maxLatency, supervisionTimeout: p.supervisionTimeout });
  }

  private onReadRssi(c: HciCommand): void {
    const handle = cmd.decodeHandle(c.params);
    const conn = this.connection(c, handle);
    if (!conn) return;
    const rssi = this.air.rssi(conn.peer, this) ?? 127; // 127: RSSI not available (7.5.4)
    this.complete(c, S.SUCCESS, new ByteWriter().u16(handle).i8(rssi));
  }

  private onReadRemote(c: HciCommand, what: 'features' | 'version'): void {
    const handle = cmd.decodeHandle(c.params);
    const conn = this.connection(c, handle);
    if (!conn) return;
    this.sendEvent(ev.commandStatus(S.SUCCESS, c.opcode));
    // The LL procedure takes a round trip: answer after two connection events.
    this.air.clock.at(this.air.clock.now() + 2 * conn.link.intervalMs, () => {
      if (this.connections.get(handle) !== conn) return;
      this.sendEvent(
        what === 'features'
          ? ev.leReadRemoteFeaturesComplete(S.SUCCESS, handle, leFeatures(conn.peer.options))
          : ev.readRemoteVersionInformationComplete(S.SUCCESS, handle, LMP_VERSION_5_4, MANUFACTURER_TEST, LMP_SUBVERSION),
      );
    });
  }

  private onReadPhy(c: HciCommand): void {
    const handle = cmd.decodeHandle(c.params);
    if (!this.connection(c, handle)) return;
    this.complete(c, S.SUCCESS, new ByteWriter().u16(handle).u8(1).u8(1));
  }

  private onSetDataLength(c: HciCommand): void {
    const p = cmd.decodeSetDataLength(c.params);
    const conn = this.connection(c, p.handle);
    if (!conn) return;
    if (p.txOctets < 0x1b || p.txOctets > 0xfb || p.txTime < 0x0148 || p.txTime > 0x4290) {
      return this.fail(c, S.INVALID_HCI_COMMAND_PARAMETERS);
    }
    this.complete(c, S.SUCCESS, new ByteWriter().u16(p.handle));
    // Data Length Update procedure: the peer accepts up to what its controller can receive.
    const peerMax = conn.peer.options.dataLengthExtension ? C.LL_MAX_DATA_OCTETS : C.LL_DEFAULT_DATA_OCTETS;
    const side = conn.link.side(this);
    const tx = Math.min(p.txOctets, peerMax);
    if (tx === side.txOctets) return;
    side.txOctets = tx;
    const rx = conn.link.other(this).txOctets;
    this.sendEvent(ev.leDataLengthChange(conn.handle, tx, octetsToTime(tx), rx, octetsToTime(rx)));
    conn.peer.dataLengthChanged(conn.link, rx, tx);
  }

  /** The peer changed the link's data length: tell our host. */
  dataLengthChanged(link: Link, tx: number, rx: number): void {
    const conn = this.byLink.get(link);
    if (conn) this.sendEvent(ev.leDataLengthChange(conn.handle, tx, octetsToTime(tx), rx, octetsToTime(rx)));
  }

  // ---- ACL data ----------------------------------------------------------------------------

  private onAcl(p: HciAcl): void {
    const conn = this.connections.get(p.handle);
    if (!conn) {
      this.report('protocol-error', `ACL data for unknown handle 0x${p.handle.toString(16)} dropped`);
      return;
    }
    if (this.aclInFlight >= this.options.leAclBufferCount) {
      // The host sent more than the buffers it was given (7.8.2): the packet is lost.
      this.report('protocol-error', `ACL buffer overflow on handle 0x${p.handle.toString(16)}`);
      this.sendEvent(ev.dataBufferOverflow());
      return;
    }
    this.aclInFlight++;
    conn.inFlight++;
    const side = conn.link.side(this);
    const size = side.txOctets;
    const fragments = Math.max(1, Math.ceil(p.data.length / size));
    let remaining = fragments;
    const onAck = (): void => {
      if (--remaining > 0 || this.connections.get(conn.handle) !== conn) return;
      conn.inFlight--;
      this.aclInFlight--;
      conn.completed++;
    };
    const start = p.pb === C.PB_FIRST_NON_FLUSHABLE || p.pb === C.PB_FIRST_FLUSHABLE;
    for (let i = 0; i < fragments; i++) {
      const pdu: LlPdu = {
        llid: start && i === 0 ? 'start' : 'continuation',
        data: p.data.subarray(i * size, (i + 1) * size),
        onAck,
      };
      conn.link.send(this, pdu);
    }
  }

  // ---- link layer (AirNode / LinkPeer) -----------------------------------------------------

  radioOn(): boolean {
    return this.powered;
  }

  onLink(link: Link): boolean {
    return this.powered && this.byLink.has(link);
  }

  hearAdvertisement(from: AirNode, pdu: AdvertisingPdu, rssi: number): void {
    const directed = pdu.type === C.ADV_DIRECT_IND_HIGH || pdu.type === C.ADV_DIRECT_IND_LOW;
    if (directed && !this.isMe(pdu.targetAddress!)) return;
    const peer = from as Controller;
    if (this.initiating && this.tryConnect(peer, pdu)) return;
    if (!this.scan.enabled) return;
    // A scan window shorter than the interval hears that fraction of advertising events.
    const p = this.scan.params;
    if (p.window < p.interval && this.air.random() > p.window / p.interval) return;
    const reportType = directed ? C.REPORT_ADV_DIRECT_IND : pdu.type;
    this.reportAdvertisement(pdu, reportType, pdu.data, rssi);
    const scannable = pdu.type === C.ADV_IND || pdu.type === C.ADV_SCAN_IND;
    if (p.active && scannable) {
      const rsp = this.air.scanRequest(this, peer);
      if (rsp) this.reportAdvertisement(pdu, C.REPORT_SCAN_RSP, rsp.data, rsp.rssi);
    }
  }

  private reportAdvertisement(pdu: AdvertisingPdu, reportType: number, data: Uint8Array, rssi: number): void {
    if (this.scan.filterDuplicates) {
      const key = `${addrKey(pdu.addressType, pdu.address)}/${reportType}`;
      if (this.scan.seen.has(key)) return;
      this.scan.seen.add(key);
    }
    const fields = { eventType: reportType, addressType: pdu.addressType, address: pdu.address, data, rssi };
    if (this.scan.extended) {
      const scanRspOf = pdu.type === C.ADV_SCAN_IND ? C.EXT_REPORT_SCAN_RSP_TO_ADV_SCAN_IND : C.EXT_REPORT_SCAN_RSP_TO_ADV_IND;
      fields.eventType = reportType === C.REPORT_SCAN_RSP ? scanRspOf : C.EXT_REPORT_LEGACY[reportType]!;
      this.sendEvent(ev.leExtendedAdvertisingReport(fields));
    } else {
      this.sendEvent(ev.leAdvertisingReport(fields));
    }
  }

  private isMe(address: Uint8Array): boolean {
    return sameBytes(address, this.publicAddress) || (this.randomAddress !== null && sameBytes(address, this.randomAddress));
  }

  private tryConnect(peer: Controller, pdu: AdvertisingPdu): boolean {
    const init = this.initiating!;
    const connectable = pdu.type === C.ADV_IND || pdu.type === C.ADV_DIRECT_IND_HIGH || pdu.type === C.ADV_DIRECT_IND_LOW;
    if (!connectable) return false;
    const key = addrKey(pdu.addressType, pdu.address);
    const wanted = init.params.filterPolicy === 0 ? key === addrKey(init.params.peerAddressType, init.params.peerAddress) : this.filterAcceptList.includes(key);
    if (!wanted) return false;
    const params = { interval: init.params.intervalMin, latency: init.params.maxLatency, supervisionTimeout: init.params.supervisionTimeout };
    const link = this.air.connect(this, peer, params, Math.min(this.options.maxPdusPerEvent, peer.options.maxPdusPerEvent));
    if (!link) return false;
    this.initiating = null;
    this.linkOpened(link, 'central', peer, pdu.addressType, pdu.address);
    peer.linkOpened(link, 'peripheral', this, ...Object.values(this.ownAddress(init.params.ownAddressType)) as [number, Uint8Array]);
    return true;
  }

  answerScanRequest(): Uint8Array | null {
    const t = this.adv.params.advertisingType;
    return this.adv.enabled && (t === C.ADV_IND || t === C.ADV_SCAN_IND) ? this.adv.scanResponse : null;
  }

  acceptConnection(initiator: AirNode): boolean {
    if (!this.adv.enabled || !this.advertisingConnectable() || this.connections.size >= this.options.maxConnections) return false;
    const t = this.adv.params.advertisingType;
    if (t === C.ADV_DIRECT_IND_HIGH || t === C.ADV_DIRECT_IND_LOW) {
      return sameBytes((initiator as Controller).publicAddress, this.adv.params.peerAddress);
    }
    return true;
  }

  private linkOpened(link: Link, role: 'central' | 'peripheral', peer: Controller, peerAddressType: number, peerAddress: Uint8Array): void {
    // Legacy advertising stops when a connection is created (Core Vol 6 Part B 4.4.2).
    if (role === 'peripheral') this.stopAdvertising();
    const handle = this.allocateHandle();
    const conn: Connection = { handle, link, role, peer, inFlight: 0, completed: 0 };
    this.connections.set(handle, conn);
    this.byLink.set(link, conn);
    this.sendConnectionComplete({
      status: S.SUCCESS,
      handle,
      role: role === 'central' ? C.ROLE_CENTRAL : C.ROLE_PERIPHERAL,
      peerAddressType,
      peerAddress,
      interval: link.params.interval,
      latency: link.params.latency,
      supervisionTimeout: link.params.supervisionTimeout,
    });
    this.emit('connection-opened', this, handle);
  }

  private sendConnectionComplete(f: ev.ConnectionCompleteFields): void {
    // A host that unmasked the enhanced event gets it instead of the legacy one (7.7.65.10).
    const enhanced = maskHas(this.leEventMask, C.leEventMaskBit(C.HCI_LE_ENHANCED_CONNECTION_COMPLETE));
    this.sendEvent(enhanced ? ev.leEnhancedConnectionComplete(f) : ev.leConnectionComplete(f));
  }

  private allocateHandle(): number {
    for (;;) {
      const h = this.nextHandle;
      this.nextHandle = this.nextHandle >= 0x0eff ? 0x0040 : this.nextHandle + 1;
      if (!this.connections.has(h)) return h;
    }
  }

  receivePdu(link: Link, pdu: LlPdu): void {
    const conn = this.byLink.get(link);
    if (!conn) return;
    this.toHost({
      kind: 'acl',
      handle: conn.handle,
      pb: pdu.llid === 'start' ? C.PB_FIRST_FLUSHABLE : C.PB_CONTINUING,
      bc: 0,
      data: pdu.data,
    });
  }

  eventDone(link: Link): void {
    const conn = this.byLink.get(link);
    if (!conn || conn.completed === 0) return;
    const packets = conn.completed;
    conn.completed = 0;
    this.sendEvent(ev.numberOfCompletedPackets([{ handle: conn.handle, packets }]));
  }

  linkClosed(link: Link, reason: number): void {
    const conn = this.byLink.get(link);
    if (!conn) return;
    this.byLink.delete(link);
    this.connections.delete(conn.handle);
    // Buffers held for the link are freed without Number Of Completed Packets (7.7.5).
    this.aclInFlight -= conn.inFlight;
    this.sendEvent(ev.disconnectionComplete(S.SUCCESS, conn.handle, reason));
    this.emit('connection-closed', this, conn.handle, reason);
  }

  linkUpdated(link: Link, initiatedHere: boolean, changed: boolean): void {
    const conn = this.byLink.get(link);
    if (!conn || !(initiatedHere || changed)) return;
    const p = link.params;
    this.sendEvent(ev.leConnectionUpdateComplete(S.SUCCESS, conn.handle, p.interval, p.latency, p.supervisionTimeout));
  }

  // ---- inspection --------------------------------------------------------------------------

  get connectionCount(): number {
    return this.connections.size;
  }
  get isAdvertising(): boolean {
    return this.adv.enabled;
  }
  get isScanning(): boolean {
    return this.scan.enabled;
  }
  get isInitiating(): boolean {
    return this.initiating !== null;
  }
  linkWith(peer: Controller): Link | undefined {
    for (const c of this.connections.values()) if (c.peer === peer) return c.link;
    return undefined;
  }
}

function maskHas(mask: Uint8Array, bit: number): boolean {
  return ((mask[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
}

function addrKey(type: number, address: Uint8Array): string {
  return `${type & 1}:${Buffer.from(address).toString('hex')}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Transmit time in microseconds of a data PDU on LE 1M: (payload + 14 octets) x 8 us. Core Vol 6 Part B 4.5.10. */
function octetsToTime(octets: number): number {
  return (octets + 14) * 8;
}
