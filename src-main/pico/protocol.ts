// Messages between a virtual Pico's worker thread and the main thread. HCI bytes travel on a
// port of their own so the worker can drain them synchronously (receiveMessageOnPort) while
// firmware sleeps; a shared doorbell word wakes such a sleep as soon as bytes arrive.
import type { MessagePort } from 'node:worker_threads';
import type { ReplMode } from './usb-repl.ts';

export interface BoardWorkerData {
  name: string;
  /** Firmware files: path relative to the board's root -> contents. */
  files: Record<string, Uint8Array>;
  /** Our Python modules (bluetooth, machine, ...) placed in /_pico. */
  shims: Record<string, string>;
  /** Modules frozen into the firmware (pico/packages): path as in /lib -> contents. */
  frozen: Record<string, Uint8Array>;
  /** Python heap the firmware may use, in bytes (free after boot, as on a board). */
  heapBytes: number;
  /** 'strict': MemoryError at the limit; 'warn': a console warning when live data passes it. */
  heapMode: HeapMode;
  /** Six octets, the board's unique id; also the base of its BD_ADDR. */
  uniqueId: Uint8Array;
  hciPort: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] counts HCI messages posted to the worker. */
  doorbell: SharedArrayBuffer;
  /** What machine.reset_cause() reports in this boot. */
  resetCause: ResetCause;
  /** When the firmware last fed the watchdog, which the main thread runs (see watchdog.ts). */
  watchdog: SharedArrayBuffer;
  /**
   * The board's USB serial port, when it has one: what the host sends (usb-input.ts) and the
   * REPL's mode at boot (a soft reset from the raw REPL comes back to it, ports/rp2/main.c).
   */
  usb?: { input: SharedArrayBuffer; mode: ReplMode };
}

/**
 * Why the board started: ports/rp2/modmachine.c mp_machine_reset_cause gives WDT_RESET when the
 * RP2040's watchdog reset it, which includes machine.reset() (it resets through the watchdog).
 */
export type ResetCause = 'power-on' | 'watchdog';

export type WorkerToMain =
  | { type: 'console'; text: string }
  | { type: 'led'; on: boolean }
  | { type: 'booted'; heapFree: number; bootMs: number }
  | { type: 'main-exited'; error: string | null }
  | { type: 'reset' }
  /** machine.soft_reset(): the firmware restarts; the reset cause and a running watchdog stay. */
  | { type: 'soft-reset'; replMode?: ReplMode; files?: Record<string, Uint8Array> }
  /** The board's filesystem after a REPL command (what it wrote must outlive a power cut). */
  | { type: 'files'; files: Record<string, Uint8Array> }
  /** Octets the board sent on its USB serial port. */
  | { type: 'usb'; bytes: Uint8Array }
  /** machine.WDT started (or restarted) the watchdog with this timeout. */
  | { type: 'watchdog'; timeoutMs: number }
  | { type: 'warning'; text: string };

/**
 * This MicroPython build collects garbage only when control returns to JavaScript (its C stack
 * cannot be scanned), so a firmware loop that never yields (time.sleep) frees nothing until it
 * does. 'strict' raises MemoryError at the board's heap size, faithful for asyncio firmware,
 * which yields at every await; 'warn' lets the heap grow and warns once live data, measured
 * after each collection, passes the board's size.
 */
export type HeapMode = 'strict' | 'warn';

export type MainToWorker = { type: 'stop' };
