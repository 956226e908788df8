import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src-main/radio/hci/address.ts';
import { ByteReader, fromHex } from '../../../src-main/radio/hci/bytes.ts';
import * as C from '../../../src-main/radio/hci/constants.ts';
import * as E from '../../../src-main/radio/hci/events.ts';
import { decodePacket, encodePacket, type HciEvent } from '../../../src-main/radio/hci/packets.ts';
import { expectHex } from './decode-error.ts';

// Every golden below is a whole H4 event packet: 04, Event_Code, Parameter_Total_Length, parameters,
// with the parameter layouts of Core 5.4 Vol 4 Part E 7.7.x, derived by hand.
const h4 = (e: HciEvent): Uint8Array => encodePacket(e);
const PEER = parseAddress('C0:11:22:33:44:55'); // wire: 55 44 33 22 11 c0
const CONN: E.ConnectionCompleteFields = {
  status: C.HciStatus.SUCCESS,
  handle: 0x0040,
  role: C.ROLE_PERIPHERAL,
  peerAddressType: 0x01,
  peerAddress: PEER,
  interval: 0x0018, // 30 ms
  latency: 0x0000,
  supervisionTimeout: 0x0048, // 720 ms
};

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
    expectHex(h4(E.disconnectionComplete(0x00, 0x0040, 0x13)), '04 05 04 00 40 00 13');
  });

  it('7.7.12 Read Remote Version Information Complete', () => {
    expectHex(h4(E.readRemoteVersionInformationComplete(0x00, 0x0040, 0x0d, 0x05f1, 0x1234)), '04 0c 08 00 40 00 0d f1 05 34 12');
  });

  it('7.7.16 Hardware Error and 7.7.26 Data Buffer Overflow (ACL)', () => {
    expectHex(h4(E.hardwareError(0x2a)), '04 10 01 2a');
    expectHex(h4(E.dataBufferOverflow()), '04 1a 01 01');
  });

  it('7.7.19 Number Of Completed Packets with two handles, array entries interleaved (Part E 5.2)', () => {
    const e = E.numberOfCompletedPackets([
      { handle: 0x0040, packets: 2 },
      { handle: 0x0041, packets: 1 },
    ]);
    expectHex(h4(e), '04 13 09 02 40 00 02 00 41 00 01 00');
  });

  it('7.7.65.1 LE Connection Complete: 19 parameter octets', () => {
    expectHex(
      h4(E.leConnectionComplete(CONN)),
      '04 3e 13 01 00 40 00 01 01 55 44 33 22 11 c0 18 00 00 00 48 00 00',
    );
  });

  it('7.7.65.10 LE Enhanced Connection Complete: 31 parameter octets including the subevent code', () => {
    const bytes = h4(E.leEnhancedConnectionComplete(CONN));
    expect(bytes[2]).toBe(31);
    expectHex(
      bytes,
      `04 3e 1f 0a 00 40 00 01 01 55 44 33 22 11 c0
       00 00 00 00 00 00  00 00 00 00 00 00
       18 00 00 00 48 00 00`,
    );
  });

  it('7.7.65.2 LE Advertising Report with data and a negative RSSI', () => {
    const e = E.leAdvertisingReport({
      eventType: C.REPORT_ADV_IND,
      addressType: 0x01,
      address: PEER,
      data: fromHex('02 01 06 05 09 50 69 63 6f'), // Flags, Complete Local Name "Pico"
      rssi: -60,
    });
    expectHex(h4(e), '04 3e 15 02 01 00 01 55 44 33 22 11 c0 09 02 01 06 05 09 50 69 63 6f c4');
  });

  it('7.7.65.13 LE Extended Advertising Report for a legacy ADV_IND', () => {
    const e = E.leExtendedAdvertisingReport({
      eventType: C.EXT_REPORT_LEGACY[C.REPORT_ADV_IND]!,
      addressType: 0x01,
      address: PEER,
      data: fromHex('02 01 06'),
      rssi: -70,
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
    expectHex(h4(E.leConnectionUpdateComplete(0x00, 0x0040, 0x0006, 0x0004, 0x00c8)), '04 3e 0a 03 00 40 00 06 00 04 00 c8 00');
  });

  it('7.7.65.4 LE Read Remote Features Complete pads LE_Features to 8 octets', () => {
    expectHex(h4(E.leReadRemoteFeaturesComplete(0x00, 0x0040, fromHex('01'))), '04 3e 0c 04 00 40 00 01 00 00 00 00 00 00 00');
  });

  it('7.7.65.7 LE Data Length Change', () => {
    expectHex(h4(E.leDataLengthChange(0x0040, 251, 2120, 27, 328)), '04 3e 0b 07 40 00 fb 00 48 08 1b 00 48 01');
  });
});

// Test-side parsers of what the encoders write, to check field round trips across value ranges.
function parseLeMeta(e: HciEvent): ByteReader {
  const decoded = decodePacket(encodePacket(e));
  expect(decoded).toEqual(e);
  const r = new ByteReader(decoded.kind === 'event' ? decoded.params : new Uint8Array(0));
  expect(r.u8()).toBe(e.params[0]);
  return r;
}

describe('round trip through the H4 codec', () => {
  it('advertising reports keep data and RSSI across the i8 range', () => {
    for (const rssi of [-127, -100, -60, -1, 0, 20]) {
      for (const len of [0, 1, 31]) {
        const data = Uint8Array.from({ length: len }, (_, i) => i + 1);
        const r = parseLeMeta(E.leAdvertisingReport({ eventType: C.REPORT_SCAN_RSP, addressType: 0, address: PEER, data, rssi }));
        expect([r.u8(), r.u8(), r.u8()]).toEqual([1, C.REPORT_SCAN_RSP, 0]);
        expect(r.bytesN(6)).toEqual(PEER);
        expect(r.bytesN(r.u8())).toEqual(data);
        expect(r.i8()).toBe(rssi);
        r.end();
      }
    }
  });

  it('extended advertising reports keep event type, data and RSSI', () => {
    const data = Uint8Array.from({ length: 31 }, (_, i) => 0xa0 + i);
    const r = parseLeMeta(E.leExtendedAdvertisingReport({ eventType: 0x1b, addressType: 1, address: PEER, data, rssi: -127 }));
    expect([r.u8(), r.u16(), r.u8()]).toEqual([1, 0x1b, 1]);
    expect(r.bytesN(6)).toEqual(PEER);
    r.bytesN(4); // PHYs, SID, Tx_Power
    expect(r.i8()).toBe(-127);
    r.bytesN(9); // Periodic interval, direct address
    expect(r.bytesN(r.u8())).toEqual(data);
    r.end();
  });

  it('connection complete events keep their fields', () => {
    const f = { ...CONN, status: 0x3e, handle: 0x0eff, role: C.ROLE_CENTRAL, interval: 0x0c80, latency: 0x01f3, supervisionTimeout: 0x0c80 };
    const r = parseLeMeta(E.leConnectionComplete(f));
    expect([r.u8(), r.u16(), r.u8(), r.u8()]).toEqual([0x3e, 0x0eff, C.ROLE_CENTRAL, 1]);
    expect(r.bytesN(6)).toEqual(PEER);
    expect([r.u16(), r.u16(), r.u16(), r.u8()]).toEqual([0x0c80, 0x01f3, 0x0c80, 0]);
    r.end();
  });

  it('Number Of Completed Packets keeps every handle/count pair in order', () => {
    const counts = Array.from({ length: 10 }, (_, i) => ({ handle: 0x0040 + i, packets: 0x100 * i + 1 }));
    const e = E.numberOfCompletedPackets(counts);
    expect(decodePacket(encodePacket(e))).toEqual(e);
    const r = new ByteReader(e.params);
    expect(r.u8()).toBe(10);
    expect(counts.map(() => ({ handle: r.u16(), packets: r.u16() }))).toEqual(counts);
    r.end();
  });
});

describe('sizes', () => {
  it('addresses are always six octets on the wire, padded or cut', () => {
    const short = E.leConnectionComplete({ ...CONN, peerAddress: fromHex('01 02') });
    const long = E.leConnectionComplete({ ...CONN, peerAddress: fromHex('01 02 03 04 05 06 07 08') });
    expect(short.params.length).toBe(19);
    expect(long.params.length).toBe(19);
    expectHex(short.params.subarray(6, 12), '01 02 00 00 00 00');
    expectHex(long.params.subarray(6, 12), '01 02 03 04 05 06');
  });

  it('an advertising report too large for one event is rejected by encodePacket', () => {
    const e = E.leAdvertisingReport({ eventType: 0, addressType: 0, address: PEER, data: new Uint8Array(245), rssi: -1 });
    expect(e.params.length).toBe(257);
    expect(() => encodePacket(e)).toThrow(RangeError);
  });
});
