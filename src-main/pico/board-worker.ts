// One virtual Pico W: a MicroPython (WebAssembly) instance in its own worker thread, with the
// board's filesystem, console, LED, a Pico-sized heap, and a blocking sleep that keeps the
// Bluetooth stack and IRQs running, as the board's scheduler does.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { HostEnd } from '../hci/host-end.ts';
import { createBleModule, type BridgeEnv } from './ble-bridge.ts';
import { lockCHeap } from './heap-limit.ts';
import { createMachineModule } from './machine-bridge.ts';
import { PyMemory } from './py-memory.ts';
import type { BoardWorkerData, WorkerToMain } from './protocol.ts';
import { PumpClock } from './pump-clock.ts';
import { awaitTopLevelRuns } from './top-level-run.ts';
import { UsbInputReader } from './usb-input.ts';
import { inputLine, Readline } from './readline.ts';
import { runRepl } from './usb-repl.ts';
import { UsbConsole } from './usb-console.ts';

const data = workerData as BoardWorkerData;
const post = (m: WorkerToMain): void => parentPort!.postMessage(m);
const bell = new Int32Array(data.doorbell);
const clock = new PumpClock();
const bootStart = performance.now();
/** The board's USB serial port, when it has one (VirtualPico's replPty). */
const usb = data.usb ? new UsbConsole(new UsbInputReader(data.usb.input), bell, (bytes) => post({ type: 'usb', bytes })) : null;

// Emscripten reports refused memory growth on stderr; with the heap locked that is expected.
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]): void => {
  const first = String(args[0] ?? '');
  if (first.startsWith('growMemory:') || first.startsWith('Failed to grow the heap')) return;
  consoleError(...args);
};

// The WebAssembly memory, so the Bluetooth bridge can move bytes without copies through Python.
let memory: WebAssembly.Memory | null = null;
const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
(WebAssembly as unknown as { instantiate: (...a: unknown[]) => Promise<unknown> }).instantiate = async (...args) => {
  // Ctrl-C must reach code busy in WebAssembly: every call out of it looks at the USB input
  // (a loop that calls nothing out, `while True: pass`, is not reached: see usb-console.ts).
  if (usb) wrapImports(args[1] as Record<string, Record<string, unknown>>, usb);
  const r = (await instantiate(...args)) as { instance?: WebAssembly.Instance } & WebAssembly.Instance;
  const exports = (r.instance ?? r).exports;
  for (const v of Object.values(exports)) {
    if (v instanceof WebAssembly.Memory) memory = v;
    if (v instanceof WebAssembly.Table) cacheTableReads(v);
  }
  return r;
};

function wrapImports(imports: Record<string, Record<string, unknown>>, u: UsbConsole): void {
  const env = imports.env;
  if (!env) return;
  for (const [name, f] of Object.entries(env)) {
    if (typeof f !== 'function') continue;
    const fn = f as (...a: unknown[]) => unknown;
    env[name] = (...a: unknown[]): unknown => {
      if (u.executing && u.input.available) u.poll();
      return fn(...a);
    };
  }
}

/**
 * This build of MicroPython (an emscripten build with assertions) checks its mirror of the
 * function table against WebAssembly.Table.get on every indirect call that can longjmp
 * (getWasmTableEntry, behind every invoke_* wrapper: each nlr_push, so each Python call and
 * try), and Table.get is a slow native call. Nothing changes the table after instantiation (the
 * runtime never calls addFunction, and MicroPython's C code has no table.set), so its entries are
 * read once.
 */
function cacheTableReads(table: WebAssembly.Table): void {
  const read = table.get.bind(table);
  const entries: unknown[] = [];
  Object.defineProperty(table, 'get', {
    value: (i: number): unknown => entries[i] ?? (entries[i] = read(i)),
  });
}

// HCI to the board's controller, which lives in the main thread with the rest of the radio.
let hciReceiver: ((b: Uint8Array) => void) | null = null;
export const hciHost: HostEnd = {
  send: (b) => data.hciPort.postMessage(b),
  onReceive: (r) => {
    hciReceiver = r;
  },
  close: () => data.hciPort.close(),
};
data.hciPort.on('message', (b: Uint8Array) => {
  hciReceiver?.(b);
  deliverPending();
});

/**
 * Takes in the HCI traffic that has arrived one packet at a time, delivering each packet's IRQs
 * before the next: a board's stack runs an event's callbacks to the end before it reads the next
 * (modbluetooth_btstack.c att_write_callback -> mp_bluetooth_gatts_on_write, synchronous), so the
 * value gatts_read() gives inside _IRQ_GATTS_WRITE is that write's. Inside an IRQ handler nothing
 * is taken in: the board's scheduler is locked there, so its stack does not run either.
 */
function drainHci(): void {
  if (delivering) return;
  // The main thread rings after posting, so an unchanged count means nothing new to take in; a
  // message that raced ahead of its ring is taken now and its ring costs one empty look later.
  const rung = Atomics.load(bell, 0);
  if (rung === drainedAt) return;
  drainedAt = rung;
  for (let m = receiveMessageOnPort(data.hciPort); m; m = receiveMessageOnPort(data.hciPort)) {
    hciReceiver?.(m.message as Uint8Array);
    deliverPending();
  }
}

/** The doorbell count when drainHci last looked at the port. */
let drainedAt = -1;

/** Work that must reach the firmware in scheduler context (IRQ callbacks, timer callbacks). */
const pending: (() => void)[] = [];
let delivering = false;
/** Counts work delivered, so a wait can tell that something may have woken a task. */
let delivered = 0;
export function schedule(fn: () => void): void {
  pending.push(fn);
  if (!delivering) setImmediate(deliverPending);
}
function deliverPending(): void {
  if (delivering) return; // never re-entrant: an IRQ handler's own events wait for it to return
  delivering = true;
  try {
    for (let fn = pending.shift(); fn; fn = pending.shift()) {
      delivered++;
      fn();
    }
  } finally {
    delivering = false;
  }
}

/** time.sleep_ms: blocks the firmware, not the radio: HCI, timers and IRQs go on meanwhile. */
function sleepMs(ms: number): boolean {
  const deadline = performance.now() + Math.max(0, Number(ms) || 0);
  for (;;) {
    const seen = Atomics.load(bell, 0); // read before draining, so no arrival is missed
    // Ctrl-C from USB ends the sleep (true): its KeyboardInterrupt is raised in the sleep (_pico_boot.py).
    if (usb && (usb.flush(), usb.takePending())) return true;
    drainHci();
    clock.runDue();
    deliverPending();
    // Taken after the deliveries: an IRQ handler or a timer callback may have armed a timer.
    const nextTimer = clock.next();
    const now = performance.now();
    if (now >= deadline) return false;
    Atomics.wait(bell, 0, seen, Math.max(0, Math.min(deadline, nextTimer) - now));
  }
}

/**
 * A read of the board's stdin (sys.stdin, input()): waits for the first octet from USB as
 * mp_hal_stdin_rx_chr does (ports/rp2/mphalport.c: the radio, timers and IRQs go on meanwhile),
 * then takes what else is waiting, up to `length`. Ctrl-C: KeyboardInterrupt is scheduled and its
 * octet ends the read. No USB port: end of input.
 */
function readUsbStdin(into: Uint8Array, offset: number, length: number): number {
  if (!usb || length === 0) return 0;
  const first = usbRxChr(usb, usb.interrupts);
  into[offset] = first ?? 0x03;
  let n = 1;
  if (first === null) return n;
  for (let b = n < length ? usb.takeByte() : undefined; b !== undefined; b = n < length ? usb.takeByte() : undefined) into[offset + n++] = b;
  return n;
}

/**
 * ports/rp2/mphalport.c mp_hal_stdin_rx_chr: the next octet from USB, waiting for it while the
 * radio, timers and IRQs go on; null when a Ctrl-C since `interrupts` scheduled KeyboardInterrupt.
 */
function usbRxChr(u: UsbConsole, interrupts: number): number | null {
  for (;;) {
    u.flush(); // a prompt goes out before the wait
    u.poll();
    // Counted, not taken from takePending(): the wait below may take it (it ends sleeps).
    if (u.interrupts !== interrupts) {
      u.forgetPending();
      return null;
    }
    const b = u.takeByte();
    if (b !== undefined) return b;
    waitMs(50);
  }
}

/**
 * The idle wait of a blocking asyncio.run(): as sleepMs, but returns as soon as an IRQ or a timer
 * callback has been delivered (it may have set a flag a task waits on), or after `ms`; ms < 0
 * waits for such work only, as the board's loop does with no task due.
 */
function waitMs(ms: number): void {
  const deadline = ms < 0 ? Infinity : performance.now() + ms;
  const before = delivered;
  for (;;) {
    const seen = Atomics.load(bell, 0);
    if (usb?.takePending()) return;
    drainHci();
    clock.runDue();
    deliverPending();
    const nextTimer = clock.next();
    const now = performance.now();
    if (delivered !== before || now >= deadline) return;
    const until = Math.min(deadline, nextTimer);
    Atomics.wait(bell, 0, seen, until === Infinity ? undefined : Math.max(0, until - now));
  }
}

/**
 * machine.idle(): on the rp2 port mp_machine_idle is MICROPY_INTERNAL_WFE(1) (ports/rp2/modmachine.c),
 * a sleep until the next interrupt or 1 ms at most. Here the interrupts are HCI from the controller
 * (the doorbell) and the stack's timers; a firmware's `while ...: machine.idle()` loop then leaves
 * the core to the radio and the other boards instead of spinning.
 */
function idle(): void {
  const seen = Atomics.load(bell, 0);
  const before = delivered;
  drainHci();
  clock.runDue();
  deliverPending();
  if (delivered !== before) return;
  const wait = Math.min(IDLE_MAX_MS, clock.next() - performance.now());
  if (wait > 0) Atomics.wait(bell, 0, seen, wait);
  drainHci();
  clock.runDue();
  deliverPending();
}
const IDLE_MAX_MS = 1;

function adcU16(channel: number): number {
  if (channel !== 4) return 0;
  // RP2040 datasheet 4.9.5: T = 27 - (V - 0.706) / 0.001721; a room at about 22 C, drifting slowly.
  const t = 22 + Math.sin(performance.now() / 60_000) * 1.5;
  const v = 0.706 - (t - 27) * 0.001721;
  return Math.round((v / 3.3) * 65535) & 0xffff;
}

/** What gc.mem_free() counts down from: the runtime's share (measured after boot) plus the board's heap. */
let heapLimit = data.heapBytes;

/** Room for the runtime's own Python in the first GC area; the heap grows beyond it on demand. */
const RUNTIME_AREA_BYTES = 64 * 1024;

const { loadMicroPython } = await import('@micropython/micropython-webassembly-pyscript');
const mp = await loadMicroPython({
  // Strict mode grows a separate area of the board's size for the firmware (see below); warn mode
  // starts with room for both, so a firmware's first 190 KB need no growth in small steps.
  heapsize: data.heapMode === 'strict' ? RUNTIME_AREA_BYTES : RUNTIME_AREA_BYTES + data.heapBytes,
  pystack: 4096,
  linebuffer: false,
  // A board has one stdout, its USB port; the console lines (our log) are cut from it.
  stdout: (b) => stdoutByte(b[0]!),
  stderr: (b) => stdoutByte(b[0]!),
});
// ... and one stdin, the same port. emscripten's stdin device asks its input() for octets until
// one returns null, so it cannot wait for the first and then take only what is there: the read
// itself is replaced.
{
  const stdin = (mp.FS as unknown as { getStream(fd: number): { stream_ops: Record<string, unknown> } | null }).getStream(0);
  if (stdin) stdin.stream_ops = { ...stdin.stream_ops, read: (_s: unknown, buf: Uint8Array, off: number, len: number) => readUsbStdin(buf, off, len) };
}
if (usb) usb.interrupt = () => (mp._module as unknown as { _mp_sched_keyboard_interrupt(): void })._mp_sched_keyboard_interrupt();
/** A function of _pico_boot.py (the runtime's boot module, imported before any firmware). */
const boot = (name: '_loop_wake' | '_loop_stop' | '_kbd_pending' | '_complete'): ((...args: unknown[]) => unknown) => mp.pyimport('_pico_boot')[name] as () => unknown;
// A loop waiting for its next timer runs at once, and the KeyboardInterrupt is raised in it (see
// the uncaughtException handler below), as on a board where the interrupt ends the loop's wait.
if (usb) usb.wake = () => void boot('_loop_wake')();

/**
 * The REPL's Tab completion (py/repl.c mp_repl_autocomplete) in __main__. From input() it runs
 * Python inside a call out of Python, as IRQ handlers do inside a sleep (deliverPending).
 */
function completeNames(words: string[], modules: boolean): string[] | null {
  // The built-in module list (mp_builtin_module_map) is not known to this runtime: an
  // "import" line completes nothing.
  if (modules) return null;
  try {
    const names = boot('_complete')(words.join('.'));
    return typeof names === 'string' ? names.split('\n').filter(Boolean) : null;
  } catch {
    return null; // as py/repl.c's mp_load_method_protected swallows any exception
  }
}

/** This boot's line editor: the friendly REPL's and input()'s, one history as on a board. */
const lineEditor = usb ? new Readline({ write: (bytes) => usb.write(bytes), print: (text) => printText(text), complete: completeNames }) : null;

/**
 * input()'s line (_pico_input.py) edited as the REPL edits it; the typed line also goes to the
 * console log, whose lines are cut from stdout (the editor echoes to the port only). None without
 * a USB port.
 */
function readInputLine(): string | number | null {
  if (!usb || !lineEditor) return null;
  const interrupts = usb.interrupts;
  const r = inputLine(lineEditor, () => usbRxChr(usb, interrupts));
  if (typeof r === 'string') {
    post({ type: 'console', text: utf8Decoder.decode(Uint8Array.from(consoleLine)) + r });
    consoleLine = [];
  }
  return r;
}

// Every octet the board prints passes here: one decoder and one encoder for the board's life.
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();
let consoleLine: number[] = [];
function stdoutByte(b: number): void {
  usb?.output(b);
  if (b === 0x0a) {
    post({ type: 'console', text: utf8Decoder.decode(Uint8Array.from(consoleLine)) });
    consoleLine = [];
  } else {
    consoleLine.push(b);
  }
}

/** Writes files by relative path; a path ending in "/" is a folder (an empty one: see board-folder.ts). */
function writeTree(root: string, files: Record<string, Uint8Array | string>): void {
  for (const [rel, body] of Object.entries(files)) {
    const parts = `${root}/${rel}`.split('/').filter(Boolean);
    const folder = rel.endsWith('/');
    let dir = '';
    for (const p of folder ? parts : parts.slice(0, -1)) {
      dir += `/${p}`;
      try {
        mp.FS.mkdir(dir);
      } catch {
        // exists
      }
    }
    if (!folder) mp.FS.writeFile(`/${parts.join('/')}`, body);
  }
}
writeTree('/_pico', data.shims);
// Frozen packages are not files a board's os.listdir('/') shows: they sit inside our runtime's
// folder, in one whose name no import can reach.
const FROZEN_DIR = '/_pico/frozen-lib';
writeTree(FROZEN_DIR, data.frozen);
writeTree('', data.files);
mp.FS.chdir('/');

mp.registerJsModule(
  '_ble',
  createBleModule({
    hci: hciHost,
    clock,
    memory: new PyMemory(memory!),
    name: data.name,
    schedule,
    sleepMs,
    pollIo: () => {
      drainHci();
      clock.runDue();
      deliverPending();
    },
    dispatch: () => mp.pyimport('bluetooth')._dispatch as ReturnType<BridgeEnv['dispatch']>,
    console: (text) => post({ type: 'console', text }),
  }),
);

// A call's result reaches Python as is: undefined is an <undefined> object, which the REPL echoes
// for `time.sleep(1)` where a board's C function returns None (null here).
const none =
  <A extends unknown[]>(f: (...a: A) => void) =>
  (...a: A): null => {
    f(...a);
    return null;
  };
mp.registerJsModule('_pico', {
  // True when a Ctrl-C ended the sleep, else None.
  sleep_ms: (ms: number): true | null => sleepMs(ms) || null,
  input_line: readInputLine,
  // time.ticks_us: microseconds, wrapping at 2**30 as MicroPython's ticks do (MICROPY_PY_TIME_TICKS_PERIOD).
  ticks_us: () => Math.floor(performance.now() * 1000) & 0x3fffffff,
  poll: none(() => sleepMs(0)),
  idle: none(idle),
  wait_ms: none(waitMs),
  led: none((on: number) => post({ type: 'led', on: Boolean(on) })),
  unique_id_hex: () => Buffer.from(data.uniqueId).toString('hex'),
  adc_u16: adcU16,
  heap_limit: () => heapLimit,
  reset: () => {
    post({ type: 'reset' });
    // machine.reset() never returns: the main thread restarts the board.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  },
  warn: (text: string) => post({ type: 'warning', text }),
});

mp.registerJsModule(
  '_machine',
  createMachineModule({
    clock,
    schedule,
    sleepMs,
    doorbell: bell,
    post,
    resetCause: data.resetCause,
    watchdog: data.watchdog,
    timerIrq: () => mp.pyimport('_machine_time')._timer_irq as () => unknown,
    console: (text) => post({ type: 'console', text }),
  }),
);

function runModule(name: string): string | null {
  try {
    mp.runPython(`import ${name}`);
    return null;
  } catch (e) {
    const err = e as { name?: string; type?: string; message?: string };
    if (err.name !== 'PythonError') throw e;
    if (err.type === 'SystemExit') return null;
    printText(err.message ?? '');
    return err.type ?? 'Exception';
  }
}

mp.runPython("import sys\nsys.path.insert(0, '/_pico')");
// A board's sys.path is ['', '.frozen', '/lib'] (py/runtime.c mp_init puts '' and '.frozen',
// ports/rp2/main.c appends '/lib'): a module in '/' wins over a frozen one, one in /lib does not.
// This build's '.frozen' holds its own (asyncio), so ours go right after it.
mp.runPython(`import sys\nsys.path.insert(sys.path.index('.frozen') + 1, '${FROZEN_DIR}')`);
const bootError = runModule('_pico_boot');
if (bootError) throw new Error(`board runtime failed to boot: ${bootError}`);
if (data.heapMode === 'strict') {
  // A heap of the board's size for the firmware alone (see _pico_heap.py); each step runs at
  // top level, where this build collects garbage.
  mp.runPython(`import _pico_heap\n_pico_heap.grow(${data.heapBytes})`);
  lockCHeap(mp._module);
  mp.runPython('_pico_heap.fill()\n_pico_heap.release()'); // one call: after fill nothing can be compiled
}
// A board's __main__ starts with __name__ alone (py/runtime.c mp_init): the modules our boot steps
// imported there go, so neither firmware nor the REPL's Tab (py/repl.c mp_repl_autocomplete looks
// in __main__) finds a `sys` a board would not have.
mp.runPython("for _n in ('sys', '_pico_boot', '_pico_heap'):\n    globals().pop(_n, None)\ndel _n");
const gc = mp.pyimport('gc') as { collect(): void; mem_free(): number; mem_alloc(): number };
gc.collect();
/** What the runtime holds after boot: the firmware's heap comes on top (gc.mem_free, warn mode). */
const runtimeBytes = gc.mem_alloc();
heapLimit = runtimeBytes + data.heapBytes;
const heapFree = gc.mem_free();
if (data.heapMode === 'warn') watchHeap();

/** In 'warn' mode: live data is what survives the collection done on each call in from here. */
function watchHeap(): void {
  let warned = false;
  setInterval(() => {
    if (delivering) return;
    const live = gc.mem_alloc() - runtimeBytes;
    if (!warned && live > data.heapBytes) {
      warned = true;
      post({
        type: 'warning',
        text: `heap: ${live} bytes of live data, more than the ${data.heapBytes} a Pico W has; on a board this firmware would raise MemoryError`,
      });
    } else if (warned && live < data.heapBytes * 0.9) {
      warned = false;
    }
  }, 200).unref();
}
post({ type: 'booted', heapFree, bootMs: performance.now() - bootStart });

/**
 * Runs boot.py or main.py as a board does (ports/rp2/main.c pyexec_file_if_exists: compiled and
 * run in __main__ with __file__ set; an uncaught exception printed with its traceback), with its
 * top-level asyncio.run() calls awaited (top-level-run.ts). Resolves when the file's code ends.
 */
async function runFirmware(file: string): Promise<string | null> {
  const source = new TextDecoder().decode(mp.FS.readFile(`/${file}`));
  const rewritten = awaitTopLevelRuns(source);
  mp.globals.set('__file__', file);
  for (const code of rewritten === source ? [source] : [rewritten, source]) {
    try {
      await Promise.race([
        mp.runPythonAsync(code),
        new Promise((_, reject) => {
          interruptFirmware = reject;
        }),
      ]);
      return null;
    } catch (e) {
      const err = e as { name?: string; type?: string; message?: string };
      if (err.name !== 'PythonError') throw e;
      if (err.type === 'SystemExit') return null;
      // Our rewrite compiles or nothing ran: the original then reports its own syntax, if bad.
      if (err.type === 'SyntaxError' && code !== source) continue;
      printText(boardTraceback(err.message ?? '').replaceAll('File "<stdin>"', `File "${file}"`));
      return 'exception';
    } finally {
      interruptFirmware = null;
    }
  }
  return null;
}

/** Ends the awaited firmware with this error (see below). */
let interruptFirmware: ((e: unknown) => void) | null = null;

// A USB Ctrl-C while firmware awaits (its top-level asyncio.run(), run as an await) is raised by
// the VM inside this build's asyncio loop, which runs from a host timer: it leaves the loop
// (KeyboardInterrupt is no Exception, asyncio/core.py _run_iter) and reaches here. On a board it
// leaves asyncio.run() and main.py, and the loop's tasks never run again: so here too.
process.on('uncaughtException', (e: Error & { type?: string }) => {
  if (!isKeyboardInterrupt(e)) throw e;
  // No boot.py or main.py running: on a board Ctrl-C is then no interrupt character, and a
  // KeyboardInterrupt scheduled just before the code ended was dropped with it (below), so one
  // that still surfaces here (from a host timer of an asyncio loop already stopped) is dropped too.
  if (!interruptFirmware) return;
  // The code is over: as pyexec.c parse_compile_execute does then, Ctrl-C is no longer the
  // interrupt character (mp_hal_set_interrupt_char(-1)) and one already scheduled is dropped
  // (mp_handle_pending(false)), so a second Ctrl-C (mpremote sends two) cannot land in the
  // loop's clean-up and take the board down.
  if (usb) usb.executing = false;
  try {
    boot('_loop_stop')();
  } catch (again) {
    if (!isKeyboardInterrupt(again)) throw again;
    boot('_loop_stop')();
  }
  interruptFirmware(e);
});

function isKeyboardInterrupt(e: unknown): boolean {
  const x = e as { name?: string; type?: string } | null;
  return x?.name === 'PythonError' && x.type === 'KeyboardInterrupt';
}

/**
 * A traceback as a board prints it: without the frames of our Python shims (src-main/pico/python,
 * kept in /_pico), which on a board are C functions and show no frame.
 */
function boardTraceback(text: string): string {
  return text.replace(/^ {2}File "\/_pico\/[^\n]*\n/gm, '');
}

/** Text the runtime printed (a traceback), through stdout as the board prints it. */
function printText(text: string): void {
  for (const b of utf8Encoder.encode(text.endsWith('\n') ? text : `${text}\n`)) stdoutByte(b);
}

const has = (f: string): boolean => Object.prototype.hasOwnProperty.call(data.files, f);
let error: string | null = null;
if (usb) usb.executing = true;
if (has('boot.py')) error = await runFirmware('boot.py');
// ports/rp2/main.c: main.py runs only when the REPL is the friendly one (a soft reset from the raw
// REPL, as mpremote does, skips it).
if (!error && has('main.py') && data.usb?.mode !== 'raw') error = await runFirmware('main.py');
if (usb) usb.executing = false;
post({ type: 'main-exited', error });
if (usb) {
  await runRepl(
    {
      write: (bytes) => usb.write(bytes),
      print: (text) => printText(text),
      read: () => usb.read(),
      exec: execRepl,
      complete: completeNames,
      softReset: (mode) => {
        usb.flush();
        post({ type: 'soft-reset', replMode: mode, files: snapshotFiles() });
      },
    },
    data.usb!.mode,
    lineEditor!,
  );
}

/** Code from the REPL, run in __main__ as pyexec.c parse_compile_execute runs it. */
function execRepl(source: string, mode: 'file' | 'single'): { type: string; traceback: string } | null {
  usb!.flush(); // the REPL's "OK" goes out before code that may run for long
  const interrupts = usb!.interrupts;
  usb!.forgetPending();
  usb!.executing = true;
  try {
    if (mode === 'file') {
      mp.globals.set('__file__', '<stdin>'); // pyexec.c parse_compile_execute, MP_PARSE_FILE_INPUT
      mp.runPython(source);
    } else {
      mp.globals.set('_usb_repl_src', source);
      mp.runPython("exec(compile(_usb_repl_src, '<stdin>', 'single'))");
    }
    usb!.executing = false;
    // Ctrl-C after the code's last jump (in its last call out of the runtime, a sleep aside: that
    // raises it itself): pyexec.c parse_compile_execute's mp_handle_pending raises it there, with
    // no traceback of its own.
    if (usb!.interrupts !== interrupts && boot('_kbd_pending')()) {
      return { type: 'KeyboardInterrupt', traceback: 'KeyboardInterrupt: \n' };
    }
    return null;
  } catch (e) {
    const err = e as { name?: string; type?: string; message?: string };
    if (err.name !== 'PythonError') throw e;
    let traceback = boardTraceback(err.message ?? '');
    // The exec() line of our own wrapper is not the user's frame.
    if (mode === 'single') traceback = traceback.replace(/^(Traceback \(most recent call last\):\n) {2}File "<stdin>", line 1, in <module>\n/, '$1');
    return { type: err.type ?? 'Exception', traceback };
  } finally {
    usb!.executing = false;
    if (mode === 'single') mp.runPython("globals().pop('_usb_repl_src', None)");
    usb!.flush();
    post({ type: 'files', files: snapshotFiles() });
  }
}

/**
 * The board's own files (not our runtime's nor emscripten's folders), to carry over a soft reset;
 * an empty folder as its path with a "/" (`mpremote fs mkdir` makes one to copy into later).
 */
function snapshotFiles(): Record<string, Uint8Array> {
  const fs = mp.FS as unknown as {
    readdir(p: string): string[];
    stat(p: string): { mode: number };
    isDir(mode: number): boolean;
    readFile(p: string): Uint8Array;
  };
  const skip = new Set(['/_pico', '/dev', '/proc', '/tmp', '/home']);
  const files: Record<string, Uint8Array> = {};
  const EMPTY = new Uint8Array(0);
  const walk = (dir: string): void => {
    for (const name of fs.readdir(dir)) {
      if (name === '.' || name === '..') continue;
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      if (skip.has(path)) continue;
      if (!fs.isDir(fs.stat(path).mode)) files[path.slice(1)] = fs.readFile(path);
      else if (fs.readdir(path).length <= 2) files[`${path.slice(1)}/`] = EMPTY;
      else walk(path);
    }
  };
  walk('/');
  return files;
}
