/// The best `k` of scored candidates, best first; equal scores keep the candidates' order.
/// A bounded min-heap: one comparison for most candidates once the heap is full.
enum TopK {
    struct Entry {
        var score: Float
        var position: Int32
        /// Carried along: for history rankings, the index of the driving query.
        var driver: Int32 = 0
    }

    @inline(__always)
    private static func isBetter(_ a: Entry, than b: Entry) -> Bool {
        a.score > b.score || (a.score == b.score && a.position < b.position)
    }

    static func select(_ entries: [Entry], k: Int) -> [Entry] {
        if k <= 0 || k >= entries.count {
            return entries.sorted(by: isBetter)
        }
        // heap[0] is the worst of the best k so far.
        var heap: [Entry] = []
        heap.reserveCapacity(k)
        for entry in entries {
            if heap.count < k {
                heap.append(entry)
                siftUp(&heap, from: heap.count - 1)
            } else if isBetter(entry, than: heap[0]) {
                heap[0] = entry
                siftDown(&heap, from: 0)
            }
        }
        return heap.sorted(by: isBetter)
    }

    private static func siftUp(_ heap: inout [Entry], from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard isBetter(heap[parent], than: heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func siftDown(_ heap: inout [Entry], from start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var worst = left
            let right = left + 1
            if right < count && isBetter(heap[left], than: heap[right]) { worst = right }
            guard isBetter(heap[parent], than: heap[worst]) else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
