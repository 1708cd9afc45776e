/* Shared between the fp32 GEMM's files (gemm_f32.c, gemm_f32_avx512.c); not part of the API. */
#ifndef LP_GEMM_F32_INTERNAL_H
#define LP_GEMM_F32_INTERNAL_H
#include "lp_kernels.h"
#include "scratch.h"

#include <stddef.h>

/* The scalar loop, C = alpha op(A) op(B) + beta C (never the fast path). */
void lp_gemm_f32_reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                           int ldb, float beta, float *c, int ldc);

#if defined(__x86_64__)
/* The avx512 level's kernel; the caller has handled m, n <= 0, k <= 0 and alpha == 0. */
void lp_gemm_f32_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                        int ldb, float beta, float *c, int ldc);
#endif
#endif
