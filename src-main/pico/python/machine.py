# machine as on a Pico W (port rp2, MicroPython 1.27) with nothing wired to its pins. Pins keep
# the RP2040's per-GPIO state (direction, output latch, pulls), so a line nothing drives reads
# what its pull gives. The rest (timers, RTC, watchdog, sleeps, buses) loads on first use from
# _machine_time, _machine_i2c, _machine_spi, _machine_uart, _machine_pwm and _machine_pin. Each
# behaviour names the rp2 source it follows. Argument-count errors keep this build's own wording.
from micropython import const
import _pico
import _machine as _m

_LED = const(-1)  # WL_GPIO0, the CYW43's pin driving the LED: an "external" pin
_NGPIO = const(30)
# Per-GPIO state bits: output latch, output enabled, open drain, pull-up, pull-down.
_V = const(1)
_OUT = const(2)
_OD = const(4)
_PU = const(8)
_PD = const(16)
_SIO = const(5)  # GPIO_FUNC_SIO: Pin's default alt
# The RP2040's pads come out of reset pulled down (PADS_BANK0 GPIOn.PDE = 1).
_st = bytearray(b"\x10" * _NGPIO)
_ext = bytearray(3)  # WL_GPIO0..2 output values


def _int(v):
    # mp_obj_get_int, as the C argument parser converts: ints (and bools) only.
    if isinstance(v, int):
        return v
    raise TypeError("can't convert %s to int" % type(v).__name__)


def _find(p):
    # ports/rp2/machine_pin.c machine_pin_find: a Pin, a board or cpu name, or 0..29.
    if isinstance(p, Pin):
        return p._id
    if isinstance(p, str):
        if p == "LED":
            return _LED
        for pre, n in (("WL_GPIO", 3), ("EXT_GPIO", 3), ("GPIO", _NGPIO), ("GP", 29)):
            d = p[len(pre) :]
            if p.startswith(pre) and d.isdigit() and str(int(d)) == d and int(d) < n:
                i = int(d)
                if n == 3:
                    return -1 - i
                # The Pico W's board names skip GP23..25, which the CYW43 uses.
                if pre == "GPIO" or not 22 < i < 26:
                    return i
        raise ValueError('unknown named pin "%s"' % p)
    if isinstance(p, int) and 0 <= p < _NGPIO:
        return p
    raise ValueError("invalid pin")


def _gpio(p):
    # ports/rp2/machine_pin.c mp_hal_get_pin_obj: what the buses take.
    i = _find(p)
    if i < 0:
        raise ValueError("expecting a regular GPIO Pin")
    return i


def _level(i):
    # A line nothing outside drives: its own output if driving, else what its pull gives (a
    # floating input is taken as low).
    s = _st[i]
    if s & _OUT or (s & _OD and not s & _V):
        return s & _V
    return 1 if s & _PU else 0


def _required(v, name):
    # mp_arg_parse_all's words for a missing MP_ARG_REQUIRED argument.
    if v is None:
        raise TypeError("'%s' argument required" % name)
    return _int(v) if name == "id" else v


def _buflen(b):
    # mp_get_buffer_raise: anything with the buffer protocol, str included.
    return len(b.encode() if isinstance(b, str) else memoryview(b))


def _wait_us(us):
    # A blocking wait of the board's, which keeps the radio and IRQs running.
    if us > 0:
        _pico.sleep_ms(us / 1000)


class Pin:
    IN = const(0)
    OUT = const(1)
    OPEN_DRAIN = const(2)
    ALT = const(3)
    PULL_UP = const(1)
    PULL_DOWN = const(2)
    IRQ_FALLING = const(4)
    IRQ_RISING = const(8)

    def __init__(self, id, *args, **kw):
        # ports/rp2/machine_pin.c mp_pin_make_new: configures only when given more than the id.
        self._id = _find(id)
        if args or kw:
            self.init(*args, **kw)

    def init(self, mode=None, pull=None, *, value=None, alt=_SIO):
        # ports/rp2/machine_pin.c machine_pin_obj_init_helper.
        i = self._id
        if i < 0:
            if pull is not None:
                raise ValueError("pulls are not supported for external pins")
            if alt != _SIO:
                raise ValueError("alternate functions are not supported for external pins")
            if mode is not None and value is not None:
                self.value(value)
            return
        v = -1 if value is None else (1 if value else 0)
        s = _st[i]
        if mode is not None:
            mode = _int(mode)
            s &= ~(_OUT | _OD)
            if mode == 1:
                s |= _OUT
                if v >= 0:
                    s = (s & ~_V) | v
            elif mode == 2:
                s = (s & ~_V) | _OD | (1 if v < 0 else v)
        # The pull is set whenever init runs: None means no pull.
        pull = 0 if pull is None else _int(pull)
        s &= ~(_PU | _PD)
        if pull & 1:
            s |= _PU
        if pull & 2:
            s |= _PD
        _st[i] = s

    def value(self, v=None):
        i = self._id
        if v is None:
            return _ext[-1 - i] if i < 0 else _level(i)
        v = 1 if v else 0
        if i < 0:
            _ext[-1 - i] = v
            if i == _LED:
                _pico.led(v)
        else:
            _st[i] = (_st[i] & ~_V) | v

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def high(self):
        self.value(1)

    def low(self):
        self.value(0)

    def toggle(self):
        # gpio_xor_mask: flips the output latch, not what the line reads.
        i = self._id
        self.value(not (_ext[-1 - i] if i < 0 else _st[i] & _V))

    def __repr__(self):
        i = self._id
        return "Pin(%s)" % ("WL_GPIO%d" % (-1 - i) if i < 0 else "GPIO%d" % i)


class ADC:
    CORE_TEMP = const(4)

    def __init__(self, pin):
        self._ch = pin if isinstance(pin, int) else 0

    def read_u16(self):
        return _pico.adc_u16(self._ch)


PWRON_RESET = const(1)
WDT_RESET = const(3)


def reset_cause():
    # ports/rp2/modmachine.c mp_machine_reset_cause: WDT_RESET after any watchdog reset, which
    # machine.reset() and deepsleep's wake-up are; PWRON_RESET otherwise.
    return _m.reset_cause()


def unique_id():
    import binascii

    return binascii.unhexlify(_pico.unique_id_hex())


def reset():
    _pico.reset()


def soft_reset():
    # No hardware reset: the firmware restarts, and the reset cause and a running watchdog stay.
    _m.soft_reset()


def freq(hz=None):
    if hz is None:
        return 125_000_000


def idle():
    _pico.idle()


# The rest loads on first use, from the module named by _mod, whose classes subclass the ones
# below: a board's are C and cost no heap, ours are Python, and most firmware here uses few of
# them. MicroPython calls __init__ only on an object of exactly cls, so the real one is built once.
def _new(cls, *args, **kw):
    real = getattr(__import__(cls._mod), cls.__name__)
    return object.__new__(cls) if cls is real else real(*args, **kw)


class Timer:
    ONE_SHOT = const(0)
    PERIODIC = const(1)
    _mod = "_machine_time"
    __new__ = _new


class RTC:
    _mod = "_machine_time"
    __new__ = _new


class WDT:
    _mod = "_machine_time"
    __new__ = _new


def lightsleep(*args):
    from _machine_time import lightsleep

    return lightsleep(*args)


def deepsleep(*args):
    from _machine_time import deepsleep

    return deepsleep(*args)


class I2C:
    _mod = "_machine_i2c"
    __new__ = _new


class SoftI2C:
    _mod = "_machine_i2c"
    __new__ = _new


class SPI:
    MSB = const(1)  # ports/rp2/mpconfigport.h: SPI_MSB_FIRST
    LSB = const(0)
    _mod = "_machine_spi"
    __new__ = _new


class SoftSPI:
    _mod = "_machine_spi"
    __new__ = _new


# Both share extmod's locals dict; a second const() of one name is refused.
SoftSPI.MSB = SPI.MSB
SoftSPI.LSB = SPI.LSB


class UART:
    INV_TX = const(1)
    INV_RX = const(2)
    CTS = const(1)
    RTS = const(2)
    _mod = "_machine_uart"
    __new__ = _new


class PWM:
    _mod = "_machine_pwm"
    __new__ = _new


class Signal:
    _mod = "_machine_pin"
    __new__ = _new


def time_pulse_us(*args):
    from _machine_pin import time_pulse_us

    return time_pulse_us(*args)


def bitstream(*args):
    from _machine_pin import bitstream

    return bitstream(*args)
