// The synchronous HCI command queue and ACL buffer accounting, against a scripted controller.
import { describe, expect, it } from 'vitest';
import { HCI_STATUS_CANCELLED, HCI_STATUS_TIMEOUT, HciLink } from '../../src-main/host/hci-link.ts';
import { ManualClock } from '../../src-main/radio/air/clock.ts';
import { fromHex } from '../../src-main/radio/hci/bytes.ts';
import * as C from '../../src-main/radio/hci/constants.ts';
import * as ev from '../../src-main/radio/hci/events.ts';
import { fakeEnd } from './fake-end.ts';

function setup() {
  const f = fakeEnd();
  const clock = new ManualClock();
  const link = new HciLink(f.end, clock, 2000);
  const log: string[] = [];
  link.onLog = (m) => log.push(m);
  return { ...f, clock, link, log };
}

describe('HciLink commands', () => {
  it('keeps one command in flight and answers each through its callback, in order', () => {
    const { link, sent, deliver } = setup();
    const answers: string[] = [];
    link.command(C.HCI_RESET, undefined, (s) => answers.push(`reset ${s}`));
    link.command(C.HCI_READ_BD_ADDR, undefined, (s, ret) => answers.push(`addr ${s} ${ret.length}`));
    link.command(C.HCI_LE_CREATE_CONNECTION, new Uint8Array(25), (s) => answers.push(`create ${s}`));
    expect(sent.map((p) => (p.kind === 'command' ? p.opcode : -1))).toEqual([C.HCI_RESET]);
    deliver(ev.commandComplete(C.HCI_READ_BD_ADDR, 0)); // not the one in flight: ignored
    deliver(ev.commandComplete(C.HCI_RESET, 0));
    expect(sent).toHaveLength(2);
    deliver(ev.commandComplete(C.HCI_READ_BD_ADDR, 0, fromHex('01 02 03 04 05 06')));
    deliver(ev.commandStatus(C.HciStatus.CONNECTION_LIMIT_EXCEEDED, C.HCI_LE_CREATE_CONNECTION));
    expect(answers).toEqual(['reset 0', 'addr 0 6', 'create 9']);
    expect(link.idle).toBe(true);
  });

  it('times out a command the controller never answers and moves on', () => {
    const { link, sent, clock } = setup();
    const answers: number[] = [];
    link.command(C.HCI_RESET, undefined, (s) => answers.push(s));
    link.command(C.HCI_READ_BD_ADDR, undefined, (s) => answers.push(s));
    clock.advance(1999);
    expect(answers).toEqual([]);
    clock.advance(1);
    expect(answers).toEqual([HCI_STATUS_TIMEOUT]);
    expect(sent).toHaveLength(2);
  });

  it('reset() cancels everything queued', () => {
    const { link } = setup();
    const answers: number[] = [];
    link.command(C.HCI_RESET, undefined, (s) => answers.push(s));
    link.command(C.HCI_READ_BD_ADDR, undefined, (s) => answers.push(s));
    link.reset();
    expect(answers).toEqual([HCI_STATUS_CANCELLED, HCI_STATUS_CANCELLED]);
  });

  it('survives garbage from the controller', () => {
    const { link, deliver, log } = setup();
    const events: number[] = [];
    link.onEvent = (e) => events.push(e.code);
    deliver(fromHex('ff 07'));
    deliver(ev.hardwareError(1));
    expect(log.some((l) => l.includes('transport'))).toBe(true);
    expect(events).toEqual([C.HCI_HARDWARE_ERROR]);
  });
});

describe('HciLink ACL buffers', () => {
  it('counts packets against the LE buffers; Number Of Completed Packets returns them', () => {
    const { link, deliver } = setup();
    let freed = 0;
    link.onBuffersFreed = () => freed++;
    link.setAclBuffers(27, 2);
    link.sendAcl(0x40, 0, new Uint8Array(4));
    link.sendAcl(0x40, 0, new Uint8Array(4));
    expect(link.freeAclBuffers).toBe(0);
    expect(() => link.sendAcl(0x40, 0, new Uint8Array(4))).toThrow('no free LE ACL buffer');
    deliver(ev.numberOfCompletedPackets([{ handle: 0x40, packets: 1 }]));
    expect(link.freeAclBuffers).toBe(1);
    expect(freed).toBe(1);
    deliver(ev.numberOfCompletedPackets([{ handle: 0x41, packets: 5 }])); // another link's count: nothing of ours
    expect(link.freeAclBuffers).toBe(1);
  });

  it('a Disconnection Complete frees the link buffers (Core Vol 4 Part E 7.7.5) and is passed on', () => {
    const { link, deliver } = setup();
    const events: number[] = [];
    link.onEvent = (e) => events.push(e.code);
    link.setAclBuffers(27, 3);
    link.sendAcl(0x40, 0, new Uint8Array(1));
    link.sendAcl(0x41, 0, new Uint8Array(1));
    link.sendAcl(0x40, 0, new Uint8Array(1));
    deliver(ev.disconnectionComplete(0, 0x40, 0x13));
    expect(link.freeAclBuffers).toBe(2);
    expect(events).toEqual([C.HCI_DISCONNECTION_COMPLETE]);
  });
});
