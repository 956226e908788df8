// LE signaling commands and SMP Pairing Failed: golden hex from Core 5.4 Vol 3 Part A 4 and
// Part H 3.5.5. (B-frames: test/hci/l2cap-frame.test.ts.)
import { describe, expect, it } from 'vitest';
import * as L from '../../src-main/host/l2cap-codec.ts';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { catchDecodeError, expectHex } from '../hci/decode-error.ts';

describe('L2CAP codecs', () => {
  it('Connection Parameter Update Request and Response (4.20, 4.21)', () => {
    const req = L.encodeSignaling({ code: L.L2CAP_CONNECTION_PARAMETER_UPDATE_REQUEST, identifier: 7, data: L.encodeConnectionParameterUpdateRequest({ intervalMin: 24, intervalMax: 40, latency: 0, timeout: 400 }) });
    expectHex(req, '12 07 08 00 18 00 28 00 00 00 90 01');
    const cmd = L.decodeSignaling(req);
    expect(L.decodeConnectionParameterUpdateRequest(cmd.data)).toEqual({ intervalMin: 24, intervalMax: 40, latency: 0, timeout: 400 });
    expectHex(L.encodeSignaling({ code: L.L2CAP_CONNECTION_PARAMETER_UPDATE_RESPONSE, identifier: 7, data: L.encodeConnectionParameterUpdateResponse(1) }), '13 07 02 00 01 00');
  });

  it('Command Reject (4.1) and LE Credit Based Connection Response (4.23)', () => {
    expectHex(L.encodeSignaling({ code: L.L2CAP_COMMAND_REJECT, identifier: 3, data: L.encodeCommandReject(L.REJECT_COMMAND_NOT_UNDERSTOOD) }), '01 03 02 00 00 00');
    expectHex(L.encodeCommandReject(L.REJECT_INVALID_CID, fromHex('40 00 41 00')), '02 00 40 00 41 00');
    expectHex(L.encodeLeCreditBasedConnectionResponse(L.LE_CREDIT_RESULT_PSM_NOT_SUPPORTED), '00 00 00 00 00 00 00 00 02 00');
  });

  it('signaling commands must fill their frame exactly', () => {
    expect(catchDecodeError(() => L.decodeSignaling(fromHex('12 07 08 00 18 00'))).code).toBe('truncated');
    expect(catchDecodeError(() => L.decodeSignaling(fromHex('13 07 02 00 00 00 ff'))).code).toBe('trailing-octets');
    expect(catchDecodeError(() => L.decodeConnectionParameterUpdateRequest(fromHex('18 00'))).code).toBe('truncated');
  });

  it('SMP Pairing Failed, Pairing Not Supported (Vol 3 Part H 3.5.5)', () => {
    expectHex(L.encodePairingFailed(L.SMP_REASON_PAIRING_NOT_SUPPORTED), '05 05');
  });
});
