// Exact similarity kernels for Reco's Similarity service: dot products of float32 rows, the
// inner loop of every ranking. In C because Swift cannot compile one function for AVX2+FMA and
// choose it at run time; these pick the widest unit the CPU has (AVX2+FMA, else SSE2) once.
#ifndef COURIER_VECTOR_KERNELS_H
#define COURIER_VECTOR_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Dot product of two float32 vectors of `count` elements.
float courier_dot(const float *a, const float *b, size_t count);

/// For each i < count: out[i] = dot(query, matrix row rows[i]). Rows are `dimensions` floats
/// apart. Prefetches rows ahead: candidate rows are scattered across a table larger than L2.
void courier_score_rows(const float *matrix, size_t dimensions, const int32_t *rows, size_t count,
                        const float *query, float *out);

/// For each row: scores[i] = sum_j weights[j] * dot(query j, row) * scale, and drivers[i] = the j
/// with the largest weights[j] * dot(query j, row). Queries are `dimensions` floats apart.
void courier_score_rows_weighted(const float *matrix, size_t dimensions, const int32_t *rows, size_t count,
                                 const float *queries, const float *weights, size_t query_count, float scale,
                                 float *scores, int32_t *drivers);

/// Looks candidate ids up in a dense id -> row table (`row_of[id - base]`, -1 for none, `span`
/// entries). Writes the rows and the positions (in `ids`) of the known ones; returns how many.
size_t courier_resolve_dense(const int32_t *row_of, int64_t base, size_t span, const int64_t *ids, size_t count,
                             int32_t *rows, int32_t *positions);

/// The indexes of the `k` largest scores, best first; equal scores keep index order (the
/// candidates' order). `k` is at most `count`. `scratch` has room for `count` keys: the caller
/// owns all memory, so this never allocates.
void courier_top_k(const float *scores, size_t count, size_t k, uint64_t *scratch, int32_t *out);

/// Which kernel runs: "avx2+fma" or "sse2".
const char *courier_vector_kernel_name(void);

#endif
