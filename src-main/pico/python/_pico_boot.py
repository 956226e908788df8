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

# sys and os.uname() say what a Pico W says (see _sys.py); this module keeps the built-in sys.
sys.modules["_sys_builtin"] = sys
import _sys

sys.modules["sys"] = _sys
import os


class _Uname(_sys._AttrTuple):
    _fields = ("sysname", "nodename", "release", "version", "machine")


# extmod/modos.c mp_os_uname; the official build adds "(<compiler> MinSizeRel)" to the version.
_UNAME = _Uname(("rp2", "rp2", "1.27.0", "v1.27.0 on 2025-12-10", "Raspberry Pi Pico W with RP2040"))
os.uname = lambda: _UNAME
del _sys
import _pico_fs
import _pico_input
import builtins

builtins.input = _pico_input.input
del _pico_fs, _pico_input, builtins

# time.sleep*: block like the board, while the radio and IRQs keep running (see sleep pump).
import time



def _time_sleep_ms(ms):
    # A Ctrl-C raises KeyboardInterrupt in the sleep, as ports/rp2 mp_hal_delay_ms does through
    # mp_event_handle_nowait -> mp_handle_pending: the traceback names the line that slept.
    if _pico.sleep_ms(ms) and _kbd_pending():
        raise KeyboardInterrupt


time.sleep_ms = _time_sleep_ms
# This build counts ticks_us in whole milliseconds; a board's counter has microseconds.
time.ticks_us = _pico.ticks_us
time.sleep_us = lambda us: _time_sleep_ms(us / 1000)
time.sleep = lambda s: _time_sleep_ms(s * 1000)

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


from asyncio import core as _core


def _ended(task, result):
    # A completion callback (Task.state): the task counts as awaited, so its exception is ours to
    # raise rather than the loop's "Task exception wasn't retrieved".
    pass


def _run(coro):
    # asyncio.run() as on a board: returns once coro ends, with its value, or raises its exception.
    # This build's loop is the host's, so this call drives it instead, sleeping between steps as the
    # board's loop does (HCI, timers and IRQs keep running). A top-level call in boot.py or main.py
    # never comes here: it is rewritten into `await asyncio._run_at_top(...)`, which lets this build
    # collect garbage meanwhile (see src-main/pico/top-level-run.ts).
    t = _core.create_task(coro)
    t.state = _ended
    while not t.done():
        _core._run_iter()
        if t.done():
            break
        h = _core._task_queue.peek()
        _pico.wait_ms(max(0, time.ticks_diff(h.ph_key, time.ticks_ms())) if h else -1)
    r = t.data
    if isinstance(r, StopIteration):
        return r.value
    raise r


def _loop_wake():
    # A USB Ctrl-C while the firmware awaits: this build's loop waits for a host timer
    # (ports/webassembly/asyncio/core.py _schedule_run_iter -> js.setTimeout), so it runs now and
    # the scheduled KeyboardInterrupt is raised in it (board-worker.ts, usb-console.ts wake).
    if _core.asyncio_timer is not None:
        _core._schedule_run_iter(0)


def _loop_stop():
    # A KeyboardInterrupt left main.py's top-level asyncio.run(): as on a board, the loop's tasks
    # never run again.
    import js

    if _core.asyncio_timer is not None:
        js.clearTimeout(_core.asyncio_timer)
    _core.asyncio_timer = None
    _core.new_event_loop()


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
asyncio._run_at_top = asyncio.create_task
asyncio.sleep_ms = _sleep_ms_polled
asyncio.sleep = _sleep_polled
del ThreadSafeFlag, _run

# The board's C modules cost the firmware no heap; ours are Python, so load them now, within
# the runtime's boot allowance, rather than inside the firmware's heap later.
import bluetooth
import machine

del bluetooth, machine


def _kbd_pending():
    # A KeyboardInterrupt scheduled (USB Ctrl-C) but not yet raised: the VM raises a pending
    # exception at its next jump (py/vm.c pending_exception_check). pyexec.c parse_compile_execute
    # calls mp_handle_pending after the code; this build does not, so the REPL asks here.
    try:
        for _ in (0, 1):
            pass
    except KeyboardInterrupt:
        return True
    return False


def _complete(chain):
    # The REPL's Tab (py/repl.c mp_repl_autocomplete): follow the dotted chain from __main__, then
    # name what is there. dir() probes every qstr with mp_load_method_protected as test_qstr does,
    # so its names come in the same (qstr) order. None when the chain does not resolve.
    import __main__

    obj = __main__
    if chain:
        for word in chain.split("."):
            try:
                obj = getattr(obj, word)
            except Exception:
                return None
    try:
        return "\n".join(dir(obj))
    except Exception:
        return None
