# machine.I2C and machine.SoftI2C on a Pico W (port rp2, MicroPython 1.27) with nothing wired,
# loaded on first use (see machine._new). Hardware I2C pulls its lines up, so no address is ever
# acknowledged; SoftI2C's lines are left to their pulls: pulled down (the pads' reset state), SCL
# never rises. Each behaviour names the rp2 or extmod source it follows.
from micropython import const
import machine
from machine import _buflen, _gpio, _int, _level, _required, _st, _wait_us

_SYS_HZ = const(125_000_000)  # clk_sys at boot: machine.freq()
_EIO = const(5)
_ENODEV = const(19)
_ETIMEDOUT = const(110)
_PU = const(8)  # machine's per-GPIO state bits
_PD = const(16)
_OD = const(4)
_V = const(1)


def _released(i):
    # mp_hal_pin_open_drain: the line let go, left to its pull.
    _st[i] = (_st[i] & (_PU | _PD)) | _OD | _V


class _I2C:
    # extmod/machine_i2c.c: the methods I2C and SoftI2C share, over _xfer(addr, buf, read, stop),
    # which returns a negative errno, or (writing) the number of bytes acknowledged.
    def scan(self):
        # machine_i2c_scan: a zero-length write to each of 0x08..0x77; only an ACK lists it.
        return [a for a in range(0x08, 0x78) if self._xfer(a, b"", 0, True) == 0]

    def readfrom_into(self, addr, buf, stop=True):
        r = self._xfer(_int(addr), buf, 1, stop)
        if r < 0:
            raise OSError(-r)

    def readfrom(self, addr, nbytes, stop=True):
        b = bytearray(_int(nbytes))
        self.readfrom_into(addr, b, stop)
        return bytes(b)

    def writeto(self, addr, buf, stop=True):
        r = self._xfer(_int(addr), buf, 0, stop)
        if r < 0:
            raise OSError(-r)
        return r

    def writevto(self, addr, vector, stop=True):
        return self.writeto(addr, b"".join(bytes(b) for b in vector), stop)

    def _memaddr(self, memaddr, addrsize):
        # fill_memaddr_buf: the register address first, most significant byte first.
        addrsize = _int(addrsize)
        if addrsize & 7 or not 0 <= addrsize <= 32:
            raise ValueError("invalid addrsize")
        n = addrsize >> 3
        return bytes((memaddr >> (8 * (n - 1 - k))) & 0xFF for k in range(n))

    def readfrom_mem_into(self, addr, memaddr, buf, *, addrsize=8):
        # read_mem: write the register address without a STOP, then read; a refused address
        # write still ends the transaction with a STOP.
        addr = _int(addr)
        a = self._memaddr(_int(memaddr), addrsize)
        r = self._xfer(addr, a, 0, False)
        if r == len(a):
            r = self._xfer(addr, buf, 1, True)
        else:
            self._xfer(addr, b"", 0, True)
        if r < 0:
            raise OSError(-r)

    def readfrom_mem(self, addr, memaddr, nbytes, *, addrsize=8):
        b = bytearray(_int(nbytes))
        self.readfrom_mem_into(addr, memaddr, b, addrsize=addrsize)
        return bytes(b)

    def writeto_mem(self, addr, memaddr, buf, *, addrsize=8):
        r = self._xfer(_int(addr), self._memaddr(_int(memaddr), addrsize) + bytes(buf), 0, True)
        if r < 0:
            raise OSError(-r)


# ports/rp2/machine_i2c.c: (SCL, SDA) at boot; the Pico W's default I2C is 0 on GP5/GP4.
_I2C_PINS = ((5, 4), (7, 6))
_i2c = [None, None]


class I2C(machine.I2C, _I2C):
    def __new__(cls, id=0, *args, **kw):
        # machine_i2c_make_new: one object per bus.
        i = _int(id)
        if not 0 <= i < 2:
            raise ValueError("I2C(%d) doesn't exist" % i)
        o = _i2c[i]
        if o is None:
            o = _i2c[i] = object.__new__(cls)
            o._id = i
            o._scl, o._sda = _I2C_PINS[i]
            o._freq = 0
            o._to = 0
        return o

    def __init__(self, id=0, *args, **kw):
        # Reconfigured when given more than the id, or never configured.
        if args or kw or not self._freq:
            self._init(*args, **kw)

    def _init(self, freq=400_000, *, scl=None, sda=None, timeout=50_000):
        # SCL on odd pins, SDA on even, I2C0/I2C1 on alternate pairs of pins.
        if scl is not None:
            p = _gpio(scl)
            if not p & 1 or (p >> 1) & 1 != self._id:
                raise ValueError("bad SCL pin")
            self._scl = p
        if sda is not None:
            p = _gpio(sda)
            if p & 1 or (p >> 1) & 1 != self._id:
                raise ValueError("bad SDA pin")
            self._sda = p
        # i2c_set_baudrate (pico-sdk): the clock divides clk_sys; the rate it gives is kept.
        f = max(_int(freq), 1)
        self._freq = _SYS_HZ // ((_SYS_HZ + f // 2) // f)
        self._to = _int(timeout)
        # gpio_set_pulls(pin, true, false) on both lines.
        for p in (self._scl, self._sda):
            _st[p] = _PU

    def _xfer(self, addr, buf, read, stop):
        # machine_i2c_transfer_single: no device acknowledges, so the pico-sdk transfer fails
        # with PICO_ERROR_GENERIC -> EIO; a zero-length write goes through soft I2C instead,
        # whose refused address gives ENODEV.
        return -_ENODEV if not read and not _buflen(buf) else -_EIO

    def _unsupported(self, *args):
        # The hardware I2C has no primitive operations (extmod/machine_i2c.c).
        raise OSError("I2C operation not supported")

    start = stop = readinto = write = _unsupported

    def __repr__(self):
        return "I2C(%d, freq=%d, scl=%d, sda=%d, timeout=%d)" % (self._id, self._freq, self._scl, self._sda, self._to)


class SoftI2C(machine.SoftI2C, _I2C):
    def __init__(self, scl=None, sda=None, *, freq=400_000, timeout=50_000):
        self.init(scl, sda, freq=freq, timeout=timeout)

    def init(self, scl=None, sda=None, *, freq=400_000, timeout=50_000):
        # extmod/machine_i2c.c mp_machine_soft_i2c_init: the lines are let go, then a STOP (whose
        # clock-stretch timeout is ignored).
        self._scl = _gpio(_required(scl, "scl"))
        self._sda = _gpio(_required(sda, "sda"))
        self._delay = max(500_000 // max(_int(freq), 1), 1)
        self._to = _int(timeout)
        _released(self._scl)
        _released(self._sda)
        self._clock()

    def _clock(self):
        # mp_hal_i2c_scl_release: waits up to the timeout for SCL to rise; with no pull-up it
        # never does.
        if _level(self._scl):
            return 0
        _wait_us(self._to)
        return -_ETIMEDOUT

    def _xfer(self, addr, buf, read, stop):
        # mp_machine_soft_i2c_transfer: the START needs SCL; then an address nobody pulls SDA low
        # for is refused (ENODEV), and with SDA held low every byte is acknowledged and reads 0.
        r = self._clock()
        if r:
            return r
        if _level(self._sda):
            return -_ENODEV
        if read:
            memoryview(buf)[:] = bytes(len(buf))
            return 0
        return _buflen(buf)

    def start(self):
        r = self._clock()
        if r:
            raise OSError(-r)

    stop = start

    def readinto(self, buf, nack=True):
        r = self._clock()
        if r:
            raise OSError(-r)
        memoryview(buf)[:] = (b"\xff" if _level(self._sda) else b"\x00") * len(buf)

    def write(self, buf):
        # The number of bytes acknowledged: none while SDA floats up.
        r = self._clock()
        if r:
            raise OSError(-r)
        return 0 if _level(self._sda) else _buflen(buf)

    def __repr__(self):
        return "SoftI2C(scl=%d, sda=%d, freq=%d)" % (self._scl, self._sda, 500_000 // self._delay)
