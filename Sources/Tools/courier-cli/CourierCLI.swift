// courier-cli: protocol-level debugging for Courier and any gRPC server (grpcurl and `nghttp -v`
// in one tool).
//   courier-cli list 127.0.0.1:50051                       services, through server reflection
//   courier-cli describe 127.0.0.1:50051 reco.v1.SearchHomeService
//   courier-cli call 127.0.0.1:50051 reco.v1.SearchHomeService/Recommend -d '{"userId": "user-burger"}' --trace
//   courier-cli decode --hex 0a0b757365722d627572676572
//   courier-cli health 127.0.0.1:50051
import ArgumentParser
import Courier

@main
struct CourierCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "courier-cli",
        abstract: "Lists, describes, calls and traces Courier and gRPC servers; decodes protobuf bytes.",
        discussion: """
            Message types come from the server's reflection (grpc.reflection.v1, else v1alpha), or from \
            --proto files / --descriptor-set when it has none. Exit status: 0 on success, 64 + the gRPC \
            status code when a call ends with an error status (as grpcurl), 1 for anything else.
            """,
        subcommands: [ListCommand.self, DescribeCommand.self, CallCommand.self, DecodeCommand.self, HealthCommand.self])

    /// Large messages' buffers are reused instead of mapped afresh for every call (LargeMessageMemory).
    static func main() async {
        LargeMessageMemory.reuseBuffers()
        await main(nil)
    }
}
