// npm run bench:firmware: the PicoLink firmware's footprint, measured in virtual Picos running
// the unmodified firmware/ folder: heap used by the library after import and with one link up,
// and the size of the .py sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BleHost } from '../src-main/host/ble-host.ts';
import { IRQ } from '../src-main/host/irq.ts';
import { uuid, uuidEquals } from '../src-main/host/uuid.ts';
import { VirtualPico } from '../src-main/pico/board.ts';
import { realClock } from '../src-main/hci/clock.ts';
import { readFirmware } from '../src-main/resources/firmware-folder.ts';
import { linkCapacity } from '../src-main/hci/airtime.ts';
import { PICO_W_CONTROLLER } from '../src-main/radio/controller/options.ts';
import { Radio } from '../src-main/radio/radio.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIRMWARE = path.join(ROOT, 'firmware');
const APP = path.join(ROOT, 'bench/fixtures/footprint');

function pySources(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      const sub = pySources(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (name.endsWith('.py')) {
      files++;
      bytes += readFileSync(p).length;
    }
  }
  return { files, bytes };
}

function board(radio: Radio, name: string, config: string): VirtualPico {
  const files = { ...readFirmware(FIRMWARE), ...readFirmware(APP) };
  files['config.py'] = new TextEncoder().encode(config);
  return new VirtualPico(radio, { name, files });
}

function figure(p: VirtualPico, prefix: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const seen = p.console.find((l) => l.startsWith(prefix));
    if (seen) return resolve(seen);
    const t = setTimeout(() => reject(new Error(`${p.name}: no "${prefix}"; console:\n${p.console.join('\n')}`)), timeoutMs);
    p.on('console', (l) => {
      if (l.startsWith(prefix)) {
        clearTimeout(t);
        resolve(l);
      }
    });
  });
}

const lib = pySources(path.join(FIRMWARE, 'picolink'));
const all = pySources(FIRMWARE);
console.log(`Sources: picolink library ${lib.bytes} bytes in ${lib.files} .py files; firmware/ in all ${all.bytes} bytes in ${all.files} files`);

const radio = new Radio();
const periph = board(radio, 'periph', 'ROLE = "peripheral"\nNAME = "pl-foot"\nAPP = "footprint"\n');
const central = board(radio, 'central', 'ROLE = "central"\nNAME = "pl-c"\nPEER = "pl-foot"\nAPP = "footprint"\n');
await periph.powerOn();
await central.powerOn();
for (const p of [periph, central]) {
  const imp = Number((await figure(p, 'footprint import')).split(' ')[2]);
  const linked = (await figure(p, 'footprint linked')).split(' ');
  console.log(`${p.name.padEnd(8)} heap used by the library: ${imp} bytes after import, ${linked[2]} bytes with one link up (ATT_MTU ${linked[4]})`);
}
for (const p of [periph, central]) {
  const ping = (await figure(p, 'footprint ping')).split(' ');
  console.log(`${p.name.padEnd(8)} bytes allocated per ping/pong in steady state: ${Number(ping[2]).toFixed(1)} (goal 0; ${ping[4]} pongs for 1,100 pings)`);
  const flood = (await figure(p, 'footprint flood')).split(' ');
  console.log(`${p.name.padEnd(8)} bytes allocated per PING refused in a flood: ${Number(flood[2]).toFixed(1)} (goal 0; ${flood[4]} of 1,000 refused)`);
}
await periph.close();
await central.close();
radio.close();

await throughput();
process.exit(0);

/**
 * Modelled capacity of one direction, from the air's physics (hci/airtime linkCapacity: 27-octet
 * PDUs, no data length extension on a Pico W, exchanges while they fit in the Pico W model's event):
 * a THROUGHPUT_DATA notification of ATT value F octets carries F - 4 octets of data (frame header 3,
 * message type 1; docs/PROTOCOL.md).
 */
function capacity(mtu: number, intervalMs: number): number {
  const f = Math.min(mtu - 3, 512);
  const link = linkCapacity({ phy: '1M', intervalMs, maxTxOctets: 27, attMtu: f + 3, maxEventUs: PICO_W_CONTROLLER.maxEventUs, op: 'notify' });
  return link.applicationBytesPerSecond * ((f - 4) / f);
}

async function throughput(): Promise<void> {
  console.log('\nThroughput, Pico to Pico (a raw-API PicoLink central on a second Pico asks for 40,000 octets; 7.5 ms interval):');
  const octets = 40_000;
  for (const mtu of [23, 517]) {
    const radio = new Radio();
    const files = (config: string, extra?: string): Record<string, Uint8Array> => {
      const f = { ...readFirmware(FIRMWARE), ...(extra ? readFirmware(extra) : {}) };
      f['config.py'] = new TextEncoder().encode(config);
      return f;
    };
    const periph = new VirtualPico(radio, { name: 'periph', files: files('ROLE = "peripheral"\nNAME = "pl-tp"\nAPP = "dashboard"\n') });
    const probe = new VirtualPico(radio, {
      name: 'probe',
      files: files(`APP = "probe"\nPEER = "pl-tp"\nPROBE = "throughput"\nMTU = ${mtu}\nOCTETS = "${octets}"\nPINGS = 0\n`, path.join(ROOT, 'test/fixtures/firmware-probe')),
    });
    await periph.powerOn();
    await figure(periph, 'advertising');
    await probe.powerOn();
    const r = /^throughput asked (\d+) received (\d+) in (\d+) reported (\d+) ms (\d+) probe ms (\d+)$/.exec(await figure(probe, 'throughput asked', 60_000));
    const received = Number(r![2]);
    const ms = Number(r![6]);
    const bps = (received / ms) * 1000;
    const model = capacity(mtu, 7.5);
    console.log(
      `  ATT_MTU ${String(mtu).padStart(3)}: ${(bps / 1000).toFixed(1).padStart(5)} kB/s measured, ${(model / 1000).toFixed(1).padStart(5)} kB/s modelled (air limit): ${((100 * bps) / model).toFixed(0)}% (goal 90%)`,
    );
    await periph.close();
    await probe.close();
    radio.close();
  }
  await dashboardThroughput(octets);
}

/**
 * Pico to dashboard: the dashboard's side is our host stack on a laptop-adapter controller in
 * this process, speaking docs/PROTOCOL.md just far enough: subscribe, THROUGHPUT_REQ, CREDIT
 * after every 4 frames, until THROUGHPUT_DONE. (The hub of issue 6 will do this with noble.)
 */
async function dashboardThroughput(octets: number): Promise<void> {
  console.log(`\nThroughput, Pico to dashboard (our host stack as the central, asks for ${octets} octets; 7.5 ms interval):`);
  const SERVICE = uuid('5049434f-4c49-4e4b-0001-000000000001');
  const RX = uuid('5049434f-4c49-4e4b-0001-000000000002');
  const TX = uuid('5049434f-4c49-4e4b-0001-000000000003');
  for (const mtu of [23, 517]) {
    const radio = new Radio();
    const files = { ...readFirmware(FIRMWARE) };
    files['config.py'] = new TextEncoder().encode('ROLE = "peripheral"\nNAME = "pl-dash"\nAPP = "dashboard"\n');
    const pico = new VirtualPico(radio, { name: 'pico', files });
    await pico.powerOn();
    await figure(pico, 'advertising');
    radio.addNode({ name: 'laptop' });
    const host = new BleHost(radio.attachInProcess('laptop'), realClock, { name: 'laptop' });
    await new Promise<void>((resolve, reject) => host.active(true, (e) => (e ? reject(e) : resolve())));
    host.config({ mtu });
    const st = { conn: -1, rx: 0, tx: 0, cccd: 0, end: 0, svc: [0, 0], got: 0, frames: 0, credit: 0, done: null as null | number[], t0: 0, t1: 0 };
    const waiters = new Map<number, () => void>();
    const next = (code: number): Promise<void> => new Promise((r) => waiters.set(code, r));
    const write = (v: Uint8Array): void => {
      try {
        host.gattcWrite(st.conn, st.rx, v, 0);
      } catch {
        // Buffers full: a CREDIT can be skipped, the next one carries the same running total.
      }
    };
    host.on('irq', (code, data) => {
      if (code === IRQ.PERIPHERAL_CONNECT) st.conn = data[0] as number;
      if (code === IRQ.GATTC_SERVICE_RESULT && uuidEquals(data[3] as never, SERVICE)) st.svc = [data[1] as number, data[2] as number];
      if (code === IRQ.GATTC_CHARACTERISTIC_RESULT) {
        if (uuidEquals(data[4] as never, RX)) st.rx = data[2] as number;
        if (uuidEquals(data[4] as never, TX)) {
          st.tx = data[2] as number;
          st.end = data[1] as number;
        }
      }
      if (code === IRQ.GATTC_DESCRIPTOR_RESULT && (data[2] as { bytes: Uint8Array }).bytes.join() === '2,41') st.cccd = data[1] as number;
      if (code === IRQ.GATTC_NOTIFY) {
        const v = data[2] as Uint8Array;
        for (let i = 0; i + 3 <= v.length; ) {
          const len = v[i + 1]! | (v[i + 2]! << 8);
          const type = v[i + 3];
          const counted = !((v[i]! & 0xc0) === 0xc0 && type! >= 0x10 && type! < 0x20);
          if (counted) st.frames++;
          if (type === 0x23) {
            st.t0 ||= performance.now();
            st.got += len - 1;
          }
          if (type === 0x24) {
            st.t1 = performance.now();
            const b = v.subarray(i + 4, i + 12);
            st.done = [b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24), b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24)];
          }
          i += 3 + len;
        }
        if (st.frames - st.credit >= 4) {
          st.credit = st.frames;
          write(Uint8Array.of(0xc0, 3, 0, 0x12, st.credit & 0xff, (st.credit >> 8) & 0xff));
        }
      }
      waiters.get(code)?.();
    });
    const connected = next(IRQ.PERIPHERAL_CONNECT);
    host.gapConnect(0, pico.node.controller.publicAddress.slice().reverse(), 5000, 7500, 7500);
    await connected;
    if (mtu !== 23) {
      const m = next(IRQ.MTU_EXCHANGED);
      host.gattcExchangeMtu(st.conn);
      await m;
    }
    let w = next(IRQ.GATTC_SERVICE_DONE);
    host.gattcDiscoverServices(st.conn);
    await w;
    w = next(IRQ.GATTC_CHARACTERISTIC_DONE);
    host.gattcDiscoverCharacteristics(st.conn, st.svc[0]!, st.svc[1]!);
    await w;
    w = next(IRQ.GATTC_DESCRIPTOR_DONE);
    host.gattcDiscoverDescriptors(st.conn, st.tx, st.end > st.tx ? st.end : st.svc[1]!);
    await w;
    w = next(IRQ.GATTC_WRITE_DONE);
    host.gattcWrite(st.conn, st.cccd, Uint8Array.of(1, 0), 1);
    await w;
    const req = Uint8Array.of(0xc0, 5, 0, 0x22, octets & 0xff, (octets >> 8) & 0xff, (octets >> 16) & 0xff, 0);
    write(req);
    const started = performance.now();
    while (!st.done && performance.now() - started < 60_000) await new Promise((r) => setTimeout(r, 20));
    const ms = st.t1 - started;
    const bps = (st.got / ms) * 1000;
    const model = capacity(mtu, 7.5);
    console.log(
      `  ATT_MTU ${String(mtu).padStart(3)}: ${(bps / 1000).toFixed(1).padStart(5)} kB/s measured (${st.got} octets, reported ${st.done?.[0]}), ${(model / 1000).toFixed(1).padStart(5)} kB/s modelled: ${((100 * bps) / model).toFixed(0)}% (goal 90%)`,
    );
    host.close();
    await pico.close();
    radio.close();
  }
}
