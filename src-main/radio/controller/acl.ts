// ACL data between the host and the link layer (Core 5.4 Vol 4 Part E 4.1.1, 5.4.2, 7.7.19): the
// LE ACL buffers the host may fill (HCI_LE_Read_Buffer_Size), fragmentation into the connection's
// data PDUs, Number Of Completed Packets once the peer has acknowledged a packet's last
// fragment, and data from the peer to the host.
import type { AirConnection, LlPdu } from '../air/air-connection.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { DataBufferOverflow, NumberOfCompletedPackets } from '../../hci/events.ts';
import type { HciAcl } from '../../hci/packets.ts';
import type { Connection } from './connections.ts';
import type { ControllerCore } from './core.ts';

/** Link_Type of Data Buffer Overflow (7.7.26). */
const LINK_TYPE_ACL = 0x01;

export class AclData {
  /** Host packets held in the controller's buffers, all connections together. */
  private inFlight = 0;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.inFlight = 0;
  }

  /** A connection closed: its buffers are free again, without Number Of Completed Packets (7.7.5). */
  release(conn: Connection): void {
    this.inFlight -= conn.inFlight;
  }

  fromHost(p: HciAcl): void {
    const core = this.core;
    const conn = core.connections.get(p.handle);
    if (!conn) return core.report('protocol-error', `ACL data for unknown handle 0x${p.handle.toString(16)} dropped`);
    if (this.inFlight >= core.options.leAclBufferCount) {
      // The host sent more than the buffers it was given (7.8.2): the packet is lost.
      core.report('protocol-error', `ACL buffer overflow on handle 0x${p.handle.toString(16)}`);
      return core.sendEvent(encodeEvent(DataBufferOverflow, { linkType: LINK_TYPE_ACL }));
    }
    this.inFlight++;
    conn.inFlight++;
    const size = conn.air.side(core).txOctets;
    const fragments = Math.max(1, Math.ceil(p.data.length / size));
    let remaining = fragments;
    const onAck = (): void => {
      if (--remaining > 0 || core.connections.get(conn.handle) !== conn) return;
      conn.inFlight--;
      this.inFlight--;
      conn.completed++;
    };
    const start = p.pb === C.PB_FIRST_NON_FLUSHABLE || p.pb === C.PB_FIRST_FLUSHABLE;
    for (let i = 0; i < fragments; i++) {
      const pdu: LlPdu = { llid: start && i === 0 ? 'start' : 'continuation', data: p.data.subarray(i * size, (i + 1) * size), onAck };
      conn.air.send(core, pdu);
    }
  }

  /** A data PDU from the peer goes to the host as it came: a start or a continuing fragment. */
  fromPeer(air: AirConnection, pdu: LlPdu): HciAcl | null {
    const conn = this.core.connections.forAir(air);
    if (!conn) return null;
    return { kind: 'acl', handle: conn.handle, pb: pdu.llid === 'start' ? C.PB_FIRST_FLUSHABLE : C.PB_CONTINUING, bc: 0, data: pdu.data };
  }

  /** After each connection event: report the packets completed on the connection. */
  eventDone(air: AirConnection): void {
    const conn = this.core.connections.forAir(air);
    if (!conn || conn.completed === 0) return;
    const packets = conn.completed;
    conn.completed = 0;
    this.core.sendEvent(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: conn.handle, numCompletedPackets: packets }] }));
  }
}
