// Bounds-checked little-endian reader and writer for HCI payloads (Core Vol 4 Part E 5.2: all
// multi-octet fields are little-endian). Codecs use these, never raw offsets into a buffer.

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly layer: string,
    readonly code: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${layer}: ${message} (${code} at offset ${offset})`);
  }
}

export class ByteReader {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly layer = 'hci',
  ) {}

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws DecodeError in this reader's layer: malformed input at `offset`. */
  fail(code: string, offset: number, message: string): never {
    throw new DecodeError(this.layer, code, offset, message);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail('truncated', this.pos, `needs ${n} more octets, has ${this.remaining}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  i8(): number {
    const v = this.u8();
    return v > 0x7f ? v - 0x100 : v;
  }
  u16(): number {
    this.need(2);
    const v = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  u24(): number {
    return this.u16() | (this.u8() << 16);
  }
  bytesN(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  rest(): Uint8Array {
    return this.bytesN(this.remaining);
  }
  /** Asserts that a fixed-size structure was consumed exactly. */
  end(): void {
    if (this.remaining !== 0) this.fail('trailing-octets', this.pos, `${this.remaining} unexpected trailing octets`);
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  constructor(capacity = 32) {
    this.buf = new Uint8Array(capacity);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  i8(v: number): this {
    return this.u8(v < 0 ? v + 0x100 : v);
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = v & 0xff;
    this.buf[this.pos++] = (v >> 8) & 0xff;
    return this;
  }
  u24(v: number): this {
    return this.u16(v & 0xffff).u8(v >> 16);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** Writes `b` padded with zeros (or cut) to exactly `n` octets, as fixed-size HCI fields are. */
  fixed(b: Uint8Array, n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.buf.set(b.subarray(0, n), this.pos);
    this.pos += n;
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}
