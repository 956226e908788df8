// A MicroPython raw-REPL client over any duplex byte stream (a serialport SerialPort for a real
// board or a virtual Pico's pty, a scripted stream in tests). The octets and the order of the
// waits are those of micropython tools/pyboard.py and tools/mpremote/mpremote/transport_serial.py
// (SerialTransport), whose functions each method names; the board side is
// shared/runtime/pyexec.c pyexec_raw_repl and do_reader_stdin.
import type { Duplex } from 'node:stream';
import { UsbError } from './errors.ts';

const CTRL_A = 0x01; // pyexec.c CHAR_CTRL_A: enter raw REPL; in raw-paste, "window available"
const CTRL_B = 0x02; // CHAR_CTRL_B: back to the friendly REPL
const CTRL_C = 0x03; // CHAR_CTRL_C: KeyboardInterrupt
const CTRL_D = 0x04; // CHAR_CTRL_D: end of a command / EOF marker / soft reset
const CTRL_E = 0x05; // CHAR_CTRL_E: with 'A' and Ctrl-A, raw-paste mode

/** transport_serial.py enter_raw_repl: the banner the board prints on entering the raw REPL. */
export const RAW_REPL_BANNER = 'raw REPL; CTRL-B to exit\r\n';
/** ports/rp2/main.c soft_reset_exit prints "MPY: soft reboot"; pyboard.py waits for its tail. */
const SOFT_REBOOT = 'soft reboot\r\n';
/** transport_serial.py read_until's default: seconds allowed between two characters. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** transport_serial.py exec_raw_no_follow: plain raw mode writes 256 octets at a time. */
const RAW_CHUNK = 256;
/** How long one interrupt + Ctrl-A attempt waits for the raw REPL banner before sending it again. */
export const ENTER_RETRY_MS = 1_000;

export interface WaitOptions {
  /** Longest quiet time between two octets (pyboard read_until's `timeout`). */
  timeoutMs?: number;
  /** Longest time in all, however much arrives (read_until's `timeout_overall`). */
  overallMs?: number;
  signal?: AbortSignal;
}

/** The board ran the code and it raised: its traceback (the error stream between the two \x04). */
export class ReplExecError extends UsbError {
  readonly traceback: string;
  /** The exception's class, from the traceback's last line ("OSError: [Errno 2] ENOENT" -> "OSError"). */
  readonly exceptionType: string;
  readonly out: string;
  constructor(out: string, traceback: string) {
    const last = traceback.trim().split(/\r?\n/).pop() ?? '';
    super('board-error', `the board raised ${last || 'an exception'}`, traceback);
    this.name = 'ReplExecError';
    this.traceback = traceback;
    this.exceptionType = /^([A-Za-z_][\w.]*)/.exec(last)?.[1] ?? 'Exception';
    this.out = out;
  }
}

/** A raw paste's flow control, as transport_serial.py raw_paste_write counts it. */
export interface RawPasteFlow {
  /** The window the board granted (pyexec.c do_reader_stdin: MICROPY_REPL_STDIN_BUFFER_MAX / 2). */
  windowSize: number;
  /** The Ctrl-A octets it sent, each one window more (the first comes right after the size). */
  increments: number;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

export class RawRepl {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended: string | null = null;
  /** transport_serial.py SerialTransport.use_raw_paste: off for good once the board refuses it. */
  useRawPaste = true;
  private rawPasteFlow: RawPasteFlow | null = null;

  constructor(
    private readonly stream: Duplex,
    private readonly defaults: { timeoutMs?: number } = {},
  ) {
    stream.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? Buffer.from(d) : Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    const end = (why: string): void => {
      this.ended ??= why;
      this.wake?.();
    };
    stream.on('close', () => end('the port closed'));
    stream.on('end', () => end('the port closed'));
    stream.on('error', (e: Error) => end(`the port failed: ${e.message}`));
  }

  async write(bytes: string | Uint8Array): Promise<void> {
    if (this.ended) throw new UsbError('no-answer', `cannot write: ${this.ended}`, 'Check the cable and that the board is powered.');
    const b = typeof bytes === 'string' ? latin1(bytes) : bytes;
    await new Promise<void>((resolve, reject) => {
      this.stream.write(b, (e) => (e ? reject(new UsbError('no-answer', `cannot write: ${e.message}`)) : resolve()));
    });
  }

  /** The last execNoFollow's raw paste; null when it ran in plain raw mode. */
  get lastRawPaste(): Readonly<RawPasteFlow> | null {
    return this.rawPasteFlow;
  }

  /** Octets received and not yet read, taken (transport_serial.py's input flush). */
  drain(): string {
    const s = this.buf.toString('latin1');
    this.buf = Buffer.alloc(0);
    return s;
  }

  /**
   * transport_serial.py read_until: the octets up to and including `ending` (latin-1), failing
   * when the board is quiet for timeoutMs, the signal aborts, or the port ends.
   */
  async readUntil(ending: string, opts: WaitOptions = {}): Promise<string> {
    const needle = latin1(ending);
    return this.waitFor((buf) => {
      const at = buf.indexOf(needle);
      return at < 0 ? -1 : at + needle.length;
    }, `${JSON.stringify(ending)}`, opts);
  }

  /** Exactly n octets (pyserial's read(n) with a timeout). */
  async read(n: number, opts: WaitOptions = {}): Promise<string> {
    return this.waitFor((buf) => (buf.length >= n ? n : -1), `${n} octet(s)`, opts);
  }

  private async waitFor(end: (buf: Buffer) => number, what: string, opts: WaitOptions): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const signal = opts.signal;
    const deadline = opts.overallMs === undefined ? Infinity : Date.now() + opts.overallMs;
    for (;;) {
      const at = end(this.buf);
      if (at >= 0) {
        const s = this.buf.subarray(0, at).toString('latin1');
        this.buf = this.buf.subarray(at);
        return s;
      }
      if (signal?.aborted) throw new UsbError('cancelled', 'cancelled', '');
      if (this.ended) throw new UsbError('no-answer', `${this.ended} while waiting for ${what}`, 'Check the cable and that the board is powered.');
      // The timeout runs between octets, as read_until's: a long output keeps it alive.
      const outcome = await new Promise<'data' | 'timeout' | 'abort'>((resolve) => {
        const timer = setTimeout(() => finish('timeout'), Math.max(0, Math.min(timeoutMs, deadline - Date.now())));
        const onAbort = (): void => finish('abort');
        const finish = (o: 'data' | 'timeout' | 'abort'): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.wake = null;
          resolve(o);
        };
        this.wake = (): void => finish('data');
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (outcome === 'abort') throw new UsbError('cancelled', 'cancelled', '');
      if (outcome === 'timeout') {
        const got = this.buf.toString('latin1').slice(-80);
        throw new UsbError(
          'no-answer',
          Date.now() >= deadline
            ? `no ${what} from the board within ${opts.overallMs} ms${got ? ` (last: ${JSON.stringify(got)})` : ''}`
            : `the board stopped answering: nothing for ${timeoutMs} ms while waiting for ${what}${got ? ` (last: ${JSON.stringify(got)})` : ''}`,
          'Unplug the board and plug it in again, then retry; nothing is half-installed.',
        );
      }
    }
  }

  /** pyboard.py cancel_running_program / enter_raw_repl: "\r" then Ctrl-C twice. */
  async interrupt(): Promise<void> {
    await this.write(Uint8Array.of(0x0d, CTRL_C, CTRL_C));
  }

  /**
   * transport_serial.py enter_raw_repl(soft_reset): interrupt, flush, Ctrl-A, wait for the banner;
   * with softReset, Ctrl-D and "soft reboot" (the board restarts without running main.py, as
   * pyboard.py's ctrl_d notes), then the banner again.
   */
  async enterRawRepl(softReset: boolean, opts: WaitOptions = {}): Promise<void> {
    // pyboard.py sends the sequence once; a board still starting (just soft-reset, or
    // enumerating) can miss it, so it goes again each ENTER_RETRY_MS until the timeout.
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.interrupt();
      this.drain();
      await this.write(Uint8Array.of(0x0d, CTRL_A));
      const left = deadline - Date.now();
      try {
        const attempt = Math.max(1, Math.min(ENTER_RETRY_MS, left));
        await this.readUntil(RAW_REPL_BANNER, { ...opts, timeoutMs: attempt, overallMs: attempt });
        break;
      } catch (e) {
        if (!(e instanceof UsbError && e.code === 'no-answer') || this.ended || left <= ENTER_RETRY_MS) throw e;
      }
    }
    if (softReset) {
      await this.readUntil('>', opts);
      await this.write(Uint8Array.of(CTRL_D));
      await this.readUntil(SOFT_REBOOT, opts);
      await this.readUntil(RAW_REPL_BANNER, opts);
    }
    // The '>' after the banner is read by exec's prompt check.
  }

  /** transport_serial.py exit_raw_repl: "\r" Ctrl-B, back to the friendly REPL. */
  async exitRawRepl(): Promise<void> {
    await this.write(Uint8Array.of(0x0d, CTRL_B));
  }

  /**
   * transport_serial.py exec_raw_no_follow: wait for the '>' prompt, then raw-paste (Ctrl-E 'A'
   * Ctrl-A) or, when the board answers 'R\x00' (it understood and refused) or something else
   * (a build without raw-paste), plain raw mode: the code in 256-octet pieces, Ctrl-D, "OK".
   */
  async execNoFollow(code: string | Uint8Array, opts: WaitOptions = {}): Promise<void> {
    const bytes = typeof code === 'string' ? Buffer.from(code, 'utf8') : code;
    this.rawPasteFlow = null;
    await this.readUntil('>', opts);
    if (this.useRawPaste) {
      await this.write(Uint8Array.of(CTRL_E, 0x41 /* 'A' */, CTRL_A));
      const answer = await this.read(2, opts);
      if (answer === 'R\x01') return this.rawPasteWrite(bytes, opts);
      if (answer === 'R\x00') {
        // pyexec.c pyexec_raw_repl: after do_reader_stdin refuses, it prints the '>' prompt again.
        await this.readUntil('>', opts);
      } else {
        // An older board took Ctrl-A as "reset raw REPL" and printed the banner and '>' again.
        await this.readUntil(`w REPL; CTRL-B to exit\r\n>`, opts);
      }
      this.useRawPaste = false;
    }
    for (let i = 0; i < bytes.length; i += RAW_CHUNK) await this.write(bytes.subarray(i, i + RAW_CHUNK));
    await this.write(Uint8Array.of(CTRL_D));
    const ok = await this.read(2, opts);
    if (ok !== 'OK') throw new UsbError('board-error', `could not exec command (response: ${JSON.stringify(ok)})`, '');
  }

  /**
   * transport_serial.py raw_paste_write: the 2-octet little-endian window size, then at most a
   * window of code at a time, waiting for Ctrl-A (one more window) or Ctrl-D (the board ended
   * early: acknowledge with Ctrl-D); Ctrl-D at the end, and the board's Ctrl-D after it.
   */
  private async rawPasteWrite(bytes: Uint8Array, opts: WaitOptions): Promise<void> {
    const size = latin1(await this.read(2, opts));
    const windowSize = size.readUInt16LE(0);
    if (windowSize === 0) throw new UsbError('board-error', 'the board offered a raw-paste window of 0 octets', '');
    const flow: RawPasteFlow = { windowSize, increments: 0 };
    this.rawPasteFlow = flow;
    let windowRemain = windowSize;
    let i = 0;
    while (i < bytes.length) {
      while (windowRemain === 0 || this.buf.length > 0) {
        const b = (await this.read(1, opts)).charCodeAt(0);
        if (b === CTRL_A) {
          windowRemain += windowSize;
          flow.increments++;
        } else if (b === CTRL_D) {
          await this.write(Uint8Array.of(CTRL_D));
          return;
        } else {
          throw new UsbError('board-error', `unexpected read during raw paste: ${JSON.stringify(String.fromCharCode(b))}`, '');
        }
      }
      const chunk = bytes.subarray(i, Math.min(i + windowRemain, bytes.length));
      await this.write(chunk);
      windowRemain -= chunk.length;
      i += chunk.length;
    }
    await this.write(Uint8Array.of(CTRL_D));
    const ack = await this.readUntil('\x04', opts);
    // Window increments the board sent after the last chunk are flow control, not an error.
    for (const c of ack.slice(0, -1)) {
      if (c !== '\x01') throw new UsbError('board-error', `could not complete raw paste: ${JSON.stringify(ack)}`, '');
      flow.increments++;
    }
  }

  /** transport_serial.py follow: the output up to the first \x04, the error output up to the second. */
  async follow(opts: WaitOptions = {}): Promise<{ out: string; err: string }> {
    const out = (await this.readUntil('\x04', opts)).slice(0, -1);
    const err = (await this.readUntil('\x04', opts)).slice(0, -1);
    return { out: Buffer.from(out, 'latin1').toString('utf8'), err: Buffer.from(err, 'latin1').toString('utf8') };
  }

  /** transport_serial.py exec: runs code, returns its output; a traceback becomes ReplExecError. */
  async exec(code: string | Uint8Array, opts: WaitOptions = {}): Promise<string> {
    await this.execNoFollow(code, opts);
    const { out, err } = await this.follow(opts);
    if (err) throw new ReplExecError(out, err);
    return out;
  }

  /**
   * Soft reset that runs main.py: from the friendly REPL, Ctrl-D (in the raw REPL a soft reset
   * skips main.py: ports/rp2/main.c runs it only in PYEXEC_MODE_FRIENDLY_REPL).
   */
  async softResetFriendly(opts: WaitOptions = {}): Promise<void> {
    await this.exitRawRepl();
    // pyexec.c pyexec_friendly_repl prints its prompt; Ctrl-D on an empty line soft-resets.
    await this.readUntil('>>> ', opts);
    await this.write(Uint8Array.of(CTRL_D));
    await this.readUntil(SOFT_REBOOT, opts);
  }
}
