// Virtual Picos running the unmodified firmware/ folder, each with its own config.py.
import path from 'node:path';
import { VirtualPico, type PicoOptions } from '../../src-main/pico/board.ts';
import { configPy } from '../../src-main/pico/firmware-files.ts';
import { readFirmware } from '../../src-main/resources/firmware-folder.ts';
import { Radio } from '../../src-main/radio/radio.ts';

export const FIRMWARE_DIR = path.resolve(import.meta.dirname, '../../firmware');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

export { configPy };

/** The firmware folder as flashed, with config.py replaced and optional extra files (a fixture app). */
export function firmware(settings: Record<string, string | number | boolean | null>, fixture?: string): Record<string, Uint8Array> {
  const files = readFirmware(FIRMWARE_DIR);
  files['config.py'] = new TextEncoder().encode(configPy(settings));
  if (fixture) for (const [k, v] of Object.entries(readFirmware(path.join(FIXTURES, fixture)))) files[k] = v;
  return files;
}

export class Bench {
  readonly radio = new Radio();
  readonly picos: VirtualPico[] = [];

  pico(name: string, files: Record<string, Uint8Array>, options: Partial<PicoOptions> = {}): VirtualPico {
    const p = new VirtualPico(this.radio, { name, files, ...options });
    this.picos.push(p);
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.picos) await p.close();
    this.radio.close();
  }
}

/** Resolves with the first console line (already seen after `from`, or to come) matching pattern. */
export function line(p: VirtualPico, pattern: RegExp, timeoutMs = 20_000, from = 0): Promise<string> {
  const seen = p.console.slice(from).find((l) => pattern.test(l));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const on = (l: string): void => {
      if (pattern.test(l)) {
        clearTimeout(t);
        p.off('console', on);
        resolve(l);
      }
    };
    const t = setTimeout(() => {
      p.off('console', on);
      reject(new Error(`${p.name}: no ${pattern} in ${timeoutMs} ms; last lines:\n${p.console.slice(-30).join('\n')}`));
    }, timeoutMs);
    p.on('console', on);
  });
}

/** Console lines that show a firmware fault: tracebacks, IRQ handler exceptions, heap warnings. */
export function faults(p: VirtualPico): string[] {
  return p.console.filter((l) => /Traceback|Unhandled exception|Error|\[picolink\]/.test(l));
}
