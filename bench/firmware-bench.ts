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
console.log('Per-ping allocation in steady state: not measured yet (issue 5 goal: 0 bytes).');
await periph.close();
await central.close();
radio.close();
process.exit(0);
