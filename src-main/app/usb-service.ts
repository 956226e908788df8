// "Boards on USB" behind the contract: list the MicroPython boards on serial ports (and the
// simulator's boards' USB ports), install PicoLink on one, cancel it. The renderer is untrusted,
// so it never names a port: usb.install takes only a path the last usb.list answered with, as
// Settings takes only a UART port the OS lists (hub-service.ts checkSerialPort).
import { UsbError, type UsbErrorCode } from '../usb/errors.ts';
import { installPicoLink, type InstallConfig, type InstallProgress } from '../usb/installer.ts';
import { listUsbBoards, type UsbBoard } from '../usb/listing.ts';
import type { EventOf } from '../ipc/contract.ts';

export interface UsbServiceOptions {
  /** Ports to probe besides the OS's: the simulator's boards' pseudo-terminals. */
  extraPaths: () => string[];
  /** What gets installed (default: the installer's, PicoLink's firmware/). */
  firmwareDir?: string;
  onProgress: (p: EventOf<'usb.progress'>) => void;
  onDone: (d: EventOf<'usb.done'>) => void;
  /** Tests replace the listing and the installer. */
  list?: typeof listUsbBoards;
  install?: typeof installPicoLink;
}

/** Refused before anything touches a port: a clear message for the user. */
export class UsbRequestError extends Error {
  override readonly name = 'UsbRequestError';
}

export class UsbService {
  /** The paths the last list answered with: the only ones install accepts. */
  private listed = new Set<string>();
  private running: { path: string; abort: AbortController; done: Promise<void> } | null = null;

  constructor(private readonly options: UsbServiceOptions) {}

  async list(signal?: AbortSignal): Promise<UsbBoard[]> {
    const extraPaths = this.options.extraPaths();
    let boards: UsbBoard[];
    try {
      boards = await (this.options.list ?? listUsbBoards)({ extraPaths, ...(signal ? { signal } : {}) });
    } catch (e) {
      throw new UsbRequestError(`The serial ports could not be listed: ${(e as Error).message}`, { cause: e });
    }
    this.listed = new Set(boards.map((b) => b.path));
    // The OS names no USB device behind a pseudo-terminal: say what it is.
    const virtual = new Set(extraPaths);
    return boards.map((b) => (b.label === null && virtual.has(b.path) ? { ...b, label: 'virtual Pico (simulator)' } : b));
  }

  /** Starts installing on `path` (from the last list); the outcome comes through onDone. */
  install(path: string, config: InstallConfig): void {
    if (!this.listed.has(path)) {
      throw new UsbRequestError(`${path} is not a board from the last list of boards on USB: refresh the list and choose one from it.`);
    }
    if (this.running) throw new UsbRequestError(`PicoLink is being installed on ${this.running.path}: wait for it to finish or cancel it first.`);
    const abort = new AbortController();
    const onProgress = (p: InstallProgress): void =>
      this.options.onProgress({ path, phase: p.phase, done: p.done, total: p.total, ...(p.file !== undefined ? { file: p.file } : {}) });
    const done = (this.options.install ?? installPicoLink)(path, config, {
      signal: abort.signal,
      onProgress,
      ...(this.options.firmwareDir ? { firmwareDir: this.options.firmwareDir } : {}),
    }).then(
      (r) => this.options.onDone({ path, ok: true, version: r.version, files: r.files, bytes: r.bytes }),
      (e: unknown) => this.options.onDone({ path, ok: false, ...failure(e, abort.signal.aborted) }),
    );
    this.running = { path, abort, done: done.finally(() => (this.running = null)) };
  }

  /** Stops the install in progress; the installer leaves the board as it was (temporary names). */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.abort.abort();
    return true;
  }

  /** Cancels an install in progress and waits for it to end. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.abort.abort();
    await running.done;
  }
}

function failure(e: unknown, aborted: boolean): { code: UsbErrorCode; message: string; hint: string } {
  if (e instanceof UsbError) return { code: e.code, message: e.message, hint: e.hint };
  const message = e instanceof Error ? e.message : String(e);
  if (aborted) return { code: 'cancelled', message: 'The install was cancelled.', hint: '' };
  return { code: 'board-error', message, hint: '' };
}
