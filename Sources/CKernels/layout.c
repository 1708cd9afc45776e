/* Layout kernels: im2col/col2im for 3x3 convolutions, the adaptive average pool, flatten transposes
   (the max-pools are in pool.c). */
#include "layout_avx512.h"

#include <string.h>

/* Column masks of the three kx taps over a plane (all ones where the shifted column stays in its
   row, zero where it wrapped to the neighbouring row): the copies below AND with them instead of
   zeroing afterwards, so every tap is one straight vectorised loop with no calls (the paper's 7x7
   planes made memcpy's call and dispatch cost more than the copy). */
enum { MASK_PLANE = 4096 };

static inline LP_BODY void column_masks(int h, int w, uint32_t masks[3][MASK_PLANE]) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const long p = (long)y * w + x;
            masks[0][p] = x == 0 ? 0 : ~0u;
            masks[1][p] = ~0u;
            masks[2][p] = x == w - 1 ? 0 : ~0u;
        }
}

static inline LP_BODY float and_bits(float v, uint32_t m) {
    uint32_t u;
    memcpy(&u, &v, 4);
    u &= m;
    memcpy(&v, &u, 4);
    return v;
}

/* The shift of tap (ky, kx) = (tap / 3, tap % 3) within a plane of width w. */
static inline LP_BODY long tap_offset(int tap, int w) { return (long)(tap / 3 - 1) * w + (tap % 3 - 1); }

/* The positions p of a run of `len` whose shifted position p + off stays in the run: [lo, hi)
   (empty when the run is shorter than the shift). */
static inline LP_BODY void shifted_span(long off, long len, long *lo, long *hi) {
    *lo = off < 0 ? -off : 0, *hi = off > 0 ? len - off : len;
    if (*lo > len) *lo = len;
    if (*hi < *lo) *hi = *lo;
}

/* Small chunks (nb * HW <= MASK_RUN: the paper's 14x14 and 7x7 layers) go further: one mask per
   tap over the whole run of nb planes, zero where the shifted row or column left its plane, so a
   tap is one loop over all nb images of a channel (per-plane loops of 49 floats cost more in loop
   overhead than in copying). Two cache entries per thread: the layers of a pass alternate. */
enum { MASK_RUN = 2048 };

typedef struct {
    int h, w, nb;
    uint32_t m[9][MASK_RUN];
} run_masks;

static inline LP_BODY const uint32_t (*tap_masks(run_masks cache[2], int *older, int h, int w, int nb))[MASK_RUN] {
    for (int e = 0; e < 2; e++)
        if (cache[e].h == h && cache[e].w == w && cache[e].nb == nb) return cache[e].m;
    run_masks *r = &cache[*older];
    *older ^= 1;
    r->h = h, r->w = w, r->nb = nb;
    const long hw = (long)h * w;
    for (int tap = 0; tap < 9; tap++) {
        const int dy = tap / 3 - 1, dx = tap % 3 - 1;
        for (long p = 0; p < hw; p++) {
            const int y = (int)(p / w) + dy, x = (int)(p % w) + dx;
            r->m[tap][p] = y >= 0 && y < h && x >= 0 && x < w ? ~0u : 0;
        }
        for (int j = 1; j < nb; j++) memcpy(r->m[tap] + j * hw, r->m[tap], sizeof(uint32_t) * hw);
    }
    return r->m;
}

/* For one (ky, kx) tap, patch row = the image shifted by (ky-1, kx-1): d[p] = src[p + off] where
   0 <= p + off < hw and the column did not wrap, else 0. */
static inline LP_BODY void im2col3x3_body(const float *x, int c, int n, int h, int w, int n0, int nb, float *col) {
    const long hw = (long)h * w, cols = (long)nb * hw;
    if (cols <= MASK_RUN) {
        static __thread run_masks cache[2];
        static __thread int older;
        const uint32_t(*m)[MASK_RUN] = tap_masks(cache, &older, h, w, nb);
        for (int ci = 0; ci < c; ci++) {
            const float *src = x + ((long)ci * n + n0) * hw;
            for (int tap = 0; tap < 9; tap++) {
                const long off = tap_offset(tap, w);
                float *d = col + ((long)ci * 9 + tap) * cols;
                /* p + off stays inside this channel's run of planes; what crosses a plane is masked */
                long lo, hi;
                shifted_span(off, cols, &lo, &hi);
                for (long p = 0; p < lo; p++) d[p] = 0;
                for (long p = lo; p < hi; p++) d[p] = and_bits(src[p + off], m[tap][p]);
                for (long p = hi; p < cols; p++) d[p] = 0;
            }
        }
        return;
    }
    static __thread uint32_t masks[3][MASK_PLANE];
    const int masked = hw <= MASK_PLANE;
    if (masked) column_masks(h, w, masks);
    for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const long off = tap_offset(ky * 3 + kx, w);
                float *dst = col + ((long)ci * 9 + ky * 3 + kx) * cols;
                long lo, hi;
                shifted_span(off, hw, &lo, &hi);
                for (int j = 0; j < nb; j++) {
                    const float *src = x + ((long)ci * n + n0 + j) * hw;
                    float *d = dst + j * hw;
                    for (long p = 0; p < lo; p++) d[p] = 0;
                    if (masked) {
                        const uint32_t *m = masks[kx];
                        for (long p = lo; p < hi; p++) d[p] = and_bits(src[p + off], m[p]);
                    } else {
                        if (hi > lo) memcpy(d + lo, src + lo + off, sizeof(float) * (hi - lo));
                        if (kx == 0) for (int y = 0; y < h; y++) d[(long)y * w] = 0;
                        if (kx == 2) for (int y = 0; y < h; y++) d[(long)y * w + w - 1] = 0;
                    }
                    for (long p = hi; p < hw; p++) d[p] = 0;
                }
            }
        }
    }
}

/* Adjoint of lp_im2col3x3: each tap is one shifted add of dcol's entries that are not padding
   (masked as in im2col; on planes too large for the masks, the padding entries are cleared first). */
static inline LP_BODY void col2im3x3_add_body(float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx) {
    const long hw = (long)h * w, cols = (long)nb * hw;
    if (cols <= MASK_RUN) {
        static __thread run_masks cache[2];
        static __thread int older;
        const uint32_t(*m)[MASK_RUN] = tap_masks(cache, &older, h, w, nb);
        for (int ci = 0; ci < c; ci++) {
            float *d = dx + ((long)ci * n + n0) * hw;
            for (int tap = 0; tap < 9; tap++) {
                const long off = tap_offset(tap, w);
                const float *s = dcol + ((long)ci * 9 + tap) * cols;
                long lo, hi;
                shifted_span(off, cols, &lo, &hi);
                /* masked entries add +0: the sums are those of the per-plane loop */
                for (long p = lo; p < hi; p++) d[p + off] += and_bits(s[p], m[tap][p]);
            }
        }
        return;
    }
    static __thread uint32_t masks[3][MASK_PLANE];
    const int masked = hw <= MASK_PLANE;
    if (masked) column_masks(h, w, masks);
    for (int ci = 0; ci < c; ci++) {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const long off = tap_offset(ky * 3 + kx, w);
                float *src = dcol + ((long)ci * 9 + ky * 3 + kx) * cols;
                long lo, hi;
                shifted_span(off, hw, &lo, &hi);
                for (int j = 0; j < nb; j++) {
                    float *d = dx + ((long)ci * n + n0 + j) * hw;
                    float *s = src + j * hw;
                    float *t = d + lo + off;
                    const float *u = s + lo;
                    if (masked) {
                        const uint32_t *m = masks[kx] + lo;
                        for (long p = 0; p < hi - lo; p++) t[p] += and_bits(u[p], m[p]);
                    } else {
                        if (kx == 0) for (int y = 0; y < h; y++) s[(long)y * w] = 0;
                        if (kx == 2) for (int y = 0; y < h; y++) s[(long)y * w + w - 1] = 0;
                        for (long p = 0; p < hi - lo; p++) t[p] += u[p];
                    }
                }
            }
        }
    }
}

LP_VARIANTS_VOID_AVX512(im2col3x3, (const float *x, int c, int n, int h, int w, int n0, int nb, float *col),
                 (x, c, n, h, w, n0, nb, col))
LP_VARIANTS_VOID_AVX512(col2im3x3_add, (float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx),
                 (dcol, c, n, h, w, n0, nb, dx))

void lp_im2col3x3(int isa, const float *x, int c, int n, int h, int w, int n0, int nb, float *col) {
    LP_PICK(isa, im2col3x3)(x, c, n, h, w, n0, nb, col);
}

void lp_col2im3x3_add(int isa, float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx) {
    LP_PICK(isa, col2im3x3_add)(dcol, c, n, h, w, n0, nb, dx);
}

/* Patches of the top-left oh x ow window of outputs only (oh <= h, ow <= w): a 2x2 max-pool
   with floor discards an odd last row and column, so a 7x7 convolution feeding it needs only its
   6x6 outputs — 27% of that layer's multiplies, forward and backward.
   Each image plane is first copied into a zero-bordered (h+2) x (w+2) plane, so every patch row
   is a straight copy with no bounds tests; rows of ow <= 8 floats move as one 8-float block (one
   vector load and store; the 8 - ow extra floats land on rows of the same tap block written after
   it, and the rows at a block's end are copied exactly). Branchy per-element loops ran 6x slower per float
   than the masked im2col above (perf, paper net). */
enum { PADDED_PLANE = 4096 + 16 };

static inline LP_BODY void pad_plane(const float *s, int h, int w, float *p) {
    const int pw = w + 2;
    for (int i = 0; i < pw; i++) p[i] = 0, p[(long)(h + 1) * pw + i] = 0;
    for (int y = 0; y < h; y++) {
        float *r = p + (long)(y + 1) * pw;
        r[0] = 0;
        for (int x = 0; x < w; x++) r[x + 1] = s[(long)y * w + x];
        r[w + 1] = 0;
    }
    for (int i = 0; i < 8; i++) p[(long)(h + 2) * pw + i] = 0;  /* slack the 8-float reads may touch */
}

static inline LP_BODY void im2col3x3_window_body(const float *x, int c, int n, int h, int w, int oh, int ow, int n0,
                                                 int nb, float *col) {
    const long hw = (long)h * w, ohw = (long)oh * ow, cols = (long)nb * ohw;
    const int pw = w + 2;
    const long plane_size = (long)(h + 2) * pw + 8;
    /* Planes of a group are all padded before any is read: a vector load right after the scalar
       stores that wrote its floats would wait for them (store-to-load forwarding fails). */
    static __thread float planes[4 * PADDED_PLANE];
    const int group = ow <= 8 && plane_size <= PADDED_PLANE ? (int)(4 * PADDED_PLANE / plane_size) : 0;
    for (int ci = 0; ci < c; ci++)
        for (int j0 = 0; j0 < nb; j0 += group > 0 ? group : nb) {
            const int j1 = group > 0 && j0 + group < nb ? j0 + group : nb;
            if (group > 0)
                for (int j = j0; j < j1; j++) pad_plane(x + ((long)ci * n + n0 + j) * hw, h, w, planes + (j - j0) * plane_size);
            for (int tap = 0; tap < 9; tap++) {
                const int ky = tap / 3, kx = tap % 3;
                const float *block_end = col + ((long)ci * 9 + tap + 1) * cols;
                for (int j = j0; j < j1; j++) {
                    const float *s = x + ((long)ci * n + n0 + j) * hw;
                    float *d = col + ((long)ci * 9 + tap) * cols + j * ohw;
                    for (int y = 0; y < oh; y++, d += ow) {
                        /* the extra floats may only land on rows of this block still to be written */
                        if (group > 0 && d + 8 <= block_end) {
                            const float *r = planes + (j - j0) * plane_size + (long)(y + ky) * pw + kx;
                            for (int q = 0; q < 8; q++) d[q] = r[q];
                            continue;
                        }
                        const int sy = y + ky - 1;
                        for (int q = 0; q < ow; q++) {
                            const int sx = q + kx - 1;
                            d[q] = sy >= 0 && sy < h && sx >= 0 && sx < w ? s[(long)sy * w + sx] : 0;
                        }
                    }
                }
            }
        }
}

/* Adjoint of the window im2col: dx[C, N, H, W] += scatter(dcol[C*9, nb*oh*ow]), summed in a
   zero-bordered plane (rows of ow <= 8 as one 8-float block, the extra lanes masked to +0). */
static inline LP_BODY void col2im3x3_window_add_body(const float *dcol, int c, int n, int h, int w, int oh, int ow,
                                                     int n0, int nb, float *dx) {
    const long hw = (long)h * w, ohw = (long)oh * ow, cols = (long)nb * ohw;
    const int pw = w + 2;
    static __thread float plane[PADDED_PLANE];
    uint32_t lanes[8];
    for (int q = 0; q < 8; q++) lanes[q] = q < ow ? ~0u : 0;
    const int blocks = ow <= 8 && (long)(h + 2) * pw + 8 <= PADDED_PLANE;
    const float *dcol_end = dcol + (long)c * 9 * cols;
    for (int ci = 0; ci < c; ci++)
        for (int j = 0; j < nb; j++) {
            float *d = dx + ((long)ci * n + n0 + j) * hw;
            if (!blocks) {
                for (int tap = 0; tap < 9; tap++) {
                    const int dy = tap / 3 - 1, dx0 = tap % 3 - 1;
                    const float *s = dcol + ((long)ci * 9 + tap) * cols + j * ohw;
                    for (int y = 0; y < oh; y++, s += ow) {
                        const int sy = y + dy;
                        if (sy < 0 || sy >= h) continue;
                        for (int q = 0; q < ow; q++) {
                            const int sx = q + dx0;
                            if (sx >= 0 && sx < w) d[(long)sy * w + sx] += s[q];
                        }
                    }
                }
                continue;
            }
            for (long i = 0; i < (long)(h + 2) * pw + 8; i++) plane[i] = 0;
            for (int tap = 0; tap < 9; tap++) {
                const int ky = tap / 3, kx = tap % 3;
                const float *s = dcol + ((long)ci * 9 + tap) * cols + j * ohw;
                for (int y = 0; y < oh; y++, s += ow) {
                    float *r = plane + (long)(y + ky) * pw + kx;
                    if (s + 8 > dcol_end) {  /* no reads past the end of dcol */
                        for (int q = 0; q < ow; q++) r[q] += s[q];
                        continue;
                    }
                    for (int q = 0; q < 8; q++) r[q] += and_bits(s[q], lanes[q]);
                }
            }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) d[(long)y * w + x] += plane[(long)(y + 1) * pw + x + 1];
        }
}

LP_VARIANTS_VOID_AVX512(im2col3x3_window, (const float *x, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *col),
                 (x, c, n, h, w, oh, ow, n0, nb, col))
LP_VARIANTS_VOID_AVX512(col2im3x3_window_add,
                 (const float *dcol, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *dx),
                 (dcol, c, n, h, w, oh, ow, n0, nb, dx))

void lp_im2col3x3_window(int isa, const float *x, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *col) {
    if (oh == h && ow == w) lp_im2col3x3(isa, x, c, n, h, w, n0, nb, col);
    else LP_PICK(isa, im2col3x3_window)(x, c, n, h, w, oh, ow, n0, nb, col);
}

void lp_col2im3x3_window_add(int isa, float *dcol, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *dx) {
    if (oh == h && ow == w) lp_col2im3x3_add(isa, dcol, c, n, h, w, n0, nb, dx);
    else LP_PICK(isa, col2im3x3_window_add)(dcol, c, n, h, w, oh, ow, n0, nb, dx);
}

static inline int window_start(int i, int n, int k) { return (i * n) / k; }
static inline int window_end(int i, int n, int k) { return ((i + 1) * n + k - 1) / k; }

enum { MAX_POOL_SIDE = 64, MAX_PLANE = 64 * 64 };

/* The taps of every output window, computed once per call: output o averages inputs
   tap_index[tap_start[o] .. tap_start[o+1]) with weight tap_weight[o]. Small planes (the paper's
   3x3 -> 4x4) then cost a handful of loads per output instead of nested window loops. */
typedef struct {
    int start[MAX_POOL_SIDE * MAX_POOL_SIDE + 1];
    int index[4 * MAX_PLANE];
    float weight[MAX_POOL_SIDE * MAX_POOL_SIDE];
    int usable;
} pool_taps;

static void make_taps(pool_taps *t, int h, int w, int k) {
    int total = 0;
    t->usable = k <= MAX_POOL_SIDE && h * w <= MAX_PLANE;
    if (!t->usable) return;
    for (int a = 0; a < k; a++) {
        const int y0 = window_start(a, h, k), y1 = window_end(a, h, k);
        for (int b = 0; b < k; b++) {
            const int x0 = window_start(b, w, k), x1 = window_end(b, w, k);
            const int o = a * k + b, count = (y1 - y0) * (x1 - x0);
            t->start[o] = total;
            if (total + count > 4 * MAX_PLANE) { t->usable = 0; return; }
            for (int p = y0; p < y1; p++)
                for (int q = x0; q < x1; q++) t->index[total++] = p * w + q;
            t->weight[o] = 1.0f / (float)count;
        }
    }
    t->start[k * k] = total;
}

static inline LP_BODY void adaptive_avgpool_forward_body(const float *x, int c, int n, int h, int w, int k, float *y) {
    static __thread pool_taps taps;
    make_taps(&taps, h, w, k);
    const long kk = (long)k * k, hw = (long)h * w;
    for (int ci = 0; ci < c; ci++) {
        for (int j = 0; j < n; j++) {
            const float *xp = x + ((long)ci * n + j) * hw;
            float *yp = y + ((long)j * c + ci) * kk;
            if (taps.usable) {
                for (long o = 0; o < kk; o++) {
                    float s = 0;
                    for (int t = taps.start[o]; t < taps.start[o + 1]; t++) s += xp[taps.index[t]];
                    yp[o] = s * taps.weight[o];
                }
                continue;
            }
            for (int a = 0; a < k; a++) {
                const int y0 = window_start(a, h, k), y1 = window_end(a, h, k);
                for (int b = 0; b < k; b++) {
                    const int x0 = window_start(b, w, k), x1 = window_end(b, w, k);
                    float s = 0;
                    for (int p = y0; p < y1; p++)
                        for (int q = x0; q < x1; q++) s += xp[p * w + q];
                    yp[a * k + b] = s / (float)((y1 - y0) * (x1 - x0));
                }
            }
        }
    }
}

static inline LP_BODY void adaptive_avgpool_backward_body(const float *dy, int c, int n, int h, int w, int k, float *dx) {
    static __thread pool_taps taps;
    make_taps(&taps, h, w, k);
    const long kk = (long)k * k, hw = (long)h * w;
    for (int ci = 0; ci < c; ci++) {
        for (int j = 0; j < n; j++) {
            float *dp = dx + ((long)ci * n + j) * hw;
            const float *gp = dy + ((long)j * c + ci) * kk;
            for (long p = 0; p < hw; p++) dp[p] = 0;
            if (taps.usable) {
                for (long o = 0; o < kk; o++) {
                    const float g = gp[o] * taps.weight[o];
                    for (int t = taps.start[o]; t < taps.start[o + 1]; t++) dp[taps.index[t]] += g;
                }
                continue;
            }
            for (int a = 0; a < k; a++) {
                const int y0 = window_start(a, h, k), y1 = window_end(a, h, k);
                for (int b = 0; b < k; b++) {
                    const int x0 = window_start(b, w, k), x1 = window_end(b, w, k);
                    const float g = gp[a * k + b] / (float)((y1 - y0) * (x1 - x0));
                    for (int p = y0; p < y1; p++)
                        for (int q = x0; q < x1; q++) dp[p * w + q] += g;
                }
            }
        }
    }
}

LP_VARIANTS_VOID_AVX512(adaptive_avgpool_forward, (const float *x, int c, int n, int h, int w, int k, float *y),
                        (x, c, n, h, w, k, y))
LP_VARIANTS_VOID_AVX512(adaptive_avgpool_backward, (const float *dy, int c, int n, int h, int w, int k, float *dx),
                        (dy, c, n, h, w, k, dx))

void lp_adaptive_avgpool_forward(int isa, const float *x, int c, int n, int h, int w, int k, float *y) {
    LP_PICK(isa, adaptive_avgpool_forward)(x, c, n, h, w, k, y);
}

void lp_adaptive_avgpool_backward(int isa, const float *dy, int c, int n, int h, int w, int k, float *dx) {
    LP_PICK(isa, adaptive_avgpool_backward)(dy, c, n, h, w, k, dx);
}

void lp_ncs_to_cns(const float *x, int c, int n, int s, float *y) {
    for (int ci = 0; ci < c; ci++)
        for (int j = 0; j < n; j++)
            memcpy(y + ((long)ci * n + j) * s, x + ((long)j * c + ci) * s, sizeof(float) * s);
}
