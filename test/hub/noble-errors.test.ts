// The one table from noble's words to typed errors: every message noble writes for a refused or
// failed connection, every kind of disconnection reason, every state string.
import { describe, expect, it } from 'vitest';
import { connectError, disconnectReason, NobleError, powerOf, type NobleErrorCode } from '../../src-main/hub/adapter/noble-errors.ts';

describe('noble error mapping', () => {
  it.each<[string, NobleErrorCode, number | null, string]>([
    // hci-socket/bindings.js onLeConnComplete: `${STATUS_MAPPER[status]} (0x${status.toString(16)})`
    ['Connection Limit Exceeded (0x9)', 'connection-limit', 0x09, 'Connection Limit Exceeded (0x09)'],
    ['Connection Failed to be Established (0x3e)', 'hci-status', 0x3e, 'Connection Failed to be Established (0x3e)'],
    ['Unknown Connection Identifier (0x2)', 'hci-status', 0x02, 'Unknown Connection Identifier (0x02)'],
    ['Connection Rejected due to Limited Resources (0xd)', 'hci-status', 0x0d, 'Connection Rejected due to Limited Resources (0x0d)'],
    ['HCI Error: Unknown (0x99)', 'hci-status', 0x99, 'Unknown HCI status (0x99)'],
    // hci-socket/bindings.js connect while not on
    ['Cannot connect while adapter state is poweredOff (not poweredOn)', 'adapter-not-on', null, 'the adapter is poweredOff, not on'],
    // noble.js cancelConnect, and its cleanup of pending connects when the adapter goes
    ['connection canceled!', 'canceled', null, 'connection attempt canceled'],
    ['cleanup', 'canceled', null, 'connection attempt canceled'],
    ['Peripheral already connected', 'already-connected', null, 'already connected'],
    ['Invalid peripheral ID or Address zz', 'other', null, 'Invalid peripheral ID or Address zz'],
    ['', 'other', null, 'no reason given'],
  ])('connect error %j is %s', (text, code, status, message) => {
    const e = connectError(new Error(text));
    expect(e).toBeInstanceOf(NobleError);
    expect({ code: e.code, status: e.status, message: e.message }).toEqual({ code, status, message });
  });

  it('keeps a typed error as it is, and types what is not an Error', () => {
    const typed = new NobleError('canceled', 'x');
    expect(connectError(typed)).toBe(typed);
    expect(connectError('noble reported no peripheral')).toMatchObject({ code: 'other', message: 'noble reported no peripheral' });
  });

  it.each<[unknown, NobleErrorCode, number | null, string]>([
    [0x13, 'hci-status', 0x13, 'Remote User Terminated Connection (0x13)'],
    [0x08, 'hci-status', 0x08, 'Connection Timeout (0x08)'],
    [0x16, 'hci-status', 0x16, 'Connection Terminated By Local Host (0x16)'],
    [0x03, 'hci-status', 0x03, 'Hardware Failure (0x03)'],
    [0x09, 'connection-limit', 0x09, 'Connection Limit Exceeded (0x09)'],
    // BlueZ over D-Bus names its reasons.
    ['org.bluez.Reason.Remote', 'other', null, 'org.bluez.Reason.Remote'],
    [undefined, 'other', null, 'no reason given'],
    [1.5, 'other', null, '1.5'],
  ])('disconnect reason %j is %s', (reason, code, status, message) => {
    const e = disconnectReason(reason);
    expect({ code: e.code, status: e.status, message: e.message }).toEqual({ code, status, message });
  });

  it('types noble’s state strings, counting one it did not have as not known yet', () => {
    for (const s of ['unknown', 'resetting', 'unsupported', 'unauthorized', 'poweredOff', 'poweredOn'] as const) expect(powerOf(s)).toBe(s);
    expect(powerOf('poweredOnish')).toBe('unknown');
  });
});
