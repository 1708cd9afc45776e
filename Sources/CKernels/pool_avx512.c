/* The fused max-pool epilogue's row loops at the avx512 level (pool_rows.h; the skeleton is
   pool.c). The four corners of 16 windows are gathered into four vectors and the winner of each
   window tracked with masks (first maximum in scan order), in one of two ways:
   - narrow rows (ow <= 8) whose input rows lie back to back (w = 2 ow: the paper net's 14 -> 7
     and 6 -> 3 pools): 16 / ow window rows share a vector, their 4 ow * (16 / ow) <= 64 input
     floats loaded as four vectors, each corner gathered with two permutes and a blend (one
     window row a vector left 9 or 13 of its 16 lanes idle there);
   - other rows: sixteen output columns of one window row at a time, even and odd input columns
     separated with one permute each.
   The bias gradient is summed in double lanes. */
#if defined(__x86_64__)
#include "pool_rows.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define INLINE inline __attribute__((always_inline))

AVX512 static INLINE __mmask16 first_bits(int n) { return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

/* Window maxima of the corners v0..v3 (top-left, top-right, bottom-left, bottom-right), first in
   scan order winning (replaced only on strictly greater), + bias, ReLU; the winner 0..3 with
   0x80 where the ReLU cut. */
AVX512 static INLINE __m512 pool4(__m512 v0, __m512 v1, __m512 v2, __m512 v3, __m512 bias, __m512i *winner) {
    __m512 m = v0;
    __m512i a = _mm512_setzero_si512();
    __mmask16 k = _mm512_cmp_ps_mask(v1, m, _CMP_GT_OQ);
    m = _mm512_mask_blend_ps(k, m, v1); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(1));
    k = _mm512_cmp_ps_mask(v2, m, _CMP_GT_OQ);
    m = _mm512_mask_blend_ps(k, m, v2); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(2));
    k = _mm512_cmp_ps_mask(v3, m, _CMP_GT_OQ);
    m = _mm512_mask_blend_ps(k, m, v3); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(3));
    m = _mm512_add_ps(m, bias);
    const __mmask16 live = _mm512_cmp_ps_mask(m, _mm512_setzero_ps(), _CMP_GT_OQ);
    *winner = _mm512_mask_or_epi32(a, (__mmask16)~live, a, _mm512_set1_epi32(0x80));
    return _mm512_maskz_mov_ps(live, m);
}

/* The gradient g of `lanes` windows split by winner (dead ones, 0x80, match none): v[k] = g where
   the winner is k. Adds the live g to sum. */
AVX512 static INLINE void unpool4(const float *dy, const uint8_t *arg, __mmask16 lanes, __m512 v[4], __m512d *sum) {
    const __m512 g = _mm512_maskz_loadu_ps(lanes, dy);
    const __m512i a = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, arg));
    const __mmask16 live = _mm512_mask_cmpeq_epi32_mask(lanes, _mm512_and_si512(a, _mm512_set1_epi32(0x80)), _mm512_setzero_si512());
    const __m512 gl = _mm512_maskz_mov_ps(live, g);
    *sum = _mm512_add_pd(*sum, _mm512_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(gl)), _mm512_cvtps_pd(_mm512_extractf32x8_ps(gl, 1))));
    for (int k = 0; k < 4; k++) v[k] = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(k)), gl);
}

/* ---- Narrow rows back to back: tables of the lanes, made once per width. ---- */

/* For ow <= 8 and w = 2 ow: `rows` = 16 / ow window rows a vector, `lanes` = rows * ow of its
   lanes used, the input of a vector = 4 * ow * rows <= 64 floats (registers x0..x3).
   Corner k of lane l is input float src = 4 ow (l / ow) + 2 (l % ow) + (0, 1, 2 ow, 2 ow + 1)[k]:
   corner_idx[k][l] = src % 32 from (x0, x1) where corner_high[k] lacks bit l, else (x2, x3).
   Backward, float p of the input (16 m + i in register m) takes lane back_idx[m][i] % 16 of the
   corner back_idx[m][i] / 16 (0..3): from (v0, v1) where back_high[m] lacks bit i, else (v2, v3). */
typedef struct {
    int ow, rows, lanes;
    int32_t corner_idx[4][16], back_idx[4][16];
    __mmask16 corner_high[4], back_high[4];
} narrow_tables;

static const narrow_tables *narrow_for(int ow) {
    static __thread narrow_tables t;
    if (t.ow == ow) return &t;
    t.ow = ow, t.rows = 16 / ow, t.lanes = t.rows * ow;
    const int offsets[4] = {0, 1, 2 * ow, 2 * ow + 1};
    for (int k = 0; k < 4; k++) {
        t.corner_high[k] = t.back_high[k] = 0;
        for (int l = 0; l < 16; l++) {
            const int src = l < t.lanes ? 4 * ow * (l / ow) + 2 * (l % ow) + offsets[k] : 0;
            t.corner_idx[k][l] = src % 32;
            if (src >= 32) t.corner_high[k] |= (__mmask16)(1u << l);
        }
    }
    for (int m = 0; m < 4; m++)
        for (int i = 0; i < 16; i++) {
            const int p = 16 * m + i, r = p / (4 * ow), rem = p % (4 * ow);
            const int corner = 2 * (rem >= 2 * ow) + (rem % 2), lane = r * ow + (rem % (2 * ow)) / 2;
            const int valid = r < t.rows;
            t.back_idx[m][i] = valid ? (corner % 2) * 16 + lane : 0;
            if (valid && corner >= 2) t.back_high[m] |= (__mmask16)(1u << i);
        }
    return &t;
}

AVX512 static void forward_narrow(const float *x, int ow, int rows, float bias, float *y, uint8_t *arg) {
    const narrow_tables *t = narrow_for(ow);
    const __m512 b = _mm512_set1_ps(bias);
    __m512i idx[4];
    for (int k = 0; k < 4; k++) idx[k] = _mm512_loadu_si512(t->corner_idx[k]);
    for (int i = 0; i < rows; i += t->rows) {
        const int block = rows - i < t->rows ? rows - i : t->rows, floats = 4 * ow * block;
        const float *s = x + 4L * ow * i;
        const __m512 x0 = _mm512_maskz_loadu_ps(first_bits(floats), s), x1 = _mm512_maskz_loadu_ps(first_bits(floats - 16), s + 16);
        const __m512 x2 = _mm512_maskz_loadu_ps(first_bits(floats - 32), s + 32), x3 = _mm512_maskz_loadu_ps(first_bits(floats - 48), s + 48);
        __m512 v[4];
        for (int k = 0; k < 4; k++)
            v[k] = _mm512_mask_blend_ps(t->corner_high[k], _mm512_permutex2var_ps(x0, idx[k], x1), _mm512_permutex2var_ps(x2, idx[k], x3));
        __m512i a;
        const __m512 m = pool4(v[0], v[1], v[2], v[3], b, &a);
        const __mmask16 out = first_bits(ow * block);
        _mm512_mask_storeu_ps(y + (long)ow * i, out, m);
        _mm_mask_storeu_epi8(arg + (long)ow * i, out, _mm512_cvtepi32_epi8(a));
    }
}

AVX512 static double backward_narrow(const float *dy, const uint8_t *arg, int ow, int rows, float *dx) {
    const narrow_tables *t = narrow_for(ow);
    __m512i idx[4];
    for (int m = 0; m < 4; m++) idx[m] = _mm512_loadu_si512(t->back_idx[m]);
    __m512d sum = _mm512_setzero_pd();
    for (int i = 0; i < rows; i += t->rows) {
        const int block = rows - i < t->rows ? rows - i : t->rows, floats = 4 * ow * block;
        __m512 v[4];
        unpool4(dy + (long)ow * i, arg + (long)ow * i, first_bits(ow * block), v, &sum);
        float *d = dx + 4L * ow * i;
        for (int m = 0; m < 4; m++)
            _mm512_mask_storeu_ps(d + 16 * m, first_bits(floats - 16 * m),
                                  _mm512_mask_blend_ps(t->back_high[m], _mm512_permutex2var_ps(v[0], idx[m], v[1]),
                                                       _mm512_permutex2var_ps(v[2], idx[m], v[3])));
    }
    return _mm512_reduce_add_pd(sum);
}

/* ---- Any rows: sixteen output columns of one window row at a time. ---- */

AVX512 void lp_pool_rows_forward_avx512(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg) {
    if (ow <= 8 && w == 2 * ow) { forward_narrow(x, ow, rows, bias, y, arg); return; }
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 b = _mm512_set1_ps(bias);
    for (int i = 0; i < rows; i++) {
        const float *r0 = x + (long)(2 * i) * w, *r1 = r0 + w;
        float *yr = y + (long)i * ow;
        uint8_t *ar = arg + (long)i * ow;
        for (int j = 0; j < ow; j += 16) {
            const int count = ow - j < 16 ? ow - j : 16;
            const __mmask16 lo = first_bits(2 * count), hi = first_bits(2 * count - 16);
            const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * j), a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * j + 16);
            const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * j), b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * j + 16);
            __m512i a;
            const __m512 m = pool4(_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                                   _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1), b, &a);
            const __mmask16 out = first_bits(count);
            _mm512_mask_storeu_ps(yr + j, out, m);
            _mm_mask_storeu_epi8(ar + j, out, _mm512_cvtepi32_epi8(a));
        }
    }
}

AVX512 double lp_pool_rows_backward_avx512(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx) {
    if (ow <= 8 && w == 2 * ow) return backward_narrow(dy, arg, ow, rows, dx);
    /* interleave: lanes 0..15 of the result = (e0, o0, e1, o1, ...) for the low half, then high */
    const __m512i lowHalf = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i highHalf = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512d sum = _mm512_setzero_pd();
    for (int i = 0; i < rows; i++) {
        float *r0 = dx + (long)(2 * i) * w, *r1 = r0 + w;
        for (int j = 0; j < ow; j += 16) {
            const int count = ow - j < 16 ? ow - j : 16;
            __m512 v[4];
            unpool4(dy + (long)i * ow + j, arg + (long)i * ow + j, first_bits(count), v, &sum);
            const __mmask16 lo = first_bits(2 * count), hi = first_bits(2 * count - 16);
            _mm512_mask_storeu_ps(r0 + 2 * j, lo, _mm512_permutex2var_ps(v[0], lowHalf, v[1]));
            _mm512_mask_storeu_ps(r0 + 2 * j + 16, hi, _mm512_permutex2var_ps(v[0], highHalf, v[1]));
            _mm512_mask_storeu_ps(r1 + 2 * j, lo, _mm512_permutex2var_ps(v[2], lowHalf, v[3]));
            _mm512_mask_storeu_ps(r1 + 2 * j + 16, hi, _mm512_permutex2var_ps(v[2], highHalf, v[3]));
        }
    }
    return _mm512_reduce_add_pd(sum);
}
#endif /* __x86_64__ */
