/// A weak reference, for closures that must reach an object without keeping it alive (a queue's
/// callback to the handler that owns the queue would otherwise be a reference cycle).
final class WeakReference<Object: AnyObject> {
    private(set) weak var object: Object?
    init(_ object: Object) { self.object = object }
}

// The reference is set once, in init; loading a weak reference is thread-safe in the Swift
// runtime. So it is as Sendable as the object it points at.
extension WeakReference: @unchecked Sendable where Object: Sendable {}
