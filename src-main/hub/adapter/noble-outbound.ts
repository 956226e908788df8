// What each link has in flight through noble. noble keeps one ACL queue per adapter
// (Hci._aclQueue): first in, first out across every connection, unbounded, and silent about
// progress (a write without response "completes" the moment it is queued). A peer that makes the
// hub write faster than its own link drains (a PING flood: one PONG each) grows that queue
// without end, and every other link on the adapter waits behind it. Patched once on the module
// noble loaded, this counts per connection handle the ATT Write Commands queued (the hub's only
// writes without response) and those the controller has sent (Number Of Completed Packets), so
// each link can bound what it has in flight (protocol/session.ts). The same count bounds the
// answers noble writes by itself, unasked by the hub, for a peer's requests and indications: past
// STACK_PDUS_PER_LINK in flight on one link they are dropped and counted, since a peer that keeps
// that many requests open breaks ATT's one-request-at-a-time rule (Core 5.4 Vol 3 Part F 3.3.2).
import { createRequire } from 'node:module';
import { ATT_WRITE_CMD } from '../../host/att-codec.ts';
import { L2CAP_CID_ATT } from '../../host/l2cap-codec.ts';
import type { OutboundProgress } from '../protocol/protocol-session.ts';
import { HciStatus } from '../../hci/constants.ts';
import { peekEvent } from '../../hci/event.ts';
import { DisconnectionComplete, NumberOfCompletedPackets } from '../../hci/events.ts';
import { L2CAP_HEADER_SIZE } from '../../hci/l2cap-frame.ts';
import { LeConnectionComplete, LeEnhancedConnectionComplete } from '../../hci/le-events.ts';

/** PDUs noble may have in flight on one link that the hub did not write (see the header). */
export const STACK_PDUS_PER_LINK = 32;

/**
 * One link's outbound traffic: `done` counts the Write Commands (the session's writes, in order)
 * whose every packet the controller has reported sent since the connection came up.
 */
export interface Outbound extends OutboundProgress {
  /** PDUs noble wrote unasked and the bound dropped (STACK_PDUS_PER_LINK). */
  readonly refused: number;
}

interface Pdu {
  /** ACL packets not yet reported sent. */
  packets: number;
  write: boolean;
}

/** One connection handle's count. Reset by a new connection on that handle. */
class HandleTraffic implements Outbound {
  done = 0;
  refused = 0;
  /** PDUs handed to noble and not yet wholly sent, oldest first: a handle's packets complete in order. */
  readonly pdus: Pdu[] = [];
  /** How many of `pdus` noble wrote by itself. */
  stackPdus = 0;
  readonly listeners = new Set<() => void>();

  onDone(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts `n` packets sent; true when a Write Command completed. */
  complete(n: number): boolean {
    let wrote = false;
    while (n > 0 && this.pdus.length > 0) {
      const head = this.pdus[0]!;
      const k = Math.min(n, head.packets);
      head.packets -= k;
      n -= k;
      if (head.packets > 0) break;
      this.pdus.shift();
      if (head.write) {
        this.done++;
        wrote = true;
      } else this.stackPdus--;
    }
    return wrote;
  }
}

interface AclBuffers {
  length: number;
  num: number;
}

interface HciState {
  _aclBuffers?: AclBuffers;
  picolinkTraffic?: Map<number, HandleTraffic>;
}

interface HciPrototype {
  onSocketData(this: HciState, data: Buffer): void;
  writeAclDataPkt(this: HciState, handle: number, cid: number, data: Buffer): Promise<void> | undefined;
  picolinkOutbound?: boolean;
}

function trafficOf(hci: HciState, handle: number): HandleTraffic {
  hci.picolinkTraffic ??= new Map();
  let t = hci.picolinkTraffic.get(handle);
  if (!t) {
    t = new HandleTraffic();
    hci.picolinkTraffic.set(handle, t);
  }
  return t;
}

/** ACL packets noble cuts an L2CAP PDU of `length` octets into (hci.js writeAclDataPkt). */
function packetsFor(hci: HciState, length: number): number {
  const size = hci._aclBuffers?.length;
  return size ? Math.max(1, Math.ceil((L2CAP_HEADER_SIZE + length) / size)) : 1;
}

/** Completions per handle in an HCI_Number_Of_Completed_Packets event (Core 5.4 Vol 4 Part E 7.7.19), or null. */
function completedPackets(data: Buffer): [handle: number, packets: number][] | null {
  return peekEvent(data, NumberOfCompletedPackets)?.handles.map((h) => [h.connectionHandle, h.numCompletedPackets]) ?? null;
}

/** The handle of a successful LE (Enhanced) Connection Complete (7.7.65.1, 7.7.65.10), else null. */
function connectedHandle(data: Buffer): number | null {
  const e = peekEvent(data, LeConnectionComplete) ?? peekEvent(data, LeEnhancedConnectionComplete);
  return e?.status === HciStatus.SUCCESS ? e.connectionHandle : null;
}

/** The handle of a successful HCI_Disconnection_Complete (7.7.5), else null. */
function disconnectedHandle(data: Buffer): number | null {
  const e = peekEvent(data, DisconnectionComplete);
  return e?.status === HciStatus.SUCCESS ? e.connectionHandle : null;
}

/** What was counted for a handle is gone with its connection, as noble's queue for it is. */
function forget(hci: HciState, handle: number): void {
  hci.picolinkTraffic?.get(handle)?.listeners.clear();
  hci.picolinkTraffic?.delete(handle);
}

function completed(hci: HciState, data: Buffer): void {
  const reports = completedPackets(data);
  if (!reports || !hci.picolinkTraffic) return;
  for (const [handle, packets] of reports) {
    const t = hci.picolinkTraffic.get(handle);
    if (t?.complete(packets)) for (const l of [...t.listeners]) l();
  }
}

/** Installs the count on noble's Hci; idempotent. Called by hardenNoble(). */
export function countNobleOutbound(): void {
  const require = createRequire(import.meta.url);
  const Hci = require(require.resolve('@stoprocent/noble/lib/hci-socket/hci.js')) as { prototype: HciPrototype };
  const proto = Hci.prototype;
  if (typeof proto.writeAclDataPkt !== 'function' || typeof proto.onSocketData !== 'function') {
    throw new Error('this version of noble has no Hci.writeAclDataPkt/onSocketData; noble-outbound needs updating');
  }
  if (proto.picolinkOutbound) return;
  const write = proto.writeAclDataPkt;
  proto.writeAclDataPkt = function (handle, cid, data) {
    const t = trafficOf(this, handle);
    const ours = cid === L2CAP_CID_ATT && data[0] === ATT_WRITE_CMD;
    if (!ours) {
      if (t.stackPdus >= STACK_PDUS_PER_LINK) {
        t.refused++;
        return undefined;
      }
      t.stackPdus++;
    }
    // Counted before noble queues it (after an await): a handle's packets still go out in call order.
    t.pdus.push({ packets: packetsFor(this, data.length), write: ours });
    return write.call(this, handle, cid, data);
  };
  const parse = proto.onSocketData;
  proto.onSocketData = function (data) {
    // Before noble sees a new connection: it writes its first request (MTU exchange) from inside.
    const connected = connectedHandle(data);
    if (connected !== null) forget(this, connected);
    try {
      parse.call(this, data);
    } finally {
      const gone = disconnectedHandle(data);
      if (gone !== null) forget(this, gone);
      else completed(this, data);
    }
  };
  proto.picolinkOutbound = true;
}

interface NobleInternals {
  _bindings?: { _hci?: HciState; _handles?: Record<string, number | string> };
}

/** The count for a connected noble peripheral, or null when its bindings are not noble's HCI ones (BlueZ over D-Bus). */
export function outboundOf(peripheral: { id: string }): Outbound | null {
  const bindings = (peripheral as { _noble?: NobleInternals })._noble?._bindings;
  const handle = bindings?._handles?.[peripheral.id];
  if (!bindings?._hci || typeof handle !== 'number') return null;
  return trafficOf(bindings._hci, handle);
}

/** ACL packets waiting in noble's adapter-wide queue (not yet given to the controller): for tests and the bench. */
export function aclQueueLength(noble: object): number | null {
  const hci = (noble as NobleInternals)._bindings?._hci as { _aclQueue?: unknown[] } | undefined;
  return hci?._aclQueue?.length ?? null;
}
