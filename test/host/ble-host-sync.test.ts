// BleHost driven by a scripted controller on a manual clock: everything happens inside the call
// that delivers the bytes (no promises, no microtasks, no event-loop turns), as a virtual Pico's
// synchronous pump requires; timers run only through the injected Clock.
import { describe, expect, it } from 'vitest';
import { BleHost, Errno, IRQ, uuid, type IrqValue } from '../../src-main/host/ble-host.ts';
import { FLAG_READ } from '../../src-main/host/gatt-db.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { fromHex, toHex } from '../../src-main/hci/bytes.ts';
import * as C from '../../src-main/hci/constants.ts';
import { encodeReturns } from '../../src-main/hci/command.ts';
import { ReadBdAddr, ReadBufferSize } from '../../src-main/hci/commands/informational.ts';
import { LeReadBufferSize } from '../../src-main/hci/commands/le-controller.ts';
import { encodeEvent } from '../../src-main/hci/event.ts';
import { commandComplete, DisconnectionComplete, NumberOfCompletedPackets } from '../../src-main/hci/events.ts';
import { LeConnectionComplete } from '../../src-main/hci/le-events.ts';
import type { HciAcl, HciCommand } from '../../src-main/hci/packets.ts';
import { fakeEnd } from './fake-end.ts';

const ADDRESS = fromHex('66 55 44 33 22 c0'); // C0:22:33:44:55:66 in HCI order

/** A controller that answers each command as soon as it is sent, synchronously. */
function scripted(opts: { leBuffers?: [number, number]; silent?: boolean } = {}) {
  const f = fakeEnd();
  const clock = new ManualClock();
  const host = new BleHost(f.end, clock, { name: 'sync' });
  const irqs: [number, IrqValue[]][] = [];
  host.on('irq', (code, data) => irqs.push([code, data]));
  const commands: number[] = [];
  const [len, count] = opts.leBuffers ?? [27, 8];
  const send = f.end.send;
  f.end.send = (bytes) => {
    send(bytes);
    const p = f.sent.at(-1)!;
    if (p.kind !== 'command' || opts.silent) return;
    const c = p as HciCommand;
    commands.push(c.opcode);
    const ret =
      c.opcode === ReadBdAddr.opcode ? encodeReturns(ReadBdAddr, { bdAddr: ADDRESS })
      : c.opcode === LeReadBufferSize.opcode ? encodeReturns(LeReadBufferSize, { leAclDataPacketLength: len, totalNumLeAclDataPackets: count })
      : c.opcode === ReadBufferSize.opcode ? encodeReturns(ReadBufferSize, { aclDataPacketLength: 27, synchronousDataPacketLength: 0, totalNumAclDataPackets: 4, totalNumSynchronousDataPackets: 0 })
      : new Uint8Array(0);
    f.deliver(commandComplete(c.opcode, 0, ret));
  };
  const acl = (): HciAcl[] => f.sent.filter((p): p is HciAcl => p.kind === 'acl');
  return { ...f, clock, host, irqs, commands, acl };
}

describe('BleHost without an event loop', () => {
  it('comes up inside active(True) when the controller answers at once, with the BTstack-like init sequence', () => {
    const s = scripted();
    let result: unknown = 'pending';
    expect(s.host.active(true, (e) => (result = e))).toBe(true);
    expect(result).toBeNull();
    expect(s.commands).toEqual([C.HCI_RESET, C.HCI_READ_BD_ADDR, C.HCI_LE_READ_BUFFER_SIZE, C.HCI_SET_EVENT_MASK, C.HCI_LE_SET_EVENT_MASK]);
    expect(s.host.config('mac')).toEqual([0, fromHex('c0 22 33 44 55 66')]);
  });

  it('falls back to the shared buffers when LE Read Buffer Size reports none (Core Vol 4 Part E 7.8.2)', () => {
    const s = scripted({ leBuffers: [0, 0] });
    s.host.active(true);
    expect(s.commands).toContain(C.HCI_READ_BUFFER_SIZE);
    expect(s.host.active()).toBe(true);
  });

  it('gives up after 15 s of silence with OSError(ETIMEDOUT), resending HCI_Reset meanwhile', () => {
    const s = scripted({ silent: true });
    let err: { errno: number } | null = null;
    s.host.active(true, (e) => (err = e));
    s.clock.advance(14_999);
    expect(err).toBeNull();
    expect(s.sent.filter((p) => p.kind === 'command' && p.opcode === C.HCI_RESET).length).toBeGreaterThan(5);
    s.clock.advance(1);
    expect(err).toMatchObject({ errno: Errno.ETIMEDOUT });
    expect(s.host.active()).toBe(false);
  });

  it('serves a connection and an ATT read, and flows ACL by Number Of Completed Packets, all synchronously', () => {
    const s = scripted({ leBuffers: [27, 1] });
    s.host.active(true);
    const [[value]] = s.host.gattsRegisterServices([[uuid(0x180f), [[uuid(0x2a19), FLAG_READ]]]]) as [[number]];
    s.host.gattsWrite(value, new Uint8Array(40).fill(7));
    s.deliver(
      encodeEvent(LeConnectionComplete, {
        status: 0,
        connectionHandle: 0x40,
        role: C.ROLE_PERIPHERAL,
        peerAddressType: 0,
        peerAddress: fromHex('01 02 03 04 05 06'),
        connectionInterval: 6,
        peripheralLatency: 0,
        supervisionTimeout: 100,
        centralClockAccuracy: 0,
      }),
    );
    expect(s.irqs).toEqual([[IRQ.CENTRAL_CONNECT, [0x40, 0, fromHex('06 05 04 03 02 01')]]]);
    // ATT Exchange MTU 100, then Read Request for the value: answers go out as buffers allow.
    s.deliver({ kind: 'acl', handle: 0x40, pb: C.PB_FIRST_FLUSHABLE, bc: 0, data: fromHex('03 00 04 00 02 64 00') });
    s.deliver({ kind: 'acl', handle: 0x40, pb: C.PB_FIRST_FLUSHABLE, bc: 0, data: fromHex(`03 00 04 00 0a ${value.toString(16).padStart(2, '0')} 00`) });
    expect(s.irqs.slice(1)).toEqual([
      [IRQ.MTU_EXCHANGED, [0x40, 100]],
      [IRQ.GATTS_READ_REQUEST, [0x40, value]],
    ]);
    expect(s.acl().map((a) => toHex(a.data))).toEqual(['030004000364' + '00']);
    s.deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    s.deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    const sent = s.acl().slice(1);
    expect(sent.map((a) => [a.pb, a.data.length])).toEqual([
      [C.PB_FIRST_NON_FLUSHABLE, 27],
      [C.PB_CONTINUING, 18],
    ]);
    expect(toHex(Uint8Array.from([...sent[0]!.data, ...sent[1]!.data]))).toBe(`29000400` + `0b` + '07'.repeat(40));
    // Disconnection: the IRQ comes with the event.
    s.deliver(encodeEvent(DisconnectionComplete, { status: 0, connectionHandle: 0x40, reason: C.HciStatus.REMOTE_USER_TERMINATED_CONNECTION }));
    expect(s.irqs.at(-1)).toEqual([IRQ.CENTRAL_DISCONNECT, [0x40, 255, new Uint8Array(6)]]);
  });

  it('scan duration runs on the injected clock', () => {
    const s = scripted();
    s.host.active(true);
    s.host.gapScan(1000);
    s.clock.advance(999);
    expect(s.irqs).toEqual([]);
    s.clock.advance(1);
    expect(s.irqs).toEqual([[IRQ.SCAN_DONE, []]]);
    expect(s.sent.filter((p) => p.kind === 'command' && p.opcode === C.HCI_LE_SET_SCAN_ENABLE).map((p) => toHex((p as HciCommand).params))).toEqual(['0100', '0000']);
  });

  it('gap_advertise sends the binding parameters: interval_us / 625, ADV_IND or ADV_SCAN_IND, all channels', () => {
    const s = scripted();
    s.host.active(true);
    s.host.gapAdvertise(100_000, fromHex('02 01 06'), null, false);
    const params = s.sent.filter((p): p is HciCommand => p.kind === 'command' && p.opcode === C.HCI_LE_SET_ADVERTISING_PARAMETERS);
    expect(toHex(params[0]!.params)).toBe('a000a000020000000000000000' + '0700');
    const enable = s.sent.filter((p): p is HciCommand => p.kind === 'command' && p.opcode === C.HCI_LE_SET_ADVERTISING_ENABLE);
    expect(enable.map((c) => toHex(c.params))).toEqual(['01']);
  });

  it('gap_connect sends the binding parameters: scan 60/30 ms, intervals from us, latency 4, supervision timeout = scan_duration_ms / 10', () => {
    const s = scripted();
    s.host.active(true);
    s.host.gapConnect(1, fromHex('c0 11 22 33 44 55'), 5000, 7500, 15_000);
    const create = s.sent.find((p): p is HciCommand => p.kind === 'command' && p.opcode === C.HCI_LE_CREATE_CONNECTION)!;
    expect(toHex(create.params)).toBe('6000' + '3000' + '00' + '01' + '5544332211c0' + '00' + '0600' + '0c00' + '0400' + 'f401' + '1000' + '3000');
  });

  it('close() releases everything: a pending active(True) fails with ENODEV and no timer fires afterwards', () => {
    const s = scripted({ silent: true });
    let err: { errno: number } | null = null;
    s.host.active(true, (e) => (err = e));
    s.host.close();
    expect(err).toMatchObject({ errno: Errno.ENODEV });
    const sent = s.sent.length;
    s.clock.advance(60_000);
    expect(s.sent.length).toBe(sent);
    expect(s.irqs).toEqual([]);
  });
});
