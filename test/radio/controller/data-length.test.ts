// Data length extension as each model supports it (Core 5.4 Vol 4 Part E 7.8.33-7.8.35, 7.8.46,
// 7.7.65.7; Vol 6 Part B 4.5.10, 5.1.9): each direction runs at the smaller of what its sender's
// host wants and what its receiver's controller can take, both hosts are told, and the PDUs follow.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LeReadMaximumDataLength,
  LeReadSuggestedDefaultDataLength,
  LeSetDataLength,
  LeWriteSuggestedDefaultDataLength,
} from '../../../src-main/hci/commands/le-controller.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { encodeL2cap } from '../../../src-main/hci/l2cap-frame.ts';
import { LeDataLengthChange } from '../../../src-main/hci/le-events.ts';
import { octetsWithin } from '../../../src-main/radio/controller/data-length.ts';
import { PICO_W_CONTROLLER } from '../../../src-main/radio/controller/options.ts';
import { Bench, connect, eventsOf, type TestNode } from '../harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

/** LL_LENGTH_REQ and LL_LENGTH_RSP at the harness's 30 ms interval, and a little more. */
const ROUND_TRIP_MS = 2 * 30 + 5;
const changes = (n: TestNode) => eventsOf(n, LeDataLengthChange).map((e) => [e.maxTxOctets, e.maxTxTime, e.maxRxOctets, e.maxRxTime]);
const air = (a: string, b: string) => bench.radio.get(a).controller.airConnectionWith(bench.radio.get(b).controller)!;

describe('what a controller says about data length', () => {
  it('a laptop adapter: maximum 251 octets / 2120 us each way (7.8.46); the suggested default starts at 27 / 328 and keeps what the host writes (7.8.34, 7.8.35)', async () => {
    const a = await bench.node({ name: 'a' });
    expect(await a.host.command(LeReadMaximumDataLength)).toEqual({ supportedMaxTxOctets: 251, supportedMaxTxTime: 2120, supportedMaxRxOctets: 251, supportedMaxRxTime: 2120 });
    expect(await a.host.command(LeReadSuggestedDefaultDataLength)).toEqual({ suggestedMaxTxOctets: 27, suggestedMaxTxTime: 328 });
    await a.host.command(LeWriteSuggestedDefaultDataLength, { suggestedMaxTxOctets: 251, suggestedMaxTxTime: 2120 });
    expect(await a.host.command(LeReadSuggestedDefaultDataLength)).toEqual({ suggestedMaxTxOctets: 251, suggestedMaxTxTime: 2120 });
    expect((await a.host.execute(LeWriteSuggestedDefaultDataLength, { suggestedMaxTxOctets: 252, suggestedMaxTxTime: 2120 })).status).toBe(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
  });

  it('a Pico W model (dataLengthExtension false) does not know the commands', async () => {
    const pico = await bench.node({ ...PICO_W_CONTROLLER, name: 'pico' });
    expect((await pico.host.execute(LeReadMaximumDataLength)).status).toBe(C.HciStatus.UNKNOWN_HCI_COMMAND);
  });

  it('the time a PDU may take limits its octets: 328 us allows 27 on 1M and 67 on 2M; 2120 us allows 251', () => {
    expect(octetsWithin(328, '1M')).toBe(27);
    expect(octetsWithin(328, '2M')).toBe(67);
    expect(octetsWithin(2120, '1M')).toBe(251);
  });
});

describe('the Data Length Update procedure', () => {
  it('one side asks for 251: each direction is the minimum of both sides (4.5.10); both hosts get the figures from their own side', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    await a.host.command(LeSetDataLength, { connectionHandle: centralHandle, txOctets: 251, txTime: 2120 });
    expect(changes(a)).toEqual([]);
    await bench.advance(ROUND_TRIP_MS, 5);
    // a sends 251 (b can receive 251); b still wants to send only its default 27.
    expect(changes(a)).toEqual([[251, 2120, 27, 328]]);
    expect(changes(b)).toEqual([[27, 328, 251, 2120]]);
    expect([air('a', 'b').central.txOctets, air('a', 'b').peripheral.txOctets]).toEqual([251, 27]);
  });

  it('a host suggesting 251 before connecting gets it without asking: its controller starts the procedure', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    for (const n of [a, b]) await n.host.command(LeWriteSuggestedDefaultDataLength, { suggestedMaxTxOctets: 251, suggestedMaxTxTime: 2120 });
    await connect(bench, a, b);
    await bench.advance(ROUND_TRIP_MS, 5);
    expect(changes(a).at(-1)).toEqual([251, 2120, 251, 2120]);
    expect(changes(b).at(-1)).toEqual([251, 2120, 251, 2120]);
    a.host.sendAcl({ handle: eventsOf(a, LeDataLengthChange)[0]!.connectionHandle, pb: 0, bc: 0, data: encodeL2cap({ cid: 4, payload: new Uint8Array(240) }) });
    await bench.advance(100, 5);
    expect(b.acl.map((p) => p.data.length)).toEqual([244]);
  });

  it('a host that keeps the time at 328 us gets 251 octets in the event but 27-octet PDUs on 1M (the CYW43439 DLE bug, pico-sdk issue 1465)', async () => {
    const a = await bench.node({ name: 'a' });
    const b = await bench.node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    await a.host.command(LeSetDataLength, { connectionHandle: centralHandle, txOctets: 251, txTime: 328 });
    await bench.advance(ROUND_TRIP_MS, 5);
    expect(changes(a)).toEqual([[251, 328, 27, 328]]);
    expect(air('a', 'b').central.txOctets).toBe(27);
  });

  it('a peer without DLE answers LL_UNKNOWN_RSP: nothing changes and neither host is told', async () => {
    const a = await bench.node({ name: 'a' });
    const pico = await bench.node({ ...PICO_W_CONTROLLER, name: 'pico' });
    const { centralHandle } = await connect(bench, a, pico);
    await a.host.command(LeSetDataLength, { connectionHandle: centralHandle, txOctets: 251, txTime: 2120 });
    await bench.advance(ROUND_TRIP_MS, 5);
    expect(changes(a)).toEqual([]);
    expect(changes(pico)).toEqual([]);
    expect(air('a', 'pico').central.txOctets).toBe(27);
  });
});
