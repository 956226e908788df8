import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src-main/radio/hci/address.ts';
import { fromHex } from '../../../src-main/radio/hci/bytes.ts';
import * as cmd from '../../../src-main/radio/hci/commands.ts';
import * as C from '../../../src-main/radio/hci/constants.ts';
import { encodePacket } from '../../../src-main/radio/hci/packets.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

// Goldens are whole H4 command packets (01, opcode, Parameter_Total_Length, parameters) or bare
// parameter blocks, laid out by hand from Core 5.4 Vol 4 Part E 7.1.6 and 7.8.x.
const PEER = parseAddress('C0:11:22:33:44:55'); // wire: 55 44 33 22 11 c0
const CREATE: cmd.CreateConnection = {
  filterPolicy: 0x00,
  peerAddressType: 0x01,
  peerAddress: PEER,
  ownAddressType: 0x00,
  intervalMin: 0x0018,
  intervalMax: 0x0028,
  maxLatency: 0x0000,
  supervisionTimeout: 0x01f4,
};

describe('command encoders, golden hex', () => {
  it('7.1.6 Disconnect', () => {
    expectHex(encodePacket(cmd.encodeDisconnect({ handle: 0x0040, reason: 0x13 })), '01 06 04 03 40 00 13');
  });

  it('7.8.5 LE Set Advertising Parameters: 15 octets', () => {
    const p = { intervalMin: 0x00a0, intervalMax: 0x00b0, advertisingType: C.ADV_IND, ownAddressType: 1, peerAddressType: 0, peerAddress: new Uint8Array(0), channelMap: 0x07, filterPolicy: 0 };
    expectHex(encodePacket(cmd.encodeAdvertisingParameters(p)), '01 06 20 0f a0 00 b0 00 00 01 00 00 00 00 00 00 00 07 00');
  });

  it('7.8.7 and 7.8.8 advertising and scan response data: length octet and 31 padded octets', () => {
    const zeros = ' 00'.repeat(28);
    expectHex(encodePacket(cmd.encodeAdvertisingData(fromHex('02 01 06'))), `01 08 20 20 03 02 01 06 ${zeros}`);
    expectHex(encodePacket(cmd.encodeAdvertisingData(fromHex('02 01 06'), true)), `01 09 20 20 03 02 01 06 ${zeros}`);
  });

  it('7.8.9, 7.8.10, 7.8.11 advertising enable, scan parameters, scan enable', () => {
    expectHex(encodePacket(cmd.encodeAdvertisingEnable(true)), '01 0a 20 01 01');
    expectHex(encodePacket(cmd.encodeAdvertisingEnable(false)), '01 0a 20 01 00');
    const scan = { active: true, interval: 0x0010, window: 0x0010, ownAddressType: 0, filterPolicy: 0 };
    expectHex(encodePacket(cmd.encodeScanParameters(scan)), '01 0b 20 07 01 10 00 10 00 00 00');
    expectHex(encodePacket(cmd.encodeScanEnable({ enable: true, filterDuplicates: true })), '01 0c 20 02 01 01');
  });

  it('7.8.12 LE Create Connection: 25 octets, scan 0x0060/0x0060, CE lengths zero', () => {
    expectHex(
      encodePacket(cmd.encodeCreateConnection(CREATE)),
      '01 0d 20 19 60 00 60 00 00 01 55 44 33 22 11 c0 00 18 00 28 00 00 00 f4 01 00 00 00 00',
    );
  });
});

describe('command decoders, golden hex', () => {
  it('7.8.12 LE Create Connection ignores scan timing and CE lengths', () => {
    const p = fromHex('10 00 08 00 01 00 55 44 33 22 11 c0 01 06 00 0c 00 01 00 c8 00 02 00 04 00');
    expect(p.length).toBe(25);
    expect(cmd.decodeCreateConnection(p)).toEqual({
      filterPolicy: 1, peerAddressType: 0, peerAddress: PEER, ownAddressType: 1,
      intervalMin: 6, intervalMax: 12, maxLatency: 1, supervisionTimeout: 200,
    });
  });

  const EXT_HEAD = '00 00 01 55 44 33 22 11 c0'; // filter policy, own type, peer type, peer address
  const M1 = '60 00 60 00 18 00 28 00 00 00 f4 01 00 00 00 00'; // 16-octet LE 1M entry
  const M2 = '00 00 00 00 30 00 30 00 02 00 90 01 00 00 00 00'; // LE 2M entry: scan fields ignored
  const CODED = '20 01 20 01 50 00 60 00 03 00 80 0c 10 00 20 00';

  it('7.8.66 LE Extended Create Connection with one PHY (LE 1M): 26 octets', () => {
    expect(cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} 01 ${M1}`))).toEqual(CREATE);
  });

  it('7.8.66 with two PHYs (1M + Coded, 42 octets) uses the LE 1M entry', () => {
    const p = fromHex(`${EXT_HEAD} 05 ${M1} ${CODED}`);
    expect(p.length).toBe(42);
    expect(cmd.decodeExtendedCreateConnection(p)).toEqual(CREATE);
  });

  it('7.8.66 with two PHYs (2M + Coded) uses the first entry present, LE 2M', () => {
    const v = cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} 06 ${M2} ${CODED}`));
    expect(v).toMatchObject({ intervalMin: 0x30, intervalMax: 0x30, maxLatency: 2, supervisionTimeout: 0x190 });
  });

  it('7.8.66 with all three PHYs (58 octets)', () => {
    const v = cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} 07 ${M1} ${M2} ${CODED}`));
    expect(v).toEqual(CREATE);
  });

  it('7.8.66 rejects a missing entry, a trailing one and impossible Initiating_PHYs', () => {
    expect(catchDecodeError(() => cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} 05 ${M1}`)))).toMatchObject({ code: 'truncated', offset: 26 });
    expect(catchDecodeError(() => cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} 01 ${M1} ${CODED}`)))).toMatchObject({ code: 'trailing-octets', offset: 26 });
    expect(catchDecodeError(() => cmd.decodeExtendedCreateConnection(fromHex(EXT_HEAD)))).toMatchObject({ code: 'truncated', offset: 9 });
    for (const phys of ['00', '08', '09']) {
      expect(() => cmd.decodeExtendedCreateConnection(fromHex(`${EXT_HEAD} ${phys} ${M1}`))).toThrow(RangeError);
    }
  });

  it('7.8.64 LE Set Extended Scan Parameters, LE 1M only (8 octets)', () => {
    expect(cmd.decodeExtendedScanParameters(fromHex('01 00 01 01 12 00 10 00'))).toEqual({
      active: true, interval: 0x12, window: 0x10, ownAddressType: 1, filterPolicy: 0,
    });
  });

  it('7.8.64 with LE 1M and LE Coded (13 octets) uses the LE 1M entry', () => {
    expect(cmd.decodeExtendedScanParameters(fromHex('00 02 05 01 12 00 12 00 00 30 00 20 00'))).toEqual({
      active: true, interval: 0x12, window: 0x12, ownAddressType: 0, filterPolicy: 2,
    });
  });

  it('7.8.64 with LE Coded only', () => {
    expect(cmd.decodeExtendedScanParameters(fromHex('00 00 04 00 30 00 20 00'))).toMatchObject({ active: false, interval: 0x30, window: 0x20 });
  });

  it('7.8.64 rejects LE 2M, no PHY, a missing entry and trailing octets', () => {
    for (const phys of ['00', '02', '07']) {
      expect(() => cmd.decodeExtendedScanParameters(fromHex(`00 00 ${phys} 01 12 00 12 00 01 12 00 12 00`))).toThrow(RangeError);
    }
    expect(catchDecodeError(() => cmd.decodeExtendedScanParameters(fromHex('00 00 05 01 12 00 12 00')))).toMatchObject({ code: 'truncated', offset: 8 });
    expect(catchDecodeError(() => cmd.decodeExtendedScanParameters(fromHex('00 00 01 01 12 00 12 00 00')))).toMatchObject({ code: 'trailing-octets', offset: 8 });
  });

  it('7.8.65 LE Set Extended Scan Enable: Filter_Duplicates 0x02 counts as on; Duration and Period skipped', () => {
    expect(cmd.decodeExtendedScanEnable(fromHex('01 02 64 00 01 00'))).toEqual({ enable: true, filterDuplicates: true });
    expect(cmd.decodeExtendedScanEnable(fromHex('00 00 00 00 00 00'))).toEqual({ enable: false, filterDuplicates: false });
    expect(catchDecodeError(() => cmd.decodeExtendedScanEnable(fromHex('01 00 00 00 00')))).toMatchObject({ code: 'truncated', offset: 4 });
  });

  it('7.8.18 LE Connection Update and 7.8.33 LE Set Data Length mask the handle to 12 bits', () => {
    expect(cmd.decodeConnectionUpdate(fromHex('40 10 06 00 0c 00 01 00 c8 00 00 00 00 00'))).toEqual({
      handle: 0x040, intervalMin: 6, intervalMax: 12, maxLatency: 1, supervisionTimeout: 200,
    });
    expect(cmd.decodeSetDataLength(fromHex('41 f0 fb 00 48 08'))).toEqual({ handle: 0x041, txOctets: 251, txTime: 2120 });
  });

  it('decodes a lone handle, an event mask and an address', () => {
    expect(cmd.decodeHandle(fromHex('41 f0'))).toBe(0x041);
    expectHex(cmd.decodeMask(fromHex('ff ff fb ff 07 f8 bf 3d')), 'ff ff fb ff 07 f8 bf 3d');
    expect(cmd.decodeAddress(PEER)).toEqual(PEER);
  });

  it.each([
    ['decodeHandle', () => cmd.decodeHandle(fromHex('41')), 'truncated', 0],
    ['decodeHandle', () => cmd.decodeHandle(fromHex('41 00 00')), 'trailing-octets', 2],
    ['decodeMask', () => cmd.decodeMask(new Uint8Array(7)), 'truncated', 0],
    ['decodeAddress', () => cmd.decodeAddress(new Uint8Array(7)), 'trailing-octets', 6],
    ['decodeDisconnect', () => cmd.decodeDisconnect(fromHex('40 00')), 'truncated', 2],
    ['decodeAdvertisingParameters', () => cmd.decodeAdvertisingParameters(new Uint8Array(14)), 'truncated', 14],
    ['decodeAdvertisingData', () => cmd.decodeAdvertisingData(new Uint8Array(31)), 'truncated', 1],
    ['decodeAdvertisingData', () => cmd.decodeAdvertisingData(new Uint8Array(33)), 'trailing-octets', 32],
    ['decodeEnable', () => cmd.decodeEnable(new Uint8Array(0)), 'truncated', 0],
    ['decodeScanParameters', () => cmd.decodeScanParameters(new Uint8Array(8)), 'trailing-octets', 7],
    ['decodeScanEnable', () => cmd.decodeScanEnable(fromHex('01')), 'truncated', 1],
    ['decodeCreateConnection', () => cmd.decodeCreateConnection(new Uint8Array(24)), 'truncated', 23],
    ['decodeCreateConnection', () => cmd.decodeCreateConnection(new Uint8Array(26)), 'trailing-octets', 25],
    ['decodeConnectionUpdate', () => cmd.decodeConnectionUpdate(new Uint8Array(15)), 'trailing-octets', 14],
    ['decodeSetDataLength', () => cmd.decodeSetDataLength(new Uint8Array(5)), 'truncated', 4],
  ])('%s throws DecodeError %s at offset %i', (_name, decode, code, offset) => {
    expect(catchDecodeError(decode)).toMatchObject({ layer: 'hci', code, offset });
  });

  it('rejects out-of-range values with RangeError', () => {
    expect(() => cmd.decodeAdvertisingData(fromHex(`20 ${' 00'.repeat(31)}`))).toThrow(RangeError);
    expect(() => cmd.decodeEnable(fromHex('02'))).toThrow(RangeError);
  });
});

describe('round trip: decode(encode(v)) equals v', () => {
  it('for every command with an encoder', () => {
    const disc = { handle: 0x0eff, reason: 0x16 };
    expect(cmd.decodeDisconnect(cmd.encodeDisconnect(disc).params)).toEqual(disc);
    const adv = { intervalMin: 0x20, intervalMax: 0x4000, advertisingType: C.ADV_DIRECT_IND_LOW, ownAddressType: 1, peerAddressType: 1, peerAddress: PEER, channelMap: 0x05, filterPolicy: 3 };
    expect(cmd.decodeAdvertisingParameters(cmd.encodeAdvertisingParameters(adv).params)).toEqual(adv);
    for (const len of [0, 1, 30, 31]) {
      const data = Uint8Array.from({ length: len }, (_, i) => 255 - i);
      expect(cmd.decodeAdvertisingData(cmd.encodeAdvertisingData(data).params)).toEqual(data);
    }
    for (const b of [true, false]) expect(cmd.decodeEnable(cmd.encodeAdvertisingEnable(b).params)).toBe(b);
    for (const scan of [
      { active: true, interval: 0x4000, window: 0x0004, ownAddressType: 1, filterPolicy: 1 },
      { active: false, interval: 0x0004, window: 0x0004, ownAddressType: 0, filterPolicy: 0 },
    ]) expect(cmd.decodeScanParameters(cmd.encodeScanParameters(scan).params)).toEqual(scan);
    const en = { enable: false, filterDuplicates: true };
    expect(cmd.decodeScanEnable(cmd.encodeScanEnable(en).params)).toEqual(en);
    expect(cmd.decodeCreateConnection(cmd.encodeCreateConnection(CREATE).params)).toEqual(CREATE);
  });

  // Advertising_Data_Length is at most 31 (7.8.7): longer data is refused, not cut.
  it('encodeAdvertisingData refuses more than 31 octets instead of writing a bad length', () => {
    expect(() => cmd.encodeAdvertisingData(new Uint8Array(32))).toThrow(RangeError);
  });
});

describe('validConnectionParameters (7.8.12 ranges)', () => {
  const ok = { intervalMin: 0x0006, intervalMax: 0x0006, maxLatency: 0, supervisionTimeout: 0x000a };
  it('accepts the smallest and largest legal values', () => {
    expect(cmd.validConnectionParameters(ok)).toBe(true);
    expect(cmd.validConnectionParameters({ intervalMin: 0x0c80, intervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 0x0c80 })).toBe(true);
    expect(cmd.validConnectionParameters({ ...ok, maxLatency: 0x01f3, supervisionTimeout: 0x0c80 })).toBe(true);
  });

  it.each([
    ['interval min below 0x0006', { intervalMin: 0x0005 }],
    ['interval max above 0x0C80', { intervalMax: 0x0c81, supervisionTimeout: 0x0c80 }],
    ['interval min above max', { intervalMin: 0x0010, intervalMax: 0x000f }],
    ['latency above 0x01F3', { maxLatency: 0x01f4, supervisionTimeout: 0x0c80 }],
    ['timeout below 0x000A', { supervisionTimeout: 0x0009 }],
    ['timeout above 0x0C80', { supervisionTimeout: 0x0c81 }],
  ])('rejects %s', (_name, change) => {
    expect(cmd.validConnectionParameters({ ...ok, ...change })).toBe(false);
  });

  it('requires the timeout strictly larger than (1 + latency) * interval max * 2', () => {
    // 50 ms interval, latency 3: (1 + 3) * 50 ms * 2 = 400 ms = 40 units of 10 ms.
    const p = { intervalMin: 40, intervalMax: 40, maxLatency: 3 };
    expect(cmd.validConnectionParameters({ ...p, supervisionTimeout: 40 })).toBe(false);
    expect(cmd.validConnectionParameters({ ...p, supervisionTimeout: 41 })).toBe(true);
    // 4 s interval: 8000 ms, so 800 units is too short and 801 enough.
    expect(cmd.validConnectionParameters({ intervalMin: 6, intervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 800 })).toBe(false);
    expect(cmd.validConnectionParameters({ intervalMin: 6, intervalMax: 0x0c80, maxLatency: 0, supervisionTimeout: 801 })).toBe(true);
  });
});
