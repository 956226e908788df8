// A UART adapter's reads and writes on the event loop's own thread. serialport's Unix binding
// (@serialport/bindings-cpp unix-read.js, unix-write.js) opens the port non-blocking
// (serialport_unix.cpp: O_NONBLOCK) and waits for it with its poller, yet does each read() and
// write() through libuv's thread pool: per HCI packet a hand-off to a pool thread and back, and a
// read more that comes back EAGAIN after every chunk. With many links at 20 pings a second each,
// those hand-offs were most of the hub's time on its event loop (bench/hub-bench.ts profile): the
// woken pool thread takes the core while the loop waits for it. A read() or write() on a
// non-blocking descriptor returns at once, so here they are called directly; serialport's own
// unixRead/unixWrite still decide what EAGAIN, a short write or a disconnection mean, through the
// fs functions they accept for exactly this. Patched once on the binding the UART driver loaded.
import { createRequire } from 'node:module';
import { readSync, writeSync } from 'node:fs';

interface PortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  writeOperation: Promise<void> | null;
}

interface PortPrototype {
  read(this: PortBinding, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
  write(this: PortBinding, buffer: Buffer): Promise<void>;
  picolinkDirectIo?: boolean;
}

type FsRead = (fd: number, buffer: Buffer, offset: number, length: number, position: null) => Promise<{ bytesRead: number; buffer: Buffer }>;
type FsWrite = (fd: number, buffer: Buffer, offset: number, length: number) => Promise<{ bytesWritten: number; buffer: Buffer }>;
type UnixRead = (o: { binding: PortBinding; buffer: Buffer; offset: number; length: number; fsReadAsync: FsRead }) => Promise<{ bytesRead: number; buffer: Buffer }>;
type UnixWrite = (o: { binding: PortBinding; buffer: Buffer; fsWriteAsync: FsWrite }) => Promise<void>;

function wouldBlock(): NodeJS.ErrnoException {
  return Object.assign(new Error('EAGAIN: nothing to read yet'), { code: 'EAGAIN' });
}

export const readNow: FsRead = (fd, buffer, offset, length) => {
  try {
    const bytesRead = readSync(fd, buffer, offset, length, null);
    // unixRead reads again at once after 0 bytes; on a hung-up descriptor that would be a loop
    // of microtasks that never lets the event loop turn. Waiting for the poller ends it as the
    // thread-pool read would: the poller reports the hang-up.
    return bytesRead === 0 ? Promise.reject(wouldBlock()) : Promise.resolve({ bytesRead, buffer });
  } catch (error) {
    return Promise.reject(error as Error);
  }
};

export const writeNow: FsWrite = (fd, buffer, offset, length) => {
  try {
    return Promise.resolve({ bytesWritten: writeSync(fd, buffer, offset, length), buffer });
  } catch (error) {
    return Promise.reject(error as Error);
  }
};

/** Installs the direct reads and writes on the serialport binding that noble's UART driver uses. */
export function serialIoOnLoop(): void {
  const nobleRequire = createRequire(createRequire(import.meta.url).resolve('@stoprocent/noble'));
  const hciSocketRequire = createRequire(nobleRequire.resolve('@stoprocent/bluetooth-hci-socket'));
  const serialportRequire = createRequire(hciSocketRequire.resolve('serialport'));
  const bindingsRequire = createRequire(serialportRequire.resolve('@serialport/bindings-cpp'));
  const bindings = bindingsRequire('@serialport/bindings-cpp') as Record<string, { prototype: PortPrototype } | undefined>;
  const { unixRead } = bindingsRequire('./unix-read.js') as { unixRead: UnixRead };
  const { unixWrite } = bindingsRequire('./unix-write.js') as { unixWrite: UnixWrite };
  for (const name of ['LinuxPortBinding', 'DarwinPortBinding']) {
    const proto = bindings[name]?.prototype;
    if (!proto || proto.picolinkDirectIo) continue;
    proto.picolinkDirectIo = true;
    proto.read = async function (buffer, offset, length) {
      if (!this.isOpen) throw new Error('Port is not open');
      return unixRead({ binding: this, buffer, offset, length, fsReadAsync: readNow });
    };
    proto.write = async function (buffer) {
      if (!this.isOpen) throw new Error('Port is not open');
      // As the binding's own write: a failed write stays the pending operation, for drain() to report.
      this.writeOperation = (async () => {
        if (buffer.length === 0) return;
        await unixWrite({ binding: this, buffer, fsWriteAsync: writeNow });
        this.writeOperation = null;
      })();
      return this.writeOperation;
    };
  }
}
