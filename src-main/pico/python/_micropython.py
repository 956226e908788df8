# micropython as on a board (see _pico_boot): mem_info reports the board-sized heap.
from _mp_builtin import const, schedule, opt_level, stack_use, heap_lock, heap_unlock, kbd_intr, qstr_info
import _gc_builtin
import _pico


def mem_info(verbose=None):
    used = _gc_builtin.mem_alloc()
    total = _pico.heap_limit()
    print("stack: %d out of %d" % (stack_use(), 8192))
    print("GC: total: %d, used: %d, free: %d" % (total, used, total - used))
