#define _GNU_SOURCE
#include "lp_blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CBLAS enum values, fixed by the reference CBLAS interface. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef char *(*string_fn)(void);
typedef int (*int_fn)(void);
typedef void (*set_threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *library;
static sgemm_fn sgemm;
static string_fn get_config, get_corename;
static int_fn get_threads;
static set_threads_fn set_threads;
static char core_source[16] = "library";
static char load_error[512] = "";
static int fallback_threads = 1;

/* The kernel family OpenBLAS should use on this CPU, or NULL to leave detection to it. */
static const char *preferred_core(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
    return NULL;
}

static void load(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user && *user) {
        strcpy(core_source, "user");
    } else {
        const char *core = preferred_core();
        if (core) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            strcpy(core_source, "auto");
        }
    }
    /* We split work across cores ourselves: one thread per BLAS call unless the user says otherwise. */
    setenv("OPENBLAS_NUM_THREADS", "1", 0);

    const char *names[] = {getenv("LP_BLAS_LIBRARY"), "libopenblas.so.0", "libopenblas.so",
                           "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", NULL};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
        if (i == 0 && (!names[0] || !*names[0])) continue;
        if (!names[i]) continue;
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (library) break;
        snprintf(load_error, sizeof load_error, "%s", dlerror());
    }
    if (!library) return;
    sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    get_config = (string_fn)dlsym(library, "openblas_get_config");
    get_corename = (string_fn)dlsym(library, "openblas_get_corename");
    get_threads = (int_fn)dlsym(library, "openblas_get_num_threads");
    set_threads = (set_threads_fn)dlsym(library, "openblas_set_num_threads");
    if (!sgemm) {
        snprintf(load_error, sizeof load_error, "the library has no cblas_sgemm");
        dlclose(library);
        library = NULL;
        return;
    }
    load_error[0] = 0;
}

int lp_blas_load(void) {
    pthread_once(&once, load);
    return sgemm != NULL;
}

const char *lp_blas_backend(void) { return lp_blas_load() ? "OpenBLAS" : "builtin"; }
const char *lp_blas_config(void) {
    if (lp_blas_load() && get_config) return get_config();
    return lp_blas_load() ? "OpenBLAS" : "builtin C GEMM";
}
const char *lp_blas_core(void) {
    if (lp_blas_load() && get_corename) return get_corename();
    return lp_blas_load() ? "unknown" : "generic";
}
const char *lp_blas_core_source(void) { lp_blas_load(); return core_source; }
const char *lp_blas_load_error(void) { lp_blas_load(); return load_error; }
int lp_blas_threads(void) {
    if (lp_blas_load() && get_threads) return get_threads();
    return fallback_threads;
}
void lp_blas_set_threads(int n) {
    if (lp_blas_load() && set_threads) set_threads(n);
    else fallback_threads = 1;
}

/* Portable GEMM for machines without OpenBLAS: correct, blocked for cache, vectorised by the
   compiler where it can. Slow next to OpenBLAS, but the program still runs. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void builtin_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                          const float *b, int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        float *ci = c + (long)i * ldc;
        if (beta == 0) memset(ci, 0, sizeof(float) * n);
        else if (beta != 1) for (int j = 0; j < n; j++) ci[j] *= beta;
    }
    enum { KB = 256 };
    for (int k0 = 0; k0 < k; k0 += KB) {
        int k1 = k0 + KB < k ? k0 + KB : k;
        for (int i = 0; i < m; i++) {
            float *ci = c + (long)i * ldc;
            for (int p = k0; p < k1; p++) {
                float aip = alpha * (ta ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                if (aip == 0) continue;
                if (!tb) {
                    const float *bp = b + (long)p * ldb;
                    for (int j = 0; j < n; j++) ci[j] += aip * bp[j];
                } else {
                    for (int j = 0; j < n; j++) ci[j] += aip * b[(long)j * ldb + p];
                }
            }
        }
    }
}

void lp_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (lp_blas_load()) {
        sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a,
              lda, b, ldb, beta, c, ldc);
    } else {
        builtin_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
