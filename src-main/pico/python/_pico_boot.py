# Runs once at power-on, before boot.py and main.py: makes this MicroPython build behave as
# MicroPython on a Pico W where the firmware can tell the difference. Kept small: it lives in
# the board's heap like everything else.
import sys
import _pico

# gc and micropython as on a board: this build's split heap reports its growth reserve as free
# memory. Modules already in sys.modules win over built-ins at import.
import gc as _gc_builtin
import micropython as _mp_builtin

sys.modules["_gc_builtin"] = _gc_builtin
sys.modules["_mp_builtin"] = _mp_builtin
import _gc
import _micropython

sys.modules["gc"] = _gc
sys.modules["micropython"] = _micropython
del _gc_builtin, _mp_builtin, _gc, _micropython

# time.sleep*: block like the board, while the radio and IRQs keep running (see sleep pump).
import time

time.sleep_ms = _pico.sleep_ms
# This build counts ticks_us in whole milliseconds; a board's counter has microseconds.
time.ticks_us = _pico.ticks_us
time.sleep_us = lambda us: _pico.sleep_ms(us / 1000)
time.sleep = lambda s: _pico.sleep_ms(s * 1000)

# asyncio on this build runs on the JavaScript event loop and lacks run() and ThreadSafeFlag.
import asyncio


class ThreadSafeFlag:
    def __init__(self):
        self._e = asyncio.Event()

    def set(self):
        self._e.set()

    def clear(self):
        self._e.clear()

    def ioctl(self, req, flags):
        return 0

    async def wait(self):
        await self._e.wait()
        self._e.clear()


def _run(coro):
    # The board's loop blocks here until coro ends; this build's loop is the host's, which
    # drives the task once the current statement returns.
    return asyncio.create_task(coro)


# This build's loop runs ready tasks back to back without returning to JavaScript, so a task
# that yields with sleep(0) would starve the Bluetooth stack. On a board the stack runs beside
# the loop; here a zero sleep first lets it run (and deliver IRQs), as the board's scheduler would.
_sleep_ms = asyncio.sleep_ms
_sleep = asyncio.sleep


def _sleep_ms_polled(t):
    if t <= 0:
        _pico.poll()
    return _sleep_ms(t)


def _sleep_polled(t):
    if t <= 0:
        _pico.poll()
    return _sleep(t)


asyncio.ThreadSafeFlag = ThreadSafeFlag
asyncio.run = _run
asyncio.sleep_ms = _sleep_ms_polled
asyncio.sleep = _sleep_polled
del ThreadSafeFlag, _run

# The board's C modules cost the firmware no heap; ours are Python, so load them now, within
# the runtime's boot allowance, rather than inside the firmware's heap later.
import bluetooth
import machine

del bluetooth, machine


def run_file(name):
    # The firmware's top level, as the board runs boot.py and main.py: an uncaught exception
    # prints its traceback to the console. Printed here, not passed out, so that even a full
    # heap cannot stop it being reported.
    try:
        __import__(name)
    except SystemExit:
        pass
    except BaseException as e:
        _print_traceback(e)
        return 1
    return 0


def _print_traceback(e):
    # As the board prints it: without this runtime's own frame on top.
    try:
        import io

        s = io.StringIO()
        sys.print_exception(e, s)
        t = s.getvalue()
        a = t.find("\n") + 1
        b = t.find("\n", a) + 1
        if "_pico_boot" in t[a:b]:
            t = t[:a] + t[b:]
        print(t, end="")
    except MemoryError:
        sys.print_exception(e)
