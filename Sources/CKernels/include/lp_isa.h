#ifndef LP_ISA_H
#define LP_ISA_H
/*
 * Instruction-set levels. A run chooses one (Engine's `Compute.isa`) and passes it to every kernel
 * as the first argument, so two runs in one process can use different paths (tests compare them)
 * and nothing is chosen through a process-wide switch. A kernel never uses more than it is given
 * and never more than the CPU has: asking for a level the CPU lacks runs the best level below it.
 *
 * x86-64 levels are ordered: portable < avx2 (+FMA) < avx512 (F/BW/VL/DQ) < avx512_bf16 < amx.
 * aarch64 levels: portable < neon. Levels of the other architecture mean portable.
 */
#include <stdint.h>

enum {
    LP_ISA_PORTABLE = 0,
    LP_ISA_AVX2 = 1,
    LP_ISA_AVX512 = 2,
    LP_ISA_AVX512_BF16 = 3,
    LP_ISA_AMX = 4,
    LP_ISA_NEON = 16,
};

/* 1 when this CPU (and OS) can run `isa`. */
int lp_isa_supported(int isa);
/* The highest level this CPU runs. */
int lp_isa_detected(void);
/* The level named "portable", "avx2", "avx512", "avx512bf16", "amx" or "neon"; -1 for others. */
int lp_isa_named(const char *name);
const char *lp_isa_name(int isa);
/* The cap the user set with MPO_ISA (-1 when it names no level; lp_isa_detected() when unset). */
int lp_isa_cap(void);
/* What runs by default: the detected level, capped by MPO_ISA (a valid cap above the CPU's
   level means the CPU's level; one of the other architecture means portable). */
int lp_isa_default(void);

/* Whether a kernel given `isa` may take the path of `level` (checked against the CPU too). */
static inline int lp_isa_allows(int isa, int level) {
    if (level == LP_ISA_PORTABLE) return 1;
    if (level == LP_ISA_NEON) return isa == LP_ISA_NEON && lp_isa_supported(LP_ISA_NEON);
    return isa != LP_ISA_NEON && isa >= level && lp_isa_supported(level);
}

/*
 * Variants of one kernel body for each level, chosen per call: write the body once as
 * `static inline LP_BODY ret name_body(params)`, then `LP_VARIANTS_VOID(name, params, args)`
 * defines name_avx512 / name_avx2 / name_neon / name_portable (the compiler vectorises each copy
 * for its target), and `LP_PICK(isa, name)` is the function pointer to call.
 */
#define LP_BODY __attribute__((always_inline))

#if defined(__x86_64__)
#define LP_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define LP_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))
#define LP_VARIANTS_VOID(name, params, args)                             \
    LP_TARGET_AVX512 static void name##_avx512 params { name##_body args; } \
    LP_TARGET_AVX2 static void name##_avx2 params { name##_body args; }     \
    static void name##_portable params { name##_body args; }
#define LP_PICK(isa, name)                                                  \
    (lp_isa_allows(isa, LP_ISA_AVX512) ? name##_avx512                      \
     : lp_isa_allows(isa, LP_ISA_AVX2) ? name##_avx2 : name##_portable)
/* As LP_VARIANTS_VOID, with a kernel written by hand for avx512 first: `int lp_##name##_avx512
   params`, which returns 0 for a shape it does not take (the body, vectorised for avx512, then
   runs). Elsewhere the same as LP_VARIANTS_VOID. */
#define LP_VARIANTS_VOID_AVX512(name, params, args)                                             \
    LP_TARGET_AVX512 static void name##_avx512 params { if (!lp_##name##_avx512 args) name##_body args; } \
    LP_TARGET_AVX2 static void name##_avx2 params { name##_body args; }                         \
    static void name##_portable params { name##_body args; }
#elif defined(__aarch64__)
/* NEON is the aarch64 baseline: the _neon copy is the compiler's vectorisation of the body, the
   _portable copy is compiled with vectorisation off so the two paths really differ. */
#if defined(__clang__)
#define LP_NO_VECTORIZE
#else
#define LP_NO_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#endif
#define LP_VARIANTS_VOID(name, params, args)                 \
    static void name##_neon params { name##_body args; }     \
    LP_NO_VECTORIZE static void name##_portable params { name##_body args; }
#define LP_PICK(isa, name) (lp_isa_allows(isa, LP_ISA_NEON) ? name##_neon : name##_portable)
#define LP_VARIANTS_VOID_AVX512(name, params, args) LP_VARIANTS_VOID(name, params, args)
#else
#define LP_VARIANTS_VOID(name, params, args) static void name##_portable params { name##_body args; }
#define LP_VARIANTS_VOID_AVX512(name, params, args) LP_VARIANTS_VOID(name, params, args)
#define LP_PICK(isa, name) (name##_portable)
#endif

#endif
