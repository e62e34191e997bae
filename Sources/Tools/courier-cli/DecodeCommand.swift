import ArgumentParser
import CourierSchema
import CourierTooling

/// `decode`: protobuf bytes as text, without a schema (as protoc --decode_raw) or as JSON of a
/// message type from reflection or local descriptors.
struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode protobuf bytes: schemaless like protoc --decode_raw, or as JSON with --type.")

    @Option(help: "The bytes as hex (spaces and colons ignored).") var hex: String?
    @Option(help: "The bytes as base64.") var base64: String?
    @Option(help: "A file of the bytes; - for standard input (the default).") var file: String?
    @Flag(help: "The bytes are gRPC messages, each with its 5-byte prefix (a DATA frame's payload).") var grpcFrames = false
    @Option(help: "Decode as this message type (e.g. grpc.testing.SimpleRequest) and print JSON.") var type: String?
    @Option(help: "The server whose reflection knows --type.") var server: ServerAddress?
    @Flag(help: "Without --type: print valid UTF-8 strings as text instead of protoc's octal escapes.") var utf8 = false
    @OptionGroup var schema: SchemaOptions
    @OptionGroup var tls: ClientTLSOptions

    func validate() throws {
        guard [hex, base64, file].compactMap({ $0 }).count <= 1 else { throw ValidationError("give the bytes once: --hex, --base64 or --file") }
        if type != nil && server == nil && !schema.isLocal { throw ValidationError("--type needs --server (reflection), --proto or --descriptor-set") }
    }

    func run() async throws {
        try await reporting(server: server, tls: tls) {
            let bytes: [UInt8]
            do {
                if let hex { bytes = try EncodedBytes.hex(hex) } else if let base64 { bytes = try EncodedBytes.base64(base64) } else { bytes = try EncodedBytes.file(file ?? "-") }
            } catch {
                throw CLIFailure("the input: \(error)")
            }
            let messages = grpcFrames ? try Self.unframe(bytes) : [bytes]
            var pool: DescriptorPool?
            if let type { pool = try await schema.pool(defining: [type], server: server) }
            for (index, message) in messages.enumerated() {
                if grpcFrames { Terminal.out("# message \(index + 1): \(message.count) bytes") }
                if let type, let pool {
                    do {
                        Terminal.out(try ProtobufJSONDecoder(pool: pool).decode(message, messageType: type).formatted())
                    } catch {
                        throw CLIFailure("not a valid \(type): \(error)")
                    }
                } else {
                    do {
                        let text = try RawProtobufText.render(message, utf8Strings: utf8)
                        if !text.isEmpty { Terminal.out(String(text.dropLast())) }
                    } catch {
                        throw CLIFailure("\(error)")
                    }
                }
            }
        }
    }

    /// The messages of a run of gRPC length-prefixed messages; all of them, uncompressed.
    static func unframe(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let (messages, rest) = GRPCMessageSplitter.split(bytes)
        if let compressed = messages.firstIndex(where: { $0.compressed != 0 }) {
            throw CLIFailure("message \(compressed + 1) is compressed (flag \(messages[compressed].compressed)): not decoded")
        }
        if let length = GRPCMessageSplitter.declaredLength(rest) {
            throw CLIFailure("message \(messages.count + 1) says \(length) bytes, \(rest.count - 5) left")
        }
        if !rest.isEmpty { throw CLIFailure("a gRPC message prefix needs 5 bytes, \(rest.count) left") }
        return messages.map(\.body)
    }
}
