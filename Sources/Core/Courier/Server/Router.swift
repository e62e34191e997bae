/// Finds a method's handler by `:path`.
struct Router: Sendable {
    private var handlers: [String: MethodHandler] = [:]
    private(set) var services: [ServiceDescriptor] = []
    private var serviceNames: Set<String> = []

    init(services: [any CourierService]) {
        for service in services {
            self.services.append(service.serviceDescriptor)
            serviceNames.insert(service.serviceDescriptor.name)
            for handler in service.methodHandlers { handlers[handler.method.path] = handler }
        }
    }

    func handler(for path: String) -> MethodHandler? { handlers[path] }

    /// UNIMPLEMENTED, naming whether the service or only the method is unknown.
    func unimplemented(_ path: String) -> RPCError {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            return RPCError(code: .unimplemented, message: "malformed method path '\(path)'")
        }
        if serviceNames.contains(String(parts[0])) {
            return RPCError(code: .unimplemented, message: "method '\(parts[1])' is not implemented by service '\(parts[0])'")
        }
        return RPCError(code: .unimplemented, message: "unknown service '\(parts[0])'")
    }
}
