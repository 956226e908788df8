// Connection parameters as controllers choose and change them: the interval rule of each model
// (interval-rule.ts), LE Connection Update from the central (Core 5.4 Vol 4 Part E 7.8.18, Vol 6
// Part B 5.1.1) and the Connection Parameters Request procedure from the peripheral (7.8.18,
// 7.7.65.6, 7.8.31, 7.8.32; Vol 6 Part B 5.1.7), with the figures both hosts are told.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src-main/hci/address.ts';
import { encodeCommand } from '../../../src-main/hci/command.ts';
import {
  LeConnectionUpdate,
  LeCreateConnection,
  LeRemoteConnectionParameterRequestNegativeReply,
  LeRemoteConnectionParameterRequestReply,
} from '../../../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../../../src-main/hci/commands/le-controller.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { asEvent } from '../../../src-main/hci/event.ts';
import { LeConnectionComplete, LeConnectionUpdateComplete, LeRemoteConnectionParameterRequest } from '../../../src-main/hci/le-events.ts';
import { encodePacket } from '../../../src-main/hci/packets.ts';
import { chooseInterval, LAPTOP_INTERVAL_RULE, PICO_W_INTERVAL_RULE } from '../../../src-main/radio/controller/interval-rule.ts';
import { LAPTOP_ADAPTER, PICO_W_CONTROLLER } from '../../../src-main/radio/controller/options.ts';
import { Bench, connect, connectionCompletes, eventsOf, startAdvertising, type TestNode } from '../harness.ts';
import { expectHex } from '../../hci/decode-error.ts';

describe('the interval rule (1.25 ms units)', () => {
  it('min, max, preferred (rounded to 1.25 ms and clamped), multiple (largest in range, else max)', () => {
    expect(chooseInterval({ kind: 'min' }, 24, 40)).toBe(24);
    expect(chooseInterval({ kind: 'max' }, 24, 40)).toBe(40);
    expect(chooseInterval({ kind: 'preferred', ms: 37.4 }, 24, 40)).toBe(30); // 37.5 ms
    expect(chooseInterval({ kind: 'preferred', ms: 7.5 }, 24, 40)).toBe(24);
    expect(chooseInterval({ kind: 'preferred', ms: 100 }, 24, 40)).toBe(40);
    expect(chooseInterval({ kind: 'multiple', ms: 3.75 }, 24, 40)).toBe(39); // 48.75 ms
    expect(chooseInterval({ kind: 'multiple', ms: 3.75 }, 6, 18)).toBe(18);
    expect(chooseInterval({ kind: 'multiple', ms: 15 }, 7, 11)).toBe(11); // no multiple of 15 ms in 8.75-13.75 ms
  });

  it('what each model grants the ranges real hosts ask for', () => {
    // BlueZ 30-50 ms -> 48.75 ms, as laptop adapters report in btmon traces (interval-rule.ts).
    expect(chooseInterval(LAPTOP_INTERVAL_RULE, 0x0018, 0x0028)).toBe(0x0027);
    // noble (hci.js createLeConnAfterReset) 7.5-22.5 ms -> 22.5 ms.
    expect(chooseInterval(LAPTOP_INTERVAL_RULE, 0x0006, 0x0012)).toBe(0x0012);
    // BTstack / MicroPython gap_connect 10-30 ms -> 30 ms on a CYW43439.
    expect(chooseInterval(PICO_W_INTERVAL_RULE, 0x0008, 0x0018)).toBe(0x0018);
  });
});

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

/** LE Create Connection to `target` with an interval range, latency and timeout. */
async function createConnection(central: TestNode, target: TestNode, min: number, max: number, latency: number, timeout: number): Promise<void> {
  await startAdvertising(target);
  const r = await central.host.send(
    encodeCommand(LeCreateConnection, {
      leScanInterval: 0x0060,
      leScanWindow: 0x0060,
      initiatorFilterPolicy: 0,
      peerAddressType: 0,
      peerAddress: parseAddress(target.address),
      ownAddressType: 0,
      connectionIntervalMin: min,
      connectionIntervalMax: max,
      maxLatency: latency,
      supervisionTimeout: timeout,
      minCeLength: 0,
      maxCeLength: 0,
    }),
  );
  expect(r.status).toBe(0);
  for (let i = 0; i < 200 && connectionCompletes(central).length === 0; i++) await bench.advance(5, 5);
}

/** The LE Connection Complete the host received, as the H4 packet on the wire. */
function connectionCompleteHex(node: TestNode): Uint8Array {
  const e = node.events.find((x) => asEvent(x, LeConnectionComplete));
  return encodePacket(e!);
}

describe('the interval a central grants (7.7.65.1 LE Connection Complete, golden hex)', () => {
  it('a laptop adapter asked 30-50 ms by BlueZ reports 48.75 ms (0x0027) to both hosts', async () => {
    const a = await bench.node({ name: 'a', address: 'C0:00:00:00:00:0A' });
    const b = await bench.node({ name: 'b', address: 'C0:00:00:00:00:0B' });
    await createConnection(a, b, 0x0018, 0x0028, 0, 0x002a);
    // 04 3e 13 | 01 status 00 handle 0040 role 00 (central) type 00 peer 0b..c0 | interval 0027 latency 0000 timeout 002a | CCA 00
    expectHex(connectionCompleteHex(a), '04 3e 13 01 00 40 00 00 00 0b 00 00 00 00 c0 27 00 00 00 2a 00 00');
    expectHex(connectionCompleteHex(b), '04 3e 13 01 00 40 00 01 00 0a 00 00 00 00 c0 27 00 00 00 2a 00 00');
    expect(bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!.intervalMs).toBe(48.75);
  });

  it("a Pico W central asked BTstack's 10-30 ms, latency 4, 720 ms reports 30 ms (0x0018)", async () => {
    const pico = await bench.node({ ...PICO_W_CONTROLLER, name: 'pico', address: 'C0:00:00:00:00:0C' });
    const b = await bench.node({ name: 'b', address: 'C0:00:00:00:00:0B' });
    await createConnection(pico, b, 0x0008, 0x0018, 4, 0x0048);
    expectHex(connectionCompleteHex(pico), '04 3e 13 01 00 40 00 00 00 0b 00 00 00 00 c0 18 00 04 00 48 00 00');
  });

  it('a node set to the minimum rule takes Conn_Interval_Min', async () => {
    const a = await bench.node({ name: 'a', address: 'C0:00:00:00:00:0A', connectionIntervalRule: { kind: 'min' } });
    const b = await bench.node({ name: 'b', address: 'C0:00:00:00:00:0B' });
    await createConnection(a, b, 0x0018, 0x0028, 0, 0x002a);
    expect(connectionCompletes(a)[0]!.connectionInterval).toBe(0x0018);
  });
});

describe('updates from the central (7.8.18)', () => {
  it("the central's rule picks within the new range; both hosts get LE Connection Update Complete at the instant", async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    const r = await a.host.execute(LeConnectionUpdate, {
      connectionHandle: centralHandle,
      connectionIntervalMin: 6,
      connectionIntervalMax: 12,
      maxLatency: 0,
      supervisionTimeout: 100,
      minCeLength: 0,
      maxCeLength: 0,
    });
    expect(r.status).toBe(0);
    await bench.advance(8 * 30, 5);
    for (const n of [a, b]) expect(eventsOf(n, LeConnectionUpdateComplete).map((e) => [e.status, e.connectionInterval, e.peripheralLatency, e.supervisionTimeout])).toEqual([[0, 12, 0, 100]]);
  });
});

describe('updates the peripheral asks for: the Connection Parameters Request procedure (Vol 6 Part B 5.1.7)', () => {
  const ASK = { connectionIntervalMin: 6, connectionIntervalMax: 12, maxLatency: 0, supervisionTimeout: 100, minCeLength: 0, maxCeLength: 0 };

  it("the central's host is asked (7.7.65.6), replies (7.8.31), and both controllers report the new parameters", async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle, peripheralHandle } = await connect(bench, a, b);
    expect((await b.host.execute(LeConnectionUpdate, { connectionHandle: peripheralHandle, ...ASK })).status).toBe(0);
    await bench.advance(2 * 30, 5);
    expect(eventsOf(a, LeRemoteConnectionParameterRequest)).toEqual([{ connectionHandle: centralHandle, intervalMin: 6, intervalMax: 12, maxLatency: 0, timeout: 100 }]);
    expect(eventsOf(b, LeConnectionUpdateComplete)).toEqual([]);
    const reply = await a.host.execute(LeRemoteConnectionParameterRequestReply, { connectionHandle: centralHandle, ...ASK });
    expect(reply).toEqual({ ok: true, status: 0, returns: { connectionHandle: centralHandle } });
    await bench.advance(8 * 30, 5);
    const figures = (n: TestNode) => eventsOf(n, LeConnectionUpdateComplete).map((e) => [e.status, e.connectionInterval, e.peripheralLatency, e.supervisionTimeout]);
    expect(figures(a)).toEqual([[0, 12, 0, 100]]);
    expect(figures(b)).toEqual([[0, 12, 0, 100]]);
    expect(bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!.intervalMs).toBe(15);
  });

  it("a negative reply (7.8.32) reaches the peripheral's host as the status of LE Connection Update Complete", async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle, peripheralHandle } = await connect(bench, a, b);
    await b.host.execute(LeConnectionUpdate, { connectionHandle: peripheralHandle, ...ASK });
    await bench.advance(2 * 30, 5);
    const r = await a.host.execute(LeRemoteConnectionParameterRequestNegativeReply, { connectionHandle: centralHandle, reason: C.HciStatus.UNACCEPTABLE_CONNECTION_PARAMETERS });
    expect(r.status).toBe(0);
    await bench.advance(2 * 30, 5);
    expect(eventsOf(b, LeConnectionUpdateComplete).map((e) => [e.status, e.connectionInterval])).toEqual([[0x3b, 24]]);
    expect(eventsOf(a, LeConnectionUpdateComplete)).toEqual([]);
    // Nothing is waiting any more: a second reply is refused.
    expect((await a.host.execute(LeRemoteConnectionParameterRequestNegativeReply, { connectionHandle: centralHandle, reason: 0x3b })).status).toBe(C.HciStatus.COMMAND_DISALLOWED);
  });

  it('a central host that masked the request event gets nothing; the controller rejects with Unsupported Remote Feature', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    await a.host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0x1f, 0, 0, 0, 0, 0, 0, 0]) });
    const { peripheralHandle } = await connect(bench, a, b);
    await b.host.execute(LeConnectionUpdate, { connectionHandle: peripheralHandle, ...ASK });
    await bench.advance(4 * 30, 5);
    expect(eventsOf(a, LeRemoteConnectionParameterRequest)).toEqual([]);
    expect(eventsOf(b, LeConnectionUpdateComplete).map((e) => e.status)).toEqual([C.HciStatus.UNSUPPORTED_REMOTE_FEATURE]);
  });

  it('without the procedure: a Pico W peripheral is refused (Command Disallowed); a Pico W central answers LL_UNKNOWN_RSP (0x1A)', async () => {
    const laptop = await bench.node({ name: 'laptop' });
    const pico = await bench.node({ ...PICO_W_CONTROLLER, name: 'pico' });
    const { peripheralHandle } = await connect(bench, laptop, pico);
    expect((await pico.host.execute(LeConnectionUpdate, { connectionHandle: peripheralHandle, ...ASK })).status).toBe(C.HciStatus.COMMAND_DISALLOWED);

    const central = await bench.node({ ...PICO_W_CONTROLLER, name: 'central' });
    const peripheral = await bench.node({ ...LAPTOP_ADAPTER, name: 'peripheral' });
    const h = await connect(bench, central, peripheral);
    expect((await peripheral.host.execute(LeConnectionUpdate, { connectionHandle: h.peripheralHandle, ...ASK })).status).toBe(0);
    await bench.advance(4 * 30, 5);
    expect(eventsOf(peripheral, LeConnectionUpdateComplete).map((e) => e.status)).toEqual([C.HciStatus.UNSUPPORTED_REMOTE_FEATURE]);
    expect(eventsOf(central, LeRemoteConnectionParameterRequest)).toEqual([]);
  });
});
