# _webrepl as on a Pico W (extmod/modwebrepl.c): the password check and file transfer over a
# websocket, which never connects here (see socket.py). Needed by the frozen webrepl.

_password = None


def password(pw):
    global _password
    _password = pw


class _webrepl:
    def __init__(self, ws):
        self._ws = ws

    def read(self, n=-1):
        return self._ws.read(n)

    def readinto(self, buf):
        return self._ws.readinto(buf)

    def write(self, data):
        return self._ws.write(data)

    def ioctl(self, req, arg=0):
        return 0

    def close(self):
        self._ws.close()
