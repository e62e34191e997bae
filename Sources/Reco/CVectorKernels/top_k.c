#include "vector_kernels.h"

#include <stdlib.h>

#include <string.h>

// Top k by selection, not sorting: one branch-free pass histograms the scores by the top 12 bits
// of their order-preserving bit pattern, a walk down the histogram finds the bucket holding the
// k-th largest, and only the scores from that bucket up are sorted.

static inline uint32_t sortable_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits ^ ((uint32_t)((int32_t)bits >> 31) | 0x80000000u);
}

enum { BUCKET_SHIFT = 20, BUCKETS = 1 << (32 - BUCKET_SHIFT) };

static int better(const float *scores, int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
}

static void sort_indexes(const float *scores, int32_t *indexes, long low, long high) {
    while (high - low > 16) {
        int32_t pivot = indexes[low + (high - low) / 2];
        long i = low, j = high;
        while (i <= j) {
            while (better(scores, indexes[i], pivot)) i++;
            while (better(scores, pivot, indexes[j])) j--;
            if (i <= j) { int32_t t = indexes[i]; indexes[i] = indexes[j]; indexes[j] = t; i++; j--; }
        }
        if (j - low < high - i) { sort_indexes(scores, indexes, low, j); low = i; }
        else { sort_indexes(scores, indexes, i, high); high = j; }
    }
    for (long i = low + 1; i <= high; i++) {
        int32_t value = indexes[i];
        long j = i - 1;
        while (j >= low && better(scores, value, indexes[j])) { indexes[j + 1] = indexes[j]; j--; }
        indexes[j + 1] = value;
    }
}

void courier_top_k(const float *scores, size_t count, size_t k, int32_t *out) {
    if (k == 0 || count == 0) return;
    if (k > count) k = count;
    uint32_t histogram[BUCKETS];
    memset(histogram, 0, sizeof histogram);
    for (size_t i = 0; i < count; i++) histogram[sortable_bits(scores[i]) >> BUCKET_SHIFT]++;
    size_t seen = 0;
    uint32_t cutoff = BUCKETS - 1;
    for (;; cutoff--) {
        seen += histogram[cutoff];
        if (seen >= k || cutoff == 0) break;
    }
    // Everything from the cutoff bucket up: at least k, usually a little more.
    int32_t stack_buffer[512];
    int32_t *survivors = seen <= 512 ? stack_buffer : (int32_t *)malloc(seen * sizeof(int32_t));
    size_t taken = 0;
    for (size_t i = 0; i < count; i++) {
        if ((sortable_bits(scores[i]) >> BUCKET_SHIFT) >= cutoff) survivors[taken++] = (int32_t)i;
    }
    sort_indexes(scores, survivors, 0, (long)taken - 1);
    memcpy(out, survivors, k * sizeof(int32_t));
    if (survivors != stack_buffer) free(survivors);
}
