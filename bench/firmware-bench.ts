// npm run bench:firmware: the PicoLink firmware's footprint, measured in virtual Picos running
// the unmodified firmware/ folder: heap used by the library after import and with one link up,
// and the size of the .py sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualPico } from '../src-main/pico/board.ts';
import { readFirmware } from '../src-main/pico/firmware-files.ts';
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
}
await periph.close();
await central.close();
radio.close();

await throughput();
process.exit(0);

/**
 * Modelled capacity of one direction: the link moves `pdus` 27-octet PDUs per connection event
 * (no data length extension on a Pico W); a THROUGHPUT_DATA notification of ATT value F octets
 * takes ceil((F + 3 ATT + 4 L2CAP) / 27) PDUs and carries F - 4 octets of data (frame header 3,
 * message type 1; docs/PROTOCOL.md).
 */
function capacity(mtu: number, intervalMs: number, pdus: number): number {
  const f = Math.min(mtu - 3, 512);
  return (pdus / (intervalMs / 1000)) * ((f - 4) / Math.ceil((f + 7) / 27));
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
    const model = capacity(mtu, 7.5, 4);
    console.log(
      `  ATT_MTU ${String(mtu).padStart(3)}: ${(bps / 1000).toFixed(1).padStart(5)} kB/s measured, ${(model / 1000).toFixed(1).padStart(5)} kB/s modelled (4 PDUs/event): ${((100 * bps) / model).toFixed(0)}% (goal 90%)`,
    );
    await periph.close();
    await probe.close();
    radio.close();
  }
  console.log('Throughput, Pico to dashboard: not measured yet (needs the hub, issue 6).');
}
