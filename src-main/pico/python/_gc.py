# gc as on a board: this build's split heap would report its growth reserve as free memory.
from _gc_builtin import collect, enable, disable, isenabled, mem_alloc, threshold
import _pico


def mem_free():
    return _pico.heap_limit() - mem_alloc()
