// Test harness: virtual nodes on a manual clock, each with a raw HCI host in process.
import { parseAddress } from '../../src-main/hci/address.ts';
import { ManualClock } from '../../src-main/hci/clock.ts';
import { encodeCommand } from '../../src-main/hci/command.ts';
import { Reset, SetEventMask } from '../../src-main/hci/commands/baseband.ts';
import { advertisingData, LeSetAdvertisingData, LeSetAdvertisingEnable, LeSetAdvertisingParameters } from '../../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnection } from '../../src-main/hci/commands/le-connection.ts';
import { LeSetEventMask } from '../../src-main/hci/commands/le-controller.ts';
import * as C from '../../src-main/hci/constants.ts';
import { asEvent, type EventDef } from '../../src-main/hci/event.ts';
import { DisconnectionComplete } from '../../src-main/hci/events.ts';
import { LeConnectionComplete } from '../../src-main/hci/le-events.ts';
import type { HciCommand, HciEvent } from '../../src-main/hci/packets.ts';
import type { Spec, Value } from '../../src-main/hci/struct.ts';
import { HciClient } from '../../src-main/host/hci-client.ts';
import { Radio, type NodeSpec } from '../../src-main/radio/radio.ts';

/** Lets queued in-process deliveries (microtasks and immediates) run. */
export async function flush(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export interface TestNode {
  name: string;
  address: string;
  host: HciClient;
  events: HciEvent[];
  acl: { handle: number; pb: number; data: Uint8Array }[];
}

export class Bench {
  readonly clock = new ManualClock();
  readonly radio: Radio;
  private seed = 1;

  constructor() {
    // Deterministic randomness: a small LCG keeps runs repeatable.
    this.radio = new Radio({
      clock: this.clock,
      random: () => {
        this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
        return this.seed / 0x80000000;
      },
    });
  }

  async node(spec: NodeSpec & { name: string }): Promise<TestNode> {
    const n = this.radio.addNode(spec);
    const host = new HciClient(this.radio.attachInProcess(spec.name));
    const node: TestNode = { name: spec.name, address: n.controller.options.address, host, events: [], acl: [] };
    host.on('event', (e) => node.events.push(e));
    host.on('acl', (a) => node.acl.push({ handle: a.handle, pb: a.pb, data: a.data }));
    await host.command(Reset);
    await host.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
    await host.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]) });
    return node;
  }

  /** Advances the clock in steps so that hosts can react between link-layer events. */
  async advance(ms: number, stepMs = 1): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      await flush(2);
    }
  }

  close(): void {
    this.radio.close();
  }
}

/** The fields of every `def` event the node's host received, in order. */
export function eventsOf<S extends Spec>(node: TestNode, def: EventDef<string, S>): Value<S>[] {
  return node.events.flatMap((e) => {
    const v = asEvent(e, def);
    return v ? [v] : [];
  });
}

export const connectionCompletes = (node: TestNode) => eventsOf(node, LeConnectionComplete);
export const disconnections = (node: TestNode) => eventsOf(node, DisconnectionComplete);

export async function startAdvertising(node: TestNode, intervalUnits = 0x20, type = C.ADV_IND, data = new Uint8Array([2, 1, 6])): Promise<void> {
  await node.host.execute(LeSetAdvertisingEnable, { advertisingEnable: false });
  await node.host.execute(LeSetAdvertisingParameters, {
    advertisingIntervalMin: intervalUnits,
    advertisingIntervalMax: intervalUnits,
    advertisingType: type,
    ownAddressType: 0,
    peerAddressType: 0,
    peerAddress: new Uint8Array(6),
    advertisingChannelMap: 7,
    advertisingFilterPolicy: 0,
  });
  await node.host.execute(LeSetAdvertisingData, advertisingData(data));
  const r = await node.host.execute(LeSetAdvertisingEnable, { advertisingEnable: true });
  if (!r.ok) throw new Error(`advertising enable failed: ${C.statusName(r.status)}`);
}

/** LE Create Connection to `target` (7.8.12), with scan interval and window 0x0060 and no CE lengths. */
export function createConnection(target: TestNode, intervalUnits = 24, timeoutUnits = 100): HciCommand {
  return encodeCommand(LeCreateConnection, {
    leScanInterval: 0x0060,
    leScanWindow: 0x0060,
    initiatorFilterPolicy: 0,
    peerAddressType: 0,
    peerAddress: parseAddress(target.address),
    ownAddressType: 0,
    connectionIntervalMin: intervalUnits,
    connectionIntervalMax: intervalUnits,
    maxLatency: 0,
    supervisionTimeout: timeoutUnits,
    minCeLength: 0,
    maxCeLength: 0,
  });
}

/** Connects `central` to advertising `peripheral`; returns both handles. */
export async function connect(bench: Bench, central: TestNode, peripheral: TestNode, intervalUnits = 24, timeoutUnits = 100) {
  await startAdvertising(peripheral);
  const st = await central.host.send(createConnection(peripheral, intervalUnits, timeoutUnits));
  if (st.status !== 0) throw new Error(`create connection: ${C.statusName(st.status)}`);
  const before = connectionCompletes(central).length;
  for (let i = 0; i < 200 && connectionCompletes(central).length === before; i++) await bench.advance(5, 5);
  const c = connectionCompletes(central).at(-1)!;
  const p = connectionCompletes(peripheral).at(-1)!;
  if (!c || c.status !== 0) throw new Error('no connection');
  return { centralHandle: c.connectionHandle, peripheralHandle: p.connectionHandle };
}
