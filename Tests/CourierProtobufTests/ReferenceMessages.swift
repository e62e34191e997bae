import CourierProtos

/// The messages Tests/Interop/encode_reference.py builds, built the same way in Swift.
enum ReferenceMessages {
    static func all() -> [(String, any Sendable & Equatable, () throws -> [UInt8])] {
        func entry<M: CourierProtobufMessage>(_ name: String, _ message: M) -> (String, any Sendable & Equatable, () throws -> [UInt8]) {
            (name, message, { try message.serializedBytes() })
        }
        var scalars = Courier_Testing_Scalars()
        scalars.i32 = -42
        scalars.i64 = -(1 << 40)
        scalars.u32 = 4_000_000_000
        scalars.u64 = (1 << 63) + 5
        scalars.s32 = -7
        scalars.s64 = -(1 << 50)
        scalars.f32 = 0xDEAD_BEEF
        scalars.f64 = 0x0123_4567_89AB_CDEF
        scalars.sf32 = -123_456
        scalars.sf64 = -(1 << 60)
        scalars.flt = 1.5
        scalars.dbl = -2.25
        scalars.flag = true
        scalars.text = "마라탕 and ☺"
        scalars.blob = [0, 1, 2, 255]
        scalars.colour = .green

        var negative = Courier_Testing_Scalars()
        negative.colour = .negative

        var repeated = Courier_Testing_Repeated()
        repeated.i32 = [1, -1, 300]
        repeated.s64 = [-2, 2]
        repeated.dbl = [0.5, -0.25]
        repeated.flags = [true, false, true]
        repeated.texts = ["a", "", "치킨"]
        repeated.blobs = [[], [0x00, 0xff]]
        repeated.colours = [.red, .green]
        var item1 = Courier_Testing_Scalars()
        item1.i32 = 1
        var item2 = Courier_Testing_Scalars()
        item2.text = "x"
        repeated.items = [item1, item2]
        repeated.unpackedF32 = [1, 2, 3]

        var leaf = Courier_Testing_Outer.Inner()
        leaf.name = "leaf"
        var root = Courier_Testing_Outer.Inner()
        root.name = "root"
        root.child = leaf
        var seven = Courier_Testing_Outer.Inner()
        seven.name = "seven"
        var p1 = Courier_Testing_Outer.Inner()
        p1.name = "p1"
        var outer = Courier_Testing_Outer()
        outer.inner = root
        outer.choice = .label("")
        outer.counts = ["b": 2, "a": 1]
        outer.byId = [7: seven, -1: Courier_Testing_Outer.Inner()]
        outer.path = [p1]
        outer.maybeLimit = .limit(0)

        var node = Courier_Testing_Outer.Inner()
        node.name = "n"
        var outerNode = Courier_Testing_Outer()
        outerNode.choice = .node(node)
        outerNode.maybeLimit = .limit(9)
        var outerNumber = Courier_Testing_Outer()
        outerNumber.choice = .number(-5)
        var outerTint = Courier_Testing_Outer()
        outerTint.choice = .tint(.negative)

        var request = Grpc_Testing_SimpleRequest()
        request.responseSize = 314_159
        var payload = Grpc_Testing_Payload()
        payload.body = [UInt8](repeating: 0, count: 10)
        request.payload = payload
        request.fillUsername = true
        var status = Grpc_Testing_EchoStatus()
        status.code = 2
        status.message = "boom"
        request.responseStatus = status

        return [
            entry("empty_scalars", Courier_Testing_Scalars()), entry("scalars", scalars), entry("negative_enum", negative),
            entry("repeated", repeated), entry("outer_empty_oneof_string", outer), entry("outer_node", outerNode),
            entry("outer_number", outerNumber), entry("outer_tint", outerTint), entry("simple_request", request),
        ]
    }
}

import CourierProtobuf
typealias CourierProtobufMessage = ProtobufMessage
