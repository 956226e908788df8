// The shared medium: every node hears every other node's advertising within range, and air
// connections lose packets by distance, by a per-pair packet error rate, or when jammed.
import type { Clock } from '../../hci/clock.ts';
import { realClock } from '../../hci/clock.ts';
import { AirConnection, type AirConnectionParameters, type ConnectionPeer } from './air-connection.ts';
import { DEFAULT_PATH_LOSS, distance, meanRssi, sampleRssi, type PathLossModel, type Position } from './path-loss.ts';

export interface AdvertisingPdu {
  /** Legacy advertising type as in HCI_LE_Set_Advertising_Parameters (ADV_IND, ...). */
  type: number;
  addressType: number;
  address: Uint8Array;
  data: Uint8Array;
  /** For directed advertising: the only initiator that may connect. */
  targetAddress?: Uint8Array;
  /**
   * Extended advertising PDUs (ADV_EXT_IND pointing to AUX_ADV_IND, Core 5.4 Vol 6 Part B 2.3.4):
   * only extended scanners and initiators hear them; `type` then gives the legacy equivalent of the
   * connectable, scannable and directed properties.
   */
  extended?: { properties: number; sid: number; secondaryPhy: number };
}

export interface AirNode extends ConnectionPeer {
  position: Position;
  /** False while the node is powered off: it neither sends nor hears. */
  radioOn(): boolean;
  /** A node's receiver: called for each advertising PDU it can hear. */
  hearAdvertisement(from: AirNode, pdu: AdvertisingPdu, rssi: number): void;
  /** SCAN_REQ to this node: its scan response data, or null if it is not scannable now. */
  answerScanRequest(): Uint8Array | null;
  /** CONNECT_IND to this node: true if it accepts (it is advertising connectably, has room). */
  acceptConnection(initiator: AirNode): boolean;
}

export interface AirOptions {
  clock?: Clock;
  random?: () => number;
  pathLoss?: PathLossModel;
}

const pairKey = (a: AirNode, b: AirNode): string => (a.id < b.id ? `${a.id}\u0000${b.id}` : `${b.id}\u0000${a.id}`);

export class Air {
  readonly clock: Clock;
  readonly random: () => number;
  readonly pathLoss: PathLossModel;
  private readonly nodes = new Set<AirNode>();
  private readonly connections = new Set<AirConnection>();
  private readonly errorRates = new Map<string, number>();

  constructor(options: AirOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.pathLoss = options.pathLoss ?? DEFAULT_PATH_LOSS;
  }

  attach(node: AirNode): void {
    this.nodes.add(node);
  }
  detach(node: AirNode): void {
    this.nodes.delete(node);
  }

  /** Mean RSSI between two nodes, without noise. */
  meanRssi(a: AirNode, b: AirNode): number {
    return meanRssi(this.pathLoss, distance(a.position, b.position));
  }

  /** One RSSI sample from `a` at `b`, or null when `b` cannot hear `a` at all. */
  rssi(a: AirNode, b: AirNode): number | null {
    if (!a.radioOn() || !b.radioOn()) return null;
    const sample = sampleRssi(this.pathLoss, distance(a.position, b.position), this.random);
    return sample >= this.pathLoss.sensitivityDbm ? sample : null;
  }

  /** One advertising event on the three primary channels, as every listener hears it. */
  advertise(from: AirNode, pdu: AdvertisingPdu): void {
    for (const node of this.nodes) {
      if (node === from) continue;
      const rssi = this.rssi(from, node);
      if (rssi !== null) node.hearAdvertisement(from, pdu, rssi);
    }
  }

  /** SCAN_REQ / SCAN_RSP exchange: both packets must get through. */
  scanRequest(scanner: AirNode, advertiser: AirNode): { data: Uint8Array; rssi: number } | null {
    if (this.rssi(scanner, advertiser) === null) return null;
    const data = advertiser.answerScanRequest();
    if (data === null) return null;
    const rssi = this.rssi(advertiser, scanner);
    return rssi === null ? null : { data, rssi };
  }

  /** CONNECT_IND from `central` to `peripheral`; returns the new connection, or null if not accepted. */
  connect(central: AirNode, peripheral: AirNode, params: AirConnectionParameters, maxEventUs: number): AirConnection | null {
    if (this.rssi(central, peripheral) === null || !peripheral.acceptConnection(central)) return null;
    const connection = new AirConnection(
      {
        clock: this.clock,
        random: this.random,
        received: (c, from, to) => this.received(c, from as AirNode, to as AirNode),
        onClosed: (c) => this.connections.delete(c),
      },
      central,
      peripheral,
      params,
      maxEventUs,
    );
    connection.packetErrorRate = this.errorRates.get(pairKey(central, peripheral)) ?? 0;
    this.connections.add(connection);
    return connection;
  }

  private received(connection: AirConnection, from: AirNode, to: AirNode): boolean {
    if (connection.jammed || !from.inConnection(connection) || !to.inConnection(connection)) return false;
    if (this.rssi(from, to) === null) return false;
    return connection.packetErrorRate === 0 || this.random() >= connection.packetErrorRate;
  }

  connectionsBetween(a: AirNode, b: AirNode): AirConnection[] {
    return [...this.connections].filter(
      (c) => (c.central.peer === a && c.peripheral.peer === b) || (c.central.peer === b && c.peripheral.peer === a),
    );
  }

  allConnections(): readonly AirConnection[] {
    return [...this.connections];
  }

  /** Packet error rate for every connection between two nodes, now and for connections made later. */
  setPacketErrorRate(a: AirNode, b: AirNode, rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError('packet error rate must be between 0 and 1');
    this.errorRates.set(pairKey(a, b), rate);
    for (const c of this.connectionsBetween(a, b)) c.packetErrorRate = rate;
  }

  /**
   * Drops the connections between two nodes as interference would: nothing gets through, so both
   * sides end them with Connection Timeout after the supervision timeout. The pair can connect again.
   */
  dropConnections(a: AirNode, b: AirNode): number {
    const dropped = this.connectionsBetween(a, b);
    for (const c of dropped) c.jammed = true;
    return dropped.length;
  }
}
