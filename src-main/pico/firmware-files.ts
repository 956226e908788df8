// The boards' Python shims and config.py; reading a firmware folder is resources/firmware-folder.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resourcePaths } from '../resources/resource-paths.ts';

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
