#ifndef COURIER_CHIREDIS_SHIM_H
#define COURIER_CHIREDIS_SHIM_H
// Only hiredis's RESP reader is used: it parses bytes without doing I/O (SwiftNIO does the I/O).
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
