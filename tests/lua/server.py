#!/usr/bin/env python3
"""Loopback test services for tests/lua (started by run.sh).

Usage: server.py [LIFETIME [CERT KEY]]. Binds 127.0.0.1 port 0 for each
service and prints one line "banner=N echo=N silent=N [tls=N] closed=N", then serves until killed or
until its lifetime (argv[1] seconds, default 300) runs out.

  banner  sends BANNER on connect, then echoes what it receives
  echo    sends nothing first, echoes what it receives
  silent  accepts and never sends (for TIMEOUT paths)
  closed  a port that was bound and released: connections are refused
  tls     (only with CERT and KEY arguments) TLS; sends TLS_BANNER after the
          handshake, then echoes
Every connection is closed after IDLE seconds without input.
"""
import socket
import ssl
import sys
import threading
import time

BANNER = b"220 portolan test banner\r\nsecond line\r\n"
TLS_BANNER = b"220 portolan tls banner\r\n"
IDLE = 3.0


def serve_conn(conn, kind, tls=None):
    conn.settimeout(IDLE)
    try:
        if tls is not None:
            conn = tls.wrap_socket(conn, server_side=True)
            conn.sendall(TLS_BANNER)
        if kind == "banner":
            conn.sendall(BANNER)
        while True:
            data = conn.recv(4096)
            if not data:
                break
            if kind != "silent":
                conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(lsock, kind, tls=None):
    while True:
        try:
            conn, _ = lsock.accept()
        except OSError:
            return
        threading.Thread(target=serve_conn, args=(conn, kind, tls),
                         daemon=True).start()


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def main():
    lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    ports = {}
    for kind in ("banner", "echo", "silent"):
        s = listener()
        ports[kind] = s.getsockname()[1]
        threading.Thread(target=accept_loop, args=(s, kind),
                         daemon=True).start()
    if len(sys.argv) > 3:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[2], sys.argv[3])
        s = listener()
        ports["tls"] = s.getsockname()[1]
        threading.Thread(target=accept_loop, args=(s, "echo", tls),
                         daemon=True).start()
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind(("127.0.0.1", 0))
    ports["closed"] = c.getsockname()[1]
    c.close()
    print(" ".join("%s=%d" % kv for kv in ports.items()), flush=True)
    time.sleep(lifetime)


if __name__ == "__main__":
    main()
