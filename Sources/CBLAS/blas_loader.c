#define _GNU_SOURCE
#include "lp_blas.h"
#include "lp_isa.h"

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

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *library;
static sgemm_fn sgemm;
static string_fn get_config, get_corename;
static int_fn get_threads;
static char core_source[16] = "library";
static char user_core[64] = "";
static char load_error[512] = "";

/* The kernel family OpenBLAS should use for the process's ISA level (the CPU's, capped by
   MPO_ISA), or NULL to leave detection to it. The library reads it once, when it loads, so it is
   the one process-wide part of the ISA choice; runs at a lower level than the process's use our
   own kernels, not OpenBLAS. */
static const char *preferred_core(void) {
#if defined(__x86_64__)
    switch (lp_isa_default()) {
    case LP_ISA_PORTABLE: return "Prescott";
    case LP_ISA_AVX2: return "Haswell";
    case LP_ISA_AVX512:
    case LP_ISA_AVX512_BF16:
    case LP_ISA_AMX: {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512cd") ? "SkylakeX" : "Haswell";
    }
    default: return NULL;
    }
#elif defined(__aarch64__)
    if (lp_isa_default() == LP_ISA_PORTABLE) return "ARMV8";
    static char text[1 << 16];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return NULL;
    const size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    return lp_blas_arm_core(text);
#else
    return NULL;
#endif
}

/* The first value of "key : value" in /proc/cpuinfo text, parsed as a number (hex with 0x). */
static long cpuinfo_number(const char *text, const char *key) {
    for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
        if (p != text && p[-1] != '\n') continue;
        const char *colon = strchr(p, ':');
        if (!colon) return -1;
        return strtol(colon + 1, NULL, 0);
    }
    return -1;
}

const char *lp_blas_arm_core(const char *cpuinfo) {
    /* Cores that Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) has kernels for, by MIDR implementer and
       part; others (Neoverse V1/N2/V2, Apple, ...) are left to OpenBLAS's own detection. */
    static const struct { long implementer, part; const char *core; } known[] = {
        {0x41, 0xd03, "CORTEXA53"}, {0x41, 0xd07, "CORTEXA57"}, {0x41, 0xd08, "CORTEXA72"},
        {0x41, 0xd09, "CORTEXA73"}, {0x41, 0xd0c, "NEOVERSEN1"}, {0x41, 0xd0b, "CORTEXA72"},  /* A76 */
        {0x41, 0xd05, "CORTEXA53"}, /* A55 */ {0x43, 0x0af, "THUNDERX2T99"}, {0x48, 0xd01, "TSV110"},
        {0x50, 0x000, "EMAG8180"}, {0x51, 0xc00, "FALKOR"},
    };
    const long implementer = cpuinfo_number(cpuinfo, "CPU implementer"), part = cpuinfo_number(cpuinfo, "CPU part");
    if (implementer < 0 || part < 0) return NULL;
    for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].implementer == implementer && known[i].part == part) return known[i].core;
    return NULL;
}

static void load(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user && *user) {
        strcpy(core_source, "user");
        snprintf(user_core, sizeof user_core, "%s", user);
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
                           "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
                           "/usr/lib/aarch64-linux-gnu/libopenblas.so.0", NULL};
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
const char *lp_blas_user_core(void) { lp_blas_load(); return user_core; }
const char *lp_blas_load_error(void) { lp_blas_load(); return load_error; }
int lp_blas_threads(void) {
    if (lp_blas_load() && get_threads) return get_threads();
    return 1;  /* the built-in GEMM runs on the calling thread */
}

/* Portable GEMM for machines without OpenBLAS: correct, blocked for cache, vectorised by the
   compiler for the baseline ISA. Slow next to OpenBLAS, but the program still runs. */
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

void lp_sgemm_builtin(int trans_a, int trans_b, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    builtin_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
