"""h2raw.py — a minimal HTTP/2 client on a plain socket for the attack side of the listener tests
(slowloris over HTTP/2, rapid reset, streams beyond max_concurrent_streams), where real clients
refuse to misbehave. Frames are built by hand; header blocks use HPACK literals without indexing."""
import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
REFUSED_STREAM, CANCEL, ENHANCE_YOUR_CALM = 0x7, 0x8, 0xB


def frame(typ, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([typ, flags]) + struct.pack(">I", stream_id) + payload


def hpack(headers):
    out = b""
    for name, value in headers:
        name, value = name.encode(), value.encode()
        out += b"\x00" + _hlen(len(name)) + name + _hlen(len(value)) + value
    return out


def _hlen(n):
    """HPACK string length with a 7-bit prefix (no Huffman)."""
    if n < 127:
        return bytes([n])
    out, n = bytearray([127]), n - 127
    while n >= 128:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def request_headers(path, method="POST", content_type="application/x-protobuf", extra=()):
    return hpack([(":method", method), (":scheme", "http"), (":path", path), (":authority", "127.0.0.1"),
                  ("content-type", content_type), *extra])


class H2Conn:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        # The server's SETTINGS is acknowledged here, before the caller sends anything: an ACK sent
        # later could land in the middle of a frame the caller is trickling.
        self.early = []
        while True:
            f = self.read_frame(timeout)
            if f is None or (f[0] == SETTINGS and not f[1] & ACK):
                break
            self.early.append(f)

    def send(self, data):
        self.sock.sendall(data)

    def read_frame(self, timeout=10.0):
        """(type, flags, stream_id, payload), or None when the server closed the connection."""
        self.sock.settimeout(timeout)
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        n = int.from_bytes(self.buf[:3], "big")
        typ, flags = self.buf[3], self.buf[4]
        sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7FFFFFFF
        payload, self.buf = self.buf[9:9 + n], self.buf[9 + n:]
        if typ == SETTINGS and not flags & ACK:
            try:
                self.sock.sendall(frame(SETTINGS, ACK, 0))
            except OSError:
                pass
        return typ, flags, sid, payload

    def frames_until_closed(self, timeout=60.0):
        """Every frame until the server closes the connection (bounded by `timeout`)."""
        out, deadline = [], time.time() + timeout
        while time.time() < deadline:
            try:
                f = self.read_frame(timeout=max(0.1, deadline - time.time()))
            except (socket.timeout, ConnectionResetError):
                break
            if f is None:
                return out, True
            out.append(f)
        return out, False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def goaway_code(payload):
    return struct.unpack(">I", payload[4:8])[0]


def rst_code(payload):
    return struct.unpack(">I", payload[:4])[0]
