# The GATT profiles PicoLink serves and speaks (docs/PROTOCOL.md section 2).
import bluetooth
from micropython import const

PROTOCOL_VERSION = const(1)
APPEARANCE = const(0x0080)  # Generic Computer (Assigned Numbers 2.6.2)

# PicoLink v1: "PICOLINK" then the role of each UUID.
SERVICE = bluetooth.UUID("5049434f-4c49-4e4b-0001-000000000001")
RX = bluetooth.UUID("5049434f-4c49-4e4b-0001-000000000002")  # central writes frames here
TX = bluetooth.UUID("5049434f-4c49-4e4b-0001-000000000003")  # frames notified to the central
VERSION = bluetooth.UUID("5049434f-4c49-4e4b-0001-000000000004")  # read: protocol version
CCCD = bluetooth.UUID(0x2902)

# The tutorial's profile: one characteristic, read/write/notify, UTF-8 text.
TUTORIAL_SERVICES = (bluetooth.UUID(0x1848), bluetooth.UUID(0x181A))
TUTORIAL_CHAR = bluetooth.UUID(0x2A6E)


def tutorial(cfg):
    return getattr(cfg, "PROFILE", "picolink") == "tutorial"
