# sys as a Pico W's: this build says it is "webassembly" on "JS with Emscripten", and code asks
# (micropython-lib's dht picks its C helper by sys.platform; mpremote and Thonny read
# sys.implementation). Everything else is the built-in sys's own objects.
from _sys_builtin import *
import _sys_builtin

platform = "rp2"


# What the built-in sys makes up on access, bound once. Not a module-level __getattr__: making a
# class looks up __set_name__ on each of its attributes (py/objtype.c), a module's __getattr__ is
# asked too, and its AttributeError escapes: `class C: import sys` (Thonny's helper) failed.
path = _sys_builtin.path
ps1 = _sys_builtin.ps1
ps2 = _sys_builtin.ps2


class _AttrTuple(tuple):
    # py/objattrtuple.c: a tuple whose fields also read as attributes, printed (name=value, ...).
    def __getattr__(self, name):
        return self[self._fields.index(name)]

    def __repr__(self):
        return "(" + ", ".join("%s=%r" % (f, v) for f, v in zip(self._fields, self)) + ")"

    __str__ = __repr__


class _Implementation(_AttrTuple):
    _fields = ("name", "version", "_machine", "_mpy", "_build")


# _mpy is MPY_FILE_HEADER_INT (py/persistentcode.h): .mpy version 6, sub-version 3, and the
# RP2040's native architecture ARMV6M (4) shifted by 2 into the flags byte: 6 | (3 | 4 << 2) << 8.
implementation = _Implementation(("micropython", _sys_builtin.implementation.version, "Raspberry Pi Pico W with RP2040", 4870, "RPI_PICO_W"))
