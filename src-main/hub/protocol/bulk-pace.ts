// How much bulk a PicoLink link lets run ahead of a PING or PONG (docs/PROTOCOL.md 5, "Bulk
// ahead of a ping"). Both ends queue in order: a PONG notified behind a window of THROUGHPUT_DATA
// waits in MicroPython's heap queue until every value before it is on the air
// (extmod/modbluetooth_btstack.c mp_bluetooth_gatts_notify_indicate: a notification that finds
// the ACL buffers full is copied into a pending op and queued with
// att_server_request_to_send_notification, first in first out), and a PING written by the hub
// waits behind what the adapter already holds. Sixteen 512-octet frames at 1M and 27-octet PDUs
// are about 320 PDUs: 15 connection events at 15 ms even if every event filled the interval, 30
// at a Pico W's event length (the ~600 ms ping seen during a throughput test, issue 15). Bulk
// ahead of about AHEAD_INTERVALS events of the link's capacity, and never less than two frames,
// bounds that wait and still keeps the link busy while a CREDIT comes back: frames heard in one
// event are credited by a write that goes at the next anchor, so with one event ahead the sender
// idles every other event (50% of capacity measured, 87% with two; test/hub/load-latency.int.test.ts).
import { linkCapacity, type Phy } from '../../hci/airtime.ts';
import { CONN_INTERVAL_UNIT_MS, LL_DEFAULT_DATA_OCTETS } from '../../hci/constants.ts';
import { ATT_VALUE_OVERHEAD, MAX_VALUE, WINDOW } from './frames.ts';

/** Connection events of bulk a sender may have ahead of a control frame. */
export const AHEAD_INTERVALS = 2;
/** Never fewer frames ahead than this: one on the air while the CREDIT for the other comes back. */
export const MIN_FRAMES_AHEAD = 2;

/** What the hub knows of one link; `assumed` lists what it could not learn and took a default for. */
export interface LinkShape {
  phy: Phy;
  intervalMs: number;
  attMtu: number;
  maxTxOctets: number;
  /** Which of phy / maxTxOctets are defaults rather than reported by the adapter. */
  assumed: ('phy' | 'data-length')[];
}

/** The largest ATT value one PicoLink frame fills at this MTU (PROTOCOL.md 3: min(ATT_MTU - 3, 512)). */
export function valueOctets(attMtu: number): number {
  return Math.min(attMtu - ATT_VALUE_OVERHEAD, MAX_VALUE);
}

/** Application bytes per second one direction of the link can carry in full frames: the physical limit. */
export function linkLimit(shape: LinkShape, op: 'notify' | 'write-without-response' = 'notify'): number {
  return linkCapacity({
    phy: shape.phy,
    intervalMs: shape.intervalMs,
    maxTxOctets: shape.maxTxOctets,
    // A value never exceeds 512 octets, so an MTU above 515 carries no more per value.
    attMtu: valueOctets(shape.attMtu) + ATT_VALUE_OVERHEAD,
    op,
  }).applicationBytesPerSecond;
}

/**
 * Full frames that fill AHEAD_INTERVALS connection events at the link's capacity, between
 * MIN_FRAMES_AHEAD and WINDOW: how many counted frames a sender may have on the way, unheard, at once.
 */
export function framesAhead(shape: LinkShape, op: 'notify' | 'write-without-response' = 'notify'): number {
  const bytesPerSecond = linkLimit(shape, op);
  if (!(bytesPerSecond > 0)) return WINDOW;
  const frames = Math.floor((AHEAD_INTERVALS * shape.intervalMs * bytesPerSecond) / 1000 / valueOctets(shape.attMtu));
  return Math.min(WINDOW, Math.max(MIN_FRAMES_AHEAD, frames));
}

/** The hub's view of a link: 1M and 27 octets (listed in `assumed`) where the controller did not report PHY or data length. */
export function linkShape(intervalMs: number, attMtu: number, phy?: Phy, maxTxOctets?: number): LinkShape {
  const assumed: LinkShape['assumed'] = [];
  if (phy === undefined) assumed.push('phy');
  if (maxTxOctets === undefined) assumed.push('data-length');
  return { phy: phy ?? '1M', intervalMs, attMtu, maxTxOctets: maxTxOctets ?? LL_DEFAULT_DATA_OCTETS, assumed };
}


/** The link's interval: what the device reports (INFO `interval_us`), else the most the hub asked for. */
export function linkIntervalMs(info: Record<string, unknown> | null, requestedMaxInterval: number): number {
  const us = info?.interval_us;
  return typeof us === 'number' && us > 0 ? us / 1000 : requestedMaxInterval * CONN_INTERVAL_UNIT_MS;
}

/** The physical limit a throughput result is shown beside: the link's shape and what it allows. */
export interface ThroughputLimit extends LinkShape {
  /** ATT value octets per second the link can carry from the device to the hub (linkLimit, notify). */
  bytesPerSecond: number;
  /** THROUGHPUT_DATA frames the device was asked to keep unacknowledged; null when its firmware cannot be asked. */
  ahead: number | null;
}

export function throughputLimit(shape: LinkShape, ahead: number | null): ThroughputLimit {
  return { ...shape, assumed: [...shape.assumed], bytesPerSecond: linkLimit(shape, 'notify'), ahead };
}
