/* One growing scratch buffer per thread, freed when the thread exits (scratch.h). */
#include "scratch.h"

#include <pthread.h>
#include <stdlib.h>

static __thread void *buffer;
static __thread size_t capacity;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_key(void) { pthread_key_create(&key, free); }

void *lp_scratch(size_t bytes) {
    if (buffer && bytes <= capacity) return buffer;
    pthread_once(&once, make_key);
    free(buffer);
    /* half again what is asked, so a run of slowly growing requests reallocates a few times only */
    const size_t want = ((bytes + bytes / 2) + 63) & ~(size_t)63;
    buffer = aligned_alloc(64, want ? want : 64);
    capacity = buffer ? want : 0;
    pthread_setspecific(key, buffer);
    return buffer;
}
