/* fp32 GEMM of our own for the avx2 level (AVX2 + FMA), same contract as lp_sgemm; lp_gemm_f32 below
 * sends the avx512 level and above to gemm_f32_avx512.c, the same design on zmm.
 *
 * Why not OpenBLAS: the net's GEMMs are small (M = 8..64 for the convolutions, K = 9..288) and
 * OpenBLAS packs both operands on every call, which on those shapes costs as much as the
 * arithmetic; and an OpenBLAS loaded with a higher core (AVX-512) would not really run AVX2.
 *
 * Key: M, N, K = GEMM sizes; MR x NR = register tile (up to 6 x 16: 12 ymm accumulators, enough
 * to cover FMA latency 4 x 2 pipes); KC, MC, NC = cache blocks.
 * Packed operands:
 *   A block [MC x KC]: tiles of mr rows (4..6, chosen so M needs no padding), each [KC][mr];
 *   B block [KC x NC]: panels of 16 columns, each [KC][16], zero-padded at the right edge.
 * B as stored (n contiguous) is read in place when k is short and A has few tiles (conv forward
 * and conv1/conv2 input gradients, where packing would cost a quarter of the work): the
 * micro-kernel then loads two vectors per k-row straight from B.
 * A * B^T with a long k (weight gradients) skips packing altogether: see gemm_dots.
 * Loops: NC block > KC block (B packed) > MC block (A packed) > B panel > A tile.
 */
#include "gemm_f32_internal.h"

#include <stdlib.h>
#include <string.h>

/* Reference loop for levels without a kernel of their own (never the fast path). */
void lp_gemm_f32_reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                               const float *b, int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++)
                s += (ta ? a[(long)p * lda + i] : a[(long)i * lda + p]) * (tb ? b[(long)j * ldb + p] : b[(long)p * ldb + j]);
            float *cp = c + (long)i * ldc + j;
            *cp = beta == 0 ? alpha * s : alpha * s + beta * *cp;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

enum {
    MR = 6,
    NR = 16,
    KC = 320,  /* a B panel is 16 * KC * 4 = 20 KB, inside L1 with an A tile */
    MC = 96,   /* A block 96 * 320 * 4 = 120 KB, inside L2 */
    NC = 2048, /* B block up to 2.5 MB (L3) */
};

/* Rows of the next A tile when `rem` rows are left: 6 where possible, never a tile under 4
   unless fewer than 4 rows remain in all (7 = 4 + 3, 8 = 4 + 4, 9 = 5 + 4). */
static INLINE int tile_rows(int rem) {
    if (rem <= 6) return rem;
    if (rem == 7 || rem == 8) return 4;
    if (rem == 9) return 5;
    return 6;
}

AVX2 static INLINE __m256i lane_mask(int count) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), idx);
}

/* ---- Packing. ---- */

/* 8 rows of 8 floats transposed: r[j] lane i <- r[i] lane j. */
AVX2 static INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

/* A block rows [0, mb) x k [0, kb) of op(A) (s points at its first element) -> tiles [kb][mr]. */
AVX2 static void pack_a(int trans, const float *s, long ld, int mb, int kb, float *dst) {
    for (int i0 = 0; i0 < mb;) {
        const int mr = tile_rows(mb - i0);
        if (trans) { /* op(A)(i, p) = s[p * ld + i]: mr contiguous floats per k */
            const float *src = s + i0;
            for (int p = 0; p < kb; p++, src += ld, dst += mr)
                for (int r = 0; r < mr; r++) dst[r] = src[r];
        } else { /* op(A)(i, p) = s[i * ld + p]: 8 k at a time from each row, transposed */
            const float *src = s + (long)i0 * ld;
            int p = 0;
            for (; p + 8 <= kb; p += 8) {
                __m256 t[8];
                for (int r = 0; r < 8; r++) t[r] = r < mr ? _mm256_loadu_ps(src + (long)r * ld + p) : _mm256_setzero_ps();
                transpose8(t);
                /* each store spills 8 - mr floats into the next slot, which the next store (or the
                   next tile, or the block's slack) overwrites */
                for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + q * mr, t[q]);
                dst += 8 * mr;
            }
            for (; p < kb; p++, dst += mr)
                for (int r = 0; r < mr; r++) dst[r] = src[(long)r * ld + p];
        }
        i0 += mr;
    }
}

/* B block k [0, kb) x columns [0, nb) of op(B) (s points at its first element) -> panels [kb][16]. */
AVX2 static void pack_b(int trans, const float *s, long ld, int kb, int nb, float *dst) {
    for (int j0 = 0; j0 < nb; j0 += NR, dst += (long)kb * NR) {
        const int cols = nb - j0 < NR ? nb - j0 : NR;
        if (!trans) { /* op(B)(p, j) = s[p * ld + j] */
            const float *src = s + j0;
            if (cols == NR) {
                for (int p = 0; p < kb; p++, src += ld) {
                    _mm256_store_ps(dst + p * NR, _mm256_loadu_ps(src));
                    _mm256_store_ps(dst + p * NR + 8, _mm256_loadu_ps(src + 8));
                }
            } else {
                const __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8);
                for (int p = 0; p < kb; p++, src += ld) {
                    _mm256_store_ps(dst + p * NR, _mm256_maskload_ps(src, m0));
                    _mm256_store_ps(dst + p * NR + 8, _mm256_maskload_ps(src + 8, m1));
                }
            }
        } else { /* op(B)(p, j) = s[j * ld + p]: 8 x 8 transposes */
            for (int h = 0; h < NR; h += 8) {
                const int rows = cols - h; /* valid rows of s in this half, may be <= 0 */
                const float *src = s + (long)(j0 + h) * ld;
                int p = 0;
                if (rows >= 8) {
                    for (; p + 8 <= kb; p += 8) {
                        __m256 r[8];
                        for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (long)i * ld + p);
                        transpose8(r);
                        for (int q = 0; q < 8; q++) _mm256_store_ps(dst + (p + q) * NR + h, r[q]);
                    }
                }
                for (; p < kb; p++)
                    for (int i = 0; i < 8; i++) dst[p * NR + h + i] = i < rows ? src[(long)i * ld + p] : 0;
            }
        }
    }
}

/* ---- Micro-kernel: C[mr, cols] (+)= alpha * A tile [kc][mr] * B [kc][16 at stride bs]. ---- */
/* first: this is the first k-block, so beta applies (beta == 0: C is only written); later
   k-blocks add. cols < 8 * nv: only the first cols columns are stored. */
AVX2 static INLINE void micro(const int mr, const int nv, int kc, const float *ap, const float *bp, long bs,
                              float *c, long ldc, float alpha, float beta, int first, int cols) {
    __m256 acc[MR][2];
    UNROLL for (int r = 0; r < mr; r++) UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++, ap += mr, bp += bs) {
        __m256 b[2];
        UNROLL for (int v = 0; v < nv; v++) b[v] = _mm256_loadu_ps(bp + 8 * v);
        UNROLL for (int r = 0; r < mr; r++) {
            const __m256 x = _mm256_broadcast_ss(ap + r);
            UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm256_fmadd_ps(x, b[v], acc[r][v]);
        }
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const int mode = !first || beta == 1 ? 1 : beta == 0 ? 0 : 2; /* 0: C = r, 1: C += r, 2: C = r + beta C */
    if (cols == 8 * nv) {
        UNROLL for (int r = 0; r < mr; r++) UNROLL for (int v = 0; v < nv; v++) {
            float *cp = c + r * ldc + 8 * v;
            __m256 x = alpha == 1 ? acc[r][v] : _mm256_mul_ps(acc[r][v], va);
            if (mode == 1) x = _mm256_add_ps(x, _mm256_loadu_ps(cp));
            else if (mode == 2) x = _mm256_fmadd_ps(_mm256_loadu_ps(cp), vb, x);
            _mm256_storeu_ps(cp, x);
        }
    } else {
        const __m256i mk[2] = {lane_mask(cols), lane_mask(cols - 8)};
        UNROLL for (int r = 0; r < mr; r++) UNROLL for (int v = 0; v < nv; v++) {
            if (cols <= 8 * v) continue;
            float *cp = c + r * ldc + 8 * v;
            __m256 x = alpha == 1 ? acc[r][v] : _mm256_mul_ps(acc[r][v], va);
            if (mode == 1) x = _mm256_add_ps(x, _mm256_maskload_ps(cp, mk[v]));
            else if (mode == 2) x = _mm256_fmadd_ps(_mm256_maskload_ps(cp, mk[v]), vb, x);
            _mm256_maskstore_ps(cp, mk[v], x);
        }
    }
}

typedef void (*micro_fn)(int kc, const float *ap, const float *bp, long bs, float *c, long ldc, float alpha,
                         float beta, int first, int cols);

#define MICRO(mr, nv)                                                                                        \
    AVX2 static void micro_##mr##_##nv(int kc, const float *ap, const float *bp, long bs, float *c, long ldc, \
                                       float alpha, float beta, int first, int cols) {                       \
        micro(mr, nv, kc, ap, bp, bs, c, ldc, alpha, beta, first, cols);                                       \
    }
MICRO(1, 1) MICRO(2, 1) MICRO(3, 1) MICRO(4, 1) MICRO(5, 1) MICRO(6, 1)
MICRO(1, 2) MICRO(2, 2) MICRO(3, 2) MICRO(4, 2) MICRO(5, 2) MICRO(6, 2)

static const micro_fn micro_table[2][MR + 1] = {
    {0, micro_1_1, micro_2_1, micro_3_1, micro_4_1, micro_5_1, micro_6_1},
    {0, micro_1_2, micro_2_2, micro_3_2, micro_4_2, micro_5_2, micro_6_2},
};

/* ---- A times B^T with both operands k-contiguous and a long k (weight gradients: the reduction
   runs over every output position of a chunk): no packing; an mr x nr tile (up to 3 x 4) keeps
   one vector of partial sums per output along k, summed across lanes at the end. ---- */

AVX2 static INLINE __m128 sum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* C[mr, nr] = alpha * sum_p A[r, p] B[j, p] + beta * C (beta == 0: C not read). */
AVX2 static INLINE void dots(const int mr, const int nr, int k, const float *a, long lda, const float *b, long ldb,
                             float *c, long ldc, float alpha, float beta) {
    __m256 acc[3][4];
    UNROLL for (int r = 0; r < mr; r++) UNROLL for (int j = 0; j < nr; j++) acc[r][j] = _mm256_setzero_ps();
    int p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256 x[3];
        UNROLL for (int r = 0; r < mr; r++) x[r] = _mm256_loadu_ps(a + r * lda + p);
        UNROLL for (int j = 0; j < nr; j++) {
            const __m256 y = _mm256_loadu_ps(b + j * ldb + p);
            UNROLL for (int r = 0; r < mr; r++) acc[r][j] = _mm256_fmadd_ps(x[r], y, acc[r][j]);
        }
    }
    if (p < k) {
        const __m256i m = lane_mask(k - p);
        __m256 x[3];
        UNROLL for (int r = 0; r < mr; r++) x[r] = _mm256_maskload_ps(a + r * lda + p, m);
        UNROLL for (int j = 0; j < nr; j++) {
            const __m256 y = _mm256_maskload_ps(b + j * ldb + p, m);
            UNROLL for (int r = 0; r < mr; r++) acc[r][j] = _mm256_fmadd_ps(x[r], y, acc[r][j]);
        }
    }
    const __m256 z = _mm256_setzero_ps();
    UNROLL for (int r = 0; r < mr; r++) {
        float s[4];
        _mm_storeu_ps(s, _mm_mul_ps(sum4(acc[r][0], nr > 1 ? acc[r][1] : z, nr > 2 ? acc[r][2] : z, nr > 3 ? acc[r][3] : z),
                                    _mm_set1_ps(alpha)));
        float *cp = c + r * ldc;
        UNROLL for (int j = 0; j < nr; j++) cp[j] = beta == 0 ? s[j] : s[j] + beta * cp[j];
    }
}

typedef void (*dots_fn)(int k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, float alpha,
                        float beta);
#define DOTS(mr, nr)                                                                                          \
    AVX2 static void dots_##mr##_##nr(int k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, \
                                      float alpha, float beta) {                                              \
        dots(mr, nr, k, a, lda, b, ldb, c, ldc, alpha, beta);                                                 \
    }
DOTS(1, 1) DOTS(1, 2) DOTS(1, 3) DOTS(1, 4) DOTS(2, 1) DOTS(2, 2) DOTS(2, 3) DOTS(2, 4)
DOTS(3, 1) DOTS(3, 2) DOTS(3, 3) DOTS(3, 4)
static const dots_fn dots_table[3][4] = {
    {dots_1_1, dots_1_2, dots_1_3, dots_1_4},
    {dots_2_1, dots_2_2, dots_2_3, dots_2_4},
    {dots_3_1, dots_3_2, dots_3_3, dots_3_4},
};

/* Whether A * B^T goes through dots: a reduction long against the output (each output's lane
   sums outlive the horizontal sum) and small enough an output that B stays in cache. */
static INLINE int use_dots(int ta, int tb, int m, int n, int k) {
    return !ta && tb && k >= 256 && k >= 4 * m && k >= 4 * n;
}

AVX2 static void gemm_dots(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                           float beta, float *c, int ldc) {
    for (int i = 0; i < m; i += 3) {
        const int mr = m - i < 3 ? m - i : 3;
        for (int j = 0; j < n; j += 4) {
            const int nr = n - j < 4 ? n - j : 4;
            dots_table[mr - 1][nr - 1](k, a + (long)i * lda, lda, b + (long)j * ldb, ldb, c + (long)i * ldc + j, ldc,
                                       alpha, beta);
        }
    }
}

/* Whether B as stored is read in place: its k-rows must not pile into a few L1 sets (a row
   stride that is a multiple of 512 bytes would), and a short k with few A tiles, where packing
   would cost more than it saves (measured: 1.25x on conv1/conv2 forward; a 288-deep or 48-tile
   product runs 5-20% faster packed). */
static INLINE int b_in_place(int tb, int m, int k, int ldb) { return !tb && (ldb & 127) != 0 && k <= 128 && m <= MC; }

AVX2 static void gemm_avx2(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc) {
    if (use_dots(ta, tb, m, n, k)) { gemm_dots(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
    /* even k-blocks: K = 288 is one block, 7056 is 23 of 307 */
    const int kblocks = (k + KC - 1) / KC, kcap = (k + kblocks - 1) / kblocks;
    const int ncap = n < NC ? n : NC, mcap = m < MC ? m : MC;
    const int direct = b_in_place(tb, m, k, ldb);
    const long bfloats = (long)kcap * ((ncap + NR - 1) / NR * NR);
    float *const bpack = lp_scratch(sizeof(float) * (size_t)(bfloats + (long)mcap * kcap + 16));
    if (!bpack) { lp_gemm_f32_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
    float *const apack = bpack + bfloats;
    for (int jc = 0; jc < n; jc += NC) {
        const int nb = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += kcap) {
            const int kb = k - pc < kcap ? k - pc : kcap;
            const float *bs = tb ? b + (long)jc * ldb + pc : b + (long)pc * ldb + jc;
            if (!direct) pack_b(tb, bs, ldb, kb, nb, bpack);
            else if (nb % NR) /* the ragged last panel is packed (zero-padded) even in place */
                pack_b(0, bs + nb / NR * NR, ldb, kb, nb % NR, bpack);
            for (int ic = 0; ic < m; ic += MC) {
                const int mb = m - ic < MC ? m - ic : MC;
                pack_a(ta, ta ? a + (long)pc * lda + ic : a + (long)ic * lda + pc, lda, mb, kb, apack);
                for (int jr = 0; jr < nb; jr += NR) {
                    const int cols = nb - jr < NR ? nb - jr : NR, nv = cols > 8 ? 2 : 1;
                    const float *bp;
                    long stride;
                    if (direct && cols == NR) bp = bs + jr, stride = ldb;
                    else bp = direct ? bpack : bpack + (long)(jr / NR) * kb * NR, stride = NR;
                    const float *ap = apack;
                    for (int i0 = 0; i0 < mb;) {
                        const int mr = tile_rows(mb - i0);
                        micro_table[nv - 1][mr](kb, ap, bp, stride, c + (long)(ic + i0) * ldc + jc + jr, ldc, alpha,
                                                beta, pc == 0, cols);
                        ap += (long)mr * kb;
                        i0 += mr;
                    }
                }
            }
        }
    }
}
#endif /* __x86_64__ */

void lp_gemm_f32(int isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) { /* C = beta C, without reading A or B */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float *cp = c + (long)i * ldc + j;
                *cp = beta == 0 ? 0 : beta * *cp;
            }
        return;
    }
#if defined(__x86_64__)
    if (lp_isa_allows(isa, LP_ISA_AVX512)) {
        lp_gemm_f32_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (lp_isa_allows(isa, LP_ISA_AVX2)) {
        gemm_avx2(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    lp_gemm_f32_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
