// Link control commands, Core 5.4 Vol 4 Part E 7.1, and the one status parameter command we use (7.5).
import { HCI_DISCONNECT, HCI_READ_REMOTE_VERSION_INFORMATION, HCI_READ_RSSI } from '../constants.ts';
import { command, statusCommand } from '../command.ts';
import { handle, i8, u8 } from '../fields.ts';

/** 7.1.6. The outcome is HCI_Disconnection_Complete. */
export const Disconnect = statusCommand({
  name: 'HCI_Disconnect',
  section: '7.1.6',
  opcode: HCI_DISCONNECT,
  params: { connectionHandle: handle, reason: u8 },
});

/** 7.1.23. The outcome is HCI_Read_Remote_Version_Information_Complete. */
export const ReadRemoteVersionInformation = statusCommand({
  name: 'HCI_Read_Remote_Version_Information',
  section: '7.1.23',
  opcode: HCI_READ_REMOTE_VERSION_INFORMATION,
  params: { connectionHandle: handle },
});

/** 7.5.4. RSSI 127 (0x7F): not available. */
export const ReadRssi = command({
  name: 'HCI_Read_RSSI',
  section: '7.5.4',
  opcode: HCI_READ_RSSI,
  params: { connectionHandle: handle },
  returns: { connectionHandle: handle, rssi: i8 },
});
