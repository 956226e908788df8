// A raw-REPL client that does what mpremote does (micropython tools/mpremote/mpremote/transport_serial.py
// and tools/pyboard.py: enter_raw_repl, exec_raw_no_follow, raw_paste_write, follow), over a
// serial port opened as pty-host.ts opens one. Every read has a timeout; nothing is left open.
import { closeSync, openSync, writeSync } from 'node:fs';
import tty from 'node:tty';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

export class RawReplClient {
  private readonly fd: number;
  private readonly stream: tty.ReadStream;
  private buf: number[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, 'r+');
    this.stream = new tty.ReadStream(this.fd);
    this.stream.on('data', (d: Buffer) => {
      for (const b of d) this.buf.push(b);
      this.wake?.();
    });
    this.stream.on('error', () => undefined);
  }

  write(bytes: string | Uint8Array): void {
    writeSync(this.fd, typeof bytes === 'string' ? latin1(bytes) : bytes);
  }

  /** Everything received so far, taken. */
  drain(): string {
    const s = text(Uint8Array.from(this.buf));
    this.buf = [];
    return s;
  }

  /** pyboard.py read_until: the octets up to and including `ending` (latin-1 text). */
  async readUntil(ending: string, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = text(Uint8Array.from(this.buf));
      const at = s.indexOf(ending);
      if (at >= 0) {
        this.buf = this.buf.slice(at + ending.length);
        return s.slice(0, at + ending.length);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${JSON.stringify(ending)}; got ${JSON.stringify(s)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = (): void => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Exactly n octets. */
  async read(n: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout reading ${n} octets; got ${JSON.stringify(this.drain())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.wake = (): void => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = text(Uint8Array.from(this.buf.slice(0, n)));
    this.buf = this.buf.slice(n);
    return out;
  }

  /** pyboard.py enter_raw_repl(soft_reset): interrupt, Ctrl-A, and optionally Ctrl-D. */
  async enterRawRepl(softReset = true): Promise<void> {
    this.write('\r\x03');
    await new Promise((r) => setTimeout(r, 100));
    this.drain();
    this.write('\r\x01');
    if (softReset) {
      await this.readUntil('raw REPL; CTRL-B to exit\r\n>');
      this.write('\x04');
      await this.readUntil('soft reboot\r\n');
    }
    // The prompt '>' after it is read by the next exec.
    await this.readUntil('raw REPL; CTRL-B to exit\r\n');
  }

  /** exec_raw_no_follow without raw-paste: the code, Ctrl-D, and "OK". */
  async execRawNoFollow(code: string): Promise<void> {
    await this.readUntil('>');
    const bytes = new TextEncoder().encode(code);
    for (let i = 0; i < bytes.length; i += 256) this.write(bytes.subarray(i, i + 256));
    this.write('\x04');
    const ok = await this.read(2);
    if (ok !== 'OK') throw new Error(`could not exec command (response: ${JSON.stringify(ok)})`);
  }

  /** exec_raw_no_follow with raw-paste (Ctrl-E 'A' Ctrl-A) and raw_paste_write's flow control. */
  async execRawPasteNoFollow(code: string): Promise<{ windowIncrements: number; windowSize: number }> {
    await this.readUntil('>');
    this.write('\x05A\x01');
    const answer = await this.read(2);
    if (answer !== 'R\x01') throw new Error(`raw-paste refused: ${JSON.stringify(answer)}`);
    const size = await this.read(2);
    const windowSize = size.charCodeAt(0) | (size.charCodeAt(1) << 8);
    let windowRemain = windowSize;
    let windowIncrements = 0;
    const bytes = new TextEncoder().encode(code);
    let i = 0;
    while (i < bytes.length) {
      while (windowRemain === 0 || this.buf.length > 0) {
        const b = await this.read(1);
        if (b === '\x01') {
          windowRemain += windowSize;
          windowIncrements++;
        } else if (b === '\x04') {
          this.write('\x04');
          throw new Error('device ended raw-paste early');
        } else {
          throw new Error(`unexpected read during raw paste: ${JSON.stringify(b)}`);
        }
      }
      const chunk = bytes.subarray(i, Math.min(i + windowRemain, bytes.length));
      this.write(chunk);
      windowRemain -= chunk.length;
      i += chunk.length;
    }
    this.write('\x04');
    const end = await this.readUntil('\x04');
    // Window increments the board sent after we stopped needing them are still flow control.
    for (const c of end.slice(0, -1)) {
      if (c !== '\x01') throw new Error(`could not complete raw paste: ${JSON.stringify(end)}`);
      windowIncrements++;
    }
    return { windowIncrements, windowSize };
  }

  /** follow: output up to the first \x04, error output up to the second. */
  async follow(timeoutMs = 10_000): Promise<{ out: string; err: string }> {
    const out = (await this.readUntil('\x04', timeoutMs)).slice(0, -1);
    const err = (await this.readUntil('\x04', timeoutMs)).slice(0, -1);
    return { out, err };
  }

  async exec(code: string, rawPaste = false): Promise<{ out: string; err: string }> {
    if (rawPaste) await this.execRawPasteNoFollow(code);
    else await this.execRawNoFollow(code);
    return this.follow();
  }

  /** pyboard.py exit_raw_repl. */
  exitRawRepl(): void {
    this.write('\r\x02');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    try {
      closeSync(this.fd);
    } catch {
      // closed with the stream
    }
  }
}
