// Reads and writes the bytes of MicroPython objects in the WebAssembly memory, given their id().
// In this port id() is the object's address, and bytes, bytearray and memoryview keep their
// length at +8 and their data pointer at +12 (py/objstr.h mp_obj_str_t, py/objarray.h
// mp_obj_array_t; a memoryview keeps its offset in the upper 24 bits of the word at +4).
// The layout is checked once at start against known objects; a mismatch is reported, not guessed.

export class PyMemory {
  private bytesType = 0;
  private bytearrayType = 0;
  private memoryviewType = 0;

  constructor(private readonly memory: WebAssembly.Memory) {}

  private view(): DataView {
    return new DataView(this.memory.buffer);
  }

  /** Learns the type pointers from a bytes(2), a bytearray(2) and memoryview(bytearray(2)). */
  calibrate(bytesId: number, bytearrayId: number, memoryviewId: number): void {
    const dv = this.view();
    this.bytesType = dv.getUint32(bytesId, true);
    this.bytearrayType = dv.getUint32(bytearrayId, true);
    this.memoryviewType = dv.getUint32(memoryviewId, true);
    for (const id of [bytesId, bytearrayId, memoryviewId]) {
      if (dv.getUint32(id + 8, true) !== 2) throw new Error('MicroPython object layout is not the one this runtime knows (length at +8)');
    }
  }

  private locate(id: number): { ptr: number; len: number } {
    const dv = this.view();
    const type = dv.getUint32(id, true);
    const len = dv.getUint32(id + 8, true);
    const items = dv.getUint32(id + 12, true);
    if (type === this.bytesType || type === this.bytearrayType) return { ptr: items, len };
    if (type === this.memoryviewType) {
      const word = dv.getUint32(id + 4, true);
      const typecode = word & 0x7f;
      // Byte-sized elements only: 'B', 'b' or bytearray's own code 1.
      if (typecode !== 1 && typecode !== 0x42 && typecode !== 0x62) throw new TypeError('memoryview of non-byte items');
      return { ptr: items + (word >>> 8), len };
    }
    throw new TypeError('object with buffer protocol required');
  }

  /** A copy of a bytes-like object's contents. */
  read(id: number): Uint8Array {
    const { ptr, len } = this.locate(id);
    return new Uint8Array(this.memory.buffer, ptr, len).slice();
  }

  /** Copies `data` into the start of a bytearray's storage; returns the octets written. */
  write(id: number, data: Uint8Array): number {
    const { ptr, len } = this.locate(id);
    const n = Math.min(len, data.length);
    new Uint8Array(this.memory.buffer, ptr, n).set(data.subarray(0, n));
    return n;
  }

  /** Storage of a fixed array('i') whose contents JavaScript fills (the IRQ argument block). */
  int32s(id: number, count: number): Int32Array {
    const dv = this.view();
    if (dv.getUint32(id + 8, true) !== count) throw new Error(`expected an array of ${count} ints`);
    return new Int32Array(this.memory.buffer, dv.getUint32(id + 12, true), count);
  }

  /** Overwrites a bytearray's first `n` octets, so a memoryview kept past its IRQ reads garbage. */
  scribble(id: number, n: number): void {
    const { ptr, len } = this.locate(id);
    new Uint8Array(this.memory.buffer, ptr, Math.min(n, len)).fill(0xee);
  }
}
