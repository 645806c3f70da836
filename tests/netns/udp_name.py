#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP name service for the fleet tests.

  udp_name.py serve ADDR PORT NAME   answer every datagram with NAME, from ADDR
  udp_name.py ask SRC DST PORT       print the name that answers, or nothing

The server is one process with one socket, so no datagram ever races a
forked child for the socket. The client asks up to three times, as a DNS
resolver would: the tests assert which POP answered, not that UDP never
loses a packet.
"""
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port, name):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    while True:
        _, peer = s.recvfrom(2048)
        s.sendto((name + "\n").encode(), peer)


def ask(src, dst, port):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(1)
    for _ in range(3):
        s.sendto(b"q\n", (dst, int(port)))
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        sys.stdout.write(data.decode())
        return 0
    return 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(*sys.argv[2:5])
    elif len(sys.argv) == 5 and sys.argv[1] == "ask":
        sys.exit(ask(*sys.argv[2:5]))
    else:
        sys.exit(__doc__)
