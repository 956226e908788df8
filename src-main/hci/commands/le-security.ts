// LE security commands the controller runs for the host: AES-128, random numbers, starting
// encryption and answering the peer's request for a key (Core 5.4 Vol 4 Part E 7.8.22-7.8.25),
// and the P-256 operations of LE Secure Connections (7.8.36-7.8.37). The negative reply (7.8.26)
// is in le-connection.ts. Keys, plaintext and coordinates are little-endian on the wire, as every
// multi-octet HCI parameter (5.2).
import * as C from '../constants.ts';
import { command, statusCommand } from '../command.ts';
import { handle, octets, u16 } from '../fields.ts';
import { NO_FIELDS } from '../struct.ts';

/** 7.8.22. AES-128 (FIPS 197) of Plaintext_Data under Key; no connection involved. */
export const LeEncrypt = command({
  name: 'HCI_LE_Encrypt',
  section: '7.8.22',
  opcode: C.HCI_LE_ENCRYPT,
  params: { key: octets(16), plaintextData: octets(16) },
  returns: { encryptedData: octets(16) },
});

/** 7.8.24 (HCI_LE_Start_Encryption before Core 5.3). Central only; the outcome is HCI_Encryption_Change or HCI_Encryption_Key_Refresh_Complete. */
export const LeEnableEncryption = statusCommand({
  name: 'HCI_LE_Enable_Encryption',
  section: '7.8.24',
  opcode: C.HCI_LE_ENABLE_ENCRYPTION,
  params: { connectionHandle: handle, randomNumber: octets(8), encryptedDiversifier: u16, longTermKey: octets(16) },
});

/** 7.8.25. The peripheral's host answers HCI_LE_Long_Term_Key_Request with the key. */
export const LeLongTermKeyRequestReply = command({
  name: 'HCI_LE_Long_Term_Key_Request_Reply',
  section: '7.8.25',
  opcode: C.HCI_LE_LONG_TERM_KEY_REQUEST_REPLY,
  params: { connectionHandle: handle, longTermKey: octets(16) },
  returns: { connectionHandle: handle },
});

/** 7.8.36. The outcome is HCI_LE_Read_Local_P-256_Public_Key_Complete. */
export const LeReadLocalP256PublicKey = statusCommand({
  name: 'HCI_LE_Read_Local_P-256_Public_Key',
  section: '7.8.36',
  opcode: C.HCI_LE_READ_LOCAL_P256_PUBLIC_KEY,
  params: NO_FIELDS,
});

/** 7.8.37 [v1]. X then Y, 32 octets each; the outcome is HCI_LE_Generate_DHKey_Complete. */
export const LeGenerateDhKey = statusCommand({
  name: 'HCI_LE_Generate_DHKey',
  section: '7.8.37',
  opcode: C.HCI_LE_GENERATE_DHKEY,
  params: { remoteP256PublicKey: octets(64) },
});
