#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A long-lived TCP connection to an echo service: reads the banner (the
name of the POP that serves it), then sends a line every INTERVAL seconds
for DURATION seconds and checks each one comes back. Exit 0 when every
line came back; prints the banner first, then "ok N" or the failure.
Signals progress by touching FILE.started once connected.

usage: stream.py SRC DST PORT DURATION INTERVAL FILE
"""
import socket
import sys
import time

src, dst, port, duration, interval, mark = sys.argv[1:7]
family = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(3)
s.bind((src, 0))
s.connect((dst, int(port)))
f = s.makefile("rwb", buffering=0)
banner = f.readline().decode().strip()
print(banner, flush=True)
open(mark + ".started", "w").close()
end = time.time() + float(duration)
n = 0
while time.time() < end:
    line = ("line %d\n" % n).encode()
    f.write(line)
    back = f.readline()
    if back != line:
        print("lost: sent %r got %r" % (line, back), flush=True)
        sys.exit(1)
    n += 1
    time.sleep(float(interval))
print("ok %d" % n, flush=True)
