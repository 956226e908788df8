# bluetooth, as documented for MicroPython (docs: library/bluetooth.html), on the virtual Pico's
# Bluetooth stack. The stack lives on the JavaScript side (_ble); bytes cross by address (id),
# so no call copies data through the Python heap. Every difference from a Pico W is a bug.
from micropython import const
import array
import sys
import _ble

FLAG_BROADCAST = const(0x0001)
FLAG_READ = const(0x0002)
FLAG_WRITE_NO_RESPONSE = const(0x0004)
FLAG_WRITE = const(0x0008)
FLAG_NOTIFY = const(0x0010)
FLAG_INDICATE = const(0x0020)
FLAG_AUTHENTICATED_SIGNED_WRITE = const(0x0040)
FLAG_AUX_WRITE = const(0x0100)
FLAG_READ_ENCRYPTED = const(0x0200)
FLAG_READ_AUTHENTICATED = const(0x0400)
FLAG_READ_AUTHORIZED = const(0x0800)
FLAG_WRITE_ENCRYPTED = const(0x1000)
FLAG_WRITE_AUTHENTICATED = const(0x2000)
FLAG_WRITE_AUTHORIZED = const(0x4000)

_HEX = "0123456789abcdef"


def _buffer(value):
    # The bytes of an object with the buffer protocol, as mp_get_buffer_raise sees them.
    if isinstance(value, UUID):
        return value._b
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("object with buffer protocol required")


class UUID:
    # bluetooth_uuid_make_new(): an int is a 16-bit UUID; a buffer of 2, 4 or 16 octets is taken
    # as the UUID itself (so a 4-character str is a 32-bit UUID, as on a board); any other buffer
    # is parsed as hex digits, dashes anywhere.
    def __init__(self, value):
        if isinstance(value, int):
            if value > 0xFFFF:
                raise ValueError("invalid UUID")
            self._b = bytes((value & 0xFF, (value >> 8) & 0xFF))
            return
        b = _buffer(value)
        if len(b) in (2, 4, 16):
            self._b = b
            return
        out = bytearray(16)
        i = 32
        for c in b:
            if c == 0x2D:
                continue
            d = _HEX.find(chr(c).lower())
            if d < 0:
                raise ValueError("invalid char in UUID")
            i -= 1
            if i < 0:
                raise ValueError("UUID too long")
            out[i // 2] |= d << (4 * (i & 1))
        if i > 0:
            raise ValueError("UUID too short")
        self._b = bytes(out)

    def _cmp(self, other):
        # bluetooth_uuid_binary_op(): same size compares the octets, else the sizes.
        if not isinstance(other, UUID):
            return None
        a, b = self._b, other._b
        if len(a) != len(b):
            return len(a) - len(b)
        for i in range(len(a)):
            if a[i] != b[i]:
                return a[i] - b[i]
        return 0

    def __eq__(self, other):
        return self._cmp(other) == 0

    def __ne__(self, other):
        return self._cmp(other) != 0

    def __lt__(self, other):
        return self._order(other) < 0

    def __le__(self, other):
        return self._order(other) <= 0

    def __gt__(self, other):
        return self._order(other) > 0

    def __ge__(self, other):
        return self._order(other) >= 0

    def _order(self, other):
        c = self._cmp(other)
        if c is None:
            raise TypeError("unsupported types")
        return c

    def __hash__(self):
        return hash(self._b)

    def __len__(self):
        return len(self._b)

    def __iter__(self):
        return iter(self._b)

    def __getitem__(self, i):
        return self._b[i]

    def __repr__(self):
        b = self._b
        if len(b) == 2:
            return "UUID(0x%04x)" % (b[0] | b[1] << 8)
        if len(b) == 4:
            return "UUID(0x%08x)" % (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24)
        s = ""
        for i in range(15, -1, -1):
            s += _HEX[b[i] >> 4] + _HEX[b[i] & 15]
            if i in (12, 10, 8, 6):
                s += "-"
        return "UUID('%s')" % s


# IRQ data arrives in two preallocated buffers, exposed to the handler as memoryviews that are
# only valid during the IRQ, as on a board. The buffers are bytes, so the memoryviews are
# read-only as the board's are (the stack writes them from JavaScript, which Python cannot see).
# The event and its arguments come in _args (event, count, 5 kinds, 5 values): this build's
# JavaScript-to-Python calls keep their arguments alive for ever, so _dispatch takes none.
# Each holds the largest value an IRQ can carry: ATT_MTU - 1 octets, with ATT_MTU at most
# l2cap_max_le_mtu() (1017, see config('mtu')).
_buf = (bytes(1024), bytes(1024))
_mv = (memoryview(_buf[0]), memoryview(_buf[1]))
_args = array.array("i", [0] * 12)
_cal = (bytes(2), bytearray(2), memoryview(bytearray(2)))
_ble.set_buffers(id(_buf[0]), id(_buf[1]), id(_args), id(_cal[0]), id(_cal[1]), id(_cal[2]))
del _cal


# The per-packet calls, looked up once: each lookup on _ble is a round trip to JavaScript that
# also registers a new proxy. Their fast paths take what a write or notify loop passes (ints and
# a bytes-like object, which the caller keeps alive during the call) without a helper call.
_gatts_read = _ble.gatts_read
_gatts_write = _ble.gatts_write
_gatts_notify = _ble.gatts_notify
_gattc_write = _ble.gattc_write
_take = _ble.take
_BYTES_LIKE = (bytes, bytearray, memoryview)


def _ptr(data):
    # A bytes-like object's address for the stack to read; str is encoded as its buffer is.
    if data is None:
        return 0
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("object with buffer protocol required")
    return data


def _int(v):
    # mp_obj_get_int(): ints and bools only.
    if isinstance(v, (int, bool)):
        return int(v)
    raise TypeError("can't convert %s to int" % type(v).__name__)


def _uuid(u):
    # gattc_discover_*: None or a bluetooth.UUID, else TypeError("UUID").
    if u is None:
        return 0
    if not isinstance(u, UUID):
        raise TypeError("UUID")
    return _ref(u._b)


def _result(n):
    # The n octets a call returned, fetched into a buffer of their own size: whole whatever their
    # length, and without touching the IRQ buffers, which a handler may be reading meanwhile.
    b = bytearray(n)
    _take(id(b))
    return bytes(b)


def _check(r):
    if r < 0:
        if r == -1000:
            raise ValueError(_ble.last_error())
        raise OSError(-r)
    return r


def _sig(a, k, lo, hi):
    # mp_arg_check_num_sig() for a C method taking lo..hi positional arguments (self counted)
    # and no keywords: modbluetooth.c defines most BLE methods with MP_DEFINE_CONST_FUN_OBJ_2/3
    # or _VAR_BETWEEN (the docs' trailing "/"), so a keyword is a TypeError on a board.
    if k:
        raise TypeError("function doesn't take keyword arguments")
    n = len(a) + 1
    if lo == hi:
        if n != lo:
            raise TypeError("function takes %d positional arguments but %d were given" % (lo, n))
    elif n < lo:
        raise TypeError("function missing %d required positional arguments" % (lo - n))
    elif n > hi:
        raise TypeError("function expected at most %d arguments, got %d" % (hi, n))


class BLE:
    # Argument handling follows extmod/modbluetooth.c (bluetooth_ble_*), docs library/bluetooth.rst.
    # The per-packet methods (gatts_read/write/notify/indicate, gattc_read/write) take named
    # parameters so that a call allocates nothing; they accept keywords a board would refuse.
    _instance = None

    def __new__(cls):
        if BLE._instance is None:
            BLE._instance = object.__new__(cls)
            BLE._instance._irq = None
        return BLE._instance

    def __init__(self):
        pass

    def __repr__(self):
        return "<BLE>"

    def active(self, *a, **k):
        # bluetooth_ble_active(): VAR_BETWEEN(1, 2); any argument, even None, sets the state by its truth.
        _sig(a, k, 1, 2)
        if not a:
            return bool(_ble.active(-1))
        return bool(_check(_ble.active(1 if a[0] else 0)))

    def config(self, *args, **kwargs):
        # bluetooth_ble_config(): 'mac', 'gap_name' and 'mtu' can be read ('rxbuf' exists only
        # without synchronous events, so not on a Pico W); 'gap_name', 'mtu' and 'addr_mode' set.
        if not kwargs:
            if len(args) != 1:
                raise TypeError("must query one param")
            name = args[0]
            if name == "mac":
                t = _check(_ble.config_get_int("addr_mode"))
                n = _check(_ble.config_get_bytes("mac", 0))
                return (0 if t == 0 else 1, _result(n))
            if name == "gap_name":
                return _result(_check(_ble.config_get_bytes("gap_name", 0)))
            if name == "mtu":
                return _check(_ble.config_get_int(name))
            raise ValueError("unknown config param")
        if args:
            raise TypeError("can't specify pos and kw args")
        for k in kwargs:
            v = kwargs[k]
            if k == "gap_name":
                _check(_ble.config_set_bytes(k, 0, _ref(_buffer(v))))
            else:
                _check(_ble.config_set_int(k, _int(v)))

    def irq(self, *a, **k):
        _sig(a, k, 2, 2)
        handler = a[0]
        if handler is not None and not callable(handler):
            raise ValueError("invalid handler")
        self._irq = handler
        _ble.irq(1 if handler is not None else 0)

    def gap_advertise(self, interval_us=500000, adv_data=None, *, resp_data=None, connectable=True):
        # bluetooth_ble_gap_advertise(): mp_arg_parse_all, interval_us defaults to 500 ms; None stops;
        # None data keeps the previous call's (b'' clears it).
        _check(_ble.gap_advertise(-1 if interval_us is None else _int(interval_us), _ref(adv_data), _ref(resp_data), 1 if connectable else 0))

    def gap_scan(self, *a, **k):
        # bluetooth_ble_gap_scan(): VAR_BETWEEN(1, 5); no duration scans until stopped, None stops.
        _sig(a, k, 1, 5)
        n = len(a)
        if n and a[0] is None:
            _check(_ble.gap_scan(-1, 0, 0, 0))
            return
        _check(_ble.gap_scan(
            _int(a[0]) if n > 0 else 0,
            _int(a[1]) if n > 1 else 1280000,
            _int(a[2]) if n > 2 else 11250,
            1 if n > 3 and a[3] else 0,
        ))

    def gap_connect(self, *a, **k):
        # bluetooth_ble_gap_connect(): positional (addr_type, addr, scan_duration_ms=2000,
        # min_conn_interval_us=None, max_conn_interval_us=None); gap_connect(None) cancels, and
        # None for any optional one means its default (aioble passes scan_duration_ms=None).
        _sig(a, k, 2, 6)
        n = len(a)
        if a[0] is None and n == 1:
            _check(_ble.gap_connect(-1, 0, 0, 0, 0))
            return
        if n < 2:
            raise TypeError("function missing 1 required positional arguments")
        addr_type = _int(a[0])
        addr = _buffer(a[1])
        if len(addr) != 6:
            raise ValueError("invalid addr")
        scan = a[2] if n > 2 else None
        lo = a[3] if n > 3 else None
        hi = a[4] if n > 4 else None
        _check(_ble.gap_connect(
            addr_type,
            _ref(addr),
            2000 if scan is None else _int(scan),
            0 if lo is None else _int(lo),
            0 if hi is None else _int(hi),
        ))

    def gap_disconnect(self, *a, **k):
        _sig(a, k, 2, 2)
        return bool(_check(_ble.gap_disconnect(_int(a[0]))))

    def gatts_register_services(self, *a, **k):
        # The checks of bluetooth_gatts_register_service(), in its order.
        _sig(a, k, 2, 2)
        services_definition = a[0]
        _ble.register_begin()
        for svc in services_definition:
            if len(svc) != 2:
                raise ValueError("tuple/list has wrong length")
            if not isinstance(svc[0], UUID):
                raise ValueError("invalid service UUID")
            _ble.register_service(_ref(svc[0]._b))
            for ch in svc[1]:
                if not 2 <= len(ch) <= 3:
                    raise ValueError("invalid characteristic tuple")
                if not isinstance(ch[0], UUID):
                    raise ValueError("invalid characteristic UUID")
                _ble.register_characteristic(_ref(ch[0]._b), _int(ch[1]))
                if len(ch) > 2:
                    for d in ch[2]:
                        if len(d) != 2:
                            raise ValueError("tuple/list has wrong length")
                        if not isinstance(d[0], UUID):
                            raise ValueError("invalid descriptor UUID")
                        _ble.register_descriptor(_ref(d[0]._b), _int(d[1]))
        _check(_ble.register_end())
        result = []
        i = 0
        for svc in services_definition:
            handles = []
            for ch in svc[1]:
                handles.append(_ble.register_handle(i))
                i += 1
                if len(ch) > 2:
                    for d in ch[2]:
                        handles.append(_ble.register_handle(i))
                        i += 1
            result.append(tuple(handles))
        return tuple(result)

    def gatts_read(self, value_handle):
        return _result(_check(_gatts_read(_int(value_handle))))

    def gatts_write(self, value_handle, data, send_update=False):
        # Returns the number of octets written, as bluetooth_ble_gatts_write() does.
        if type(value_handle) is int and isinstance(data, _BYTES_LIKE):
            r = _gatts_write(value_handle, id(data), 1 if send_update else 0)
            if r < 0:
                _check(r)
            return len(data)
        d = _ptr(_buffer(data) if data is None else data)
        _check(_gatts_write(_int(value_handle), _ref(d), 1 if send_update else 0))
        return len(d)

    def gatts_notify(self, conn_handle, value_handle, data=None):
        if type(conn_handle) is int and type(value_handle) is int and isinstance(data, _BYTES_LIKE):
            r = _gatts_notify(conn_handle, value_handle, id(data), 0)
            if r < 0:
                _check(r)
            return
        _check(_gatts_notify(_int(conn_handle), _int(value_handle), _ref(data), 0))

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        _check(_ble.gatts_notify(_int(conn_handle), _int(value_handle), _ref(data), 1))

    def gatts_set_buffer(self, *a, **k):
        _sig(a, k, 3, 4)
        _check(_ble.gatts_set_buffer(_int(a[0]), _int(a[1]), 1 if len(a) > 2 and a[2] else 0))

    def gattc_discover_services(self, *a, **k):
        _sig(a, k, 2, 3)
        _check(_ble.gattc_discover_services(_int(a[0]), _uuid(a[1] if len(a) > 1 else None)))

    def gattc_discover_characteristics(self, *a, **k):
        _sig(a, k, 4, 5)
        _check(_ble.gattc_discover_characteristics(_int(a[0]), _int(a[1]), _int(a[2]), _uuid(a[3] if len(a) > 3 else None)))

    def gattc_discover_descriptors(self, *a, **k):
        _sig(a, k, 4, 4)
        _check(_ble.gattc_discover_descriptors(_int(a[0]), _int(a[1]), _int(a[2])))

    def gattc_read(self, conn_handle, value_handle):
        _check(_ble.gattc_read(_int(conn_handle), _int(value_handle)))

    def gattc_write(self, conn_handle, value_handle, data, mode=0):
        if type(conn_handle) is int and type(value_handle) is int and type(mode) is int and isinstance(data, _BYTES_LIKE):
            r = _gattc_write(conn_handle, value_handle, id(data), mode)
            if r < 0:
                _check(r)
            return
        _check(_gattc_write(_int(conn_handle), _int(value_handle), _ref(data), _int(mode)))

    def gattc_exchange_mtu(self, *a, **k):
        _sig(a, k, 2, 2)
        _check(_ble.gattc_exchange_mtu(_int(a[0])))


_hold = [None, None]


def _ref(data):
    # id() of a bytes-like object for the stack to read during the call; 0 for None. A str is
    # encoded first, and the copy is held so it outlives the call that reads it.
    d = _ptr(data)
    if d == 0:
        return 0
    _hold[0], _hold[1] = d, _hold[0]
    return id(d)


def _dispatch():
    # Called by the stack in scheduler context. Kinds: 0 int, 1 None, 2/3 bytes in buffer 0/1
    # (the value is the length), 4/5 a UUID in buffer 0/1.
    h = BLE._instance._irq if BLE._instance else None
    if h is None:
        return 0
    a = _args
    out = []
    for j in range(a[1]):
        k = a[2 + j]
        v = a[7 + j]
        if k == 0:
            out.append(v)
        elif k == 1:
            out.append(None)
        elif k < 4:
            out.append(_mv[k - 2][:v])
        else:
            out.append(UUID(_mv[k - 4][:v]))
    # Exceptions stop here, as the board's IRQ dispatcher stops them: they are printed and the
    # stack carries on (an exception must not unwind into the JavaScript that called us).
    try:
        r = h(a[0], tuple(out))
    except BaseException as e:
        print("Unhandled exception in IRQ callback handler")
        sys.print_exception(e)
        return 0
    # mp_obj_get_int_maybe(): only an int (or bool) counts; None and anything else are 0.
    return int(r) if isinstance(r, int) else 0
