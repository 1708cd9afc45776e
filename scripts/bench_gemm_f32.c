/* Correctness check and benchmark for lp_gemm_f32 (Sources/CKernels/gemm_f32.c, gemm_f32_avx512.c).
 * Built and run by scripts/bench-gemm-f32.sh.
 *
 * 1. Every level the CPU runs, every transpose, odd and edge sizes, padded leading dimensions and
 *    several alpha/beta, against a double-precision reference; error of each element scaled by
 *    alpha * sum|a||b| + |beta c|, bound (k + 8) * 2^-24.
 * 2. GF/s of lp_gemm_f32 at the given level and OpenBLAS cblas_sgemm on the paper net's GEMMs
 *    (conv chunks of 9/4/6 images, dense layers at batch 64 and 512), one thread, median of several
 *    rounds that alternate the two.
 */
#include "lp_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
__attribute__((weak)) void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
__attribute__((weak)) char *openblas_get_corename(void);

static int level = LP_ISA_AVX512;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
static float uniform(void) { /* in [-1, 1) */
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 40) * (1.0 / (1 << 23)) - 1.0);
}

static float *filled(long count) {
    float *p = malloc(sizeof(float) * (count > 0 ? count : 1));
    for (long i = 0; i < count; i++) p[i] = uniform();
    return p;
}

static double check(int isa, int ta, int tb, int m, int n, int k, float alpha, float beta, int pad) {
    const int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
    const long arows = ta ? k : m, brows = tb ? n : k;
    float *a = filled(arows * lda), *b = filled(brows * ldb), *c = filled((long)(m + 1) * ldc);
    float *c0 = malloc(sizeof(float) * (m + 1) * ldc);
    if (beta == 0) for (long i = 0; i < (long)m * ldc; i++) c[i] = NAN; /* must be ignored */
    memcpy(c0, c, sizeof(float) * (m + 1) * ldc);
    lp_gemm_f32(isa, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, scale = 0;
            for (int p = 0; p < k; p++) {
                const double x = ta ? a[(long)p * lda + i] : a[(long)i * lda + p];
                const double y = tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                s += x * y;
                scale += fabs(x * y);
            }
            const double old = c0[(long)i * ldc + j];
            const double ref = alpha * s + (beta == 0 ? 0 : beta * old);
            scale = fabs(alpha) * scale + (beta == 0 ? 0 : fabs(beta * old)) + 1e-30;
            const double got = c[(long)i * ldc + j];
            const double e = isfinite(got) ? fabs(got - ref) / scale : INFINITY;
            if (e > worst) worst = e;
        }
    /* padding columns and the row below C must be untouched */
    for (int i = 0; i <= m; i++)
        for (int j = i == m ? 0 : n; j < ldc; j++)
            if (memcmp(&c[(long)i * ldc + j], &c0[(long)i * ldc + j], 4)) worst = INFINITY;
    free(a), free(b), free(c), free(c0);
    return worst;
}

static int correctness(int isa) {
    static const int sizes[][3] = {
        {1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {3, 5, 7}, {7, 17, 9}, {8, 32, 2}, {9, 33, 3}, {8, 16, 16},
        {13, 47, 31}, {16, 16, 33}, {17, 65, 65}, {24, 48, 40}, {15, 31, 130}, {31, 100, 385},
        {8, 3136, 9}, {32, 784, 72}, {72, 784, 32}, {72, 32, 784}, {64, 216, 288}, {288, 216, 64},
        {288, 64, 216}, {64, 128, 1024}, {128, 1024, 64}, {64, 1024, 128}, {64, 10, 1024}, {9, 8, 7056},
        {130, 40, 777}, {600, 20, 301}, {5, 200, 800}, {33, 1, 17}, {1, 70, 33}, {145, 33, 650},
        {12, 32, 300}, {11, 31, 129}, {20, 48, 321}, {14, 17, 5}, {21, 95, 40},
    };
    static const float ab[][2] = {{1, 0}, {1, 1}, {0.5f, -2}};
    const char *name[2][2] = {{"NN", "NT"}, {"TN", "TT"}};
    int failures = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double worst_ratio = 0;
            int cases = 0;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                for (int v = 0; v < 3; v++) {
                    const int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2], pad = (s + v) % 3 == 0 ? 0 : 3 + (int)s % 5;
                    const double e = check(isa, ta, tb, m, n, k, ab[v][0], ab[v][1], pad);
                    const double bound = (k + 8) * ldexp(1, -24);
                    cases++;
                    if (e / bound > worst_ratio) worst_ratio = e / bound;
                    if (!(e <= bound)) {
                        failures++;
                        printf("  FAIL %s %s m=%d n=%d k=%d alpha=%g beta=%g pad=%d: error %.3g > %.3g\n", lp_isa_name(isa),
                               name[ta][tb], m, n, k, ab[v][0], ab[v][1], pad, e, bound);
                    }
                }
            printf("  %-8s %s: %d cases, worst %.2f of the bound\n", lp_isa_name(isa), name[ta][tb], cases, worst_ratio);
        }
    return failures;
}

typedef void (*gemm_fn)(int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

static void openblas(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
static void ours(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    lp_gemm_f32(level, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static double seconds_per_call(gemm_fn f, int ta, int tb, int m, int n, int k, const float *a, int lda,
                               const float *b, int ldb, float beta, float *c, int ldc) {
    int calls = 1;
    for (;;) {
        const double t0 = now();
        for (int i = 0; i < calls; i++) f(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
        const double t = now() - t0;
        if (t > 0.015) return t / calls;
        calls = t < 0.001 ? calls * 16 : (int)(calls * 0.02 / t) + 1;
    }
}

static int compare_doubles(const void *x, const void *y) {
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The paper net (conv 1-8-32-64 pool, dense 1024-128-10) as Conv2D.swift and Linear.swift call
   GEMM: chunks of 9, 4 and 6 images (conv3 computes the 6x6 the pool reads), dW^T accumulated. */
static void benchmark(int rounds, const char *only) {
    /* images: how many images one call covers; batch512: a GEMM of a batch-512 step */
    static const struct { const char *name; int ta, tb, m, n, k; float beta; int images, batch512; } shapes[] = {
        {"conv1 fwd      NN", 0, 0, 8, 7056, 9, 0, 9, 1},
        {"conv1 dW^T     NT", 0, 1, 9, 8, 7056, 1, 9, 1},
        {"conv2 fwd      NN", 0, 0, 32, 784, 72, 0, 4, 1},
        {"conv2 dX       TN", 1, 0, 72, 784, 32, 0, 4, 1},
        {"conv2 dW^T     NT", 0, 1, 72, 32, 784, 1, 4, 1},
        {"conv3 fwd      NN", 0, 0, 64, 216, 288, 0, 6, 1},
        {"conv3 dX       TN", 1, 0, 288, 216, 64, 0, 6, 1},
        {"conv3 dW^T     NT", 0, 1, 288, 64, 216, 1, 6, 1},
        {"fc1 fwd b512   NT", 0, 1, 512, 128, 1024, 0, 512, 1},
        {"fc1 dW b512    TN", 1, 0, 128, 1024, 512, 1, 512, 1},
        {"fc1 dX b512    NN", 0, 0, 512, 1024, 128, 0, 512, 1},
        {"fc2 fwd b512   NT", 0, 1, 512, 10, 128, 0, 512, 1},
        {"fc2 dW b512    TN", 1, 0, 10, 128, 512, 1, 512, 1},
        {"fc2 dX b512    NN", 0, 0, 512, 128, 10, 0, 512, 1},
        {"fc1 fwd b64    NT", 0, 1, 64, 128, 1024, 0, 64, 0},
        {"fc1 dW b64     TN", 1, 0, 128, 1024, 64, 1, 64, 0},
        {"fc1 dX b64     NN", 0, 0, 64, 1024, 128, 0, 64, 0},
        {"conv1 fwd b64  NN", 0, 0, 8, 784, 9, 0, 1, 0},
        {"conv3 fwd b512 NN", 0, 0, 64, 72, 288, 0, 2, 0},
    };
    printf("speed: one thread, level %s, GF/s = 2*m*n*k / time, median of %d rounds (OpenBLAS core %s)\n",
           lp_isa_name(level), rounds, openblas_get_corename());
    printf("  %-18s %5s %5s %5s  %9s %9s  %6s\n", "shape", "m", "n", "k", "ours", "OpenBLAS", "ratio");
    double log_sum = 0, t_ours = 0, t_blas = 0;
    int count = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        if (only && !strstr(shapes[s].name, only)) continue;
        const int ta = shapes[s].ta, tb = shapes[s].tb, m = shapes[s].m, n = shapes[s].n, k = shapes[s].k;
        const int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
        float *a = filled((long)m * k), *b = filled((long)k * n), *c = filled((long)m * n);
        double t1[64], t2[64];
        for (int r = 0; r < rounds; r++) {
            t1[r] = seconds_per_call(ours, ta, tb, m, n, k, a, lda, b, ldb, shapes[s].beta, c, ldc);
            t2[r] = seconds_per_call(openblas, ta, tb, m, n, k, a, lda, b, ldb, shapes[s].beta, c, ldc);
        }
        qsort(t1, rounds, sizeof(double), compare_doubles);
        qsort(t2, rounds, sizeof(double), compare_doubles);
        const double flop = 2.0 * m * n * k, g1 = flop / t1[rounds / 2] * 1e-9, g2 = flop / t2[rounds / 2] * 1e-9;
        log_sum += log(g1 / g2), count++;
        if (shapes[s].batch512) t_ours += t1[rounds / 2] / shapes[s].images, t_blas += t2[rounds / 2] / shapes[s].images;
        printf("  %-18s %5d %5d %5d  %9.1f %9.1f  %5.2fx\n", shapes[s].name, m, n, k, g1, g2, g1 / g2);
        fflush(stdout);
        free(a), free(b), free(c);
    }
    printf("  geometric mean speed-up %.2fx; per image of a batch-512 training step: %.2f us ours, %.2f us OpenBLAS\n",
           exp(log_sum / count), t_ours * 1e6, t_blas * 1e6);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "all";
    if (argc > 3) level = lp_isa_named(argv[3]);
    int failures = 0;
    if (strcmp(mode, "bench") != 0) {
        printf("correctness: max over elements of |C - ref| / (|alpha| sum|a||b| + |beta C0|) against (k+8)*2^-24\n");
        const int levels[] = {LP_ISA_PORTABLE, LP_ISA_AVX2, LP_ISA_AVX512};
        for (int i = 0; i < 3; i++)
            if (lp_isa_supported(levels[i])) failures += correctness(levels[i]);
        printf("correctness: %s\n\n", failures ? "FAILED" : "ok");
    }
    if (strcmp(mode, "check") != 0) {
        int rounds = argc > 2 ? atoi(argv[2]) : 7;
        if (rounds < 1) rounds = 1;
        if (rounds > 64) rounds = 64;
        benchmark(rounds, getenv("ONLY"));
    }
    return failures != 0;
}
