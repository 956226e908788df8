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


class UUID:
    def __init__(self, value):
        if isinstance(value, UUID):
            self._b = value._b
        elif isinstance(value, int):
            if not 0 <= value <= 0xFFFF:
                raise ValueError("invalid UUID")
            self._b = bytes((value & 0xFF, value >> 8))
        elif isinstance(value, str):
            h = value.replace("-", "")
            if len(h) != 32:
                raise ValueError("invalid UUID")
            b = bytearray(16)
            for i in range(16):
                b[15 - i] = int(h[2 * i : 2 * i + 2], 16)
            self._b = bytes(b)
        else:
            b = bytes(value)
            if len(b) not in (2, 4, 16):
                raise ValueError("invalid UUID")
            self._b = b

    def __eq__(self, other):
        return isinstance(other, UUID) and self._b == other._b

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
# only valid during the IRQ, as on a board.
# The event and its arguments come in _args (event, count, 5 kinds, 5 values): this build's
# JavaScript-to-Python calls keep their arguments alive for ever, so _dispatch takes none.
_buf = (bytearray(520), bytearray(520))
_mv = (memoryview(_buf[0]), memoryview(_buf[1]))
_args = array.array("i", [0] * 12)
_cal = (bytes(2), bytearray(2), memoryview(bytearray(2)))
_ble.set_buffers(id(_buf[0]), id(_buf[1]), id(_args), id(_cal[0]), id(_cal[1]), id(_cal[2]))
del _cal


def _ptr(data):
    # A bytes-like object's address for the stack to read; str is encoded as its buffer is.
    if data is None:
        return 0
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("object with buffer protocol required")
    return data


def _check(r):
    if r < 0:
        if r == -1000:
            raise ValueError(_ble.last_error())
        raise OSError(-r)
    return r


class BLE:
    _instance = None

    def __new__(cls):
        if BLE._instance is None:
            BLE._instance = object.__new__(cls)
            BLE._instance._irq = None
        return BLE._instance

    def __init__(self):
        pass

    def active(self, active=None):
        if active is None:
            return bool(_ble.active(-1))
        return bool(_check(_ble.active(1 if active else 0)))

    def config(self, *args, **kwargs):
        if args:
            if len(args) != 1 or kwargs:
                raise TypeError("must query one param")
            name = args[0]
            if name == "mac":
                t = _check(_ble.config_get_int("addr_mode"))
                n = _check(_ble.config_get_bytes("mac", 0))
                return (0 if t == 0 else 1, bytes(_mv[0][:n]))
            if name == "gap_name":
                n = _check(_ble.config_get_bytes("gap_name", 0))
                return bytes(_mv[0][:n])
            return _check(_ble.config_get_int(name))
        for k in kwargs:
            v = kwargs[k]
            if k == "gap_name":
                if isinstance(v, str):
                    v = v.encode()
                _check(_ble.config_set_bytes(k, _ptr(v), id(v)))
            else:
                _check(_ble.config_set_int(k, int(v)))

    def irq(self, handler):
        self._irq = handler
        _ble.irq(1 if handler is not None else 0)

    def gap_advertise(self, interval_us, adv_data=None, *, resp_data=None, connectable=True):
        _check(_ble.gap_advertise(-1 if interval_us is None else interval_us, _ref(adv_data), _ref(resp_data), 1 if connectable else 0))

    def gap_scan(self, duration_ms, interval_us=1280000, window_us=11250, active=False):
        _check(_ble.gap_scan(-1 if duration_ms is None else duration_ms, interval_us, window_us, 1 if active else 0))

    def gap_connect(self, addr_type, addr=None, scan_duration_ms=2000, min_conn_interval_us=None, max_conn_interval_us=None):
        if addr_type is None:
            _check(_ble.gap_connect(-1, 0, 0, 0, 0))
            return
        _check(_ble.gap_connect(addr_type, _ref(addr), scan_duration_ms, min_conn_interval_us or 0, max_conn_interval_us or 0))

    def gap_disconnect(self, conn_handle):
        return bool(_check(_ble.gap_disconnect(conn_handle)))

    def gatts_register_services(self, services_definition):
        _ble.register_begin()
        for svc in services_definition:
            _ble.register_service(_ref(bytes(svc[0])))
            for ch in svc[1]:
                _ble.register_characteristic(_ref(bytes(ch[0])), ch[1])
                if len(ch) > 2:
                    for d in ch[2]:
                        _ble.register_descriptor(_ref(bytes(d[0])), d[1])
        n = _check(_ble.register_end())
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
        n = _check(_ble.gatts_read(value_handle))
        return bytes(_mv[0][:n])

    def gatts_write(self, value_handle, data, send_update=False):
        _check(_ble.gatts_write(value_handle, _ref(data), 1 if send_update else 0))

    def gatts_notify(self, conn_handle, value_handle, data=None):
        _check(_ble.gatts_notify(conn_handle, value_handle, _ref(data), 0))

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        _check(_ble.gatts_notify(conn_handle, value_handle, _ref(data), 1))

    def gatts_set_buffer(self, value_handle, len, append=False):
        _check(_ble.gatts_set_buffer(value_handle, len, 1 if append else 0))

    def gattc_discover_services(self, conn_handle, uuid=None):
        _check(_ble.gattc_discover_services(conn_handle, _ref(None if uuid is None else uuid._b)))

    def gattc_discover_characteristics(self, conn_handle, start_handle, end_handle, uuid=None):
        _check(_ble.gattc_discover_characteristics(conn_handle, start_handle, end_handle, _ref(None if uuid is None else uuid._b)))

    def gattc_discover_descriptors(self, conn_handle, start_handle, end_handle):
        _check(_ble.gattc_discover_descriptors(conn_handle, start_handle, end_handle))

    def gattc_read(self, conn_handle, value_handle):
        _check(_ble.gattc_read(conn_handle, value_handle))

    def gattc_write(self, conn_handle, value_handle, data, mode=0):
        _check(_ble.gattc_write(conn_handle, value_handle, _ref(data), mode))

    def gattc_exchange_mtu(self, conn_handle):
        _check(_ble.gattc_exchange_mtu(conn_handle))


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
    return 0 if r is None else r
