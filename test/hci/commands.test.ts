import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src-main/hci/address.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { decodeCommand, encodeCommand, type CommandDef, type ParamsOf } from '../../src-main/hci/command.ts';
import { SetEventMask } from '../../src-main/hci/commands/baseband.ts';
import {
  advertisingData,
  LeSetAdvertisingData,
  LeSetAdvertisingEnable,
  LeSetAdvertisingParameters,
  LeSetRandomAddress,
  LeSetScanResponseData,
  scanResponseData,
} from '../../src-main/hci/commands/le-advertising.ts';
import {
  LeConnectionUpdate,
  LeCreateConnection,
  LeExtendedCreateConnection,
  validConnectionParameters,
} from '../../src-main/hci/commands/le-connection.ts';
import { LeSetDataLength } from '../../src-main/hci/commands/le-controller.ts';
import { LeSetExtendedScanEnable, LeSetExtendedScanParameters, LeSetScanEnable, LeSetScanParameters } from '../../src-main/hci/commands/le-scanning.ts';
import { Disconnect, ReadRssi } from '../../src-main/hci/commands/link-control.ts';
import * as C from '../../src-main/hci/constants.ts';
import { encodePacket } from '../../src-main/hci/packets.ts';
import type { Spec, Value } from '../../src-main/hci/struct.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

// Goldens are whole H4 command packets (01, opcode, Parameter_Total_Length, parameters) or bare
// parameter blocks, laid out by hand from Core 5.4 Vol 4 Part E 7.1.6 and 7.8.x.
const PEER = parseAddress('C0:11:22:33:44:55'); // wire: 55 44 33 22 11 c0
const CREATE: ParamsOf<typeof LeCreateConnection> = {
  leScanInterval: 0x0060,
  leScanWindow: 0x0060,
  initiatorFilterPolicy: 0x00,
  peerAddressType: 0x01,
  peerAddress: PEER,
  ownAddressType: 0x00,
  connectionIntervalMin: 0x0018,
  connectionIntervalMax: 0x0028,
  maxLatency: 0x0000,
  supervisionTimeout: 0x01f4,
  minCeLength: 0,
  maxCeLength: 0,
};
const h4 = <P extends Spec>(def: CommandDef<P, Spec>, params: Value<P>): Uint8Array => encodePacket(encodeCommand(def, params));

describe('command encoders, golden hex', () => {
  it('7.1.6 Disconnect', () => {
    expectHex(h4(Disconnect, { connectionHandle: 0x0040, reason: 0x13 }), '01 06 04 03 40 00 13');
  });

  it('7.8.5 LE Set Advertising Parameters: 15 octets', () => {
    const p = {
      advertisingIntervalMin: 0x00a0,
      advertisingIntervalMax: 0x00b0,
      advertisingType: C.ADV_IND,
      ownAddressType: 1,
      peerAddressType: 0,
      peerAddress: new Uint8Array(0),
      advertisingChannelMap: 0x07,
      advertisingFilterPolicy: 0,
    };
    expectHex(h4(LeSetAdvertisingParameters, p), '01 06 20 0f a0 00 b0 00 00 01 00 00 00 00 00 00 00 07 00');
  });

  it('7.8.7 and 7.8.8 advertising and scan response data: length octet and 31 padded octets', () => {
    const zeros = ' 00'.repeat(28);
    expectHex(h4(LeSetAdvertisingData, advertisingData(fromHex('02 01 06'))), `01 08 20 20 03 02 01 06 ${zeros}`);
    expectHex(h4(LeSetScanResponseData, scanResponseData(fromHex('02 01 06'))), `01 09 20 20 03 02 01 06 ${zeros}`);
  });

  it('7.8.7 written as BTstack writes 40 octets: the length it was given, the data cut to 31', () => {
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    const bytes = h4(LeSetAdvertisingData, { advertisingDataLength: 40, advertisingData: data });
    expectHex(bytes.subarray(0, 5), '01 08 20 20 28');
    expect(bytes.subarray(5)).toEqual(data.subarray(0, 31));
  });

  it('7.8.9, 7.8.10, 7.8.11 advertising enable, scan parameters, scan enable', () => {
    expectHex(h4(LeSetAdvertisingEnable, { advertisingEnable: true }), '01 0a 20 01 01');
    expectHex(h4(LeSetAdvertisingEnable, { advertisingEnable: false }), '01 0a 20 01 00');
    const scan = { leScanType: 1, leScanInterval: 0x0010, leScanWindow: 0x0010, ownAddressType: 0, scanningFilterPolicy: 0 };
    expectHex(h4(LeSetScanParameters, scan), '01 0b 20 07 01 10 00 10 00 00 00');
    expectHex(h4(LeSetScanEnable, { leScanEnable: 1, filterDuplicates: 1 }), '01 0c 20 02 01 01');
  });

  it('7.8.12 LE Create Connection: 25 octets, scan 0x0060/0x0060, CE lengths zero', () => {
    expectHex(h4(LeCreateConnection, CREATE), '01 0d 20 19 60 00 60 00 00 01 55 44 33 22 11 c0 00 18 00 28 00 00 00 f4 01 00 00 00 00');
  });
});

describe('command decoders, golden hex', () => {
  it('7.8.12 LE Create Connection', () => {
    const p = fromHex('10 00 08 00 01 00 55 44 33 22 11 c0 01 06 00 0c 00 01 00 c8 00 02 00 04 00');
    expect(p.length).toBe(25);
    expect(decodeCommand(LeCreateConnection, p)).toEqual({
      leScanInterval: 0x10, leScanWindow: 0x08, initiatorFilterPolicy: 1, peerAddressType: 0, peerAddress: PEER, ownAddressType: 1,
      connectionIntervalMin: 6, connectionIntervalMax: 12, maxLatency: 1, supervisionTimeout: 200, minCeLength: 2, maxCeLength: 4,
    });
  });

  const EXT_HEAD = '00 00 01 55 44 33 22 11 c0'; // filter policy, own type, peer type, peer address
  const M1 = '60 00 60 00 18 00 28 00 00 00 f4 01 00 00 00 00'; // 16-octet LE 1M entry
  const M2 = '00 00 00 00 30 00 30 00 02 00 90 01 00 00 00 00'; // LE 2M entry
  const CODED = '20 01 20 01 50 00 60 00 03 00 80 0c 10 00 20 00';
  const HEAD = { initiatorFilterPolicy: 0, ownAddressType: 0, peerAddressType: 1, peerAddress: PEER };
  const ENTRY_1M = {
    phy: C.PHYS_LE_1M, scanInterval: 0x60, scanWindow: 0x60, connectionIntervalMin: 0x18, connectionIntervalMax: 0x28,
    maxLatency: 0, supervisionTimeout: 0x1f4, minCeLength: 0, maxCeLength: 0,
  };

  it('7.8.66 LE Extended Create Connection with one PHY (LE 1M): 26 octets', () => {
    expect(decodeCommand(LeExtendedCreateConnection, fromHex(`${EXT_HEAD} 01 ${M1}`))).toEqual({ ...HEAD, initiatingPhys: [ENTRY_1M] });
  });

  it('7.8.66 with two PHYs (1M + Coded, 42 octets): one entry each, in PHY order', () => {
    const p = fromHex(`${EXT_HEAD} 05 ${M1} ${CODED}`);
    expect(p.length).toBe(42);
    const v = decodeCommand(LeExtendedCreateConnection, p);
    expect(v.initiatingPhys.map((e) => e.phy)).toEqual([C.PHYS_LE_1M, C.PHYS_LE_CODED]);
    expect(v.initiatingPhys[0]).toEqual(ENTRY_1M);
    expect(v.initiatingPhys[1]).toMatchObject({ scanInterval: 0x120, connectionIntervalMin: 0x50, supervisionTimeout: 0xc80, maxCeLength: 0x20 });
  });

  it('7.8.66 with two PHYs (2M + Coded): the LE 2M entry comes first', () => {
    const v = decodeCommand(LeExtendedCreateConnection, fromHex(`${EXT_HEAD} 06 ${M2} ${CODED}`));
    expect(v.initiatingPhys[0]).toMatchObject({ phy: C.PHYS_LE_2M, connectionIntervalMin: 0x30, connectionIntervalMax: 0x30, maxLatency: 2, supervisionTimeout: 0x190 });
  });

  it('7.8.66 with all three PHYs (58 octets)', () => {
    const v = decodeCommand(LeExtendedCreateConnection, fromHex(`${EXT_HEAD} 07 ${M1} ${M2} ${CODED}`));
    expect(v.initiatingPhys.length).toBe(3);
    expect(v.initiatingPhys[0]).toEqual(ENTRY_1M);
  });

  it('7.8.66 rejects a missing entry, a trailing one and impossible Initiating_PHYs', () => {
    const decode = (hex: string) => () => decodeCommand(LeExtendedCreateConnection, fromHex(hex));
    expect(catchDecodeError(decode(`${EXT_HEAD} 05 ${M1}`))).toMatchObject({ code: 'truncated', offset: 26 });
    expect(catchDecodeError(decode(`${EXT_HEAD} 01 ${M1} ${CODED}`))).toMatchObject({ code: 'trailing-octets', offset: 26 });
    expect(catchDecodeError(decode(EXT_HEAD))).toMatchObject({ code: 'truncated', offset: 9 });
    for (const phys of ['00', '08', '09']) {
      expect(catchDecodeError(decode(`${EXT_HEAD} ${phys} ${M1}`))).toMatchObject({ layer: 'hci', code: 'out-of-range', offset: 9 });
    }
  });

  it('7.8.64 LE Set Extended Scan Parameters, LE 1M only (8 octets)', () => {
    expect(decodeCommand(LeSetExtendedScanParameters, fromHex('01 00 01 01 12 00 10 00'))).toEqual({
      ownAddressType: 1, scanningFilterPolicy: 0, scanningPhys: [{ phy: C.PHYS_LE_1M, scanType: 1, scanInterval: 0x12, scanWindow: 0x10 }],
    });
  });

  it('7.8.64 with LE 1M and LE Coded (13 octets)', () => {
    expect(decodeCommand(LeSetExtendedScanParameters, fromHex('00 02 05 01 12 00 12 00 00 30 00 20 00'))).toEqual({
      ownAddressType: 0,
      scanningFilterPolicy: 2,
      scanningPhys: [
        { phy: C.PHYS_LE_1M, scanType: 1, scanInterval: 0x12, scanWindow: 0x12 },
        { phy: C.PHYS_LE_CODED, scanType: 0, scanInterval: 0x30, scanWindow: 0x20 },
      ],
    });
  });

  it('7.8.64 with LE Coded only', () => {
    expect(decodeCommand(LeSetExtendedScanParameters, fromHex('00 00 04 00 30 00 20 00')).scanningPhys).toEqual([
      { phy: C.PHYS_LE_CODED, scanType: 0, scanInterval: 0x30, scanWindow: 0x20 },
    ]);
  });

  it('7.8.64 rejects LE 2M, no PHY, a missing entry and trailing octets', () => {
    const decode = (hex: string) => () => decodeCommand(LeSetExtendedScanParameters, fromHex(hex));
    for (const phys of ['00', '02', '07']) {
      expect(catchDecodeError(decode(`00 00 ${phys} 01 12 00 12 00 01 12 00 12 00`))).toMatchObject({ code: 'out-of-range', offset: 2 });
    }
    expect(catchDecodeError(decode('00 00 05 01 12 00 12 00'))).toMatchObject({ code: 'truncated', offset: 8 });
    expect(catchDecodeError(decode('00 00 01 01 12 00 12 00 00'))).toMatchObject({ code: 'trailing-octets', offset: 8 });
  });

  it('7.8.65 LE Set Extended Scan Enable: Duration and Period decoded', () => {
    expect(decodeCommand(LeSetExtendedScanEnable, fromHex('01 02 64 00 01 00'))).toEqual({ enable: 1, filterDuplicates: 2, duration: 100, period: 1 });
    expect(catchDecodeError(() => decodeCommand(LeSetExtendedScanEnable, fromHex('01 00 00 00 00')))).toMatchObject({ code: 'truncated', offset: 4 });
  });

  it('7.8.18 LE Connection Update and 7.8.33 LE Set Data Length mask the handle to 12 bits', () => {
    expect(decodeCommand(LeConnectionUpdate, fromHex('40 10 06 00 0c 00 01 00 c8 00 00 00 00 00'))).toEqual({
      connectionHandle: 0x040, connectionIntervalMin: 6, connectionIntervalMax: 12, maxLatency: 1, supervisionTimeout: 200, minCeLength: 0, maxCeLength: 0,
    });
    expect(decodeCommand(LeSetDataLength, fromHex('41 f0 fb 00 48 08'))).toEqual({ connectionHandle: 0x041, txOctets: 251, txTime: 2120 });
  });

  it('7.5.4, 7.3.1 and 7.8.4 decode a lone handle, an event mask and an address', () => {
    expect(decodeCommand(ReadRssi, fromHex('41 f0'))).toEqual({ connectionHandle: 0x041 });
    expectHex(decodeCommand(SetEventMask, fromHex('ff ff fb ff 07 f8 bf 3d')).eventMask, 'ff ff fb ff 07 f8 bf 3d');
    expect(decodeCommand(LeSetRandomAddress, PEER)).toEqual({ randomAddress: PEER });
  });

  it.each([
    ['7.5.4 Read RSSI', () => decodeCommand(ReadRssi, fromHex('41')), 'truncated', 0],
    ['7.5.4 Read RSSI', () => decodeCommand(ReadRssi, fromHex('41 00 00')), 'trailing-octets', 2],
    ['7.3.1 Set Event Mask', () => decodeCommand(SetEventMask, new Uint8Array(7)), 'truncated', 0],
    ['7.8.4 LE Set Random Address', () => decodeCommand(LeSetRandomAddress, new Uint8Array(7)), 'trailing-octets', 6],
    ['7.1.6 Disconnect', () => decodeCommand(Disconnect, fromHex('40 00')), 'truncated', 2],
    ['7.8.5 LE Set Advertising Parameters', () => decodeCommand(LeSetAdvertisingParameters, new Uint8Array(14)), 'truncated', 14],
    ['7.8.7 LE Set Advertising Data', () => decodeCommand(LeSetAdvertisingData, new Uint8Array(31)), 'truncated', 1],
    ['7.8.7 LE Set Advertising Data', () => decodeCommand(LeSetAdvertisingData, new Uint8Array(33)), 'trailing-octets', 32],
    ['7.8.9 LE Set Advertising Enable', () => decodeCommand(LeSetAdvertisingEnable, new Uint8Array(0)), 'truncated', 0],
    ['7.8.10 LE Set Scan Parameters', () => decodeCommand(LeSetScanParameters, new Uint8Array(8)), 'trailing-octets', 7],
    ['7.8.11 LE Set Scan Enable', () => decodeCommand(LeSetScanEnable, fromHex('01')), 'truncated', 1],
    ['7.8.12 LE Create Connection', () => decodeCommand(LeCreateConnection, new Uint8Array(24)), 'truncated', 23],
    ['7.8.12 LE Create Connection', () => decodeCommand(LeCreateConnection, new Uint8Array(26)), 'trailing-octets', 25],
    ['7.8.18 LE Connection Update', () => decodeCommand(LeConnectionUpdate, new Uint8Array(15)), 'trailing-octets', 14],
    ['7.8.33 LE Set Data Length', () => decodeCommand(LeSetDataLength, new Uint8Array(5)), 'truncated', 4],
  ])('%s throws DecodeError %s at offset %i', (_name, decode, code, offset) => {
    expect(catchDecodeError(decode)).toMatchObject({ layer: 'hci', code, offset });
  });

  it('7.8.7 and 7.8.9 reject out-of-range values with DecodeError at the field', () => {
    expect(catchDecodeError(() => decodeCommand(LeSetAdvertisingData, fromHex(`20 ${' 00'.repeat(31)}`)))).toMatchObject({ code: 'out-of-range', offset: 0 });
    expect(catchDecodeError(() => decodeCommand(LeSetAdvertisingEnable, fromHex('02')))).toMatchObject({ code: 'out-of-range', offset: 0 });
  });
});

describe('advertising data (7.8.7)', () => {
  it('advertisingData() refuses more than 31 octets instead of making a bad length', () => {
    expect(() => advertisingData(new Uint8Array(32))).toThrow(RangeError);
    expect(() => scanResponseData(new Uint8Array(32))).toThrow(RangeError);
  });

  it('decodes to the 31-octet field and its length, for 0 to 31 octets', () => {
    for (const len of [0, 1, 30, 31]) {
      const data = Uint8Array.from({ length: len }, (_, i) => 255 - i);
      const v = decodeCommand(LeSetAdvertisingData, encodeCommand(LeSetAdvertisingData, advertisingData(data)).params);
      expect(v.advertisingData.subarray(0, v.advertisingDataLength)).toEqual(data);
    }
  });
});

describe('validConnectionParameters (7.8.12 ranges)', () => {
  const ok = { connectionIntervalMin: 0x0006, connectionIntervalMax: 0x0006, maxLatency: 0, supervisionTimeout: 0x000a };
  it('accepts the smallest and largest legal values', () => {
    expect(validConnectionParameters(ok)).toBe(true);
    expect(validConnectionParameters({ connectionIntervalMin: 0x0c80, connectionIntervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 0x0c80 })).toBe(true);
    expect(validConnectionParameters({ ...ok, maxLatency: 0x01f3, supervisionTimeout: 0x0c80 })).toBe(true);
  });

  it.each([
    ['interval min below 0x0006', { connectionIntervalMin: 0x0005 }],
    ['interval max above 0x0C80', { connectionIntervalMax: 0x0c81, supervisionTimeout: 0x0c80 }],
    ['interval min above max', { connectionIntervalMin: 0x0010, connectionIntervalMax: 0x000f }],
    ['latency above 0x01F3', { maxLatency: 0x01f4, supervisionTimeout: 0x0c80 }],
    ['timeout below 0x000A', { supervisionTimeout: 0x0009 }],
    ['timeout above 0x0C80', { supervisionTimeout: 0x0c81 }],
  ])('rejects %s', (_name, change) => {
    expect(validConnectionParameters({ ...ok, ...change })).toBe(false);
  });

  it('requires the timeout strictly larger than (1 + latency) * interval max * 2', () => {
    // 50 ms interval, latency 3: (1 + 3) * 50 ms * 2 = 400 ms = 40 units of 10 ms.
    const p = { connectionIntervalMin: 40, connectionIntervalMax: 40, maxLatency: 3 };
    expect(validConnectionParameters({ ...p, supervisionTimeout: 40 })).toBe(false);
    expect(validConnectionParameters({ ...p, supervisionTimeout: 41 })).toBe(true);
    // 4 s interval: 8000 ms, so 800 units is too short and 801 enough.
    expect(validConnectionParameters({ connectionIntervalMin: 6, connectionIntervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 800 })).toBe(false);
    expect(validConnectionParameters({ connectionIntervalMin: 6, connectionIntervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 801 })).toBe(true);
  });
});
