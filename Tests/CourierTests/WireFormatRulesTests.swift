@testable import Courier
import NIOCore
import Testing

@Suite("grpc-timeout, grpc-message and metadata encodings")
struct WireFormatRulesTests {
    @Test func timeoutsParseEveryUnit() {
        #expect(GRPCTimeout.parse("1H") == .hours(1))
        #expect(GRPCTimeout.parse("2M") == .minutes(2))
        #expect(GRPCTimeout.parse("3S") == .seconds(3))
        #expect(GRPCTimeout.parse("4m") == .milliseconds(4))
        #expect(GRPCTimeout.parse("5u") == .microseconds(5))
        #expect(GRPCTimeout.parse("99999999n") == .nanoseconds(99_999_999))
        for bad in ["", "S", "1", "1s", "123456789S", "-1S", "1.5S", " 1S"] {
            #expect(GRPCTimeout.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func timeoutsFormatInAtMostEightDigitsRoundingUp() {
        #expect(GRPCTimeout.format(.nanoseconds(50)) == "50n")
        #expect(GRPCTimeout.format(.milliseconds(100)) == "100000u", "100 000 000 ns has nine digits")
        #expect(GRPCTimeout.format(.seconds(30)) == "30000000u")
        #expect(GRPCTimeout.format(.nanoseconds(100_000_001)) == "100001u")
        #expect(GRPCTimeout.format(.hours(200_000)) == "12000000M")
        for amount: TimeAmount in [.nanoseconds(1), .milliseconds(1500), .seconds(86_400), .microseconds(123_456_789)] {
            let text = GRPCTimeout.format(amount)
            #expect(text.count <= 9)
            #expect(GRPCTimeout.parse(text)! >= amount, "\(text) must not shorten \(amount)")
        }
    }

    @Test func statusMessagesPercentEncodeAndDecode() {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"
        let encoded = StatusMessageEncoding.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7e })
        #expect(StatusMessageEncoding.decode(encoded) == message)
        #expect(StatusMessageEncoding.encode("100%") == "100%25")
        #expect(StatusMessageEncoding.decode("bad %zz and %4") == "bad %zz and %4", "malformed escapes are kept as sent")
    }

    @Test func binaryMetadataIsBase64WithoutPaddingAndAcceptsBoth() {
        var metadata = Metadata()
        metadata.add("x-bin", bytes: [0xab, 0xab, 0xab, 0xab])
        var headers: [CourierHTTP2Header] = []
        metadata.appendHeaders(to: &headers)
        #expect(headers.map(\.value) == ["q6urqw"])
        let padded = Metadata(headers: [.init("x-bin", "q6urqw=="), .init("x-other-bin", "AAE"), .init("content-type", "application/grpc")])
        #expect(padded.bytes("x-bin") == [0xab, 0xab, 0xab, 0xab])
        #expect(padded.bytes("x-other-bin") == [0, 1])
        #expect(padded["content-type"] == nil, "gRPC's own headers are not custom metadata")
    }
}

import CourierHTTP2
typealias CourierHTTP2Header = HTTP2Header

@Suite("Length-Prefixed-Message deframing")
struct DeframerTests {
    /// Three messages (one empty) framed back to back.
    let messages: [[UInt8]] = [[1, 2, 3], [], Array(0..<200).map { UInt8($0) }]
    var wire: [UInt8] { messages.flatMap { RawStreamClient.message($0) } }

    private func deframe(_ chunks: [[UInt8]], limit: Int = 1000) throws -> [[UInt8]] {
        var deframer = GRPCMessageDeframer(maxMessageSize: limit)
        var out: [[UInt8]] = []
        for chunk in chunks {
            try chunk.withUnsafeBytes { raw in
                try deframer.append(raw) { out.append(Array($0.bytes.readableBytesView)) }
            }
        }
        #expect(!deframer.hasPartialMessage)
        return out
    }

    @Test func oneChunkCarriesSeveralMessages() throws {
        #expect(try deframe([wire]) == messages)
    }

    @Test func everySplitPointGivesTheSameMessages() throws {
        let wire = self.wire
        for split in 0...wire.count {
            #expect(try deframe([Array(wire[..<split]), Array(wire[split...])]) == messages, "split at \(split)")
        }
        #expect(try deframe(wire.map { [$0] }) == messages, "one byte at a time")
    }

    /// A 4 MiB message arriving in 16 KiB DATA chunks (as nghttp2 hands them over) is assembled
    /// with each byte copied once: a copy of the partial message per chunk would be quadratic.
    @Test func assemblingALargeMessageCopiesEachByteOnce() throws {
        let size = 4 << 20
        let wire = RawStreamClient.message((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var deframer = GRPCMessageDeframer(maxMessageSize: size)
        var delivered: [ByteBuffer] = []
        var start = 0
        while start < wire.count {
            let end = min(start + 16_384, wire.count)
            try wire[start..<end].withUnsafeBytes { raw in try deframer.append(raw) { delivered.append($0.bytes) } }
            start = end
        }
        #expect(delivered.count == 1)
        #expect(delivered.first.map { Array($0.readableBytesView) == Array(wire[5...]) } == true)
        #expect(deframer.bytesCopied <= 2 * size, "copied \(deframer.bytesCopied) bytes for a \(size)-byte message")
    }

    @Test func oversizedAndCompressedMessagesAreRefusedAtTheirPrefix() {
        #expect(throws: RPCError.self) { try deframe([[0, 0, 0, 4, 0]], limit: 1000) }  // 1024 bytes > 1000
        #expect(throws: RPCError.self) { try deframe([[1, 0, 0, 0, 1, 7]]) }
        var partial = GRPCMessageDeframer(maxMessageSize: 10)
        try? [UInt8]([0, 0, 0]).withUnsafeBytes { raw in try partial.append(raw) { _ in } }
        #expect(partial.hasPartialMessage, "a truncated prefix is reported as a partial message")
    }
}
