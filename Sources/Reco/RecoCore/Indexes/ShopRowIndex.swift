import CVectorKernels

/// Shop id -> row of the embedding matrix. Shop ids are usually a dense range (database keys), so
/// the common case is one array load; sparse ids fall back to a dictionary.
public struct ShopRowIndex: Sendable {
    private enum Storage: Sendable {
        case dense(base: Int64, rows: [Int32])
        case sparse([Int64: Int32])
    }

    private let storage: Storage

    /// Throws the first id that appears twice.
    public init(ids: [Int64]) throws(DuplicateId) {
        guard let low = ids.min(), let high = ids.max() else {
            storage = .sparse([:])
            return
        }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        if !overflow && span < Int64(ids.count) * 4 + 1024 {
            var rows = [Int32](repeating: -1, count: Int(span) + 1)
            for (row, id) in ids.enumerated() {
                guard rows[Int(id - low)] < 0 else { throw DuplicateId(id: id) }
                rows[Int(id - low)] = Int32(row)
            }
            storage = .dense(base: low, rows: rows)
        } else {
            var rows: [Int64: Int32] = [:]
            rows.reserveCapacity(ids.count)
            for (row, id) in ids.enumerated() {
                guard rows.updateValue(Int32(row), forKey: id) == nil else { throw DuplicateId(id: id) }
            }
            storage = .sparse(rows)
        }
    }

    /// Keeps the first row of an id that appears more than once.
    public init(firstOccurrenceOf ids: [Int64]) {
        var rows: [Int64: Int32] = [:]
        for (row, id) in ids.enumerated() where rows[id] == nil { rows[id] = Int32(row) }
        storage = .sparse(rows)
    }

    /// An id that appears twice where each must be unique.
    public struct DuplicateId: Error {
        /// The repeated id.
        public let id: Int64
    }

    /// Rows of the known candidates and their positions in `ids`; unknown ids apart.
    public func resolve(_ ids: [Int64]) -> (rows: [Int32], positions: [Int32], unknown: [Int64]) {
        guard case .dense(let base, let table) = storage else {
            var rows: [Int32] = [], positions: [Int32] = [], unknown: [Int64] = []
            for (position, id) in ids.enumerated() {
                if let row = row(of: id) { rows.append(row); positions.append(Int32(position)) } else { unknown.append(id) }
            }
            return (rows, positions, unknown)
        }
        var positions = [Int32](repeating: 0, count: ids.count)
        var known = 0
        let rows = [Int32](unsafeUninitializedCapacity: ids.count) { rows, initialized in
            positions.withUnsafeMutableBufferPointer { positions in
                known = courier_resolve_dense(table, base, table.count, ids, ids.count, rows.baseAddress, positions.baseAddress)
            }
            initialized = known
        }
        positions.removeLast(ids.count - known)
        var unknown: [Int64] = []
        if known < ids.count {
            var next = 0
            for (position, id) in ids.enumerated() {
                if next < known && positions[next] == Int32(position) { next += 1 } else { unknown.append(id) }
            }
        }
        return (rows, positions, unknown)
    }

    /// The row of `id`, or nil for an unknown id.
    @inline(__always)
    public func row(of id: Int64) -> Int32? {
        switch storage {
        case .dense(let base, let rows):
            let offset = id &- base
            guard offset >= 0, offset < rows.count else { return nil }
            let row = rows[Int(offset)]
            return row >= 0 ? row : nil
        case .sparse(let rows):
            return rows[id]
        }
    }
}
