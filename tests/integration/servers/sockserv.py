#!/usr/bin/env python3
"""Misbehaving TCP and UDP peers for the NSE socket tests
(tests/integration/test_nse_sockets.sh, NSE-NOTES section 7).

Each --tcp MODE:PORT starts one listener; every connection it accepts is
served in its own thread:
  lines    sends b"line1\\nline2\\r\\nline3\\npartial", waits --close-after
           seconds, closes (the NSE-NOTES 7.3/7.4 sequences)
  chunks   sends b"AAAA", b"BBBB", b"CC\\nDD" 0.3 s apart (separate
           packets), waits --close-after seconds, closes
  echo     echoes everything until the peer closes
  silent   sends nothing, reads and discards until the peer closes
  endless  sends b"x" * 64 KiB blocks, no newline, until the peer closes
  hello    sends b"hello\\n" and closes at once
--tcp6 MODE:PORT does the same on ::1.
--udp PORT echoes every datagram back to its sender.

Bounded: the process exits after --lifetime seconds; connections idle out
after 60 s; at most 64 connections are served at once."""
import argparse
import socket
import threading
import time

MAX_CONNS = threading.BoundedSemaphore(64)


def serve(conn, mode, close_after):
    conn.settimeout(60)
    try:
        if mode == "lines":
            conn.sendall(b"line1\nline2\r\nline3\npartial")
            time.sleep(close_after)
        elif mode == "chunks":
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for part in (b"AAAA", b"BBBB", b"CC\nDD"):
                conn.sendall(part)
                time.sleep(0.3)
            time.sleep(close_after)
        elif mode == "echo":
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        elif mode == "silent":
            while conn.recv(65536):
                pass
        elif mode == "endless":
            block = b"x" * 65536
            deadline = time.time() + 60
            while time.time() < deadline:
                conn.sendall(block)
        elif mode == "hello":
            conn.sendall(b"hello\n")
    except OSError:
        pass
    finally:
        conn.close()
        MAX_CONNS.release()


def listen_tcp(mode, port, close_after, addr="127.0.0.1"):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        MAX_CONNS.acquire()
        threading.Thread(target=serve, args=(conn, mode, close_after),
                         daemon=True).start()


def echo_udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", action="append", default=[],
                    help="MODE:PORT")
    ap.add_argument("--tcp6", action="append", default=[],
                    help="MODE:PORT on ::1")
    ap.add_argument("--udp", type=int, action="append", default=[])
    ap.add_argument("--close-after", type=float, default=2.0)
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()
    for spec in args.tcp:
        mode, port = spec.split(":")
        threading.Thread(target=listen_tcp,
                         args=(mode, int(port), args.close_after),
                         daemon=True).start()
    for spec in args.tcp6:
        mode, port = spec.split(":")
        threading.Thread(target=listen_tcp,
                         args=(mode, int(port), args.close_after, "::1"),
                         daemon=True).start()
    for port in args.udp:
        threading.Thread(target=echo_udp, args=(port,), daemon=True).start()
    time.sleep(args.lifetime)


if __name__ == "__main__":
    main()
