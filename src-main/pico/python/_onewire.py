# _onewire as on a Pico W (extmod/modonewire.c), with nothing on the bus: the pull-up holds the
# line high, so no device answers a reset and every bit read is 1. Needed by the frozen onewire.


def reset(pin):
    return False


def readbit(pin):
    return 1


def readbyte(pin):
    return 0xFF


def writebit(pin, value):
    pass


def writebyte(pin, value):
    pass


def crc8(data):
    # Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, reflected), as modonewire.c computes it.
    crc = 0
    for b in data:
        for _ in range(8):
            mix = (crc ^ b) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8C
            b >>= 1
    return crc
