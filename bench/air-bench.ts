// npm run bench:air: what the virtual air carries, beside the physical limit and real hardware.
//  1. Throughput: a raw HCI host pair (in process, real clock) sends ATT Write Commands of MTU-3
//     octets back to back, flow-controlled by Number Of Completed Packets (Core 5.4 Vol 4 Part E
//     4.1.1), per setup (controller models), connection interval, PHY and ATT MTU; each row beside
//     hci/airtime linkCapacity() and, where one is published, a hardware figure.
//  2. ATT round trip (Read Request -> Read Response) p50/p99 in connection intervals, idle and
//     while the central streams writes.
//  3. [helper C] two virtual Picos running a write-without-response loop in MicroPython.
// The radio runs on the real clock, so the figures include this process's event loop.
import { parseAddress } from '../src-main/hci/address.ts';
import { type Phy, linkCapacity } from '../src-main/hci/airtime.ts';
import { Reset, SetEventMask } from '../src-main/hci/commands/baseband.ts';
import { advertisingData, LeSetAdvertisingData, LeSetAdvertisingEnable, LeSetAdvertisingParameters } from '../src-main/hci/commands/le-advertising.ts';
import { LeCreateConnection } from '../src-main/hci/commands/le-connection.ts';
import { LeSetDataLength, LeSetEventMask } from '../src-main/hci/commands/le-controller.ts';
import * as C from '../src-main/hci/constants.ts';
import { asEvent } from '../src-main/hci/event.ts';
import { NumberOfCompletedPackets } from '../src-main/hci/events.ts';
import { encodeL2cap } from '../src-main/hci/l2cap-frame.ts';
import { LeConnectionComplete, LeDataLengthChange } from '../src-main/hci/le-events.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostEnd } from '../src-main/hci/host-end.ts';
import { HciClient } from '../src-main/host/hci-client.ts';
import { openPtyHost } from '../src-main/radio/transport/pty-host.ts';
import { LAPTOP_ADAPTER, PICO_W_CONTROLLER, type ControllerOptions } from '../src-main/radio/controller/options.ts';
import { VirtualPico } from '../src-main/pico/board.ts';
import { Radio } from '../src-main/radio/radio.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ManualClock } from '../src-main/hci/clock.ts';
import { AirConnection, type ConnectionPeer } from '../src-main/radio/air/air-connection.ts';
import { percentile } from './percentile.ts';
import { waitConsole } from '../test/pico/console.ts';

type Model = Omit<ControllerOptions, 'name' | 'address' | 'position'>;

const ATT_CID = 0x0004; // Core 5.4 Vol 3 Part A 2.1
const ATT_WRITE_CMD = 0x52; // Vol 3 Part F 3.4.5.3
const ATT_READ_REQ = 0x0a; // Vol 3 Part F 3.4.4.3
const ATT_READ_RSP = 0x0b; // Vol 3 Part F 3.4.4.4
const VALUE_HANDLE = 0x0010;

const MEASURE_MS = Number(process.env.AIR_BENCH_MS ?? 1000);
const WARMUP_MS = 250;
const RTT_SAMPLES = Number(process.env.AIR_BENCH_RTT ?? 30);
/** Run only the setups whose label contains this, and only the throughput table (quick checks). */
const ONLY = process.env.AIR_BENCH_ONLY;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Setup {
  label: string;
  central: Model;
  peripheral: Model;

  /** Published hardware figure: [interval ms, MTU, bytes/s, source]. */
  published?: [number, number, number, string][];
}

const SETUPS: Setup[] = [
  {
    label: 'Pico W <-> Pico W',
    central: PICO_W_CONTROLLER,
    peripheral: PICO_W_CONTROLLER,
    // MicroPython tests/multi_bluetooth/perf_gatt_char_write.py: MTU 131, plain gap_connect, so
    // BTstack's 10-30 ms (the CYW43439 takes 30 ms, interval-rule.ts) and latency 4; dpgeorge, in
    // raspberrypi/pico-sdk issue 2625: "up to about 36500 bytes/second" Pico 2 W <-> Pico 2 W.
    published: [[30, 131, 36_500, 'pico-sdk#2625']],
  },
  { label: 'laptop -> Pico W', central: LAPTOP_ADAPTER, peripheral: PICO_W_CONTROLLER },
  { label: 'laptop <-> laptop', central: LAPTOP_ADAPTER, peripheral: LAPTOP_ADAPTER },
];
/** 2M only where both models have it (ControllerOptions.le2mPhy). */
const physOf = (s: Setup): Phy[] => (s.central.le2mPhy && s.peripheral.le2mPhy ? ['1M', '2M'] : ['1M']);
const INTERVAL_UNITS = [6, 12, 24]; // 7.5, 15, 30 ms
const MTUS = [23, 131, 247, 517];

/** One raw host: HCI commands, ACL out with Number Of Completed Packets flow control, ATT frames in. */
class RawHost {
  readonly hci: HciClient;
  handle = -1;
  freeBuffers: number;
  framesIn = 0;
  private rxLeft = 0;
  private rxHead: number[] = [];
  private readonly outbox: { data: Uint8Array; first: boolean }[] = [];
  onFrame: ((payload0: number) => void) | null = null;

  constructor(
    radio: Radio,
    readonly name: string,
    readonly model: Model,
    end?: HostEnd,
  ) {
    this.hci = new HciClient(end ?? radio.attachInProcess(name));
    this.freeBuffers = model.leAclBufferCount;
    this.hci.on('event', (e) => {
      const done = asEvent(e, NumberOfCompletedPackets);
      if (!done) return;
      for (const h of done.handles) this.freeBuffers += h.numCompletedPackets;
      this.pump();
    });
    this.hci.on('acl', (a) => this.receive(a.pb, a.data));
  }

  async init(): Promise<void> {
    await this.hci.command(Reset);
    await this.hci.command(SetEventMask, { eventMask: new Uint8Array(8).fill(0xff) });
    await this.hci.command(LeSetEventMask, { leEventMask: Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]) });
  }

  /** Counts complete L2CAP frames; tells `onFrame` the first payload octet (the ATT opcode). */
  private receive(pb: number, data: Uint8Array): void {
    if (pb !== C.PB_CONTINUING) {
      this.rxHead = [];
      this.rxLeft = 0;
    }
    if (this.rxHead.length < 5) {
      for (const b of data.subarray(0, 5 - this.rxHead.length)) this.rxHead.push(b);
      if (pb !== C.PB_CONTINUING && this.rxHead.length >= 2) this.rxLeft = this.rxHead[0]! + (this.rxHead[1]! << 8) + 4;
    }
    this.rxLeft -= data.length;
    if (this.rxLeft <= 0 && this.rxHead.length >= 5) {
      this.framesIn++;
      this.onFrame?.(this.rxHead[4]!);
    }
  }

  /** Queues one L2CAP frame on the ATT channel, in ACL packets of the controller's buffer size. */
  sendAtt(payload: Uint8Array): void {
    const frame = encodeL2cap({ cid: ATT_CID, payload });
    const size = this.model.leAclBufferLength;
    for (let at = 0; at < frame.length; at += size) this.outbox.push({ data: frame.subarray(at, at + size), first: at === 0 });
    this.pump();
  }

  get queued(): number {
    return this.outbox.length;
  }

  private pump(): void {
    while (this.freeBuffers > 0 && this.outbox.length > 0) {
      const { data, first } = this.outbox.shift()!;
      this.freeBuffers--;
      this.hci.sendAcl({ handle: this.handle, pb: first ? C.PB_FIRST_NON_FLUSHABLE : C.PB_CONTINUING, bc: 0, data });
    }
  }

  close(): void {
    this.hci.close();
  }
}

interface Pair {
  radio: Radio;
  central: RawHost;
  peripheral: RawHost;
  intervalMs: number;
  txOctets: number;
  maxEventUs: number;
  close(): void;
}

/** In process, or H4 through the kernel's pseudo-terminals as a UART host (noble, BTstack's unix port) sees it. */
type Transport = 'in-process' | 'pty';

async function connectPair(setup: Setup, intervalUnits: number, phy: Phy, transport: Transport = 'in-process'): Promise<Pair> {
  const radio = new Radio();
  radio.addNode({ ...setup.central, name: 'central' });
  const pNode = radio.addNode({ ...setup.peripheral, name: 'peripheral' });
  const dir = transport === 'pty' ? mkdtempSync(path.join(tmpdir(), 'picolink-air-bench-')) : null;
  const endFor = (name: string): HostEnd | undefined => {
    if (!dir) return undefined;
    const link = path.join(dir, name);
    radio.attachPty(name, link);
    return openPtyHost(link);
  };
  const central = new RawHost(radio, 'central', setup.central, endFor('central'));
  const peripheral = new RawHost(radio, 'peripheral', setup.peripheral, endFor('peripheral'));
  const close = (): void => {
    central.close();
    peripheral.close();
    radio.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await central.init();
    await peripheral.init();
    await peripheral.hci.execute(LeSetAdvertisingParameters, {
      advertisingIntervalMin: 0x20,
      advertisingIntervalMax: 0x20,
      advertisingType: C.ADV_IND,
      ownAddressType: 0,
      peerAddressType: 0,
      peerAddress: new Uint8Array(6),
      advertisingChannelMap: 7,
      advertisingFilterPolicy: 0,
    });
    await peripheral.hci.execute(LeSetAdvertisingData, advertisingData(Uint8Array.of(2, 1, 6)));
    await peripheral.hci.execute(LeSetAdvertisingEnable, { advertisingEnable: true });
    const cDone = central.hci.waitForEvent(LeConnectionComplete, () => true, 5000);
    const pDone = peripheral.hci.waitForEvent(LeConnectionComplete, () => true, 5000);
    await central.hci.command(LeCreateConnection, {
      leScanInterval: 0x0060,
      leScanWindow: 0x0060,
      initiatorFilterPolicy: 0,
      peerAddressType: 0,
      peerAddress: parseAddress(pNode.controller.options.address),
      ownAddressType: 0,
      connectionIntervalMin: intervalUnits,
      connectionIntervalMax: intervalUnits,
      maxLatency: 0,
      supervisionTimeout: 200,
      minCeLength: 0,
      maxCeLength: 0,
    });
    central.handle = (await cDone).connectionHandle;
    peripheral.handle = (await pDone).connectionHandle;
    const air = radio.get('central').controller.airConnectionWith(pNode.controller)!;
    let txOctets = C.LL_DEFAULT_DATA_OCTETS;
    if (setup.central.dataLengthExtension && setup.peripheral.dataLengthExtension) {
      const changed = central.hci.waitForEvent(LeDataLengthChange, () => true, 2000);
      await central.hci.command(LeSetDataLength, { connectionHandle: central.handle, txOctets: C.LL_MAX_DATA_OCTETS, txTime: 17040 });
      txOctets = (await changed).maxTxOctets;
    }
    // Set directly on the air connection: LE Set PHY / PHY Update (helper A2) replaces this.
    air.phy = phy;
    return { radio, central, peripheral, intervalMs: intervalUnits * C.CONN_INTERVAL_UNIT_MS, txOctets, maxEventUs: air.maxEventUs, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** ATT Write Commands back to back from the central; value octets per second the peripheral got. */
async function throughput(pair: Pair, mtu: number): Promise<number> {
  const { central, peripheral } = pair;
  const value = new Uint8Array(mtu);
  value[0] = ATT_WRITE_CMD;
  value[1] = VALUE_HANDLE & 0xff;
  value[2] = VALUE_HANDLE >> 8;
  const aclPerFrame = Math.ceil((mtu + 4) / central.model.leAclBufferLength);
  // Keep the host's queue a little ahead of the controller's buffers, as a busy sender does.
  let running = true;
  const feed = (): void => {
    while (running && central.queued < aclPerFrame * 2 + central.model.leAclBufferCount) central.sendAtt(value);
  };
  const timer = setInterval(feed, 1);
  feed();
  central.hci.on('event', feed);
  await sleep(WARMUP_MS);
  const f0 = peripheral.framesIn;
  const t0 = performance.now();
  await sleep(MEASURE_MS);
  const f1 = peripheral.framesIn;
  const t1 = performance.now();
  running = false;
  clearInterval(timer);
  central.hci.off('event', feed);
  // Let the pipe drain before the next measurement on this connection.
  for (let i = 0; i < 200 && central.queued > 0; i++) await sleep(5);
  await sleep(pair.intervalMs * 3);
  return ((f1 - f0) * (mtu - 3) * 1000) / (t1 - t0);
}

/** Read Request -> Read Response round trips, in connection intervals; `load` streams writes meanwhile. */
async function roundTrips(pair: Pair, load: boolean): Promise<number[]> {
  const { central, peripheral } = pair;
  peripheral.onFrame = (op) => {
    if (op === ATT_READ_REQ) peripheral.sendAtt(Uint8Array.of(ATT_READ_RSP, 0x2a));
  };
  let running = load;
  const write = new Uint8Array(247);
  write[0] = ATT_WRITE_CMD;
  write[1] = VALUE_HANDLE & 0xff;
  // The load waits in the controller's ACL buffers only: the host queues nothing of its own.
  const feed = (): void => {
    while (running && central.queued === 0 && central.freeBuffers > 0) central.sendAtt(write);
  };
  const timer = load ? setInterval(feed, 1) : null;
  if (load) central.hci.on('event', feed);
  feed();
  const rtts: number[] = [];
  try {
    for (let i = 0; i < RTT_SAMPLES; i++) {
      await sleep(Math.random() * pair.intervalMs);
      const t0 = performance.now();
      const got = new Promise<void>((resolve, reject) => {
        const to = setTimeout(() => reject(new Error('no Read Response in 3 s')), 3000);
        central.onFrame = (op) => {
          if (op !== ATT_READ_RSP) return;
          clearTimeout(to);
          resolve();
        };
      });
      central.sendAtt(Uint8Array.of(ATT_READ_REQ, VALUE_HANDLE & 0xff, VALUE_HANDLE >> 8));
      await got;
      rtts.push((performance.now() - t0) / pair.intervalMs);
    }
  } finally {
    running = false;
    if (timer) clearInterval(timer);
    central.hci.off('event', feed);
    central.onFrame = null;
    peripheral.onFrame = null;
  }
  return rtts.sort((a, b) => a - b);
}

const kB = (n: number): string => (n / 1000).toFixed(1).padStart(6);

async function throughputTable(): Promise<void> {
  console.log('Throughput: ATT Write Command back to back, raw HCI hosts in process, real clock');
  console.log(`(measured over ${MEASURE_MS} ms after ${WARMUP_MS} ms; kB = 1000 bytes of ATT value)`);
  console.log('setup               interval  PHY  LL octets  MTU   virtual   limit   virtual/limit  hardware');
  for (const setup of SETUPS.filter((s) => !ONLY || s.label.includes(ONLY))) {
    for (const units of INTERVAL_UNITS) {
      for (const phy of physOf(setup)) {
        const pair = await connectPair(setup, units, phy);
        try {
          for (const mtu of MTUS) {
            const got = await throughput(pair, mtu);
            const limit = linkCapacity({ phy, intervalMs: pair.intervalMs, maxTxOctets: pair.txOctets, attMtu: mtu, maxEventUs: pair.maxEventUs, op: 'write-without-response' });
            const hw = setup.published?.find(([iv, m]) => iv === pair.intervalMs && m === mtu);
            console.log(
              `${setup.label.padEnd(19)} ${pair.intervalMs.toFixed(1).padStart(5)} ms  ${phy.padEnd(3)}  ${String(pair.txOctets).padStart(6)}    ${String(mtu).padStart(4)}  ${kB(got)} kB/s ${kB(limit.applicationBytesPerSecond)} kB/s ${(got / limit.applicationBytesPerSecond).toFixed(2).padStart(8)}      ${hw ? `${kB(hw[2])} kB/s (${hw[3]})` : '-'}`,
            );
          }
        } finally {
          pair.close();
        }
      }
    }
  }
  console.log('2M rows only where both models have LE 2M (ControllerOptions.le2mPhy); the bench sets the PHY on the air');
  console.log('connection directly rather than through LE Set PHY. limit = hci/airtime linkCapacity() with the');
  console.log("connection's LL octets and event length.");
}

/** The issue's own setup: a raw host pair on ptys, Pico W models, 7.5 ms, as the table in README compares. */
async function ptyTable(): Promise<void> {
  console.log('');
  console.log('Throughput over ptys: the same raw hosts, H4 through pseudo-terminals (as noble or BTstack on a UART sees the radio)');
  console.log('setup               interval  PHY  LL octets  MTU   virtual   limit   virtual/limit  hardware');
  const setup = SETUPS[0]!;
  for (const units of [6, 24]) {
    const pair = await connectPair(setup, units, '1M', 'pty');
    try {
      for (const mtu of [23, 131, 247]) {
        const got = await throughput(pair, mtu);
        const limit = linkCapacity({ phy: '1M', intervalMs: pair.intervalMs, maxTxOctets: pair.txOctets, attMtu: mtu, maxEventUs: pair.maxEventUs, op: 'write-without-response' });
        const hw = setup.published?.find(([iv, m]) => iv === pair.intervalMs && m === mtu);
        console.log(
          `${setup.label.padEnd(19)} ${pair.intervalMs.toFixed(1).padStart(5)} ms  1M   ${String(pair.txOctets).padStart(6)}    ${String(mtu).padStart(4)}  ${kB(got)} kB/s ${kB(limit.applicationBytesPerSecond)} kB/s ${(got / limit.applicationBytesPerSecond).toFixed(2).padStart(8)}      ${hw ? `${kB(hw[2])} kB/s (${hw[3]})` : '-'}`,
        );
      }
    } finally {
      pair.close();
    }
  }
}

async function rttTable(): Promise<void> {
  console.log('');
  console.log(`ATT round trip (Read Request -> Read Response), ${RTT_SAMPLES} samples at random phases, in connection intervals`);
  console.log('setup               interval   idle p50  idle p99   loaded p50  loaded p99   (loaded: central streaming 247-octet writes)');
  for (const setup of SETUPS) {
    for (const units of INTERVAL_UNITS) {
      const pair = await connectPair(setup, units, '1M');
      try {
        const idle = await roundTrips(pair, false);
        const loaded = await roundTrips(pair, true);
        const f = (n: number): string => n.toFixed(2).padStart(8);
        console.log(
          `${setup.label.padEnd(19)} ${pair.intervalMs.toFixed(1).padStart(5)} ms  ${f(percentile(idle, 50))}  ${f(percentile(idle, 99))}    ${f(percentile(loaded, 50))}    ${f(percentile(loaded, 99))}`,
        );
      } finally {
        pair.close();
      }
    }
  }
}

/** CPU and event-loop cost of many connections streaming at once (every event full). */
async function loadTable(): Promise<void> {
  const PAIRS = 16;
  const setup = SETUPS[0]!; // Pico W <-> Pico W: 27-octet PDUs, 11 exchanges per 7.5 ms event
  console.log('');
  console.log(`Cost: ${PAIRS} connections (${setup.label}, 7.5 ms, 1M) streaming MTU 247 writes at once, in this process`);
  const pairs: Pair[] = [];
  const stops: (() => void)[] = [];
  try {
    for (let i = 0; i < PAIRS; i++) pairs.push(await connectPair(setup, 6, '1M'));
    const value = new Uint8Array(247);
    value[0] = ATT_WRITE_CMD;
    for (const pair of pairs) {
      const c = pair.central;
      const feed = (): void => {
        while (c.queued < 20) c.sendAtt(value);
      };
      c.hci.on('event', feed);
      const t = setInterval(feed, 1);
      feed();
      stops.push(() => {
        clearInterval(t);
        c.hci.off('event', feed);
      });
    }
    await sleep(WARMUP_MS);
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const f0 = pairs.map((p) => p.peripheral.framesIn);
    const e0 = pairs.map((p) => p.radio.air.allConnections()[0]!.events);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(MEASURE_MS * 2);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    lag.disable();
    const rates = pairs.map((p, i) => ((p.peripheral.framesIn - f0[i]!) * 244 * 1000) / ms);
    const events = pairs.map((p, i) => p.radio.air.allConnections()[0]!.events - e0[i]!);
    const limit = linkCapacity({ phy: '1M', intervalMs: 7.5, maxTxOctets: 27, attMtu: 247, maxEventUs: pairs[0]!.maxEventUs, op: 'write-without-response' });
    console.log(
      `per connection: ${kB(Math.min(...rates))} .. ${kB(Math.max(...rates))} kB/s (limit ${kB(limit.applicationBytesPerSecond)}); events run ${Math.min(...events)} .. ${Math.max(...events)} of ${Math.round(ms / 7.5)} due`,
    );
    console.log(
      `process CPU ${(((cpu.user + cpu.system) / 1000 / ms) * 100).toFixed(0)}% of one core (hosts and radio together); event-loop delay p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`,
    );
  } finally {
    for (const s of stops) s();
    for (const p of pairs) p.close();
  }
}

/**
 * The link layer alone: 16 air connections on a manual clock, each peer refilling its queue with
 * 27-octet PDUs as they are acknowledged (no HCI, no hosts), every 7.5 ms event full.
 */
function linkLayerCost(): void {
  const CONNECTIONS = 16;
  const SECONDS = 10;
  const clock = new ManualClock();
  const peers: ConnectionPeer[] = [];
  const connections: AirConnection[] = [];
  const pdu = new Uint8Array(27);
  const refill = (c: AirConnection, from: ConnectionPeer): void => {
    while (c.central.queue.length < 12) c.send(from, { llid: 'start', data: pdu });
  };
  for (let i = 0; i < CONNECTIONS; i++) {
    const mk = (id: string): ConnectionPeer => ({
      id,
      inConnection: () => true,
      receivePdu: () => undefined,
      eventDone: (c) => (c.central.peer.id === id ? refill(c, c.central.peer) : undefined),
      connectionClosed: () => undefined,
      connectionUpdated: () => undefined,
    });
    const central = mk(`c${i}`);
    const peripheral = mk(`p${i}`);
    peers.push(central, peripheral);
    const c = new AirConnection(
      { clock, random: Math.random, received: () => true, onClosed: () => undefined },
      central,
      peripheral,
      { interval: 6, latency: 0, supervisionTimeout: 100 },
      PICO_W_CONTROLLER.maxEventUs,
    );
    refill(c, central);
    connections.push(c);
  }
  const cpu0 = process.cpuUsage();
  clock.advance(SECONDS * 1000);
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const exchanges = connections.reduce((n, c) => n + c.exchanges, 0);
  const events = connections.reduce((n, c) => n + c.events, 0);
  console.log('');
  console.log(
    `Link layer alone (manual clock): ${CONNECTIONS} connections x ${SECONDS} s at 7.5 ms, ${(exchanges / events).toFixed(1)} exchanges per event: ` +
      `${cpuMs.toFixed(0)} ms CPU for ${events} events (${((cpuMs * 1000) / events).toFixed(1)} us per event, ${((cpuMs * 1e6) / exchanges).toFixed(0)} ns per exchange), ` +
      `${((cpuMs / (SECONDS * 1000)) * 100).toFixed(1)}% of one core in real time`,
  );
}

// ---------------------------------------------------------------------------------------------
// [helper C] Two virtual Picos running a write-without-response loop in MicroPython, after
// MicroPython's tests/multi_bluetooth/perf_gatt_char_write.py (MTU 131, 128-octet values, mode 0
// retried on OSError); the central times N writes as that test does, on the board's ticks_ms.
const PERF_UUIDS = `SERVICE_UUID = bluetooth.UUID("A5A5A5A5-FFFF-9999-1111-5A5A5A5A5A5A")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
`;
const PERF_PERIPHERAL = `from micropython import const
import time, bluetooth
_IRQ_GATTS_WRITE = const(3)
${PERF_UUIDS}CHAR = (CHAR_UUID, bluetooth.FLAG_WRITE | bluetooth.FLAG_WRITE_NO_RESPONSE)
ble = bluetooth.BLE()
ble.active(1)
writes = 0
def irq(event, data):
    global writes
    if event == _IRQ_GATTS_WRITE:
        writes += 1
ble.irq(irq)
((handle,),) = ble.gatts_register_services(((SERVICE_UUID, (CHAR,)),))
ble.gatts_set_buffer(handle, 128)
ble.config(mtu=131)
ble.gap_advertise(20_000, b"\x02\x01\x06\x04\xffMPY")
print("advertising")
while True:
    time.sleep_ms(250)
    print("writes", writes)
`;
const perfCentral = (intervalMs: number | null, writes: number): string => `from micropython import const
import time, bluetooth
_IRQ_SCAN_RESULT = const(5)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_MTU_EXCHANGED = const(21)
${PERF_UUIDS}ev = {}
def irq(event, data):
    if event == _IRQ_SCAN_RESULT:
        if bytes(data[4]).endswith(b"MPY") and "found" not in ev:
            ev["found"] = (data[0], bytes(data[1]))
            ble.gap_scan(None)
    elif event == _IRQ_PERIPHERAL_CONNECT:
        ev["conn"] = data[0]
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        if data[-1] == CHAR_UUID:
            ev["char"] = data[2]
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        ev["done"] = 1
    elif event == _IRQ_MTU_EXCHANGED:
        ev["mtu"] = data[1]
def wait(key, ms=10000):
    t0 = time.ticks_ms()
    while key not in ev:
        if time.ticks_diff(time.ticks_ms(), t0) > ms:
            raise OSError("timeout " + key)
        time.sleep_ms(1)
    return ev[key]
ble = bluetooth.BLE()
ble.active(1)
ble.irq(irq)
ble.config(mtu=131)
ble.gap_scan(10000, 30000, 30000)
addr_type, addr = wait("found")
ble.gap_connect(addr_type, addr${intervalMs === null ? '' : `, 2000, ${intervalMs * 1000}, ${intervalMs * 1000}`})
conn = wait("conn")
ble.gattc_exchange_mtu(conn)
wait("mtu")
ble.gattc_discover_characteristics(conn, 1, 65535)
value_handle = wait("char")
wait("done")
data = bytearray(128)
t0 = time.ticks_ms()
for i in range(${writes}):
    while True:
        try:
            ble.gattc_write(conn, value_handle, data, 0)
            break
        except OSError:
            pass
ms = time.ticks_diff(time.ticks_ms(), t0)
print("RATE", ${writes} * 128 * 1000 // ms)
`;

async function virtualPicoRows(): Promise<void> {
  const WRITES = Number(process.env.AIR_BENCH_PICO_WRITES ?? 400);
  console.log('');
  console.log(`Virtual Pico W <-> Pico W in MicroPython: ${WRITES} x 128-octet gattc_write(mode 0), MTU 131, timed on the central board`);
  console.log('interval asked -> used            virtual    limit   virtual/limit  hardware');
  const enc = new TextEncoder();
  // null: gap_connect without intervals, as perf_gatt_char_write.py does.
  for (const asked of [null, ...INTERVAL_UNITS.map((u) => u * C.CONN_INTERVAL_UNIT_MS)]) {
    const radio = new Radio();
    const peripheral = new VirtualPico(radio, { name: 'perf-p', files: { 'main.py': enc.encode(PERF_PERIPHERAL) } });
    const central = new VirtualPico(radio, { name: 'perf-c', files: { 'main.py': enc.encode(perfCentral(asked, WRITES)) } });
    try {
      await peripheral.powerOn();
      await central.powerOn();
      const line = await waitConsole(central, /^RATE \d+|Traceback|Error/, 60_000).catch((e: Error) => e.message);
      const rate = /^RATE (\d+)/.exec(line);
      const air = radio.air.allConnections()[0];
      const intervalMs = air?.intervalMs ?? asked ?? 0;
      const label = `${asked === null ? 'default' : `${asked} ms`} -> ${intervalMs} ms, latency ${air?.params.latency ?? '?'}`.padEnd(30);
      const limit = linkCapacity({ phy: '1M', intervalMs, maxTxOctets: 27, attMtu: 131, maxEventUs: PICO_W_CONTROLLER.maxEventUs, op: 'write-without-response' });
      const hw = SETUPS[0]!.published?.find(([iv, m]) => iv === intervalMs && m === 131);
      if (!rate) {
        console.log(`${label} failed: ${line} (console: ${central.console.slice(-5).join(' | ')})`);
        continue;
      }
      const got = Number(rate[1]);
      console.log(
        `${label} ${kB(got)} kB/s ${kB(limit.applicationBytesPerSecond)} kB/s ${(got / limit.applicationBytesPerSecond).toFixed(2).padStart(8)}      ${hw ? `${kB(hw[2])} kB/s (${hw[3]})` : '-'}`,
      );
    } finally {
      await central.close();
      await peripheral.close();
      radio.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`bench:air  ${new Date().toISOString()}`);
  if (process.env.AIR_BENCH_PICO_ONLY) return virtualPicoRows();
  if (process.env.AIR_BENCH_COST_ONLY) return linkLayerCost();
  if (process.env.AIR_BENCH_PTY_ONLY) return ptyTable();
  await throughputTable();
  if (ONLY) return;
  await ptyTable();
  await rttTable();
  linkLayerCost();
  await loadTable();
  await virtualPicoRows();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
