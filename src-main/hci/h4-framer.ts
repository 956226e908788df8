// Splits an H4 byte stream into packets. Core Vol 4 Part A 2: an indicator octet, then a header
// whose last field is the payload length. Three states: need indicator, need header, need body.
// Garbage never throws: a bad indicator or an impossible length is reported and skipped, so the
// stream resynchronises on the next plausible packet; a stalled partial packet is dropped by the
// transport calling `flushPartial()` after an idle gap.
import { HCI_ACLDATA_PKT, HCI_COMMAND_PKT, HCI_EVENT_PKT, HCI_ISODATA_PKT, HCI_SCODATA_PKT } from './constants.ts';

export type FramerError =
  | { kind: 'bad-indicator'; octet: number }
  | { kind: 'too-long'; indicator: number; length: number }
  | { kind: 'truncated'; indicator: number; have: number; want: number };

export type FramerOutput = { kind: 'packet'; bytes: Uint8Array } | { kind: 'error'; error: FramerError };

interface Shape {
  headerLength: number;
  payloadLength(header: Uint8Array): number;
}

// Header lengths after the indicator. Core Vol 4 Part E 5.4.1-5.4.5.
const SHAPES: Record<number, Shape> = {
  [HCI_COMMAND_PKT]: { headerLength: 3, payloadLength: (h) => h[2]! },
  [HCI_ACLDATA_PKT]: { headerLength: 4, payloadLength: (h) => h[2]! | (h[3]! << 8) },
  [HCI_SCODATA_PKT]: { headerLength: 3, payloadLength: (h) => h[2]! },
  [HCI_EVENT_PKT]: { headerLength: 2, payloadLength: (h) => h[1]! },
  [HCI_ISODATA_PKT]: { headerLength: 4, payloadLength: (h) => (h[2]! | (h[3]! << 8)) & 0x3fff },
};

export interface FramerOptions {
  /** Packet indicators this side accepts; any other octet is garbage. */
  accept: readonly number[];
  /** Longest ACL payload accepted (the controller's advertised buffer size). */
  maxAclLength: number;
}

export class H4Framer {
  private indicator = 0;
  private header: number[] = [];
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private readonly accept: Set<number>;

  constructor(private readonly options: FramerOptions) {
    this.accept = new Set(options.accept);
  }

  /** True while a packet has started but not finished. */
  get partial(): boolean {
    return this.indicator !== 0;
  }

  push(chunk: Uint8Array): FramerOutput[] {
    const out: FramerOutput[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.indicator === 0) {
        const octet = chunk[i++]!;
        if (!this.accept.has(octet)) {
          out.push({ kind: 'error', error: { kind: 'bad-indicator', octet } });
          continue;
        }
        this.indicator = octet;
        this.header = [];
        continue;
      }
      const shape = SHAPES[this.indicator]!;
      if (this.body === null) {
        this.header.push(chunk[i++]!);
        if (this.header.length < shape.headerLength) continue;
        const length = shape.payloadLength(Uint8Array.from(this.header));
        if (this.indicator === HCI_ACLDATA_PKT && length > this.options.maxAclLength) {
          out.push({ kind: 'error', error: { kind: 'too-long', indicator: this.indicator, length } });
          this.indicator = 0;
          continue;
        }
        this.body = new Uint8Array(1 + shape.headerLength + length);
        this.body[0] = this.indicator;
        this.body.set(this.header, 1);
        this.bodyFill = 1 + shape.headerLength;
      } else {
        const take = Math.min(this.body.length - this.bodyFill, chunk.length - i);
        this.body.set(chunk.subarray(i, i + take), this.bodyFill);
        this.bodyFill += take;
        i += take;
      }
      if (this.body.length === this.bodyFill) {
        out.push({ kind: 'packet', bytes: this.body });
        this.indicator = 0;
        this.body = null;
      }
    }
    return out;
  }

  /** Drops a stalled partial packet, reporting it; returns null when there was none. */
  flushPartial(): FramerError | null {
    if (this.indicator === 0) return null;
    const shape = SHAPES[this.indicator]!;
    const error: FramerError = {
      kind: 'truncated',
      indicator: this.indicator,
      have: this.body ? this.bodyFill : 1 + this.header.length,
      want: this.body ? this.body.length : 1 + shape.headerLength,
    };
    this.indicator = 0;
    this.body = null;
    return error;
  }
}

export function describeFramerError(e: FramerError): string {
  switch (e.kind) {
    case 'bad-indicator':
      return `unknown H4 packet indicator 0x${e.octet.toString(16).padStart(2, '0')} skipped`;
    case 'too-long':
      return `packet type 0x${e.indicator.toString(16)} claims ${e.length} octets, over the buffer size; header skipped`;
    case 'truncated':
      return `packet type 0x${e.indicator.toString(16)} stalled at ${e.have} of ${e.want} octets; dropped`;
  }
}
