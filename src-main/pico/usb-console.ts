// The board's end of its USB CDC port, in the board's worker: what the host sends (through shared
// memory, usb-input.ts) and what the board prints.
//
// Ctrl-C while code runs is the interrupt character (pyexec.c parse_compile_execute
// mp_hal_set_interrupt_char(CHAR_CTRL_C)): it is not queued but schedules KeyboardInterrupt
// (ports/rp2 USB CDC rx: mp_sched_keyboard_interrupt). The worker is then busy in WebAssembly,
// whose memory the host cannot reach, so the input is looked at on every call out of it (each
// Python call, print, sleep, Bluetooth call; board-worker.ts wrapImports) and every 20 ms when
// it awaits (asyncio). A loop that calls nothing (`while True: pass`) is not interrupted.
import type { UsbInputReader } from './usb-input.ts';

const CHAR_CTRL_C = 0x03;

/** Atomics.waitAsync (Node 16+; TypeScript's lib has it from es2024, this project targets es2022). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;
const FLUSH_BYTES = 4096;
const ASYNC_POLL_MS = 20;

export class UsbConsole {
  /** True while firmware or REPL code runs (Ctrl-C then interrupts it). */
  private running = false;
  /** Counts Ctrl-C delivered as KeyboardInterrupt. */
  interrupts = 0;
  /**
   * A Ctrl-C delivered that no sleep has returned for yet. The input is polled on every call out
   * of the runtime, so a Ctrl-C may be taken on the very call that enters a sleep, before the sleep
   * starts: the sleep must still return for it.
   */
  private pending = false;
  /** Schedules KeyboardInterrupt in the runtime (mp_sched_keyboard_interrupt). */
  interrupt: (() => void) | null = null;
  /**
   * Makes a runtime that awaits (nothing of it on the stack: its asyncio loop waits for a host
   * timer, e.g. `await asyncio.sleep(60)`) run now. The scheduled KeyboardInterrupt is raised
   * only when the VM runs, so without this a Ctrl-C would wait for the firmware's next timer.
   */
  wake: (() => void) | null = null;
  private readonly queue: number[] = [];
  private out: number[] = [];
  private flushQueued = false;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    readonly input: UsbInputReader,
    private readonly bell: Int32Array,
    private readonly send: (bytes: Uint8Array) => void,
  ) {}

  get executing(): boolean {
    return this.running;
  }

  set executing(on: boolean) {
    this.running = on;
    if (on && !this.poller) {
      this.poller = setInterval(() => this.poll(true), ASYNC_POLL_MS);
      this.poller.unref();
    } else if (!on && this.poller) {
      clearInterval(this.poller);
      this.poller = null;
    }
  }

  /**
   * Takes in what the host sent; a Ctrl-C while code runs interrupts it. `awaiting`: called from
   * the host's event loop while the code awaits, not from a call out of the runtime.
   */
  poll(awaiting = false): void {
    if (!this.input.available) return;
    let interrupted = false;
    for (const b of this.input.take()) {
      if (this.running && b === CHAR_CTRL_C && this.interrupt) {
        // shared/tinyusb/mp_usbd_cdc.c tud_cdc_rx_cb: the interrupt character clears the stdin
        // ring buffer and schedules KeyboardInterrupt; what follows it is kept.
        this.queue.length = 0;
        this.interrupts++;
        interrupted = true;
      } else {
        this.queue.push(b);
      }
    }
    if (!interrupted) return;
    this.pending = true;
    // Woken before the interrupt is scheduled (Python run after it would raise it right there),
    // once for all the Ctrl-C of this batch: one pending exception, as mp_sched_keyboard_interrupt
    // keeps. Should an earlier one still be pending, it is raised in the wake-up: it then goes to
    // the firmware from the event loop, as one raised in its asyncio loop does (board-worker.ts).
    if (awaiting && this.wake) {
      try {
        this.wake();
      } catch (e) {
        setImmediate(() => {
          throw e;
        });
      }
    }
    this.interrupt!();
  }

  /** New code starts with no Ctrl-C of earlier code waiting. */
  forgetPending(): void {
    this.pending = false;
  }

  /** Whether a Ctrl-C is waiting for a sleep to return; a sleep that returns for it clears it. */
  takePending(): boolean {
    this.poll();
    const p = this.pending;
    this.pending = false;
    return p;
  }

  /** The next octet from the host if one is waiting (for code that reads stdin itself). */
  takeByte(): number | undefined {
    this.poll();
    return this.queue.shift();
  }

  /** The next octet from the host, waiting for it (the event loop runs meanwhile). */
  async read(): Promise<number> {
    this.flush();
    for (;;) {
      this.poll();
      const b = this.queue.shift();
      if (b !== undefined) return b;
      const seen = Atomics.load(this.bell, 0);
      this.poll();
      if (this.queue.length > 0) continue;
      const w = waitAsync(this.bell, 0, seen, 50);
      if (w.async) await w.value;
    }
  }

  /** A byte Python printed: cooked (\n -> \r\n), as mp_hal_stdout_tx_strn_cooked sends it. */
  output(b: number): void {
    if (b === 0x0a) this.out.push(0x0d);
    this.out.push(b);
    this.queueFlush(b === 0x0a);
  }

  /** Octets of the REPL's own framing, sent as they are. */
  write(bytes: string | Uint8Array): void {
    const raw = typeof bytes === 'string' ? Uint8Array.from(bytes, (c) => c.charCodeAt(0)) : bytes;
    for (const b of raw) this.out.push(b);
    this.queueFlush(false);
  }

  flush(): void {
    if (this.out.length === 0) return;
    this.send(Uint8Array.from(this.out));
    this.out = [];
  }

  private queueFlush(now: boolean): void {
    if (now || this.out.length >= FLUSH_BYTES) {
      this.flush();
      return;
    }
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.flush();
    });
  }
}
