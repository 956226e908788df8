// LE controller commands about the controller itself, its lists and data lengths and PHYs.
// Core 5.4 Vol 4 Part E 7.8.
import * as C from '../constants.ts';
import { command, statusCommand } from '../command.ts';
import { address, handle, octets, u16, u8 } from '../fields.ts';
import { NO_FIELDS } from '../struct.ts';

/** 7.8.1. Bit n enables the LE Meta subevent n + 1. */
export const LeSetEventMask = command({
  name: 'HCI_LE_Set_Event_Mask',
  section: '7.8.1',
  opcode: C.HCI_LE_SET_EVENT_MASK,
  params: { leEventMask: octets(8) },
  returns: NO_FIELDS,
});

/** 7.8.2 (v1). Zeros: use the buffers of HCI_Read_Buffer_Size. */
export const LeReadBufferSize = command({
  name: 'HCI_LE_Read_Buffer_Size',
  section: '7.8.2',
  opcode: C.HCI_LE_READ_BUFFER_SIZE,
  params: NO_FIELDS,
  returns: { leAclDataPacketLength: u16, totalNumLeAclDataPackets: u8 },
});

/** 7.8.3. Feature bits of Core 5.4 Vol 6 Part B 4.6. */
export const LeReadLocalSupportedFeatures = command({
  name: 'HCI_LE_Read_Local_Supported_Features',
  section: '7.8.3',
  opcode: C.HCI_LE_READ_LOCAL_SUPPORTED_FEATURES,
  params: NO_FIELDS,
  returns: { leFeatures: octets(8) },
});

/** 7.8.14 */
export const LeReadFilterAcceptListSize = command({
  name: 'HCI_LE_Read_Filter_Accept_List_Size',
  section: '7.8.14',
  opcode: C.HCI_LE_READ_FILTER_ACCEPT_LIST_SIZE,
  params: NO_FIELDS,
  returns: { filterAcceptListSize: u8 },
});

/** 7.8.15 */
export const LeClearFilterAcceptList = command({
  name: 'HCI_LE_Clear_Filter_Accept_List',
  section: '7.8.15',
  opcode: C.HCI_LE_CLEAR_FILTER_ACCEPT_LIST,
  params: NO_FIELDS,
  returns: NO_FIELDS,
});

/** 7.8.16 */
export const LeAddDeviceToFilterAcceptList = command({
  name: 'HCI_LE_Add_Device_To_Filter_Accept_List',
  section: '7.8.16',
  opcode: C.HCI_LE_ADD_DEVICE_TO_FILTER_ACCEPT_LIST,
  params: { addressType: u8, address },
  returns: NO_FIELDS,
});

/** 7.8.17 */
export const LeRemoveDeviceFromFilterAcceptList = command({
  name: 'HCI_LE_Remove_Device_From_Filter_Accept_List',
  section: '7.8.17',
  opcode: C.HCI_LE_REMOVE_DEVICE_FROM_FILTER_ACCEPT_LIST,
  params: { addressType: u8, address },
  returns: NO_FIELDS,
});

/** 7.8.23 */
export const LeRand = command({
  name: 'HCI_LE_Rand',
  section: '7.8.23',
  opcode: C.HCI_LE_RAND,
  params: NO_FIELDS,
  returns: { randomNumber: octets(8) },
});

/** 7.8.27 */
export const LeReadSupportedStates = command({
  name: 'HCI_LE_Read_Supported_States',
  section: '7.8.27',
  opcode: C.HCI_LE_READ_SUPPORTED_STATES,
  params: NO_FIELDS,
  returns: { leStates: octets(8) },
});

/** 7.8.33. TX_Octets 0x001B-0x00FB, TX_Time 0x0148-0x4290. */
export const LeSetDataLength = command({
  name: 'HCI_LE_Set_Data_Length',
  section: '7.8.33',
  opcode: C.HCI_LE_SET_DATA_LENGTH,
  params: { connectionHandle: handle, txOctets: u16, txTime: u16 },
  returns: { connectionHandle: handle },
});

/** 7.8.34 */
export const LeReadSuggestedDefaultDataLength = command({
  name: 'HCI_LE_Read_Suggested_Default_Data_Length',
  section: '7.8.34',
  opcode: C.HCI_LE_READ_SUGGESTED_DEFAULT_DATA_LENGTH,
  params: NO_FIELDS,
  returns: { suggestedMaxTxOctets: u16, suggestedMaxTxTime: u16 },
});

/** 7.8.35 */
export const LeWriteSuggestedDefaultDataLength = command({
  name: 'HCI_LE_Write_Suggested_Default_Data_Length',
  section: '7.8.35',
  opcode: C.HCI_LE_WRITE_SUGGESTED_DEFAULT_DATA_LENGTH,
  params: { suggestedMaxTxOctets: u16, suggestedMaxTxTime: u16 },
  returns: NO_FIELDS,
});

/** 7.8.46 */
export const LeReadMaximumDataLength = command({
  name: 'HCI_LE_Read_Maximum_Data_Length',
  section: '7.8.46',
  opcode: C.HCI_LE_READ_MAXIMUM_DATA_LENGTH,
  params: NO_FIELDS,
  returns: { supportedMaxTxOctets: u16, supportedMaxTxTime: u16, supportedMaxRxOctets: u16, supportedMaxRxTime: u16 },
});

/** 7.8.47. PHY 0x01: LE 1M. */
export const LeReadPhy = command({
  name: 'HCI_LE_Read_PHY',
  section: '7.8.47',
  opcode: C.HCI_LE_READ_PHY,
  params: { connectionHandle: handle },
  returns: { connectionHandle: handle, txPhy: u8, rxPhy: u8 },
});

/** 7.8.48 */
export const LeSetDefaultPhy = command({
  name: 'HCI_LE_Set_Default_PHY',
  section: '7.8.48',
  opcode: C.HCI_LE_SET_DEFAULT_PHY,
  params: { allPhys: u8, txPhys: u8, rxPhys: u8 },
  returns: NO_FIELDS,
});

/** 7.8.49. The outcome is HCI_LE_PHY_Update_Complete. */
export const LeSetPhy = statusCommand({
  name: 'HCI_LE_Set_PHY',
  section: '7.8.49',
  opcode: C.HCI_LE_SET_PHY,
  params: { connectionHandle: handle, allPhys: u8, txPhys: u8, rxPhys: u8, phyOptions: u16 },
});
