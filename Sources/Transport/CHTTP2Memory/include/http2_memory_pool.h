// A per-session pool for nghttp2's allocations (nghttp2_mem): every HTTP/2 stream makes nghttp2
// allocate and free the same few small objects (the stream, its outbound items, header buffers);
// one session runs on one thread, so a free list per size class serves them without locks and
// without glibc's tcache spilling into its slower bins when many streams are open at once.
#ifndef COURIER_HTTP2_MEMORY_POOL_H
#define COURIER_HTTP2_MEMORY_POOL_H

#include <stddef.h>
#include <stdint.h>

/// A pool: owned by one HTTP/2 session; not thread-safe (sessions are confined to one loop).
typedef struct courier_http2_pool courier_http2_pool;

/// What a pool has done, for tests and diagnostics.
typedef struct {
    uint64_t allocations;      ///< malloc/calloc/realloc that returned a block
    uint64_t reused;           ///< of those, served from a free list
    uint64_t outstanding;      ///< blocks handed out and not yet freed
    uint64_t cached_bytes;     ///< bytes held in free lists
} courier_http2_pool_stats;

/// A new, empty pool; NULL if out of memory.
courier_http2_pool *courier_http2_pool_new(void);
/// Frees the pool and every block in its free lists. The session using it must be gone first.
void courier_http2_pool_free(courier_http2_pool *pool);
/// An nghttp2_mem (as an opaque pointer: this header does not include nghttp2.h) whose functions
/// use `pool`; valid as long as the pool. Pass it to nghttp2_session_*_new3.
void *courier_http2_pool_mem(courier_http2_pool *pool);
/// The pool's counters.
courier_http2_pool_stats courier_http2_pool_get_stats(const courier_http2_pool *pool);
/// 1 when blocks are pooled; 0 in AddressSanitizer builds, where every block goes to malloc so
/// that use-after-free in nghttp2's memory is still caught.
int courier_http2_pool_is_pooling(void);

#endif
