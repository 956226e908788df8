// Is this port a MicroPython board, which MicroPython, and is PicoLink on it: one raw-REPL exec
// of sys.implementation, os.uname() and the VERSION line of picolink/__init__.py (read as text,
// not imported: importing would start nothing but costs the board RAM and time).
import { closeSerial, openSerial } from './serial-open.ts';
import { RawRepl, type WaitOptions } from './raw-repl.ts';
import { UsbError } from './errors.ts';

/** micropython.org's download page for the Pico W's firmware (the UF2 to drop on RPI-RP2). */
export const PICO_W_DOWNLOAD = 'https://micropython.org/download/RPI_PICO_W/';
export const NOT_MICROPYTHON_HINT =
  `Put MicroPython on it: hold the BOOTSEL button while plugging the board in, then drop the UF2 from ${PICO_W_DOWNLOAD} onto the RPI-RP2 drive that appears.`;

/** A board that answers in the raw REPL but slowly still answers within this. */
export const PROBE_TIMEOUT_MS = 3_000;

export interface MicroPythonInfo {
  /** sys.implementation.name: "micropython". */
  name: string;
  /** sys.implementation.version as "1.27.0". */
  version: string;
  /** os.uname().machine: "Raspberry Pi Pico W with RP2040". */
  machine: string;
}

export type ProbeResult =
  | { kind: 'micropython'; micropython: MicroPythonInfo; picolink: { version: string } | null }
  | { kind: 'not-micropython'; error: UsbError };

/** Runs on the board: JSON of [name, version, machine, PicoLink version or None]. */
export const PROBE_CODE = `import sys, os, json
v = None
try:
    with open('/picolink/__init__.py') as f:
        for l in f:
            if l.startswith('VERSION'):
                v = l.split('=', 1)[1].strip().strip('"').strip("'")
                break
except OSError:
    pass
print(json.dumps([sys.implementation.name, '.'.join(str(x) for x in sys.implementation.version[:3]), os.uname().machine, v]))
`;

/** Parses PROBE_CODE's output. */
export function parseProbe(out: string): { micropython: MicroPythonInfo; picolink: { version: string } | null } {
  let v: unknown;
  try {
    v = JSON.parse(out.trim());
  } catch {
    throw new UsbError('board-error', `unexpected probe answer ${JSON.stringify(out.slice(0, 80))}`);
  }
  if (!Array.isArray(v) || v.length !== 4 || !v.slice(0, 3).every((x) => typeof x === 'string') || !(v[3] === null || typeof v[3] === 'string')) {
    throw new UsbError('board-error', `unexpected probe answer ${JSON.stringify(out.slice(0, 80))}`);
  }
  const [name, version, machine, picolink] = v as [string, string, string, string | null];
  return { micropython: { name, version, machine }, picolink: picolink ? { version: picolink } : null };
}

/**
 * Probes a board already in the raw REPL session `repl` opened: enters the raw REPL (no soft
 * reset) and runs PROBE_CODE. No raw REPL answer is "not MicroPython".
 */
export async function probeRepl(repl: RawRepl, opts: WaitOptions = {}): Promise<ProbeResult> {
  const wait = { timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) };
  try {
    await repl.enterRawRepl(false, wait);
  } catch (e) {
    if (e instanceof UsbError && e.code === 'no-answer') {
      return { kind: 'not-micropython', error: new UsbError('not-micropython', `no MicroPython raw REPL answered (${e.message})`, NOT_MICROPYTHON_HINT) };
    }
    throw e;
  }
  const out = await repl.exec(PROBE_CODE, wait);
  return { kind: 'micropython', ...parseProbe(out) };
}

/**
 * Opens the port, probes it, and leaves the board as it was found: back in the friendly REPL
 * and soft-reset so its main.py runs again (entering the raw REPL interrupted it).
 */
export async function probeBoard(path: string, opts: WaitOptions & { restart?: boolean } = {}): Promise<ProbeResult> {
  const port = await openSerial(path, opts.signal);
  const repl = new RawRepl(port);
  try {
    const result = await probeRepl(repl, opts);
    if (result.kind === 'micropython' && opts.restart !== false) {
      await repl.softResetFriendly({ timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS });
    }
    return result;
  } finally {
    await closeSerial(port);
  }
}
