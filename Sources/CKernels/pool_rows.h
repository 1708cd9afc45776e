/* The fused max-pool epilogue's row loops, one per level (pool.c holds the skeleton that calls
   them and the portable loop; pool_avx2.c, pool_avx512.c, pool_neon.c the vector ones); not part
   of the API.
 *
 * A row loop covers `rows` window rows of one channel: window row i reads input rows
 * x + 2i*w and x + (2i+1)*w (columns 0 .. 2*ow - 1; w is the input's row stride, so an odd last
 * column is skipped) and writes outputs i*ow .. i*ow + ow - 1. When H is even a channel's nb
 * planes are one run of nb*H/2 window rows, so one call covers the channel. */
#ifndef LP_POOL_ROWS_H
#define LP_POOL_ROWS_H
#include "lp_kernels.h"

/* y = max of each 2x2 window (first maximum in scan order wins) + bias, then ReLU;
   arg = winner 0..3, | 0x80 where the ReLU cut the output to zero. */
typedef void lp_pool_rows_forward_fn(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg);
/* dx rows 2i, 2i+1, columns 0 .. 2*ow - 1 written: the live winner gets dy, the rest 0.
   Returns the sum of the live dy (the bias gradient's share). */
typedef double lp_pool_rows_backward_fn(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx);

lp_pool_rows_forward_fn lp_pool_rows_forward_portable;
lp_pool_rows_backward_fn lp_pool_rows_backward_portable;
#if defined(__x86_64__)
lp_pool_rows_forward_fn lp_pool_rows_forward_avx512, lp_pool_rows_forward_avx2;
lp_pool_rows_backward_fn lp_pool_rows_backward_avx512, lp_pool_rows_backward_avx2;
#elif defined(__aarch64__)
lp_pool_rows_forward_fn lp_pool_rows_forward_neon;
lp_pool_rows_backward_fn lp_pool_rows_backward_neon;
#endif

/* One window, scalar (the portable loop, and the vector loops' narrow rows and tails). */

/* The window's maximum (first in scan order wins: replaced only on strictly greater) and its winner. */
static inline float lp_pool_window_max(const float *r0, const float *r1, uint8_t *winner) {
    float m = r0[0];
    uint8_t a = 0;
    if (r0[1] > m) { m = r0[1]; a = 1; }
    if (r1[0] > m) { m = r1[0]; a = 2; }
    if (r1[1] > m) { m = r1[1]; a = 3; }
    *winner = a;
    return m;
}

static inline void lp_pool_window_forward(const float *r0, const float *r1, float bias, float *y, uint8_t *arg) {
    uint8_t a;
    float m = lp_pool_window_max(r0, r1, &a) + bias;
    if (!(m > 0)) { m = 0; a |= 0x80; }
    *y = m;
    *arg = a;
}

/* The window's four dx (the live winner gets g, the rest 0); returns the live g (0 when cut). */
static inline float lp_pool_window_backward(float g, uint8_t a, float *r0, float *r1) {
    r0[0] = r0[1] = r1[0] = r1[1] = 0;
    if (a & 0x80) return 0;
    (a & 2 ? r1 : r0)[a & 1] = g;
    return g;
}
#endif
