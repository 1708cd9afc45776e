/* The fused max-pool epilogue's row loops at the avx2 level (pool_rows.h; the skeleton is pool.c).
   Eight output columns at a time (four where a pooled row is narrower than eight: the paper net's
   7-wide one), the even and odd input columns of two rows separated with one shuffle each; a row's
   last vector overlaps the one before instead of being masked (it recomputes the same values).
   Rows narrower than four run the portable loop. Outputs, winners and input gradients match the
   portable C bit for bit; the bias gradient is summed in another order (in double lanes). */
#if defined(__x86_64__)
#include "pool_rows.h"

#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE inline __attribute__((always_inline))

/* One window row at output columns j..j+7: max over the 2x2 windows, first maximum in scan order
   winning; + bias, ReLU; winner 0..3 with 0x80 where the ReLU cut. */
AVX2 static INLINE void forward8(const float *r0, const float *r1, __m256 b, float *y, uint8_t *arg) {
    const __m256 a0 = _mm256_loadu_ps(r0), a1 = _mm256_loadu_ps(r0 + 8);
    const __m256 b0 = _mm256_loadu_ps(r1), b1 = _mm256_loadu_ps(r1 + 8);
    const __m256 v0 = (__m256)_mm256_permute4x64_pd((__m256d)_mm256_shuffle_ps(a0, a1, 0x88), 0xD8);
    const __m256 v1 = (__m256)_mm256_permute4x64_pd((__m256d)_mm256_shuffle_ps(a0, a1, 0xDD), 0xD8);
    const __m256 v2 = (__m256)_mm256_permute4x64_pd((__m256d)_mm256_shuffle_ps(b0, b1, 0x88), 0xD8);
    const __m256 v3 = (__m256)_mm256_permute4x64_pd((__m256d)_mm256_shuffle_ps(b0, b1, 0xDD), 0xD8);
    __m256 m = v0, k;
    __m256 a = _mm256_setzero_ps(); /* winner as float bits of small ints */
    k = _mm256_cmp_ps(v1, m, _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, v1, k); a = _mm256_blendv_ps(a, (__m256)_mm256_set1_epi32(1), k);
    k = _mm256_cmp_ps(v2, m, _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, v2, k); a = _mm256_blendv_ps(a, (__m256)_mm256_set1_epi32(2), k);
    k = _mm256_cmp_ps(v3, m, _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, v3, k); a = _mm256_blendv_ps(a, (__m256)_mm256_set1_epi32(3), k);
    m = _mm256_add_ps(m, b);
    const __m256 live = _mm256_cmp_ps(m, _mm256_setzero_ps(), _CMP_GT_OQ);
    m = _mm256_and_ps(m, live);
    const __m256i ai = _mm256_or_si256((__m256i)a, _mm256_andnot_si256((__m256i)live, _mm256_set1_epi32(0x80)));
    _mm256_storeu_ps(y, m);
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(ai), _mm256_extracti128_si256(ai, 1));
    _mm_storel_epi64((__m128i *)arg, _mm_packus_epi16(p16, p16));
}

AVX2 static INLINE void forward4(const float *r0, const float *r1, __m128 b, float *y, uint8_t *arg) {
    const __m128 a0 = _mm_loadu_ps(r0), a1 = _mm_loadu_ps(r0 + 4);
    const __m128 b0 = _mm_loadu_ps(r1), b1 = _mm_loadu_ps(r1 + 4);
    const __m128 v0 = _mm_shuffle_ps(a0, a1, 0x88), v1 = _mm_shuffle_ps(a0, a1, 0xDD);
    const __m128 v2 = _mm_shuffle_ps(b0, b1, 0x88), v3 = _mm_shuffle_ps(b0, b1, 0xDD);
    __m128 m = v0, k, a = _mm_setzero_ps();
    k = _mm_cmpgt_ps(v1, m);
    m = _mm_blendv_ps(m, v1, k); a = _mm_blendv_ps(a, (__m128)_mm_set1_epi32(1), k);
    k = _mm_cmpgt_ps(v2, m);
    m = _mm_blendv_ps(m, v2, k); a = _mm_blendv_ps(a, (__m128)_mm_set1_epi32(2), k);
    k = _mm_cmpgt_ps(v3, m);
    m = _mm_blendv_ps(m, v3, k); a = _mm_blendv_ps(a, (__m128)_mm_set1_epi32(3), k);
    m = _mm_add_ps(m, b);
    const __m128 live = _mm_cmpgt_ps(m, _mm_setzero_ps());
    m = _mm_and_ps(m, live);
    const __m128i ai = _mm_or_si128((__m128i)a, _mm_andnot_si128((__m128i)live, _mm_set1_epi32(0x80)));
    _mm_storeu_ps(y, m);
    const __m128i p16 = _mm_packs_epi32(ai, ai);
    const int bytes = _mm_cvtsi128_si32(_mm_packus_epi16(p16, p16));
    memcpy(arg, &bytes, 4);
}

AVX2 void lp_pool_rows_forward_avx2(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg) {
    if (ow < 4) { lp_pool_rows_forward_portable(x, w, ow, rows, bias, y, arg); return; }
    const __m256 b8 = _mm256_set1_ps(bias);
    const __m128 b4 = _mm_set1_ps(bias);
    for (int i = 0; i < rows; i++) {
        const float *r0 = x + (long)(2 * i) * w, *r1 = r0 + w;
        float *yr = y + (long)i * ow;
        uint8_t *ar = arg + (long)i * ow;
        if (ow >= 8) {
            for (int j = 0;; j += 8) {
                if (j > ow - 8) j = ow - 8;
                forward8(r0 + 2 * j, r1 + 2 * j, b8, yr + j, ar + j);
                if (j == ow - 8) break;
            }
        } else {
            for (int j = 0;; j += 4) {
                if (j > ow - 4) j = ow - 4;
                forward4(r0 + 2 * j, r1 + 2 * j, b4, yr + j, ar + j);
                if (j == ow - 4) break;
            }
        }
    }
}

/* Backward of one window row at output columns j..j+7: dx rows r0, r1 [2j, 2j+16) written
   (the winner gets dy, the rest 0); returns the live dy, for the bias gradient. */
AVX2 static INLINE __m256 backward8(const float *g, const uint8_t *arg, float *r0, float *r1) {
    const __m256 gv = _mm256_loadu_ps(g);
    const __m256i a = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)arg)); /* dead ones never match 0..3 */
    const __m256 v0 = _mm256_and_ps(gv, (__m256)_mm256_cmpeq_epi32(a, _mm256_setzero_si256()));
    const __m256 v1 = _mm256_and_ps(gv, (__m256)_mm256_cmpeq_epi32(a, _mm256_set1_epi32(1)));
    const __m256 v2 = _mm256_and_ps(gv, (__m256)_mm256_cmpeq_epi32(a, _mm256_set1_epi32(2)));
    const __m256 v3 = _mm256_and_ps(gv, (__m256)_mm256_cmpeq_epi32(a, _mm256_set1_epi32(3)));
    const __m256 l0 = _mm256_unpacklo_ps(v0, v1), h0 = _mm256_unpackhi_ps(v0, v1);
    const __m256 l1 = _mm256_unpacklo_ps(v2, v3), h1 = _mm256_unpackhi_ps(v2, v3);
    _mm256_storeu_ps(r0, _mm256_permute2f128_ps(l0, h0, 0x20));
    _mm256_storeu_ps(r0 + 8, _mm256_permute2f128_ps(l0, h0, 0x31));
    _mm256_storeu_ps(r1, _mm256_permute2f128_ps(l1, h1, 0x20));
    _mm256_storeu_ps(r1 + 8, _mm256_permute2f128_ps(l1, h1, 0x31));
    return _mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3));
}

AVX2 static INLINE __m128 backward4(const float *g, const uint8_t *arg, float *r0, float *r1) {
    const __m128 gv = _mm_loadu_ps(g);
    int bytes;
    memcpy(&bytes, arg, 4);
    const __m128i a = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(bytes));
    const __m128 v0 = _mm_and_ps(gv, (__m128)_mm_cmpeq_epi32(a, _mm_setzero_si128()));
    const __m128 v1 = _mm_and_ps(gv, (__m128)_mm_cmpeq_epi32(a, _mm_set1_epi32(1)));
    const __m128 v2 = _mm_and_ps(gv, (__m128)_mm_cmpeq_epi32(a, _mm_set1_epi32(2)));
    const __m128 v3 = _mm_and_ps(gv, (__m128)_mm_cmpeq_epi32(a, _mm_set1_epi32(3)));
    _mm_storeu_ps(r0, _mm_unpacklo_ps(v0, v1));
    _mm_storeu_ps(r0 + 4, _mm_unpackhi_ps(v0, v1));
    _mm_storeu_ps(r1, _mm_unpacklo_ps(v2, v3));
    _mm_storeu_ps(r1 + 4, _mm_unpackhi_ps(v2, v3));
    return _mm_add_ps(_mm_add_ps(v0, v1), _mm_add_ps(v2, v3));
}

/* lanes >= skip of v (the overlapped last vector adds only the columns not added before) */
AVX2 static INLINE __m256 tail8(__m256 v, int skip) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_ps(v, (__m256)_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(skip - 1)));
}

AVX2 static INLINE __m128 tail4(__m128 v, int skip) {
    const __m128i idx = _mm_setr_epi32(0, 1, 2, 3);
    return _mm_and_ps(v, (__m128)_mm_cmpgt_epi32(idx, _mm_set1_epi32(skip - 1)));
}

AVX2 double lp_pool_rows_backward_avx2(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx) {
    if (ow < 4) return lp_pool_rows_backward_portable(dy, arg, w, ow, rows, dx);
    /* the live dy summed in double lanes (a float lane over a long channel drifts) */
    __m256d sum4 = _mm256_setzero_pd();
    for (int i = 0; i < rows; i++) {
        float *r0 = dx + (long)(2 * i) * w, *r1 = r0 + w;
        const float *gr = dy + (long)i * ow;
        const uint8_t *ar = arg + (long)i * ow;
        if (ow >= 8) {
            for (int j = 0, done = 0;; j += 8) {
                if (j > ow - 8) j = ow - 8;
                const __m256 g = tail8(backward8(gr + j, ar + j, r0 + 2 * j, r1 + 2 * j), done - j);
                sum4 = _mm256_add_pd(sum4, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(g)),
                                                         _mm256_cvtps_pd(_mm256_extractf128_ps(g, 1))));
                done = j + 8;
                if (j == ow - 8) break;
            }
        } else {
            for (int j = 0, done = 0;; j += 4) {
                if (j > ow - 4) j = ow - 4;
                sum4 = _mm256_add_pd(sum4, _mm256_cvtps_pd(tail4(backward4(gr + j, ar + j, r0 + 2 * j, r1 + 2 * j), done - j)));
                done = j + 4;
                if (j == ow - 4) break;
            }
        }
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, sum4);
    return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}
#endif /* __x86_64__ */
