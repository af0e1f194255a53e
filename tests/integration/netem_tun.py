#!/usr/bin/env python3
"""A stand-in for `tc qdisc ... netem delay D loss L` on kernels without
sch_netem: a delay line between two TUN devices in two network namespaces.

Packets read from the TUN device in namespace A are dropped with
probability LOSS or written to the device in namespace B after DELAY ms;
packets from B to A pass straight through (as netem on A's egress would
do). Both devices must already exist (ip tuntap add ... mode tun) with
their addresses; this process only attaches to them. It exits after
LIFETIME seconds or when killed.

usage: netem_tun.py NS_A DEV_A NS_B DEV_B DELAY_MS LOSS_PERCENT LIFETIME_S
"""
import ctypes
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def attach(ns, dev):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        sys.exit("netem_tun: setns %s: %s" % (ns, os.strerror(ctypes.get_errno())))
    os.close(fd)
    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    return tun


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    ns_a, dev_a, ns_b, dev_b = sys.argv[1:5]
    delay = float(sys.argv[5]) / 1000.0
    loss = float(sys.argv[6]) / 100.0
    deadline = time.monotonic() + float(sys.argv[7])
    ta = attach(ns_a, dev_a)
    tb = attach(ns_b, dev_b)
    print("ready", flush=True)
    queue = []  # (due, seq, packet) for A -> B
    seq = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, pkt = heapq.heappop(queue)
            os.write(tb, pkt)
        wait = min(0.5, queue[0][0] - now) if queue else 0.5
        r, _, _ = select.select([ta, tb], [], [], max(wait, 0))
        for fd in r:
            pkt = os.read(fd, 65536)
            if fd == tb:
                os.write(ta, pkt)
            elif random.random() >= loss:
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq, pkt))


if __name__ == "__main__":
    main()
