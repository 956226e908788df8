// How fast a virtual Pico's firmware can call the `bluetooth` module, per board: two virtual Pico
// Ws on one radio, one sending in a tight MicroPython loop (bench/fixtures/bridge-rate), as
// micropython/micropython tests/multi_bluetooth/perf_gatt_char_write.py does with mode=0 writes
// (retrying while the stack refuses with OSError) and perf_gatt_notify.py's gatts_notify.
// The boards behave as a Pico W's MicroPython does when the controller's buffers are full (the host
// stack pins it, src-main/host/README.md from modbluetooth_btstack.c): gattc_write(mode=0) holds
// one write and raises OSError(EALREADY) for the next until buffers free up, so the loop retries;
// gatts_notify queues and returns.
// Figures per run: calls/s on the sending board (taken calls, and every attempt including
// refusals), octets/s the other board received, beside the air's limit (linkCapacity); the
// inverse of the mean time inside a taken call; and the same call shape into the board's own
// value store (gatts_write), which crosses the bridge but never reaches the air. The 'instant'
// rows run the write loop with the air made infinitely fast: the bridge's own ceiling.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkCapacity } from '../../src-main/hci/airtime.ts';
import { VirtualPico } from '../../src-main/pico/board.ts';
import { PICO_W_CONTROLLER } from '../../src-main/radio/controller/options.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { withConfig } from '../../src-main/pico/firmware-files.ts';
import { Radio } from '../../src-main/radio/radio.ts';

const DIR = fileURLToPath(new URL('../fixtures/bridge-rate', import.meta.url));

export interface BridgeRateOptions {
  mode: 'write' | 'notify';
  /** Calls in the loop. */
  n: number;
  /** ATT_MTU the central asks for; each value is MTU - 3 octets. */
  mtu: number;
  intervalUs: number;
  /**
   * 'radio': the packets cross the virtual air to the other board. 'instant' (write mode only):
   * once connected, the central's controller is replaced by one that takes every ACL packet and
   * at once reports it sent (Number Of Completed Packets) without putting it on the air: the air
   * made infinitely fast, so the loop runs at the bridge's own rate and nothing is received.
   */
  air?: 'radio' | 'instant';
  timeoutMs?: number;
}

export interface BridgeRate {
  /** Successful calls per second on the sending board. */
  callsPerSecond: number;
  /** Every call the sending loop made per second, refused ones (OSError) included. */
  attemptsPerSecond: number;
  /** Octets per second of values the receiving board got (first arrival to last). */
  deliveredBytesPerSecond: number;
  received: number;
  outOfOrder: number;
  /** gatts_write calls per second into the local value store: the bridge alone. */
  localCallsPerSecond: number;
  /** 1 / the mean time inside a call the stack took: the sending loop's ceiling if the air never refused. */
  ceilingCallsPerSecond: number;
}

function board(radio: Radio, name: string, role: 'central' | 'peripheral', o: BridgeRateOptions, x: number): VirtualPico {
  const files = {
    ...readFirmware(path.join(DIR, role)),
    'common.py': readFirmware(DIR)['common.py']!,
  };
  const config = readFirmware(DIR)['config.py']!;
  return new VirtualPico(radio, {
    name,
    files: withConfig({ ...files, 'config.py': config }, { MODE: o.mode, N: o.n, MTU: o.mtu, INTERVAL_US: o.intervalUs }),
    position: { x, y: 1 },
  });
}

const line = (p: VirtualPico, prefix: string, timeoutMs: number): Promise<Record<string, number>> =>
  new Promise((resolve, reject) => {
    const parse = (l: string): Record<string, number> =>
      Object.fromEntries(l.slice(prefix.length + 1).split(' ').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]));
    const seen = p.console.find((l) => l.startsWith(`${prefix} `));
    if (seen) return resolve(parse(seen));
    const t = setTimeout(() => reject(new Error(`${p.name}: no ${prefix} line in ${timeoutMs} ms:\n${p.console.slice(-20).join('\n')}`)), timeoutMs);
    const exited = (error: string | null): void => {
      if (!error) return;
      clearTimeout(t);
      reject(new Error(`${p.name}: firmware failed:\n${p.console.slice(-20).join('\n')}`));
    };
    const on = (l: string): void => {
      if (!l.startsWith(`${prefix} `)) return;
      clearTimeout(t);
      p.off('console', on);
      p.off('main-exited', exited);
      resolve(parse(l));
    };
    p.on('console', on);
    p.on('main-exited', exited);
  });

/** H4 packet types and the event that frees controller buffers (Core 5.4 Vol 4 Part A 2; Part E 7.7.19). */
const H4_ACL = 0x02;
const H4_EVENT = 0x04;
const HCI_NUMBER_OF_COMPLETED_PACKETS = 0x13;

/**
 * Reaches into the board's main-thread end of its HCI port (private to VirtualPico: a bench-only
 * shortcut) and answers each ACL packet from the host with Number Of Completed Packets at once.
 */
function instantAir(p: VirtualPico): void {
  const board = p as unknown as { hostReceiver: ((b: Uint8Array) => void) | null; port: { postMessage(b: Uint8Array): void }; bell: Int32Array };
  const toController = board.hostReceiver!;
  board.hostReceiver = (b) => {
    if (b[0] !== H4_ACL) return toController(b);
    const handle = (b[1]! | (b[2]! << 8)) & 0x0fff;
    board.port.postMessage(Uint8Array.of(H4_EVENT, HCI_NUMBER_OF_COMPLETED_PACKETS, 5, 1, handle & 0xff, handle >> 8, 1, 0));
    Atomics.add(board.bell, 0, 1);
    Atomics.notify(board.bell, 0);
  };
}

export async function bridgeRate(o: BridgeRateOptions): Promise<BridgeRate> {
  const radio = new Radio();
  const peripheral = board(radio, 'rate-per', 'peripheral', o, 1);
  const central = board(radio, 'rate-cen', 'central', o, 2);
  const timeoutMs = o.timeoutMs ?? 120_000;
  const instant = o.air === 'instant';
  if (instant && o.mode !== 'write') throw new Error("air: 'instant' measures the write loop only");
  try {
    await peripheral.powerOn();
    await central.powerOn();
    const sender = o.mode === 'write' ? central : peripheral;
    const receiver = o.mode === 'write' ? peripheral : central;
    if (instant) await line(central, 'READY', timeoutMs).then(() => instantAir(central));
    const nothing = Promise.resolve({ writes: 1, octets: 0, bad: 0, us: 1 });
    const [send, recv, local] = await Promise.all([line(sender, 'SEND', timeoutMs), instant ? nothing : line(receiver, 'RECV', timeoutMs), line(central, 'LOCAL', timeoutMs)]);
    const s = (k: string, r: Record<string, number>): number => r[k]!;
    return {
      callsPerSecond: (s('calls', send) * 1e6) / s('us', send),
      attemptsPerSecond: (s('attempts', send) * 1e6) / s('us', send),
      // The first arrival starts the clock: the octets of the others over the time they took.
      deliveredBytesPerSecond: ((s('octets', recv) * (s('writes', recv) - 1)) / Math.max(1, s('writes', recv)) * 1e6) / s('us', recv),
      received: s('writes', recv),
      outOfOrder: s('bad', recv),
      localCallsPerSecond: (s('calls', local) * 1e6) / s('us', local),
      ceilingCallsPerSecond: (s('calls', send) * 1e6) / Math.max(1, s('in_ok', send)),
    };
  } finally {
    await central.close();
    await peripheral.close();
    await radio.close();
  }
}

/** Prints a table of runs; used by npm run bench:pico and on its own (tsx bench/pico/bridge-rate.ts). */
export async function printBridgeRates(n = Number(process.env.BRIDGE_N ?? 1000)): Promise<void> {
  console.log(`Board bridge: a virtual Pico calling bluetooth in a tight loop (${n} calls), 7.5 ms interval, 1M PHY`);
  console.log('air limit: values/s and B/s one direction of a Pico W link can carry (src-main/hci/airtime.ts linkCapacity; 27-octet PDUs, its longest event)');
  console.log('loop                         MTU           air limit  calls/s  attempts/s  received B/s   in order  1/time in a taken call  bridge alone (gatts_write calls/s)');
  for (const mode of ['write', 'notify'] as const) {
    for (const mtu of [23, 131]) {
      const r = await bridgeRate({ mode, n, mtu, intervalUs: 7500 });
      const name = mode === 'write' ? 'gattc_write(mode=0) + retry' : 'gatts_notify';
      row(name, mtu, n, r);
    }
  }
  for (const mtu of [23, 131]) row('gattc_write, air instant', mtu, n, await bridgeRate({ mode: 'write', n, mtu, intervalUs: 7500, air: 'instant' }));
}

/** The air's limit at 7.5 ms between two Pico Ws, as `values/s (B/s)`. */
function airLimit(mtu: number, op: 'write-without-response' | 'notify'): string {
  const c = linkCapacity({ phy: '1M', intervalMs: 7.5, maxTxOctets: 27, attMtu: mtu, maxEventUs: PICO_W_CONTROLLER.maxEventUs, op });
  return `${(c.applicationBytesPerSecond / (mtu - 3)).toFixed(0)} (${(c.applicationBytesPerSecond / 1000).toFixed(1)} kB/s)`;
}

function row(name: string, mtu: number, n: number, r: BridgeRate): void {
  const limit = airLimit(mtu, name.startsWith('gatts_notify') ? 'notify' : 'write-without-response');
  const sunk = name.includes('instant'); // nothing reaches the other board
  const received = sunk ? '-' : r.deliveredBytesPerSecond.toFixed(0);
  const inOrder = sunk ? '-' : `${r.received - r.outOfOrder}/${n}`;
  console.log(
    `${name.padEnd(28)} ${String(mtu).padStart(3)}  ${limit.padStart(18)}  ${r.callsPerSecond.toFixed(0).padStart(7)}  ${r.attemptsPerSecond.toFixed(0).padStart(10)}  ${received.padStart(12)}  ${inOrder.padStart(9)}  ${r.ceilingCallsPerSecond.toFixed(0).padStart(22)}  ${r.localCallsPerSecond.toFixed(0).padStart(8)}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await printBridgeRates();
  process.exit(0);
}
