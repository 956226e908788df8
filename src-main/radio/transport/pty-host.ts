// The host end of a pty endpoint, opened from Node: what a UART HCI driver does with a serial
// port, minus the serial settings (the radio already put the line in raw mode).
import { closeSync, openSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import type { HostEnd } from '../../hci/host-end.ts';

export function openPtyHost(path: string): HostEnd {
  const fd = openSync(path, 'r+');
  const stream = new tty.ReadStream(fd);
  let receiver: ((bytes: Uint8Array) => void) | null = null;
  let closed = false;
  stream.on('data', (d: Buffer) => receiver?.(new Uint8Array(d.buffer, d.byteOffset, d.length)));
  stream.on('error', () => undefined); // the radio closing the master ends the stream; nothing to do
  return {
    send(bytes) {
      if (!closed) writeSync(fd, bytes);
    },
    onReceive(r) {
      receiver = r;
    },
    close() {
      if (closed) return;
      closed = true;
      stream.destroy();
      try {
        closeSync(fd);
      } catch {
        // closed with the stream
      }
    },
  };
}
