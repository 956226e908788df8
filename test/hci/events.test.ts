import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src-main/hci/address.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import * as C from '../../src-main/hci/constants.ts';
import { decodeEvent, encodeEvent, type FieldsOf } from '../../src-main/hci/event.ts';
import * as E from '../../src-main/hci/events.ts';
import * as L from '../../src-main/hci/le-events.ts';
import { decodePacket, encodePacket, type HciEvent } from '../../src-main/hci/packets.ts';
import { parseEvent } from '../../src-main/hci/registry.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

// Every golden below is a whole H4 event packet: 04, Event_Code, Parameter_Total_Length, parameters,
// with the parameter layouts of Core 5.4 Vol 4 Part E 7.7.x, derived by hand.
const h4 = (e: HciEvent): Uint8Array => encodePacket(e);
const PEER = parseAddress('C0:11:22:33:44:55'); // wire: 55 44 33 22 11 c0
const CONN: FieldsOf<typeof L.LeConnectionComplete> = {
  status: C.HciStatus.SUCCESS,
  connectionHandle: 0x0040,
  role: C.ROLE_PERIPHERAL,
  peerAddressType: 0x01,
  peerAddress: PEER,
  connectionInterval: 0x0018, // 30 ms
  peripheralLatency: 0x0000,
  supervisionTimeout: 0x0048, // 720 ms
  centralClockAccuracy: 0x00,
};
const NO_RPA = { localResolvablePrivateAddress: new Uint8Array(6), peerResolvablePrivateAddress: new Uint8Array(6) };

describe('controller events, golden hex', () => {
  it('7.7.14 Command Complete for HCI_Reset', () => {
    expectHex(h4(E.commandComplete(C.HCI_RESET, C.HciStatus.SUCCESS)), '04 0e 04 01 03 0c 00');
  });

  it('7.7.14 Command Complete with return parameters (LE Read Buffer Size: 251 octets, 8 packets)', () => {
    expectHex(h4(E.commandComplete(C.HCI_LE_READ_BUFFER_SIZE, 0x00, fromHex('fb 00 08'))), '04 0e 07 01 02 20 00 fb 00 08');
  });

  it('7.7.14 Command Complete with opcode 0x0000 (no status octet)', () => {
    expectHex(h4(E.commandCompleteNop()), '04 0e 03 01 00 00');
  });

  it('7.7.15 Command Status: Status, Num_HCI_Command_Packets, Command_Opcode', () => {
    expectHex(h4(E.commandStatus(0x00, C.HCI_LE_CREATE_CONNECTION)), '04 0f 04 00 01 0d 20');
    expectHex(h4(E.commandStatus(0x0c, C.HCI_DISCONNECT)), '04 0f 04 0c 01 06 04');
  });

  it('7.7.5 Disconnection Complete, remote user terminated', () => {
    expectHex(h4(encodeEvent(E.DisconnectionComplete, { status: 0x00, connectionHandle: 0x0040, reason: 0x13 })), '04 05 04 00 40 00 13');
  });

  it('7.7.12 Read Remote Version Information Complete', () => {
    const e = encodeEvent(E.ReadRemoteVersionInformationComplete, { status: 0, connectionHandle: 0x0040, version: 0x0d, companyIdentifier: 0x05f1, subversion: 0x1234 });
    expectHex(h4(e), '04 0c 08 00 40 00 0d f1 05 34 12');
  });

  it('7.7.16 Hardware Error and 7.7.26 Data Buffer Overflow (ACL)', () => {
    expectHex(h4(encodeEvent(E.HardwareError, { hardwareCode: 0x2a })), '04 10 01 2a');
    expectHex(h4(encodeEvent(E.DataBufferOverflow, { linkType: 0x01 })), '04 1a 01 01');
  });

  it('7.7.19 Number Of Completed Packets with two handles, array entries interleaved (Part E 5.2)', () => {
    const e = encodeEvent(E.NumberOfCompletedPackets, {
      handles: [
        { connectionHandle: 0x0040, numCompletedPackets: 2 },
        { connectionHandle: 0x0041, numCompletedPackets: 1 },
      ],
    });
    expectHex(h4(e), '04 13 09 02 40 00 02 00 41 00 01 00');
  });

  it('7.7.65.1 LE Connection Complete: 19 parameter octets', () => {
    expectHex(h4(encodeEvent(L.LeConnectionComplete, CONN)), '04 3e 13 01 00 40 00 01 01 55 44 33 22 11 c0 18 00 00 00 48 00 00');
  });

  it('7.7.65.10 LE Enhanced Connection Complete: 31 parameter octets including the subevent code', () => {
    const bytes = h4(encodeEvent(L.LeEnhancedConnectionComplete, { ...CONN, ...NO_RPA }));
    expect(bytes[2]).toBe(31);
    expectHex(
      bytes,
      `04 3e 1f 0a 00 40 00 01 01 55 44 33 22 11 c0
       00 00 00 00 00 00  00 00 00 00 00 00
       18 00 00 00 48 00 00`,
    );
  });

  it('7.7.65.2 LE Advertising Report with data and a negative RSSI', () => {
    const e = encodeEvent(L.LeAdvertisingReport, {
      reports: [
        {
          eventType: C.REPORT_ADV_IND,
          addressType: 0x01,
          address: PEER,
          data: fromHex('02 01 06 05 09 50 69 63 6f'), // Flags, Complete Local Name "Pico"
          rssi: -60,
        },
      ],
    });
    expectHex(h4(e), '04 3e 15 02 01 00 01 55 44 33 22 11 c0 09 02 01 06 05 09 50 69 63 6f c4');
  });

  it('7.7.65.13 LE Extended Advertising Report for a legacy ADV_IND', () => {
    const e = encodeEvent(L.LeExtendedAdvertisingReport, {
      reports: [
        {
          eventType: C.EXT_REPORT_LEGACY[C.REPORT_ADV_IND]!,
          addressType: 0x01,
          address: PEER,
          primaryPhy: 0x01,
          secondaryPhy: 0x00,
          advertisingSid: 0xff,
          txPower: 127,
          rssi: -70,
          periodicAdvertisingInterval: 0x0000,
          directAddressType: 0x00,
          directAddress: new Uint8Array(6),
          data: fromHex('02 01 06'),
        },
      ],
    });
    // Num_Reports 01, Event_Type 0013, Address_Type, Address, Primary_PHY 01, Secondary_PHY 00, SID ff,
    // Tx_Power 7f, RSSI ba, Periodic_Advertising_Interval 0000, Direct_Address_Type 00, Direct_Address 0,
    // Data_Length 03, Data.
    expectHex(
      h4(e),
      `04 3e 1d 0d 01 13 00 01 55 44 33 22 11 c0 01 00 ff 7f ba 00 00
       00 00 00 00 00 00 00 03 02 01 06`,
    );
  });

  it('7.7.65.3 LE Connection Update Complete', () => {
    const e = encodeEvent(L.LeConnectionUpdateComplete, { status: 0, connectionHandle: 0x0040, connectionInterval: 0x0006, peripheralLatency: 0x0004, supervisionTimeout: 0x00c8 });
    expectHex(h4(e), '04 3e 0a 03 00 40 00 06 00 04 00 c8 00');
  });

  it('7.7.65.4 LE Read Remote Features Complete pads LE_Features to 8 octets', () => {
    expectHex(h4(encodeEvent(L.LeReadRemoteFeaturesComplete, { status: 0, connectionHandle: 0x0040, leFeatures: fromHex('01') })), '04 3e 0c 04 00 40 00 01 00 00 00 00 00 00 00');
  });

  it('7.7.65.5 LE Long Term Key Request', () => {
    const e = encodeEvent(L.LeLongTermKeyRequest, { connectionHandle: 0x0040, randomNumber: fromHex('01 02 03 04 05 06 07 08'), encryptedDiversifier: 0xbeef });
    expectHex(h4(e), '04 3e 0d 05 40 00 01 02 03 04 05 06 07 08 ef be');
  });

  it('7.7.65.7 LE Data Length Change', () => {
    const e = encodeEvent(L.LeDataLengthChange, { connectionHandle: 0x0040, maxTxOctets: 251, maxTxTime: 2120, maxRxOctets: 27, maxRxTime: 328 });
    expectHex(h4(e), '04 3e 0b 07 40 00 fb 00 48 08 1b 00 48 01');
  });
});

describe('decoding', () => {
  it('7.7.14 Command Complete: the Status, then the return parameters; a NOP has neither', () => {
    const e = decodeEvent(E.CommandComplete, decodeEvent1('04 0e 07 01 02 20 00 fb 00 08'));
    expect(e).toEqual({ numHciCommandPackets: 1, commandOpcode: C.HCI_LE_READ_BUFFER_SIZE, returnParameters: fromHex('00 fb 00 08') });
    expect(E.completion(e)).toEqual({ status: 0, returnParameters: fromHex('fb 00 08') });
    expect(E.completion(decodeEvent(E.CommandComplete, E.commandCompleteNop()))).toEqual({ status: 0, returnParameters: new Uint8Array(0) });
  });

  it('7.7.65.2 reads every report of a multi-report event in order', () => {
    const e = decodeEvent1('04 3e 19 02 02  00 00 55 44 33 22 11 c0 01 aa c4  04 01 66 55 44 33 22 11 02 bb cc 9c');
    expect(decodeEvent(L.LeAdvertisingReport, e).reports).toEqual([
      { eventType: 0, addressType: 0, address: PEER, data: fromHex('aa'), rssi: -60 },
      { eventType: 4, addressType: 1, address: parseAddress('11:22:33:44:55:66'), data: fromHex('bb cc'), rssi: -100 },
    ]);
  });

  it('parseEvent names each event by its spec name, and leaves unknown ones as they came', () => {
    expect(parseEvent(decodeEvent1('04 05 04 00 40 00 13'))).toEqual({ event: 'HCI_Disconnection_Complete', status: 0, connectionHandle: 0x40, reason: 0x13 });
    expect(parseEvent(decodeEvent1('04 3e 0b 07 40 00 fb 00 48 08 1b 00 48 01'))).toMatchObject({ event: 'HCI_LE_Data_Length_Change', maxTxOctets: 251 });
    expect(parseEvent(decodeEvent1('04 08 04 00 40 00 01'))).toEqual({ event: 'HCI_Encryption_Change', status: 0, connectionHandle: 0x40, encryptionEnabled: 1 });
    // 7.7.75 HCI_Authenticated_Payload_Timeout_Expired (0x57) has no definition here.
    expect(parseEvent(decodeEvent1('04 57 02 40 00'))).toEqual({ event: 'other', code: 0x57, params: fromHex('40 00') });
    expect(parseEvent(decodeEvent1('04 3e 02 7f 00'))).toEqual({ event: 'other', code: 0x3e, params: fromHex('7f 00') });
  });

  it('malformed events throw DecodeError with layer and offset (from the first parameter)', () => {
    expect(catchDecodeError(() => parseEvent(decodeEvent1('04 05 03 00 40 00')))).toMatchObject({ layer: 'hci', code: 'truncated', offset: 3 });
    expect(catchDecodeError(() => parseEvent(decodeEvent1('04 05 05 00 40 00 13 00')))).toMatchObject({ layer: 'hci', code: 'trailing-octets', offset: 4 });
    // Num_Reports 2 with one report.
    expect(catchDecodeError(() => parseEvent(decodeEvent1('04 3e 0c 02 02 00 00 55 44 33 22 11 c0 00 c4')))).toMatchObject({ code: 'truncated', offset: 12 });
    expect(catchDecodeError(() => decodeEvent(E.DisconnectionComplete, decodeEvent1('04 0e 03 01 00 00')))).toMatchObject({ code: 'wrong-event' });
  });
});

describe('sizes', () => {
  it('addresses are always six octets on the wire, padded or cut', () => {
    const short = encodeEvent(L.LeConnectionComplete, { ...CONN, peerAddress: fromHex('01 02') });
    const long = encodeEvent(L.LeConnectionComplete, { ...CONN, peerAddress: fromHex('01 02 03 04 05 06 07 08') });
    expect(short.params.length).toBe(19);
    expect(long.params.length).toBe(19);
    expectHex(short.params.subarray(6, 12), '01 02 00 00 00 00');
    expectHex(long.params.subarray(6, 12), '01 02 03 04 05 06');
  });

  it('an advertising report too large for one event is rejected by encodePacket', () => {
    const report = { eventType: 0, addressType: 0, address: PEER, data: new Uint8Array(245), rssi: -1 };
    const e = encodeEvent(L.LeAdvertisingReport, { reports: [report] });
    expect(e.params.length).toBe(257);
    expect(() => encodePacket(e)).toThrow(RangeError);
  });
});

function decodeEvent1(hex: string): HciEvent {
  const p = decodePacket(fromHex(hex));
  if (p.kind !== 'event') throw new Error('not an event');
  return p;
}
