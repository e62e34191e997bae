/// The arithmetic of exact similarity: dot products over contiguous float32 rows, eight lanes at
/// a time with two accumulators (SIMD; the compiler maps SIMD8<Float> to the widest vector unit
/// it is allowed to use).
enum VectorKernels {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var low = SIMD8<Float>()
        var high = SIMD8<Float>()
        var index = 0
        while index + 16 <= count {
            low += load(a + index) * load(b + index)
            high += load(a + index + 8) * load(b + index + 8)
            index += 16
        }
        if index + 8 <= count {
            low += load(a + index) * load(b + index)
            index += 8
        }
        var sum = (low + high).sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// Scales `vector` to unit length in place; leaves a zero vector as it is (it scores 0).
    static func normalize(_ vector: UnsafeMutablePointer<Float>, count: Int) {
        let norm = dot(vector, vector, count: count).squareRoot()
        guard norm > 0 else { return }
        let scale = 1 / norm
        for index in 0..<count { vector[index] *= scale }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}
