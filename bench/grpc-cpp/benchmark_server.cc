// A minimal gRPC C++ BenchmarkService (callback API) for bench/unary.sh: the reference point
// Courier's throughput is compared with. Answers UnaryCall with an empty SimpleResponse
// (or a payload of response_size bytes), on 127.0.0.1:PORT, one completion-queue thread.
//   grpc-cpp-benchmark-server [PORT [gzip|plain [CERT KEY]]]
//     gzip: responses compressed for clients that accept it; CERT KEY (PEM files): TLS
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "grpc/testing/benchmark_service.grpc.pb.h"

class BenchmarkService final : public grpc::testing::BenchmarkService::CallbackService {
  grpc::ServerUnaryReactor* UnaryCall(grpc::CallbackServerContext* context,
                                      const grpc::testing::SimpleRequest* request,
                                      grpc::testing::SimpleResponse* response) override {
    if (request->response_size() > 0) {
      response->mutable_payload()->set_body(std::string(request->response_size(), '\0'));
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

static std::string ReadFile(const char* path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int main(int argc, char** argv) {
  std::string port = argc > 1 ? argv[1] : "50061";
  BenchmarkService service;
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (argc > 4) {
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({ReadFile(argv[4]), ReadFile(argv[3])});
    credentials = grpc::SslServerCredentials(tls);
  }
  builder.AddListeningPort("127.0.0.1:" + port, credentials);
  builder.RegisterService(&service);
  if (argc > 2 && std::string(argv[2]) == "gzip") builder.SetDefaultCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  std::unique_ptr<grpc::Server> server(builder.BuildAndStart());
  std::cout << "grpc++ benchmark server on " << port << std::endl;
  server->Wait();
}
