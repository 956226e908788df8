// The L2CAP basic header on ACL data: golden hex from Core 5.4 Vol 3 Part A 3.1.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { decodeL2cap, encodeL2cap, l2capPduLength } from '../../src-main/hci/l2cap-frame.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

describe('Vol 3 Part A 3.1 B-frame', () => {
  it('Length, CID, payload', () => {
    expectHex(encodeL2cap({ cid: 0x0004, payload: fromHex('0a 03 00') }), '03 00 04 00 0a 03 00');
    expect(decodeL2cap(fromHex('03 00 04 00 0a 03 00'))).toEqual({ cid: 4, payload: fromHex('0a 03 00') });
  });

  it('a Length that does not match the payload, or a cut header, is a DecodeError in layer l2cap', () => {
    expect(catchDecodeError(() => decodeL2cap(fromHex('04 00 04 00 0a 03 00')))).toMatchObject({ layer: 'l2cap', code: 'bad-length', offset: 0 });
    expect(catchDecodeError(() => decodeL2cap(fromHex('03 00')))).toMatchObject({ layer: 'l2cap', code: 'truncated', offset: 2 });
  });

  it('the PDU length is known once two octets of the first fragment are in', () => {
    expect(l2capPduLength(fromHex('03'))).toBeNull();
    expect(l2capPduLength(fromHex('03 01 04'))).toBe(0x0103);
  });
});
