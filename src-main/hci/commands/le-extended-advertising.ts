// LE extended advertising commands, Core 5.4 Vol 4 Part E 7.8.52-7.8.60: advertising sets, each
// with a handle, its parameters, data and scan response data, enabled together with a duration
// and an event count. (Extended scanning and creating a connection are in le-scanning.ts and
// le-connection.ts.)
import * as C from '../constants.ts';
import { command } from '../command.ts';
import { address, i8, sized, u16, u24, u8 } from '../fields.ts';
import { list, NO_FIELDS } from '../struct.ts';

/** Advertising_Event_Properties bits, 7.8.53. */
export const ADV_PROP_CONNECTABLE = 1 << 0;
export const ADV_PROP_SCANNABLE = 1 << 1;
export const ADV_PROP_DIRECTED = 1 << 2;
export const ADV_PROP_HIGH_DUTY_DIRECTED = 1 << 3;
export const ADV_PROP_LEGACY = 1 << 4;
export const ADV_PROP_ANONYMOUS = 1 << 5;
export const ADV_PROP_INCLUDE_TX_POWER = 1 << 6;

/** Operation of 7.8.54 and 7.8.55: where this fragment goes in the set's data. */
export const ADV_DATA_INTERMEDIATE = 0x00;
export const ADV_DATA_FIRST = 0x01;
export const ADV_DATA_LAST = 0x02;
export const ADV_DATA_COMPLETE = 0x03;
export const ADV_DATA_UNCHANGED = 0x04;

/** Longest fragment in one command, 7.8.54. */
export const MAX_EXTENDED_ADVERTISING_DATA_FRAGMENT = 251;

/** 7.8.52 */
export const LeSetAdvertisingSetRandomAddress = command({
  name: 'HCI_LE_Set_Advertising_Set_Random_Address',
  section: '7.8.52',
  opcode: C.HCI_LE_SET_ADVERTISING_SET_RANDOM_ADDRESS,
  params: { advertisingHandle: u8, randomAddress: address },
  returns: NO_FIELDS,
});

/** 7.8.53 [v1]. Intervals in 0.625 ms units (3 octets each); returns the Tx power chosen. */
export const LeSetExtendedAdvertisingParameters = command({
  name: 'HCI_LE_Set_Extended_Advertising_Parameters',
  section: '7.8.53',
  opcode: C.HCI_LE_SET_EXTENDED_ADVERTISING_PARAMETERS,
  params: {
    advertisingHandle: u8,
    advertisingEventProperties: u16,
    primaryAdvertisingIntervalMin: u24,
    primaryAdvertisingIntervalMax: u24,
    primaryAdvertisingChannelMap: u8,
    ownAddressType: u8,
    peerAddressType: u8,
    peerAddress: address,
    advertisingFilterPolicy: u8,
    advertisingTxPower: i8,
    primaryAdvertisingPhy: u8,
    secondaryAdvertisingMaxSkip: u8,
    secondaryAdvertisingPhy: u8,
    advertisingSid: u8,
    scanRequestNotificationEnable: u8,
  },
  returns: { selectedTxPower: i8 },
});

const DATA_FRAGMENT = {
  advertisingHandle: u8,
  operation: u8,
  fragmentPreference: u8,
  data: sized(1, MAX_EXTENDED_ADVERTISING_DATA_FRAGMENT),
};

/** 7.8.54 */
export const LeSetExtendedAdvertisingData = command({
  name: 'HCI_LE_Set_Extended_Advertising_Data',
  section: '7.8.54',
  opcode: C.HCI_LE_SET_EXTENDED_ADVERTISING_DATA,
  params: DATA_FRAGMENT,
  returns: NO_FIELDS,
});

/** 7.8.55, laid out as 7.8.54. */
export const LeSetExtendedScanResponseData = command({
  name: 'HCI_LE_Set_Extended_Scan_Response_Data',
  section: '7.8.55',
  opcode: C.HCI_LE_SET_EXTENDED_SCAN_RESPONSE_DATA,
  params: DATA_FRAGMENT,
  returns: NO_FIELDS,
});

/** 7.8.56. Num_Sets, then per set its handle, Duration (10 ms units, 0 = none) and Max_Extended_Advertising_Events (0 = none). */
export const LeSetExtendedAdvertisingEnable = command({
  name: 'HCI_LE_Set_Extended_Advertising_Enable',
  section: '7.8.56',
  opcode: C.HCI_LE_SET_EXTENDED_ADVERTISING_ENABLE,
  params: { enable: u8, sets: list({ advertisingHandle: u8, duration: u16, maxExtendedAdvertisingEvents: u8 }) },
  returns: NO_FIELDS,
});

/** 7.8.57 */
export const LeReadMaximumAdvertisingDataLength = command({
  name: 'HCI_LE_Read_Maximum_Advertising_Data_Length',
  section: '7.8.57',
  opcode: C.HCI_LE_READ_MAXIMUM_ADVERTISING_DATA_LENGTH,
  params: NO_FIELDS,
  returns: { maxAdvertisingDataLength: u16 },
});

/** 7.8.58 */
export const LeReadNumberOfSupportedAdvertisingSets = command({
  name: 'HCI_LE_Read_Number_of_Supported_Advertising_Sets',
  section: '7.8.58',
  opcode: C.HCI_LE_READ_NUMBER_OF_SUPPORTED_ADVERTISING_SETS,
  params: NO_FIELDS,
  returns: { numSupportedAdvertisingSets: u8 },
});

/** 7.8.59 */
export const LeRemoveAdvertisingSet = command({
  name: 'HCI_LE_Remove_Advertising_Set',
  section: '7.8.59',
  opcode: C.HCI_LE_REMOVE_ADVERTISING_SET,
  params: { advertisingHandle: u8 },
  returns: NO_FIELDS,
});

/** 7.8.60 */
export const LeClearAdvertisingSets = command({
  name: 'HCI_LE_Clear_Advertising_Sets',
  section: '7.8.60',
  opcode: C.HCI_LE_CLEAR_ADVERTISING_SETS,
  params: NO_FIELDS,
  returns: NO_FIELDS,
});
