// btsnoop capture, the format Wireshark and btmon read. Datalink 1002 = HCI UART (H4), so each
// record is the H4 packet with its indicator. All fields big-endian.
import { closeSync, openSync, writeSync } from 'node:fs';
import { HCI_COMMAND_PKT, HCI_EVENT_PKT } from './hci/constants.ts';

const BTSNOOP_MAGIC = Buffer.from('btsnoop\0', 'latin1');
const BTSNOOP_VERSION = 1;
const BTSNOOP_DATALINK_H4 = 1002;
/** Microseconds from 0000-01-01 to 1970-01-01, the btsnoop epoch offset. */
const EPOCH_OFFSET_US = 0x00dcddb30f2f8000n;

export type Direction = 'host-to-controller' | 'controller-to-host';

export class BtsnoopWriter {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    const header = Buffer.alloc(16);
    BTSNOOP_MAGIC.copy(header, 0);
    header.writeUInt32BE(BTSNOOP_VERSION, 8);
    header.writeUInt32BE(BTSNOOP_DATALINK_H4, 12);
    writeSync(this.fd, header);
  }

  record(direction: Direction, h4: Uint8Array, timeMs = Date.now()): void {
    if (this.fd === null) return;
    const rec = Buffer.alloc(24 + h4.length);
    rec.writeUInt32BE(h4.length, 0);
    rec.writeUInt32BE(h4.length, 4);
    const indicator = h4[0];
    const isCommandOrEvent = indicator === HCI_COMMAND_PKT || indicator === HCI_EVENT_PKT;
    // Flags bit 0: 0 sent (host to controller), 1 received; bit 1: command/event rather than data.
    rec.writeUInt32BE((direction === 'controller-to-host' ? 1 : 0) | (isCommandOrEvent ? 2 : 0), 8);
    rec.writeUInt32BE(0, 12);
    rec.writeBigUInt64BE(BigInt(Math.round(timeMs * 1000)) + EPOCH_OFFSET_US, 16);
    rec.set(h4, 24);
    writeSync(this.fd, rec);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
