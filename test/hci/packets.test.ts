import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/hci/bytes.ts';
import * as C from '../../src-main/hci/constants.ts';
import { decodePacket, encodePacket, type HciPacket } from '../../src-main/hci/packets.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

// Golden H4 packets, derived by hand from Core Vol 4 Part E 5.4.1 (command: opcode u16, length u8),
// 5.4.2 (ACL: handle 12 bits | PB << 12 | BC << 14, length u16) and 5.4.4 (event: code u8, length u8),
// preceded by the Vol 4 Part A 2 indicator.
const GOLDEN: ReadonlyArray<[string, HciPacket, string]> = [
  ['HCI_Reset (OGF 0x03, OCF 0x0003)', { kind: 'command', opcode: C.HCI_RESET, params: new Uint8Array(0) }, '01 03 0c 00'],
  [
    'HCI_LE_Set_Scan_Enable enable, filter duplicates off',
    { kind: 'command', opcode: C.HCI_LE_SET_SCAN_ENABLE, params: fromHex('01 00') },
    '01 0c 20 02 01 00',
  ],
  [
    'Command Complete for HCI_Reset',
    { kind: 'event', code: C.HCI_COMMAND_COMPLETE, params: fromHex('01 03 0c 00') },
    '04 0e 04 01 03 0c 00',
  ],
  [
    'ACL first flushable on handle 0x0040 carrying an ATT Exchange MTU Request',
    { kind: 'acl', handle: 0x0040, pb: C.PB_FIRST_FLUSHABLE, bc: 0, data: fromHex('03 00 04 00 02 17 00') },
    '02 40 20 07 00 03 00 04 00 02 17 00',
  ],
  [
    'ACL continuing fragment, handle 0x0fff, BC 0b11, empty',
    { kind: 'acl', handle: 0x0fff, pb: C.PB_CONTINUING, bc: 0b11, data: new Uint8Array(0) },
    '02 ff df 00 00',
  ],
];

describe('encodePacket / decodePacket golden hex', () => {
  it.each(GOLDEN)('encodes %s', (_name, packet, golden) => {
    expectHex(encodePacket(packet), golden);
  });

  it.each(GOLDEN)('decodes %s', (_name, packet, golden) => {
    expect(decodePacket(fromHex(golden))).toEqual(packet);
  });

  it('encodes a 300-octet ACL payload with a two-octet length', () => {
    const bytes = encodePacket({ kind: 'acl', handle: 1, pb: 0, bc: 0, data: new Uint8Array(300).fill(0xaa) });
    expectHex(bytes.subarray(0, 5), '02 01 00 2c 01');
    expect(bytes.length).toBe(305);
  });

  it('masks handle, PB and BC to their bit widths', () => {
    const bytes = encodePacket({ kind: 'acl', handle: 0x1041, pb: 0b110, bc: 0b101, data: new Uint8Array(0) });
    expectHex(bytes, '02 41 60 00 00'); // handle 0x041 | PB 0b10 << 12 | BC 0b01 << 14
  });
});

describe('round trip', () => {
  // Small deterministic PRNG so failures reproduce.
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rand(256));

  it('decode(encode(p)) equals p for random commands, events and ACL packets', () => {
    for (let i = 0; i < 300; i++) {
      const packets: HciPacket[] = [
        { kind: 'command', opcode: rand(0x10000), params: bytes(rand(256)) },
        { kind: 'event', code: rand(256), params: bytes(rand(256)) },
        { kind: 'acl', handle: rand(0x1000), pb: rand(4), bc: rand(4), data: bytes(rand(600)) },
      ];
      for (const p of packets) expect(decodePacket(encodePacket(p))).toEqual(p);
    }
  });

  it('accepts the 255-octet maximum for command and event parameters', () => {
    const params = new Uint8Array(255).fill(7);
    const cmd = encodePacket({ kind: 'command', opcode: C.HCI_RESET, params });
    expectHex(cmd.subarray(0, 4), '01 03 0c ff');
    expect(decodePacket(cmd)).toEqual({ kind: 'command', opcode: C.HCI_RESET, params });
    const evt = encodePacket({ kind: 'event', code: C.HCI_LE_META, params });
    expectHex(evt.subarray(0, 3), '04 3e ff');
    expect(decodePacket(evt)).toEqual({ kind: 'event', code: C.HCI_LE_META, params });
  });

  it('decodes a packet that is a view into a larger buffer', () => {
    const stream = fromHex('ff ff 04 0e 04 01 03 0c 00 ff');
    expect(decodePacket(stream.subarray(2, 9))).toEqual({ kind: 'event', code: 0x0e, params: fromHex('01 03 0c 00') });
  });
});

describe('encodePacket limits', () => {
  it('throws RangeError for command or event parameters over 255 octets', () => {
    const params = new Uint8Array(256);
    expect(() => encodePacket({ kind: 'command', opcode: C.HCI_RESET, params })).toThrow(RangeError);
    expect(() => encodePacket({ kind: 'event', code: C.HCI_LE_META, params })).toThrow(RangeError);
  });

  // Data_Total_Length is 16 bits (Core Vol 4 Part E 5.4.2): longer data cannot be framed.
  it('throws RangeError for ACL data over 65535 octets', () => {
    const data = new Uint8Array(0x10000);
    expect(() => encodePacket({ kind: 'acl', handle: 1, pb: 0, bc: 0, data })).toThrow(RangeError);
  });
});

describe('decodePacket errors', () => {
  it.each([
    ['empty input', '', 'truncated', 0],
    ['indicator 0x00', '00 03 0c 00', 'bad-indicator', 0],
    ['SCO indicator (not decoded here)', '03 01 00 00', 'bad-indicator', 0],
    ['ISO indicator (not decoded here)', '05 01 00 00 00', 'bad-indicator', 0],
    ['indicator 0xff', 'ff', 'bad-indicator', 0],
    ['command with a one-octet opcode', '01 03', 'truncated', 1],
    ['command without its length', '01 03 0c', 'truncated', 3],
    ['command shorter than its length', '01 0c 20 02 01', 'truncated', 4],
    ['command longer than its length', '01 03 0c 00 ff', 'trailing-octets', 4],
    ['event without its length', '04 0e', 'truncated', 2],
    ['event shorter than its length', '04 0e 04 01 03 0c', 'truncated', 3],
    ['event longer than its length', '04 0e 04 01 03 0c 00 00', 'trailing-octets', 7],
    ['ACL header cut in the length', '02 40 20 07', 'truncated', 3],
    ['ACL shorter than its length', '02 40 20 05 00 01 02 03 04', 'truncated', 5],
    ['ACL longer than its length', '02 40 20 01 00 01 02', 'trailing-octets', 6],
  ])('%s throws DecodeError %s at offset %i', (_name, hex, code, offset) => {
    expect(catchDecodeError(() => decodePacket(fromHex(hex)))).toMatchObject({ layer: 'h4', code, offset });
  });

  it('names the unknown indicator in the message', () => {
    expect(catchDecodeError(() => decodePacket(fromHex('09 00'))).message).toContain('unknown packet indicator 0x9');
  });
});
