import RecoCore
/// Rows of unit-length float32 vectors in one contiguous, 64-byte aligned allocation: the layout
/// that lets an exact scan stream through memory. Immutable once built.
public final class VectorMatrix: @unchecked Sendable {
    // @unchecked: the storage is written only in init and read-only afterwards.
    public let rows: Int
    public let dimensions: Int
    private let storage: UnsafeMutablePointer<Float>
    private let allocation: MatrixAllocation

    /// Copies `values` (row-major) and normalises every row.
    public init(rows: Int, dimensions: Int, values: [Float]) {
        precondition(values.count == rows * dimensions, "matrix needs rows x dimensions values")
        self.rows = rows
        self.dimensions = dimensions
        allocation = MatrixAllocation(byteCount: max(1, rows * dimensions) * 4)
        storage = allocation.base.bindMemory(to: Float.self, capacity: max(1, rows * dimensions))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.update(from: base, count: rows * dimensions) }
        }
        for row in 0..<rows { VectorKernels.normalize(storage + row * dimensions, count: dimensions) }
    }


    @inline(__always)
    func row(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(storage + index * dimensions) }

    var base: UnsafePointer<Float> { UnsafePointer(storage) }
}
