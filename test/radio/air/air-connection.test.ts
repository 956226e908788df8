import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src-main/hci/address.ts';
import { Reset } from '../../../src-main/hci/commands/baseband.ts';
import { LeConnectionUpdate, LeCreateConnection } from '../../../src-main/hci/commands/le-connection.ts';
import { LeSetDataLength } from '../../../src-main/hci/commands/le-controller.ts';
import { Disconnect } from '../../../src-main/hci/commands/link-control.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { CommandComplete, completion, DataBufferOverflow, NumberOfCompletedPackets } from '../../../src-main/hci/events.ts';
import { decodeL2cap, encodeL2cap, l2capPduLength } from '../../../src-main/hci/l2cap-frame.ts';
import { LeConnectionUpdateComplete, LeDataLengthChange } from '../../../src-main/hci/le-events.ts';
import { PICO_W_CONTROLLER } from '../../../src-main/radio/controller/options.ts';
import { Bench, connect, connectionCompletes, disconnections, eventsOf, flush, startAdvertising, type TestNode } from '../harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

/** An L2CAP basic frame (Core Vol 3 Part A 3.1) on the ATT channel carrying `payload`. */
function l2cap(payload: Uint8Array): Uint8Array {
  return encodeL2cap({ cid: 0x0004, payload });
}

/** Reassembles received ACL fragments into L2CAP payloads. */
function reassemble(node: TestNode): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: number[] = [];
  for (const p of node.acl) {
    if (p.pb === C.PB_FIRST_FLUSHABLE) cur = [];
    cur.push(...p.data);
    const len = l2capPduLength(Uint8Array.from(cur));
    if (len !== null && cur.length === len + 4) out.push(decodeL2cap(Uint8Array.from(cur)).payload);
  }
  return out;
}

function completedPackets(node: TestNode): number {
  return eventsOf(node, NumberOfCompletedPackets).reduce((n, e) => n + e.handles.reduce((k, h) => k + h.numCompletedPackets, 0), 0);
}

describe('connection events', () => {
  it('moves data only at connection events, one interval apart', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b, 24); // 30 ms
    const arrivals: number[] = [];
    for (let i = 0; i < 4; i++) {
      a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array([i])) });
      await flush();
      const before = b.acl.length;
      expect(before).toBe(i); // nothing arrives between events
      while (b.acl.length === before) await bench.advance(1);
      arrivals.push(bench.clock.now());
      await bench.advance(7); // send the next one mid-interval
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    for (const g of gaps) expect(Math.abs(g - 30)).toBeLessThanOrEqual(1);
  });

  // Core 5.4 Vol 6 Part B 4.5.6: the event goes on while MD is set and the next exchange fits in
  // the time the controllers give it. A 5-octet PDU exchange on 1M: 120 + 150 + 80 + 150 = 500 us
  // (Vol 6 Part B 2.1, 4.1.1); with 2,100 us, the 4th ends at 1,850 us and a 5th would end at 2,350.
  it('carries as many exchanges per event as fit in the event airtime (4.5.6)', async () => {
    const a = await bench.node({ name: 'a', maxEventUs: 2100 });
    const b = await bench.node({ name: 'b', maxEventUs: 2100 });
    const { centralHandle } = await connect(bench, a, b, 80); // 100 ms
    for (let i = 0; i < 8; i++) a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array([i])) });
    await flush();
    let t = 0;
    while (b.acl.length === 0 && t++ < 200) await bench.advance(1);
    expect(b.acl.length).toBe(4);
    await bench.advance(100);
    expect(b.acl.length).toBe(8);
  });

  it('the anchor exchange always happens, however short the event budget (4.5.1)', async () => {
    const a = await bench.node({ name: 'a', maxEventUs: 100 });
    const b = await bench.node({ name: 'b', maxEventUs: 100 });
    const { centralHandle } = await connect(bench, a, b, 24, 100); // 30 ms, 1 s
    for (let i = 0; i < 3; i++) a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array([i])) });
    await bench.advance(1500, 5);
    expect(b.acl.length).toBe(3);
    expect(disconnections(a)).toEqual([]);
  });

  it('a host refilling from Number Of Completed Packets keeps a 7.5 ms event going: 11 PDUs of 27 octets per event on 1M', async () => {
    // Pico W buffers: 8 ACL packets of 27 octets. The queue runs dry after 8 PDUs; the controller
    // reports them and the event continues with the host's next packets, up to the 11 exchanges of
    // 676 us that fit (hci/airtime linkCapacity: 29,333 B/s of ATT values at MTU 23).
    const a = await bench.node({ name: 'a', ...PICO_W_CONTROLLER });
    const b = await bench.node({ name: 'b', ...PICO_W_CONTROLLER });
    const { centralHandle } = await connect(bench, a, b, 6);
    const connection = bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!;
    let sent = 0;
    const fill = (): void => {
      while (sent - completedPackets(a) < 8) {
        a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array(23)) });
        sent++;
      }
    };
    fill();
    await bench.advance(30, 0.5); // settle
    const before = b.acl.length;
    const eventsBefore = connection.events;
    for (let i = 0; i < 1500; i++) {
      fill();
      await bench.advance(0.5, 0.5);
    }
    const perEvent = (b.acl.length - before) / (connection.events - eventsBefore);
    expect(perEvent).toBeGreaterThan(10.5);
    expect(perEvent).toBeLessThanOrEqual(11);
    expect(b.acl.every((p) => p.data.length === 27)).toBe(true);
  });

  it('an answer to a PDU goes at the next event: a request/response takes one interval after the anchor, not zero', async () => {
    // Both sides sent MD = 0, so the event closed (Core 5.4 Vol 6 Part B 4.5.6) before the
    // peripheral's host could answer.
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle, peripheralHandle } = await connect(bench, a, b, 24); // 30 ms
    b.host.on('acl', () => b.host.sendAcl({ handle: peripheralHandle, pb: 0, bc: 0, data: l2cap(Uint8Array.of(2)) }));
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bench.advance(5 + i * 3, 0.5);
      const got = b.acl.length;
      const back = a.acl.length;
      a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(Uint8Array.of(1)) });
      while (b.acl.length === got) await bench.advance(0.5, 0.5);
      const arrived = bench.clock.now();
      while (a.acl.length === back) await bench.advance(0.5, 0.5);
      rtts.push(bench.clock.now() - arrived);
    }
    for (const r of rtts) expect(Math.abs(r - 30)).toBeLessThanOrEqual(1);
  });

  it('delivers every packet in order at 5% packet error rate, retransmitting lost PDUs', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle, peripheralHandle } = await connect(bench, a, b, 6); // 7.5 ms
    bench.radio.setPacketErrorRate('a', 'b', 0.05);
    const N = 300;
    const sent: Uint8Array[] = [];
    let next = 0;
    // The host keeps within the controller's 8 ACL buffers, freed by Number Of Completed Packets.
    for (let step = 0; step < 20000 && reassemble(b).length < N; step++) {
      while (next < N && next - completedPackets(a) < 8) {
        const payload = Uint8Array.from({ length: 40 }, (_, k) => (next * 7 + k) & 0xff);
        sent.push(payload);
        a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(payload) });
        next++;
      }
      await bench.advance(2, 2);
    }
    expect(eventsOf(a, DataBufferOverflow)).toEqual([]);
    expect(reassemble(b)).toEqual(sent);
    // and back: peripheral to central
    b.host.sendAcl({ handle: peripheralHandle, pb: 0, bc: 0, data: l2cap(Uint8Array.of(9, 9, 9)) });
    await bench.advance(200, 5);
    expect(reassemble(a)).toEqual([Uint8Array.of(9, 9, 9)]);
    const connection = bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!;
    expect(connection.pdusLost).toBeGreaterThan(10);
    expect(disconnections(a)).toEqual([]);
  });
});

describe('connection loss and termination', () => {
  it('a peripheral that loses power ends the connection with Connection Timeout after the supervision timeout', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await connect(bench, a, b, 24, 100); // 30 ms, 1 s
    await bench.advance(100, 10);
    bench.radio.power('b', false);
    const off = bench.clock.now();
    while (disconnections(a).length === 0 && bench.clock.now() - off < 3000) await bench.advance(5, 5);
    const after = bench.clock.now() - off;
    expect(disconnections(a)).toEqual([expect.objectContaining({ reason: C.HciStatus.CONNECTION_TIMEOUT })]);
    expect(after).toBeGreaterThanOrEqual(1000);
    expect(after).toBeLessThanOrEqual(1000 + 30 + 10);
    // Power back on: the controller says it is ready, and answers a reset.
    bench.radio.power('b', true);
    await flush();
    expect(eventsOf(b, CommandComplete).at(-1)!.commandOpcode).toBe(0);
    expect(completion(eventsOf(b, CommandComplete).at(-1)!)).toEqual({ status: 0, returnParameters: new Uint8Array(0) });
    await b.host.command(Reset);
  });

  it('a node walked out of range drops its connection with Connection Timeout', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await connect(bench, a, b, 24, 50);
    bench.radio.move('b', { x: 10_000, y: 0 });
    await bench.advance(700, 10);
    expect(disconnections(a).map((d) => d.reason)).toEqual([C.HciStatus.CONNECTION_TIMEOUT]);
    expect(disconnections(b).map((d) => d.reason)).toEqual([C.HciStatus.CONNECTION_TIMEOUT]);
  });

  it('a dropped connection times out on both sides', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await connect(bench, a, b, 24, 50);
    expect(bench.radio.dropConnections('a', 'b')).toBe(1);
    await bench.advance(700, 10);
    expect(disconnections(a).map((d) => d.reason)).toEqual([C.HciStatus.CONNECTION_TIMEOUT]);
    expect(disconnections(b).map((d) => d.reason)).toEqual([C.HciStatus.CONNECTION_TIMEOUT]);
  });

  it('a host disconnect gives the local host 0x16 and the remote host the reason given', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { peripheralHandle } = await connect(bench, a, b);
    const r = await b.host.execute(Disconnect, { connectionHandle: peripheralHandle, reason: 0x15 });
    expect(r.status).toBe(0);
    await bench.advance(100, 5);
    expect(disconnections(b).map((d) => d.reason)).toEqual([C.HciStatus.CONNECTION_TERMINATED_BY_LOCAL_HOST]);
    expect(disconnections(a).map((d) => d.reason)).toEqual([C.HciStatus.REMOTE_DEVICE_TERMINATED_POWER_OFF]);
    const bad = await b.host.execute(Disconnect, { connectionHandle: 0x0099, reason: 0x13 });
    expect(bad.status).toBe(C.HciStatus.UNKNOWN_CONNECTION_IDENTIFIER);
  });
});

describe('connection parameters', () => {
  it('applies a connection update at its instant and tells both hosts', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b, 24);
    const update = { connectionHandle: centralHandle, connectionIntervalMin: 12, connectionIntervalMax: 12, maxLatency: 0, supervisionTimeout: 200, minCeLength: 0, maxCeLength: 0 };
    expect((await a.host.execute(LeConnectionUpdate, update)).status).toBe(0);
    await bench.advance(400, 10);
    for (const n of [a, b]) {
      const ev = eventsOf(n, LeConnectionUpdateComplete);
      expect(ev.length).toBe(1);
      expect(ev[0]!.connectionInterval).toBe(12);
    }
    expect(bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!.intervalMs).toBe(15);
  });

  it('LE Set Data Length lets one PDU carry 251 octets and reports the change to both hosts', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    expect((await a.host.execute(LeSetDataLength, { connectionHandle: centralHandle, txOctets: 251, txTime: 2120 })).status).toBe(0);
    // The change comes once LL_LENGTH_REQ/RSP have crossed, two connection events on (Vol 6 Part B 5.1.9).
    await bench.advance(2 * 30 + 5, 5);
    expect(eventsOf(a, LeDataLengthChange).length).toBe(1);
    expect(eventsOf(b, LeDataLengthChange).length).toBe(1);
    a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array(200).fill(5)) });
    await bench.advance(100, 5);
    expect(b.acl.length).toBe(1);
    expect(reassemble(b)[0]!.length).toBe(200);
  });

  it('a Pico-like controller without DLE keeps 27-octet PDUs', async () => {
    const a = await bench.node({ name: 'a' });
    const pico = await bench.node({ name: 'pico', dataLengthExtension: false, leAclBufferLength: 251 });
    const { centralHandle } = await connect(bench, a, pico);
    expect((await a.host.execute(LeSetDataLength, { connectionHandle: centralHandle, txOctets: 251, txTime: 2120 })).status).toBe(0);
    a.host.sendAcl({ handle: centralHandle, pb: 0, bc: 0, data: l2cap(new Uint8Array(100).fill(5)) });
    await bench.advance(200, 5);
    expect(pico.acl.map((p) => p.data.length)).toEqual([27, 27, 27, 23]);
    expect(reassemble(pico)[0]!.length).toBe(100);
  });
});

async function connectWithLatency(a: TestNode, b: TestNode, latency: number): Promise<number> {
  await startAdvertising(b);
  const params = {
    leScanInterval: 0x0060,
    leScanWindow: 0x0060,
    initiatorFilterPolicy: 0,
    peerAddressType: 0,
    peerAddress: parseAddress(b.address),
    ownAddressType: 0,
    connectionIntervalMin: 8, // 10 ms
    connectionIntervalMax: 8,
    maxLatency: latency,
    supervisionTimeout: 100,
    minCeLength: 0,
    maxCeLength: 0,
  };
  expect((await a.host.execute(LeCreateConnection, params)).status).toBe(0);
  await bench.advance(200, 5);
  return connectionCompletes(a)[0]!.connectionHandle;
}

describe('peripheral latency', () => {
  // Core 5.4 Vol 6 Part B 4.5.1: latency lets an idle peripheral skip events; it does not hold
  // back a central that is streaming: once data flows the peripheral listens at every event.
  it('a central streaming to a peripheral with latency 4 moves data at every event', async () => {
    const a = await bench.node({ name: 'a', ...PICO_W_CONTROLLER });
    const b = await bench.node({ name: 'b', ...PICO_W_CONTROLLER });
    const handle = await connectWithLatency(a, b, 4);
    const connection = bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!;
    expect(connection.params.latency).toBe(4);
    let sent = 0;
    const arrivals: number[] = [];
    for (let i = 0; i < 1000; i++) {
      while (sent - completedPackets(a) < 8) {
        a.host.sendAcl({ handle, pb: 0, bc: 0, data: l2cap(new Uint8Array(23)) });
        sent++;
      }
      const before = b.acl.length;
      await bench.advance(0.5, 0.5);
      if (b.acl.length > before) arrivals.push(bench.clock.now());
    }
    // After the first wake-up, no gap between arrivals longer than one 10 ms interval.
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    expect(arrivals.length).toBeGreaterThan(40);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(10.5);
    // 500 ms at 10 ms = 50 events of 14 exchanges (9,850 us of event: 14 x 676 - 150 = 9,314 us);
    // the first few may be slept through.
    expect(b.acl.length).toBeGreaterThan(45 * 14);
  });

  it('an idle peripheral still sleeps: with nothing to send either way, it skips `latency` events of 5', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await connectWithLatency(a, b, 4);
    const connection = bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!;
    const e0 = connection.events;
    const s0 = connection.eventsSkipped;
    await bench.advance(1000, 5);
    expect((connection.eventsSkipped - s0) / (connection.events - e0)).toBeCloseTo(4 / 5, 1);
    expect(disconnections(a)).toEqual([]);
  });

  it('an idle peripheral sleeps through up to `latency` events, delaying data from the central', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await startAdvertising(b);
    const params = {
      leScanInterval: 0x0060,
      leScanWindow: 0x0060,
      initiatorFilterPolicy: 0,
      peerAddressType: 0,
      peerAddress: parseAddress(b.address),
      ownAddressType: 0,
      connectionIntervalMin: 8, // 10 ms
      connectionIntervalMax: 8,
      maxLatency: 4,
      supervisionTimeout: 100,
      minCeLength: 0,
      maxCeLength: 0,
    };
    expect((await a.host.execute(LeCreateConnection, params)).status).toBe(0);
    await bench.advance(200, 5);
    const handle = connectionCompletes(a)[0]!.connectionHandle;
    const connection = bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!;
    // Over many sends at random phases, the wait reaches well past one interval but never past
    // (latency + 1) intervals; without latency it would stay within one.
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) {
      await bench.advance(3 + ((i * 7) % 11));
      const before = b.acl.length;
      const t0 = bench.clock.now();
      a.host.sendAcl({ handle, pb: 0, bc: 0, data: l2cap(Uint8Array.of(i)) });
      while (b.acl.length === before) await bench.advance(1);
      waits.push(bench.clock.now() - t0);
    }
    expect(Math.max(...waits)).toBeGreaterThan(20);
    expect(Math.max(...waits)).toBeLessThanOrEqual(51);
    expect(connection.params.latency).toBe(4);
    expect(disconnections(a)).toEqual([]);
  });
});
