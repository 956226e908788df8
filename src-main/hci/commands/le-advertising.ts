// LE legacy advertising commands, Core 5.4 Vol 4 Part E 7.8.4-7.8.9.
import * as C from '../constants.ts';
import { command } from '../command.ts';
import { address, bool, i8, octets, range, u16, u8 } from '../fields.ts';
import { NO_FIELDS } from '../struct.ts';

/** 7.8.4 */
export const LeSetRandomAddress = command({
  name: 'HCI_LE_Set_Random_Address',
  section: '7.8.4',
  opcode: C.HCI_LE_SET_RANDOM_ADDRESS,
  params: { randomAddress: address },
  returns: NO_FIELDS,
});

/** 7.8.5. Intervals in 0.625 ms units, 0x0020-0x4000 (ignored for high duty cycle directed advertising). */
export const LeSetAdvertisingParameters = command({
  name: 'HCI_LE_Set_Advertising_Parameters',
  section: '7.8.5',
  opcode: C.HCI_LE_SET_ADVERTISING_PARAMETERS,
  params: {
    advertisingIntervalMin: u16,
    advertisingIntervalMax: u16,
    advertisingType: u8,
    ownAddressType: u8,
    peerAddressType: u8,
    peerAddress: address,
    advertisingChannelMap: u8,
    advertisingFilterPolicy: u8,
  },
  returns: NO_FIELDS,
});

/** 7.8.6 */
export const LeReadAdvertisingPhysicalChannelTxPower = command({
  name: 'HCI_LE_Read_Advertising_Physical_Channel_Tx_Power',
  section: '7.8.6',
  opcode: C.HCI_LE_READ_ADVERTISING_PHYSICAL_CHANNEL_TX_POWER,
  params: NO_FIELDS,
  returns: { txPowerLevel: i8 },
});

/** Longest legacy advertising or scan response data, 7.8.7. */
export const MAX_ADVERTISING_DATA = 31;

/** 7.8.7. Always 31 octets of data, of which the first Advertising_Data_Length count. */
export const LeSetAdvertisingData = command({
  name: 'HCI_LE_Set_Advertising_Data',
  section: '7.8.7',
  opcode: C.HCI_LE_SET_ADVERTISING_DATA,
  params: { advertisingDataLength: range(u8, 0, MAX_ADVERTISING_DATA), advertisingData: octets(MAX_ADVERTISING_DATA) },
  returns: NO_FIELDS,
});

/** 7.8.8, laid out as 7.8.7. */
export const LeSetScanResponseData = command({
  name: 'HCI_LE_Set_Scan_Response_Data',
  section: '7.8.8',
  opcode: C.HCI_LE_SET_SCAN_RESPONSE_DATA,
  params: { scanResponseDataLength: range(u8, 0, MAX_ADVERTISING_DATA), scanResponseData: octets(MAX_ADVERTISING_DATA) },
  returns: NO_FIELDS,
});

/** 7.8.9 */
export const LeSetAdvertisingEnable = command({
  name: 'HCI_LE_Set_Advertising_Enable',
  section: '7.8.9',
  opcode: C.HCI_LE_SET_ADVERTISING_ENABLE,
  params: { advertisingEnable: bool },
  returns: NO_FIELDS,
});

/** Parameters of 7.8.7 for `data`; more than 31 octets throw RangeError rather than make a bad length. */
export function advertisingData(data: Uint8Array): { advertisingDataLength: number; advertisingData: Uint8Array } {
  if (data.length > MAX_ADVERTISING_DATA) throw new RangeError(`advertising data exceeds ${MAX_ADVERTISING_DATA} octets`);
  return { advertisingDataLength: data.length, advertisingData: data };
}

/** Parameters of 7.8.8 for `data`, as advertisingData(). */
export function scanResponseData(data: Uint8Array): { scanResponseDataLength: number; scanResponseData: Uint8Array } {
  const p = advertisingData(data);
  return { scanResponseDataLength: p.advertisingDataLength, scanResponseData: p.advertisingData };
}
