#!/usr/bin/env python3
"""Reads `name<TAB>message type<TAB>json` lines on stdin and prints `name hex`: Python protobuf's
json_format.Parse of the JSON, serialized deterministically, for the JSON-encoding cross-check in
Tests/CourierProtobufTests/JSONEncodingTests.swift. With --to-json, reads `name<TAB>type<TAB>hex`
and prints `name json`: json_format.MessageToDict of the bytes as compact JSON with sorted keys."""
import json
import os
import sys

stubs = os.environ["COURIER_PY_STUBS"]
sys.path.insert(0, stubs)
from google.protobuf import json_format  # noqa: E402
from courier.testing import wire_types_pb2 as w  # noqa: E402

to_json = "--to-json" in sys.argv
for line in sys.stdin:
    name, type_name, text = line.rstrip("\n").split("\t", 2)
    message = getattr(w, type_name.split(".")[-1])()
    if to_json:
        message.ParseFromString(bytes.fromhex(text))
        print(name, json.dumps(json_format.MessageToDict(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    else:
        json_format.Parse(text, message)
        print(name, message.SerializeToString(deterministic=True).hex())
