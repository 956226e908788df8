# os and open as a Pico W's littlefs shows them (extmod/vfs_lfsx.c), over this build's VfsPosix
# on emscripten's FS. Host tools depend on the differences: mpremote's transport.py
# _convert_filesystem_error looks for "ENOENT" in the error, `mpremote cp -r DIR :` stats "",
# `mpremote df` calls statvfs(""), `fs ls` prints ilistdir's sizes, and Thonny imports uos.
import builtins
import os
import sys

# littlefs errors are negated POSIX numbers (lfs2.h LFS_ERR_NOENT = -2, ...), raised as
# OSError(-err) by vfs_lfsx.c and printed "[Errno 2] ENOENT". emscripten's are WASI's
# (wasi/api.h __WASI_ERRNO_NOENT = 44, EXIST 20, NOTEMPTY 55, ISDIR 31, NOTDIR 54, INVAL 28,
# NOSPC 51, ACCES 2, BADF 8, IO 29).
_WASI_TO_LFS = {44: 2, 20: 17, 55: 39, 31: 21, 54: 20, 28: 22, 51: 28, 2: 13, 8: 9, 29: 5}


def _lfs_errors(f):
    def call(*a):
        try:
            return f(*a)
        except OSError as e:
            n = _WASI_TO_LFS.get(e.errno)
            if n is None:
                raise
            raise OSError(n)

    return call


for _n in ("mkdir", "remove", "rmdir", "rename", "chdir"):
    setattr(os, _n, _lfs_errors(getattr(os, _n)))
os.unlink = os.remove
builtins.open = _lfs_errors(builtins.open)
# extmod/vfs.c mp_vfs_lookup_path: "" is the current directory, as "." is.
_stat = _lfs_errors(os.stat)


def _stat_lfs(path):
    # vfs_lfsx.c stat: mode MP_S_IFDIR or MP_S_IFREG only, no inode/dev/links/ids, then size and
    # the time three times.
    st = _stat(path or ".")
    return (st[0] & 0xF000, 0, 0, 0, 0, 0, st[6], st[8], st[8], st[8])


os.stat = _stat_lfs

# At "/" only the board's own files: not our runtime's nor emscripten's folders (the ones the
# board's snapshot skips, board-worker.ts snapshotFiles).
_HIDDEN = ("tmp", "home", "dev", "proc", "_pico")
_ilistdir = _lfs_errors(os.ilistdir)


def _ilistdir_lfs(path=""):
    # vfs_lfsx.c ilistdir: (name, type, inode 0, size), size 0 for a folder. A missing folder
    # raises here, at the call, not at the first next().
    full = path if path.startswith("/") else os.getcwd().rstrip("/") + "/" + path
    root = full.replace(".", "").strip("/") == ""
    entries = _ilistdir(path) if path else _ilistdir()
    prefix = (path.rstrip("/") + "/") if path else ""

    def gen():
        for e in entries:
            if root and e[0] in _HIDDEN:
                continue
            yield (e[0], e[1], 0, 0 if e[1] == 0x4000 else _stat(prefix + e[0])[6])

    return gen()


# ports/rp2/boards/RPI_PICO_W/mpconfigboard.h MICROPY_HW_FLASH_STORAGE_BYTES (848 * 1024), in
# 4096-octet erase blocks (rp2_flash.c: FLASH_SECTOR_SIZE); LFS_NAME_MAX 255.
_BLOCK = 4096
_BLOCKS = 212


def _used_blocks(path):
    # Roughly as littlefs stores them: a metadata pair per folder, whole blocks per file.
    n = 2
    for e in _ilistdir_lfs(path):
        if e[1] == 0x4000:
            n += _used_blocks(path.rstrip("/") + "/" + e[0])
        else:
            n += max(1, (e[3] + _BLOCK - 1) // _BLOCK)
    return n


def _statvfs_lfs(path):
    # vfs_lfsx.c statvfs: the whole filesystem whatever the path (vfs.c finds its mount).
    _stat(path or ".")
    free = max(0, _BLOCKS - _used_blocks("/"))
    return (_BLOCK, _BLOCK, _BLOCKS, free, free, 0, 0, 0, 0, 255)


os.statvfs = _statvfs_lfs
os.ilistdir = _ilistdir_lfs
os.listdir = lambda path="": [e[0] for e in _ilistdir_lfs(path)]
# py/builtinimport.c: a "u" name is the built-in module; here os is more than the built-in uos.
sys.modules["uos"] = os
del _n
