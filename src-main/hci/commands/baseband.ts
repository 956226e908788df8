// Controller and baseband commands, Core 5.4 Vol 4 Part E 7.3.
import {
  HCI_READ_LE_HOST_SUPPORT,
  HCI_RESET,
  HCI_SET_EVENT_FILTER,
  HCI_SET_EVENT_MASK,
  HCI_SET_EVENT_MASK_PAGE_2,
  HCI_WRITE_LE_HOST_SUPPORT,
} from '../constants.ts';
import { command } from '../command.ts';
import { octets, rest, u8 } from '../fields.ts';
import { NO_FIELDS } from '../struct.ts';

/** 7.3.1. Bit n enables the event with code n + 1. */
export const SetEventMask = command({
  name: 'HCI_Set_Event_Mask',
  section: '7.3.1',
  opcode: HCI_SET_EVENT_MASK,
  params: { eventMask: octets(8) },
  returns: NO_FIELDS,
});

/** 7.3.2 */
export const Reset = command({ name: 'HCI_Reset', section: '7.3.2', opcode: HCI_RESET, params: NO_FIELDS, returns: NO_FIELDS });

/** 7.3.3. The condition that follows depends on Filter_Type and Filter_Condition_Type. */
export const SetEventFilter = command({
  name: 'HCI_Set_Event_Filter',
  section: '7.3.3',
  opcode: HCI_SET_EVENT_FILTER,
  params: { filterType: u8, filter: rest },
  returns: NO_FIELDS,
});

/** 7.3.69 */
export const SetEventMaskPage2 = command({
  name: 'HCI_Set_Event_Mask_Page_2',
  section: '7.3.69',
  opcode: HCI_SET_EVENT_MASK_PAGE_2,
  params: { eventMaskPage2: octets(8) },
  returns: NO_FIELDS,
});

/** 7.3.78 */
export const ReadLeHostSupport = command({
  name: 'HCI_Read_LE_Host_Support',
  section: '7.3.78',
  opcode: HCI_READ_LE_HOST_SUPPORT,
  params: NO_FIELDS,
  returns: { leSupportedHost: u8, unused: u8 },
});

/** 7.3.79 */
export const WriteLeHostSupport = command({
  name: 'HCI_Write_LE_Host_Support',
  section: '7.3.79',
  opcode: HCI_WRITE_LE_HOST_SUPPORT,
  params: { leSupportedHost: u8, unused: u8 },
  returns: NO_FIELDS,
});
