#include "http2_memory_pool.h"

#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COURIER_POOL_DISABLED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define COURIER_POOL_DISABLED 1
#endif

// Payload sizes of the classes; larger blocks go straight to malloc.
static const size_t class_sizes[] = {64, 128, 256, 512, 1024, 2048, 4096};
#define CLASS_COUNT (sizeof(class_sizes) / sizeof(class_sizes[0]))
#define UNPOOLED CLASS_COUNT
// A free list keeps at most this many blocks, and the pool at most this many bytes in all:
// a burst of streams does not leave a connection holding its peak memory.
#define MAX_CACHED_PER_CLASS 64
#define MAX_CACHED_BYTES (96 * 1024)

// Every block starts with this header (16 bytes, so payloads keep malloc's alignment).
typedef union header {
    struct {
        size_t class_index;  // UNPOOLED for malloc-sized blocks
        size_t size;         // the payload's capacity
    } info;
    union header *next;      // while on a free list
    max_align_t align;
} header;

struct courier_http2_pool {
    nghttp2_mem mem;
    header *free_lists[CLASS_COUNT];
    size_t cached[CLASS_COUNT];
    courier_http2_pool_stats stats;
};

static size_t class_for(size_t size) {
    for (size_t i = 0; i < CLASS_COUNT; i++) {
        if (size <= class_sizes[i]) return i;
    }
    return UNPOOLED;
}

static void *pool_malloc(size_t size, void *user_data) {
    courier_http2_pool *pool = user_data;
    size_t index = class_for(size);
    header *block = NULL;
#ifndef COURIER_POOL_DISABLED
    if (index != UNPOOLED && pool->free_lists[index] != NULL) {
        block = pool->free_lists[index];
        pool->free_lists[index] = block->next;
        pool->cached[index]--;
        pool->stats.cached_bytes -= class_sizes[index];
        pool->stats.reused++;
        block->info.size = class_sizes[index];
    }
#endif
    if (block == NULL) {
        size_t capacity = index == UNPOOLED ? size : class_sizes[index];
        if (capacity > SIZE_MAX - sizeof(header)) return NULL;
        block = malloc(sizeof(header) + capacity);
        if (block == NULL) return NULL;
        block->info.size = capacity;
    }
    block->info.class_index = index;
    pool->stats.allocations++;
    pool->stats.outstanding++;
    return block + 1;
}

static void pool_free(void *pointer, void *user_data) {
    if (pointer == NULL) return;
    courier_http2_pool *pool = user_data;
    header *block = (header *)pointer - 1;
    size_t index = block->info.class_index;
    pool->stats.outstanding--;
#ifndef COURIER_POOL_DISABLED
    if (index != UNPOOLED && pool->cached[index] < MAX_CACHED_PER_CLASS &&
        pool->stats.cached_bytes + class_sizes[index] <= MAX_CACHED_BYTES) {
        block->next = pool->free_lists[index];
        pool->free_lists[index] = block;
        pool->cached[index]++;
        pool->stats.cached_bytes += class_sizes[index];
        return;
    }
#endif
    free(block);
}

static void *pool_calloc(size_t count, size_t size, void *user_data) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    void *pointer = pool_malloc(count * size, user_data);
    if (pointer != NULL) memset(pointer, 0, count * size);
    return pointer;
}

static void *pool_realloc(void *pointer, size_t size, void *user_data) {
    if (pointer == NULL) return pool_malloc(size, user_data);
    header *block = (header *)pointer - 1;
    if (size <= block->info.size && size > 0) return pointer;  // still fits its block
    void *moved = pool_malloc(size, user_data);
    if (moved == NULL) return NULL;  // realloc's contract: the old block stays valid
    memcpy(moved, pointer, block->info.size < size ? block->info.size : size);
    pool_free(pointer, user_data);
    return moved;
}

courier_http2_pool *courier_http2_pool_new(void) {
    courier_http2_pool *pool = calloc(1, sizeof(courier_http2_pool));
    if (pool == NULL) return NULL;
    pool->mem.mem_user_data = pool;
    pool->mem.malloc = pool_malloc;
    pool->mem.free = pool_free;
    pool->mem.calloc = pool_calloc;
    pool->mem.realloc = pool_realloc;
    return pool;
}

void courier_http2_pool_free(courier_http2_pool *pool) {
    if (pool == NULL) return;
    for (size_t i = 0; i < CLASS_COUNT; i++) {
        header *block = pool->free_lists[i];
        while (block != NULL) {
            header *next = block->next;
            free(block);
            block = next;
        }
    }
    free(pool);
}

void *courier_http2_pool_mem(courier_http2_pool *pool) { return &pool->mem; }

courier_http2_pool_stats courier_http2_pool_get_stats(const courier_http2_pool *pool) { return pool->stats; }

int courier_http2_pool_is_pooling(void) {
#ifdef COURIER_POOL_DISABLED
    return 0;
#else
    return 1;
#endif
}
