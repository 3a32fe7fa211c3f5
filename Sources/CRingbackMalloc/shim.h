#ifndef CRINGBACK_MALLOC_SHIM_H
#define CRINGBACK_MALLOC_SHIM_H

#include <malloc.h>

/* glibc gives each thread that meets contention its own malloc arena (up to 8 per core) and keeps what is freed in
   each: a long batch ended with 13 arenas holding 13.7 MB, 2.4 MB of it in use. Two arenas serve Ringback's few
   busy threads. Call before the first threads start. */
static inline void CRingbackMalloc_limitArenas(void) { mallopt(M_ARENA_MAX, 2); }

#endif
