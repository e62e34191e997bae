#include "redis_reader.h"

#include <hiredis/hiredis.h>
#include <pthread.h>

// hiredis's own reply functions (they are static in hiredis.c): read once from a default reader,
// and the array constructor wrapped with the bound.
static redisReplyObjectFunctions bounded_functions;
static void *(*default_create_array)(const redisReadTask *, int);
static pthread_once_t functions_once = PTHREAD_ONCE_INIT;

static void *bounded_create_array(const redisReadTask *task, int elements) {
    // NULL makes the reader fail (hiredis reports it as out of memory).
    if (elements > COURIER_REDIS_MAX_ELEMENTS) return NULL;
    return default_create_array(task, elements);
}

static void load_functions(void) {
    redisReader *defaults = redisReaderCreate();
    if (defaults == NULL) return;
    bounded_functions = *defaults->fn;
    default_create_array = bounded_functions.createArray;
    bounded_functions.createArray = bounded_create_array;
    redisReaderFree(defaults);
}

redisReader *courier_redis_reader_create(void) {
    pthread_once(&functions_once, load_functions);
    if (default_create_array == NULL) return NULL;
    return redisReaderCreateWithFunctions(&bounded_functions);
}
