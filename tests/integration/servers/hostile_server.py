#!/usr/bin/python3
"""Hostile TCP servers for tests/integration/test_hostile.sh (issue #5).

One process, one port per behaviour, on 127.0.0.1 inside the test's
namespace:
  endless  sends data as fast as the peer reads it, forever
  slow     sends one byte a second
  hang     accepts and never sends or closes
  garbage  answers anything (a TLS ClientHello included) with random bytes
  reset    sends a little, then resets the connection (SO_LINGER 0)
  ok       sends "hello\\n" and closes (the control)
Every connection and the process itself end after --lifetime seconds.
"""
import argparse
import asyncio
import os
import socket
import struct


async def endless(r, w):
    chunk = b"A" * 65536
    while True:
        w.write(chunk)
        await w.drain()


async def slow(r, w):
    while True:
        w.write(b"s")
        await w.drain()
        await asyncio.sleep(1)


async def hang(r, w):
    await asyncio.sleep(3600)


async def garbage(r, w):
    w.write(os.urandom(4096))
    await w.drain()
    while True:
        data = await r.read(4096)
        if not data:
            return
        w.write(os.urandom(len(data) * 4))
        await w.drain()


async def reset(r, w):
    w.write(b"partial data before a reset\n")
    await w.drain()
    await asyncio.sleep(0.2)
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


async def ok(r, w):
    w.write(b"hello\n")
    await w.drain()


MODES = {"endless": endless, "slow": slow, "hang": hang,
         "garbage": garbage, "reset": reset, "ok": ok}


def wrap(fn, lifetime):
    async def handler(r, w):
        try:
            await asyncio.wait_for(fn(r, w), lifetime)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            pass
        finally:
            try:
                w.close()
            except OSError:
                pass
    return handler


async def main():
    ap = argparse.ArgumentParser()
    for m in MODES:
        ap.add_argument("--" + m, type=int)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    servers = []
    for m, fn in MODES.items():
        port = getattr(a, m)
        if port:
            servers.append(await asyncio.start_server(
                wrap(fn, a.lifetime), "127.0.0.1", port, backlog=1024))
    await asyncio.sleep(a.lifetime)
    for s in servers:
        s.close()


asyncio.run(main())
