// A virtual LE controller: speaks HCI to one host over any HostPort and runs the link layer on
// the shared Air. The procedures are one file each (setup, advertising, scanning, initiating,
// connections, acl); each registers a handler per command, and dispatch.ts answers every command
// with Command Complete or Command Status, unknown ones with Unknown HCI Command.
import { EventEmitter } from 'node:events';
import type { AdvertisingPdu, Air, AirNode } from '../air/air.ts';
import type { AirConnection, LlPdu } from '../air/air-connection.ts';
import type { Position } from '../air/path-loss.ts';
import { parseAddress } from '../../hci/address.ts';
import { DecodeError } from '../../hci/bytes.ts';
import * as C from '../../hci/constants.ts';
import { commandCompleteNop } from '../../hci/events.ts';
import { describeFramerError, H4Framer } from '../../hci/h4-framer.ts';
import { decodePacket, encodePacket, type HciEvent, type HciPacket } from '../../hci/packets.ts';
import type { HostPort } from '../transport/host-port.ts';
import { AclData } from './acl.ts';
import { Advertising } from './advertising.ts';
import { ConnectionParameters } from './connection-parameters.ts';
import { Connections } from './connections.ts';
import type { ControllerCore, ControllerReport } from './core.ts';
import { Encryption } from './encryption.ts';
import { ExtendedAdvertising } from './extended-advertising.ts';
import { DataLengthUpdate } from './data-length.ts';
import { CommandTable } from './dispatch.ts';
import { Initiating } from './initiating.ts';
import type { ControllerOptions } from './options.ts';
import { PhyUpdate } from './phy.ts';
import { Scanning } from './scanning.ts';
import { Setup } from './setup.ts';

/** A partial packet idle this long is dropped: a real UART host writes a packet in one burst. */
const TRANSPORT_IDLE_FLUSH_MS = 100;

export type ControllerEvent = { kind: ControllerReport; node: string; message: string };

export interface ControllerEvents {
  error: [ControllerEvent];
  /** Every H4 packet crossing the transport, for btsnoop capture. */
  packet: ['host-to-controller' | 'controller-to-host', Uint8Array];
  'connection-opened': [Controller, number];
  'connection-closed': [Controller, number, number];
}

export class Controller extends EventEmitter<ControllerEvents> implements ControllerCore {
  readonly id: string;
  position: Position;
  readonly publicAddress: Uint8Array;
  readonly setup: Setup = new Setup(this);
  readonly advertising: Advertising = new Advertising(this);
  readonly extendedAdvertising: ExtendedAdvertising = new ExtendedAdvertising(this);
  readonly scanning: Scanning = new Scanning(this);
  readonly initiating: Initiating = new Initiating(this);
  readonly connections: Connections = new Connections(this);
  readonly connectionParameters: ConnectionParameters = new ConnectionParameters(this);
  readonly phyUpdate: PhyUpdate = new PhyUpdate(this);
  readonly dataLength: DataLengthUpdate = new DataLengthUpdate(this);
  readonly encryption: Encryption = new Encryption(this);
  readonly acl: AclData = new AclData(this);
  private readonly commands = new CommandTable();
  private port: HostPort | null = null;
  private framer: H4Framer;
  private idleTimer: NodeJS.Timeout | null = null;
  private powered = true;

  constructor(
    readonly air: Air,
    readonly options: ControllerOptions,
  ) {
    super();
    this.id = options.name;
    this.position = { ...options.position };
    this.publicAddress = parseAddress(options.address);
    this.framer = this.newFramer();
    for (const p of [this.setup, this.advertising, this.scanning, this.initiating, this.connections, this.encryption, this.connectionParameters, this.phyUpdate, this.dataLength]) {
      this.commands.add(p.handlers());
    }
    if (options.extendedAdvertising) this.commands.add(this.extendedAdvertising.handlers());
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
        // SCO and ISO frame correctly but this controller has no such connections.
        this.report('protocol-error', e instanceof DecodeError ? e.message : `unsupported packet type 0x${out.bytes[0]!.toString(16)}`);
        continue;
      }
      if (packet.kind === 'command') {
        const { answer, after } = this.commands.dispatch(packet, (message) => this.report('protocol-error', message));
        this.sendEvent(answer);
        after?.();
      } else if (packet.kind === 'acl') {
        this.acl.fromHost(packet);
      }
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

  report(kind: ControllerReport, message: string): void {
    // Only emit when someone listens: an unhandled 'error' must never take the radio down.
    if (this.listenerCount('error') > 0) this.emit('error', { kind, node: this.id, message });
  }

  announce(event: 'connection-opened', handle: number): void;
  announce(event: 'connection-closed', handle: number, reason: number): void;
  announce(event: 'connection-opened' | 'connection-closed', handle: number, reason = 0): void {
    if (event === 'connection-opened') this.emit(event, this, handle);
    else this.emit(event, this, handle, reason);
  }

  private toHost(packet: HciPacket): void {
    if (!this.powered || !this.port) return;
    const bytes = encodePacket(packet);
    this.emit('packet', 'controller-to-host', bytes);
    this.port.write(bytes);
  }

  sendEvent(e: HciEvent): void {
    if (this.setup.allows(e)) this.toHost(e);
  }

  // ---- power -------------------------------------------------------------------------------

  get isPowered(): boolean {
    return this.powered;
  }

  /** Power off: the controller goes silent and forgets everything; its connections time out at the peer. */
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
    this.sendEvent(commandCompleteNop());
  }

  moveTo(position: Position): void {
    this.position = { ...position };
  }

  clearHostState(): void {
    this.advertising.reset();
    this.extendedAdvertising.reset();
    this.setup.reset();
    this.scanning.reset();
    this.initiating.reset();
    this.connections.reset();
    this.connectionParameters.reset();
    this.phyUpdate.reset();
    this.dataLength.reset();
    this.encryption.reset();
    this.acl.reset();
  }

  // ---- link layer (AirNode / ConnectionPeer) -----------------------------------------------

  radioOn(): boolean {
    return this.powered;
  }

  inConnection(air: AirConnection): boolean {
    return this.powered && this.connections.forAir(air) !== undefined;
  }

  hearAdvertisement(from: AirNode, pdu: AdvertisingPdu, rssi: number): void {
    const directed = pdu.type === C.ADV_DIRECT_IND_HIGH || pdu.type === C.ADV_DIRECT_IND_LOW;
    if (directed && !this.setup.isMe(pdu.targetAddress!)) return;
    const peer = from as Controller;
    if (this.initiating.tryConnect(peer, pdu)) return;
    this.scanning.hear(peer, pdu, directed, rssi);
  }

  answerScanRequest(): Uint8Array | null {
    return this.advertising.answerScanRequest() ?? this.extendedAdvertising.answerScanRequest();
  }

  acceptConnection(initiator: AirNode): boolean {
    return this.advertising.acceptConnection(initiator as Controller) || this.extendedAdvertising.acceptConnection(initiator as Controller);
  }

  receivePdu(air: AirConnection, pdu: LlPdu): void {
    const packet = this.acl.fromPeer(air, pdu);
    if (packet) this.toHost(packet);
  }

  eventDone(air: AirConnection): void {
    this.acl.eventDone(air);
  }

  connectionClosed(air: AirConnection, reason: number): void {
    this.connections.closed(air, reason);
  }

  connectionUpdated(air: AirConnection, initiatedHere: boolean, changed: boolean): void {
    this.connections.updated(air, initiatedHere, changed);
  }

  // ---- inspection --------------------------------------------------------------------------

  get connectionCount(): number {
    return this.connections.count;
  }
  get isAdvertising(): boolean {
    return this.advertising.isEnabled || this.extendedAdvertising.isEnabled;
  }
  get isScanning(): boolean {
    return this.scanning.isEnabled;
  }
  get isInitiating(): boolean {
    return this.initiating.isPending;
  }
  airConnectionWith(peer: Controller): AirConnection | undefined {
    return this.connections.airConnectionWith(peer);
  }
}
