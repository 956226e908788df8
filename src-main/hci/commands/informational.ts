// Informational parameters, Core 5.4 Vol 4 Part E 7.4.
import {
  HCI_READ_BD_ADDR,
  HCI_READ_BUFFER_SIZE,
  HCI_READ_LOCAL_SUPPORTED_COMMANDS,
  HCI_READ_LOCAL_SUPPORTED_FEATURES,
  HCI_READ_LOCAL_VERSION_INFORMATION,
} from '../constants.ts';
import { command } from '../command.ts';
import { address, octets, u16, u8 } from '../fields.ts';
import { NO_FIELDS } from '../struct.ts';

/** 7.4.1 */
export const ReadLocalVersionInformation = command({
  name: 'HCI_Read_Local_Version_Information',
  section: '7.4.1',
  opcode: HCI_READ_LOCAL_VERSION_INFORMATION,
  params: NO_FIELDS,
  returns: { hciVersion: u8, hciSubversion: u16, lmpVersion: u8, companyIdentifier: u16, lmpSubversion: u16 },
});

/** 7.4.2. One bit per command, as listed in 6.27. */
export const ReadLocalSupportedCommands = command({
  name: 'HCI_Read_Local_Supported_Commands',
  section: '7.4.2',
  opcode: HCI_READ_LOCAL_SUPPORTED_COMMANDS,
  params: NO_FIELDS,
  returns: { supportedCommands: octets(64) },
});

/** 7.4.3. LMP features page 0 (Core 5.4 Vol 2 Part C 3.3). */
export const ReadLocalSupportedFeatures = command({
  name: 'HCI_Read_Local_Supported_Features',
  section: '7.4.3',
  opcode: HCI_READ_LOCAL_SUPPORTED_FEATURES,
  params: NO_FIELDS,
  returns: { lmpFeatures: octets(8) },
});

/** 7.4.5. BR/EDR buffers, shared with LE when HCI_LE_Read_Buffer_Size reports none. */
export const ReadBufferSize = command({
  name: 'HCI_Read_Buffer_Size',
  section: '7.4.5',
  opcode: HCI_READ_BUFFER_SIZE,
  params: NO_FIELDS,
  returns: { aclDataPacketLength: u16, synchronousDataPacketLength: u8, totalNumAclDataPackets: u16, totalNumSynchronousDataPackets: u16 },
});

/** 7.4.6 */
export const ReadBdAddr = command({
  name: 'HCI_Read_BD_ADDR',
  section: '7.4.6',
  opcode: HCI_READ_BD_ADDR,
  params: NO_FIELDS,
  returns: { bdAddr: address },
});
