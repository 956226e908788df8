// LE security commands and their events, golden hex laid out by hand from Core 5.4 Vol 4 Part E
// 7.8.22-7.8.25, 7.8.36-7.8.37, 7.7.8, 7.7.39, 7.7.65.8-9. Values from the spec's sample data
// (Vol 6 Part C 1.1, LE Encrypt; Vol 3 Part H 2.3.5.6.1, the P-256 debug key) where it has some.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { decodeCommand, encodeCommand } from '../../src-main/hci/command.ts';
import { LeEnableEncryption, LeEncrypt, LeGenerateDhKey, LeLongTermKeyRequestReply, LeReadLocalP256PublicKey } from '../../src-main/hci/commands/le-security.ts';
import * as C from '../../src-main/hci/constants.ts';
import { decodeEvent, encodeEvent } from '../../src-main/hci/event.ts';
import { commandComplete, EncryptionChange, EncryptionChangeV2, EncryptionKeyRefreshComplete } from '../../src-main/hci/events.ts';
import { LeGenerateDhKeyComplete, LeReadLocalP256PublicKeyComplete } from '../../src-main/hci/le-events.ts';
import { decodePacket, encodePacket } from '../../src-main/hci/packets.ts';
import { parseEvent } from '../../src-main/hci/registry.ts';
import { expectHex } from './decode-error.ts';

/** Little-endian (wire) octets of a number the spec writes most significant octet first. */
const le = (hexMsbFirst: string): Uint8Array => fromHex(hexMsbFirst).reverse();

// Vol 6 Part C 1.1: Key 0x4C68384139F574D836BCF34E9DFB01BF, Plaintext_Data 0x0213243546576879ACBDCEDFE0F10213.
const SAMPLE_KEY = le('4C68384139F574D836BCF34E9DFB01BF');
const SAMPLE_PLAINTEXT = le('0213243546576879ACBDCEDFE0F10213');
// Vol 3 Part H 2.3.5.6.1: the debug public key, X and Y.
const DEBUG_X = le('20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6');
const DEBUG_Y = le('dc809c49652aeb6d63329abf5a52155c766345c28fed3024741c8ed01589d28b');

describe('LE security commands, golden hex', () => {
  it('7.8.22 HCI_LE_Encrypt: 0x2017, Key then Plaintext_Data, each least significant octet first (Vol 6 Part C 1.1)', () => {
    const cmd = encodeCommand(LeEncrypt, { key: SAMPLE_KEY, plaintextData: SAMPLE_PLAINTEXT });
    expectHex(
      encodePacket(cmd),
      '01 17 20 20 bf 01 fb 9d 4e f3 bc 36 d8 74 f5 39 41 38 68 4c 13 02 f1 e0 df ce bd ac 79 68 57 46 35 24 13 02',
    );
    expect(decodeCommand(LeEncrypt, cmd.params)).toEqual({ key: SAMPLE_KEY, plaintextData: SAMPLE_PLAINTEXT });
  });

  it('7.8.22 return: Status then Encrypted_Data 0x99AD1B5226A37E3E058E3B8E27C2C666, least significant octet first', () => {
    const e = commandComplete(C.HCI_LE_ENCRYPT, 0, le('99AD1B5226A37E3E058E3B8E27C2C666'));
    expectHex(encodePacket(e), '04 0e 14 01 17 20 00 66 c6 c2 27 8e 3b 8e 05 3e 7e a3 26 52 1b ad 99');
  });

  it('7.8.24 HCI_LE_Enable_Encryption: 0x2019, handle, Random_Number (8), EDIV (2), LTK (16)', () => {
    const cmd = encodeCommand(LeEnableEncryption, {
      connectionHandle: 0x0040,
      randomNumber: fromHex('0102030405060708'),
      encryptedDiversifier: 0xbeef,
      longTermKey: SAMPLE_KEY,
    });
    expectHex(encodePacket(cmd), '01 19 20 1c 40 00 01 02 03 04 05 06 07 08 ef be bf 01 fb 9d 4e f3 bc 36 d8 74 f5 39 41 38 68 4c');
    expect(LeEnableEncryption.answer).toBe('status');
  });

  it('7.8.25 HCI_LE_Long_Term_Key_Request_Reply: 0x201A, handle, LTK; returns the handle', () => {
    expectHex(
      encodePacket(encodeCommand(LeLongTermKeyRequestReply, { connectionHandle: 0x0041, longTermKey: SAMPLE_KEY })),
      '01 1a 20 12 41 00 bf 01 fb 9d 4e f3 bc 36 d8 74 f5 39 41 38 68 4c',
    );
    expect(LeLongTermKeyRequestReply.answer).toBe('complete');
  });

  it('7.8.36 HCI_LE_Read_Local_P-256_Public_Key: 0x2025, no parameters, Command Status', () => {
    expectHex(encodePacket(encodeCommand(LeReadLocalP256PublicKey, {})), '01 25 20 00');
    expect(LeReadLocalP256PublicKey.answer).toBe('status');
  });

  it('7.8.37 HCI_LE_Generate_DHKey [v1]: 0x2026, the remote key X then Y, 64 octets', () => {
    const remote = new Uint8Array([...DEBUG_X, ...DEBUG_Y]);
    const bytes = encodePacket(encodeCommand(LeGenerateDhKey, { remoteP256PublicKey: remote }));
    expectHex(bytes.subarray(0, 8), '01 26 20 40 e6 9d 35 0e');
    expect(bytes.length).toBe(4 + 64);
    expect(LeGenerateDhKey.answer).toBe('status');
  });
});

describe('LE security events, golden hex', () => {
  it('7.7.8 HCI_Encryption_Change [v1]: 0x08, Status, handle, Encryption_Enabled 0x01 (AES-CCM)', () => {
    const e = encodeEvent(EncryptionChange, { status: 0, connectionHandle: 0x0040, encryptionEnabled: 1 });
    expectHex(encodePacket(e), '04 08 04 00 40 00 01');
    expect(parseEvent(e)).toEqual({ event: 'HCI_Encryption_Change', status: 0, connectionHandle: 0x0040, encryptionEnabled: 1 });
  });

  it('7.7.8.2 HCI_Encryption_Change [v2]: 0x59, v1 then Encryption_Key_Size', () => {
    const e = encodeEvent(EncryptionChangeV2, { status: 0, connectionHandle: 0x0040, encryptionEnabled: 1, encryptionKeySize: 16 });
    expectHex(encodePacket(e), '04 59 05 00 40 00 01 10');
  });

  it('7.7.39 HCI_Encryption_Key_Refresh_Complete: 0x30, Status, handle', () => {
    expectHex(encodePacket(encodeEvent(EncryptionKeyRefreshComplete, { status: 0, connectionHandle: 0x0040 })), '04 30 03 00 40 00');
  });

  it('7.7.65.8 HCI_LE_Read_Local_P-256_Public_Key_Complete: subevent 0x08, Status, X (32), Y (32)', () => {
    const e = encodeEvent(LeReadLocalP256PublicKeyComplete, { status: 0, keyXCoordinate: DEBUG_X, keyYCoordinate: DEBUG_Y });
    const bytes = encodePacket(e);
    expectHex(bytes.subarray(0, 9), '04 3e 42 08 00 e6 9d 35 0e');
    expectHex(bytes.subarray(37, 41), '8b d2 89 15');
    const packet = decodePacket(bytes);
    expect(packet.kind === 'event' && decodeEvent(LeReadLocalP256PublicKeyComplete, packet)).toEqual({ status: 0, keyXCoordinate: DEBUG_X, keyYCoordinate: DEBUG_Y });
  });

  it('7.7.65.9 HCI_LE_Generate_DHKey_Complete: subevent 0x09, Status, DHKey (32)', () => {
    const e = encodeEvent(LeGenerateDhKeyComplete, { status: C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS, dhKey: new Uint8Array(32).fill(0xff) });
    expectHex(encodePacket(e), `04 3e 22 09 12 ${'ff '.repeat(32)}`);
  });
});
