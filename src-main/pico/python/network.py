# network as on a Pico W (CYW43) with the radio's Wi-Fi side idle and no access point in reach:
# the interface can be made active, a connect never succeeds. Needed by the frozen webrepl.
from micropython import const

STA_IF = const(0)
AP_IF = const(1)
# ports/rp2 network constants: the CYW43 link states.
STAT_IDLE = const(0)
STAT_CONNECTING = const(1)
STAT_CONNECT_FAIL = const(-1)
STAT_NO_AP_FOUND = const(-2)
STAT_WRONG_PASSWORD = const(-3)
STAT_GOT_IP = const(3)

_hostname = "PicoW"
_country = "XX"


def hostname(name=None):
    global _hostname
    if name is None:
        return _hostname
    _hostname = name


def country(code=None):
    global _country
    if code is None:
        return _country
    _country = code


class WLAN:
    IF_STA = STA_IF
    IF_AP = AP_IF

    def __init__(self, interface=STA_IF):
        self._if = interface
        self._active = False
        self._status = STAT_IDLE

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid=None, key=None, **kwargs):
        self._active = True
        self._status = STAT_NO_AP_FOUND

    def disconnect(self):
        self._status = STAT_IDLE

    def isconnected(self):
        return False

    def status(self, param=None):
        return self._status if param is None else 0

    def scan(self):
        return []

    def ifconfig(self, config=None):
        if config is None:
            return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def ipconfig(self, *args, **kwargs):
        return None

    def config(self, *args, **kwargs):
        if args == ("mac",):
            # Raspberry Pi's OUI, then the board's own id (a board reads its MAC from OTP).
            import _pico

            return b"\x28\xcd\xc1" + bytes.fromhex(_pico.unique_id_hex())[-3:]
        return None
