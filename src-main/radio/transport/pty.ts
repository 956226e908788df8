// HCI H4 over a pseudo-terminal: a host opens PATH as it would open a UART HCI dongle.
// node-pty's native openpty() gives the pair; we keep the slave fd open (unread) so a host can
// close and reopen the port without the master seeing a hangup, and put the line in raw mode
// so no octet is translated. Reads go through a tty stream; writes do not (see pty-writer.ts).
import { execFileSync } from 'node:child_process';
import { closeSync, lstatSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import tty from 'node:tty';
import type { HostPort } from './host-port.ts';
import { PtyWriter, type PtyWriterOptions, type PtyWriterStats } from './pty-writer.ts';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

function nativePty(): NativePty {
  const require = createRequire(import.meta.url);
  // The package's public API spawns processes; openpty() alone is on its native binding.
  const mod = require('node-pty') as { native?: NativePty };
  if (!mod.native) throw new Error('node-pty has no native openpty binding on this platform');
  return mod.native;
}

export class PtyPort implements HostPort {
  readonly devicePath: string;
  private readonly master: tty.ReadStream;
  private readonly slaveFd: number;
  private readonly writer: PtyWriter;
  private receiver: ((bytes: Uint8Array) => void) | null = null;
  private closed = false;

  /** Opens a pty and links `linkPath` to it (an existing symlink there is replaced). */
  constructor(
    readonly linkPath: string,
    writerOptions: PtyWriterOptions = {},
  ) {
    if (process.platform === 'win32') throw new Error('pseudo-terminals are not available on Windows; use the in-process attach');
    const { master, slave, pty } = nativePty().open(80, 24);
    try {
      execFileSync('stty', [process.platform === 'darwin' ? '-f' : '-F', pty, 'raw', '-echo'], { stdio: 'ignore' });
      replaceSymlink(pty, linkPath);
    } catch (e) {
      closeSync(master);
      closeSync(slave);
      throw e;
    }
    this.devicePath = pty;
    this.slaveFd = slave;
    this.writer = new PtyWriter(master, writerOptions);
    this.master = new tty.ReadStream(master);
    this.master.on('data', (chunk: Buffer) => this.receiver?.(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    this.master.on('error', () => this.close());
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.writer.write(bytes);
  }

  /** Bytes waiting for a host that reads slowly, and what was dropped for one that stopped. */
  get backlog(): PtyWriterStats {
    return this.writer.stats;
  }

  onData(receiver: (bytes: Uint8Array) => void): void {
    this.receiver = receiver;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Before the stream closes the descriptor the writer uses.
    this.writer.close();
    this.master.destroy();
    try {
      closeSync(this.slaveFd);
    } catch {
      // already closed by the stream teardown
    }
    try {
      // Only our own symlink: the path may have been taken over since.
      if (lstatSync(this.linkPath).isSymbolicLink() && readlinkSync(this.linkPath) === this.devicePath) unlinkSync(this.linkPath);
    } catch {
      // symlink already gone
    }
  }
}

function replaceSymlink(target: string, linkPath: string): void {
  try {
    const st = lstatSync(linkPath);
    if (!st.isSymbolicLink()) throw new Error(`${linkPath} exists and is not a symlink; refusing to replace it`);
    unlinkSync(linkPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  symlinkSync(target, linkPath);
}
