# tls as on a Pico W (extmod/modtls_mbedtls.c): its constants, and a context that has nothing to
# wrap, since no socket here ever connects (see socket.py). Needed by the frozen ssl, requests.
from micropython import const

PROTOCOL_TLS_CLIENT = const(0)
PROTOCOL_TLS_SERVER = const(1)
CERT_NONE = const(0)
CERT_OPTIONAL = const(1)
CERT_REQUIRED = const(2)
MBEDTLS_VERSION = "Mbed TLS 3.6.0"

_ENOTCONN = const(107)


class SSLContext:
    def __init__(self, protocol):
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            raise ValueError("invalid protocol")
        self.verify_mode = CERT_REQUIRED if protocol == PROTOCOL_TLS_CLIENT else CERT_NONE

    def load_cert_chain(self, cert, key):
        pass

    def load_verify_locations(self, cadata):
        pass

    def set_ciphers(self, ciphers):
        pass

    def get_ciphers(self):
        return []

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        raise OSError(_ENOTCONN)
