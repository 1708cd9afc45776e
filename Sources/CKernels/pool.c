/* 2x2 max-pools (stride 2, floor): the fused bias + ReLU + max-pool epilogue of a convolution,
   whose row loop is written per level (pool_rows.h), and the plain max-pool of BatchNorm nets. */
#include "pool_rows.h"

#include <string.h>

/* ---- The fused epilogue: one skeleton, the row loop picked by level. ---- */

void lp_pool_rows_forward_portable(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg) {
    for (int i = 0; i < rows; i++) {
        const float *r0 = x + (long)(2 * i) * w, *r1 = r0 + w;
        for (int j = 0; j < ow; j++) lp_pool_window_forward(r0 + 2 * j, r1 + 2 * j, bias, y + (long)i * ow + j, arg + (long)i * ow + j);
    }
}

double lp_pool_rows_backward_portable(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx) {
    double sum = 0;
    for (int i = 0; i < rows; i++) {
        float *r0 = dx + (long)(2 * i) * w, *r1 = r0 + w;
        for (int j = 0; j < ow; j++) sum += lp_pool_window_backward(dy[(long)i * ow + j], arg[(long)i * ow + j], r0 + 2 * j, r1 + 2 * j);
    }
    return sum;
}

void lp_pool_bias_relu_forward(int isa, const float *x, const float *bias, int c, int nb, int h, int w,
                               float *y, uint8_t *arg, long y_stride) {
    lp_pool_rows_forward_fn *const rows = LP_PICK(isa, lp_pool_rows_forward);
    const int oh = h / 2, ow = w / 2;
    const long hw = (long)h * w, pooled = (long)oh * ow;
    if (oh == 0 || ow == 0) return;
    for (int ci = 0; ci < c; ci++) {
        const float *xc = x + (long)ci * nb * hw;
        float *yc = y + ci * y_stride;
        uint8_t *ac = arg + ci * y_stride;
        if (h % 2 == 0) rows(xc, w, ow, nb * oh, bias[ci], yc, ac);
        else
            for (int j = 0; j < nb; j++) rows(xc + j * hw, w, ow, oh, bias[ci], yc + j * pooled, ac + j * pooled);
    }
}

void lp_pool_bias_relu_backward(int isa, const float *dy, const uint8_t *arg, int c, int nb, int h, int w,
                                long y_stride, float *dx, float *dbias) {
    lp_pool_rows_backward_fn *const rows = LP_PICK(isa, lp_pool_rows_backward);
    const int oh = h / 2, ow = w / 2;
    const long hw = (long)h * w, pooled = (long)oh * ow;
    for (int ci = 0; ci < c; ci++) {
        float *dc = dx + (long)ci * nb * hw;
        const float *gc = dy + ci * y_stride;
        const uint8_t *ac = arg + ci * y_stride;
        /* rows and columns no window covers (odd sides) get no gradient */
        for (int j = 0; j < nb; j++) {
            float *dp = dc + j * hw;
            if (h & 1) memset(dp + (long)(h - 1) * w, 0, sizeof(float) * w);
            if (w & 1) for (int r = 0; r < 2 * oh; r++) dp[(long)r * w + w - 1] = 0;
        }
        if (oh == 0 || ow == 0) continue;
        double sum = 0;
        if (h % 2 == 0) sum = rows(gc, ac, w, ow, nb * oh, dc);
        else
            for (int j = 0; j < nb; j++) sum += rows(gc + j * pooled, ac + j * pooled, w, ow, oh, dc + j * hw);
        dbias[ci] += (float)sum;
    }
}

/* ---- The plain max-pool (BatchNorm nets: the ReLU comes before it). ---- */

void lp_maxpool2_forward(const float *x, int planes, int h, int w, float *y, uint8_t *arg) {
    const int oh = h / 2, ow = w / 2;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * h * w;
        for (int i = 0; i < oh; i++) {
            const float *r0 = xp + (2 * i) * w, *r1 = r0 + w;
            const long o = (p * oh + i) * ow;
            for (int j = 0; j < ow; j++) y[o + j] = lp_pool_window_max(r0 + 2 * j, r1 + 2 * j, arg + o + j);
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
