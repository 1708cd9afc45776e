/* Register-only arithmetic peaks for `mpo bench` (issue 19): one thread runs independent
 * multiply-adds on registers for about `seconds`, and the GFLOP/s it reached is returned (a
 * multiply-add counts 2 flops). Nothing is loaded or stored in the loop, so the figure is the
 * core's issue rate for that instruction: the ceiling a kernel using it could reach, apart from
 * memory. Each loop keeps 24 accumulators in flight (enough for 2 pipes x 4-5 cycles latency,
 * with room for faster cores).
 */
#include "lp_kernels.h"

#include <time.h>

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

enum { CHAINS = 24, ROUNDS = 4096 };

/* Runs `batch` (ROUNDS x CHAINS instructions of `flops` each) until `seconds` pass; the best
   batch's rate, so a preempted batch does not count. */
static double best_rate(void (*batch)(void), double flops, double seconds) {
    double best = 0;
    const double end = seconds_now() + seconds;
    do {
        const double t0 = seconds_now();
        batch();
        const double rate = (double)ROUNDS * CHAINS * flops / (seconds_now() - t0) * 1e-9;
        if (rate > best) best = rate;
    } while (seconds_now() < end);
    return best;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define AVX512BF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma")))
#define UNROLL _Pragma("GCC unroll 32")

/* Each accumulator's chain: acc = acc * x + y (x, y kept in registers, values stay finite). */
AVX512 static void fma_zmm_batch(void) {
    __m512 acc[CHAINS];
    const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-3f);
    UNROLL for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (int r = 0; r < ROUNDS; r++) {
        UNROLL for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3])); /* keep the chains */
    }
    __m512 s = acc[0];
    UNROLL for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
}
static double fma_zmm(double seconds) { return best_rate(fma_zmm_batch, 32, seconds); }

AVX2 static void fma_ymm_batch(void) {
    /* 16 ymm registers: 12 chains, each advanced twice per round (CHAINS instructions a round) */
    __m256 acc[12];
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-3f);
    UNROLL for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    for (int r = 0; r < ROUNDS; r++) {
        UNROLL for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
        UNROLL for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]));
    }
    __m256 s = acc[0];
    UNROLL for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    volatile float sink = out[0];
    (void)sink;
}
static double fma_ymm(double seconds) { return best_rate(fma_ymm_batch, 16, seconds); }

/* vdpbf16ps: 32 bf16 pairs per zmm, each a multiply-add into 16 fp32 lanes (2 pairs per lane). */
AVX512BF16 static void dpbf16_zmm_batch(void) {
    __m512 acc[CHAINS];
    const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3F80), y = (__m512bh)_mm512_set1_epi16(0x3A83); /* 1, ~1e-3 */
    UNROLL for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (int r = 0; r < ROUNDS; r++) {
        UNROLL for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], x, y);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]));
    }
    __m512 s = acc[0];
    UNROLL for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
}
static double dpbf16_zmm(double seconds) { return best_rate(dpbf16_zmm_batch, 64, seconds); }
#elif defined(__aarch64__)
#include <arm_neon.h>

static void fma_neon_batch(void) {
    float32x4_t acc[CHAINS];
    const float32x4_t x = vdupq_n_f32(0.999f), y = vdupq_n_f32(1e-3f);
    for (int i = 0; i < CHAINS; i++) acc[i] = vdupq_n_f32((float)i);
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = vfmaq_f32(y, acc[i], x);
        __asm__ volatile("" : "+w"(acc[0]), "+w"(acc[1]), "+w"(acc[2]), "+w"(acc[3]));
    }
    float32x4_t s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = vaddq_f32(s, acc[i]);
    volatile float sink = vgetq_lane_f32(s, 0);
    (void)sink;
}
static double fma_neon(double seconds) { return best_rate(fma_neon_batch, 8, seconds); }
#endif

double lp_peak_fma_f32(int isa, double seconds) {
#if defined(__x86_64__)
    if (lp_isa_allows(isa, LP_ISA_AVX512)) return fma_zmm(seconds);
    if (lp_isa_allows(isa, LP_ISA_AVX2)) return fma_ymm(seconds);
#elif defined(__aarch64__)
    if (lp_isa_allows(isa, LP_ISA_NEON)) return fma_neon(seconds);
#endif
    (void)isa, (void)seconds;
    return 0;
}

double lp_peak_dpbf16(int isa, double seconds) {
#if defined(__x86_64__)
    if (lp_isa_allows(isa, LP_ISA_AVX512_BF16)) return dpbf16_zmm(seconds);
#endif
    (void)isa, (void)seconds;
    return 0;
}
