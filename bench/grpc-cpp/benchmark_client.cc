// A minimal gRPC C++ client for bench/large.sh: the reference point Courier's client is compared
// with. Makes BenchmarkService/UnaryCall calls one at a time (a request payload of REQUEST_BYTES,
// asking for RESPONSE_BYTES back) and prints "calls/s mean_us failures" for the measured calls.
//   grpc-cpp-benchmark-client HOST:PORT REQUEST_BYTES RESPONSE_BYTES CALLS [WARMUP]
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "grpc/testing/benchmark_service.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s HOST:PORT REQUEST_BYTES RESPONSE_BYTES CALLS [WARMUP]\n", argv[0]);
    return 2;
  }
  const std::string target = argv[1];
  const long request_bytes = std::atol(argv[2]), response_bytes = std::atol(argv[3]);
  const long calls = std::atol(argv[4]), warmup = argc > 5 ? std::atol(argv[5]) : calls / 10;
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  auto stub = grpc::testing::BenchmarkService::NewStub(channel);
  grpc::testing::SimpleRequest request;
  request.set_response_size(static_cast<int>(response_bytes));
  request.mutable_payload()->set_body(std::string(request_bytes, '\x01'));
  long failures = 0;
  auto call = [&]() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::testing::SimpleResponse response;
    grpc::Status status = stub->UnaryCall(&context, request, &response);
    if (!status.ok() || static_cast<long>(response.payload().body().size()) != response_bytes) {
      if (failures++ == 0) std::fprintf(stderr, "call failed: %d %s\n", status.error_code(), status.error_message().c_str());
    }
  };
  for (long i = 0; i < warmup; ++i) call();
  failures = 0;
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < calls; ++i) call();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f %.1f %ld\n", calls / seconds, seconds * 1e6 / calls, failures);
  return failures == 0 ? 0 : 1;
}
