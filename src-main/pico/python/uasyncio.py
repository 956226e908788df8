# `import uasyncio` as on a board, where extmod/asyncio keeps this name for older code (aioble
# imports it): every attribute is looked up on asyncio when asked for, so the board runtime's
# changes to asyncio (run, ThreadSafeFlag) show through.
def __getattr__(name):
    import asyncio

    return getattr(asyncio, name)
