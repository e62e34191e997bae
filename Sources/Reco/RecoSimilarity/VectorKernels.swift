import RecoCore
import CVectorKernels

/// The arithmetic of exact similarity, on contiguous float32 rows. The loops are C
/// (`CVectorKernels`): AVX2+FMA when the CPU has it, chosen at run time, else the baseline SIMD.
public enum VectorKernels {
    /// Which kernels run: "avx2-fma" or the baseline.
    public static var name: String { String(cString: courier_vector_kernel_name()) }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        courier_dot(a, b, count)
    }

    /// Scales `vector` to unit length in place; leaves a zero vector as it is (it scores 0).
    static func normalize(_ vector: UnsafeMutablePointer<Float>, count: Int) {
        let norm = dot(vector, vector, count: count).squareRoot()
        guard norm > 0 else { return }
        let scale = 1 / norm
        for index in 0..<count { vector[index] *= scale }
    }
}
