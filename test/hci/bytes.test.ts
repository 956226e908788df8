import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, DecodeError, fromHex, toHex } from '../../src-main/hci/bytes.ts';
import { catchDecodeError, expectHex } from './decode-error.ts';

describe('ByteWriter', () => {
  it('writes every field little-endian (Core Vol 4 Part E 5.2)', () => {
    const out = new ByteWriter()
      .u8(0xab)
      .i8(-1)
      .u16(0x0c03)
      .u24(0x123456)
      .bytes(new Uint8Array([0xde, 0xad]))
      .finish();
    expectHex(out, 'ab ff 03 0c 56 34 12 de ad');
  });

  it('pads short fixed fields with zeros and cuts long ones', () => {
    const out = new ByteWriter().fixed(new Uint8Array([1, 2]), 4).fixed(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 3).finish();
    expectHex(out, '01 02 00 00 01 02 03');
  });

  it('writes a zero-length fixed field as nothing', () => {
    expect(new ByteWriter().fixed(new Uint8Array([9]), 0).finish().length).toBe(0);
  });

  it('masks values to their field width', () => {
    expectHex(new ByteWriter().u8(0x1ff).u16(0x12345).u24(0x7abcdef).finish(), 'ff 45 23 ef cd ab');
  });

  it('encodes i8 over its whole range as two’s complement', () => {
    expectHex(new ByteWriter().i8(-128).i8(-60).i8(0).i8(127).finish(), '80 c4 00 7f');
  });

  it('grows past its initial capacity, including from zero', () => {
    for (const capacity of [0, 1, 3]) {
      const w = new ByteWriter(capacity);
      for (let i = 0; i < 300; i++) w.u8(i);
      w.fixed(new Uint8Array([0xee]), 40);
      const out = w.finish();
      expect(out.length).toBe(340);
      expect(out[0]).toBe(0);
      expect(out[299]).toBe(299 & 0xff);
      expect(out[300]).toBe(0xee);
      expect(out.subarray(301).every((b) => b === 0)).toBe(true);
    }
  });

  it('finish returns a copy that later writes do not change', () => {
    const w = new ByteWriter().u8(1);
    const first = w.finish();
    w.u8(2);
    expectHex(first, '01');
    expectHex(w.finish(), '01 02');
  });
});

describe('ByteReader', () => {
  it('reads every field little-endian and tracks offset and remaining', () => {
    const r = new ByteReader(fromHex('ab ff 03 0c 56 34 12 de ad be'));
    expect(r.u8()).toBe(0xab);
    expect(r.i8()).toBe(-1);
    expect(r.u16()).toBe(0x0c03);
    expect(r.u24()).toBe(0x123456);
    expect(r.offset).toBe(7);
    expect(r.remaining).toBe(3);
    expectHex(r.bytesN(2), 'de ad');
    expectHex(r.rest(), 'be');
    expect(r.remaining).toBe(0);
    expect(() => r.end()).not.toThrow();
  });

  it('reads i8 at both ends of its range', () => {
    const r = new ByteReader(fromHex('80 7f 81 00'));
    expect([r.i8(), r.i8(), r.i8(), r.i8()]).toEqual([-128, 127, -127, 0]);
  });

  it('round-trips what ByteWriter writes', () => {
    const values = { a: 0x00, b: -42, c: 0xffff, d: 0xffffff, e: 0x000001 };
    const bytes = new ByteWriter().u8(values.a).i8(values.b).u16(values.c).u24(values.d).u24(values.e).finish();
    const r = new ByteReader(bytes);
    expect({ a: r.u8(), b: r.i8(), c: r.u16(), d: r.u24(), e: r.u24() }).toEqual(values);
    r.end();
  });

  it('reads only its view of a larger buffer (honours byteOffset)', () => {
    const whole = fromHex('11 22 33 44 55 66');
    const r = new ByteReader(whole.subarray(2, 5));
    expect(r.remaining).toBe(3);
    expect(r.u16()).toBe(0x4433);
    expect(r.u8()).toBe(0x55);
    expect(() => r.u8()).toThrow(DecodeError);
  });

  it('bytesN returns a copy, not a view into the input', () => {
    const input = fromHex('01 02 03');
    const got = new ByteReader(input).bytesN(3);
    input[0] = 0xff;
    expectHex(got, '01 02 03');
  });

  it('reading past the end throws DecodeError truncated at the current offset', () => {
    const r = new ByteReader(fromHex('01 02 03'));
    r.u16();
    const e = catchDecodeError(() => r.u16());
    expect(e).toMatchObject({ name: 'DecodeError', layer: 'hci', code: 'truncated', offset: 2 });
    expect(e.message).toBe('hci: needs 2 more octets, has 1 (truncated at offset 2)');
    expect(r.offset).toBe(2); // a failed read consumes nothing
  });

  it('reports truncation for every reader on empty input', () => {
    const empty = new Uint8Array(0);
    for (const read of [
      (r: ByteReader) => r.u8(),
      (r: ByteReader) => r.i8(),
      (r: ByteReader) => r.u16(),
      (r: ByteReader) => r.u24(),
      (r: ByteReader) => r.bytesN(1),
    ]) {
      expect(catchDecodeError(() => read(new ByteReader(empty)))).toMatchObject({ code: 'truncated', offset: 0 });
    }
    expect(new ByteReader(empty).rest().length).toBe(0);
    expect(new ByteReader(empty).bytesN(0).length).toBe(0);
  });

  it('u24 on two octets fails where the data runs out', () => {
    const e = catchDecodeError(() => new ByteReader(fromHex('01 02')).u24());
    expect(e).toMatchObject({ code: 'truncated', offset: 2 });
  });

  it('end() rejects trailing octets with their offset and the reader layer', () => {
    const r = new ByteReader(fromHex('01 02 03'), 'l2cap');
    r.u8();
    const e = catchDecodeError(() => r.end());
    expect(e).toMatchObject({ layer: 'l2cap', code: 'trailing-octets', offset: 1 });
    expect(e.message).toContain('2 unexpected trailing octets');
    expect(e.message.startsWith('l2cap: ')).toBe(true);
  });

  it('DecodeError is an Error with its name', () => {
    const e = new DecodeError('att', 'bad-opcode', 7, 'nope');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('DecodeError');
    expect(String(e)).toBe('DecodeError: att: nope (bad-opcode at offset 7)');
  });
});

describe('toHex / fromHex', () => {
  it('round-trips all octet values', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(all))).toEqual(all);
    expect(toHex(all).length).toBe(512);
  });

  it('fromHex ignores whitespace, including newlines, and accepts upper case', () => {
    expect(Array.from(fromHex(' 04 0E\n04\t01 03 0c 00 '))).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]);
  });

  it('toHex prints lower case and only the view of a subarray', () => {
    const whole = fromHex('00 11 22 33 aa');
    expect(toHex(whole.subarray(1, 3))).toBe('1122');
    expect(toHex(whole.subarray(4))).toBe('aa');
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});
