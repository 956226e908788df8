# machine.PWM on a Pico W (port rp2, MicroPython 1.27), loaded on first use (see machine._new):
# frequencies and duties as rp2 computes them from the RP2040's PWM registers. Each behaviour
# names the rp2 source it follows.
from micropython import const
import array
import machine
from machine import _gpio, _int

_SYS_HZ = const(125_000_000)  # clk_sys at boot: machine.freq()


# ports/rp2/machine_pwm.c: the eight slices' registers (DIV in 1/16ths, TOP) and the sixteen
# channels' compare levels, at their reset values; they outlive PWM objects, as hardware does.
_div = array.array("H", [16] * 8)
_top = array.array("H", [0xFFFF] * 8)
_cc = array.array("H", [0] * 16)
_pwm = [None] * 16
_TOP_MAX = const(65534)


def _slice_hz(offset, div16):
    # get_slice_hz: (16 * clk_sys + offset) // div16.
    return (16 * _SYS_HZ + offset) // div16


class PWM(machine.PWM):
    def __new__(cls, dest, *args, **kw):
        # mp_machine_pwm_make_new: a channel per GPIO, slice (gpio >> 1) & 7, channel gpio & 1.
        g = _gpio(dest)
        i = g & 15
        o = _pwm[i]
        if o is None:
            o = _pwm[i] = object.__new__(cls)
            o._s = i >> 1
            o._ch = i & 1
            o._duty = 0
        return o

    def __init__(self, dest, *args, **kw):
        self._inv = 0
        self._kind = 0  # DUTY_NOT_SET; 1 duty_u16, 2 duty_ns
        self.init(*args, **kw)

    def init(self, freq=-1, *, duty_u16=-1, duty_ns=-1, invert=-1):
        # mp_machine_pwm_init_helper.
        if _int(freq) != -1:
            self._set_freq(freq)
        if _int(duty_u16) != -1:
            self._set_u16(duty_u16)
        if _int(duty_ns) != -1:
            self._set_ns(duty_ns)
        if _int(invert) != -1:
            self._inv = 1 if invert else 0

    def deinit(self):
        pass

    def freq(self, value=None):
        # mp_machine_pwm_freq_get: rounded.
        if value is None:
            s = self._s
            d = _div[s] * (_top[s] + 1)
            return _slice_hz(d // 2, d)
        self._set_freq(_int(value))

    def _set_freq(self, f):
        # mp_machine_pwm_freq_set: TOP as large as possible (at most 65534) for resolution.
        if (_SYS_HZ + f // 2) // f < _TOP_MAX:
            div16 = 16
            top = (_SYS_HZ + f // 2) // f - 1
        else:
            div16 = _slice_hz(_TOP_MAX * f - 1, _TOP_MAX * f)
            top = _slice_hz(div16 * f // 2, div16 * f) - 1
        if div16 < 16:
            raise ValueError("freq too large")
        if div16 >= 256 * 16:
            raise ValueError("freq too small")
        _div[self._s] = div16
        _top[self._s] = top & 0xFFFF
        # The duty of both channels of the slice is kept across the change.
        for o in (self, _pwm[self._s * 2 + (1 - self._ch)]):
            if o is not None and o._kind == 1:
                o._set_u16(o._duty)
            elif o is not None and o._kind == 2:
                o._set_ns(o._duty)

    def duty_u16(self, value=None):
        i = self._s * 2 + self._ch
        if value is None:
            # Rounded, not floored, for the closest estimate.
            t = _top[self._s] + 1
            return (_cc[i] * 65535 + t // 2) // t
        self._set_u16(value)

    def _set_u16(self, v):
        v = _int(v)
        # In 32-bit arithmetic, into the 16-bit compare register.
        _cc[self._s * 2 + self._ch] = (((v * (_top[self._s] + 1) + 32767) & 0xFFFFFFFF) // 65535) & 0xFFFF
        self._duty = v
        self._kind = 1

    def duty_ns(self, value=None):
        hz = _slice_hz(_div[self._s] // 2, _div[self._s])
        if value is None:
            return (_cc[self._s * 2 + self._ch] * 1_000_000_000 + hz // 2) // hz
        self._set_ns(value)

    def _set_ns(self, v):
        v = _int(v)
        hz = _slice_hz(_div[self._s] // 2, _div[self._s])
        cc = (v * hz + 500_000_000) // 1_000_000_000
        if not 0 <= cc <= 65535:
            raise ValueError("duty larger than period")
        _cc[self._s * 2 + self._ch] = cc
        self._duty = v
        self._kind = 2

    def __repr__(self):
        return "<PWM slice=%d channel=%d invert=%d>" % (self._s, self._ch, self._inv)
