/* Layout kernels at the avx512 level, written with intrinsics (layout_avx512.h): im2col/col2im
 * for 3x3 convolutions and the adaptive average pool. The compiler's vectorisation of the
 * portable bodies (layout.c) spent most of its time on scalar edges and per-row loops on the
 * paper net's small planes; here every 16 outputs are a few vector instructions, steered by
 * small per-thread tables made once per shape:
 *
 * - Whole planes (im2col3x3, col2im3x3): a tap is the run of a channel's planes shifted by
 *   dy*W + dx, so each 16 outputs are one load under a mask of the positions whose shifted pixel
 *   stays in its plane (16 bits a vector a tap; padding and plane edges are zero lanes, which
 *   the masked loads never touch). col2im gathers rather than scatters: each 16 floats of dx
 *   take their nine taps' gradients in tap order, so dx is read and written once.
 * - A window of a small plane (im2col3x3_window, its col2im; the paper net's conv3, 7x7 -> 6x6):
 *   each 16 outputs of a tap gather from at most 32 consecutive floats of the plane, so one
 *   two-source permute (vpermt2ps) under a lane mask makes them from two masked loads.
 * - Adaptive average pool (3x3 -> 4x4 in the paper net): the k*k outputs of a plane are lanes,
 *   and each input is added, broadcast, to the lanes whose windows hold it.
 * Every sum is taken in the order of the portable loop, so results match it bit for bit.
 */
#if defined(__x86_64__)
#include "layout_avx512.h"

#include <immintrin.h>
#include <limits.h>
#include <string.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

AVX512 static inline __mmask16 first_bits(long n) { return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

/* ---- Whole planes: validity bits of the nine taps over a run of planes. ---- */

enum { TAP_WORDS = 1024 }; /* 16-float vectors covered: whole planes of a run of up to 16,384 floats */

/* Bit l of bits[t][v] is set when position p = 16v + l of a run of planes of h x w, moved by
   tap t = 3 (dy + 1) + (dx + 1), stays inside its own plane. The table covers `planes` whole
   planes; a longer run is taken `planes` at a time (the pattern restarts at a plane boundary). */
typedef struct {
    int h, w, planes;
    uint16_t bits[9][TAP_WORDS];
} tap_bits;

static const tap_bits *tap_bits_for(int h, int w) {
    /* three entries: a net's convolutions on whole planes alternate between a few sizes */
    static __thread tap_bits cache[3];
    static __thread int next;
    const long hw = (long)h * w;
    if (hw <= 0 || hw > 16L * TAP_WORDS) return NULL;
    for (int e = 0; e < 3; e++)
        if (cache[e].h == h && cache[e].w == w && cache[e].planes > 0) return &cache[e];
    tap_bits *b = &cache[next];
    next = (next + 1) % 3;
    b->h = h, b->w = w, b->planes = (int)(16L * TAP_WORDS / hw);
    memset(b->bits, 0, sizeof b->bits);
    const long covered = b->planes * hw;
    for (int t = 0; t < 9; t++) {
        const int dy = t / 3 - 1, dx = t % 3 - 1;
        for (long p = 0; p < covered; p++) {
            const long q = p % hw;
            const int y = (int)(q / w) + dy, x = (int)(q % w) + dx;
            if (y >= 0 && y < h && x >= 0 && x < w) b->bits[t][p / 16] |= (uint16_t)(1u << (p % 16));
        }
    }
    return b;
}

static inline long tap_offset(int t, int w) { return (long)(t / 3 - 1) * w + (t % 3 - 1); }

AVX512 int lp_im2col3x3_avx512(const float *x, int c, int n, int h, int w, int n0, int nb, float *col) {
    const tap_bits *tb = tap_bits_for(h, w);
    if (!tb) return 0;
    const long hw = (long)h * w, cols = (long)nb * hw, segment = tb->planes * hw;
    for (int ci = 0; ci < c; ci++) {
        const float *run = x + ((long)ci * n + n0) * hw;
        for (int t = 0; t < 9; t++) {
            const uint16_t *bits = tb->bits[t];
            const long off = tap_offset(t, w);
            float *d = col + ((long)ci * 9 + t) * cols;
            for (long s0 = 0; s0 < cols; s0 += segment) {
                const long len = cols - s0 < segment ? cols - s0 : segment;
                const float *s = run + s0 + off;
                float *o = d + s0;
                long v = 0;
                for (; 16 * v + 16 <= len; v++) _mm512_storeu_ps(o + 16 * v, _mm512_maskz_loadu_ps(bits[v], s + 16 * v));
                if (16 * v < len) {
                    const __mmask16 tail = first_bits(len - 16 * v);
                    _mm512_mask_storeu_ps(o + 16 * v, tail, _mm512_maskz_loadu_ps(bits[v] & tail, s + 16 * v));
                }
            }
        }
    }
    return 1;
}

/* dx[p] += dcol[t][p - off(t)] over the taps t in order, where position p - off(t) of the output
   read p: the tap (-dy, -dx) of p stays in the plane, which is bit p of tap 8 - t. */
AVX512 int lp_col2im3x3_add_avx512(float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx) {
    const tap_bits *tb = tap_bits_for(h, w);
    if (!tb) return 0;
    const long hw = (long)h * w, cols = (long)nb * hw, segment = tb->planes * hw;
    for (int ci = 0; ci < c; ci++) {
        float *run = dx + ((long)ci * n + n0) * hw;
        const float *taps = dcol + (long)ci * 9 * cols;
        for (long s0 = 0; s0 < cols; s0 += segment) {
            const long len = cols - s0 < segment ? cols - s0 : segment;
            for (long v = 0; 16 * v < len; v++) {
                const long p = s0 + 16 * v;
                const __mmask16 live = first_bits(len - 16 * v);
                __m512 acc = _mm512_maskz_loadu_ps(live, run + p);
                for (int t = 0; t < 9; t++) {
                    const __mmask16 m = tb->bits[8 - t][v] & live;
                    acc = _mm512_mask_add_ps(acc, m, acc, _mm512_maskz_loadu_ps(m, taps + t * cols + p - tap_offset(t, w)));
                }
                _mm512_mask_storeu_ps(run + p, live, acc);
            }
        }
    }
    return 1;
}

/* ---- A window of a small plane: one permute of two loads per 16 outputs. ---- */

/* 16 destination floats gathered from the 32 source floats at base: lane l takes source
   base + idx[l] where `lanes` has bit l (0 elsewhere); lo and hi keep the two loads inside the
   source; `store` is the destination's lanes. */
typedef struct {
    int32_t idx[16];
    int base;
    __mmask16 lanes, lo, hi, store;
} gather16;

enum { WINDOW_VECTORS = 4 }; /* destinations of up to 64 floats */

typedef struct {
    int h, w, oh, ow, adjoint; /* the key; adjoint: the col2im plan */
    int vectors;               /* per tap */
    gather16 g[9][WINDOW_VECTORS];
} window_plan;

/* The source index of destination d for tap t: im2col reads pixel (y + dy, x + dx) of the plane
   for output (y, x) of the window; its adjoint reads, for pixel (y, x), the output
   (y - dy, x - dx). -1 where there is none (padding). */
static int window_source(const window_plan *p, int t, int d) {
    const int dy = t / 3 - 1, dx = t % 3 - 1;
    if (!p->adjoint) {
        const int y = d / p->ow + dy, x = d % p->ow + dx;
        return y >= 0 && y < p->h && x >= 0 && x < p->w ? y * p->w + x : -1;
    }
    const int y = d / p->w - dy, x = d % p->w - dx;
    return y >= 0 && y < p->oh && x >= 0 && x < p->ow ? y * p->ow + x : -1;
}

/* The plan, or NULL where a destination is over 64 floats or 16 of them reach over 32 sources. */
static const window_plan *window_plan_for(int h, int w, int oh, int ow, int adjoint) {
    static __thread window_plan cache[2];
    static __thread int usable[2];
    window_plan *p = &cache[adjoint];
    if (p->h == h && p->w == w && p->oh == oh && p->ow == ow && p->adjoint == adjoint && p->vectors > 0)
        return usable[adjoint] ? p : NULL;
    p->h = h, p->w = w, p->oh = oh, p->ow = ow, p->adjoint = adjoint;
    const int destinations = adjoint ? h * w : oh * ow, sources = adjoint ? oh * ow : h * w;
    p->vectors = (destinations + 15) / 16;
    usable[adjoint] = destinations > 0 && destinations <= 16 * WINDOW_VECTORS;
    if (!usable[adjoint]) { p->vectors = p->vectors > 0 ? p->vectors : 1; return NULL; }
    for (int t = 0; t < 9; t++)
        for (int v = 0; v < p->vectors; v++) {
            gather16 *g = &p->g[t][v];
            int lo = INT_MAX, hi = -1;
            for (int l = 0; l < 16 && 16 * v + l < destinations; l++) {
                const int s = window_source(p, t, 16 * v + l);
                if (s >= 0) lo = s < lo ? s : lo, hi = s > hi ? s : hi;
            }
            g->base = hi < 0 ? 0 : lo;
            if (hi - g->base >= 32) { usable[adjoint] = 0; return NULL; }
            g->lanes = g->lo = g->hi = g->store = 0;
            for (int l = 0; l < 16; l++) {
                const int d = 16 * v + l, s = d < destinations ? window_source(p, t, d) : -1;
                g->idx[l] = s >= 0 ? s - g->base : 0;
                if (s >= 0) g->lanes |= (__mmask16)(1u << l);
                if (d < destinations) g->store |= (__mmask16)(1u << l);
                if (g->base + l < sources) g->lo |= (__mmask16)(1u << l);
                if (g->base + 16 + l < sources) g->hi |= (__mmask16)(1u << l);
            }
        }
    return p;
}

AVX512 int lp_im2col3x3_window_avx512(const float *x, int c, int n, int h, int w, int oh, int ow, int n0, int nb,
                                      float *col) {
    const window_plan *p = window_plan_for(h, w, oh, ow, 0);
    if (!p) return 0;
    const long hw = (long)h * w, ohw = (long)oh * ow, cols = (long)nb * ohw;
    /* a gather's index and masks stay in registers over the chunk's planes */
    for (int ci = 0; ci < c; ci++)
        for (int t = 0; t < 9; t++)
            for (int v = 0; v < p->vectors; v++) {
                const gather16 g = p->g[t][v];
                const __m512i idx = _mm512_loadu_si512(g.idx);
                const float *plane = x + ((long)ci * n + n0) * hw + g.base;
                float *d = col + ((long)ci * 9 + t) * cols + 16 * v;
                for (int j = 0; j < nb; j++, plane += hw, d += ohw) {
                    const __m512 lo = _mm512_maskz_loadu_ps(g.lo, plane), hi = _mm512_maskz_loadu_ps(g.hi, plane + 16);
                    _mm512_mask_storeu_ps(d, g.store, _mm512_maskz_permutex2var_ps(g.lanes, lo, idx, hi));
                }
            }
    return 1;
}

/* Each 16 floats of a dx plane take the nine taps' gradients in tap order, in the portable loop's
   order: summed from zero and then added to dx where its rows are 8 floats or fewer (it sums a
   bordered plane), added straight to dx otherwise. */
AVX512 int lp_col2im3x3_window_add_avx512(const float *dcol, int c, int n, int h, int w, int oh, int ow, int n0, int nb,
                                          float *dx) {
    const window_plan *p = window_plan_for(h, w, oh, ow, 1);
    if (!p) return 0;
    const long hw = (long)h * w, ohw = (long)oh * ow, cols = (long)nb * ohw;
    /* the nine gathers' indices stay in registers over the chunk's planes */
    for (int ci = 0; ci < c; ci++)
        for (int v = 0; v < p->vectors; v++) {
            __m512i idx[9];
            for (int t = 0; t < 9; t++) idx[t] = _mm512_loadu_si512(p->g[t][v].idx);
            const __mmask16 store = p->g[0][v].store;
            for (int j = 0; j < nb; j++) {
                float *d = dx + ((long)ci * n + n0 + j) * hw + 16 * v;
                const float *taps = dcol + (long)ci * 9 * cols + j * ohw;
                const __m512 old = _mm512_maskz_loadu_ps(store, d);
                __m512 acc = ow <= 8 ? _mm512_setzero_ps() : old;
                for (int t = 0; t < 9; t++) {
                    const gather16 *g = &p->g[t][v];
                    const float *s = taps + t * cols + g->base;
                    const __m512 lo = _mm512_maskz_loadu_ps(g->lo, s), hi = _mm512_maskz_loadu_ps(g->hi, s + 16);
                    acc = _mm512_mask_add_ps(acc, g->lanes, acc, _mm512_permutex2var_ps(lo, idx[t], hi));
                }
                _mm512_mask_storeu_ps(d, store, ow <= 8 ? _mm512_add_ps(old, acc) : acc);
            }
        }
    return 1;
}

/* ---- Adaptive average pool: outputs as lanes. ---- */

enum { POOL_LANES = 64 }; /* planes and k*k of up to 64 floats */

/* PyTorch's windows [floor(i*n/k), ceil((i+1)*n/k)) (as layout.c). into[i][v]: the output lanes
   of vector v whose window holds input i; from[o][u]: the input lanes of vector u in output o's
   window; weight[o] = 1 / its window's size. */
typedef struct {
    int h, w, k, usable;
    __mmask16 into[POOL_LANES][POOL_LANES / 16], from[POOL_LANES][POOL_LANES / 16];
    float weight[POOL_LANES];
} average_plan;

static const average_plan *average_plan_for(int h, int w, int k) {
    static __thread average_plan plan;
    average_plan *p = &plan;
    if (p->h == h && p->w == w && p->k == k && p->k > 0) return p->usable ? p : NULL;
    p->h = h, p->w = w, p->k = k;
    p->usable = k > 0 && h > 0 && w > 0 && k * k <= POOL_LANES && h * w <= POOL_LANES;
    if (!p->usable) return NULL;
    memset(p->into, 0, sizeof p->into);
    memset(p->from, 0, sizeof p->from);
    memset(p->weight, 0, sizeof p->weight);
    for (int a = 0; a < k; a++) {
        const int y0 = a * h / k, y1 = ((a + 1) * h + k - 1) / k;
        for (int b = 0; b < k; b++) {
            const int x0 = b * w / k, x1 = ((b + 1) * w + k - 1) / k, o = a * k + b;
            p->weight[o] = 1.0f / (float)((y1 - y0) * (x1 - x0));
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++) {
                    const int i = y * w + x;
                    p->into[i][o / 16] |= (__mmask16)(1u << (o % 16));
                    p->from[o][i / 16] |= (__mmask16)(1u << (i % 16));
                }
        }
    }
    return p;
}

/* y[o] = (sum of the window's inputs, in index order) * weight[o], as the portable loop, for
   `group` planes at once (their sums are independent chains the core overlaps). Plane g: inputs
   x + g * hw, outputs y + g * ystride; `vectors` of outputs each. */
AVX512 static inline __attribute__((always_inline)) void average_forward(const average_plan *p, const float *x, int hw, float *y,
                                                                          long ystride, int kk, const int group, const int vectors) {
    __m512 acc[4][POOL_LANES / 16];
    for (int g = 0; g < group; g++)
        for (int v = 0; v < vectors; v++) acc[g][v] = _mm512_setzero_ps();
    for (int i = 0; i < hw; i++)
        for (int v = 0; v < vectors; v++) {
            const __mmask16 m = p->into[i][v];
            for (int g = 0; g < group; g++) acc[g][v] = _mm512_mask_add_ps(acc[g][v], m, acc[g][v], _mm512_set1_ps(x[(long)g * hw + i]));
        }
    for (int g = 0; g < group; g++)
        for (int v = 0; v < vectors; v++)
            _mm512_mask_storeu_ps(y + g * ystride + 16 * v, first_bits(kk - 16 * v), _mm512_mul_ps(acc[g][v], _mm512_loadu_ps(p->weight + 16 * v)));
}

AVX512 int lp_adaptive_avgpool_forward_avx512(const float *x, int c, int n, int h, int w, int k, float *y) {
    const average_plan *p = average_plan_for(h, w, k);
    if (!p) return 0;
    const int hw = h * w, kk = k * k, vectors = (kk + 15) / 16;
    const long ystride = (long)c * kk;
    for (int ci = 0; ci < c; ci++) {
        int j = 0;
        if (vectors == 1)
            for (; j + 4 <= n; j += 4) average_forward(p, x + ((long)ci * n + j) * hw, hw, y + (long)j * ystride + (long)ci * kk, ystride, kk, 4, 1);
        for (; j < n; j++) average_forward(p, x + ((long)ci * n + j) * hw, hw, y + (long)j * ystride + (long)ci * kk, ystride, kk, 1, vectors);
    }
    return 1;
}

/* dx[i] = sum over the outputs o whose window holds i, in order, of dy[o] * weight[o], for
   `group` planes at once. Plane g: gradients dy + g * dystride, dx + g * hw; `vectors` of dx each. */
AVX512 static inline __attribute__((always_inline)) void average_backward(const average_plan *p, const float *dy, long dystride, int kk,
                                                                           float *dx, int hw, const int group, const int vectors) {
    float g[4][POOL_LANES];
    for (int q = 0; q < group; q++)
        for (int v = 0; 16 * v < kk; v++)
            _mm512_storeu_ps(g[q] + 16 * v, _mm512_mul_ps(_mm512_maskz_loadu_ps(first_bits(kk - 16 * v), dy + q * dystride + 16 * v),
                                                          _mm512_loadu_ps(p->weight + 16 * v)));
    __m512 acc[4][POOL_LANES / 16];
    for (int q = 0; q < group; q++)
        for (int u = 0; u < vectors; u++) acc[q][u] = _mm512_setzero_ps();
    for (int o = 0; o < kk; o++)
        for (int u = 0; u < vectors; u++) {
            const __mmask16 m = p->from[o][u];
            for (int q = 0; q < group; q++) acc[q][u] = _mm512_mask_add_ps(acc[q][u], m, acc[q][u], _mm512_set1_ps(g[q][o]));
        }
    for (int q = 0; q < group; q++)
        for (int u = 0; u < vectors; u++) _mm512_mask_storeu_ps(dx + (long)q * hw + 16 * u, first_bits(hw - 16 * u), acc[q][u]);
}

AVX512 int lp_adaptive_avgpool_backward_avx512(const float *dy, int c, int n, int h, int w, int k, float *dx) {
    const average_plan *p = average_plan_for(h, w, k);
    if (!p) return 0;
    const int hw = h * w, kk = k * k, vectors = (hw + 15) / 16;
    const long dystride = (long)c * kk;
    for (int ci = 0; ci < c; ci++) {
        int j = 0;
        if (vectors == 1)
            for (; j + 4 <= n; j += 4) average_backward(p, dy + (long)j * dystride + (long)ci * kk, dystride, kk, dx + ((long)ci * n + j) * hw, hw, 4, 1);
        for (; j < n; j++) average_backward(p, dy + (long)j * dystride + (long)ci * kk, dystride, kk, dx + ((long)ci * n + j) * hw, hw, 1, vectors);
    }
    return 1;
}
#endif /* __x86_64__ */
