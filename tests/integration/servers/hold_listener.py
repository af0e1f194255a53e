#!/usr/bin/env python3
"""A TCP listener that holds each accepted connection open until the peer
closes it (or it idles out), so that an identd can still see the connection
while a script asks it who owns the port. Run it as the user that should
own the port (runuser/setpriv); the kernel records that uid on the socket.

Bounded on purpose: at most MAX_CONNS connections are held (the oldest is
dropped beyond that), each for at most IDLE seconds, and the process exits
after --lifetime seconds even if nobody stops it.
"""
import argparse
import selectors
import socket
import sys
import time

MAX_CONNS = 256
IDLE = 30.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--banner", default="")
    ap.add_argument("--lifetime", type=float, default=900.0)
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.addr, args.port))
    srv.listen(128)
    srv.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    conns = {}  # socket -> time accepted
    banner = args.banner.encode().decode("unicode_escape").encode("latin-1")
    deadline = time.monotonic() + args.lifetime

    def drop(c):
        sel.unregister(c)
        conns.pop(c, None)
        c.close()

    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is srv:
                try:
                    c, _ = srv.accept()
                except OSError:
                    continue
                c.setblocking(False)
                if banner:
                    try:
                        c.send(banner)
                    except OSError:
                        pass
                if len(conns) >= MAX_CONNS:
                    drop(min(conns, key=conns.get))
                conns[c] = time.monotonic()
                sel.register(c, selectors.EVENT_READ)
            else:
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(c)
        now = time.monotonic()
        for c in [c for c, t in conns.items() if now - t > IDLE]:
            drop(c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
