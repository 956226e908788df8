# rp2 as on a Pico W with nothing wired (ports/rp2/modrp2.c): the parts firmware on a virtual board
# can use. PIO, StateMachine and Flash are not modelled.


def bootsel_button():
    # Nobody presses the BOOTSEL button of a virtual board.
    return 0


def dht_readinto(pin, buf):
    # drivers/dht/dht.c: with no sensor on the pin nothing answers the start pulse.
    raise OSError(110)  # ETIMEDOUT
