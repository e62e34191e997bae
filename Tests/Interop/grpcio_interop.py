#!/usr/bin/env python3
"""gRPC's interop cases with grpcio, the reference Python implementation, as the other side.

  grpcio_interop.py client --port N [--test_case NAME|all|compression]
                                                             grpcio client -> a server on N
  grpcio_interop.py server --port N                          grpcio TestService server on N
  TLS (either mode): --use_tls --ca_file CA --server_host_override NAME (client),
                     --use_tls --tls_cert_file CERT --tls_key_file KEY (server)
  grpcio_interop.py reflection --port N                      list services and fetch descriptors
                                                             through grpcio-reflection's client

Stubs come from Courier's Protos/ (generate_stubs.sh). They live under grpc/..., which grpcio's
own `grpc` package would hide, so the stub folder is added to that package's search path.
"""
import argparse
import os
import sys
import threading
import time
from concurrent import futures

import grpc

STUBS = os.environ.get("COURIER_PY_STUBS")
if not STUBS:
    sys.exit("set COURIER_PY_STUBS to the output of Tests/Interop/generate_stubs.sh")
grpc.__path__.append(os.path.join(STUBS, "grpc"))

REQUEST_SIZES = [27182, 8, 1828, 45904]
RESPONSE_SIZES = [31415, 9, 2653, 58979]
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"


def testing():
    from grpc.testing import empty_pb2, messages_pb2, test_pb2_grpc
    return empty_pb2, messages_pb2, test_pb2_grpc


# ---------------------------------------------------------------- client


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def expect_status(code, call, message=None):
    try:
        result = call()
        if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
            for _ in result:
                pass
    except grpc.RpcError as error:
        check(error.code() == code, f"expected {code}, got {error.code()}: {error.details()}")
        if message is not None:
            check(error.details() == message, f"expected message {message!r}, got {error.details()!r}")
        return
    raise Failure(f"expected {code}, the call succeeded")


def client_channel(port, args):
    if not args.use_tls:
        return grpc.insecure_channel(f"127.0.0.1:{port}")
    credentials = grpc.ssl_channel_credentials(root_certificates=open(args.ca_file, "rb").read())
    options = [("grpc.ssl_target_name_override", args.server_host_override)] if args.server_host_override else []
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials, options=options)


def run_client(port, name, args):
    empty_pb2, messages_pb2, test_pb2_grpc = testing()
    channel = client_channel(port, args)
    stub = test_pb2_grpc.TestServiceStub(channel)
    unimplemented = test_pb2_grpc.UnimplementedServiceStub(channel)

    def payload(size):
        return messages_pb2.Payload(body=b"\0" * size)

    def output_request(response_size, payload_size, status=None):
        request = messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=response_size)],
            payload=payload(payload_size))
        if status is not None:
            request.response_status.CopyFrom(status)
        return request

    large = messages_pb2.SimpleRequest(response_size=314159, payload=payload(271828))

    def empty_unary():
        check(stub.EmptyCall(empty_pb2.Empty(), timeout=10) == empty_pb2.Empty(), "EmptyCall answered something")

    def large_unary():
        response = stub.UnaryCall(large, timeout=10)
        check(response.payload.body == b"\0" * 314159, f"payload of {len(response.payload.body)} bytes")

    def client_streaming():
        requests = (messages_pb2.StreamingInputCallRequest(payload=payload(s)) for s in REQUEST_SIZES)
        response = stub.StreamingInputCall(requests, timeout=10)
        check(response.aggregated_payload_size == 74922, f"aggregated {response.aggregated_payload_size}")

    def server_streaming():
        request = messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=s) for s in RESPONSE_SIZES])
        sizes = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=10)]
        check(sizes == RESPONSE_SIZES, f"sizes {sizes}")

    def ping_pong():
        queue = []
        condition = threading.Condition()
        done = object()

        def requests():
            for response_size, payload_size in zip(RESPONSE_SIZES, REQUEST_SIZES):
                yield output_request(response_size, payload_size)
                with condition:
                    condition.wait_for(lambda: queue, timeout=10)
                    queue.pop()

        call = stub.FullDuplexCall(requests(), timeout=10)
        for expected, response in zip(RESPONSE_SIZES, call):
            check(len(response.payload.body) == expected, f"ping_pong size {len(response.payload.body)}")
            with condition:
                queue.append(done)
                condition.notify()

    def empty_stream():
        responses = list(stub.FullDuplexCall(iter([]), timeout=10))
        check(responses == [], f"{len(responses)} responses")

    def custom_metadata():
        metadata = (("x-grpc-test-echo-initial", "test_initial_metadata_value"),
                    ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
        response, call = stub.UnaryCall.with_call(large, metadata=metadata, timeout=10)
        check(("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata(),
              f"initial {call.initial_metadata()}")
        check(("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata(),
              f"trailing {call.trailing_metadata()}")
        call = stub.FullDuplexCall(iter([output_request(314159, 271828)]), metadata=metadata, timeout=10)
        for _ in call:
            pass
        check(("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata(), "duplex initial")
        check(("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata(), "duplex trailing")

    def echo_status(message):
        status = messages_pb2.EchoStatus(code=2, message=message)
        expect_status(grpc.StatusCode.UNKNOWN,
                      lambda: stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=10), message)
        expect_status(grpc.StatusCode.UNKNOWN,
                      lambda: stub.FullDuplexCall(iter([output_request(0, 0, status)]), timeout=10), message)

    def status_code_and_message():
        echo_status("test status message")

    def special_status_message():
        echo_status(SPECIAL_MESSAGE)

    def unimplemented_method():
        expect_status(grpc.StatusCode.UNIMPLEMENTED, lambda: stub.UnimplementedCall(empty_pb2.Empty(), timeout=10))

    def unimplemented_service():
        expect_status(grpc.StatusCode.UNIMPLEMENTED,
                      lambda: unimplemented.UnimplementedCall(empty_pb2.Empty(), timeout=10))

    def cancel_after_begin():
        def never():
            time.sleep(30)
            yield messages_pb2.StreamingInputCallRequest()
        future = stub.StreamingInputCall.future(never(), timeout=10)
        time.sleep(0.05)
        future.cancel()
        check(future.cancelled(), "the future was not cancelled")

    def cancel_after_first_response():
        release = threading.Event()

        def requests():
            yield output_request(31415, 27182)
            release.wait(10)

        call = stub.FullDuplexCall(requests(), timeout=10)
        first = next(call)
        check(len(first.payload.body) == 31415, "first response size")
        call.cancel()
        release.set()
        expect_status(grpc.StatusCode.CANCELLED, lambda: list(call))

    def timeout_on_sleeping_server():
        release = threading.Event()

        def requests():
            # The spec's request: a payload and no response parameters (the server sends nothing).
            yield messages_pb2.StreamingOutputCallRequest(payload=payload(27182))
            release.wait(5)

        call = stub.FullDuplexCall(requests(), timeout=0.001)
        expect_status(grpc.StatusCode.DEADLINE_EXCEEDED, lambda: list(call))
        release.set()

    # The compression cases as far as grpcio's API reaches: it compresses a whole call (never
    # one message of a stream but not the next) and does not show whether a response came
    # compressed, so the streaming request goes all compressed, and the server's compression is
    # checked by the payloads arriving intact (Courier's own client checks the flags).
    def probe(call):
        """The feature probe: a request that says it is compressed, sent plain: INVALID_ARGUMENT."""
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, call)

    def compressed_unary(compression):
        def request(expect):
            return messages_pb2.SimpleRequest(response_size=314159, payload=payload(271828),
                                              expect_compressed=messages_pb2.BoolValue(value=expect))
        probe(lambda: stub.UnaryCall(request(True), timeout=10))
        for expect, how in ((True, compression), (False, grpc.Compression.NoCompression)):
            response = stub.UnaryCall(request(expect), compression=how, timeout=10)
            check(response.payload.body == b"\0" * 314159, f"payload of {len(response.payload.body)} bytes")

    def client_compressed_unary():
        compressed_unary(grpc.Compression.Gzip)

    def client_compressed_unary_deflate():
        compressed_unary(grpc.Compression.Deflate)

    def client_compressed_streaming():
        def requests(sizes):
            for size in sizes:
                yield messages_pb2.StreamingInputCallRequest(payload=payload(size),
                                                             expect_compressed=messages_pb2.BoolValue(value=True))
        probe(lambda: stub.StreamingInputCall(requests([27182]), timeout=10))
        response = stub.StreamingInputCall(requests([27182, 45904]), compression=grpc.Compression.Gzip, timeout=10)
        check(response.aggregated_payload_size == 73086, f"aggregated {response.aggregated_payload_size}")

    def server_compressed_unary():
        for compressed in (True, False):
            request = messages_pb2.SimpleRequest(response_size=314159, payload=payload(271828),
                                                 response_compressed=messages_pb2.BoolValue(value=compressed))
            response = stub.UnaryCall(request, timeout=10)
            check(response.payload.body == b"\0" * 314159, f"payload of {len(response.payload.body)} bytes")

    def server_compressed_streaming():
        request = messages_pb2.StreamingOutputCallRequest(response_parameters=[
            messages_pb2.ResponseParameters(size=31415, compressed=messages_pb2.BoolValue(value=True)),
            messages_pb2.ResponseParameters(size=92653, compressed=messages_pb2.BoolValue(value=False))])
        sizes = [len(r.payload.body) for r in stub.StreamingOutputCall(request, timeout=10)]
        check(sizes == [31415, 92653], f"sizes {sizes}")

    standard = [
        empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
        custom_metadata, status_code_and_message, special_status_message, unimplemented_method,
        unimplemented_service, cancel_after_begin, cancel_after_first_response, timeout_on_sleeping_server]
    compression = [client_compressed_unary, client_compressed_unary_deflate, server_compressed_unary,
                   client_compressed_streaming, server_compressed_streaming]
    cases = {f.__name__: f for f in standard + compression}
    groups = {"all": [f.__name__ for f in standard], "compression": [f.__name__ for f in compression]}
    names = [n for part in name.split(",") for n in groups.get(part, [part])]
    failed = 0
    for case in names:
        try:
            cases[case]()
            print(f"PASS {case}", flush=True)
        except Exception as error:  # noqa: BLE001 - report every failure, keep going
            failed += 1
            print(f"FAIL {case}: {error!r}", flush=True)
    print(f"grpcio client: {len(names) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


# ---------------------------------------------------------------- server


def run_server(port, args):
    empty_pb2, messages_pb2, test_pb2_grpc = testing()

    def echo(context):
        metadata = dict(context.invocation_metadata())
        if "x-grpc-test-echo-initial" in metadata:
            context.send_initial_metadata((("x-grpc-test-echo-initial", metadata["x-grpc-test-echo-initial"]),))
        if "x-grpc-test-echo-trailing-bin" in metadata:
            context.set_trailing_metadata((("x-grpc-test-echo-trailing-bin", metadata["x-grpc-test-echo-trailing-bin"]),))

    def status(request, context):
        if request.HasField("response_status") and request.response_status.code != 0:
            context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == request.response_status.code)),
                          request.response_status.message)

    def responses(request, context):
        status(request, context)
        # Responses asked for compressed go out in gzip, the others plain (server_compressed_streaming).
        compressing = any(p.HasField("compressed") and p.compressed.value for p in request.response_parameters)
        if compressing:
            context.set_compression(grpc.Compression.Gzip)
        for parameters in request.response_parameters:
            if parameters.interval_us:
                time.sleep(parameters.interval_us / 1e6)
            if compressing and not parameters.compressed.value:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=messages_pb2.Payload(body=b"\0" * parameters.size))

    # Health, with TestService's status settable through Courier's x-courier-set-health convention.
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    health_servicer = health.HealthServicer()
    for name in ("", "grpc.testing.TestService"):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    server_id = f"grpcio-{os.getpid()}"
    attempts, attempts_lock = {}, threading.Lock()

    class TestService(test_pb2_grpc.TestServiceServicer):
        def EmptyCall(self, request, context):
            echo(context)
            wanted = dict(context.invocation_metadata()).get("x-courier-set-health")
            if wanted is not None:
                health_servicer.set("grpc.testing.TestService", health_pb2.HealthCheckResponse.ServingStatus.Value(wanted))
            return empty_pb2.Empty()

        def UnaryCall(self, request, context):
            echo(context)
            status(request, context)
            # Courier's retry convention: the first N attempts of a key fail UNAVAILABLE; the next
            # answers with its attempt number and the grpc-previous-rpc-attempts it saw.
            metadata = dict(context.invocation_metadata())
            if "x-courier-fail-attempts" in metadata:
                with attempts_lock:
                    key = metadata.get("x-courier-retry-key", "")
                    attempts[key] = attempts.get(key, 0) + 1
                    attempt = attempts[key]
                if attempt <= int(metadata["x-courier-fail-attempts"]):
                    context.abort(grpc.StatusCode.UNAVAILABLE, f"attempt {attempt} refused")
                context.send_initial_metadata((("x-courier-attempt", str(attempt)),
                                               ("x-courier-previous-attempts", metadata.get("grpc-previous-rpc-attempts", "none"))))
            # grpcio cannot see whether a request came compressed: expect_compressed goes unchecked.
            if request.HasField("response_compressed") and request.response_compressed.value:
                context.set_compression(grpc.Compression.Gzip)
            return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(body=b"\0" * request.response_size),
                                               server_id=server_id if request.fill_server_id else "")

        def StreamingOutputCall(self, request, context):
            echo(context)
            yield from responses(request, context)

        def StreamingInputCall(self, request_iterator, context):
            echo(context)
            total = sum(len(r.payload.body) for r in request_iterator)
            return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

        def FullDuplexCall(self, request_iterator, context):
            echo(context)
            for request in request_iterator:
                yield from responses(request, context)

        def HalfDuplexCall(self, request_iterator, context):
            echo(context)
            for request in list(request_iterator):
                yield from responses(request, context)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    # Reflection, so tools can call it from JSON (Courier's loadtest does in scripts/interop.sh).
    from grpc_reflection.v1alpha import reflection
    from grpc.testing import test_pb2  # noqa: F401  (loads test.proto's descriptors, which reflection serves)
    reflection.enable_server_reflection(["grpc.testing.TestService", reflection.SERVICE_NAME], server)
    if args.use_tls:
        key, cert = open(args.tls_key_file, "rb").read(), open(args.tls_cert_file, "rb").read()
        server.add_secure_port(f"127.0.0.1:{port}", grpc.ssl_server_credentials([(key, cert)]))
    else:
        server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(f"grpcio server listening on {port}", flush=True)
    server.wait_for_termination()


# ---------------------------------------------------------------- reflection


def run_reflection(port):
    """Lists services and resolves each one's descriptor through grpcio-reflection's client."""
    from google.protobuf.descriptor_pool import DescriptorPool
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    database = ProtoReflectionDescriptorDatabase(channel)
    services = sorted(database.get_services())
    print("services:", ", ".join(services), flush=True)
    pool = DescriptorPool(database)
    expected = {"grpc.testing.TestService", "grpc.testing.BenchmarkService", "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}
    check(expected <= set(services), f"missing services: {expected - set(services)}")
    for name in services:
        service = pool.FindServiceByName(name)
        methods = [m.name for m in service.methods]
        check(methods, f"{name} has no methods")
        print(f"  {name} ({service.file.name}): {', '.join(methods)}", flush=True)
    request = pool.FindMessageTypeByName("grpc.testing.SimpleRequest")
    check(request.fields_by_name["response_size"].number == 2, "SimpleRequest.response_size is not field 2")
    print("reflection: all services resolved", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["client", "server", "reflection"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--test_case", default="all")
    parser.add_argument("--use_tls", action="store_true")
    parser.add_argument("--ca_file")
    parser.add_argument("--server_host_override")
    parser.add_argument("--tls_cert_file")
    parser.add_argument("--tls_key_file")
    args = parser.parse_args()
    if args.mode == "client":
        return run_client(args.port, args.test_case, args)
    if args.mode == "server":
        return run_server(args.port, args)
    try:
        return run_reflection(args.port)
    except Failure as failure:
        print(f"FAIL reflection: {failure}", flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
