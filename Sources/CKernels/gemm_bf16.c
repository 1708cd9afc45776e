/* GEMM with bf16 inputs and fp32 accumulation (vdpbf16ps), for CPUs with AVX512_BF16.
 *
 * Same contract as lp_sgemm (row-major; trans 0 = as stored, 1 = transposed), except that op(A)
 * and op(B) are rounded to bf16 (round to nearest even, as vcvtne2ps2bf16) before multiplying.
 * Products of two bf16 are exact in fp32, so the only error beyond the input rounding is fp32
 * summation.
 *
 * Key: M, N, K = GEMM sizes; a pair = one uint32 holding the bf16 values at k = 2q (low half) and
 * k = 2q + 1 (high half); Q = pairs in a k-block (odd K pads the last pair with zero).
 * Packed operands, one k-block at a time:
 *   A, as stored (k contiguous):      [M][Q] pairs          -- a plain conversion
 *   A, transposed (m contiguous):     [M/MR][Q][MR] pairs   -- two k-rows interleaved
 *   B panel, as stored (n contiguous): [Q][NR] pairs        -- two k-rows interleaved
 *   B panel, transposed:              [Q][NR] pairs         -- 16 x 16 transposes
 * The micro-kernel holds an MR x NR block of C in MR * NR/16 zmm accumulators (16: enough to
 * cover the instruction's 6-cycle latency at two per cycle) and broadcasts one pair of A per row
 * for NR/16 vdpbf16ps. With a single row tile (M <= MR) and B as stored, B is converted inside
 * the kernel instead of being packed (conv1: M = 8, K = 9, where packing would cost as much as
 * the arithmetic).
 * Loops: k-block (KC) > m-block (MC, A packed once) > B panel (packed into L1) > A tile.
 */
#include "lp_kernels.h"
#include "scratch.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define INLINE inline __attribute__((always_inline))

enum {
    MR = 8,              /* rows of a micro-tile (a packed A tile is MR wide) */
    NR = 48,             /* widest micro-tile: NV zmm (a B panel row is always NR wide) */
    NV = NR / 16,
    KC = 384,            /* largest k-block: a B panel is NR * KC * 2 = 36 KB, inside L1 */
    A_BLOCK = 192 << 10, /* bytes of packed A per m-block, inside L2 */
    B_BLOCK = 384 << 10, /* bytes of packed B per n-block, inside L2 */
};


/* ---- Packing: fp32 -> bf16 pairs. ---- */

BF16 static INLINE __mmask16 first_bits(int n) {
    return n >= 16 ? 0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

static const short lace[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                               8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};

/* Two k-rows of 16 columns -> 16 pairs: dword j = (r0[j], r1[j]). */
BF16 static INLINE __m512i interleave(__m512 r0, __m512 r1, __m512i order) {
    return _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(r1, r0));
}

/* X(x, p) = s[p * ld + x] (x contiguous: B as stored, or A transposed), x < nx, p < kk ->
   tiles [ceil(nx/w)][Q][w], w = 8 or a multiple of 16. Reads two whole k-rows at a time: rows
   4 KB apart would alias in L1 if read a tile's width at a time. */
BF16 static INLINE void pack_x_contiguous(const float *s, long ld, int nx, int kk, const int w, uint32_t *dst) {
    const __m512i order = _mm512_loadu_si512(lace);
    const int nq = (kk + 1) / 2;
    const long tile = (long)nq * w;
    for (int q = 0; q < nq; q++, s += 2 * ld, dst += w) {
        const int pair = 2 * q + 1 < kk;
        for (int x = 0; x < nx; x += 16) {
            const __mmask16 valid = first_bits(nx - x);
            const __m512 hi = pair ? _mm512_maskz_loadu_ps(valid, s + ld + x) : _mm512_setzero_ps();
            const __m512i v = interleave(_mm512_maskz_loadu_ps(valid, s + x), hi, order);
            if (w % 16 == 0) {
                _mm512_store_si512(dst + x / w * tile + x % w, v);
            } else { /* w == 8: the 16 columns span two tiles */
                uint32_t *d = dst + x / 8 * tile;
                _mm256_store_si256((__m256i *)d, _mm512_castsi512_si256(v));
                if (nx - x > 8) _mm256_store_si256((__m256i *)(d + tile), _mm512_extracti64x4_epi64(v, 1));
            }
        }
    }
}

/* X(x, p) = s[x * ld + p] (k contiguous: A as stored), x < nx, p < kk -> rows [nx][rs] holding
   Q pairs each (rs a multiple of 16): a plain conversion. */
BF16 static void pack_rows(const float *s, long ld, int nx, int kk, long rs, uint32_t *dst) {
    const int nq = (kk + 1) / 2, full = kk / 32 * 16; /* full: pairs in whole 32-float blocks */
    const __mmask16 lo = first_bits(kk - 2 * full), hi = first_bits(kk - 2 * full - 16);
    for (int x = 0; x < nx; x++, s += ld, dst += rs) {
        for (int q = 0; q < full; q += 16)
            _mm512_store_si512(dst + q, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + 2 * q + 16),
                                                                      _mm512_loadu_ps(s + 2 * q)));
        if (full < nq)
            _mm512_store_si512(dst + full, (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, s + 2 * full + 16),
                                                                         _mm512_maskz_loadu_ps(lo, s + 2 * full)));
    }
}

/* Transposes 16 rows of 16 dwords in place: r[j] lane i <- r[i] lane j. */
BF16 static INLINE void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int g = 0; g < 16; g += 4) {
        const __m512i a = _mm512_unpacklo_epi32(r[g], r[g + 1]), b = _mm512_unpackhi_epi32(r[g], r[g + 1]);
        const __m512i c = _mm512_unpacklo_epi32(r[g + 2], r[g + 3]), d = _mm512_unpackhi_epi32(r[g + 2], r[g + 3]);
        /* t[g + c] lane l = column 4l + c of rows g..g+3 */
        t[g] = _mm512_unpacklo_epi64(a, c);
        t[g + 1] = _mm512_unpackhi_epi64(a, c);
        t[g + 2] = _mm512_unpacklo_epi64(b, d);
        t[g + 3] = _mm512_unpackhi_epi64(b, d);
    }
    for (int c = 0; c < 4; c++) {
        const __m512i s0 = _mm512_shuffle_i32x4(t[c], t[4 + c], 0x44), s1 = _mm512_shuffle_i32x4(t[c], t[4 + c], 0xEE);
        const __m512i s2 = _mm512_shuffle_i32x4(t[8 + c], t[12 + c], 0x44), s3 = _mm512_shuffle_i32x4(t[8 + c], t[12 + c], 0xEE);
        r[c] = _mm512_shuffle_i32x4(s0, s2, 0x88);
        r[4 + c] = _mm512_shuffle_i32x4(s0, s2, 0xDD);
        r[8 + c] = _mm512_shuffle_i32x4(s1, s3, 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(s1, s3, 0xDD);
    }
}

/* X(x, p) = s[x * ld + p] (k contiguous: B transposed), x < nx <= w, p < kk -> one panel [Q][w],
   w a multiple of 16. A row's 32 floats are 16 pairs; 16 rows are transposed together. */
BF16 static void pack_k_contiguous(const float *s, long ld, int nx, int kk, const int w, uint32_t *dst) {
    const int nq = (kk + 1) / 2;
    for (int x = 0; x < nx; x += 16) {
        const int rows = nx - x < 16 ? nx - x : 16;
        for (int q0 = 0; q0 < nq; q0 += 16) {
            const int left = kk - 2 * q0;
            const __mmask16 lo = first_bits(left), hi = first_bits(left - 16);
            __m512i r[16];
            const float *p = s + (long)x * ld + 2 * q0;
            if (rows == 16 && left >= 32) {
                for (int i = 0; i < 16; i++, p += ld)
                    r[i] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(p + 16), _mm512_loadu_ps(p));
            } else {
                for (int i = 0; i < 16; i++, p += ld)
                    r[i] = i < rows ? (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, p + 16), _mm512_maskz_loadu_ps(lo, p))
                                    : _mm512_setzero_si512();
            }
            transpose16(r);
            const int count = nq - q0 < 16 ? nq - q0 : 16;
            uint32_t *d = dst + (long)q0 * w + x;
            for (int j = 0; j < count; j++) _mm512_store_si512(d + (long)j * w, r[j]);
        }
    }
}

/* ---- Micro-kernels: C[mr, nv*16 (last vector masked)] = alpha * A tile * B + beta * C. ---- */
/* A tile: pair q of row r at ap[r * rs + q * qs]. */

#define UNROLL _Pragma("GCC unroll 16")

/* beta_mode: 0 = C is only written, 1 = C += result, 2 = C = result + beta * C. */
BF16 static INLINE void store_c(const int mr, const int nv, const int beta_mode, __m512 acc[MR][NV],
                                float *c, long ldc, float alpha, float beta, __mmask16 last) {
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    UNROLL for (int r = 0; r < mr; r++) {
        UNROLL for (int v = 0; v < nv; v++) {
            float *cp = c + r * ldc + 16 * v;
            const __mmask16 keep = v == nv - 1 ? last : 0xFFFF;
            __m512 x = alpha == 1 ? acc[r][v] : _mm512_mul_ps(acc[r][v], va);
            if (beta_mode == 1) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(keep, cp));
            if (beta_mode == 2) x = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(keep, cp), vb, x);
            _mm512_mask_storeu_ps(cp, keep, x);
        }
    }
}

BF16 static INLINE void store_any(const int mr, const int nv, __m512 acc[MR][NV], float *c, long ldc,
                                  float alpha, float beta, __mmask16 last) {
    if (beta == 0) store_c(mr, nv, 0, acc, c, ldc, alpha, beta, last);
    else if (beta == 1) store_c(mr, nv, 1, acc, c, ldc, alpha, beta, last);
    else store_c(mr, nv, 2, acc, c, ldc, alpha, beta, last);
}

#define BROADCAST(q) ((__m512bh)_mm512_set1_epi32((int)a[r][(long)(q) * qs]))

/* B from a packed panel [Q][NR]. */
/* With `ahead` set, each pair step also prefetches one line of the next A tile's fp32 rows
   (k contiguous, stride ald): row q % 8, line q / 8, so Q steps cover 8 rows of 2Q floats. */
BF16 static INLINE void micro(const int mr, const int nv, const int ahead, int nq, const uint32_t *ap, long rs,
                              long qs, const uint32_t *bp, float *c, long ldc, float alpha, float beta,
                              __mmask16 last, const float *next, long ald) {
    const uint32_t *a[MR];
    __m512 acc[MR][NV];
    UNROLL for (int r = 0; r < mr; r++) {
        a[r] = ap + r * rs;
        UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
    }
    if (nv == 1) {
        /* one vector of columns: even and odd pairs in separate accumulators, so 2 * mr chains
           hide the latency */
        __m512 odd[MR];
        UNROLL for (int r = 0; r < mr; r++) odd[r] = _mm512_setzero_ps();
        int q = 0;
        for (; q + 1 < nq; q += 2) {
            if (ahead) {
                _mm_prefetch((const char *)(next + (q & 7) * ald + (q >> 3) * 16), _MM_HINT_T0);
                _mm_prefetch((const char *)(next + ((q + 1) & 7) * ald + ((q + 1) >> 3) * 16), _MM_HINT_T0);
            }
            const __m512bh b0 = (__m512bh)_mm512_load_si512(bp + (long)q * NR);
            const __m512bh b1 = (__m512bh)_mm512_load_si512(bp + (long)q * NR + NR);
            UNROLL for (int r = 0; r < mr; r++) {
                acc[r][0] = _mm512_dpbf16_ps(acc[r][0], b0, BROADCAST(q));
                odd[r] = _mm512_dpbf16_ps(odd[r], b1, BROADCAST(q + 1));
            }
        }
        if (q < nq) {
            const __m512bh b0 = (__m512bh)_mm512_load_si512(bp + (long)q * NR);
            UNROLL for (int r = 0; r < mr; r++) acc[r][0] = _mm512_dpbf16_ps(acc[r][0], b0, BROADCAST(q));
        }
        UNROLL for (int r = 0; r < mr; r++) acc[r][0] = _mm512_add_ps(acc[r][0], odd[r]);
    } else {
        for (int q = 0; q < nq; q++) {
            if (ahead) _mm_prefetch((const char *)(next + (q & 7) * ald + (q >> 3) * 16), _MM_HINT_T0);
            __m512bh b[NV];
            UNROLL for (int v = 0; v < nv; v++) b[v] = (__m512bh)_mm512_load_si512(bp + (long)q * NR + 16 * v);
            UNROLL for (int r = 0; r < mr; r++) {
                const __m512bh x = BROADCAST(q);
                UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], b[v], x);
            }
        }
    }
    store_any(mr, nv, acc, c, ldc, alpha, beta, last);
}

/* B as stored, fp32 [kk][ldb], converted here: two k-rows -> one vector of pairs per 16 columns. */
BF16 static INLINE void micro_raw(const int mr, const int nv, int kk, const uint32_t *ap, long rs, long qs,
                                  const float *bs, long ldb, uint32_t *out, float *c, long ldc, float alpha,
                                  float beta, __mmask16 last) {
    static const short lace[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,
                                   8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i order = _mm512_loadu_si512(lace);
    const uint32_t *a[MR];
    __m512 acc[MR][NV];
    UNROLL for (int r = 0; r < mr; r++) {
        a[r] = ap + r * rs;
        UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
    }
    const int nq = (kk + 1) / 2;
    for (int q = 0; q < nq; q++) {
        const float *r0 = bs + 2L * q * ldb, *r1 = r0 + ldb;
        const int pair = 2 * q + 1 < kk;
        __m512bh b[NV];
        UNROLL for (int v = 0; v < nv; v++) {
            const __mmask16 keep = v == nv - 1 ? last : 0xFFFF;
            const __m512 lo = _mm512_maskz_loadu_ps(keep, r0 + 16 * v);
            const __m512 hi = _mm512_maskz_loadu_ps(pair ? keep : 0, r1 + 16 * v);
            b[v] = (__m512bh)_mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
        if (out) UNROLL for (int v = 0; v < nv; v++) _mm512_store_si512(out + (long)q * NR + 16 * v, (__m512i)b[v]);
        UNROLL for (int r = 0; r < mr; r++) {
            const __m512bh x = BROADCAST(q);
            UNROLL for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], b[v], x);
        }
    }
    store_any(mr, nv, acc, c, ldc, alpha, beta, last);
}

typedef void (*kernel_fn)(int nq, const uint32_t *ap, long rs, long qs, const uint32_t *bp, float *c,
                          long ldc, float alpha, float beta, __mmask16 last);
typedef void (*raw_kernel_fn)(int kk, const uint32_t *ap, long rs, long qs, const float *b, long ldb,
                              uint32_t *out, float *c, long ldc, float alpha, float beta, __mmask16 last);

#define KERNEL(mr, nv)                                                                              \
    BF16 static void kernel_##mr##_##nv(int nq, const uint32_t *ap, long rs, long qs,               \
                                        const uint32_t *bp, float *c, long ldc, float alpha,         \
                                        float beta, __mmask16 last) {                                \
        micro(mr, nv, 0, nq, ap, rs, qs, bp, c, ldc, alpha, beta, last, NULL, 0);                    \
    }                                                                                               \
    BF16 static void raw_kernel_##mr##_##nv(int kk, const uint32_t *ap, long rs, long qs,           \
                                            const float *b, long ldb, uint32_t *out, float *c,       \
                                            long ldc, float alpha, float beta, __mmask16 last) {     \
        micro_raw(mr, nv, kk, ap, rs, qs, b, ldb, out, c, ldc, alpha, beta, last);                   \
    }
#define KERNELS(mr) KERNEL(mr, 1) KERNEL(mr, 2) KERNEL(mr, 3)
KERNELS(1) KERNELS(2) KERNELS(3) KERNELS(4) KERNELS(5) KERNELS(6) KERNELS(7) KERNELS(8)
typedef void (*ahead_kernel_fn)(int nq, const uint32_t *ap, long rs, long qs, const uint32_t *bp, float *c,
                                long ldc, float alpha, float beta, __mmask16 last, const float *next, long ald);
#define AHEAD_KERNEL(nv)                                                                            \
    BF16 static void ahead_kernel_##nv(int nq, const uint32_t *ap, long rs, long qs, const uint32_t *bp, \
                                       float *c, long ldc, float alpha, float beta, __mmask16 last,  \
                                       const float *next, long ald) {                                \
        micro(MR, nv, 1, nq, ap, rs, qs, bp, c, ldc, alpha, beta, last, next, ald);                  \
    }
AHEAD_KERNEL(1) AHEAD_KERNEL(2) AHEAD_KERNEL(3)
static const ahead_kernel_fn ahead_kernels[NV] = {ahead_kernel_1, ahead_kernel_2, ahead_kernel_3};
#define ROW(mr) {kernel_##mr##_1, kernel_##mr##_2, kernel_##mr##_3}
#define RAW_ROW(mr) {raw_kernel_##mr##_1, raw_kernel_##mr##_2, raw_kernel_##mr##_3}
static const kernel_fn kernels[MR][NV] = {ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7), ROW(8)};
static const raw_kernel_fn raw_kernels[MR][NV] = {RAW_ROW(1), RAW_ROW(2), RAW_ROW(3), RAW_ROW(4),
                                                  RAW_ROW(5), RAW_ROW(6), RAW_ROW(7), RAW_ROW(8)};

/* Columns [0, n) as panels of at most NV vectors, as even as possible: n = 64 is 32 + 32, not
   48 + 16, since a one-vector tile runs on half as many accumulators. */
typedef struct { int count, vectors, longer; } panels; /* the first `longer` panels have one more vector */

static panels split_columns(int n) {
    const int v = (n + 15) / 16, count = (v + NV - 1) / NV;
    return (panels){count, v / count, v % count};
}
static int panel_start(panels p, int i) { return 16 * (i * p.vectors + (i < p.longer ? i : p.longer)); }
static int panel_vectors(panels p, int i) { return p.vectors + (i < p.longer); }

BF16 static void gemm_avx512(int ta, int tb, int m, int n, int k, float alpha, const float *a, long lda,
                             const float *b, long ldb, float beta, float *c, long ldc) {
    const int kblocks = (k + KC - 1) / KC;
    int kc = (k + kblocks - 1) / kblocks;
    kc += kc & 1; /* every k-block but the last starts on a pair boundary */
    const int qc = kc / 2;
    int mc = A_BLOCK / (kc * 2) / MR * MR, nc = B_BLOCK / (kc * 2) / NR * NR;
    if (mc < MR) mc = MR;
    if (mc > m) mc = (m + MR - 1) / MR * MR;
    if (nc < NR) nc = NR;
    if (nc > n) nc = n;
    /* With one m-block, each B panel serves all its tiles right after it is packed, so one
       buffer (in L1) serves every panel. */
    const int single = m <= mc;
    const long a_words = (long)mc * ((qc + 15) & ~15), b_words = (long)NR * qc * (single ? 1 : (nc + 15) / 16);
    uint32_t *ap = lp_scratch(sizeof(uint32_t) * (a_words + b_words));
    if (!ap) abort();
    uint32_t *bp = ap + a_words; /* 64-byte aligned */

    for (int p0 = 0; p0 < k; p0 += kc) {
        const int kk = k - p0 < kc ? k - p0 : kc, nq = (kk + 1) / 2;
        const float bet = p0 == 0 ? beta : 1.0f;
        if (!tb && m <= MR) { /* one row tile, B as stored (conv1): B is only ever converted in the kernel */
            const long rs = ta ? 1 : (nq + 15) & ~15, qs = ta ? MR : 1;
            if (ta) pack_x_contiguous(a + (long)p0 * lda, lda, m, kk, MR, ap);
            else pack_rows(a + p0, lda, m, kk, rs, ap);
            const panels cols = split_columns(n);
            for (int jp = 0; jp < cols.count; jp++) {
                const int j = panel_start(cols, jp), nv = panel_vectors(cols, jp);
                raw_kernels[m - 1][nv - 1](kk, ap, rs, qs, b + (long)p0 * ldb + j, ldb, NULL, c + j, ldc, alpha,
                                           bet, first_bits(n - j - 16 * (nv - 1)));
            }
            continue;
        }
        for (int j0 = 0; j0 < n; j0 += nc) {
            const int nn = n - j0 < nc ? n - j0 : nc;
            const panels cols = split_columns(nn);
            for (int i0 = 0; i0 < m; i0 += mc) {
                const int mm = m - i0 < mc ? m - i0 : mc;
                /* Pair q of row i at ap + i * rs + q * qs. Transposed A is packed here, in tiles of MR
                   rows; A as stored is packed on the first panel, a tile at a time, its rows
                   prefetched by the kernel on the tile before. */
                const float *arows = a + (long)i0 * lda + p0;
                long rs, qs, tile;
                if (ta) pack_x_contiguous(a + (long)p0 * lda + i0, lda, mm, kk, MR, ap), rs = 1, qs = MR, tile = nq;
                else rs = (nq + 15) & ~15, qs = 1, tile = rs;
                for (int jp = 0; jp < cols.count; jp++) {
                    const int j = panel_start(cols, jp), nv = panel_vectors(cols, jp);
                    const __mmask16 last = first_bits(nn - j - 16 * (nv - 1));
                    /* [Q][NR] pairs; B transposed is packed here, B as stored by the first tile */
                    uint32_t *panel = single ? bp : bp + (long)jp * nq * NR;
                    if (tb && i0 == 0) {
                        const int width = nn - j < 16 * nv ? nn - j : 16 * nv;
                        pack_k_contiguous(b + (long)(j0 + j) * ldb + p0, ldb, width, kk, NR, panel);
                    }
                    for (int i = 0; i < mm; i += MR) {
                        const int mr = mm - i < MR ? mm - i : MR;
                        const uint32_t *at = ap + i * tile;
                        float *ct = c + (long)(i0 + i) * ldc + j0 + j;
                        const int first_panel = !ta && jp == 0;
                        if (first_panel) pack_rows(arows + (long)i * lda, lda, mr, kk, rs, ap + i * tile);
                        if (!tb && i0 == 0 && i == 0)
                            raw_kernels[mr - 1][nv - 1](kk, at, rs, qs, b + (long)p0 * ldb + j0 + j, ldb,
                                                        mm > MR || !single ? panel : NULL, ct, ldc, alpha, bet, last);
                        else if (first_panel && mm - i >= 2 * MR)
                            ahead_kernels[nv - 1](nq, at, rs, qs, panel, ct, ldc, alpha, bet, last,
                                                  arows + (long)(i + MR) * lda, lda);
                        else
                            kernels[mr - 1][nv - 1](nq, at, rs, qs, panel, ct, ldc, alpha, bet, last);
                    }
                }
            }
        }
    }
}

#endif /* __x86_64__ */

/* ---- Portable path: the same arithmetic, one element at a time (CPUs without AVX512_BF16). ---- */

/* Round to bf16 (nearest even; NaN stays NaN; subnormals flush to zero, as the hardware does). */
static float round_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7F800000u) == 0) u &= 0x80000000u;
    else if ((u & 0x7FFFFFFFu) > 0x7F800000u) u |= 0x00400000u;
    else u += 0x7FFFu + ((u >> 16) & 1);
    u &= 0xFFFF0000u;
    memcpy(&x, &u, 4);
    return x;
}

static void gemm_portable(int ta, int tb, int m, int n, int k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float s = 0;
            for (int p = 0; p < k; p++)
                s += round_bf16(ta ? a[p * lda + i] : a[i * lda + p]) * round_bf16(tb ? b[j * ldb + p] : b[p * ldb + j]);
            float *cp = c + i * ldc + j;
            *cp = alpha * s + (beta == 0 ? 0 : beta * *cp);
        }
}

void lp_gemm_bf16(int isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(long)i * ldc + j] = beta == 0 ? 0 : beta * c[(long)i * ldc + j];
        return;
    }
#if defined(__x86_64__)
    if (lp_isa_allows(isa, LP_ISA_AVX512_BF16)) {
        gemm_avx512(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    gemm_portable(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
