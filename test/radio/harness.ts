// Test harness: virtual nodes on a manual clock, each with a raw HCI host in process.
import { ManualClock } from '../../src-main/radio/air/clock.ts';
import { HciChannel } from '../../src-main/host/hci-channel.ts';
import { parseAddress } from '../../src-main/radio/hci/address.ts';
import { ByteReader } from '../../src-main/radio/hci/bytes.ts';
import * as C from '../../src-main/radio/hci/constants.ts';
import * as cmd from '../../src-main/radio/hci/commands.ts';
import type { HciEvent } from '../../src-main/radio/hci/packets.ts';
import { Radio, type NodeSpec } from '../../src-main/radio/radio.ts';

/** Lets queued in-process deliveries (microtasks and immediates) run. */
export async function flush(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export interface TestNode {
  name: string;
  address: string;
  host: HciChannel;
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
    const host = new HciChannel(this.radio.attachInProcess(spec.name));
    const node: TestNode = { name: spec.name, address: n.controller.options.address, host, events: [], acl: [] };
    host.on('event', (e) => node.events.push(e));
    host.on('acl', (a) => node.acl.push({ handle: a.handle, pb: a.pb, data: a.data }));
    await host.command(C.HCI_RESET);
    await host.command(C.HCI_SET_EVENT_MASK, new Uint8Array(8).fill(0xff));
    await host.command(C.HCI_LE_SET_EVENT_MASK, Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]));
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

export function leSubevent(e: HciEvent): number | null {
  return e.code === C.HCI_LE_META ? e.params[0]! : null;
}

export function eventsOf(node: TestNode, code: number, subevent?: number): HciEvent[] {
  return node.events.filter((e) => e.code === code && (subevent === undefined || e.params[0] === subevent));
}

export interface ConnComplete {
  status: number;
  handle: number;
  role: number;
  interval: number;
}
export function connectionCompletes(node: TestNode): ConnComplete[] {
  return eventsOf(node, C.HCI_LE_META, C.HCI_LE_CONNECTION_COMPLETE).map((e) => {
    const r = new ByteReader(e.params.subarray(1));
    const status = r.u8();
    const handle = r.u16();
    const role = r.u8();
    r.u8();
    r.bytesN(6);
    return { status, handle, role, interval: r.u16() };
  });
}

export function disconnections(node: TestNode): { handle: number; reason: number }[] {
  return eventsOf(node, C.HCI_DISCONNECTION_COMPLETE).map((e) => {
    const r = new ByteReader(e.params);
    r.u8();
    return { handle: r.u16(), reason: r.u8() };
  });
}

export async function startAdvertising(node: TestNode, intervalUnits = 0x20, type = C.ADV_IND, data = new Uint8Array([2, 1, 6])): Promise<void> {
  await node.host.command(C.HCI_LE_SET_ADVERTISING_ENABLE, new Uint8Array([0])).catch(() => undefined);
  await node.host.send(
    cmd.encodeAdvertisingParameters({
      intervalMin: intervalUnits,
      intervalMax: intervalUnits,
      advertisingType: type,
      ownAddressType: 0,
      peerAddressType: 0,
      peerAddress: new Uint8Array(6),
      channelMap: 7,
      filterPolicy: 0,
    }),
  );
  await node.host.send(cmd.encodeAdvertisingData(data));
  const r = await node.host.send(cmd.encodeAdvertisingEnable(true));
  if (r.status !== 0) throw new Error(`advertising enable failed: ${C.statusName(r.status)}`);
}

export function createConnection(target: TestNode, intervalUnits = 24, timeoutUnits = 100) {
  return cmd.encodeCreateConnection({
    filterPolicy: 0,
    peerAddressType: 0,
    peerAddress: parseAddress(target.address),
    ownAddressType: 0,
    intervalMin: intervalUnits,
    intervalMax: intervalUnits,
    maxLatency: 0,
    supervisionTimeout: timeoutUnits,
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
  return { centralHandle: c.handle, peripheralHandle: p.handle };
}
