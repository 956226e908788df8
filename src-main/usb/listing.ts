// The serial ports that are MicroPython boards: USB ports with the Pico's MicroPython CDC ids,
// plus paths given explicitly (a virtual Pico's pty), each confirmed by a raw-REPL probe.
import { SerialPort } from 'serialport';
import { UsbError, type UsbErrorCode } from './errors.ts';
import { probeBoard } from './probe.ts';

/** micropython ports/rp2/mpconfigport.h MICROPY_HW_USB_VID (0x2E8A) "Raspberry Pi". */
export const MICROPY_HW_USB_VID = 0x2e8a;
/** ports/rp2/mpconfigport.h MICROPY_HW_USB_PID (0x0005) "RP2 MicroPython". */
export const MICROPY_HW_USB_PID = 0x0005;

export interface UsbBoard {
  path: string;
  label: string | null;
  micropython: { version: string; machine: string } | null;
  picolink: { version: string } | null;
  error?: { code: UsbErrorCode; message: string };
}

export interface PortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
}

/** serialport's list() reports ids as hex text, in either case. */
export function isMicroPythonPico(p: PortInfo): boolean {
  return parseInt(p.vendorId ?? '', 16) === MICROPY_HW_USB_VID && parseInt(p.productId ?? '', 16) === MICROPY_HW_USB_PID;
}

export function portLabel(p: PortInfo): string | null {
  const parts = [p.manufacturer, p.serialNumber].filter((x): x is string => !!x);
  return parts.length ? parts.join(' ') : null;
}

export async function listUsbBoards(opts: { extraPaths?: string[]; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<UsbBoard[]> {
  let ports: PortInfo[] = [];
  try {
    ports = (await SerialPort.list()).filter(isMicroPythonPico);
  } catch {
    // No way to enumerate (no udev in a container): the explicit paths still count.
  }
  const candidates = [...ports];
  for (const p of opts.extraPaths ?? []) if (!candidates.some((c) => c.path === p)) candidates.push({ path: p });
  // Each port is its own board: probe them side by side.
  return Promise.all(candidates.map((p) => describe(p, opts)));
}

async function describe(p: PortInfo, opts: { signal?: AbortSignal; timeoutMs?: number }): Promise<UsbBoard> {
  const board: UsbBoard = { path: p.path, label: portLabel(p), micropython: null, picolink: null };
  try {
    const r = await probeBoard(p.path, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    if (r.kind === 'not-micropython') return { ...board, error: { code: r.error.code, message: `${r.error.message}. ${r.error.hint}` } };
    return { ...board, micropython: { version: r.micropython.version, machine: r.micropython.machine }, picolink: r.picolink };
  } catch (e) {
    const err = e instanceof UsbError ? e : new UsbError('board-error', (e as Error).message);
    return { ...board, error: { code: err.code, message: err.hint ? `${err.message}. ${err.hint}` : err.message } };
  }
}
