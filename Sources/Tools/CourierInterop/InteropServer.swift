import Courier
import CourierServices

/// The interop server: TestService, BenchmarkService, Health and reflection on one port.
public enum InteropServer {
    public static func make(configuration: ServerConfiguration = ServerConfiguration()) -> (Server, HealthService) {
        let health = HealthService()
        let services: [any CourierService] = [TestServiceProvider(health: health), BenchmarkServiceProvider(), health]
        for service in services { health.setStatus(.serving, for: service.serviceDescriptor.name) }
        let server = Server(services: services + ServerReflection.services(describing: services), configuration: configuration)
        return (server, health)
    }
}
