#!/usr/bin/env python3
"""Reads `name<TAB>message type<TAB>json` lines on stdin and prints `name hex`: Python protobuf's
json_format.Parse of the JSON, serialized deterministically, for the JSON-encoding cross-check in
Tests/CourierProtobufTests/JSONEncodingTests.swift."""
import os
import sys

stubs = os.environ["COURIER_PY_STUBS"]
sys.path.insert(0, stubs)
from google.protobuf import json_format  # noqa: E402
from courier.testing import wire_types_pb2 as w  # noqa: E402

for line in sys.stdin:
    name, type_name, text = line.rstrip("\n").split("\t", 2)
    message = getattr(w, type_name.split(".")[-1])()
    json_format.Parse(text, message)
    print(name, message.SerializeToString(deterministic=True).hex())
