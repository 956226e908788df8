// A `picolink` child process for end-to-end tests: the real entry point, its output collected,
// every wait bounded so that a hang fails the test instead of blocking it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { lstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'picolink.js');
export const WAIT_MS = 10_000;
export const BTSNOOP_HEADER = '6274736e6f6f7000' + '00000001' + '000003ea'; // "btsnoop\0", version 1, datalink 1002

/** A running `picolink` with its output so far; every wait has a deadline. */
export class Cli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out = { stdout: '', stderr: '' };
  readonly exited: Promise<number | null>;
  private readonly changed = new Set<() => void>();

  /**
   * Runs in a process group of its own, so kill() ends whatever the CLI started too. With
   * `stdin: 'null'` its standard input is /dev/null rather than a pipe from this process.
   */
  constructor(args: string[], options: { stdin?: 'pipe' | 'null' } = {}) {
    const argv = [BIN, ...args];
    this.child =
      options.stdin === 'null'
        ? spawn('/bin/sh', ['-c', 'exec "$0" "$@" < /dev/null', process.execPath, ...argv], { cwd: ROOT, stdio: 'pipe', detached: true })
        : spawn(process.execPath, argv, { cwd: ROOT, stdio: 'pipe', detached: true });
    live.add(this);
    this.child.on('exit', () => live.delete(this));
    for (const name of ['stdout', 'stderr'] as const) {
      this.child[name].setEncoding('utf8');
      this.child[name].on('data', (text: string) => {
        this.out[name] += text;
        for (const f of this.changed) f();
      });
    }
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    void this.exited.then(() => [...this.changed].forEach((f) => f()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once `stream` holds `text` at or after `from`; rejects on timeout or exit, quoting the output. */
  waitFor(stream: 'stdout' | 'stderr', text: string, from = 0, ms = WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.changed.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const fail = (why: string): Error => new Error(`${why} waiting for ${JSON.stringify(text)} on ${stream}\n${this.transcript()}`);
      const check = (): void => {
        if (this.out[stream].includes(text, from)) done();
        else if (!this.running) done(fail('exited'));
      };
      const timer = setTimeout(() => done(fail(`${ms} ms passed`)), ms);
      this.changed.add(check);
      check();
    });
  }

  /** Sends a control line and waits for `expect` to appear on `stream` after it. */
  async send(line: string, expect: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
    const from = this.out[stream].length;
    this.child.stdin.write(`${line}\n`);
    await this.waitFor(stream, expect, from);
    return this.out[stream].slice(from);
  }

  /** The exit code, or a rejection after `ms` (the fixture kills the process after the test). */
  async exit(ms = WAIT_MS): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no exit after ${ms} ms\n${this.transcript()}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` to the CLI alone. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Kills the CLI's whole process group (while the CLI runs: after that its group id may be reused). */
  kill(): void {
    if (this.running) killGroup(this.child.pid);
  }

  transcript(): string {
    return `--- stdout\n${this.out.stdout}--- stderr\n${this.out.stderr}`;
  }
}

const live = new Set<Cli>();

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

// A test run that ends early (a failure in a hook, vitest stopping the worker) still takes its
// CLIs with it; the CLIs also stop by themselves when this process's end of their stdin closes.
process.on('exit', () => {
  for (const cli of live) cli.kill();
});

/**
 * Registers hooks that give each test a fresh temporary directory and kill, after the test,
 * every process it spawned. Call at the top of a test file.
 */
export function cliFixture(): { dir(): string; picolink(...args: string[]): Cli; picolinkNoStdin(...args: string[]): Cli } {
  const spawned: Cli[] = [];
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'picolink-cli-'));
  });
  afterEach(async () => {
    for (const cli of spawned.splice(0)) {
      cli.kill();
      await cli.exit().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    picolink: (...args) => {
      const cli = new Cli(args);
      spawned.push(cli);
      return cli;
    },
    picolinkNoStdin: (...args) => {
      const cli = new Cli(args, { stdin: 'null' });
      spawned.push(cli);
      return cli;
    },
  };
}

/** True when nothing, not even a dangling symlink, is at `p`. */
export const gone = (p: string): boolean => {
  try {
    lstatSync(p);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
};

/** A host on the far end of a radio pty: the test opens the link as a UART HCI host would. */
export class PtyHost {
  private readonly fd: number;
  private readonly stream: tty.ReadStream;
  private received = Buffer.alloc(0);
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(linkPath: string) {
    this.fd = openSync(linkPath, 'r+');
    this.stream = new tty.ReadStream(this.fd);
    this.stream.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake?.();
    });
    this.stream.on('error', (e) => {
      this.error = e;
      this.wake?.();
    });
  }

  /** Writes `hex` and returns the next `length` bytes the controller sends back, as hex. */
  async exchange(hex: string, length: number, ms = WAIT_MS): Promise<string> {
    writeSync(this.fd, Buffer.from(hex, 'hex'));
    const deadline = Date.now() + ms;
    while (this.received.length < length) {
      if (this.error) throw this.error;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`after ${hex}: only ${this.received.toString('hex')} in ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
    const reply = this.received.subarray(0, length);
    this.received = this.received.subarray(length);
    return reply.toString('hex');
  }

  close(): void {
    this.stream.destroy(); // closes the fd
  }
}

export interface SnoopRecord {
  flags: number;
  drops: number;
  length: number;
  timestampUs: bigint;
  packet: string;
}

/** The records of a btsnoop file after its 16-byte header. */
export function snoopRecords(file: Buffer): SnoopRecord[] {
  const out: SnoopRecord[] = [];
  let at = 16;
  while (at < file.length) {
    const length = file.readUInt32BE(at + 4);
    if (file.readUInt32BE(at) !== length) throw new Error(`record at ${at}: truncated`);
    const [flags, drops, timestampUs] = [file.readUInt32BE(at + 8), file.readUInt32BE(at + 12), file.readBigUInt64BE(at + 16)];
    out.push({ flags, drops, length, timestampUs, packet: file.subarray(at + 24, at + 24 + length).toString('hex') });
    at += 24 + length;
  }
  if (at !== file.length) throw new Error('a partial record at the end');
  return out;
}
