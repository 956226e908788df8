// LE Meta subevents, Core 5.4 Vol 4 Part E 7.7.65.
import * as C from './constants.ts';
import { leEvent } from './event.ts';
import { address, handle, i8, octets, sized, u16, u8 } from './fields.ts';
import { list } from './struct.ts';

/** 7.7.65.1. Interval in 1.25 ms, timeout in 10 ms units. */
export const LeConnectionComplete = leEvent({
  name: 'HCI_LE_Connection_Complete',
  section: '7.7.65.1',
  subevent: C.HCI_LE_CONNECTION_COMPLETE,
  fields: {
    status: u8,
    connectionHandle: handle,
    role: u8,
    peerAddressType: u8,
    peerAddress: address,
    connectionInterval: u16,
    peripheralLatency: u16,
    supervisionTimeout: u16,
    centralClockAccuracy: u8,
  },
});

/** 7.7.65.2 */
export const LeAdvertisingReport = leEvent({
  name: 'HCI_LE_Advertising_Report',
  section: '7.7.65.2',
  subevent: C.HCI_LE_ADVERTISING_REPORT,
  fields: { reports: list({ eventType: u8, addressType: u8, address, data: sized(1), rssi: i8 }) },
});

/** 7.7.65.3 */
export const LeConnectionUpdateComplete = leEvent({
  name: 'HCI_LE_Connection_Update_Complete',
  section: '7.7.65.3',
  subevent: C.HCI_LE_CONNECTION_UPDATE_COMPLETE,
  fields: { status: u8, connectionHandle: handle, connectionInterval: u16, peripheralLatency: u16, supervisionTimeout: u16 },
});

/** 7.7.65.4 */
export const LeReadRemoteFeaturesComplete = leEvent({
  name: 'HCI_LE_Read_Remote_Features_Complete',
  section: '7.7.65.4',
  subevent: C.HCI_LE_READ_REMOTE_FEATURES_COMPLETE,
  fields: { status: u8, connectionHandle: handle, leFeatures: octets(8) },
});

/** 7.7.65.5 */
export const LeLongTermKeyRequest = leEvent({
  name: 'HCI_LE_Long_Term_Key_Request',
  section: '7.7.65.5',
  subevent: C.HCI_LE_LONG_TERM_KEY_REQUEST,
  fields: { connectionHandle: handle, randomNumber: octets(8), encryptedDiversifier: u16 },
});

/** 7.7.65.7 */
export const LeDataLengthChange = leEvent({
  name: 'HCI_LE_Data_Length_Change',
  section: '7.7.65.7',
  subevent: C.HCI_LE_DATA_LENGTH_CHANGE,
  fields: { connectionHandle: handle, maxTxOctets: u16, maxTxTime: u16, maxRxOctets: u16, maxRxTime: u16 },
});

/** 7.7.65.10. 7.7.65.1 with the local and peer resolvable private addresses after Peer_Address. */
export const LeEnhancedConnectionComplete = leEvent({
  name: 'HCI_LE_Enhanced_Connection_Complete',
  section: '7.7.65.10',
  subevent: C.HCI_LE_ENHANCED_CONNECTION_COMPLETE,
  fields: {
    status: u8,
    connectionHandle: handle,
    role: u8,
    peerAddressType: u8,
    peerAddress: address,
    localResolvablePrivateAddress: address,
    peerResolvablePrivateAddress: address,
    connectionInterval: u16,
    peripheralLatency: u16,
    supervisionTimeout: u16,
    centralClockAccuracy: u8,
  },
});

/** 7.7.65.13. Event_Type is two octets of bits; a legacy PDU sets bit 4. */
export const LeExtendedAdvertisingReport = leEvent({
  name: 'HCI_LE_Extended_Advertising_Report',
  section: '7.7.65.13',
  subevent: C.HCI_LE_EXTENDED_ADVERTISING_REPORT,
  fields: {
    reports: list({
      eventType: u16,
      addressType: u8,
      address,
      primaryPhy: u8,
      secondaryPhy: u8,
      advertisingSid: u8,
      txPower: i8,
      rssi: i8,
      periodicAdvertisingInterval: u16,
      directAddressType: u8,
      directAddress: address,
      data: sized(1),
    }),
  },
});
