// The floor under bench/similarity.sh: the least work any exact float32 ranking must do per query,
// reading each of the candidates' rows once and taking its dot product with the query, with no id
// lookup, no top-k and no allocation. Same shape as the benchmark (a 50,000 x 128 table, 1,000
// random candidate rows per query, optionally from the first N rows only), tried at several
// prefetch distances, with the table on ordinary 4 KiB pages and on transparent huge pages (fewer
// TLB misses); the best is printed. What Courier's in-process time has above this is ours to
// cut; a target below it is below what this machine's memory can deliver.
//
//   cc -O2 -mavx2 -mfma bench/similarity_floor.c -o floor && ./floor [QUERIES [POOL]]
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { ROWS = 50000, DIMENSIONS = 128, CANDIDATES = 1000 };

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static float dot_row(const float *row, const float *query) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int j = 0; j < DIMENSIONS; j += 32) {
        a0 = _mm256_fmadd_ps(_mm256_load_ps(row + j), _mm256_load_ps(query + j), a0);
        a1 = _mm256_fmadd_ps(_mm256_load_ps(row + j + 8), _mm256_load_ps(query + j + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_load_ps(row + j + 16), _mm256_load_ps(query + j + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_load_ps(row + j + 24), _mm256_load_ps(query + j + 24), a3);
    }
    __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

// Microseconds per query over `queries` queries whose rows are `rows` (CANDIDATES per query).
// Written so the compiler cannot drop the dot products.
static volatile float sink;

static double run(const float *matrix, const float *query, const int32_t *rows, int queries, int distance) {
    double start = seconds();
    for (int q = 0; q < queries; q++) {
        const int32_t *candidates = rows + (size_t)q * CANDIDATES;
        float total = 0;
        for (int i = 0; i < CANDIDATES; i++) {
            if (distance > 0 && i + distance < CANDIDATES) {
                const char *ahead = (const char *)(matrix + (size_t)candidates[i + distance] * DIMENSIONS);
                for (int offset = 0; offset < DIMENSIONS * 4; offset += 64) __builtin_prefetch(ahead + offset, 0, 3);
            }
            total += dot_row(matrix + (size_t)candidates[i] * DIMENSIONS, query);
        }
        sink += total;
    }
    return (seconds() - start) / queries * 1e6;
}

int main(int argc, char **argv) {
    int queries = argc > 1 ? atoi(argv[1]) : 20000;
    int pool = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : ROWS;
    size_t bytes = (size_t)ROWS * DIMENSIONS * sizeof(float);
    float *matrix = aligned_alloc(64, bytes);
    // The same table again on 2 MiB pages where the kernel grants them (madvise; THP "madvise" mode).
    size_t huge = 2u << 20, mapped = (bytes + huge - 1) / huge * huge;
    char *mapping = mmap(NULL, mapped + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) { fprintf(stderr, "out of memory\n"); return 1; }
    float *huge_matrix = (float *)(((uintptr_t)mapping + huge - 1) / huge * huge);
    madvise(huge_matrix, mapped, MADV_HUGEPAGE);
    float *query = aligned_alloc(64, DIMENSIONS * sizeof(float));
    int32_t *rows = malloc((size_t)queries * CANDIDATES * sizeof(int32_t));
    if (!matrix || !query || !rows) { fprintf(stderr, "out of memory\n"); return 1; }
    for (size_t i = 0; i < (size_t)ROWS * DIMENSIONS; i++) matrix[i] = (float)(i % 97) / 97.0f;
    memcpy(huge_matrix, matrix, bytes);
    for (int i = 0; i < DIMENSIONS; i++) query[i] = 1.0f / DIMENSIONS;
    uint64_t state = 1;
    for (size_t i = 0; i < (size_t)queries * CANDIDATES; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        rows[i] = (int32_t)((state >> 33) % (uint64_t)pool);
    }
    static const int distances[] = {0, 4, 8, 16, 32};
    const float *tables[] = {matrix, huge_matrix};
    static const char *pages[] = {"4 KiB pages", "huge pages"};
    double best = 1e30;
    int best_distance = 0, best_table = 0;
    for (int t = 0; t < 2; t++) {
        run(tables[t], query, rows, queries < 2000 ? queries : 2000, 16);  // warm-up
        for (size_t d = 0; d < sizeof distances / sizeof *distances; d++) {
            double perQuery = run(tables[t], query, rows, queries, distances[d]);
            if (perQuery < best) { best = perQuery; best_distance = distances[d]; best_table = t; }
        }
    }
    printf("floor (C: read + dot %d random rows, no lookup or top-k; %s, prefetch %d rows ahead): %.1f us/query\n",
           CANDIDATES, pages[best_table], best_distance, best);
    munmap(mapping, mapped + huge);
    free(rows);
    free(query);
    free(matrix);
    return 0;
}
