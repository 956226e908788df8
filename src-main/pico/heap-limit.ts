// A Pico-sized heap for this MicroPython build. Its GC heap grows on demand by malloc'ing new
// areas (split heap), each at least the failed allocation plus 2 KB. We stop the WebAssembly
// memory from growing and take every free byte of the C heap, then hand back a reserve made of
// small, non-adjacent holes: enough for the small buffers the JavaScript proxy layer mallocs,
// never enough for a new GC area. So allocation past the configured heap raises MemoryError
// inside the firmware, as on a board.
import type { MicroPythonModule } from '@micropython/micropython-webassembly-pyscript';

const HOLE = 512;
const HOLES = 1024; // 512 KB of reserve in 512-byte holes

export function lockCHeap(m: MicroPythonModule): { reservedHoles: number } {
  WebAssembly.Memory.prototype.grow = function () {
    throw new RangeError('a Pico has no more memory');
  };
  const big: number[] = [];
  for (let size = 1 << 24; size >= HOLE; ) {
    const p = m._malloc(size);
    if (p) big.push(p);
    else size >>= 1;
  }
  // Carve the reserve: release the smallest big blocks, refill them with hole-sized blocks and
  // free every other one, so no two holes coalesce.
  const small: number[] = [];
  while (small.length < 2 * HOLES && big.length > 0) {
    m._free(big.pop()!);
    for (let p = m._malloc(HOLE); p; p = m._malloc(HOLE)) small.push(p);
  }
  let reservedHoles = 0;
  for (let i = 0; i < small.length; i += 2) {
    m._free(small[i]!);
    reservedHoles++;
  }
  return { reservedHoles };
}
