// A UART adapter's reads and writes on the event loop's thread (hub/adapter/serial-io.ts): they
// mean to serialport's unixRead/unixWrite what its thread-pool fs.read/fs.write meant.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNow, serialIoOnLoop, writeNow } from '../../src-main/hub/adapter/serial-io.ts';

let dir: string;
let fifo: string;
const fds: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'picolink-serial-io-'));
  fifo = path.join(dir, 'fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
});

afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function open(flags: number): number {
  const fd = openSync(fifo, flags | constants.O_NONBLOCK);
  fds.push(fd);
  return fd;
}

describe.skipIf(process.platform === 'win32')('serial I/O on the loop', () => {
  it('reads what is there, and EAGAIN when nothing is, without waiting', async () => {
    const fd = open(constants.O_RDWR); // Linux opens a FIFO read-write without a peer
    const buffer = Buffer.alloc(16);
    await expect(readNow(fd, buffer, 0, 16, null)).rejects.toMatchObject({ code: 'EAGAIN' });
    await expect(writeNow(fd, Buffer.from([0x04, 0x0e, 0x01]), 0, 3)).resolves.toMatchObject({ bytesWritten: 3 });
    const { bytesRead } = await readNow(fd, buffer, 0, 16, null);
    expect(buffer.subarray(0, bytesRead)).toEqual(Buffer.from([0x04, 0x0e, 0x01]));
  });

  it('turns a read of 0 bytes (the far end gone) into a wait for the poller, not a spin', async () => {
    // A FIFO with no writer reads 0 bytes at once: unixRead would read again at once, forever.
    const fd = open(constants.O_RDONLY);
    await expect(readNow(fd, Buffer.alloc(4), 0, 4, null)).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  it('reports a closed descriptor as serialport expects, for its disconnect handling', async () => {
    const fd = open(constants.O_RDWR);
    closeSync(fds.pop()!);
    await expect(writeNow(fd, Buffer.from([1]), 0, 1)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('is installed on the binding noble’s UART driver loads', () => {
    serialIoOnLoop();
    const require = createRequire(import.meta.url);
    const { LinuxPortBinding } = require('@serialport/bindings-cpp') as { LinuxPortBinding: { prototype: { picolinkDirectIo?: boolean } } };
    expect(LinuxPortBinding.prototype.picolinkDirectIo).toBe(true);
  });
});
