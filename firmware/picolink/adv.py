# Advertising data (Core Supplement Part A 1): building ours, reading a peer's.
import struct
from micropython import const

_AD_FLAGS = const(0x01)
_AD_UUID16_MORE = const(0x02)
_AD_UUID16 = const(0x03)
_AD_UUID128_MORE = const(0x06)
_AD_UUID128 = const(0x07)
_AD_NAME_SHORT = const(0x08)
_AD_NAME = const(0x09)
_AD_APPEARANCE = const(0x19)
_LE_GENERAL_NO_BREDR = const(0x06)


def _field(t, v):
    return struct.pack("BB", len(v) + 1, t) + v


def payloads(name, service, appearance):
    # (adv_data, resp_data): flags, appearance and the service in the advertisement, the name
    # in the scan response (a 128-bit UUID leaves no room for it in 31 octets).
    s = bytes(service)
    adv = _field(_AD_FLAGS, bytes((_LE_GENERAL_NO_BREDR,))) + _field(_AD_APPEARANCE, struct.pack("<H", appearance))
    adv += _field(_AD_UUID16 if len(s) == 2 else _AD_UUID128, s)
    n = name.encode()[:29]
    if len(adv) + 2 + len(n) <= 31:
        return adv + _field(_AD_NAME, n), None
    return adv, _field(_AD_NAME, n)


def find(data, types):
    # The first field of one of the given types, as a memoryview, or None. Malformed data ends
    # the search.
    i = 0
    n = len(data)
    while i + 1 < n:
        ln = data[i]
        if ln == 0 or i + 1 + ln > n:
            return None
        if data[i + 1] in types:
            return memoryview(data)[i + 2 : i + 1 + ln]
        i += 1 + ln
    return None


def name(data):
    v = find(data, (_AD_NAME, _AD_NAME_SHORT))
    return None if v is None else bytes(v)


def has_service(data, service):
    s = bytes(service)
    v = find(data, (_AD_UUID16, _AD_UUID16_MORE) if len(s) == 2 else (_AD_UUID128, _AD_UUID128_MORE))
    if v is None:
        return False
    k = len(s)
    for i in range(0, len(v) - k + 1, k):
        if bytes(v[i : i + k]) == s:
            return True
    return False
