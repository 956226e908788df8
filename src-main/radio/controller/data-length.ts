// LE Data Packet Length Extension (Core 5.4 Vol 4 Part E 7.8.33 LE Set Data Length, 7.8.34/7.8.35
// Suggested Default Data Length, 7.8.46 LE Read Maximum Data Length, 7.7.65.7 LE Data Length
// Change; Vol 6 Part B 4.5.10 the effective values, 5.1.9 Data Length Update procedure). Each side
// keeps connMaxTx{Octets,Time} (its host's wish) and offers connMaxRx{Octets,Time} (what its model
// can receive); LL_LENGTH_REQ/RSP swap them and each direction runs at the smaller of the two.
import { pduAirtimeUs, type Phy } from '../../hci/airtime.ts';
import { LeReadMaximumDataLength, LeReadSuggestedDefaultDataLength, LeSetDataLength, LeWriteSuggestedDefaultDataLength } from '../../hci/commands/le-controller.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LeDataLengthChange } from '../../hci/le-events.ts';
import type { Connection } from './connections.ts';
import type { ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';
import { phyOf } from './phy.ts';

/** Ranges of TX_Octets and TX_Time (7.8.33, 7.8.35). */
const OCTETS_RANGE = [C.LL_DEFAULT_DATA_OCTETS, C.LL_MAX_DATA_OCTETS] as const;
const TIME_RANGE = [C.LL_DEFAULT_DATA_TIME, 0x4290] as const;
/** LL_LENGTH_REQ at one event, LL_LENGTH_RSP at the next (Vol 6 Part B 5.1.9). */
const ROUND_TRIP_EVENTS = 2;

/** One side's values in LL_LENGTH_REQ/RSP and in LE Data Length Change. */
export interface DataLength {
  maxTxOctets: number;
  maxTxTime: number;
  maxRxOctets: number;
  maxRxTime: number;
}

export const DEFAULT_DATA_LENGTH: DataLength = {
  maxTxOctets: C.LL_DEFAULT_DATA_OCTETS,
  maxTxTime: C.LL_DEFAULT_DATA_TIME,
  maxRxOctets: C.LL_DEFAULT_DATA_OCTETS,
  maxRxTime: C.LL_DEFAULT_DATA_TIME,
};

const inRange = (v: number, [lo, hi]: readonly [number, number]): boolean => v >= lo && v <= hi;

/**
 * The largest payload whose PDU fits in `timeUs` on `phy`, counting the MIC as 4.5.10's times do
 * ((27 + 14) x 8 = 328 us on LE 1M), and never under 27 octets.
 */
export function octetsWithin(timeUs: number, phy: Phy): number {
  let n = C.LL_MAX_DATA_OCTETS;
  while (n > C.LL_DEFAULT_DATA_OCTETS && pduAirtimeUs(phy, n, true) > timeUs) n--;
  return n;
}

export class DataLengthUpdate {
  private suggestedTxOctets: number = C.LL_DEFAULT_DATA_OCTETS;
  private suggestedTxTime: number = C.LL_DEFAULT_DATA_TIME;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.suggestedTxOctets = C.LL_DEFAULT_DATA_OCTETS;
    this.suggestedTxTime = C.LL_DEFAULT_DATA_TIME;
  }

  private get supported(): DataLength {
    if (!this.core.options.dataLengthExtension) return DEFAULT_DATA_LENGTH;
    return { maxTxOctets: C.LL_MAX_DATA_OCTETS, maxTxTime: C.LL_MAX_DATA_TIME_1M, maxRxOctets: C.LL_MAX_DATA_OCTETS, maxRxTime: C.LL_MAX_DATA_TIME_1M };
  }

  handlers(): CommandHandler[] {
    if (!this.core.options.dataLengthExtension) return [];
    const S = C.HciStatus;
    return [
      handle(LeReadMaximumDataLength, () => {
        const s = this.supported;
        return ok({ supportedMaxTxOctets: s.maxTxOctets, supportedMaxTxTime: s.maxTxTime, supportedMaxRxOctets: s.maxRxOctets, supportedMaxRxTime: s.maxRxTime });
      }),
      handle(LeReadSuggestedDefaultDataLength, () => ok({ suggestedMaxTxOctets: this.suggestedTxOctets, suggestedMaxTxTime: this.suggestedTxTime })),
      handle(LeWriteSuggestedDefaultDataLength, (p) => {
        if (!inRange(p.suggestedMaxTxOctets, OCTETS_RANGE) || !inRange(p.suggestedMaxTxTime, TIME_RANGE)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        this.suggestedTxOctets = p.suggestedMaxTxOctets;
        this.suggestedTxTime = p.suggestedMaxTxTime;
        return ok();
      }),
      handle(LeSetDataLength, (p) => {
        const conn = this.core.connections.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        if (!inRange(p.txOctets, OCTETS_RANGE) || !inRange(p.txTime, TIME_RANGE)) return refuse(S.INVALID_HCI_COMMAND_PARAMETERS);
        // Larger than the model can send: it uses its maximum (7.8.33 "may use smaller values").
        conn.maxTxOctets = Math.min(p.txOctets, this.supported.maxTxOctets);
        conn.maxTxTime = Math.min(p.txTime, this.supported.maxTxTime);
        return ok({ connectionHandle: p.connectionHandle }, () => this.exchange(conn));
      }),
    ];
  }

  /** A new connection starts from the host's suggested default (7.8.35); a controller offers more on its own if that is above 27 octets. */
  opened(conn: Connection): void {
    conn.maxTxOctets = Math.min(this.suggestedTxOctets, this.supported.maxTxOctets);
    conn.maxTxTime = Math.min(this.suggestedTxTime, this.supported.maxTxTime);
    if (conn.maxTxOctets > C.LL_DEFAULT_DATA_OCTETS || conn.maxTxTime > C.LL_DEFAULT_DATA_TIME) this.exchange(conn);
  }

  /** Data Length Update procedure: LL_LENGTH_REQ/RSP, then both sides apply and tell their hosts. */
  private exchange(conn: Connection): void {
    // A peer without the feature answers LL_UNKNOWN_RSP: nothing changes, nobody is told.
    if (!conn.peer.options.dataLengthExtension) return;
    this.core.connections.afterEvents(conn, ROUND_TRIP_EVENTS, () => {
      const remote = conn.peer.connections.forAir(conn.air);
      if (!remote) return;
      this.apply(conn, remote);
      conn.peer.dataLength.apply(remote, conn);
    });
  }

  /** connEffective* of 4.5.10 for this side; a LE Data Length Change if they differ from the last ones. */
  private apply(conn: Connection, remote: Connection): void {
    const mine = this.supported;
    const theirs = remote.peer.dataLength.supported;
    const next: DataLength = {
      maxTxOctets: Math.min(conn.maxTxOctets, theirs.maxRxOctets),
      maxTxTime: Math.max(C.LL_DEFAULT_DATA_TIME, Math.min(conn.maxTxTime, theirs.maxRxTime)),
      maxRxOctets: Math.min(mine.maxRxOctets, remote.maxTxOctets),
      maxRxTime: Math.max(C.LL_DEFAULT_DATA_TIME, Math.min(mine.maxRxTime, remote.maxTxTime)),
    };
    const last = conn.dataLength;
    conn.dataLength = next;
    this.phyChanged(conn);
    if (next.maxTxOctets === last.maxTxOctets && next.maxTxTime === last.maxTxTime && next.maxRxOctets === last.maxRxOctets && next.maxRxTime === last.maxRxTime) return;
    this.core.sendEvent(encodeEvent(LeDataLengthChange, { connectionHandle: conn.handle, ...next }));
  }

  /** The octets this side puts in a PDU: limited by both the octets and the time allowed on the current PHY. */
  phyChanged(conn: Connection): void {
    const side = conn.air.side(this.core);
    side.txOctets = Math.min(conn.dataLength.maxTxOctets, octetsWithin(conn.dataLength.maxTxTime, phyOf(conn.txPhy)));
    side.rxOctets = Math.min(conn.dataLength.maxRxOctets, octetsWithin(conn.dataLength.maxRxTime, phyOf(conn.rxPhy)));
  }
}
