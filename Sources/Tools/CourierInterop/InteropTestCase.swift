import Courier

/// The standard gRPC interop cases (doc/interop-test-descriptions.md) a client runs.
public enum InteropTestCase: String, CaseIterable, Sendable {
    /// The cases every gRPC server answers (`--test_case all`); the compression cases need a
    /// server that compresses per message on request (`--test_case compression`).
    public static let standard = allCases.filter { !compression.contains($0) }
    /// The four compression cases.
    public static let compression: [InteropTestCase] = [.clientCompressedUnary, .serverCompressedUnary, .clientCompressedStreaming, .serverCompressedStreaming]

    case emptyUnary = "empty_unary"
    case largeUnary = "large_unary"
    case clientStreaming = "client_streaming"
    case serverStreaming = "server_streaming"
    case pingPong = "ping_pong"
    case emptyStream = "empty_stream"
    case customMetadata = "custom_metadata"
    case statusCodeAndMessage = "status_code_and_message"
    case specialStatusMessage = "special_status_message"
    case unimplementedMethod = "unimplemented_method"
    case unimplementedService = "unimplemented_service"
    case cancelAfterBegin = "cancel_after_begin"
    case cancelAfterFirstResponse = "cancel_after_first_response"
    case timeoutOnSleepingServer = "timeout_on_sleeping_server"
    case clientCompressedUnary = "client_compressed_unary"
    case serverCompressedUnary = "server_compressed_unary"
    case clientCompressedStreaming = "client_compressed_streaming"
    case serverCompressedStreaming = "server_compressed_streaming"

    /// Runs the case against `channel`; throws `InteropFailure` (or the call's error) when it
    /// fails. Returns a note when the server could not take part in a check (the case passed
    /// without it). Client-compressed cases compress with `compression`.
    @discardableResult
    public func run(on channel: any ClientTransport, compression: CompressionAlgorithm = .gzip) async throws -> String? {
        let cases = InteropCases(channel: channel)
        switch self {
        case .clientCompressedUnary: return try await cases.clientCompressedUnary(compression)
        case .clientCompressedStreaming: return try await cases.clientCompressedStreaming(compression)
        case .serverCompressedUnary: try await cases.serverCompressedUnary()
        case .serverCompressedStreaming: try await cases.serverCompressedStreaming()
        case .emptyUnary: try await cases.emptyUnary()
        case .largeUnary: try await cases.largeUnary()
        case .clientStreaming: try await cases.clientStreaming()
        case .serverStreaming: try await cases.serverStreaming()
        case .pingPong: try await cases.pingPong()
        case .emptyStream: try await cases.emptyStream()
        case .customMetadata: try await cases.customMetadata()
        case .statusCodeAndMessage: try await cases.statusCodeAndMessage()
        case .specialStatusMessage: try await cases.specialStatusMessage()
        case .unimplementedMethod: try await cases.unimplementedMethod()
        case .unimplementedService: try await cases.unimplementedService()
        case .cancelAfterBegin: try await cases.cancelAfterBegin()
        case .cancelAfterFirstResponse: try await cases.cancelAfterFirstResponse()
        case .timeoutOnSleepingServer: try await cases.timeoutOnSleepingServer()
        }
        return nil
    }
}

/// Why an interop case failed.
public struct InteropFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw InteropFailure(message()) }
}

/// Expects `body` to fail with `code` (and, when given, `message`).
func expectStatus(_ code: StatusCode, message: String? = nil, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as RPCError {
        try expect(error.code == code, "expected \(code), got \(error)")
        if let message { try expect(error.message == message, "expected message \(message.debugDescription), got \(error.message.debugDescription)") }
        return
    }
    throw InteropFailure("expected \(code), but the call succeeded")
}
