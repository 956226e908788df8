// The per-link count on noble's Hci (hub/adapter/noble-outbound.ts), driven with raw HCI packets
// on an Hci that writes to an array instead of a controller.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { hardenNoble } from '../../src-main/hub/adapter/noble-hardening.ts';
import { STACK_PDUS_PER_LINK, outboundOf } from '../../src-main/hub/adapter/noble-outbound.ts';

interface FakeHci {
  onSocketData(data: Buffer): void;
  writeAclDataPkt(handle: number, cid: number, data: Buffer): Promise<void> | undefined;
  _aclQueue: unknown[];
}

const HANDLE = 0x0040;
const ATT = 0x0004;
const SIGNALING = 0x0005;
/** LE Connection Complete (Core 5.4 Vol 4 Part E 7.7.65.1): success, HANDLE, central, public peer. */
const CONNECTED = Buffer.from([0x04, 0x3e, 19, 0x01, 0x00, HANDLE, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 12, 0, 0, 0, 100, 0, 0]);
const DISCONNECTED = Buffer.from([0x04, 0x05, 4, 0x00, HANDLE, 0x00, 0x13]);
/** Number Of Completed Packets (7.7.19) for HANDLE. */
const completed = (n: number): Buffer => Buffer.from([0x04, 0x13, 5, 1, HANDLE, 0x00, n, 0]);
const writeCmd = (octets: number): Buffer => Buffer.from([0x52, 0x03, 0x00, ...new Array<number>(octets).fill(0xaa)]);

let makeHci: () => { hci: FakeHci; socket: Buffer[] };

beforeAll(() => {
  hardenNoble();
  const require = createRequire(import.meta.url);
  const Hci = require(require.resolve('@stoprocent/noble/lib/hci-socket/hci.js')) as { prototype: object };
  makeHci = () => {
    const socket: Buffer[] = [];
    const buffers = { length: 27, num: 8 };
    const hci = Object.assign(Object.create(Hci.prototype) as FakeHci, {
      _aclBuffers: buffers,
      getAclBuffers: () => Promise.resolve(buffers),
      _aclQueue: [],
      _aclConnections: new Map(),
      _handleBuffers: {},
      _socket: { write: (b: Buffer) => void socket.push(b) },
    });
    hci.onSocketData(CONNECTED);
    return { hci, socket };
  };
});

/** A peripheral whose noble bindings are `hci`, connected on HANDLE. */
const peripheralOn = (hci: FakeHci): { id: string } => ({ id: 'p', _noble: { _bindings: { _hci: hci, _handles: { p: HANDLE } } } }) as { id: string };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('noble outbound count', () => {
  it('counts a Write Command done when the controller has sent its every fragment, in order', async () => {
    const { hci, socket } = makeHci();
    const out = outboundOf(peripheralOn(hci))!;
    let calls = 0;
    out.onDone(() => calls++);
    void hci.writeAclDataPkt(HANDLE, ATT, writeCmd(100)); // 4 + 103 octets: 4 packets of 27
    void hci.writeAclDataPkt(HANDLE, ATT, writeCmd(5)); // 1 packet
    await flush();
    expect(socket).toHaveLength(5);
    hci.onSocketData(completed(3));
    expect([out.done, calls]).toEqual([0, 0]);
    hci.onSocketData(completed(1));
    expect([out.done, calls]).toEqual([1, 1]);
    hci.onSocketData(completed(1));
    expect([out.done, calls]).toEqual([2, 2]);
  });

  it('keeps other PDUs in the order without counting them, and bounds those noble writes by itself', async () => {
    const { hci } = makeHci();
    const out = outboundOf(peripheralOn(hci))!;
    const errorRsp = Buffer.from([0x01, 0x04, 0x01, 0x00, 0x06]);
    for (let i = 0; i < STACK_PDUS_PER_LINK + 10; i++) void hci.writeAclDataPkt(HANDLE, ATT, errorRsp);
    void hci.writeAclDataPkt(HANDLE, ATT, writeCmd(5));
    expect(out.refused).toBe(10);
    await flush();
    // noble's own queue holds what the controller's 8 buffers cannot take yet: never more than the bound.
    expect(hci._aclQueue.length).toBe(STACK_PDUS_PER_LINK + 1 - 8);
    hci.onSocketData(completed(STACK_PDUS_PER_LINK));
    expect(out.done).toBe(0);
    hci.onSocketData(completed(1));
    expect(out.done).toBe(1);
    // Room again for what noble answers.
    void hci.writeAclDataPkt(HANDLE, SIGNALING, Buffer.from([0x01, 0x00, 0x02, 0x00]));
    expect(out.refused).toBe(10);
  });

  it('starts again with each connection on a handle, and forgets it at disconnection', async () => {
    const { hci } = makeHci();
    const first = outboundOf(peripheralOn(hci))!;
    void hci.writeAclDataPkt(HANDLE, ATT, writeCmd(5));
    await flush();
    let calls = 0;
    first.onDone(() => calls++);
    hci.onSocketData(DISCONNECTED);
    hci.onSocketData(completed(1));
    expect([first.done, calls]).toEqual([0, 0]);
    hci.onSocketData(CONNECTED);
    const second = outboundOf(peripheralOn(hci))!;
    expect(second).not.toBe(first);
    expect(second.done).toBe(0);
    expect(outboundOf({ id: 'no noble' })).toBeNull();
  });
});
