/* Which instruction-set levels this CPU runs (lp_isa.h). */
#include "lp_isa.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
static int detect(void) {
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return LP_ISA_PORTABLE;
    if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")))
        return LP_ISA_AVX2;
    if (!__builtin_cpu_supports("avx512bf16")) return LP_ISA_AVX512;
    /* AMX tiles have no kernels here yet (none could be tested on the machines we had), so a CPU
       with AMX reports its AVX512_BF16 level: the amx level is never claimed untested. */
    return LP_ISA_AVX512_BF16;
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
static int detect(void) { return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? LP_ISA_NEON : LP_ISA_PORTABLE; }
#else
static int detect(void) { return LP_ISA_PORTABLE; }
#endif

int lp_isa_detected(void) {
    static int known = -1;
    if (known < 0) known = detect();
    return known;
}

int lp_isa_supported(int isa) {
    const int top = lp_isa_detected();
    if (isa == LP_ISA_PORTABLE) return 1;
    if (isa == LP_ISA_NEON || top == LP_ISA_NEON) return isa == top;
    return isa <= top;
}

int lp_isa_named(const char *name) {
    static const struct { const char *name; int isa; } names[] = {
        {"portable", LP_ISA_PORTABLE}, {"avx2", LP_ISA_AVX2}, {"avx512", LP_ISA_AVX512},
        {"avx512bf16", LP_ISA_AVX512_BF16}, {"avx512_bf16", LP_ISA_AVX512_BF16}, {"amx", LP_ISA_AMX},
        {"neon", LP_ISA_NEON},
    };
    if (!name) return -1;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) return names[i].isa;
    return -1;
}

const char *lp_isa_name(int isa) {
    switch (isa) {
    case LP_ISA_PORTABLE: return "portable";
    case LP_ISA_AVX2: return "avx2";
    case LP_ISA_AVX512: return "avx512";
    case LP_ISA_AVX512_BF16: return "avx512bf16";
    case LP_ISA_AMX: return "amx";
    case LP_ISA_NEON: return "neon";
    default: return "unknown";
    }
}

int lp_isa_cap(void) {
    const char *v = getenv("MPO_ISA");
    if (!v || !*v) return lp_isa_detected();
    return lp_isa_named(v);
}

int lp_isa_default(void) {
    const int cap = lp_isa_cap(), top = lp_isa_detected();
    if (cap < 0) return top;
    if (cap == LP_ISA_PORTABLE) return LP_ISA_PORTABLE;
    if ((cap == LP_ISA_NEON) != (top == LP_ISA_NEON)) return LP_ISA_PORTABLE;  /* the other architecture's level */
    return cap < top ? cap : top;
}
