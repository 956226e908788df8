# websocket as on a Pico W (extmod/modwebsocket.c): a framing layer over a connected socket,
# which no socket here ever is (see socket.py). Needed by the frozen webrepl.


class websocket:
    def __init__(self, sock, blocking=False):
        self._sock = sock

    def read(self, n=-1):
        return self._sock.read(n)

    def readinto(self, buf):
        return self._sock.readinto(buf)

    def readline(self):
        return self._sock.readline()

    def write(self, data):
        return self._sock.write(data)

    def ioctl(self, req, arg=0):
        return 0

    def close(self):
        self._sock.close()
