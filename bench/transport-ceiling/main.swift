// transport-ceiling --port N [--threads T] [--task 1]
//
// The ceiling of Courier's transport, for bench/unary.sh: the HTTP/2 layer the gRPC server runs on
// (CourierHTTP2's HTTP2Server: nghttp2 in a SwiftNIO handler, default configuration, one event
// loop) answering every stream with the bytes Courier sends for the benchmark's UnaryCall (an
// empty SimpleResponse: HEADERS, a 5-byte DATA frame, grpc-status 0 trailers), with no gRPC layer
// at all: no header checks, routing, deadline, task, protobuf or interceptors. What Courier's
// gRPC server reaches below this is the cost of its own layers; what this reaches below nghttpd
// is the cost of SwiftNIO and the Swift side of the transport. With `--task 1` each answer is
// sent from a Swift task started per stream as the gRPC server starts its handlers
// (Task.immediate on the loop's task executor): the price of an async handler alone.
import CourierHTTP2
import NIOCore
import NIOPosix

/// Hands the loop-confined stream to a task that runs on the same loop.
struct UnsafeTransfer<Value>: @unchecked Sendable { let value: Value; init(_ value: Value) { self.value = value } }

final class CannedAnswers: HTTP2StreamAcceptor, HTTP2StreamDelegate, @unchecked Sendable {
    // Only touched on the event loop of each connection.
    private let answerFromTask: Bool
    private let executors: [ObjectIdentifier: EventLoopTaskExecutor]
    private let headers = HTTP2HeaderList([HTTP2Header(":status", "200"), HTTP2Header("content-type", "application/grpc")])
    private let trailers = HTTP2HeaderList([HTTP2Header("grpc-status", "0")])
    private let emptyMessage = ByteBuffer(bytes: [0, 0, 0, 0, 0])

    init(answerFromTask: Bool, loops: [any EventLoop]) {
        self.answerFromTask = answerFromTask
        self.executors = Dictionary(uniqueKeysWithValues: loops.map { (ObjectIdentifier($0), EventLoopTaskExecutor($0)) })
    }

    func accept(_ stream: HTTP2Stream, on connection: HTTP2Connection) { stream.delegate = self }
    func stream(_ stream: HTTP2Stream, receivedHeaders headers: [HTTP2Header], endStream: Bool) {}
    func stream(_ stream: HTTP2Stream, receivedData data: UnsafeRawBufferPointer) { stream.consume(data.count) }
    func streamReceivedEnd(_ stream: HTTP2Stream) {
        guard answerFromTask else { return answer(stream) }
        let executor = executors[ObjectIdentifier(MultiThreadedEventLoopGroup.currentEventLoop!)]!
        let stream = UnsafeTransfer(stream)
        Task.immediate(executorPreference: executor) { self.answer(stream.value) }
    }

    private func answer(_ stream: HTTP2Stream) {
        stream.sendResponseHeaders(headers)
        stream.write(emptyMessage)
        stream.finish(trailers: trailers)
    }
    func stream(_ stream: HTTP2Stream, closedWithErrorCode errorCode: UInt32) {}
    func streamOutboundDrained(_ stream: HTTP2Stream) {}
}

var options: [String: Int] = ["--threads": 1, "--task": 0]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard ["--port", "--threads", "--task"].contains(name), let value = arguments.popFirst().flatMap({ Int($0) }) else {
        print("usage: transport-ceiling --port N [--threads T] [--task 1]")
        exit(2)
    }
    options[name] = value
}
guard let port = options["--port"] else {
    print("usage: transport-ceiling --port N [--threads T] [--task 1]")
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: options["--threads"]!)
let answers = CannedAnswers(answerFromTask: options["--task"] == 1, loops: Array(group.makeIterator()))
let server = HTTP2Server(group: group, configuration: HTTP2Configuration(), acceptor: answers)
let address = try await server.start(host: "127.0.0.1", port: port)
print("transport-ceiling listening on \(address)")
while true { try await Task.sleep(for: .seconds(3600)) }
