# socket as on a Pico W (lwIP, extmod/modlwip.c) with no network interface up: the board's
# constants, numeric addresses accepted, and every attempt to reach anything failing as lwIP
# fails without a route. Needed by the frozen requests, ntptime, webrepl.
from micropython import const

AF_INET = const(2)
AF_INET6 = const(10)
SOCK_STREAM = const(1)
SOCK_DGRAM = const(2)
SOCK_RAW = const(3)
SOL_SOCKET = const(1)
SO_REUSEADDR = const(4)
SO_BROADCAST = const(32)
IPPROTO_IP = const(0)
IP_ADD_MEMBERSHIP = const(3)
IP_DROP_MEMBERSHIP = const(4)
IPPROTO_TCP = const(6)
TCP_NODELAY = const(1)

_EHOSTUNREACH = const(113)  # lwIP ERR_RTE: no interface to send through
_ENOTCONN = const(107)
_DNS_FAILED = const(-2)  # modlwip raises lwIP's own negative code when a lookup fails


def _numeric(host):
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or int(p) > 255:
            return False
    return True


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    if isinstance(host, bytes):
        host = host.decode()
    if not _numeric(host):
        raise OSError(_DNS_FAILED)
    return [(AF_INET, type or SOCK_STREAM, proto, "", (host, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        self._closed = False

    def settimeout(self, t):
        pass

    def setblocking(self, flag):
        pass

    def setsockopt(self, level, opt, value):
        pass

    def bind(self, addr):
        pass

    def listen(self, backlog=0):
        pass

    def connect(self, addr):
        raise OSError(_EHOSTUNREACH)

    def sendto(self, data, addr):
        raise OSError(_EHOSTUNREACH)

    def _unconnected(self, *args):
        raise OSError(_ENOTCONN)

    accept = send = sendall = write = recv = recvfrom = read = readinto = readline = _unconnected

    def makefile(self, mode="rb", buffering=0):
        return self

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
