// L2CAP over ACL: fragmentation to the LE buffer size with flow control, reassembly and its failures.
import { describe, expect, it } from 'vitest';
import { HciTransport } from '../../src-main/host/hci-transport.ts';
import { L2cap } from '../../src-main/host/l2cap.ts';
import { encodeL2cap } from '../../src-main/hci/l2cap-frame.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { PB_CONTINUING, PB_FIRST_FLUSHABLE, PB_FIRST_NON_FLUSHABLE } from '../../src-main/hci/constants.ts';
import { encodeEvent } from '../../src-main/hci/event.ts';
import { NumberOfCompletedPackets } from '../../src-main/hci/events.ts';
import type { HciAcl } from '../../src-main/hci/packets.ts';
import { fakeEnd } from './fake-end.ts';

function setup(buffers = 2) {
  const f = fakeEnd();
  const hci = new HciTransport(f.end, new ManualClock());
  hci.setAclBuffers(27, buffers);
  const l2cap = new L2cap(hci);
  hci.onAcl = (h, pb, d) => l2cap.receiveAcl(h, pb, d);
  hci.onBuffersFreed = () => l2cap.pump();
  const frames: string[] = [];
  const log: string[] = [];
  l2cap.onFrame = (h, cid, p) => frames.push(`${h}/${cid}/${p.length}/${p[0]}`);
  l2cap.onLog = (m) => log.push(m);
  l2cap.openConnection(0x40);
  const acl = (): HciAcl[] => f.sent.filter((p): p is HciAcl => p.kind === 'acl');
  return { ...f, hci, l2cap, frames, log, acl };
}

const acl = (pb: number, data: Uint8Array): HciAcl => ({ kind: 'acl', handle: 0x40, pb, bc: 0, data });

describe('L2CAP output', () => {
  it('fragments to the buffer size, first non-flushable then continuing, and waits for buffers', () => {
    const { l2cap, acl: sent, deliver } = setup(2);
    l2cap.send(0x40, 4, new Uint8Array(60).fill(1)); // 64 octets with the header: 27 + 27 + 10
    l2cap.send(0x40, 4, new Uint8Array(3).fill(2));
    expect(sent().map((p) => [p.pb, p.data.length])).toEqual([
      [PB_FIRST_NON_FLUSHABLE, 27],
      [PB_CONTINUING, 27],
    ]);
    expect(l2cap.canSendNow()).toBe(false);
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 2 }] }));
    expect(sent().map((p) => [p.pb, p.data.length])).toEqual([
      [PB_FIRST_NON_FLUSHABLE, 27],
      [PB_CONTINUING, 27],
      [PB_CONTINUING, 10],
      [PB_FIRST_NON_FLUSHABLE, 7],
    ]);
  });

  it('offers the freed buffer to whoever waits (onCanSend) once the FIFO is empty', () => {
    const { l2cap, deliver } = setup(1);
    let asked = 0;
    l2cap.onCanSend = () => {
      asked++;
      if (asked === 1) l2cap.send(0x40, 4, new Uint8Array(1));
    };
    l2cap.send(0x40, 4, new Uint8Array(1));
    expect(asked).toBe(0);
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    expect(asked).toBe(1); // it sent one more, which took the only buffer
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    expect(asked).toBe(2);
  });

  it('closing a connection drops what it had queued', () => {
    const { l2cap, acl: sent, deliver } = setup(1);
    l2cap.send(0x40, 4, new Uint8Array(40));
    l2cap.closeConnection(0x40);
    deliver(encodeEvent(NumberOfCompletedPackets, { handles: [{ connectionHandle: 0x40, numCompletedPackets: 1 }] }));
    expect(sent()).toHaveLength(1);
    expect(l2cap.canSendNow()).toBe(true);
  });
});

describe('L2CAP input', () => {
  it('reassembles a PDU from a start and continuations', () => {
    const { deliver, frames } = setup();
    const frame = encodeL2cap({ cid: 4, payload: new Uint8Array(50).fill(7) });
    deliver(acl(PB_FIRST_FLUSHABLE, frame.subarray(0, 1))); // even a 1-octet start
    deliver(acl(PB_CONTINUING, frame.subarray(1, 27)));
    deliver(acl(PB_CONTINUING, frame.subarray(27)));
    expect(frames).toEqual(['64/4/50/7']);
  });

  it('drops a continuation without a start, an unfinished PDU cut by a new start, and overlong data', () => {
    const { deliver, frames, log } = setup();
    const frame = encodeL2cap({ cid: 4, payload: new Uint8Array(30).fill(9) });
    deliver(acl(PB_CONTINUING, frame.subarray(0, 10)));
    deliver(acl(PB_FIRST_FLUSHABLE, frame.subarray(0, 20)));
    deliver(acl(PB_FIRST_FLUSHABLE, frame.subarray(0, 20)));
    deliver(acl(PB_CONTINUING, Uint8Array.from([...frame.subarray(20), 0xee])));
    deliver(acl(PB_FIRST_FLUSHABLE, encodeL2cap({ cid: 5, payload: Uint8Array.of(1) })));
    expect(frames).toEqual(['64/5/1/1']);
    expect(log.join('\n')).toMatch(/without a start[\s\S]*unfinished PDU is dropped[\s\S]*longer than its L2CAP PDU/);
  });

  it('drops PDUs longer than the reassembly buffer (HCI_ACL_PAYLOAD_SIZE) and data for unknown connections', () => {
    const { deliver, frames, log } = setup();
    deliver(acl(PB_FIRST_FLUSHABLE, Uint8Array.of(0xff, 0x03, 0x04, 0x00)));
    deliver({ kind: 'acl', handle: 0x55, pb: PB_FIRST_FLUSHABLE, bc: 0, data: encodeL2cap({ cid: 4, payload: Uint8Array.of(1) }) });
    expect(frames).toEqual([]);
    expect(log.join('\n')).toMatch(/exceeds 1021[\s\S]*unknown handle 0x55/);
  });
});
