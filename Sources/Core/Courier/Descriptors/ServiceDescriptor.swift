import CourierProtobuf

/// A service's name and methods, and the `.proto` file it came from (for reflection).
public struct ServiceDescriptor: Sendable {
    /// The fully-qualified service name, e.g. `grpc.health.v1.Health`.
    public let name: String
    /// Its methods, in the .proto's order.
    public let methods: [MethodDescriptor]
    /// The .proto file that declares it (for server reflection).
    public let file: GeneratedProtoFile

    /// A service of `name` with `methods`, declared in `file`.
    public init(name: String, methods: [MethodDescriptor], file: GeneratedProtoFile) {
        self.name = name
        self.methods = methods
        self.file = file
    }
}

/// Something a `Server` can serve: generated service protocols give conforming types both members.
public protocol CourierService: Sendable {
    var serviceDescriptor: ServiceDescriptor { get }
    var methodHandlers: [MethodHandler] { get }
}
