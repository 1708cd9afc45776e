/* fp32 GEMM of our own for the avx512 level (AVX-512 F/VL), reached through lp_gemm_f32.
 *
 * The AVX2 kernel's design (gemm_f32.c) widened to 16-float zmm vectors: broadcast-FMA register
 * tiles, B read in place on a short k, unpacked dot products for A * B^T on a long k. What
 * AVX-512 changes: 32 registers hold a 12 x 32 tile (24 accumulators) and a 6 x 4 dot-product
 * tile; masked loads and stores (__mmask16) take every column and k tail, so a ragged last B panel
 * is read in place rather than packed; and A is read where it lies too (a tile's elements are
 * broadcast straight from A's rows, or from A^T's k-rows), copied only where its stride is a
 * multiple of 512 bytes (all its rows in the same few L1 sets).
 *
 * Key: M, N, K = GEMM sizes; MR x NR = register tile (up to 12 x 32); KC, MC, NC = cache blocks.
 * Operands when copied:
 *   A block [MC x KC]: its rows at a padded stride (op(A) = A), or tiles of mr rows, each
 *                      [KC][mr] (op(A) = A^T);
 *   B block [KC x NC]: panels of 32 columns, each [KC][32], zero-padded at the right edge.
 * Loops: NC block > KC block (B) > MC block (A) > B panel > A tile.
 */
#if defined(__x86_64__)
#include "gemm_f32_internal.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#define INLINE inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 32")

enum {
    MR = 12,
    NR = 32,
    KC = 320,  /* K = 288 in one block (measured: 160..256 no faster on the net's shapes) */
    MC = 144,  /* A block 144 * 320 * 4 = 180 KB, inside L2 (2 MB) */
    NC = 2048, /* B block up to 2.5 MB */
};

/* Rows of the next A tile when `rem` rows are left: 12 where possible, never a tile under 6 unless
   fewer than 6 rows remain in all (13..16 split in two: 16 = 8 + 8, 13 = 7 + 6). */
static INLINE int tile_rows(int rem) {
    if (rem <= MR) return rem;
    if (rem <= 2 * MR - 8) return (rem + 1) / 2;
    return MR;
}

static INLINE __mmask16 first_lanes(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* 8 rows of 8 floats transposed: r[j] lane i <- r[i] lane j (ymm: AVX-512VL keeps 32 of them). */
AVX512 static INLINE void transpose8(__m256 r[8]) {
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

/* ---- Packing. ---- */

/* A^T block: op(A)(i, p) = s[p * ld + i] for rows [0, mb) x k [0, kb) -> tiles [kb][mr], mr
   contiguous floats per k (used where A^T's stride would pile its k-rows into a few L1 sets). */
AVX512 static void pack_a_transposed(const float *s, long ld, int mb, int kb, float *dst) {
    for (int i0 = 0; i0 < mb;) {
        const int mr = tile_rows(mb - i0);
        const __mmask16 m = first_lanes(mr);
        const float *src = s + i0;
        for (int p = 0; p < kb; p++, src += ld, dst += mr) _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, src));
        i0 += mr;
    }
}

/* A block rows [0, mb) x k [0, kb) -> rows at stride `stride` (a copy: the micro-kernel reads
   rows as they are stored, so no transpose is needed). */
AVX512 static void pack_a_rows(const float *s, long ld, int mb, int kb, long stride, float *dst) {
    const __mmask16 tail = first_lanes(kb % 16);
    for (int i = 0; i < mb; i++, s += ld, dst += stride) {
        int p = 0;
        for (; p + 16 <= kb; p += 16) _mm512_storeu_ps(dst + p, _mm512_loadu_ps(s + p));
        if (p < kb) _mm512_mask_storeu_ps(dst + p, tail, _mm512_maskz_loadu_ps(tail, s + p));
    }
}

/* B block k [0, kb) x columns [0, nb) of op(B) (s points at its first element) -> panels [kb][32]. */
AVX512 static void pack_b(int trans, const float *s, long ld, int kb, int nb, float *dst) {
    for (int j0 = 0; j0 < nb; j0 += NR, dst += (long)kb * NR) {
        const int cols = nb - j0 < NR ? nb - j0 : NR;
        if (!trans) { /* op(B)(p, j) = s[p * ld + j] */
            const __mmask16 m0 = first_lanes(cols), m1 = first_lanes(cols - 16);
            const float *src = s + j0;
            for (int p = 0; p < kb; p++, src += ld) {
                _mm512_store_ps(dst + p * NR, _mm512_maskz_loadu_ps(m0, src));
                _mm512_store_ps(dst + p * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
            }
        } else { /* op(B)(p, j) = s[j * ld + p]: 8 x 8 transposes */
            for (int h = 0; h < NR; h += 8) {
                const int rows = cols - h; /* valid rows of s in this quarter, may be <= 0 */
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

/* ---- Micro-kernel: C[mr, cols] (+)= alpha * A tile * B [kc][32 at stride bs]. ---- */
/* The A tile's element (r, p) is ap[p * as + r] (rows = 0: packed, as = mr, or op(A) = A^T read in
   place, as = lda) or ap[r * as + p] (rows = 1: A read in place, as = lda).
   first: this is the first k-block, so beta applies (beta == 0: C is only written); later
   k-blocks add. Only the first cols (<= 16 * nv) columns of B are read and of C written, so B may
   be read in place up to its right edge. */
AVX512 static INLINE void micro(const int mr, const int nv, const int rows, int kc, const float *ap, long as,
                                const float *bp, long bs, float *c, long ldc, float alpha, float beta, int first,
                                int cols) {
    const __mmask16 mk[2] = {first_lanes(cols), first_lanes(cols - 16)};
    __m512 acc[MR][2];
    UNROLL for (int r = 0; r < mr; r++) UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++, bp += bs) {
        __m512 b[2];
        UNROLL for (int v = 0; v < nv; v++) b[v] = _mm512_maskz_loadu_ps(mk[v], bp + 16 * v);
        UNROLL for (int r = 0; r < mr; r++) {
            const __m512 x = _mm512_set1_ps(rows ? ap[r * as + p] : ap[(long)p * as + r]);
            UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_fmadd_ps(x, b[v], acc[r][v]);
        }
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const int mode = !first || beta == 1 ? 1 : beta == 0 ? 0 : 2; /* 0: C = r, 1: C += r, 2: C = r + beta C */
    UNROLL for (int r = 0; r < mr; r++) UNROLL for (int v = 0; v < nv; v++) {
        float *cp = c + r * ldc + 16 * v;
        __m512 x = alpha == 1 ? acc[r][v] : _mm512_mul_ps(acc[r][v], va);
        if (mode == 1) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mk[v], cp));
        else if (mode == 2) x = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk[v], cp), vb, x);
        _mm512_mask_storeu_ps(cp, mk[v], x);
    }
}

typedef void (*micro_fn)(int kc, const float *ap, long as, const float *bp, long bs, float *c, long ldc, float alpha,
                         float beta, int first, int cols);

#define MICRO(mr, nv, rows)                                                                                       \
    AVX512 static void micro_##mr##_##nv##_##rows(int kc, const float *ap, long as, const float *bp, long bs,   \
                                                  float *c, long ldc, float alpha, float beta, int first,       \
                                                  int cols) {                                                   \
        micro(mr, nv, rows, kc, ap, as, bp, bs, c, ldc, alpha, beta, first, cols);                              \
    }
#define MICROS(nv, rows) MICRO(1, nv, rows) MICRO(2, nv, rows) MICRO(3, nv, rows) MICRO(4, nv, rows)           \
    MICRO(5, nv, rows) MICRO(6, nv, rows) MICRO(7, nv, rows) MICRO(8, nv, rows) MICRO(9, nv, rows)            \
    MICRO(10, nv, rows) MICRO(11, nv, rows) MICRO(12, nv, rows)
MICROS(1, 0)
MICROS(2, 0)
MICROS(1, 1)
MICROS(2, 1)

#define MICRO_ROW(nv, rows)                                                                                     \
    {0, micro_1_##nv##_##rows, micro_2_##nv##_##rows, micro_3_##nv##_##rows, micro_4_##nv##_##rows,            \
     micro_5_##nv##_##rows, micro_6_##nv##_##rows, micro_7_##nv##_##rows, micro_8_##nv##_##rows,               \
     micro_9_##nv##_##rows, micro_10_##nv##_##rows, micro_11_##nv##_##rows, micro_12_##nv##_##rows}
/* [rows][nv - 1][mr] */
static const micro_fn micro_table[2][2][MR + 1] = {
    {MICRO_ROW(1, 0), MICRO_ROW(2, 0)},
    {MICRO_ROW(1, 1), MICRO_ROW(2, 1)},
};

/* ---- A times B^T with both operands k-contiguous and a long k (weight gradients): no packing;
   an mr x nr tile (up to 6 x 4: 24 accumulators, 10 loads per 24 multiply-adds) keeps one zmm of partial sums per output along k, summed across
   lanes at the end; the k tail is a masked load. ---- */

/* The lane sums of four vectors, [sum a, sum b, sum c, sum d]: 11 instructions instead of 4 reductions. */
AVX512 static INLINE __m128 sum4(__m512 a, __m512 b, __m512 c, __m512 d) {
    const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b)); /* a b a b per 128 bits */
    const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    const __m512 abcd = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, 0x44), _mm512_shuffle_ps(ab, cd, 0xEE)); /* a b c d */
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(abcd), _mm512_extractf32x8_ps(abcd, 1));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* C[mr, nr] = alpha * sum_p A[r, p] B[j, p] + beta * C (beta == 0: C not read). */
AVX512 static INLINE void dots(const int mr, const int nr, int k, const float *a, long lda, const float *b, long ldb,
                               float *c, long ldc, float alpha, float beta) {
    __m512 acc[6][4];
    UNROLL for (int r = 0; r < mr; r++) UNROLL for (int j = 0; j < nr; j++) acc[r][j] = _mm512_setzero_ps();
    /* B's nr vectors stay in registers and A's rows stream past them: 24 + 4 + 1 registers */
    int p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512 y[4];
        UNROLL for (int j = 0; j < nr; j++) y[j] = _mm512_loadu_ps(b + j * ldb + p);
        UNROLL for (int r = 0; r < mr; r++) {
            const __m512 x = _mm512_loadu_ps(a + r * lda + p);
            UNROLL for (int j = 0; j < nr; j++) acc[r][j] = _mm512_fmadd_ps(x, y[j], acc[r][j]);
        }
    }
    if (p < k) {
        const __mmask16 m = first_lanes(k - p);
        __m512 y[4];
        UNROLL for (int j = 0; j < nr; j++) y[j] = _mm512_maskz_loadu_ps(m, b + j * ldb + p);
        UNROLL for (int r = 0; r < mr; r++) {
            const __m512 x = _mm512_maskz_loadu_ps(m, a + r * lda + p);
            UNROLL for (int j = 0; j < nr; j++) acc[r][j] = _mm512_fmadd_ps(x, y[j], acc[r][j]);
        }
    }
    const __m512 z = _mm512_setzero_ps();
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
#define DOTS(mr, nr)                                                                                              \
    AVX512 static void dots_##mr##_##nr(int k, const float *a, long lda, const float *b, long ldb, float *c, long ldc, \
                                        float alpha, float beta) {                                                \
        dots(mr, nr, k, a, lda, b, ldb, c, ldc, alpha, beta);                                                     \
    }
DOTS(1, 1) DOTS(1, 2) DOTS(1, 3) DOTS(1, 4) DOTS(2, 1) DOTS(2, 2) DOTS(2, 3) DOTS(2, 4)
DOTS(3, 1) DOTS(3, 2) DOTS(3, 3) DOTS(3, 4) DOTS(4, 1) DOTS(4, 2) DOTS(4, 3) DOTS(4, 4)
DOTS(5, 1) DOTS(5, 2) DOTS(5, 3) DOTS(5, 4) DOTS(6, 1) DOTS(6, 2) DOTS(6, 3) DOTS(6, 4)
static const dots_fn dots_table[6][4] = {
    {dots_1_1, dots_1_2, dots_1_3, dots_1_4},
    {dots_2_1, dots_2_2, dots_2_3, dots_2_4},
    {dots_3_1, dots_3_2, dots_3_3, dots_3_4},
    {dots_4_1, dots_4_2, dots_4_3, dots_4_4},
    {dots_5_1, dots_5_2, dots_5_3, dots_5_4},
    {dots_6_1, dots_6_2, dots_6_3, dots_6_4},
};

/* Sizes of `count` items split into near-equal tiles of at most `most` (9 by 4: 3, 3, 3). */
static INLINE int even_tile(int count, int most) {
    const int tiles = (count + most - 1) / most;
    return (count + tiles - 1) / tiles;
}

/* Whether A * B^T goes through dots: a reduction long against the output. */
static INLINE int use_dots(int ta, int tb, int m, int n, int k) {
#ifdef DOTS_ANY
    return !ta && tb && k >= DOTS_ANY;
#endif
    return !ta && tb && k >= 200 && k >= 4 * m && k >= 4 * n;
}

AVX512 static void gemm_dots(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                             float beta, float *c, int ldc) {
    /* A few rows of each (conv1: 9 and 8): k-blocks of ~512 keep both blocks in L1 (1.2x measured).
       Many rows (conv2: 72 and 32): blocks short enough for L1 cost more in lane sums than they
       save, so k runs whole. */
    const int tm = even_tile(m, 6), tn = even_tile(n, 4);
    const int kc = m + n <= 32 ? 512 : k;
    const int kblocks = (k + kc - 1) / kc, kcap = ((k + kblocks - 1) / kblocks + 15) / 16 * 16;
    for (int pc = 0; pc < k; pc += kcap) {
        const int kb = k - pc < kcap ? k - pc : kcap;
        for (int i = 0; i < m; i += tm) {
            const int mr = m - i < tm ? m - i : tm;
            for (int j = 0; j < n; j += tn) {
                const int nr = n - j < tn ? n - j : tn;
                dots_table[mr - 1][nr - 1](kb, a + (long)i * lda + pc, lda, b + (long)j * ldb + pc, ldb,
                                           c + (long)i * ldc + j, ldc, alpha, pc == 0 ? beta : 1);
            }
        }
    }
}

/* Whether B as stored is read in place (masked at its right edge): its k-rows must not pile into
   a few L1 sets (a row stride that is a multiple of 512 bytes would), and either one A tile reads
   it (packing would copy what is read once) or k is short enough with few A tiles that packing
   costs more than it saves (measured: conv3 forward, K = 288 and 6 tiles, runs ~10% faster in
   place with zmm; the AVX2 kernel's limit was 128). */
static INLINE int b_in_place(int tb, int m, int k, int ldb) {
    return !tb && (ldb & 127) != 0 && (m <= MR || (k <= 320 && m <= MC));
}

/* Whether A as stored is read in place: the same L1-set rule as for B (here A's k-rows when
   transposed, its rows otherwise). Measured 5-15% faster than packing on conv2/conv3 (whose
   operands are cache-resident and whose A blocks are reused by few B panels). */
static INLINE int a_in_place(int lda) { return (lda & 127) != 0; }

AVX512 void lp_gemm_f32_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                               const float *b, int ldb, float beta, float *c, int ldc) {
    if (use_dots(ta, tb, m, n, k)) { gemm_dots(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
    /* even blocks: K = 288 is one k-block, M = 288 two 144-row blocks */
    const int kblocks = (k + KC - 1) / KC, kcap = (k + kblocks - 1) / kblocks;
    const int mblocks = (m + MC - 1) / MC, mcap = (m + mblocks - 1) / mblocks;
    const int ncap = n < NC ? n : NC;
    const int direct_b = b_in_place(tb, m, k, ldb), direct_a = a_in_place(lda);
    /* A's tiles are read as rows (rows = 1: not transposed, in place or copied at a stride that
       avoids a 512-byte multiple) or as mr floats per k (rows = 0: transposed, in place or packed) */
    const int rows = !ta;
    long astride = (kcap + 15) / 16 * 16;
    if ((astride & 127) == 0) astride += 16;
    const long bfloats = direct_b ? 0 : (long)kcap * ((ncap + NR - 1) / NR * NR);
    const long afloats = direct_a ? 0 : rows ? mcap * astride : (long)mcap * kcap;
    float *const bpack = lp_scratch(sizeof(float) * (size_t)(bfloats + afloats + 16));
    if (!bpack) { lp_gemm_f32_reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
    float *const apack = bpack + bfloats;
    const micro_fn(*table)[MR + 1] = micro_table[rows];
    for (int jc = 0; jc < n; jc += NC) {
        const int nb = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += kcap) {
            const int kb = k - pc < kcap ? k - pc : kcap;
            const float *bs = tb ? b + (long)jc * ldb + pc : b + (long)pc * ldb + jc;
            if (!direct_b) pack_b(tb, bs, ldb, kb, nb, bpack);
            for (int ic = 0; ic < m; ic += mcap) {
                const int mb = m - ic < mcap ? m - ic : mcap;
                const float *as = ta ? a + (long)pc * lda + ic : a + (long)ic * lda + pc;
                if (!direct_a) {
                    if (rows) pack_a_rows(as, lda, mb, kb, astride, apack);
                    else pack_a_transposed(as, lda, mb, kb, apack);
                }
                /* element (r, p) of the tile at ap: ap[r * astep + p] (rows) or ap[p * astep + r] */
                const long astep = direct_a ? lda : rows ? astride : 0;
                for (int jr = 0; jr < nb; jr += NR) {
                    const int cols = nb - jr < NR ? nb - jr : NR, nv = cols > 16 ? 2 : 1;
                    const float *bp = direct_b ? bs + jr : bpack + (long)(jr / NR) * kb * NR;
                    const long bstride = direct_b ? ldb : NR;
                    const float *ap = direct_a ? as : apack;
                    for (int i0 = 0; i0 < mb;) {
                        const int mr = tile_rows(mb - i0);
                        table[nv - 1][mr](kb, ap, astep ? astep : mr, bp, bstride, c + (long)(ic + i0) * ldc + jc + jr,
                                          ldc, alpha, beta, pc == 0, cols);
                        ap += rows ? mr * astep : direct_a ? mr : (long)mr * kb;
                        i0 += mr;
                    }
                }
            }
        }
    }
}
#endif /* __x86_64__ */
