import CourierProtobuf

/// A service's name and methods, and the `.proto` file it came from (for reflection).
public struct ServiceDescriptor: Sendable {
    public let name: String
    public let methods: [MethodDescriptor]
    public let file: GeneratedProtoFile

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
