#include "vector_kernels.h"

#include <string.h>

// Top k by selection, not sorting. Each score becomes a 64-bit key: its order-preserving bit
// pattern above, the complement of its index below, so one integer order is "score descending,
// then candidate order" and sorting needs no indirection and no float compares. A radix select on
// the pattern (two histogram levels of 11 bits) finds a threshold with at least k scores at or
// above it and, unless many scores tie to 22 bits, barely more; only those keys are sorted.
// (One 12-bit level, as before, left hundreds of survivors: cosines share sign, exponent and
// the first mantissa bits.)

enum { LEVEL_BITS = 11, BUCKETS = 1 << LEVEL_BITS, FIRST_SHIFT = 32 - LEVEL_BITS, SECOND_SHIFT = 32 - 2 * LEVEL_BITS };

static inline uint32_t sortable_bits(float value) {
    value += 0.0f;  // -0 becomes +0: they are equal scores and must tie
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits ^ ((uint32_t)((int32_t)bits >> 31) | 0x80000000u);
}

// The highest bucket whose count, with those of all higher buckets plus `above`, reaches k; the
// count of the buckets strictly higher goes to *higher.
static uint32_t cutoff_bucket(const uint32_t *histogram, size_t above, size_t k, size_t *higher) {
    size_t seen = above;
    uint32_t bucket = BUCKETS - 1;
    for (;; bucket--) {
        if (seen + histogram[bucket] >= k || bucket == 0) break;
        seen += histogram[bucket];
    }
    *higher = seen;
    return bucket;
}

// Descending order of distinct keys: quicksort down to small runs, then insertion sort.
static void sort_descending(uint64_t *keys, long low, long high) {
    while (high - low > 24) {
        uint64_t a = keys[low], b = keys[low + (high - low) / 2], c = keys[high];
        uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        long i = low, j = high;
        while (i <= j) {
            while (keys[i] > pivot) i++;
            while (keys[j] < pivot) j--;
            if (i <= j) { uint64_t t = keys[i]; keys[i] = keys[j]; keys[j] = t; i++; j--; }
        }
        if (j - low < high - i) { sort_descending(keys, low, j); low = i; }
        else { sort_descending(keys, i, high); high = j; }
    }
    for (long i = low + 1; i <= high; i++) {
        uint64_t value = keys[i];
        long j = i - 1;
        while (j >= low && keys[j] < value) { keys[j + 1] = keys[j]; j--; }
        keys[j + 1] = value;
    }
}

void courier_top_k(const float *scores, size_t count, size_t k, uint64_t *scratch, int32_t *out) {
    if (k == 0 || count == 0) return;
    if (k > count) k = count;
    uint32_t histogram[BUCKETS];
    memset(histogram, 0, sizeof histogram);
    for (size_t i = 0; i < count; i++) histogram[sortable_bits(scores[i]) >> FIRST_SHIFT]++;
    size_t higher;
    uint32_t first = cutoff_bucket(histogram, 0, k, &higher);
    uint32_t threshold = first << FIRST_SHIFT;
    // When the cutoff bucket holds many more than it must give, split it by the next bits. The
    // loops below are branch-free (a score outside the bucket counts in a spare slot; every key is
    // written and only the wanted ones advance the end): which scores qualify is data, not a
    // pattern a branch predictor can learn.
    if (higher + histogram[first] > k + k / 4 + 16) {
        uint32_t second_level[BUCKETS + 1];
        memset(second_level, 0, sizeof second_level);
        for (size_t i = 0; i < count; i++) {
            uint32_t bits = sortable_bits(scores[i]);
            uint32_t slot = (bits >> SECOND_SHIFT) & (BUCKETS - 1);
            second_level[bits >> FIRST_SHIFT == first ? slot : BUCKETS]++;
        }
        uint32_t second = cutoff_bucket(second_level, higher, k, &higher);
        threshold |= second << SECOND_SHIFT;
    }
    size_t taken = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = sortable_bits(scores[i]);
        scratch[taken] = (uint64_t)bits << 32 | (uint32_t)~(uint32_t)i;
        taken += bits >= threshold;
    }
    sort_descending(scratch, 0, (long)taken - 1);
    for (size_t i = 0; i < k; i++) out[i] = (int32_t)~(uint32_t)scratch[i];
}
