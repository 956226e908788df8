// Installs or updates PicoLink on a MicroPython board over its USB serial REPL, as
// `mpremote cp` would (transport_serial.py fs_writefile: open, write chunks, close; here over
// raw-paste), with nothing half-installed: every file goes to TEMP_DIR first and one exec at the
// end renames them all into place. That exec runs on the board by itself, so a host that stops
// talking before it leaves the old install (or none) plus an unimportable TEMP_DIR, which the
// next run removes first.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readFirmware } from '../resources/firmware-folder.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { UsbError } from './errors.ts';
import { probeRepl } from './probe.ts';
import { RawRepl, DEFAULT_TIMEOUT_MS } from './raw-repl.ts';
import { closeSerial, openSerial } from './serial-open.ts';

export interface InstallConfig {
  name: string;
  role: 'central' | 'peripheral';
  peer?: string;
  app?: string;
}
export interface InstallProgress {
  phase: 'probe' | 'copy' | 'config' | 'rename' | 'reset' | 'done';
  file?: string;
  done: number;
  total: number;
}

/** Where files wait until all are on the board: a name with a dot, so `import` never finds it. */
export const TEMP_DIR = '/picolink.new';
/** Raw octets per write exec: the board compiles each as a bytes literal, a few KB of its heap. */
export const CHUNK_BYTES = 2048;
/** firmware/picolink/adv.py payloads: the advertised name is cut at 29 octets. */
export const MAX_NAME_BYTES = 29;
/** How long the installer's probe waits for the raw REPL before calling the port not MicroPython. */
export const INSTALL_PROBE_TIMEOUT_MS = 5_000;
/** After a cancel or a lost answer, how long the clean-up may wait for the board. */
const CLEANUP_TIMEOUT_MS = 2_000;

/** A configuration the firmware would not run as asked; raised before the port is opened. */
export class InstallConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'InstallConfigError';
  }
}

/** The apps main.py can run: firmware/examples/<APP>.py (main.py imports "examples." + APP). */
export function firmwareApps(files: Record<string, Uint8Array>): string[] {
  return Object.keys(files)
    .map((f) => /^examples\/(\w+)\.py$/.exec(f)?.[1])
    .filter((a): a is string => a !== undefined && a !== '__init__')
    .sort();
}

/** What firmware/config.py's comments allow, checked as the firmware would use it. */
export function validateInstallConfig(config: InstallConfig, apps: string[]): string[] {
  const problems: string[] = [];
  const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
  if (!config.name) problems.push('name is empty');
  else if (bytes(config.name) > MAX_NAME_BYTES) problems.push(`name is ${bytes(config.name)} octets; a board advertises at most ${MAX_NAME_BYTES}`);
  if (config.role !== 'central' && config.role !== 'peripheral') problems.push(`role must be "central" or "peripheral", not ${JSON.stringify(config.role)}`);
  if (config.peer !== undefined) {
    if (config.role !== 'central') problems.push('peer is for a central (the peripheral it links to)');
    if (!config.peer || bytes(config.peer) > MAX_NAME_BYTES) problems.push(`peer must be 1 to ${MAX_NAME_BYTES} octets`);
  }
  if (config.app !== undefined && !apps.includes(config.app)) problems.push(`app must be one of ${apps.join(', ')}, not ${JSON.stringify(config.app)}`);
  for (const [k, v] of Object.entries({ name: config.name, peer: config.peer ?? '' })) {
    if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) problems.push(`${k} has control characters`);
  }
  return problems;
}

const pyStr = (s: string | null): string => (s === null ? 'None' : JSON.stringify(s));

/**
 * firmware/config.py with ROLE, NAME, PEER and APP set, its comments and other settings kept; a
 * key the template lacks is appended. JSON string escapes are Python's too.
 */
export function renderConfig(template: string, config: InstallConfig): string {
  const values: Record<string, string> = {
    ROLE: pyStr(config.role),
    NAME: pyStr(config.name),
    PEER: pyStr(config.peer ?? null),
    APP: pyStr(config.app ?? 'dashboard'),
  };
  let text = template.endsWith('\n') || template === '' ? template : `${template}\n`;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}\\s*=[^#\\n]*?(\\s*#.*)?$`, 'm');
    text = line.test(text) ? text.replace(line, (_m, comment: string | undefined) => `${key} = ${value}${comment ?? ''}`) : `${text}${key} = ${value}\n`;
  }
  return text;
}

/** picolink/__init__.py's VERSION, the one the probe reads back from a board. */
export function firmwareVersion(files: Record<string, Uint8Array>): string {
  const init = files['picolink/__init__.py'];
  const m = init ? /^VERSION\s*=\s*["']([^"']+)["']/m.exec(new TextDecoder().decode(init)) : null;
  if (!m) throw new Error('the firmware folder has no picolink/__init__.py with a VERSION line');
  return m[1]!;
}

/** A Python bytes literal of `b`, printable ASCII as itself (firmware is mostly that). */
export function pyBytes(b: Uint8Array): string {
  let s = "b'";
  for (const c of b) {
    if (c >= 0x20 && c < 0x7f && c !== 0x27 && c !== 0x5c) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}'`;
}

/** Board-side helpers, defined once per session in the raw REPL's globals. */
const HELPERS = `import os
def _pl_mk(p):
    d = ''
    for s in p.split('/')[1:-1]:
        d += '/' + s
        try:
            os.mkdir(d)
        except OSError:
            pass
def _pl_rm(p):
    try:
        if os.stat(p)[0] & 0x4000:
            for n in os.listdir(p):
                _pl_rm(p + '/' + n)
            os.rmdir(p)
        else:
            os.remove(p)
    except OSError:
        pass
_pl_rm('${TEMP_DIR}')
`;

/** The one exec that puts every file in place, then removes TEMP_DIR. */
export function renameCode(files: string[]): string {
  const pairs = files.map((f) => `(${pyStr(`${TEMP_DIR}/${f}`)}, ${pyStr(`/${f}`)})`).join(',\n    ');
  return `for s, d in (
    ${pairs},
):
    _pl_mk(d)
    try:
        os.remove(d)
    except OSError:
        pass
    os.rename(s, d)
_pl_rm('${TEMP_DIR}')
`;
}

/** The files a board gets: the firmware's Python, without its config.py (the user's is written). */
export function boardFiles(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith('.py') && f !== 'config.py').sort(([a], [b]) => a.localeCompare(b)));
}

export async function installPicoLink(
  portPath: string,
  config: InstallConfig,
  opts: { firmwareDir?: string; signal?: AbortSignal; onProgress?: (p: InstallProgress) => void; timeoutMs?: number },
): Promise<{ version: string; files: number; bytes: number }> {
  const firmwareDir = opts.firmwareDir ?? resourcePaths().firmwareDir;
  const firmware = readFirmware(firmwareDir);
  const problems = validateInstallConfig(config, firmwareApps(firmware));
  if (problems.length) throw new InstallConfigError(problems);
  const version = firmwareVersion(firmware);
  const template = firmware['config.py'] ? new TextDecoder().decode(firmware['config.py']) : readFileSync(path.join(firmwareDir, 'config.py'), 'utf8');
  const files: Record<string, Uint8Array> = { ...boardFiles(firmware), 'config.py': new TextEncoder().encode(renderConfig(template, config)) };
  const names = Object.keys(files);
  const total = Object.values(files).reduce((n, b) => n + b.length, 0);
  const signal = opts.signal;
  const wait = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(signal ? { signal } : {}) };
  const progress = (p: InstallProgress): void => opts.onProgress?.(p);

  progress({ phase: 'probe', done: 0, total });
  const port = await openSerial(portPath, signal);
  const repl = new RawRepl(port);
  let touched = false;
  try {
    // Longer than a listing's probe: a board busy with its app (or a loaded host running virtual
    // ones) may take a while to take the interrupt, and an install is worth the wait.
    const probe = await probeRepl(repl, { timeoutMs: INSTALL_PROBE_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    if (probe.kind === 'not-micropython') throw probe.error;
    // A soft reset as mpremote's first raw REPL entry does: the old app's Bluetooth and heap freed.
    await repl.enterRawRepl(true, wait);
    touched = true;
    await repl.exec(HELPERS, wait);
    let done = 0;
    for (const name of names) {
      const body = files[name]!;
      const phase = name === 'config.py' ? 'config' : 'copy';
      progress({ phase, file: name, done, total });
      const temp = `${TEMP_DIR}/${name}`;
      await repl.exec(`_pl_mk(${pyStr(temp)})\n_pl_f = open(${pyStr(temp)}, 'wb')\n`, wait);
      for (let i = 0; i < body.length; i += CHUNK_BYTES) {
        const chunk = body.subarray(i, i + CHUNK_BYTES);
        await repl.exec(`_pl_f.write(${pyBytes(chunk)})\n`, wait);
        done += chunk.length;
        progress({ phase, file: name, done, total });
      }
      await repl.exec('_pl_f.close()\n', wait);
    }
    progress({ phase: 'rename', done, total });
    // No signal from here on: once the board has started renaming, stopping halfway would be the
    // half-install this order exists to avoid.
    await repl.exec(renameCode(names), { timeoutMs: wait.timeoutMs });
    touched = false;
    progress({ phase: 'reset', done, total });
    await repl.softResetFriendly({ timeoutMs: wait.timeoutMs });
    progress({ phase: 'done', done, total });
    return { version, files: names.length, bytes: total };
  } catch (e) {
    if (touched) await cleanUp(repl);
    if (e instanceof UsbError && e.code === 'no-answer') {
      throw new UsbError('no-answer', e.message, `Nothing was installed: the board keeps its previous files. Unplug it, plug it in again and retry. ${e.hint}`.trim());
    }
    throw e;
  } finally {
    await closeSerial(port);
  }
}

/**
 * After a cancel or an error mid-copy: stop whatever the board runs (Ctrl-C also ends a raw
 * paste), remove TEMP_DIR and soft-reset so the old main.py runs; best effort, briefly.
 */
async function cleanUp(repl: RawRepl): Promise<void> {
  const wait = { timeoutMs: CLEANUP_TIMEOUT_MS };
  try {
    await repl.enterRawRepl(false, wait);
    // The file being written may still be open; littlefs would keep its blocks until closed.
    await repl.exec(`try:\n    _pl_f.close()\nexcept Exception:\n    pass\n${HELPERS}`, wait);
    await repl.softResetFriendly(wait);
  } catch {
    // The board does not answer: TEMP_DIR stays, unimportable, and the next run removes it.
  }
}
