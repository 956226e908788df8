# machine.SPI and machine.SoftSPI on a Pico W (port rp2, MicroPython 1.27) with nothing wired,
# loaded on first use (see machine._new): reads give MISO's pull (the pads' pull-down at reset:
# zeros), writes go nowhere, each at the bus's rate. Each behaviour names the rp2 or extmod source
# it follows.
from micropython import const
import machine
from machine import _buflen, _gpio, _int, _level, _required, _st, _wait_us

_SYS_HZ = const(125_000_000)  # clk_peri at boot, as clk_sys: machine.freq()
_OUT = const(2)  # machine's per-GPIO state bits
_OD = const(4)


def _spi_rate(baudrate):
    # spi_set_baudrate (pico-sdk): an even prescale 2..254 and a post-divide 1..256 of clk_peri,
    # the fastest rate not above the one asked for.
    b = max(_int(baudrate), 1)
    pre = 2
    while pre < 254 and _SYS_HZ >= (pre + 2) * 256 * b:
        pre += 2
    post = 256
    while post > 1 and _SYS_HZ // (pre * (post - 1)) <= b:
        post -= 1
    return _SYS_HZ // (pre * post)


class _SPI:
    # extmod/machine_spi.c: the methods SPI and SoftSPI share. With nothing on MISO the bytes
    # read are its pull's level (the pads' pull-down at boot: zeros); writes go nowhere.

    def _transfer(self, n, rbuf):
        _wait_us(n * self._byte_us())
        if rbuf is not None:
            memoryview(rbuf)[:] = (b"\xff" if _level(self._miso) else b"\x00") * len(rbuf)

    def read(self, nbytes, write=0):
        b = bytearray(_int(nbytes))
        self._transfer(len(b), b)
        return bytes(b)

    def readinto(self, buf, write=0):
        self._transfer(_buflen(buf), buf)

    def write(self, buf):
        self._transfer(_buflen(buf), None)

    def write_readinto(self, write_buf, read_buf):
        if _buflen(write_buf) != _buflen(read_buf):
            raise ValueError("buffers must be the same length")
        self._transfer(_buflen(read_buf), read_buf)

    def deinit(self):
        pass


# ports/rp2/machine_spi.c: (SCK, MOSI, MISO) at boot; SPI0 on GP18/19/16 (the Pico W's
# PICO_DEFAULT_SPI), SPI1 on GP10/11/8.
_SPI_PINS = ((18, 19, 16), (10, 11, 8))
_spi = [None, None]


class SPI(machine.SPI, _SPI):
    def __new__(cls, id=None, *args, **kw):
        # machine_spi_make_new: one object per bus.
        i = _required(id, "id")
        if not 0 <= i < 2:
            raise ValueError("SPI(%d) doesn't exist" % i)
        o = _spi[i]
        if o is None:
            o = _spi[i] = object.__new__(cls)
            o._id = i
            o._sck, o._mosi, o._miso = _SPI_PINS[i]
            o._baud = 0
            o._pol = o._pha = 0
            o._bits = 8
            o._first = 1
        return o

    def __init__(self, id=None, *args, **kw):
        if args or kw or not self._baud:
            self._init(*args, **kw)

    def _init(self, baudrate=1_000_000, *, polarity=0, phase=0, bits=8, firstbit=1, sck=None, mosi=None, miso=None):
        # SPI0 on GP0..7 and GP16..23, SPI1 on the others; SCK on 4n+2, MOSI 4n+3, MISO 4n.
        for name, p, k in (("SCK", sck, 2), ("MOSI", mosi, 3), ("MISO", miso, 0)):
            if p is not None:
                p = _gpio(p)
                if p & 3 != k or (p >> 3) & 1 != self._id:
                    raise ValueError("bad %s pin" % name)
                if k == 2:
                    self._sck = p
                elif k == 3:
                    self._mosi = p
                else:
                    self._miso = p
        self._baud = _spi_rate(baudrate)
        self._pol = _int(polarity)
        self._pha = _int(phase)
        self._bits = _int(bits)
        self._first = _int(firstbit)
        if self._first == 0:
            raise NotImplementedError("LSB")
        _st[self._miso] &= ~(_OUT | _OD)

    def init(self, *, baudrate=-1, polarity=-1, phase=-1, bits=-1, firstbit=-1):
        # machine_spi_init: only what is given changes.
        if baudrate != -1:
            self._baud = _spi_rate(baudrate)
        if polarity != -1:
            self._pol = _int(polarity)
        if phase != -1:
            self._pha = _int(phase)
        if bits != -1:
            self._bits = _int(bits)
        if firstbit != -1:
            self._first = _int(firstbit)
            if self._first == 0:
                raise NotImplementedError("LSB")

    def _byte_us(self):
        return self._bits * 1_000_000 / self._baud

    def __repr__(self):
        return "SPI(%d, baudrate=%d, polarity=%d, phase=%d, bits=%d, sck=%d, mosi=%d, miso=%d)" % (
            self._id,
            self._baud,
            self._pol,
            self._pha,
            self._bits,
            self._sck,
            self._mosi,
            self._miso,
        )


class SoftSPI(machine.SoftSPI, _SPI):
    def __init__(self, baudrate=500_000, *, polarity=0, phase=0, bits=8, firstbit=1, sck=None, mosi=None, miso=None):
        # extmod/machine_spi.c mp_machine_soft_spi_make_new.
        if _int(bits) != 8:
            raise ValueError("bits must be 8")
        if _int(firstbit) != 1:
            raise ValueError("firstbit must be MSB")
        if sck is None or mosi is None or miso is None:
            raise ValueError("must specify all of sck/mosi/miso")
        self._sck = self._mosi = self._miso = 0
        self.init(baudrate, polarity, phase, sck=sck, mosi=mosi, miso=miso)

    def init(self, baudrate=-1, polarity=-1, phase=-1, *, sck=None, mosi=None, miso=None):
        # mp_machine_soft_spi_init: a half-period delay in whole microseconds, rounded up.
        if baudrate != -1:
            b = max(_int(baudrate), 1)
            self._half = 500_000 // b + (1 if 500_000 % b else 0)
        if polarity != -1:
            self._pol = _int(polarity)
        if phase != -1:
            self._pha = _int(phase)
        if sck is not None:
            self._sck = _gpio(sck)
        if mosi is not None:
            self._mosi = _gpio(mosi)
        if miso is not None:
            self._miso = _gpio(miso)
        # MP_SPI_IOCTL_INIT: SCK and MOSI outputs, MISO an input.
        for p in (self._sck, self._mosi):
            _st[p] = (_st[p] & ~_OD) | _OUT
        _st[self._miso] &= ~(_OUT | _OD)

    def _byte_us(self):
        return 16 * self._half

    def __repr__(self):
        return "SoftSPI(baudrate=%d, polarity=%d, phase=%d, sck=%d, mosi=%d, miso=%d)" % (
            500_000 // self._half,
            self._pol,
            self._pha,
            self._sck,
            self._mosi,
            self._miso,
        )
