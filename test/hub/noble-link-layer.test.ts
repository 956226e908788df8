// The link layer as the adapter's controller reports it, read from the HCI events noble receives
// (src-main/hub/adapter/noble-link-layer.ts). Events are written out octet by octet after
// Core 5.4 Vol 4 Part E 7.7.5 and 7.7.65.
import { describe, expect, it } from 'vitest';
import { linkLayerOf, watchLinkLayer } from '../../src-main/hub/adapter/noble-link-layer.ts';

const h4 = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

// 7.7.65.1 LE Connection Complete: status 0, handle 0x0040, role central, public peer
// aa:bb:cc:dd:ee:01, interval 0x000c, latency 0, timeout 0x01f4, clock accuracy 0.
const CONNECTED = h4('04 3e 13 01 00 4000 00 00 01eeddccbbaa 0c00 0000 f401 00');
// 7.7.65.10 LE Enhanced Connection Complete, same connection, both RPAs zero.
const CONNECTED_ENHANCED = h4('04 3e 1f 0a 00 4000 00 00 01eeddccbbaa 000000000000 000000000000 0c00 0000 f401 00');
// 7.7.65.7 LE Data Length Change: Max_TX_Octets 251, Max_TX_Time 2120, Max_RX_Octets 27, Max_RX_Time 328.
const LENGTH_CHANGED = h4('04 3e 0b 07 4000 fb00 4808 1b00 4801');
// 7.7.65.12 LE PHY Update Complete: status 0, TX_PHY 2 (LE 2M), RX_PHY 1 (LE 1M).
const PHY_2M_TX = h4('04 3e 06 0c 00 4000 02 01');
// The same with status 0x1A (Unsupported Remote Feature): nothing changed.
const PHY_REFUSED = h4('04 3e 06 0c 1a 4000 02 02');
// 7.7.5 Disconnection Complete: status 0, handle 0x0040, reason 0x13.
const DISCONNECTED = h4('04 05 04 00 4000 13');

const ID = 'aabbccddee01';

function adapter(mode: { extended?: boolean; coded?: boolean } = {}): { hci: object; peripheral: { id: string } } {
  const hci = { _isExtended: mode.extended ?? false, _supportsCodedPhy: mode.coded ?? false };
  return { hci, peripheral: { id: ID, _noble: { _bindings: { _hci: hci, _handles: { [ID]: 0x40 } } } } as { id: string } };
}

describe('noble link layer (the controller reports it, noble drops it)', () => {
  it('a new connection runs 27-octet payloads both ways (Vol 6 Part B 4.5.10) until LE Data Length Change says otherwise, per direction', () => {
    const { hci, peripheral } = adapter();
    expect(linkLayerOf(peripheral)).toBeNull();
    watchLinkLayer(hci, CONNECTED);
    expect(linkLayerOf(peripheral)).toEqual({ tx: { octets: 27, phy: null }, rx: { octets: 27, phy: null } });
    watchLinkLayer(hci, LENGTH_CHANGED);
    expect(linkLayerOf(peripheral)).toMatchObject({ tx: { octets: 251 }, rx: { octets: 27 } });
  });

  it('the PHY is known only where noble unmasks PHY Update Complete (its extended mode) and the connection started on LE 1M', () => {
    const legacyMode = adapter();
    watchLinkLayer(legacyMode.hci, CONNECTED);
    watchLinkLayer(legacyMode.hci, PHY_2M_TX);
    // Without bit 11 of the LE event mask a change would not be reported: unknown, even after one.
    expect(linkLayerOf(legacyMode.peripheral)).toMatchObject({ tx: { phy: null }, rx: { phy: null } });

    const extended = adapter({ extended: true });
    watchLinkLayer(extended.hci, CONNECTED_ENHANCED);
    expect(linkLayerOf(extended.peripheral)).toMatchObject({ tx: { phy: '1M' }, rx: { phy: '1M' } });
    watchLinkLayer(extended.hci, PHY_REFUSED);
    expect(linkLayerOf(extended.peripheral)).toMatchObject({ tx: { phy: '1M' }, rx: { phy: '1M' } });
    watchLinkLayer(extended.hci, PHY_2M_TX);
    expect(linkLayerOf(extended.peripheral)).toMatchObject({ tx: { phy: '2M' }, rx: { phy: '1M' } });

    // noble's extended LE Create Connection also offers LE Coded when the controller has it, and
    // the Enhanced Connection Complete does not say which PHY was used: unknown until an update.
    const coded = adapter({ extended: true, coded: true });
    watchLinkLayer(coded.hci, CONNECTED_ENHANCED);
    expect(linkLayerOf(coded.peripheral)).toMatchObject({ tx: { phy: null }, rx: { phy: null } });
    watchLinkLayer(coded.hci, PHY_2M_TX);
    expect(linkLayerOf(coded.peripheral)).toMatchObject({ tx: { phy: '2M' }, rx: { phy: '1M' } });
  });

  it('forgets a connection when it ends, and ignores events for connections it never saw', () => {
    const { hci, peripheral } = adapter({ extended: true });
    watchLinkLayer(hci, LENGTH_CHANGED);
    expect(linkLayerOf(peripheral)).toBeNull();
    watchLinkLayer(hci, CONNECTED);
    watchLinkLayer(hci, LENGTH_CHANGED);
    watchLinkLayer(hci, DISCONNECTED);
    expect(linkLayerOf(peripheral)).toBeNull();
    // A new connection on the same handle starts from the defaults again.
    watchLinkLayer(hci, CONNECTED);
    expect(linkLayerOf(peripheral)).toEqual({ tx: { octets: 27, phy: '1M' }, rx: { octets: 27, phy: '1M' } });
  });

  it('says nothing for bindings that are not noble HCI ones (BlueZ over D-Bus)', () => {
    expect(linkLayerOf({ id: ID })).toBeNull();
  });
});
