// LE Set PHY and the PHY Update procedure (Core 5.4 Vol 4 Part E 7.8.47-7.8.49, 7.7.65.12; Vol 6
// Part B 5.1.10): a Command Status, then LE PHY Update Complete; 2M only where both controllers
// have LE 2M PHY (feature bit 8) and both hosts accept it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeReadPhy, LeSetDefaultPhy, LeSetEventMask, LeSetPhy } from '../../../src-main/hci/commands/le-controller.ts';
import * as C from '../../../src-main/hci/constants.ts';
import { CommandStatus } from '../../../src-main/hci/events.ts';
import { LePhyUpdateComplete } from '../../../src-main/hci/le-events.ts';
import { PICO_W_CONTROLLER } from '../../../src-main/radio/controller/options.ts';
import { Bench, connect, eventsOf, type TestNode } from '../harness.ts';

let bench: Bench;
beforeEach(() => {
  bench = new Bench();
});
afterEach(() => bench.close());

/** Unmasks LE PHY Update Complete (subevent 0x0C, LE event mask bit 11) besides what the harness sets. */
async function node(spec: Parameters<Bench['node']>[0]): Promise<TestNode> {
  const n = await bench.node(spec);
  await n.host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xff, 0x09, 0, 0, 0, 0, 0, 0]) });
  return n;
}

const TO_2M = { allPhys: 0, txPhys: C.PHYS_LE_2M, rxPhys: C.PHYS_LE_2M, phyOptions: 0 };
const phys = (n: TestNode) => eventsOf(n, LePhyUpdateComplete).map((e) => [e.status, e.txPhy, e.rxPhy]);
/** Enough for LL_PHY_REQ, LL_PHY_RSP, LL_PHY_UPDATE_IND and the instant, at the harness's 30 ms interval. */
const PROCEDURE_MS = 9 * 30;

describe('LE Set PHY', () => {
  it('is a Command Status command (7.8.49): status 0x00 at once, the outcome later', async () => {
    const a = await node({ name: 'a' });
    const b = await node({ name: 'b' });
    const { centralHandle } = await connect(bench, a, b);
    const before = a.events.length;
    expect((await a.host.execute(LeSetPhy, { connectionHandle: centralHandle, ...TO_2M })).status).toBe(0);
    expect(eventsOf({ ...a, events: a.events.slice(before) }, CommandStatus).map((e) => [e.status, e.commandOpcode])).toEqual([[0, C.HCI_LE_SET_PHY]]);
    expect(phys(a)).toEqual([]);
  });

  it('two laptop adapters move to 2M: both hosts get LE PHY Update Complete, LE Read PHY and the air follow', async () => {
    const a = await node({ name: 'a' });
    const b = await node({ name: 'b' });
    const { centralHandle, peripheralHandle } = await connect(bench, a, b);
    await a.host.execute(LeSetPhy, { connectionHandle: centralHandle, ...TO_2M });
    await bench.advance(PROCEDURE_MS, 5);
    expect(phys(a)).toEqual([[0, 2, 2]]);
    expect(phys(b)).toEqual([[0, 2, 2]]);
    expect(await b.host.command(LeReadPhy, { connectionHandle: peripheralHandle })).toEqual({ connectionHandle: peripheralHandle, txPhy: 2, rxPhy: 2 });
    expect(bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!.phy).toBe('2M');
  });

  it("the peer's host preference (LE Set Default PHY, 7.8.48) keeps its direction at 1M; an unchanged peer hears nothing", async () => {
    const a = await node({ name: 'a' });
    const b = await node({ name: 'b' });
    await b.host.command(LeSetDefaultPhy, { allPhys: 0, txPhys: C.PHYS_LE_1M, rxPhys: C.PHYS_LE_1M });
    const { centralHandle } = await connect(bench, a, b);
    await a.host.execute(LeSetPhy, { connectionHandle: centralHandle, ...TO_2M });
    await bench.advance(PROCEDURE_MS, 5);
    expect(phys(a)).toEqual([[0, 1, 1]]);
    expect(phys(b)).toEqual([]);
    expect(bench.radio.get('a').controller.airConnectionWith(bench.radio.get('b').controller)!.phy).toBe('1M');
  });

  it('with a Pico W peer (no LE 2M PHY) the procedure ends in Unsupported Remote Feature (0x1A) and 1M', async () => {
    const a = await node({ name: 'a' });
    const pico = await node({ ...PICO_W_CONTROLLER, name: 'pico' });
    const { centralHandle } = await connect(bench, a, pico);
    await a.host.execute(LeSetPhy, { connectionHandle: centralHandle, ...TO_2M });
    await bench.advance(PROCEDURE_MS, 5);
    expect(phys(a)).toEqual([[C.HciStatus.UNSUPPORTED_REMOTE_FEATURE, 1, 1]]);
    expect(phys(pico)).toEqual([]);
  });

  it('a Pico W host asking for 2M is refused with Unsupported Feature or Parameter Value (0x11); an empty direction is invalid (0x12)', async () => {
    const pico = await node({ ...PICO_W_CONTROLLER, name: 'pico' });
    const b = await node({ name: 'b' });
    const { centralHandle } = await connect(bench, pico, b);
    expect((await pico.host.execute(LeSetPhy, { connectionHandle: centralHandle, ...TO_2M })).status).toBe(C.HciStatus.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE);
    expect((await pico.host.execute(LeSetDefaultPhy, { allPhys: 0, txPhys: C.PHYS_LE_2M, rxPhys: C.PHYS_LE_1M })).status).toBe(C.HciStatus.UNSUPPORTED_FEATURE_OR_PARAMETER_VALUE);
    expect((await pico.host.execute(LeSetPhy, { connectionHandle: centralHandle, allPhys: 0, txPhys: 0, rxPhys: 1, phyOptions: 0 })).status).toBe(C.HciStatus.INVALID_HCI_COMMAND_PARAMETERS);
    expect((await pico.host.execute(LeSetPhy, { connectionHandle: 0x0eee, ...TO_2M })).status).toBe(C.HciStatus.UNKNOWN_CONNECTION_IDENTIFIER);
  });
});
