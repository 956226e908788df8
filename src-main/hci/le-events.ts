// LE Meta subevents, Core 5.4 Vol 4 Part E 7.7.65.
import * as C from './constants.ts';
import { leEvent } from './event.ts';
import { address, handle, i8, octets, sized, u16, u8 } from './fields.ts';
import { list, NO_FIELDS } from './struct.ts';

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

/** 7.7.65.6. The peer asks for new parameters (Connection Parameters Request procedure, Vol 6 Part B 5.1.7). */
export const LeRemoteConnectionParameterRequest = leEvent({
  name: 'HCI_LE_Remote_Connection_Parameter_Request',
  section: '7.7.65.6',
  subevent: C.HCI_LE_REMOTE_CONNECTION_PARAMETER_REQUEST,
  fields: { connectionHandle: handle, intervalMin: u16, intervalMax: u16, maxLatency: u16, timeout: u16 },
});

/** 7.7.65.7 */
export const LeDataLengthChange = leEvent({
  name: 'HCI_LE_Data_Length_Change',
  section: '7.7.65.7',
  subevent: C.HCI_LE_DATA_LENGTH_CHANGE,
  fields: { connectionHandle: handle, maxTxOctets: u16, maxTxTime: u16, maxRxOctets: u16, maxRxTime: u16 },
});

/** 7.7.65.8. Each coordinate little-endian, X first (BTstack btstack_crypto.c reverses each of the two 32-octet halves). */
export const LeReadLocalP256PublicKeyComplete = leEvent({
  name: 'HCI_LE_Read_Local_P-256_Public_Key_Complete',
  section: '7.7.65.8',
  subevent: C.HCI_LE_READ_LOCAL_P256_PUBLIC_KEY_COMPLETE,
  fields: { status: u8, keyXCoordinate: octets(32), keyYCoordinate: octets(32) },
});

/** 7.7.65.9. DHKey little-endian; all 0xFF when Status is not success. */
export const LeGenerateDhKeyComplete = leEvent({
  name: 'HCI_LE_Generate_DHKey_Complete',
  section: '7.7.65.9',
  subevent: C.HCI_LE_GENERATE_DHKEY_COMPLETE,
  fields: { status: u8, dhKey: octets(32) },
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

/** 7.7.65.12. TX_PHY and RX_PHY: 0x01 LE 1M, 0x02 LE 2M, 0x03 LE Coded. */
export const LePhyUpdateComplete = leEvent({
  name: 'HCI_LE_PHY_Update_Complete',
  section: '7.7.65.12',
  subevent: C.HCI_LE_PHY_UPDATE_COMPLETE,
  fields: { status: u8, connectionHandle: handle, txPhy: u8, rxPhy: u8 },
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

/** 7.7.65.17. Extended scanning stopped at the end of its Duration. */
export const LeScanTimeout = leEvent({
  name: 'HCI_LE_Scan_Timeout',
  section: '7.7.65.17',
  subevent: C.HCI_LE_SCAN_TIMEOUT,
  fields: NO_FIELDS,
});

/** 7.7.65.18. Connection_Handle is valid when Status is success (the set made a connection). */
export const LeAdvertisingSetTerminated = leEvent({
  name: 'HCI_LE_Advertising_Set_Terminated',
  section: '7.7.65.18',
  subevent: C.HCI_LE_ADVERTISING_SET_TERMINATED,
  fields: { status: u8, advertisingHandle: u8, connectionHandle: handle, numCompletedExtendedAdvertisingEvents: u8 },
});

/** 7.7.65.19 */
export const LeScanRequestReceived = leEvent({
  name: 'HCI_LE_Scan_Request_Received',
  section: '7.7.65.19',
  subevent: C.HCI_LE_SCAN_REQUEST_RECEIVED,
  fields: { advertisingHandle: u8, scannerAddressType: u8, scannerAddress: address },
});
