/* Layout kernels: im2col/col2im for 3x3 convolutions, pooling, flatten transposes. */
#include "lp_kernels.h"

#include <string.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

CLONES
void lp_im2col3x3(const float *x, int c, int n, int h, int w, int n0, int nb, float *col) {
    const long hw = (long)h * w, cols = (long)nb * hw;
    for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                float *dst = col + ((long)ci * 9 + ky * 3 + kx) * cols;
                for (int j = 0; j < nb; j++) {
                    const float *src = x + ((long)ci * n + n0 + j) * hw;
                    float *d = dst + j * hw;
                    for (int y = 0; y < h; y++) {
                        int sy = y + ky - 1;
                        float *row = d + (long)y * w;
                        if (sy < 0 || sy >= h) { memset(row, 0, sizeof(float) * w); continue; }
                        const float *s = src + (long)sy * w;
                        if (kx == 0) { row[0] = 0; memcpy(row + 1, s, sizeof(float) * (w - 1)); }
                        else if (kx == 1) memcpy(row, s, sizeof(float) * w);
                        else { memcpy(row, s + 1, sizeof(float) * (w - 1)); row[w - 1] = 0; }
                    }
                }
            }
        }
    }
}

CLONES
void lp_col2im3x3_add(const float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx) {
    const long hw = (long)h * w, cols = (long)nb * hw;
    for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const float *src = dcol + ((long)ci * 9 + ky * 3 + kx) * cols;
                for (int j = 0; j < nb; j++) {
                    float *d = dx + ((long)ci * n + n0 + j) * hw;
                    const float *s = src + j * hw;
                    for (int y = 0; y < h; y++) {
                        int sy = y + ky - 1;
                        if (sy < 0 || sy >= h) continue;
                        const float *row = s + (long)y * w;
                        float *t = d + (long)sy * w;
                        /* dcol[.., y, x] came from x[sy, x + kx - 1] */
                        int x0 = kx == 0 ? 1 : 0, x1 = kx == 2 ? w - 1 : w;
                        for (int xx = x0; xx < x1; xx++) t[xx + kx - 1] += row[xx];
                    }
                }
            }
        }
    }
}

void lp_maxpool2_forward(const float *x, int planes, int h, int w, float *y, uint8_t *arg) {
    const int oh = h / 2, ow = w / 2;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * h * w;
        float *yp = y + p * oh * ow;
        uint8_t *ap = arg + p * oh * ow;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (2 * i) * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j++) {
                /* first maximum in scan order wins, as in PyTorch */
                float m = r0[2 * j]; uint8_t a = 0;
                if (r0[2 * j + 1] > m) { m = r0[2 * j + 1]; a = 1; }
                if (r1[2 * j] > m) { m = r1[2 * j]; a = 2; }
                if (r1[2 * j + 1] > m) { m = r1[2 * j + 1]; a = 3; }
                yp[i * ow + j] = m;
                ap[i * ow + j] = a;
            }
        }
    }
}

void lp_maxpool2_backward(const float *dy, const uint8_t *arg, int planes, int h, int w, float *dx) {
    const int oh = h / 2, ow = w / 2;
    memset(dx, 0, sizeof(float) * (size_t)planes * h * w);
    for (long p = 0; p < planes; p++) {
        float *dp = dx + p * h * w;
        const float *gp = dy + p * oh * ow;
        const uint8_t *ap = arg + p * oh * ow;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                uint8_t a = ap[i * ow + j];
                dp[(2 * i + (a >> 1)) * w + 2 * j + (a & 1)] = gp[i * ow + j];
            }
    }
}

static inline int window_start(int i, int n, int k) { return (i * n) / k; }
static inline int window_end(int i, int n, int k) { return ((i + 1) * n + k - 1) / k; }

void lp_adaptive_avgpool_forward(const float *x, int planes, int h, int w, int k, float *y) {
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * h * w;
        float *yp = y + p * k * k;
        for (int i = 0; i < k; i++) {
            int y0 = window_start(i, h, k), y1 = window_end(i, h, k);
            for (int j = 0; j < k; j++) {
                int x0 = window_start(j, w, k), x1 = window_end(j, w, k);
                float s = 0;
                for (int a = y0; a < y1; a++)
                    for (int b = x0; b < x1; b++) s += xp[a * w + b];
                yp[i * k + j] = s / (float)((y1 - y0) * (x1 - x0));
            }
        }
    }
}

void lp_adaptive_avgpool_backward(const float *dy, int planes, int h, int w, int k, float *dx) {
    memset(dx, 0, sizeof(float) * (size_t)planes * h * w);
    for (long p = 0; p < planes; p++) {
        float *dp = dx + p * h * w;
        const float *gp = dy + p * k * k;
        for (int i = 0; i < k; i++) {
            int y0 = window_start(i, h, k), y1 = window_end(i, h, k);
            for (int j = 0; j < k; j++) {
                int x0 = window_start(j, w, k), x1 = window_end(j, w, k);
                float g = gp[i * k + j] / (float)((y1 - y0) * (x1 - x0));
                for (int a = y0; a < y1; a++)
                    for (int b = x0; b < x1; b++) dp[a * w + b] += g;
            }
        }
    }
}

void lp_cns_to_ncs(const float *x, int c, int n, int s, float *y) {
    for (int ci = 0; ci < c; ci++)
        for (int j = 0; j < n; j++)
            memcpy(y + ((long)j * c + ci) * s, x + ((long)ci * n + j) * s, sizeof(float) * s);
}

void lp_ncs_to_cns(const float *x, int c, int n, int s, float *y) {
    for (int ci = 0; ci < c; ci++)
        for (int j = 0; j < n; j++)
            memcpy(y + ((long)ci * n + j) * s, x + ((long)j * c + ci) * s, sizeof(float) * s);
}
