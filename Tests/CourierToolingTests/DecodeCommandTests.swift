import Foundation
import Testing

/// `decode`: schemaless output byte for byte as `protoc --decode_raw`; typed output as JSON.
@Suite("courier-cli decode", .serialized)
struct DecodeCommandTests {
    static let samples: [String] = [
        "089601",  // varint
        "0a0774657374696e67",  // string
        "1a0308960125" + "0000803f" + "29" + "000000000000f03f",  // nested, fixed32, fixed64
        "3200" + "3a06fffe0a22275c",  // empty bytes, escapes
        "0b08010c" + "10ffffffffffffffffff01",  // a group, a 64-bit varint
        "0a09eba788eb9dbced8395",  // UTF-8 (마라탕) in octal, as protoc prints it
        "0a0108",  // length-delimited that does not parse as a message: a string
    ]

    @Test(arguments: samples)
    func schemalessDecodingMatchesProtocDecodeRaw(hex: String) async throws {
        let bytes = try Data(hexString: hex)
        let protoc = String(decoding: try await runToEnd("/usr/bin/env", ["protoc", "--decode_raw"], stdin: bytes), as: UTF8.self)
        let run = try await CLIProcess.run(["decode", "--hex", hex])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == protoc)
    }

    @Test func utf8StringsAndGRPCFramesOnRequest() async throws {
        let korean = try await CLIProcess.run(["decode", "--utf8", "--base64", Data(try Data(hexString: "0a09eba788eb9dbced8395")).base64EncodedString()])
        #expect(korean.stdout == "1: \"마라탕\"\n")
        let framed = try await CLIProcess.run(["decode", "--grpc-frames", "--hex", "00 00000003 089601 00 00000000"])
        #expect(framed.stdout == "# message 1: 3 bytes\n1: 150\n# message 2: 0 bytes\n", "\(framed.stderr)")
        let malformed = try await CLIProcess.run(["decode", "--hex", "0a05ab"])
        #expect(malformed.status == 1 && malformed.stderr.contains("not protobuf wire format"), "\(malformed.stderr)")
    }

    @Test func typedDecodingThroughReflection() async throws {
        try await withCourierServer { server in
            let run = try await CLIProcess.run(["decode", "--type", "grpc.testing.SimpleRequest", "--server", server, "--hex", "1003 1a03 120100"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "{\n  \"responseSize\": 3,\n  \"payload\": {\n    \"body\": \"AA==\"\n  }\n}\n")
        }
    }
}

extension Data {
    init(hexString: String) throws {
        let digits = Array(hexString.filter { !$0.isWhitespace })
        guard digits.count % 2 == 0 else { throw CLIError("odd hex") }
        self.init(try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { throw CLIError("bad hex") }
            return byte
        })
    }
}
