#include "vector_kernels.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define COURIER_X86 1
#endif

// How many rows ahead to prefetch. A 128-dim row is 8 cache lines, so 4 rows keep 32 lines in
// flight: about what the core's L2 miss queue holds. With the table on huge pages (no page walk per
// row) more rows ahead only queue behind those and evict lines before they are used: measured
// with bench/similarity.sh's workload, 4 beat 8 and 16 (50,000 shops: 35.7-36.6 us against
// 35.7-43.8 for 16; 5,000: 20.8-21.0 against 21.1-24.2).
enum { PREFETCH_DISTANCE = 4 };

static inline void prefetch_row(const float *row, size_t dimensions) {
    const char *bytes = (const char *)row;
    for (size_t offset = 0; offset < dimensions * sizeof(float); offset += 64) {
        __builtin_prefetch(bytes + offset, 0, 3);
    }
}

// Portable kernel: the compiler vectorises it for the baseline (SSE2 on x86-64).
static float dot_portable(const float *a, const float *b, size_t count) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        for (int lane = 0; lane < 8; lane++) acc[lane] += a[i + lane] * b[i + lane];
    }
    float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < count; i++) sum += a[i] * b[i];
    return sum;
}

// The row loops, once per kernel: `DOT` is the dot product they use, `TARGET` its attribute.
#define DEFINE_SCORE_ROWS(SUFFIX, DOT, TARGET)                                                                   \
    TARGET static void score_rows_##SUFFIX(const float *matrix, size_t dimensions, const int32_t *rows,            \
                                            size_t count, const float *query, float *out) {                       \
        for (size_t i = 0; i < count && i < PREFETCH_DISTANCE; i++)                                               \
            prefetch_row(matrix + (size_t)rows[i] * dimensions, dimensions);                                      \
        for (size_t i = 0; i < count; i++) {                                                                      \
            if (i + PREFETCH_DISTANCE < count)                                                                    \
                prefetch_row(matrix + (size_t)rows[i + PREFETCH_DISTANCE] * dimensions, dimensions);              \
            out[i] = DOT(query, matrix + (size_t)rows[i] * dimensions, dimensions);                               \
        }                                                                                                         \
    }                                                                                                             \
    TARGET static void score_rows_weighted_##SUFFIX(const float *matrix, size_t dimensions, const int32_t *rows,   \
                                                     size_t count, const float *queries, const float *weights,     \
                                                     size_t query_count, float scale, float *scores,               \
                                                     int32_t *drivers) {                                           \
        for (size_t i = 0; i < count && i < PREFETCH_DISTANCE; i++)                                               \
            prefetch_row(matrix + (size_t)rows[i] * dimensions, dimensions);                                      \
        for (size_t i = 0; i < count; i++) {                                                                      \
            if (i + PREFETCH_DISTANCE < count)                                                                    \
                prefetch_row(matrix + (size_t)rows[i + PREFETCH_DISTANCE] * dimensions, dimensions);              \
            const float *row = matrix + (size_t)rows[i] * dimensions;                                             \
            float sum = 0, best = -INFINITY;                                                                      \
            int32_t driver = 0;                                                                                   \
            for (size_t j = 0; j < query_count; j++) {                                                            \
                float contribution = weights[j] * DOT(queries + j * dimensions, row, dimensions);                 \
                sum += contribution;                                                                              \
                if (contribution > best) { best = contribution; driver = (int32_t)j; }                            \
            }                                                                                                     \
            scores[i] = sum * scale;                                                                              \
            drivers[i] = driver;                                                                                  \
        }                                                                                                         \
    }

#if COURIER_X86
__attribute__((target("avx2,fma")))
static inline float dot_avx2(const float *a, const float *b, size_t count) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
    }
    for (; i + 8 <= count; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    __m256 acc = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
    float sum = _mm_cvtss_f32(half);
    for (; i < count; i++) sum = fmaf(a[i], b[i], sum);
    return sum;
}

DEFINE_SCORE_ROWS(avx2, dot_avx2, __attribute__((target("avx2,fma"))))
#endif

DEFINE_SCORE_ROWS(portable, dot_portable, )

static int has_avx2_fma(void) {
#if COURIER_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
#else
    return 0;
#endif
}

float courier_dot(const float *a, const float *b, size_t count) {
#if COURIER_X86
    if (has_avx2_fma()) return dot_avx2(a, b, count);
#endif
    return dot_portable(a, b, count);
}

void courier_score_rows(const float *matrix, size_t dimensions, const int32_t *rows, size_t count,
                        const float *query, float *out) {
#if COURIER_X86
    if (has_avx2_fma()) { score_rows_avx2(matrix, dimensions, rows, count, query, out); return; }
#endif
    score_rows_portable(matrix, dimensions, rows, count, query, out);
}

void courier_score_rows_weighted(const float *matrix, size_t dimensions, const int32_t *rows, size_t count,
                                 const float *queries, const float *weights, size_t query_count, float scale,
                                 float *scores, int32_t *drivers) {
#if COURIER_X86
    if (has_avx2_fma()) {
        score_rows_weighted_avx2(matrix, dimensions, rows, count, queries, weights, query_count, scale, scores, drivers);
        return;
    }
#endif
    score_rows_weighted_portable(matrix, dimensions, rows, count, queries, weights, query_count, scale, scores, drivers);
}

const char *courier_vector_kernel_name(void) { return has_avx2_fma() ? "avx2+fma" : "portable"; }
