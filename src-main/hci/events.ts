// Events other than LE Meta, Core 5.4 Vol 4 Part E 7.7, and the answers to commands: Command
// Complete and Command Status, built here for the controller and read here for the hosts.
import * as C from './constants.ts';
import { encodeEvent, event } from './event.ts';
import { handle, rest, u16, u8 } from './fields.ts';
import type { HciEvent } from './packets.ts';
import { list, type Value } from './struct.ts';

/** 7.7.5 */
export const DisconnectionComplete = event({
  name: 'HCI_Disconnection_Complete',
  section: '7.7.5',
  code: C.HCI_DISCONNECTION_COMPLETE,
  fields: { status: u8, connectionHandle: handle, reason: u8 },
});

/** 7.7.8 [v1]. Encryption_Enabled 0x01 on an LE link: AES-CCM on (7.7.8). */
export const EncryptionChange = event({
  name: 'HCI_Encryption_Change',
  section: '7.7.8',
  code: C.HCI_ENCRYPTION_CHANGE,
  fields: { status: u8, connectionHandle: handle, encryptionEnabled: u8 },
});

/** 7.7.8.2 [v2]: v1 and the Encryption_Key_Size in octets; sent instead of v1 when page 2 of the event mask unmasks it. */
export const EncryptionChangeV2 = event({
  name: 'HCI_Encryption_Change_v2',
  section: '7.7.8.2',
  code: C.HCI_ENCRYPTION_CHANGE_V2,
  fields: { status: u8, connectionHandle: handle, encryptionEnabled: u8, encryptionKeySize: u8 },
});

/** 7.7.12 */
export const ReadRemoteVersionInformationComplete = event({
  name: 'HCI_Read_Remote_Version_Information_Complete',
  section: '7.7.12',
  code: C.HCI_READ_REMOTE_VERSION_INFORMATION_COMPLETE,
  fields: { status: u8, connectionHandle: handle, version: u8, companyIdentifier: u16, subversion: u16 },
});

/** 7.7.14. Return_Parameters start with the command's Status, except for opcode 0x0000 (none). */
export const CommandComplete = event({
  name: 'HCI_Command_Complete',
  section: '7.7.14',
  code: C.HCI_COMMAND_COMPLETE,
  fields: { numHciCommandPackets: u8, commandOpcode: u16, returnParameters: rest },
});

/** 7.7.15 */
export const CommandStatus = event({
  name: 'HCI_Command_Status',
  section: '7.7.15',
  code: C.HCI_COMMAND_STATUS,
  fields: { status: u8, numHciCommandPackets: u8, commandOpcode: u16 },
});

/** 7.7.16 */
export const HardwareError = event({
  name: 'HCI_Hardware_Error',
  section: '7.7.16',
  code: C.HCI_HARDWARE_ERROR,
  fields: { hardwareCode: u8 },
});

/** 7.7.19. One entry per handle, each handle with its count (Part E 5.2). */
export const NumberOfCompletedPackets = event({
  name: 'HCI_Number_Of_Completed_Packets',
  section: '7.7.19',
  code: C.HCI_NUMBER_OF_COMPLETED_PACKETS,
  fields: { handles: list({ connectionHandle: handle, numCompletedPackets: u16 }) },
});

/** 7.7.26. Link_Type 0x01: ACL. */
export const DataBufferOverflow = event({
  name: 'HCI_Data_Buffer_Overflow',
  section: '7.7.26',
  code: C.HCI_DATA_BUFFER_OVERFLOW,
  fields: { linkType: u8 },
});

/** 7.7.39. Encryption restarted on a link already encrypted (LE: HCI_LE_Enable_Encryption again). */
export const EncryptionKeyRefreshComplete = event({
  name: 'HCI_Encryption_Key_Refresh_Complete',
  section: '7.7.39',
  code: C.HCI_ENCRYPTION_KEY_REFRESH_COMPLETE,
  fields: { status: u8, connectionHandle: handle },
});

/** Num_HCI_Command_Packets in every answer: one command in flight per host. */
const COMMAND_PACKETS = 1;

/** 7.7.14 for a command: its Status, then (on success) its return parameters. */
export function commandComplete(opcode: number, status: number, returnParameters: Uint8Array = new Uint8Array(0)): HciEvent {
  const ret = new Uint8Array(1 + returnParameters.length);
  ret[0] = status;
  ret.set(returnParameters, 1);
  return encodeEvent(CommandComplete, { numHciCommandPackets: COMMAND_PACKETS, commandOpcode: opcode, returnParameters: ret });
}

/** 7.7.14 with Command_Opcode 0x0000: the controller is ready for commands (sent after power-on, 4.4). */
export function commandCompleteNop(): HciEvent {
  return encodeEvent(CommandComplete, { numHciCommandPackets: COMMAND_PACKETS, commandOpcode: 0x0000, returnParameters: new Uint8Array(0) });
}

/** 7.7.15 */
export function commandStatus(status: number, opcode: number): HciEvent {
  return encodeEvent(CommandStatus, { status, numHciCommandPackets: COMMAND_PACKETS, commandOpcode: opcode });
}

/** A Command Complete's Status and the return parameters after it (a NOP has neither: status 0). */
export function completion(e: Value<typeof CommandComplete.fields>): { status: number; returnParameters: Uint8Array } {
  const ret = e.returnParameters;
  return { status: ret[0] ?? C.HciStatus.SUCCESS, returnParameters: ret.subarray(1) };
}
