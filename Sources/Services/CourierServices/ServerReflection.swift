import Courier
import GRPCServiceProtos

/// Server reflection for a set of services, in both protocol versions clients use:
/// `grpc.reflection.v1` and `grpc.reflection.v1alpha` (grpcurl, grpcio-reflection, Postman…).
public enum ServerReflection {
    /// The reflection services to register beside `services`; they describe `services` and
    /// themselves.
    public static func services(describing services: [any CourierService]) -> [any CourierService] {
        let descriptors = services.map(\.serviceDescriptor) + [
            Grpc_Reflection_V1_ServerReflection.descriptor, Grpc_Reflection_V1alpha_ServerReflection.descriptor,
        ]
        let index = ReflectionIndex(services: descriptors)
        let v1 = ReflectionServiceV1(index: index)
        return [v1, ReflectionServiceV1alpha(v1: v1)]
    }
}
