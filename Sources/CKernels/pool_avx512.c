/* The fused max-pool epilogue's row loops at the avx512 level (pool_rows.h; the skeleton is
   pool.c). Sixteen output columns at a time: the even and odd input columns of two rows are
   separated with one permute each, and the winner of each window is tracked with masks. */
#if defined(__x86_64__)
#include "pool_rows.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

AVX512 static inline __mmask16 first_bits(int n) { return n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1); }

AVX512 void lp_pool_rows_forward_avx512(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 zero = _mm512_setzero_ps(), b = _mm512_set1_ps(bias);
    for (int i = 0; i < rows; i++) {
        const float *r0 = x + (long)(2 * i) * w, *r1 = r0 + w;
        float *yr = y + (long)i * ow;
        uint8_t *ar = arg + (long)i * ow;
        for (int j = 0; j < ow; j += 16) {
            const int count = ow - j < 16 ? ow - j : 16;
            const __mmask16 lo = first_bits(2 * count), hi = first_bits(2 * count - 16 > 0 ? 2 * count - 16 : 0);
            const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * j), a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * j + 16);
            const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * j), b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * j + 16);
            const __m512 v0 = _mm512_permutex2var_ps(a0, even, a1), v1 = _mm512_permutex2var_ps(a0, odd, a1);
            const __m512 v2 = _mm512_permutex2var_ps(b0, even, b1), v3 = _mm512_permutex2var_ps(b0, odd, b1);
            /* first maximum in scan order wins: replace only on strictly greater */
            __m512 m = v0;
            __m512i a = _mm512_setzero_si512();
            __mmask16 k = _mm512_cmp_ps_mask(v1, m, _CMP_GT_OQ);
            m = _mm512_mask_blend_ps(k, m, v1); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(1));
            k = _mm512_cmp_ps_mask(v2, m, _CMP_GT_OQ);
            m = _mm512_mask_blend_ps(k, m, v2); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(2));
            k = _mm512_cmp_ps_mask(v3, m, _CMP_GT_OQ);
            m = _mm512_mask_blend_ps(k, m, v3); a = _mm512_mask_blend_epi32(k, a, _mm512_set1_epi32(3));
            m = _mm512_add_ps(m, b);
            const __mmask16 live = _mm512_cmp_ps_mask(m, zero, _CMP_GT_OQ);
            m = _mm512_maskz_mov_ps(live, m);
            a = _mm512_mask_or_epi32(a, (__mmask16)~live, a, _mm512_set1_epi32(0x80));
            const __mmask16 out = first_bits(count);
            _mm512_mask_storeu_ps(yr + j, out, m);
            _mm_mask_storeu_epi8(ar + j, out, _mm512_cvtepi32_epi8(a));
        }
    }
}

AVX512 double lp_pool_rows_backward_avx512(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx) {
    /* interleave: lanes 0..15 of the result = (e0, o0, e1, o1, ...) for the low half, then high */
    const __m512i lowHalf = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i highHalf = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512 sum = _mm512_setzero_ps();
    for (int i = 0; i < rows; i++) {
        float *r0 = dx + (long)(2 * i) * w, *r1 = r0 + w;
        const float *gr = dy + (long)i * ow;
        const uint8_t *ar = arg + (long)i * ow;
        for (int j = 0; j < ow; j += 16) {
            const int count = ow - j < 16 ? ow - j : 16;
            const __mmask16 out = first_bits(count);
            const __m512 g = _mm512_maskz_loadu_ps(out, gr + j);
            const __m512i a = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(out, ar + j));
            const __m512i dead = _mm512_set1_epi32(0x80);
            const __mmask16 live = _mm512_mask_cmpeq_epi32_mask(out, _mm512_and_si512(a, dead), _mm512_setzero_si512());
            sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(live, g));
            const __m512 v0 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(0)), g);
            const __m512 v1 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(1)), g);
            const __m512 v2 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(2)), g);
            const __m512 v3 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(a, _mm512_set1_epi32(3)), g);
            const __mmask16 lo = first_bits(2 * count), hi = first_bits(2 * count - 16 > 0 ? 2 * count - 16 : 0);
            _mm512_mask_storeu_ps(r0 + 2 * j, lo, _mm512_permutex2var_ps(v0, lowHalf, v1));
            _mm512_mask_storeu_ps(r0 + 2 * j + 16, hi, _mm512_permutex2var_ps(v0, highHalf, v1));
            _mm512_mask_storeu_ps(r1 + 2 * j, lo, _mm512_permutex2var_ps(v2, lowHalf, v3));
            _mm512_mask_storeu_ps(r1 + 2 * j + 16, hi, _mm512_permutex2var_ps(v2, highHalf, v3));
        }
    }
    return _mm512_reduce_add_ps(sum);
}
#endif /* __x86_64__ */
