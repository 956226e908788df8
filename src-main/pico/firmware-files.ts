// Reads a firmware folder as a board's filesystem sees it: every file under it, by relative path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { resourcePaths } from '../resources/resource-paths.ts';

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

/** Our Python modules (bluetooth, machine, ...): src-main/pico/python, or the packaged app's copy. */
export function readShims(): Record<string, string> {
  const dir = resourcePaths().shimsDir;
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) if (name.endsWith('.py')) out[name] = readFileSync(path.join(dir, name), 'utf8');
  return out;
}

export type ConfigValue = string | number | boolean | null;

/** Python assignments for config.py: strings quoted, numbers and None/True/False as Python. */
export function configPy(settings: Record<string, ConfigValue>): string {
  const py = (v: ConfigValue): string =>
    v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return Object.entries(settings).map(([k, v]) => `${k} = ${py(v)}\n`).join('');
}

/**
 * The files with `settings` appended to config.py: later assignments win in Python, so the
 * folder's own config stays in force for everything not overridden.
 */
export function withConfig(files: Record<string, Uint8Array>, settings: Record<string, ConfigValue>): Record<string, Uint8Array> {
  const base = files['config.py'] ? new TextDecoder().decode(files['config.py']) : '';
  const sep = base === '' || base.endsWith('\n') ? '' : '\n';
  return { ...files, 'config.py': new TextEncoder().encode(`${base}${sep}# set by the simulator\n${configPy(settings)}`) };
}
