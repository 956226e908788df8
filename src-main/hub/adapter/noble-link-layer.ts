// What the adapter's controller says about each connection's link layer, which noble keeps to
// itself: it parses HCI_LE_Data_Length_Change and drops the values (hci.js
// processLeDataLengthChange), and has no handler for HCI_LE_PHY_Update_Complete. A throughput
// figure is shown beside the link's physical limit (issue 15 point 6), and that limit depends on
// the PDU payload and PHY in each direction, so they are read here, per connection handle, from
// the events the controller sends (installed by hardenNoble() on noble's Hci, beside the
// outbound count).
//
// A connection starts with 27-octet payloads both ways (Core 5.4 Vol 6 Part B 4.5.10, the initial
// connEffectiveMax*Octets) on the PHY it was made on; only the Data Length Update procedure
// (5.1.9) and the PHY Update procedure (5.1.10) change them, and the controller reports each
// change with 7.7.65.7 / 7.7.65.12 when the LE event mask lets it (7.8.1). noble's mask always
// has Data Length Change (bit 6); PHY Update Complete (bit 11) only in its extended mode
// (hci.js setLeEventMask), and only a legacy connection is known to start on LE 1M (noble's
// extended LE Create Connection also offers LE Coded when the controller has it, and LE Enhanced
// Connection Complete does not say which PHY was used).
import type { Phy } from '../../hci/airtime.ts';
import { HciStatus, LL_DEFAULT_DATA_OCTETS } from '../../hci/constants.ts';
import { peekEvent } from '../../hci/event.ts';
import { DisconnectionComplete } from '../../hci/events.ts';
import { LeConnectionComplete, LeDataLengthChange, LeEnhancedConnectionComplete, LePhyUpdateComplete } from '../../hci/le-events.ts';

/** One direction of a connection as its controller last reported it. */
export interface LinkDirection {
  /** connEffectiveMaxTxOctets (sent) or connEffectiveMaxRxOctets (received). */
  octets: number;
  /** null while the PHY is not known (see the header). */
  phy: Phy | null;
}

export interface LinkLayer {
  tx: LinkDirection;
  rx: LinkDirection;
}

interface HciState {
  _isExtended?: boolean;
  _supportsCodedPhy?: boolean;
  picolinkLinkLayer?: Map<number, LinkLayer>;
}

/** PHY codes of 7.7.65.12 (TX_PHY, RX_PHY). */
const PHY_BY_CODE: Record<number, Phy> = { 0x01: '1M', 0x02: '2M', 0x03: 'coded' };

function table(hci: HciState): Map<number, LinkLayer> {
  return (hci.picolinkLinkLayer ??= new Map());
}

/** Follows one HCI packet from the controller; called for every packet noble receives. */
export function watchLinkLayer(noblesHci: object, data: Buffer): void {
  const hci = noblesHci as HciState;
  const legacy = peekEvent(data, LeConnectionComplete);
  const connected = legacy ?? peekEvent(data, LeEnhancedConnectionComplete);
  if (connected) {
    if (connected.status !== HciStatus.SUCCESS) return;
    const phy: Phy | null = legacy || !(hci._isExtended && hci._supportsCodedPhy) ? '1M' : null;
    table(hci).set(connected.connectionHandle, { tx: { octets: LL_DEFAULT_DATA_OCTETS, phy }, rx: { octets: LL_DEFAULT_DATA_OCTETS, phy } });
    return;
  }
  const length = peekEvent(data, LeDataLengthChange);
  if (length) {
    const l = hci.picolinkLinkLayer?.get(length.connectionHandle);
    if (l) {
      l.tx.octets = length.maxTxOctets;
      l.rx.octets = length.maxRxOctets;
    }
    return;
  }
  const phy = peekEvent(data, LePhyUpdateComplete);
  if (phy) {
    const l = hci.picolinkLinkLayer?.get(phy.connectionHandle);
    if (l && phy.status === HciStatus.SUCCESS) {
      l.tx.phy = PHY_BY_CODE[phy.txPhy] ?? null;
      l.rx.phy = PHY_BY_CODE[phy.rxPhy] ?? null;
    }
    return;
  }
  const gone = peekEvent(data, DisconnectionComplete);
  if (gone?.status === HciStatus.SUCCESS) hci.picolinkLinkLayer?.delete(gone.connectionHandle);
}

/**
 * True when a PHY change on this adapter would be reported: noble unmasks PHY Update Complete
 * only in extended mode. Otherwise a peer may have moved the link to another PHY unseen.
 */
function phyChangesReported(hci: HciState): boolean {
  return hci._isExtended === true;
}

interface NobleInternals {
  _bindings?: { _hci?: HciState; _handles?: Record<string, number | string> };
}

/**
 * A connected noble peripheral's link layer as its controller reported it, or null when the
 * bindings are not noble's HCI ones (BlueZ over D-Bus) or the connection was not seen. A PHY that
 * could have changed unreported is null.
 */
export function linkLayerOf(peripheral: { id: string }): LinkLayer | null {
  const bindings = (peripheral as { _noble?: NobleInternals })._noble?._bindings;
  const handle = bindings?._handles?.[peripheral.id];
  const hci = bindings?._hci;
  if (!hci || typeof handle !== 'number') return null;
  const l = hci.picolinkLinkLayer?.get(handle);
  if (!l) return null;
  if (phyChangesReported(hci)) return { tx: { ...l.tx }, rx: { ...l.rx } };
  return { tx: { ...l.tx, phy: null }, rx: { ...l.rx, phy: null } };
}
