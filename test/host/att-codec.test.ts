// ATT PDU codec: golden hex laid out by hand from Core 5.4 Vol 3 Part F 3.4, round trips for every
// PDU, and the length rules BTstack's att_db.c applies to requests.
import { describe, expect, it } from 'vitest';
import { decodeAtt, encodeAtt, isServerBound, type AttPdu } from '../../src-main/host/att-codec.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { catchDecodeError, expectHex } from '../hci/decode-error.ts';

const U128 = fromHex('9e ca dc 24 0e e5 a9 e0 93 f3 a3 b5 01 00 40 6e');

const GOLDEN: [AttPdu, string][] = [
  [{ op: 'error-rsp', request: 0x0a, handle: 0x0012, code: 0x01 }, '01 0a 12 00 01'], // 3.4.1.1
  [{ op: 'mtu-req', mtu: 247 }, '02 f7 00'], // 3.4.2.1
  [{ op: 'mtu-rsp', mtu: 0x0100 }, '03 00 01'], // 3.4.2.2
  [{ op: 'find-info-req', start: 0x0001, end: 0xffff }, '04 01 00 ff ff'], // 3.4.3.1
  [{ op: 'find-info-rsp', entries: [{ handle: 0x000a, type: fromHex('02 29') }, { handle: 0x000b, type: fromHex('01 29') }] }, '05 01 0a 00 02 29 0b 00 01 29'],
  [{ op: 'find-info-rsp', entries: [{ handle: 0x0008, type: U128 }] }, `05 02 08 00 ${'9e ca dc 24 0e e5 a9 e0 93 f3 a3 b5 01 00 40 6e'}`],
  [{ op: 'find-by-type-req', start: 1, end: 0xffff, type: 0x2800, value: fromHex('0d 18') }, '06 01 00 ff ff 00 28 0d 18'], // 3.4.3.3
  [{ op: 'find-by-type-rsp', ranges: [{ start: 7, end: 10 }] }, '07 07 00 0a 00'],
  [{ op: 'read-by-type-req', start: 1, end: 0xffff, type: fromHex('03 28') }, '08 01 00 ff ff 03 28'], // 3.4.4.1
  [{ op: 'read-by-type-rsp', entries: [{ handle: 2, value: fromHex('02 03 00 00 2a') }, { handle: 5, value: fromHex('02 06 00 05 2a') }] }, '09 07 02 00 02 03 00 00 2a 05 00 02 06 00 05 2a'],
  [{ op: 'read-req', handle: 0x0003 }, '0a 03 00'],
  [{ op: 'read-rsp', value: fromHex('4d 50 59') }, '0b 4d 50 59'],
  [{ op: 'read-blob-req', handle: 0x0009, offset: 22 }, '0c 09 00 16 00'],
  [{ op: 'read-blob-rsp', value: fromHex('aa') }, '0d aa'],
  [{ op: 'read-multiple-req', handles: [3, 9] }, '0e 03 00 09 00'],
  [{ op: 'read-multiple-rsp', values: fromHex('01 02') }, '0f 01 02'],
  [{ op: 'read-by-group-req', start: 1, end: 0xffff, type: fromHex('00 28') }, '10 01 00 ff ff 00 28'], // 3.4.4.9
  [{ op: 'read-by-group-rsp', entries: [{ start: 1, end: 3, value: fromHex('00 18') }, { start: 4, end: 6, value: fromHex('01 18') }] }, '11 06 01 00 03 00 00 18 04 00 06 00 01 18'],
  [{ op: 'write-req', handle: 9, value: fromHex('01 02') }, '12 09 00 01 02'],
  [{ op: 'write-rsp' }, '13'],
  [{ op: 'prepare-write-req', handle: 9, offset: 18, value: fromHex('ff') }, '16 09 00 12 00 ff'], // 3.4.6.1
  [{ op: 'prepare-write-rsp', handle: 9, offset: 18, value: fromHex('ff') }, '17 09 00 12 00 ff'],
  [{ op: 'execute-write-req', flags: 1 }, '18 01'],
  [{ op: 'execute-write-rsp' }, '19'],
  [{ op: 'notify', handle: 9, value: fromHex('2a') }, '1b 09 00 2a'], // 3.4.7.1
  [{ op: 'indicate', handle: 9, value: fromHex('2b') }, '1d 09 00 2b'],
  [{ op: 'confirm' }, '1e'],
  [{ op: 'write-cmd', handle: 9, value: fromHex('00 01') }, '52 09 00 00 01'], // 3.4.5.3
  [{ op: 'unknown', opcode: 0xd2, params: fromHex('09 00') }, 'd2 09 00'],
];

describe('ATT codec', () => {
  it.each(GOLDEN)('encodes %o as its golden and decodes it back', (pdu, hex) => {
    expectHex(encodeAtt(pdu), hex);
    expect(decodeAtt(fromHex(hex))).toEqual(pdu);
  });

  it('request lengths as att_db.c checks them', () => {
    expect(catchDecodeError(() => decodeAtt(fromHex('02 17'))).code).toBe('bad-length'); // MTU request needs 3
    expect(catchDecodeError(() => decodeAtt(fromHex('0a 03 00 00'))).code).toBe('bad-length'); // Read Request needs 3
    expect(catchDecodeError(() => decodeAtt(fromHex('08 01 00 ff ff 03'))).code).toBe('bad-length'); // 7 or 21
    expect(catchDecodeError(() => decodeAtt(fromHex('0e 03 00'))).code).toBe('bad-length'); // two handles at least
    expect(catchDecodeError(() => decodeAtt(fromHex('0e 03 00 04 00 05'))).code).toBe('bad-length'); // odd length
    expect(catchDecodeError(() => decodeAtt(fromHex('06 01 00 ff ff 00'))).code).toBe('truncated');
    expect(catchDecodeError(() => decodeAtt(fromHex('12 09'))).code).toBe('truncated');
    expect(catchDecodeError(() => decodeAtt(fromHex('18'))).code).toBe('truncated');
    expect(decodeAtt(fromHex('18 01 77'))).toEqual({ op: 'execute-write-req', flags: 1 }); // extra octets ignored
  });

  it('responses must be well formed lists', () => {
    const e = catchDecodeError(() => decodeAtt(fromHex('09 07 02 00 02 03 00 00')));
    expect(e.layer).toBe('att');
    expect(e.code).toBe('bad-list');
    expect(catchDecodeError(() => decodeAtt(fromHex('05 03 01 00 00 28'))).code).toBe('bad-format');
    expect(catchDecodeError(() => decodeAtt(fromHex('11 03 01 00 02'))).code).toBe('bad-length');
  });

  it('refuses to encode lists of mixed lengths', () => {
    expect(() => encodeAtt({ op: 'read-by-type-rsp', entries: [{ handle: 1, value: fromHex('01') }, { handle: 2, value: fromHex('0102') }] })).toThrow(RangeError);
    expect(() => encodeAtt({ op: 'find-info-rsp', entries: [] })).toThrow(RangeError);
  });

  it('routes by opcode parity: requests and commands to the server, the rest to the client', () => {
    expect([0x02, 0x0a, 0x12, 0x52, 0x1e].map(isServerBound)).toEqual([true, true, true, true, true]);
    expect([0x01, 0x0b, 0x1b, 0x1d].map(isServerBound)).toEqual([false, false, false, false]);
  });
});
