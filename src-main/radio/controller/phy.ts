// The PHY of each direction of a connection (Core 5.4 Vol 4 Part E 7.8.47 LE Read PHY, 7.8.48 LE
// Set Default PHY, 7.8.49 LE Set PHY, 7.7.65.12 LE PHY Update Complete; Vol 6 Part B 5.1.10 PHY
// Update procedure). Both controllers must support a PHY (LE 2M: feature bit 8, Vol 6 Part B 4.6)
// and both hosts must accept it for a direction to use it. LE Coded is not modelled: no bit, refused.
import type { Phy } from '../../hci/airtime.ts';
import { LeReadPhy, LeSetDefaultPhy, LeSetPhy } from '../../hci/commands/le-controller.ts';
import * as C from '../../hci/constants.ts';
import { encodeEvent } from '../../hci/event.ts';
import { LePhyUpdateComplete } from '../../hci/le-events.ts';
import type { Connection } from './connections.ts';
import type { ControllerCore } from './core.ts';
import { handle, ok, refuse, type CommandHandler } from './dispatch.ts';

/** All_PHYs bits (7.8.48, 7.8.49): the host has no preference for transmitting / receiving. */
const ALL_PHYS_NO_TX_PREFERENCE = 0x01;
const ALL_PHYS_NO_RX_PREFERENCE = 0x02;
/** TX_PHY / RX_PHY values of 7.7.65.12 and 7.8.47. */
const PHY_LE_1M = 0x01;
const PHY_LE_2M = 0x02;

/** LL_PHY_REQ, LL_PHY_RSP, LL_PHY_UPDATE_IND, then the instant (Vol 6 Part B 5.1.10): at least 6 events on. */
const PHY_UPDATE_EVENTS = 2 + 6;
/** LL_PHY_REQ answered by LL_UNKNOWN_RSP. */
const ROUND_TRIP_EVENTS = 2;

interface Preference {
  /** Bit masks of PHYS_LE_* the host accepts for each direction. */
  tx: number;
  rx: number;
}

const NO_PREFERENCE: Preference = { tx: C.PHYS_LE_1M | C.PHYS_LE_2M | C.PHYS_LE_CODED, rx: C.PHYS_LE_1M | C.PHYS_LE_2M | C.PHYS_LE_CODED };

/** The PHYs a controller model supports, as a PHYS_LE_* mask. */
export const supportedPhys = (core: ControllerCore): number => C.PHYS_LE_1M | (core.options.le2mPhy ? C.PHYS_LE_2M : 0);

function preference(allPhys: number, txPhys: number, rxPhys: number): Preference {
  return {
    tx: allPhys & ALL_PHYS_NO_TX_PREFERENCE ? NO_PREFERENCE.tx : txPhys,
    rx: allPhys & ALL_PHYS_NO_RX_PREFERENCE ? NO_PREFERENCE.rx : rxPhys,
  };
}

/** The fastest PHY in `mask` (2M before 1M), or null. */
function fastest(mask: number): number | null {
  if (mask & C.PHYS_LE_2M) return PHY_LE_2M;
  if (mask & C.PHYS_LE_1M) return PHY_LE_1M;
  return null;
}

/** A TX_PHY/RX_PHY value as airtime.ts names it. */
export const phyOf = (value: number): Phy => (value === PHY_LE_2M ? '2M' : '1M');

/** What the air connection times its packets with: one PHY for both directions, the slower if they differ. */
export function airPhy(txPhy: number, rxPhy: number): Phy {
  return txPhy === PHY_LE_2M && rxPhy === PHY_LE_2M ? '2M' : '1M';
}

export class PhyUpdate {
  /** HCI_LE_Set_Default_PHY: the host's preference for connections it does not name. */
  private defaults: Preference = NO_PREFERENCE;

  constructor(private readonly core: ControllerCore) {}

  reset(): void {
    this.defaults = NO_PREFERENCE;
  }

  handlers(): CommandHandler[] {
    const S = C.HciStatus;
    return [
      handle(LeReadPhy, (p) => {
        const conn = this.core.connections.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        return ok({ connectionHandle: p.connectionHandle, txPhy: conn.txPhy, rxPhy: conn.rxPhy });
      }),
      handle(LeSetDefaultPhy, (p) => {
        const status = this.check(p.allPhys, p.txPhys, p.rxPhys);
        if (status !== S.SUCCESS) return refuse(status);
        this.defaults = preference(p.allPhys, p.txPhys, p.rxPhys);
        return ok();
      }),
      handle(LeSetPhy, (p) => {
        const conn = this.core.connections.get(p.connectionHandle);
        if (!conn) return refuse(S.UNKNOWN_CONNECTION_IDENTIFIER);
        const status = this.check(p.allPhys, p.txPhys, p.rxPhys);
        if (status !== S.SUCCESS) return refuse(status);
        return ok({}, () => this.update(conn, preference(p.allPhys, p.txPhys, p.rxPhys)));
      }),
    ];
  }

  /** 7.8.48/7.8.49: a direction with no PHY and no "no preference" bit is invalid; an unsupported PHY is refused. */
  private check(allPhys: number, txPhys: number, rxPhys: number): number {
    const S = C.HciStatus;
    if ((!(allPhys & ALL_PHYS_NO_TX_PREFERENCE) && txPhys === 0) || (!(allPhys & ALL_PHYS_NO_RX_PREFERENCE) && rxPhys === 0)) {
      return S.INVALID_HCI_COMMAND_PARAMETERS;
    }
    const asked = (allPhys & ALL_PHYS_NO_TX_PREFERENCE ? 0 : txPhys) | (allPhys & ALL_PHYS_NO_RX_PREFERENCE ? 0 : rxPhys);
    return asked & ~supportedPhys(this.core) ? S.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE : S.SUCCESS;
  }

  /** PHY Update procedure started by this controller's host. */
  private update(conn: Connection, wanted: Preference): void {
    const peer = conn.peer;
    // A controller with only LE 1M has no PHY Update procedure: LL_UNKNOWN_RSP (the CYW43439 case).
    if (!peer.options.le2mPhy) {
      return this.core.connections.afterEvents(conn, ROUND_TRIP_EVENTS, () => this.report(conn, C.HciStatus.UNSUPPORTED_REMOTE_FEATURE));
    }
    this.core.connections.afterEvents(conn, PHY_UPDATE_EVENTS, () => {
      const remote = peer.connections.forAir(conn.air);
      if (!remote) return;
      const theirs = peer.phyUpdate.defaults;
      const both = supportedPhys(this.core) & supportedPhys(peer);
      // Each direction: what the sender's host may send, the receiver's host may receive, both support.
      const tx = fastest(wanted.tx & theirs.rx & both) ?? conn.txPhy;
      const rx = fastest(theirs.tx & wanted.rx & both) ?? conn.rxPhy;
      const changed = tx !== conn.txPhy || rx !== conn.rxPhy;
      conn.txPhy = remote.rxPhy = tx;
      conn.rxPhy = remote.txPhy = rx;
      conn.air.phy = airPhy(tx, rx);
      this.core.dataLength.phyChanged(conn);
      peer.dataLength.phyChanged(remote);
      this.report(conn, C.HciStatus.SUCCESS);
      // The peer's host hears of it only if something changed (7.7.65.12).
      if (changed) peer.phyUpdate.report(remote, C.HciStatus.SUCCESS);
    });
  }

  private report(conn: Connection, status: number): void {
    this.core.sendEvent(encodeEvent(LePhyUpdateComplete, { status, connectionHandle: conn.handle, txPhy: conn.txPhy, rxPhy: conn.rxPhy }));
  }
}
