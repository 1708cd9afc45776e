/* The GEMMs' packing scratch (gemm_f32.c, gemm_f32_avx512.c, gemm_bf16.c); not part of the API. */
#ifndef LP_SCRATCH_H
#define LP_SCRATCH_H
#include <stddef.h>

/* This thread's scratch buffer of at least `bytes` bytes, 64-byte aligned; NULL when out of memory.
   One buffer per thread, shared by every GEMM (they never nest): grown on demand, freed when the
   thread exits, valid until the thread's next call. */
void *lp_scratch(size_t bytes);
#endif
