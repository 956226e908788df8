// A virtual Pico W as the main thread sees it: a controller on the radio's air, and a worker
// thread running MicroPython with the firmware. Power-cycling terminates the worker (a board
// loses everything), rebooting starts a new one; a crash in one board never reaches another.
import { EventEmitter } from 'node:events';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Position } from '../radio/air/path-loss.ts';
import { PICO_W_CONTROLLER } from '../radio/controller/options.ts';
import type { Radio, RadioNode } from '../radio/radio.ts';
import type { HostPort } from '../radio/transport/host-port.ts';
import { PtyPort } from '../radio/transport/pty.ts';
import { resourcePaths } from '../resources/resource-paths.ts';
import { readShims } from './firmware-files.ts';
import type { BoardWorkerData, HeapMode, ResetCause, WorkerToMain } from './protocol.ts';
import { Watchdog, createWatchdogMemory } from './watchdog.ts';
import { createUsbInput, writeUsbInput } from './usb-input.ts';
import { mirrorBoardFolder, readBoardFolder } from './board-folder.ts';
import type { ReplMode } from './usb-repl.ts';

/** Python heap free after boot on a Pico W with MicroPython 1.27: about 190 KB. */
export const PICO_W_HEAP_BYTES = 190 * 1024;

export interface PicoOptions {
  name: string;
  files: Record<string, Uint8Array>;
  /**
   * Modules frozen into the firmware, as the official RPI_PICO_W build freezes aioble and others
   * (see pico/packages): importable, but not files on the board's filesystem.
   */
  frozen?: Record<string, Uint8Array>;
  heapBytes?: number;
  /** Default 'warn'; see HeapMode. */
  heapMode?: HeapMode;
  position?: Position;
  /** Six octets; defaults to one derived from the name. */
  uniqueId?: Uint8Array;
  /**
   * Gives the board a USB serial port with MicroPython's REPL (usb-repl.ts): `true` for one
   * reached through usbWrite() and the 'usb' event, or a path where a pseudo-terminal is linked
   * (as `picolink sim --repl-pty DIR` does with DIR/picoN) for mpremote, Thonny and the like.
   */
  usb?: true | { ptyPath: string };
  /**
   * A host folder holding the board's filesystem: read at construction when it has files (they
   * replace `files`), written after each REPL command and at each soft reset.
   */
  fsDir?: string;
}

export type PicoState = 'off' | 'booting' | 'running' | 'crashed';

export interface PicoEvents {
  console: [string];
  led: [boolean];
  state: [PicoState];
  booted: [{ heapFree: number; bootMs: number }];
  'main-exited': [string | null];
  warning: [string];
  /** Octets the board sent on its USB serial port. */
  usb: [Uint8Array];
}

const MAX_CONSOLE_LINES = 2000;
let shims: Record<string, string> | null = null;

export class VirtualPico extends EventEmitter<PicoEvents> {
  readonly name: string;
  readonly node: RadioNode;
  readonly uniqueId: Uint8Array;
  readonly console: string[] = [];
  led = false;
  state: PicoState = 'off';
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private bell = new Int32Array(new SharedArrayBuffer(4));
  private hostReceiver: ((b: Uint8Array) => void) | null = null;
  private files: Record<string, Uint8Array>;
  private resetCause: ResetCause = 'power-on';
  /** The USB port's receive buffer (kept over resets, as the host's port stays open) and pty. */
  private readonly usbInput: SharedArrayBuffer | null;
  private readonly usbPty: PtyPort | null = null;
  private usbPending: Uint8Array[] = [];
  private usbRetry: NodeJS.Timeout | null = null;
  private replMode: ReplMode = 'friendly';
  /** What options.fsDir holds. */
  private folderFiles: Record<string, Uint8Array> = {};
  private readonly watchdog = new Watchdog(createWatchdogMemory(), () => void this.resetFromBoard('watchdog'));

  constructor(
    private readonly radio: Radio,
    private readonly options: PicoOptions,
  ) {
    super();
    this.name = options.name;
    this.files = options.fsDir ? (readBoardFolder(options.fsDir) ?? options.files) : options.files;
    if (options.fsDir) this.folderFiles = mirrorBoardFolder(options.fsDir, this.files, readBoardFolder(options.fsDir) ?? {});
    this.uniqueId = options.uniqueId ?? uniqueIdFor(options.name);
    const address = Array.from(this.uniqueId, (b) => b.toString(16).padStart(2, '0')).join(':').toUpperCase();
    this.node = radio.addNode({ ...PICO_W_CONTROLLER, name: options.name, address, ...(options.position ? { position: options.position } : {}) });
    this.node.controller.powerOff();
    this.usbInput = options.usb ? createUsbInput() : null;
    if (options.usb && options.usb !== true) {
      const pty = new PtyPort(options.usb.ptyPath);
      pty.onData((b) => this.usbWrite(b));
      this.on('usb', (b) => pty.write(b));
      this.usbPty = pty;
    }
  }

  /** The path of the board's USB serial port, when it is a pseudo-terminal. */
  get usbPath(): string | null {
    return this.usbPty?.linkPath ?? null;
  }

  /** Octets from the host to the board's USB serial port (kept until the board takes them). */
  usbWrite(bytes: Uint8Array): void {
    if (!this.usbInput) throw new Error(`${this.name} has no USB serial port (options.usb)`);
    this.usbPending.push(Uint8Array.from(bytes));
    this.feedUsb();
  }

  private feedUsb(): void {
    if (!this.usbInput) return;
    while (this.usbPending.length > 0) {
      const head = this.usbPending[0]!;
      const n = writeUsbInput(this.usbInput, head);
      if (n < head.length) {
        this.usbPending[0] = head.subarray(n);
        break;
      }
      this.usbPending.shift();
    }
    Atomics.add(this.bell, 0, 1);
    Atomics.notify(this.bell, 0);
    if (this.usbPending.length > 0 && !this.usbRetry) {
      this.usbRetry = setTimeout(() => {
        this.usbRetry = null;
        this.feedUsb();
      }, 5);
    }
  }

  /** Powers the board on and resolves once MicroPython has booted (before main.py runs). */
  powerOn(): Promise<{ heapFree: number; bootMs: number }> {
    if (this.worker) return Promise.reject(new Error(`${this.name} is already on`));
    this.node.controller.powerOn();
    const { port1, port2 } = new MessageChannel();
    this.port = port2;
    const hostPort: HostPort = {
      write: (bytes) => {
        this.port?.postMessage(bytes);
        Atomics.add(this.bell, 0, 1);
        Atomics.notify(this.bell, 0);
      },
      onData: (r) => {
        this.hostReceiver = r;
      },
      close: () => undefined,
    };
    port2.on('message', (b: Uint8Array) => this.hostReceiver?.(b));
    this.node.controller.attachHost(hostPort);
    shims ??= readShims();
    const workerData: BoardWorkerData = {
      name: this.name,
      files: this.files,
      shims,
      frozen: this.options.frozen ?? {},
      heapBytes: this.options.heapBytes ?? PICO_W_HEAP_BYTES,
      heapMode: this.options.heapMode ?? 'warn',
      uniqueId: this.uniqueId,
      hciPort: port1,
      doorbell: this.bell.buffer as SharedArrayBuffer,
      resetCause: this.resetCause,
      watchdog: this.watchdog.memory,
      ...(this.usbInput ? { usb: { input: this.usbInput, mode: this.replMode } } : {}),
    };
    const worker = new Worker(resourcePaths().boardWorker, { workerData, transferList: [port1] });
    this.worker = worker;
    this.setState('booting');
    return new Promise((resolve, reject) => {
      worker.on('message', (m: WorkerToMain) => {
        if (this.worker !== worker) return;
        switch (m.type) {
          case 'console':
            this.log(m.text);
            break;
          case 'led':
            this.led = m.on;
            this.emit('led', m.on);
            break;
          case 'booted':
            this.setState('running');
            this.emit('booted', m);
            resolve(m);
            break;
          case 'main-exited':
            this.emit('main-exited', m.error);
            break;
          case 'reset':
            void this.resetFromBoard('watchdog');
            break;
          case 'soft-reset':
            // The board's files survive it, and its REPL comes back in the mode it left.
            if (m.files) this.keepFiles(m.files);
            if (m.replMode) this.replMode = m.replMode;
            void this.resetFromBoard('soft');
            break;
          case 'watchdog':
            this.watchdog.start(m.timeoutMs);
            break;
          case 'files':
            this.keepFiles(m.files);
            break;
          case 'usb':
            this.emit('usb', m.bytes);
            break;
          case 'warning':
            this.log(`[picolink] ${m.text}`);
            this.emit('warning', m.text);
            break;
        }
      });
      worker.on('error', (e) => {
        if (this.worker !== worker) return;
        // The runtime itself failed (not the firmware): the board is dead until powered again.
        this.log(`[picolink] board crashed: ${e.message}`);
        this.node.controller.powerOff();
        this.setState('crashed');
        reject(e);
      });
      worker.on('exit', () => {
        if (this.worker === worker && this.state !== 'crashed') this.setState('off');
      });
    });
  }

  /** Cuts the power: firmware, Bluetooth stack and controller stop at once. */
  async powerOff(): Promise<void> {
    // A power cut stops the watchdog and clears the reason for the last reset.
    this.watchdog.stop();
    this.resetCause = 'power-on';
    this.replMode = 'friendly';
    const worker = this.worker;
    this.worker = null;
    this.node.controller.powerOff();
    this.node.controller.detachHost();
    this.port?.close();
    this.port = null;
    this.hostReceiver = null;
    this.led = false;
    if (worker) await worker.terminate();
    this.setState('off');
  }

  async reboot(): Promise<{ heapFree: number; bootMs: number }> {
    await this.powerOff();
    return this.powerOn();
  }

  /**
   * A reset from inside the board. machine.reset() (so deepsleep's wake-up too) resets the RP2040
   * through its watchdog, as the watchdog itself does, so machine.reset_cause() then gives
   * WDT_RESET (ports/rp2/modmachine.c mp_machine_reset -> watchdog_reboot; micropython#19409).
   * A soft reset keeps the cause, and a running watchdog keeps counting through it.
   */
  private async resetFromBoard(kind: 'watchdog' | 'soft'): Promise<void> {
    const cause = kind === 'soft' ? this.resetCause : 'watchdog';
    const watchdogMs = kind === 'soft' && this.watchdog.running ? this.watchdog.timeoutMs : null;
    const replMode = kind === 'soft' ? this.replMode : 'friendly';
    await this.powerOff();
    this.resetCause = cause;
    this.replMode = replMode;
    if (watchdogMs !== null) this.watchdog.start(watchdogMs);
    // A failed boot is reported through the state and the console, as for powerOn.
    await this.powerOn().catch(() => undefined);
  }

  /** Replaces the firmware files; takes effect at the next boot. */
  setFiles(files: Record<string, Uint8Array>): void {
    this.files = files;
  }

  /** The board's filesystem as it wrote it: its next boot starts with it, and fsDir keeps it. */
  private keepFiles(files: Record<string, Uint8Array>): void {
    this.files = files;
    if (this.options.fsDir) this.folderFiles = mirrorBoardFolder(this.options.fsDir, files, this.folderFiles);
  }

  move(position: Position): void {
    this.node.controller.moveTo(position);
  }

  async close(): Promise<void> {
    if (this.usbRetry) clearTimeout(this.usbRetry);
    this.usbPty?.close();
    await this.powerOff();
    this.radio.removeNode(this.name);
  }

  private log(text: string): void {
    this.console.push(text);
    if (this.console.length > MAX_CONSOLE_LINES) this.console.splice(0, this.console.length - MAX_CONSOLE_LINES);
    this.emit('console', text);
  }

  private setState(s: PicoState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }
}

/** A stable, locally unique id per name, in the RP2040 flash id's 8-octet form cut to 6. */
function uniqueIdFor(name: string): Uint8Array {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return Uint8Array.from([0xe6, 0x61, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff]);
}
