// L2CAP over LE ACL-U: reassembly of fragmented ACL data into B-frames, fragmentation of B-frames
// into the controller's LE ACL buffer size, and one FIFO for everything going out so that nothing
// is reordered or dropped while the controller's buffers are full. Core 5.4 Vol 3 Part A 7.2
// (fragmentation and recombination) and Vol 4 Part E 5.4.2 (Packet_Boundary_Flag).
import { DecodeError } from '../hci/bytes.ts';
import { PB_CONTINUING, PB_FIRST_NON_FLUSHABLE } from '../hci/constants.ts';
import { decodeL2cap, encodeL2cap, L2CAP_HEADER_SIZE, l2capPduLength } from '../hci/l2cap-frame.ts';
import type { HciTransport } from './hci-transport.ts';

/**
 * Longest L2CAP PDU reassembled, header included: BTstack's HCI_ACL_PAYLOAD_SIZE in MicroPython's
 * extmod/btstack/btstack_config_common.h. Longer PDUs are dropped, as BTstack drops them.
 */
export const HCI_ACL_PAYLOAD_SIZE = 1021;

interface Reassembly {
  chunks: Uint8Array[];
  have: number;
  want: number | null;
}

interface OutgoingPdu {
  handle: number;
  fragments: Uint8Array[];
  started: boolean;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export class L2cap {
  onFrame: (handle: number, cid: number, payload: Uint8Array) => void = () => {};
  /** The FIFO is empty and a buffer is free: a good moment to send what waited for one. */
  onCanSend: () => void = () => {};
  onLog: (message: string) => void = () => {};

  private readonly open = new Set<number>();
  private readonly rx = new Map<number, Reassembly>();
  private readonly tx: OutgoingPdu[] = [];
  private pumping = false;

  constructor(private readonly hci: HciTransport) {}

  openConnection(handle: number): void {
    this.open.add(handle);
  }

  /** Drops everything for the connection: partial input and output not yet handed to the controller. */
  closeConnection(handle: number): void {
    this.open.delete(handle);
    this.rx.delete(handle);
    for (let i = this.tx.length - 1; i >= 0; i--) if (this.tx[i]!.handle === handle) this.tx.splice(i, 1);
  }

  reset(): void {
    this.open.clear();
    this.rx.clear();
    this.tx.length = 0;
  }

  /** True when a new PDU would go to the controller at once (BTstack's "can send now"). */
  canSendNow(): boolean {
    return this.tx.length === 0 && this.hci.freeAclBuffers > 0;
  }

  /** Bytes queued for the controller, for diagnostics and tests. */
  get queuedPdus(): number {
    return this.tx.length;
  }

  send(handle: number, cid: number, payload: Uint8Array): void {
    if (!this.open.has(handle)) return;
    const frame = encodeL2cap({ cid, payload });
    const size = this.hci.aclBufferLength;
    const fragments: Uint8Array[] = [];
    for (let at = 0; at < frame.length; at += size) fragments.push(frame.subarray(at, at + size));
    this.tx.push({ handle, fragments, started: false });
    this.pump();
  }

  /** Hands fragments to the controller while it has buffers; call again when buffers are freed. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        while (this.tx.length > 0 && this.hci.freeAclBuffers > 0) {
          const head = this.tx[0]!;
          const fragment = head.fragments.shift()!;
          this.hci.sendAcl(head.handle, head.started ? PB_CONTINUING : PB_FIRST_NON_FLUSHABLE, fragment);
          head.started = true;
          if (head.fragments.length === 0) this.tx.shift();
        }
        if (!this.canSendNow()) break;
        this.onCanSend();
        if (this.tx.length === 0) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  receiveAcl(handle: number, pb: number, data: Uint8Array): void {
    if (!this.open.has(handle)) return this.onLog(`ACL data for unknown handle 0x${handle.toString(16)} dropped`);
    let rx = this.rx.get(handle);
    if (pb === PB_CONTINUING) {
      if (!rx) return this.onLog('continuation fragment without a start: dropped');
      rx.chunks.push(data);
      rx.have += data.length;
    } else {
      if (rx) this.onLog('start fragment while reassembling: the unfinished PDU is dropped');
      rx = { chunks: [data], have: data.length, want: null };
      this.rx.set(handle, rx);
    }
    const length = rx.want === null ? l2capPduLength(concat(rx.chunks, rx.have)) : null;
    if (length !== null) {
      rx.want = L2CAP_HEADER_SIZE + length;
      if (rx.want > HCI_ACL_PAYLOAD_SIZE) {
        this.rx.delete(handle);
        return this.onLog(`L2CAP PDU of ${rx.want} octets exceeds ${HCI_ACL_PAYLOAD_SIZE}: dropped`);
      }
    }
    if (rx.want === null || rx.have < rx.want) return;
    this.rx.delete(handle);
    if (rx.have > rx.want) return this.onLog(`ACL data (${rx.have} octets) longer than its L2CAP PDU (${rx.want}): dropped`);
    try {
      const frame = decodeL2cap(concat(rx.chunks, rx.have));
      this.onFrame(handle, frame.cid, frame.payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.onLog(e.message);
    }
  }
}
