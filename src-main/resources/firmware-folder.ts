// Reads a firmware folder as a board's filesystem sees it: every file under it, by relative path.
// Here, not in pico, because both the virtual boards (pico) and the USB installer (usb) read one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Board flash on a Pico W is 2 MB, of which MicroPython leaves about 848 KB for files. */
export const PICO_W_FILESYSTEM_BYTES = 848 * 1024;

export function readFirmware(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  let total = 0;
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === '__pycache__') continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile()) {
        const body = readFileSync(path.join(dir, r));
        total += body.length;
        out[r] = new Uint8Array(body);
      }
    }
  };
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
  walk('');
  if (total > PICO_W_FILESYSTEM_BYTES) {
    throw new Error(`firmware in ${dir} is ${total} bytes; a Pico W's filesystem holds about ${PICO_W_FILESYSTEM_BYTES}`);
  }
  return out;
}
