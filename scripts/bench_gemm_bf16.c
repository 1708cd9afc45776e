/* Correctness check and benchmark for lp_gemm_bf16 (Sources/CKernels/gemm_bf16.c).
 * Built and run by scripts/bench-gemm-bf16.sh.
 *
 * 1. Every transpose combination on odd and edge sizes, padded leading dimensions and several
 *    alpha/beta, against a double-precision reference computed from the bf16-rounded inputs.
 *    The error of each element is measured against alpha * sum|a||b| + |beta * c| (the scale of
 *    the fp32 summation error), and must stay below (k + 8) * 2^-24.
 * 2. GF/s of lp_gemm_bf16 and OpenBLAS cblas_sgemm on the GEMMs of our network, one thread,
 *    median of several rounds that alternate the two.
 */
#include "lp_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);

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

static float round_bf16(float x) { /* nearest even; test data are normal numbers */
    unsigned u;
    memcpy(&u, &x, 4);
    u += 0x7FFFu + ((u >> 16) & 1);
    u &= 0xFFFF0000u;
    memcpy(&x, &u, 4);
    return x;
}

static float *filled(long count) {
    float *p = malloc(sizeof(float) * (count > 0 ? count : 1));
    for (long i = 0; i < count; i++) p[i] = uniform();
    return p;
}

/* Returns the largest scaled error; prints a line when it is over the bound. */
static double check(int ta, int tb, int m, int n, int k, float alpha, float beta, int pad) {
    const int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
    const long arows = ta ? k : m, brows = tb ? n : k;
    float *a = filled(arows * lda), *b = filled(brows * ldb), *c = filled((long)m * ldc);
    float *c0 = malloc(sizeof(float) * m * ldc);
    if (beta == 0) for (long i = 0; i < (long)m * ldc; i++) c[i] = NAN; /* must be ignored */
    memcpy(c0, c, sizeof(float) * m * ldc);
    lp_gemm_bf16(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0, scale = 0;
            for (int p = 0; p < k; p++) {
                const double x = round_bf16(ta ? a[(long)p * lda + i] : a[(long)i * lda + p]);
                const double y = round_bf16(tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j]);
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
    /* padding columns of C must be untouched */
    for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++)
            if (memcmp(&c[(long)i * ldc + j], &c0[(long)i * ldc + j], 4)) worst = INFINITY;
    free(a), free(b), free(c), free(c0);
    return worst;
}

static int correctness(void) {
    static const int sizes[][3] = {
        {1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {3, 5, 7}, {7, 17, 9}, {8, 32, 2}, {9, 33, 3}, {8, 16, 16},
        {13, 47, 31}, {16, 16, 33}, {17, 65, 65}, {24, 48, 40}, {15, 31, 130}, {31, 100, 385},
        {8, 3136, 9}, {32, 784, 72}, {72, 784, 32}, {72, 32, 784}, {64, 196, 288}, {288, 196, 64},
        {288, 64, 196}, {64, 128, 1024}, {128, 1024, 64}, {64, 1024, 128}, {64, 10, 1024},
        {130, 40, 777}, {600, 20, 301}, {5, 200, 800}, {33, 1, 17}, {1, 70, 33},
    };
    static const float ab[][2] = {{1, 0}, {1, 1}, {0.5f, -2}};
    const char *name[2][2] = {{"NN", "NT"}, {"TN", "TT"}};
    int failures = 0;
    printf("correctness: max over elements of |C - ref| / (|alpha| sum|a||b| + |beta C0|), bound (k+8)*2^-24\n");
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double worst = 0, worst_ratio = 0;
            int cases = 0;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                for (int v = 0; v < 3; v++) {
                    const int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2], pad = (s + v) % 3 == 0 ? 0 : 3 + (int)s % 5;
                    const double e = check(ta, tb, m, n, k, ab[v][0], ab[v][1], pad);
                    const double bound = (k + 8) * ldexp(1, -24);
                    cases++;
                    if (e > worst) worst = e;
                    if (e / bound > worst_ratio) worst_ratio = e / bound;
                    if (!(e <= bound)) {
                        failures++;
                        printf("  FAIL %s m=%d n=%d k=%d alpha=%g beta=%g pad=%d: error %.3g > %.3g\n",
                               name[ta][tb], m, n, k, ab[v][0], ab[v][1], pad, e, bound);
                    }
                }
            printf("  %s: %d cases, max error %.2e (%.2f of the bound)\n", name[ta][tb], cases, worst, worst_ratio);
        }
    /* The rounding itself: bf16 against exact fp32 inputs on one conv shape, for scale. */
    {
        const int m = 32, n = 784, k = 72;
        float *a = filled((long)m * k), *b = filled((long)k * n), *c = malloc(sizeof(float) * m * n);
        lp_gemm_bf16(0, 0, m, n, k, 1, a, k, b, n, 0, c, n);
        double num = 0, den = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                num += (c[i * n + j] - s) * (c[i * n + j] - s), den += s * s;
            }
        printf("  for scale: bf16 rounding vs exact fp32 inputs (32x784x72): relative RMS error %.2e\n", sqrt(num / den));
        free(a), free(b), free(c);
    }
    printf("correctness: %s\n\n", failures ? "FAILED" : "ok");
    return failures;
}

typedef void (*gemm_fn)(int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

static void openblas(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* Seconds per call, timed over enough calls to fill ~15 ms. */
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

static void benchmark(int rounds) {
    static const struct { const char *name; int ta, tb, m, n, k; float beta; } shapes[] = {
        {"conv1 fwd      NN", 0, 0, 8, 3136, 9, 0},
        {"conv2 fwd      NN", 0, 0, 32, 784, 72, 0},
        {"conv2 dX       TN", 1, 0, 72, 784, 32, 0},
        {"conv2 dW^T     NT", 0, 1, 72, 32, 784, 1},
        {"conv3 fwd      NN", 0, 0, 64, 196, 288, 0},
        {"conv3 dX       TN", 1, 0, 288, 196, 64, 0},
        {"conv3 dW^T     NT", 0, 1, 288, 64, 196, 1},
        {"fc1 fwd        NT", 0, 1, 64, 128, 1024, 0},
        {"fc1 dW         TN", 1, 0, 128, 1024, 64, 1},
        {"fc1 dX         NN", 0, 0, 64, 1024, 128, 0},
    };
    printf("speed: one thread, GF/s = 2*m*n*k / time, median of %d rounds (OpenBLAS core %s, %d thread)\n",
           rounds, openblas_get_corename(), openblas_get_num_threads());
    printf("  %-18s %5s %5s %5s  %9s %9s  %6s\n", "shape", "m", "n", "k", "bf16", "OpenBLAS", "ratio");
    double log_sum = 0;
    const int count = sizeof shapes / sizeof shapes[0];
    for (int s = 0; s < count; s++) {
        const int ta = shapes[s].ta, tb = shapes[s].tb, m = shapes[s].m, n = shapes[s].n, k = shapes[s].k;
        const int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
        float *a = filled((long)m * k), *b = filled((long)k * n), *c = filled((long)m * n);
        double tb16[64], tblas[64];
        for (int r = 0; r < rounds; r++) {
            tb16[r] = seconds_per_call(lp_gemm_bf16, ta, tb, m, n, k, a, lda, b, ldb, shapes[s].beta, c, ldc);
            tblas[r] = seconds_per_call(openblas, ta, tb, m, n, k, a, lda, b, ldb, shapes[s].beta, c, ldc);
        }
        qsort(tb16, rounds, sizeof(double), compare_doubles);
        qsort(tblas, rounds, sizeof(double), compare_doubles);
        const double flop = 2.0 * m * n * k, g16 = flop / tb16[rounds / 2] * 1e-9, gblas = flop / tblas[rounds / 2] * 1e-9;
        log_sum += log(g16 / gblas);
        printf("  %-18s %5d %5d %5d  %9.1f %9.1f  %5.2fx\n", shapes[s].name, m, n, k, g16, gblas, g16 / gblas);
        fflush(stdout);
        free(a), free(b), free(c);
    }
    printf("  geometric mean speed-up %.2fx\n", exp(log_sum / count));
}

int main(int argc, char **argv) {
    if (!lp_gemm_bf16_available()) {
        printf("this CPU has no AVX512_BF16: checking the portable path only\n");
    }
    const int failures = correctness();
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1) rounds = 1;
    if (rounds > 64) rounds = 64;
    if (lp_gemm_bf16_available()) benchmark(rounds);
    return failures != 0;
}
