# Gives the firmware a heap of its own, of the board's size, in strict heap mode. The runtime's
# Python (these shims) loads first and leaves its part of the heap fragmented by the garbage of
# compiling it: first-fit allocations of the firmware would fall into those holes and run out
# long before a board's 190 KB. So: grow a fresh area of the board's size while the C heap may
# still grow, then (once it is locked) fill every hole left in the runtime's area, then free the
# fresh area for the firmware.
from micropython import const

# A new area is made a little larger than the allocation that asked for it (the GC's tables and
# slack, about 2 KB in this build): ask for that much less, so the firmware gets the board's size.
_GROWTH_SLACK = const(2048)
_area = None
_ballast = None


def grow(n):
    global _area
    _area = bytearray(n - _GROWTH_SLACK)


def fill():
    global _ballast
    keep = []
    size = 4096
    while size >= 16:
        try:
            while True:
                keep.append(bytearray(size))
        except MemoryError:
            size >>= 1
    _ballast = keep


def release():
    global _area
    _area = None
