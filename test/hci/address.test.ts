import { describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_CODE, addressTypeFromCode, formatAddress, parseAddress } from '../../src-main/hci/address.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { expectHex } from './decode-error.ts';

describe('BD_ADDR text and wire order (Core Vol 2 Part B 1.2)', () => {
  it('parses text into wire order, least significant octet first', () => {
    expectHex(parseAddress('C0:11:22:33:44:55'), '55 44 33 22 11 c0');
    expectHex(parseAddress('00:00:00:00:00:01'), '01 00 00 00 00 00');
  });

  it('formats wire order as upper-case text, most significant octet first', () => {
    expect(formatAddress(fromHex('55 44 33 22 11 c0'))).toBe('C0:11:22:33:44:55');
    expect(formatAddress(fromHex('0a 0b 0c 0d 0e 0f'))).toBe('0F:0E:0D:0C:0B:0A');
  });

  it('round-trips text, normalising case', () => {
    for (const text of ['C0:11:22:33:44:55', 'FF:FF:FF:FF:FF:FF', '00:00:00:00:00:00', '12:34:56:78:9A:BC']) {
      expect(formatAddress(parseAddress(text))).toBe(text);
    }
    expect(formatAddress(parseAddress('de:ad:be:ef:00:7f'))).toBe('DE:AD:BE:EF:00:7F');
  });

  it('round-trips wire bytes', () => {
    const wire = fromHex('01 23 45 67 89 ab');
    expect(parseAddress(formatAddress(wire))).toEqual(wire);
  });

  it('formats only the view of a subarray and does not mutate its input', () => {
    const packet = fromHex('3e 01 55 44 33 22 11 c0 ff');
    const view = packet.subarray(2, 8);
    expect(formatAddress(view)).toBe('C0:11:22:33:44:55');
    expectHex(packet, '3e 01 55 44 33 22 11 c0 ff');
  });

  it.each([
    [''],
    ['C0:11:22:33:44'],
    ['C0:11:22:33:44:55:66'],
    ['C0-11-22-33-44-55'],
    ['C0:11:22:33:44:5'],
    ['C0:11:22:33:44:555'],
    ['G0:11:22:33:44:55'],
    ['C0:11:22:33:44:+5'],
    [' C0:11:22:33:44:55'],
  ])('rejects %j', (text) => {
    expect(() => parseAddress(text)).toThrow(`not a Bluetooth address: ${JSON.stringify(text)}`);
  });
});

describe('address types (Core Vol 4 Part E 7.8.5, 7.7.65.10)', () => {
  it('encodes public as 0x00 and random as 0x01', () => {
    expect(ADDRESS_TYPE_CODE).toEqual({ public: 0x00, random: 0x01 });
  });

  it('round-trips through the HCI code', () => {
    for (const t of ['public', 'random'] as const) expect(addressTypeFromCode(ADDRESS_TYPE_CODE[t])).toBe(t);
  });

  it('maps identity address types 0x02 and 0x03 to public and random', () => {
    expect(addressTypeFromCode(0x02)).toBe('public');
    expect(addressTypeFromCode(0x03)).toBe('random');
  });
});
