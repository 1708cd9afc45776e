/* Every C kernel of Sources/CKernels (and the built-in GEMM of Sources/CBLAS) against a scalar
 * double-precision reference written here, on odd sizes and tails, at every ISA level the CPU runs
 * (portable and NEON on aarch64; portable, avx2, avx512... on x86-64). Built by
 * scripts/cross-check.sh for aarch64 (run under qemu-aarch64) and natively; `make test` runs both.
 * Prints one line per kernel and level, then "N passed, M failed"; exits 1 on any failure. */
#include "lp_blas.h"
#include "lp_kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static unsigned long long rng_state = 0x9E3779B97F4A7C15ull;

static float uniform(float lo, float hi) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return lo + (hi - lo) * (float)((rng_state >> 40) / 16777216.0);
}
static float *randoms(long n, float lo, float hi) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    for (long i = 0; i < n; i++) p[i] = uniform(lo, hi);
    return p;
}
static float *copy(const float *x, long n) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    memcpy(p, x, sizeof(float) * n);
    return p;
}

/* max |got - want| / (1 + |want|) <= tol */
static void check(const char *what, const char *level, const float *got, const double *want, long n, double tol) {
    double worst = 0;
    long at = -1;
    for (long i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / (1 + fabs(want[i]));
        if (!(e <= worst)) { worst = e; at = i; }
    }
    const int ok = worst <= tol;
    if (ok) passed++; else failed++;
    printf("%-4s %-24s %-10s n=%-7ld worst %.2e%s", ok ? "ok" : "FAIL", what, level, n, worst, ok ? "\n" : "");
    if (!ok) printf(" at %ld: got %.9g want %.9g\n", at, at >= 0 ? got[at] : 0.0, at >= 0 ? want[at] : 0.0);
}

static void check_bytes(const char *what, const char *level, const uint8_t *got, const uint8_t *want, long n) {
    long bad = 0;
    for (long i = 0; i < n; i++) bad += got[i] != want[i];
    if (bad == 0) passed++; else failed++;
    printf("%-4s %-24s %-10s n=%-7ld %ld byte(s) differ\n", bad ? "FAIL" : "ok", what, level, n, bad);
}

/* Sums that every level takes in the portable loop's order must match it bit for bit. */
static void check_same(const char *what, const char *level, const float *got, const float *portable, long n) {
    char label[64];
    snprintf(label, sizeof label, "%s = portable", what);
    check_bytes(label, level, (const uint8_t *)got, (const uint8_t *)portable, n * (long)sizeof(float));
}

/* ---- shapes ---- */
typedef struct { int c, n, h, w; } shape;
/* the paper net's planes (28, 14, 7 and the 3x3 the adaptive pool reads), odd and one-pixel sides,
   a plane over the avx512 kernels' 16,384-float tables, a run of more small planes than the
   tables hold, and pooled rows of 3, 2 and 8 with the input rows back to back */
static const shape shapes[] = {{3, 5, 7, 9}, {1, 2, 28, 28}, {8, 3, 14, 14}, {2, 4, 1, 7}, {2, 2, 1, 1}, {5, 3, 6, 11},
                               {4, 6, 3, 3}, {6, 7, 7, 7}, {1, 3, 130, 129}, {1, 1900, 3, 3}, {2, 5, 6, 6}, {3, 3, 5, 4},
                               {2, 3, 2, 16}};
enum { SHAPES = sizeof shapes / sizeof shapes[0] };

static double pixel(const float *x, shape s, int ci, int j, int y, int xx) {
    if (y < 0 || y >= s.h || xx < 0 || xx >= s.w) return 0;
    return x[(((long)ci * s.n + j) * s.h + y) * s.w + xx];
}

static void test_im2col(int isa, const char *lv) {
    for (int t = 0; t < SHAPES; t++) {
        shape s = shapes[t];
        const long hw = (long)s.h * s.w, size = (long)s.c * s.n * hw;
        float *x = randoms(size, -1, 1);
        const int n0 = s.n > 1 ? 1 : 0, nb = s.n - n0;
        const long cols = nb * hw, k = 9L * s.c;
        float *col = randoms(k * cols, 5, 6);
        double *want = malloc(sizeof(double) * k * cols);
        for (int ci = 0; ci < s.c; ci++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    for (int j = 0; j < nb; j++)
                        for (int y = 0; y < s.h; y++)
                            for (int xx = 0; xx < s.w; xx++)
                                want[((long)ci * 9 + ky * 3 + kx) * cols + j * hw + y * s.w + xx] = pixel(x, s, ci, n0 + j, y + ky - 1, xx + kx - 1);
        lp_im2col3x3(isa, x, s.c, s.n, s.h, s.w, n0, nb, col);
        check("im2col3x3", lv, col, want, k * cols, 0);
        /* adjoint: dx += scatter(dcol) */
        float *dcol = randoms(k * cols, -1, 1), *dx = randoms(size, -1, 1);
        double *dwant = malloc(sizeof(double) * size);
        for (long i = 0; i < size; i++) dwant[i] = dx[i];
        for (int ci = 0; ci < s.c; ci++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    for (int j = 0; j < nb; j++)
                        for (int y = 0; y < s.h; y++)
                            for (int xx = 0; xx < s.w; xx++) {
                                const int sy = y + ky - 1, sx = xx + kx - 1;
                                if (sy < 0 || sy >= s.h || sx < 0 || sx >= s.w) continue;
                                dwant[(((long)ci * s.n + n0 + j) * s.h + sy) * s.w + sx] +=
                                    dcol[((long)ci * 9 + ky * 3 + kx) * cols + j * hw + y * s.w + xx];
                            }
        float *dcol0 = copy(dcol, k * cols), *dx0 = copy(dx, size);
        lp_col2im3x3_add(isa, dcol, s.c, s.n, s.h, s.w, n0, nb, dx);
        check("col2im3x3_add", lv, dx, dwant, size, 1e-6);
        lp_col2im3x3_add(LP_ISA_PORTABLE, dcol0, s.c, s.n, s.h, s.w, n0, nb, dx0);
        check_same("col2im3x3_add", lv, dx, dx0, size);
        free(dcol0); free(dx0);
        free(x); free(col); free(want); free(dcol); free(dx); free(dwant);
    }
}

/* the top-left oh x ow window of outputs (the odd last row/column a floor max-pool drops, as the
   paper net's 7x7 -> 6x6, and a narrower one) */
static void test_im2col_window(int isa, const char *lv) {
    for (int t = 0; t < 2 * SHAPES; t++) {
        shape s = shapes[t / 2];
        const int oh = t % 2 ? (s.h > 1 ? s.h / 2 * 2 : 1) : s.h > 1 ? s.h - 1 : 1;
        const int ow = t % 2 ? (s.w > 1 ? s.w / 2 * 2 : 1) : s.w > 2 ? s.w - 2 : 1;
        const long hw = (long)s.h * s.w, ohw = (long)oh * ow, size = (long)s.c * s.n * hw;
        float *x = randoms(size, -1, 1);
        const int n0 = s.n > 1 ? 1 : 0, nb = s.n - n0;
        const long cols = nb * ohw, k = 9L * s.c;
        float *col = randoms(k * cols, 5, 6), *dcol = randoms(k * cols, -1, 1), *dx = randoms(size, -1, 1);
        double *want = malloc(sizeof(double) * k * cols), *dwant = malloc(sizeof(double) * size);
        for (long i = 0; i < size; i++) dwant[i] = dx[i];
        for (int ci = 0; ci < s.c; ci++)
            for (int tap = 0; tap < 9; tap++)
                for (int j = 0; j < nb; j++)
                    for (int y = 0; y < oh; y++)
                        for (int xx = 0; xx < ow; xx++) {
                            const long at = ((long)ci * 9 + tap) * cols + j * ohw + y * ow + xx;
                            const int sy = y + tap / 3 - 1, sx = xx + tap % 3 - 1;
                            want[at] = pixel(x, s, ci, n0 + j, sy, sx);
                            if (sy >= 0 && sy < s.h && sx >= 0 && sx < s.w)
                                dwant[(((long)ci * s.n + n0 + j) * s.h + sy) * s.w + sx] += dcol[at];
                        }
        lp_im2col3x3_window(isa, x, s.c, s.n, s.h, s.w, oh, ow, n0, nb, col);
        check("im2col3x3_window", lv, col, want, k * cols, 0);
        float *dcol0 = copy(dcol, k * cols), *dx0 = copy(dx, size);
        lp_col2im3x3_window_add(isa, dcol, s.c, s.n, s.h, s.w, oh, ow, n0, nb, dx);
        check("col2im3x3_window_add", lv, dx, dwant, size, 1e-6);
        lp_col2im3x3_window_add(LP_ISA_PORTABLE, dcol0, s.c, s.n, s.h, s.w, oh, ow, n0, nb, dx0);
        check_same("col2im3x3_window_add", lv, dx, dx0, size);
        free(dcol0); free(dx0);
        free(x); free(col); free(want); free(dcol); free(dx); free(dwant);
    }
}

/* pool(relu(x + b)) with the first maximum in scan order winning */
static void test_pool_epilogue(int isa, const char *lv) {
    for (int t = 0; t < SHAPES; t++) {
        shape s = shapes[t];
        const int oh = s.h / 2, ow = s.w / 2, nb = s.n;
        if (oh == 0 || ow == 0) continue;
        const long hw = (long)s.h * s.w, pooled = (long)oh * ow, stride = nb * pooled;
        float *x = randoms((long)s.c * nb * hw, -1, 1), *bias = randoms(s.c, -0.3f, 0.3f);
        for (long i = 0; i < (long)s.c * nb * hw; i += 7) x[i] = x[i + (i + 1 < (long)s.c * nb * hw)];  /* ties */
        float *y = randoms(s.c * stride, 9, 9);
        const size_t outputs = (size_t)s.c * (size_t)stride;
        uint8_t *arg = malloc(outputs), *warg = malloc(outputs);
        double *want = malloc(sizeof(double) * s.c * stride);
        for (int ci = 0; ci < s.c; ci++)
            for (int j = 0; j < nb; j++)
                for (int i = 0; i < oh; i++)
                    for (int q = 0; q < ow; q++) {
                        const float *p = x + ((long)ci * nb + j) * hw;
                        float v[4] = {p[2 * i * s.w + 2 * q], p[2 * i * s.w + 2 * q + 1], p[(2 * i + 1) * s.w + 2 * q], p[(2 * i + 1) * s.w + 2 * q + 1]};
                        int a = 0;
                        for (int r = 1; r < 4; r++) if (v[r] > v[a]) a = r;
                        float m = v[a] + bias[ci];
                        const long o = ci * stride + (long)j * pooled + i * ow + q;
                        if (!(m > 0)) { m = 0; a |= 0x80; }
                        want[o] = m; warg[o] = (uint8_t)a;
                    }
        lp_pool_bias_relu_forward(isa, x, bias, s.c, nb, s.h, s.w, y, arg, stride);
        check("pool_bias_relu_forward", lv, y, want, s.c * stride, 0);
        check_bytes("pool_bias_relu winners", lv, arg, warg, s.c * stride);
        float *dy = randoms(s.c * stride, -1, 1), *dx = randoms((long)s.c * nb * hw, 7, 8), *db = randoms(s.c, -1, 1);
        double *dxw = calloc((size_t)s.c * nb * hw, sizeof(double)), *dbw = malloc(sizeof(double) * s.c);
        for (int ci = 0; ci < s.c; ci++) {
            dbw[ci] = db[ci];
            for (int j = 0; j < nb; j++)
                for (int i = 0; i < oh; i++)
                    for (int q = 0; q < ow; q++) {
                        const long o = ci * stride + (long)j * pooled + i * ow + q;
                        if (warg[o] & 0x80) continue;
                        const int a = warg[o];
                        dxw[((long)ci * nb + j) * hw + (2 * i + (a >> 1)) * s.w + 2 * q + (a & 1)] = dy[o];
                        dbw[ci] += dy[o];
                    }
        }
        lp_pool_bias_relu_backward(isa, dy, warg, s.c, nb, s.h, s.w, stride, dx, db);
        check("pool_bias_relu_backward", lv, dx, dxw, (long)s.c * nb * hw, 0);
        check("pool_bias_relu dbias", lv, db, dbw, s.c, 1e-6);
        free(x); free(bias); free(y); free(arg); free(warg); free(want); free(dy); free(dx); free(db); free(dxw); free(dbw);
    }
}

/* adaptive average pool to k x k, PyTorch's windows, fused with the flatten: y[N, C*k*k]; and its
   adjoint. k = 4 as the paper net (3x3 -> 4x4), 5 (more outputs than a vector), 9 (over 64). */
static void test_adaptive_pool(int isa, const char *lv) {
    const int sides[] = {4, 5, 9};
    for (int t = 0; t < SHAPES; t++)
        for (int ki = 0; ki < 3; ki++) {
            shape s = shapes[t];
            const int k = sides[ki];
            const long hw = (long)s.h * s.w, size = (long)s.c * s.n * hw, outs = (long)s.n * s.c * k * k;
            float *x = randoms(size, -1, 1), *y = randoms(outs, 9, 9), *dy = randoms(outs, -1, 1), *dx = randoms(size, 9, 9);
            double *want = malloc(sizeof(double) * outs), *dwant = calloc((size_t)size, sizeof(double));
            for (int ci = 0; ci < s.c; ci++)
                for (int j = 0; j < s.n; j++)
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++) {
                            const int y0 = a * s.h / k, y1 = ((a + 1) * s.h + k - 1) / k, x0 = b * s.w / k, x1 = ((b + 1) * s.w + k - 1) / k;
                            const long o = ((long)j * s.c + ci) * k * k + a * k + b;
                            double sum = 0;
                            for (int p = y0; p < y1; p++) for (int q = x0; q < x1; q++) sum += pixel(x, s, ci, j, p, q);
                            want[o] = sum / ((y1 - y0) * (x1 - x0));
                            for (int p = y0; p < y1; p++)
                                for (int q = x0; q < x1; q++)
                                    dwant[(((long)ci * s.n + j) * s.h + p) * s.w + q] += (double)dy[o] / ((y1 - y0) * (x1 - x0));
                        }
            lp_adaptive_avgpool_forward(isa, x, s.c, s.n, s.h, s.w, k, y);
            check(k == 4 ? "adaptive_avgpool_fwd k4" : k == 5 ? "adaptive_avgpool_fwd k5" : "adaptive_avgpool_fwd k9", lv, y, want, outs, 1e-6);
            lp_adaptive_avgpool_backward(isa, dy, s.c, s.n, s.h, s.w, k, dx);
            check(k == 4 ? "adaptive_avgpool_bwd k4" : k == 5 ? "adaptive_avgpool_bwd k5" : "adaptive_avgpool_bwd k9", lv, dx, dwant, size, 1e-6);
            float *y0 = copy(y, outs), *dx0 = copy(dx, size);
            lp_adaptive_avgpool_forward(LP_ISA_PORTABLE, x, s.c, s.n, s.h, s.w, k, y0);
            lp_adaptive_avgpool_backward(LP_ISA_PORTABLE, dy, s.c, s.n, s.h, s.w, k, dx0);
            check_same("adaptive_avgpool_fwd", lv, y, y0, outs);
            check_same("adaptive_avgpool_bwd", lv, dx, dx0, size);
            free(y0); free(dx0);
            free(x); free(y); free(dy); free(dx); free(want); free(dwant);
        }
}

static void test_channel_kernels(int isa, const char *lv) {
    const int cs[] = {1, 3, 8}; const long runs[] = {1, 7, 37, 1000};
    for (int a = 0; a < 3; a++)
        for (int r = 0; r < 4; r++) {
            const int c = cs[a]; const long run = runs[r], n = c * run;
            float *x = randoms(n, -1, 1), *b = randoms(c, -0.5f, 0.5f), *y = randoms(n, 3, 4);
            double *want = malloc(sizeof(double) * n);
            for (int relu = 0; relu < 2; relu++) {
                for (long i = 0; i < n; i++) { double v = (double)x[i] + b[i / run]; want[i] = relu && !(v > 0) ? 0 : (float)v; }
                lp_bias_relu(isa, x, b, c, run, y, relu);
                check(relu ? "bias_relu" : "bias", lv, y, want, n, 0);
            }
            float *dy = randoms(n, -1, 1), *dx = randoms(n, 5, 6);
            for (long i = 0; i < n; i++) want[i] = y[i] > 0 ? dy[i] : 0;
            lp_relu_backward(isa, dy, y, n, dx);
            check("relu_backward", lv, dx, want, n, 0);
            float *db = randoms(c, -1, 1);
            double *dbw = malloc(sizeof(double) * c);
            for (int ci = 0; ci < c; ci++) { dbw[ci] = db[ci]; for (long i = 0; i < run; i++) dbw[ci] += dy[ci * run + i]; }
            lp_channel_sums_add(isa, dy, c, run, db);
            check("channel_sums_add", lv, db, dbw, c, 1e-6);
            /* BatchNorm with batch statistics, gamma stored as gamma - 1 */
            if (run > 1) {
                float *g = randoms(c, -0.5f, 0.5f), *beta = randoms(c, -0.5f, 0.5f), *mean = malloc(sizeof(float) * c), *inv = malloc(sizeof(float) * c);
                double *xh = malloc(sizeof(double) * n);
                for (int ci = 0; ci < c; ci++) {
                    double m = 0, v = 0;
                    for (long i = 0; i < run; i++) m += x[ci * run + i];
                    m /= run;
                    for (long i = 0; i < run; i++) v += (x[ci * run + i] - m) * (x[ci * run + i] - m);
                    const double is = 1 / sqrt(v / run + 1e-5);
                    for (long i = 0; i < run; i++) { xh[ci * run + i] = (x[ci * run + i] - m) * is; want[ci * run + i] = (g[ci] + 1.0) * xh[ci * run + i] + beta[ci]; }
                }
                lp_batchnorm_forward(isa, x, g, beta, c, run, 1e-5f, y, mean, inv);
                check("batchnorm_forward", lv, y, want, n, 2e-5);
                float *dg = randoms(c, -1, 1), *dbeta = randoms(c, -1, 1);
                double *dgw = malloc(sizeof(double) * c), *dbetaw = malloc(sizeof(double) * c);
                for (int ci = 0; ci < c; ci++) {
                    double sd = 0, sdx = 0, v = 0, m = 0;
                    for (long i = 0; i < run; i++) m += x[ci * run + i];
                    m /= run;
                    for (long i = 0; i < run; i++) v += (x[ci * run + i] - m) * (x[ci * run + i] - m);
                    const double is = 1 / sqrt(v / run + 1e-5);
                    for (long i = 0; i < run; i++) { sd += dy[ci * run + i]; sdx += dy[ci * run + i] * xh[ci * run + i]; }
                    dgw[ci] = dg[ci] + sdx; dbetaw[ci] = dbeta[ci] + sd;
                    for (long i = 0; i < run; i++)
                        want[ci * run + i] = (g[ci] + 1.0) * is / run * (run * dy[ci * run + i] - sd - xh[ci * run + i] * sdx);
                }
                lp_batchnorm_backward(isa, dy, x, g, mean, inv, c, run, dx, dg, dbeta);
                check("batchnorm_backward dx", lv, dx, want, n, 1e-4);
                check("batchnorm_backward dgamma", lv, dg, dgw, c, 1e-4);
                check("batchnorm_backward dbeta", lv, dbeta, dbetaw, c, 1e-5);
                free(g); free(beta); free(mean); free(inv); free(xh); free(dg); free(dbeta); free(dgw); free(dbetaw);
            }
            free(x); free(b); free(y); free(want); free(dy); free(dx); free(db); free(dbw);
        }
}

static float bf16(float x) {
    uint32_t u; memcpy(&u, &x, 4);
    const uint32_t lower = u & 0xFFFF, upper = u & 0xFFFF0000u;
    if ((u & 0x7F800000u) == 0) u &= 0x80000000u;  /* subnormals flush to zero */
    else u = upper + ((lower > 0x8000 || (lower == 0x8000 && ((upper >> 16) & 1))) ? 0x10000u : 0);
    memcpy(&x, &u, 4);
    return x;
}

static void test_gemm(int isa, const char *lv, int rounded) {
    const int sizes[][3] = {{1, 1, 1}, {7, 17, 5}, {8, 49, 9}, {9, 33, 72}, {13, 95, 40}};
    for (unsigned t = 0; t < sizeof sizes / sizeof sizes[0]; t++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const int m = sizes[t][0], n = sizes[t][1], k = sizes[t][2];
                const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                float *a = randoms((long)(ta ? k : m) * lda, -1, 1), *b = randoms((long)(tb ? n : k) * ldb, -1, 1);
                float *c = randoms((long)m * ldc, -1, 1), *c0 = copy(c, (long)m * ldc);
                const float alpha = 0.75f, beta = 0.5f;
                double *want = malloc(sizeof(double) * m * ldc);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < ldc; j++) {
                        if (j >= n) { want[i * ldc + j] = c0[i * ldc + j]; continue; }  /* padding untouched */
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            float x = ta ? a[(long)p * lda + i] : a[(long)i * lda + p], y = tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                            if (rounded) { x = bf16(x); y = bf16(y); }
                            s += (double)x * y;
                        }
                        want[i * ldc + j] = alpha * s + beta * c0[i * ldc + j];
                    }
                if (rounded) lp_gemm_bf16(isa, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                else lp_sgemm_builtin(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                char what[64];
                snprintf(what, sizeof what, "%s %dx%dx%d %c%c", rounded ? "gemm_bf16" : "sgemm_builtin", m, n, k, ta ? 'T' : 'N', tb ? 'T' : 'N');
                check(what, lv, c, want, (long)m * ldc, (k + 8) * 0x1p-23);
                free(a); free(b); free(c); free(c0); free(want);
            }
}

/* lp_gemm_f32 at one level (its reference loop at portable and neon, the AVX2 kernel at avx2, the
   AVX-512 kernel at avx512 and above): every transpose; m, n, k off the register tiles (6 x 16
   and 12 x 32); k over one 320-deep block; m over one 144-row block; B read in place (short k, or
   one A tile), packed, and the dot-product path (A * B^T on a long k); A read in place or packed
   (lda = 128 floats: 9x40x125 NN, 125x20x30 TN); leading dimensions wider than the matrix;
   alpha/beta, with beta = 0 over a C of NaN (must not be read); a guard row below C. */
static void test_gemm_f32(int isa, const char *lv) {
    const int sizes[][3] = {{1, 1, 1}, {13, 33, 17}, {12, 32, 9}, {8, 100, 9}, {25, 47, 700}, {150, 40, 50},
                            {72, 32, 784}, {9, 8, 1000}, {10, 129, 512}, {64, 216, 288}, {7, 15, 321}, {31, 70, 130}, {14, 59, 40},
                            {9, 40, 125}, {125, 20, 30}};
    const float scalars[][2] = {{1, 0}, {0.75f, 0.5f}, {-1.5f, 1}};
    for (unsigned t = 0; t < sizeof sizes / sizeof sizes[0]; t++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const int m = sizes[t][0], n = sizes[t][1], k = sizes[t][2];
                const float alpha = scalars[(t + ta + tb) % 3][0], beta = scalars[(t + ta + tb) % 3][1];
                const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5 * (t % 2), ldc = n + 2;
                float *a = randoms((long)(ta ? k : m) * lda, -1, 1), *b = randoms((long)(tb ? n : k) * ldb, -1, 1);
                /* C [m, ldc] and a guard row below it, which must stay as it was */
                float *c = randoms((long)(m + 1) * ldc, -1, 1), *c0 = copy(c, (long)(m + 1) * ldc);
                if (beta == 0)
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) c[(long)i * ldc + j] = NAN;
                double *want = malloc(sizeof(double) * (m + 1) * ldc);
                for (int i = 0; i <= m; i++)
                    for (int j = 0; j < ldc; j++) {
                        if (i == m || j >= n) { want[(long)i * ldc + j] = c0[(long)i * ldc + j]; continue; }  /* padding and guard untouched */
                        double sum = 0;
                        for (int p = 0; p < k; p++)
                            sum += (double)(ta ? a[(long)p * lda + i] : a[(long)i * lda + p]) * (tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j]);
                        want[(long)i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c0[(long)i * ldc + j]);
                    }
                lp_gemm_f32(isa, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                char what[64];
                snprintf(what, sizeof what, "gemm_f32 %dx%dx%d %c%c", m, n, k, ta ? 'T' : 'N', tb ? 'T' : 'N');
                check(what, lv, c, want, (long)(m + 1) * ldc, (k + 8) * 0x1p-23);
                free(a); free(b); free(c); free(c0); free(want);
            }
}

/* Kernels without a level: layout helpers, losses and flat vector operations. */
static void test_unleveled(void) {
    const char *lv = "-";
    for (int t = 0; t < SHAPES; t++) {
        shape s = shapes[t];
        const long hw = (long)s.h * s.w, size = (long)s.c * s.n * hw;
        float *x = randoms(size, -1, 1);
        /* max-pool 2x2 (BatchNorm nets), first maximum wins */
        const int oh = s.h / 2, ow = s.w / 2;
        if (oh > 0 && ow > 0) {
            float *py = randoms(size / 4 + 1, 0, 0);
            uint8_t *arg = malloc(size / 4 + 1);
            double *pw = malloc(sizeof(double) * (size / 4 + 1));
            const long planes = (long)s.c * s.n;
            for (long p = 0; p < planes; p++)
                for (int i = 0; i < oh; i++)
                    for (int q = 0; q < ow; q++) {
                        const float *r = x + p * hw;
                        double m = r[2 * i * s.w + 2 * q];
                        if (r[2 * i * s.w + 2 * q + 1] > m) m = r[2 * i * s.w + 2 * q + 1];
                        if (r[(2 * i + 1) * s.w + 2 * q] > m) m = r[(2 * i + 1) * s.w + 2 * q];
                        if (r[(2 * i + 1) * s.w + 2 * q + 1] > m) m = r[(2 * i + 1) * s.w + 2 * q + 1];
                        pw[p * oh * ow + i * ow + q] = m;
                    }
            lp_maxpool2_forward(x, (int)planes, s.h, s.w, py, arg);
            check("maxpool2_forward", lv, py, pw, planes * oh * ow, 0);
            free(py); free(arg); free(pw);
        }
        /* [N, C, S] -> [C, N, S] */
        float *z = randoms(size, 0, 0);
        double *zw = malloc(sizeof(double) * size);
        for (int ci = 0; ci < s.c; ci++)
            for (int j = 0; j < s.n; j++)
                for (long q = 0; q < hw; q++) zw[((long)ci * s.n + j) * hw + q] = x[((long)j * s.c + ci) * hw + q];
        lp_ncs_to_cns(x, s.c, s.n, (int)hw, z);
        check("ncs_to_cns", lv, z, zw, size, 0);
        free(x); free(z); free(zw);
    }
    /* dense helpers */
    const int rows = 13, cols = 7;
    float *m = randoms(rows * cols, -1, 1), *t = randoms(rows * cols, -1, 1), *b = randoms(cols, -1, 1);
    double *want = malloc(sizeof(double) * rows * cols);
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) want[j * rows + i] = (double)t[j * rows + i] + m[i * cols + j];
    lp_add_transposed(m, rows, cols, t);
    check("add_transposed", lv, t, want, rows * cols, 1e-7);
    for (int i = 0; i < rows * cols; i++) want[i] = (double)m[i] + b[i % cols];
    lp_add_row_bias(m, b, rows, cols);
    check("add_row_bias", lv, m, want, rows * cols, 1e-7);
    for (int j = 0; j < cols; j++) { want[j] = b[j]; for (int i = 0; i < rows; i++) want[j] += m[i * cols + j]; }
    lp_column_sums_add(m, rows, cols, b);
    check("column_sums_add", lv, b, want, cols, 1e-6);
    /* softmax cross-entropy: sum of losses, gradient, correct count */
    const int n = 9, classes = 10;
    float *logits = randoms(n * classes, -3, 3), *dl = randoms(n * classes, 0, 0);
    int32_t labels[9];
    for (int i = 0; i < n; i++) labels[i] = (int32_t)(i * 7 % classes);
    double total = 0, *dw = malloc(sizeof(double) * n * classes);
    int hits = 0, correct = -1;
    for (int i = 0; i < n; i++) {
        double mx = logits[i * classes], z = 0;
        int best = 0;
        for (int j = 1; j < classes; j++) if (logits[i * classes + j] > logits[i * classes + best]) best = j;
        mx = logits[i * classes + best];
        for (int j = 0; j < classes; j++) z += exp(logits[i * classes + j] - mx);
        total += log(z) + mx - logits[i * classes + labels[i]];
        hits += best == labels[i];
        for (int j = 0; j < classes; j++) dw[i * classes + j] = 0.5 * (exp(logits[i * classes + j] - mx) / z - (j == labels[i]));
    }
    const double got = lp_softmax_cross_entropy(logits, labels, n, classes, 0.5f, dl, &correct);
    float gotf = (float)got; double totalw = total;
    check("softmax_cross_entropy", lv, &gotf, &totalw, 1, 1e-6);
    check("softmax_cross_entropy d", lv, dl, dw, n * classes, 1e-6);
    if (correct == hits) passed++; else failed++;
    printf("%-4s %-24s %-10s correct %d, want %d\n", correct == hits ? "ok" : "FAIL", "softmax correct count", lv, correct, hits);
    /* flat vectors, odd length */
    const long p = 1001;
    float *u = randoms(p, -1, 1), *v = randoms(p, -1, 1), *o = randoms(p, -1, 1), *w = randoms(p, 0, 0);
    double *vw = malloc(sizeof(double) * p);
    for (long i = 0; i < p; i++) vw[i] = (double)v[i] + 0.25 * u[i];
    lp_axpy(p, 0.25f, u, v);
    check("axpy", lv, v, vw, p, 1e-7);
    for (long i = 0; i < p; i++) vw[i] = 0.5 * u[i] - 2.0 * v[i];
    lp_axpby(p, 0.5f, u, -2.0f, v);
    check("axpby", lv, v, vw, p, 1e-7);
    for (long i = 0; i < p; i++) vw[i] = (double)o[i] + 0.3 * u[i] - 0.7 * v[i];
    lp_plane_point(p, o, 0.3f, u, -0.7f, v, w);
    check("plane_point", lv, w, vw, p, 1e-6);
    double dot = 0, sq = 0;
    for (long i = 0; i < p; i++) { dot += (double)u[i] * v[i]; sq += (double)u[i] * u[i]; }
    float dots[2] = {(float)lp_dot(p, u, v), (float)lp_sum_squares(p, u)};
    double dotw[2] = {dot, sq};
    check("dot, sum_squares", lv, dots, dotw, 2, 1e-6);
    for (long i = 0; i < p; i++) vw[i] = 1.5 * u[i];
    lp_scale(p, 1.5f, u);
    check("scale", lv, u, vw, p, 1e-7);
    free(m); free(t); free(b); free(want); free(logits); free(dl); free(dw); free(u); free(v); free(o); free(w); free(vw);
}

/* The aarch64 OpenBLAS core read from /proc/cpuinfo text (a Graviton 2's, a Raspberry Pi 4's, an
   unknown part, an x86 file). */
static void test_arm_core(void) {
    const struct { const char *text, *core; } cases[] = {
        {"processor\t: 0\nBogoMIPS\t: 243.75\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\n", "NEOVERSEN1"},
        {"processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\nCPU revision\t: 3\n", "CORTEXA72"},
        {"processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd4f\n", NULL},
        {"processor\t: 0\nmodel name\t: AMD EPYC\nflags\t: fpu avx2\n", NULL},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = lp_blas_arm_core(cases[i].text);
        const int ok = (got == NULL && cases[i].core == NULL) || (got && cases[i].core && strcmp(got, cases[i].core) == 0);
        if (ok) passed++; else failed++;
        printf("%-4s %-24s %-10s case %u: %s\n", ok ? "ok" : "FAIL", "arm OpenBLAS core", "-", i, got ? got : "(OpenBLAS decides)");
    }
}

int main(void) {
    const int levels[] = {LP_ISA_PORTABLE, LP_ISA_AVX2, LP_ISA_AVX512, LP_ISA_AVX512_BF16, LP_ISA_NEON};
    printf("kernel check on %s: detected level %s\n",
#if defined(__aarch64__)
           "aarch64",
#elif defined(__x86_64__)
           "x86-64",
#else
           "another architecture",
#endif
           lp_isa_name(lp_isa_detected()));
    for (unsigned i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        const int isa = levels[i];
        if (!lp_isa_supported(isa)) { printf("skip level %s: not on this CPU\n", lp_isa_name(isa)); continue; }
        const char *lv = lp_isa_name(isa);
        test_im2col(isa, lv);
        test_im2col_window(isa, lv);
        test_pool_epilogue(isa, lv);
        test_adaptive_pool(isa, lv);
        test_channel_kernels(isa, lv);
        test_gemm(isa, lv, 1);
        test_gemm_f32(isa, lv);
    }
    test_gemm(LP_ISA_PORTABLE, "-", 0);
    test_unleveled();
    test_arm_core();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
