// The synchronous HCI command queue and ACL buffer accounting, against a scripted controller.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src-main/hci/bytes.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { Reset } from '../../src-main/hci/commands/baseband.ts';
import { ReadBdAddr } from '../../src-main/hci/commands/informational.ts';
import { LeCreateConnection } from '../../src-main/hci/commands/le-connection.ts';
import * as C from '../../src-main/hci/constants.ts';
import { encodeEvent } from '../../src-main/hci/event.ts';
import { commandComplete, commandStatus, DisconnectionComplete, HardwareError, NumberOfCompletedPackets } from '../../src-main/hci/events.ts';
import { HCI_STATUS_CANCELLED, HCI_STATUS_MALFORMED, HCI_STATUS_TIMEOUT, HciTransport } from '../../src-main/host/hci-transport.ts';
import { fakeEnd } from './fake-end.ts';

const CREATE = {
  leScanInterval: 0x60,
  leScanWindow: 0x30,
  initiatorFilterPolicy: 0,
  peerAddressType: 0,
  peerAddress: new Uint8Array(6),
  ownAddressType: 0,
  connectionIntervalMin: 6,
  connectionIntervalMax: 6,
  maxLatency: 0,
  supervisionTimeout: 100,
  minCeLength: 0,
  maxCeLength: 0,
};

function setup() {
  const f = fakeEnd();
  const clock = new ManualClock();
  const hci = new HciTransport(f.end, clock, 2000);
  const log: string[] = [];
  hci.onLog = (m) => log.push(m);
  return { ...f, clock, hci, log };
}

describe('HciTransport commands', () => {
  it('keeps one command in flight and answers each through its callback, in order', () => {
    const { hci, sent, deliver } = setup();
    const answers: string[] = [];
    hci.command(Reset, {}, (a) => answers.push(`reset ${a.status}`));
    hci.command(ReadBdAddr, {}, (a) => answers.push(`addr ${a.status} ${a.ok ? a.returns.bdAddr.join('.') : ''}`));
    hci.command(LeCreateConnection, CREATE, (a) => answers.push(`create ${a.status}`));
    expect(sent.map((p) => (p.kind === 'command' ? p.opcode : -1))).toEqual([C.HCI_RESET]);
    deliver(commandComplete(C.HCI_READ_BD_ADDR, 0)); // not the one in flight: ignored
    deliver(commandComplete(C.HCI_RESET, 0));
    expect(sent).toHaveLength(2);
    deliver(commandComplete(C.HCI_READ_BD_ADDR, 0, fromHex('01 02 03 04 05 06')));
    deliver(commandStatus(C.HciStatus.CONNECTION_LIMIT_EXCEEDED, C.HCI_LE_CREATE_CONNECTION));
    expect(answers).toEqual(['reset 0', 'addr 0 1.2.3.4.5.6', 'create 9']);
    expect(hci.idle).toBe(true);
  });

  it('reports return parameters that do not decode as HCI_STATUS_MALFORMED, and moves on', () => {
    const { hci, sent, deliver, log } = setup();
    const answers: number[] = [];
    hci.command(ReadBdAddr, {}, (a) => answers.push(a.status));
    hci.command(Reset, {}, (a) => answers.push(a.status));
    deliver(commandComplete(C.HCI_READ_BD_ADDR, 0, fromHex('01 02 03'))); // 7.4.6: BD_ADDR is six octets
    expect(answers).toEqual([HCI_STATUS_MALFORMED]);
    expect(log.some((l) => l.includes('HCI_Read_BD_ADDR'))).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it('times out a command the controller never answers and moves on', () => {
    const { hci, sent, clock } = setup();
    const answers: number[] = [];
    hci.command(Reset, {}, (a) => answers.push(a.status));
    hci.command(ReadBdAddr, {}, (a) => answers.push(a.status));
    clock.advance(1999);
    expect(answers).toEqual([]);
    clock.advance(1);
    expect(answers).toEqual([HCI_STATUS_TIMEOUT]);
    expect(sent).toHaveLength(2);
  });

  it('reset() cancels everything queued', () => {
    const { hci } = setup();
    const answers: number[] = [];
    hci.command(Reset, {}, (a) => answers.push(a.status));
    hci.command(ReadBdAddr, {}, (a) => answers.push(a.status));
    hci.reset();
    expect(answers).toEqual([HCI_STATUS_CANCELLED, HCI_STATUS_CANCELLED]);
  });

  it('survives garbage from the controller', () => {
    const { hci, deliver, log } = setup();
    const events: string[] = [];
    hci.onEvent = (e) => events.push(e.event);
    deliver(fromHex('ff 07'));
    deliver(fromHex('04 05 02 00 40')); // 7.7.5 cut short
    deliver(encodeEvent(HardwareError, { hardwareCode: 1 }));
    expect(log.some((l) => l.includes('transport'))).toBe(true);
    expect(log.some((l) => l.includes('malformed packet from controller'))).toBe(true);
    expect(events).toEqual(['HCI_Hardware_Error']);
  });
});

describe('HciTransport ACL buffers', () => {
  it('counts packets against the LE buffers; Number Of Completed Packets returns them', () => {
    const { hci, deliver } = setup();
    let freed = 0;
    hci.onBuffersFreed = () => freed++;
    hci.setAclBuffers(27, 2);
    hci.sendAcl(0x40, 0, new Uint8Array(4));
    hci.sendAcl(0x40, 0, new Uint8Array(4));
    expect(hci.freeAclBuffers).toBe(0);
    expect(() => hci.sendAcl(0x40, 0, new Uint8Array(4))).toThrow('no free LE ACL buffer');
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    expect(hci.freeAclBuffers).toBe(1);
    expect(freed).toBe(1);
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x41, numCompletedPackets: 5 }] })); // another connection's count: nothing of ours
    expect(hci.freeAclBuffers).toBe(1);
  });

  it('a Disconnection Complete frees that connection’s buffers (Core Vol 4 Part E 7.7.5) and is passed on', () => {
    const { hci, deliver } = setup();
    const events: string[] = [];
    hci.onEvent = (e) => events.push(e.event);
    hci.setAclBuffers(27, 3);
    hci.sendAcl(0x40, 0, new Uint8Array(1));
    hci.sendAcl(0x41, 0, new Uint8Array(1));
    hci.sendAcl(0x40, 0, new Uint8Array(1));
    deliver(encodeEvent(DisconnectionComplete, { status: 0, connectionHandle: 0x40, reason: 0x13 }));
    expect(hci.freeAclBuffers).toBe(2);
    expect(events).toEqual(['HCI_Disconnection_Complete']);
  });
});
