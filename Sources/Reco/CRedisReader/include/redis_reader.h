// hiredis's RESP reader with a bound on array sizes. hiredis 0.14 (Debian 12) allocates an array
// reply's element table as soon as it reads the header, so a header such as "*700000001\r\n"
// (13 bytes) asks for 5.6 GB; hiredis 1.x has `maxelements`, 0.14 does not. This reader refuses
// such a header with an error instead (found by scripts/fuzz.sh resp).
#ifndef COURIER_REDIS_READER_H
#define COURIER_REDIS_READER_H

#include <stddef.h>
#include <hiredis/read.h>

/// The most elements an array reply may declare (8 MB of element table).
#define COURIER_REDIS_MAX_ELEMENTS 1048576

/// A reader like `redisReaderCreate()`'s whose array replies are limited to
/// COURIER_REDIS_MAX_ELEMENTS elements; a larger one fails `redisReaderGetReply` with an error.
/// Free it with `redisReaderFree`, its replies with `freeReplyObject`. NULL when out of memory.
redisReader *courier_redis_reader_create(void);

#endif
