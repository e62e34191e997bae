#include "vector_kernels.h"

// Candidate ids to embedding rows through a dense table: one load per id, no hashing.

size_t courier_resolve_dense(const int32_t *row_of, int64_t base, size_t span, const int64_t *ids, size_t count,
                             int32_t *rows, int32_t *positions) {
    size_t known = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t offset = (uint64_t)ids[i] - (uint64_t)base;
        if (offset >= span) continue;
        int32_t row = row_of[offset];
        if (row < 0) continue;
        rows[known] = row;
        positions[known] = (int32_t)i;
        known++;
    }
    return known;
}
