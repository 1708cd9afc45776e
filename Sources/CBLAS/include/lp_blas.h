#ifndef LP_BLAS_H
#define LP_BLAS_H
/*
 * The one door to BLAS. OpenBLAS is opened with dlopen on first use, after OPENBLAS_CORETYPE
 * and OPENBLAS_NUM_THREADS have been chosen: the library reads both once, when it loads, and
 * Debian's 0.3.21 mistakes newer AVX-512 CPUs for a "Prescott" (5x slower kernels). A value the
 * user set is never overridden. Without OpenBLAS a portable built-in GEMM keeps things working.
 *
 * All matrices are row-major. trans_a / trans_b: 0 = as stored, 1 = transposed.
 */

/* Loads the library once (thread-safe); later calls are free. Returns 1 for OpenBLAS, 0 for the fallback. */
int lp_blas_load(void);

/* C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C */
void lp_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* "OpenBLAS" or "builtin". */
const char *lp_blas_backend(void);
/* The library's configuration line, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64". */
const char *lp_blas_config(void);
/* The kernel family in use, e.g. "SkylakeX"; "generic" for the fallback. */
const char *lp_blas_core(void);
/* Where the core choice came from: "user" (OPENBLAS_CORETYPE was set), "auto" (we chose it from
   CPUID), or "library" (left to OpenBLAS's own detection). */
const char *lp_blas_core_source(void);
/* The OPENBLAS_CORETYPE the user had set when the library loaded, or "" (not the one we set). */
const char *lp_blas_user_core(void);
/* Why the fallback is in use, or "" when OpenBLAS loaded. */
const char *lp_blas_load_error(void);
/* Threads each BLAS call may use. */
int lp_blas_threads(void);

/* The OpenBLAS core for an aarch64 CPU described by /proc/cpuinfo text (its MIDR implementer and
   part), or NULL to leave the choice to OpenBLAS. */
const char *lp_blas_arm_core(const char *cpuinfo);

/* The built-in portable GEMM, whatever is loaded (the portable ISA level's fp32 GEMM). */
void lp_sgemm_builtin(int trans_a, int trans_b, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

#endif
