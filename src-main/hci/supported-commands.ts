// The Supported_Commands bit map of HCI_Read_Local_Supported_Commands (Core 5.4 Vol 4 Part E
// 6.27): which (octet, bit) stands for which command. Only the LE controller's commands and the
// few BR/EDR-era ones an LE controller answers are listed; a bit missing here is one this tree
// does not know the meaning of.
import * as C from './constants.ts';

export interface SupportedCommandBit {
  readonly octet: number;
  readonly bit: number;
  readonly opcode: number;
  /** As 6.27 names the command. */
  readonly name: string;
}

const le = (ocf: number): number => C.opcode(C.OGF_LE, ocf);

const row = (octet: number, bit: number, opcode: number, name: string): SupportedCommandBit => ({ octet, bit, opcode, name });

/** 6.27, in table order. */
export const SUPPORTED_COMMAND_BITS: readonly SupportedCommandBit[] = [
  row(0, 5, C.HCI_DISCONNECT, 'Disconnect'),
  row(2, 7, C.HCI_READ_REMOTE_VERSION_INFORMATION, 'Read Remote Version Information'),
  row(5, 6, C.HCI_SET_EVENT_MASK, 'Set Event Mask'),
  row(5, 7, C.HCI_RESET, 'Reset'),
  row(6, 0, C.HCI_SET_EVENT_FILTER, 'Set Event Filter'),
  row(14, 3, C.HCI_READ_LOCAL_VERSION_INFORMATION, 'Read Local Version Information'),
  row(14, 5, C.HCI_READ_LOCAL_SUPPORTED_FEATURES, 'Read Local Supported Features'),
  row(14, 7, C.HCI_READ_BUFFER_SIZE, 'Read Buffer Size'),
  row(15, 1, C.HCI_READ_BD_ADDR, 'Read BD_ADDR'),
  row(15, 5, C.HCI_READ_RSSI, 'Read RSSI'),
  row(22, 2, C.HCI_SET_EVENT_MASK_PAGE_2, 'Set Event Mask Page 2'),
  row(24, 5, C.HCI_READ_LE_HOST_SUPPORT, 'Read LE Host Support'),
  row(24, 6, C.HCI_WRITE_LE_HOST_SUPPORT, 'Write LE Host Support'),
  row(25, 0, C.HCI_LE_SET_EVENT_MASK, 'LE Set Event Mask'),
  row(25, 1, C.HCI_LE_READ_BUFFER_SIZE, 'LE Read Buffer Size [v1]'),
  row(25, 2, C.HCI_LE_READ_LOCAL_SUPPORTED_FEATURES, 'LE Read Local Supported Features'),
  row(25, 4, C.HCI_LE_SET_RANDOM_ADDRESS, 'LE Set Random Address'),
  row(25, 5, C.HCI_LE_SET_ADVERTISING_PARAMETERS, 'LE Set Advertising Parameters'),
  row(25, 6, C.HCI_LE_READ_ADVERTISING_PHYSICAL_CHANNEL_TX_POWER, 'LE Read Advertising Physical Channel Tx Power'),
  row(25, 7, C.HCI_LE_SET_ADVERTISING_DATA, 'LE Set Advertising Data'),
  row(26, 0, C.HCI_LE_SET_SCAN_RESPONSE_DATA, 'LE Set Scan Response Data'),
  row(26, 1, C.HCI_LE_SET_ADVERTISING_ENABLE, 'LE Set Advertising Enable'),
  row(26, 2, C.HCI_LE_SET_SCAN_PARAMETERS, 'LE Set Scan Parameters'),
  row(26, 3, C.HCI_LE_SET_SCAN_ENABLE, 'LE Set Scan Enable'),
  row(26, 4, C.HCI_LE_CREATE_CONNECTION, 'LE Create Connection'),
  row(26, 5, C.HCI_LE_CREATE_CONNECTION_CANCEL, 'LE Create Connection Cancel'),
  row(26, 6, C.HCI_LE_READ_FILTER_ACCEPT_LIST_SIZE, 'LE Read Filter Accept List Size'),
  row(26, 7, C.HCI_LE_CLEAR_FILTER_ACCEPT_LIST, 'LE Clear Filter Accept List'),
  row(27, 0, C.HCI_LE_ADD_DEVICE_TO_FILTER_ACCEPT_LIST, 'LE Add Device To Filter Accept List'),
  row(27, 1, C.HCI_LE_REMOVE_DEVICE_FROM_FILTER_ACCEPT_LIST, 'LE Remove Device From Filter Accept List'),
  row(27, 2, C.HCI_LE_CONNECTION_UPDATE, 'LE Connection Update'),
  row(27, 3, le(0x0014), 'LE Set Host Channel Classification'),
  row(27, 4, le(0x0015), 'LE Read Channel Map'),
  row(27, 5, C.HCI_LE_READ_REMOTE_FEATURES, 'LE Read Remote Features'),
  row(27, 6, C.HCI_LE_ENCRYPT, 'LE Encrypt'),
  row(27, 7, C.HCI_LE_RAND, 'LE Rand'),
  row(28, 0, C.HCI_LE_ENABLE_ENCRYPTION, 'LE Enable Encryption'),
  row(28, 1, C.HCI_LE_LONG_TERM_KEY_REQUEST_REPLY, 'LE Long Term Key Request Reply'),
  row(28, 2, C.HCI_LE_LONG_TERM_KEY_REQUEST_NEGATIVE_REPLY, 'LE Long Term Key Request Negative Reply'),
  row(28, 3, C.HCI_LE_READ_SUPPORTED_STATES, 'LE Read Supported States'),
  row(33, 4, le(0x0020), 'LE Remote Connection Parameter Request Reply'),
  row(33, 5, le(0x0021), 'LE Remote Connection Parameter Request Negative Reply'),
  row(33, 6, C.HCI_LE_SET_DATA_LENGTH, 'LE Set Data Length'),
  row(33, 7, C.HCI_LE_READ_SUGGESTED_DEFAULT_DATA_LENGTH, 'LE Read Suggested Default Data Length'),
  row(34, 0, C.HCI_LE_WRITE_SUGGESTED_DEFAULT_DATA_LENGTH, 'LE Write Suggested Default Data Length'),
  row(34, 1, C.HCI_LE_READ_LOCAL_P256_PUBLIC_KEY, 'LE Read Local P-256 Public Key'),
  row(34, 2, C.HCI_LE_GENERATE_DHKEY, 'LE Generate DHKey [v1]'),
  row(34, 5, C.HCI_LE_CLEAR_RESOLVING_LIST, 'LE Clear Resolving List'),
  row(35, 1, C.HCI_LE_SET_ADDRESS_RESOLUTION_ENABLE, 'LE Set Address Resolution Enable'),
  row(35, 3, C.HCI_LE_READ_MAXIMUM_DATA_LENGTH, 'LE Read Maximum Data Length'),
  row(35, 4, C.HCI_LE_READ_PHY, 'LE Read PHY'),
  row(35, 5, C.HCI_LE_SET_DEFAULT_PHY, 'LE Set Default PHY'),
  row(35, 6, C.HCI_LE_SET_PHY, 'LE Set PHY'),
  row(36, 1, C.HCI_LE_SET_ADVERTISING_SET_RANDOM_ADDRESS, 'LE Set Advertising Set Random Address'),
  row(36, 2, C.HCI_LE_SET_EXTENDED_ADVERTISING_PARAMETERS, 'LE Set Extended Advertising Parameters [v1]'),
  row(36, 3, C.HCI_LE_SET_EXTENDED_ADVERTISING_DATA, 'LE Set Extended Advertising Data'),
  row(36, 4, C.HCI_LE_SET_EXTENDED_SCAN_RESPONSE_DATA, 'LE Set Extended Scan Response Data'),
  row(36, 5, C.HCI_LE_SET_EXTENDED_ADVERTISING_ENABLE, 'LE Set Extended Advertising Enable'),
  row(36, 6, C.HCI_LE_READ_MAXIMUM_ADVERTISING_DATA_LENGTH, 'LE Read Maximum Advertising Data Length'),
  row(36, 7, C.HCI_LE_READ_NUMBER_OF_SUPPORTED_ADVERTISING_SETS, 'LE Read Number of Supported Advertising Sets'),
  row(37, 0, C.HCI_LE_REMOVE_ADVERTISING_SET, 'LE Remove Advertising Set'),
  row(37, 1, C.HCI_LE_CLEAR_ADVERTISING_SETS, 'LE Clear Advertising Sets'),
  row(37, 5, C.HCI_LE_SET_EXTENDED_SCAN_PARAMETERS, 'LE Set Extended Scan Parameters'),
  row(37, 6, C.HCI_LE_SET_EXTENDED_SCAN_ENABLE, 'LE Set Extended Scan Enable'),
  row(37, 7, C.HCI_LE_EXTENDED_CREATE_CONNECTION, 'LE Extended Create Connection [v1]'),
];

/** The commands whose bits are set in `map`, and the set bits this table has no command for. */
export function commandsInMap(map: Uint8Array): { known: SupportedCommandBit[]; unknown: { octet: number; bit: number }[] } {
  const known: SupportedCommandBit[] = [];
  const unknown: { octet: number; bit: number }[] = [];
  for (let octet = 0; octet < map.length; octet++) {
    for (let bit = 0; bit < 8; bit++) {
      if (!((map[octet]! >> bit) & 1)) continue;
      const r = SUPPORTED_COMMAND_BITS.find((b) => b.octet === octet && b.bit === bit);
      if (r) known.push(r);
      else unknown.push({ octet, bit });
    }
  }
  return { known, unknown };
}
