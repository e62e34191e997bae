#!/usr/bin/env python3
"""Prints `name hex` lines: Python protobuf's deterministic encoding of the reference messages
that Tests/CourierProtobufTests/WireCompatibilityTests.swift builds the same way."""
import os
import sys

import grpc  # noqa: F401  (only to extend its search path, see grpcio_interop.py)

stubs = os.environ["COURIER_PY_STUBS"]
sys.path.insert(0, stubs)
from courier.testing import wire_types_pb2 as w  # noqa: E402
grpc.__path__.append(os.path.join(stubs, "grpc"))
from grpc.testing import messages_pb2 as m  # noqa: E402


def cases():
    yield "empty_scalars", w.Scalars()
    yield "scalars", w.Scalars(
        i32=-42, i64=-(1 << 40), u32=4000000000, u64=(1 << 63) + 5, s32=-7, s64=-(1 << 50), f32=0xDEADBEEF,
        f64=0x0123456789ABCDEF, sf32=-123456, sf64=-(1 << 60), flt=1.5, dbl=-2.25, flag=True,
        text="마라탕 and ☺", blob=bytes([0, 1, 2, 255]), colour=w.GREEN)
    yield "negative_enum", w.Scalars(colour=w.NEGATIVE)
    yield "repeated", w.Repeated(
        i32=[1, -1, 300], s64=[-2, 2], dbl=[0.5, -0.25], flags=[True, False, True], texts=["a", "", "치킨"],
        blobs=[b"", b"\x00\xff"], colours=[w.RED, w.GREEN], items=[w.Scalars(i32=1), w.Scalars(text="x")],
        unpacked_f32=[1, 2, 3])
    outer = w.Outer(inner=w.Outer.Inner(name="root", child=w.Outer.Inner(name="leaf")), label="")
    outer.counts["b"] = 2
    outer.counts["a"] = 1
    outer.by_id[7].name = "seven"
    outer.by_id[-1].CopyFrom(w.Outer.Inner())
    outer.path.add(name="p1")
    outer.limit = 0
    yield "outer_empty_oneof_string", outer
    yield "outer_node", w.Outer(node=w.Outer.Inner(name="n"), limit=9)
    yield "outer_number", w.Outer(number=-5)
    yield "outer_tint", w.Outer(tint=w.NEGATIVE)
    yield "simple_request", m.SimpleRequest(
        response_size=314159, payload=m.Payload(body=b"\0" * 10), fill_username=True,
        response_status=m.EchoStatus(code=2, message="boom"))


for name, message in cases():
    print(name, message.SerializeToString(deterministic=True).hex())
