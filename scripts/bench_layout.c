/* Times the layout kernels of one training step of the paper net (batch 512, one worker), as
 * Conv2D and AdaptiveAvgPool call them: per convolution, im2col over every chunk (twice: forward,
 * and again in the backward pass), the fused pool epilogue forward and backward, col2im (conv2,
 * conv3), and the adaptive pool. Built and run by scripts/bench-layout.sh; medians of ROUNDS
 * rounds of thread CPU time, microseconds per step (the whole batch), at each level given.
 *
 *   bench_layout ROUNDS LEVEL...
 */
#include "lp_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: the machine is shared, and time spent descheduled is not the kernel's. */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(long n) {
    static unsigned long long r = 0x9E3779B97F4A7C15ull;
    float *p = aligned_alloc(64, (sizeof(float) * n + 63) & ~63ul);
    for (long i = 0; i < n; i++) r ^= r << 13, r ^= r >> 7, r ^= r << 17, p[i] = (float)((r >> 40) * (1.0 / (1 << 23)) - 1.0);
    return p;
}

enum { N = 512 };
/* The paper net's convolutions: input channels, side, filters, images per chunk (Conv2D.chunk). */
typedef struct { const char *name; int c, side, f, chunk; } conv;
static const conv convs[] = {{"conv1", 1, 28, 8, 9}, {"conv2", 8, 14, 32, 4}, {"conv3", 32, 7, 64, 6}};

typedef struct {
    float *x, *col, *raw, *y, *dy, *dx, *bias, *dbias;
    uint8_t *arg;
} buffers;

static buffers make(conv v) {
    const int o = v.side / 2 * 2;
    buffers b;
    b.x = filled((long)v.c * N * v.side * v.side);
    b.col = filled((long)v.c * 9 * v.chunk * o * o + 64);
    b.raw = filled((long)v.f * v.chunk * o * o);
    b.y = filled((long)v.f * N * (o / 2) * (o / 2));
    b.dy = filled((long)v.f * N * (o / 2) * (o / 2));
    b.dx = filled((long)v.c * N * v.side * v.side);
    b.bias = filled(v.f);
    b.dbias = filled(v.f);
    b.arg = malloc((size_t)v.f * N * (o / 2) * (o / 2));
    memset(b.arg, 0, (size_t)v.f * N * (o / 2) * (o / 2));
    return b;
}

/* One kernel over the whole batch, chunk by chunk. */
typedef enum { IM2COL, POOL_FWD, POOL_BWD, COL2IM, KINDS } kind;
static const char *kind_names[] = {"im2col", "pool fwd", "pool bwd", "col2im"};

static void pass(int isa, conv v, buffers *b, kind k) {
    const int o = v.side / 2 * 2, pooled = (o / 2) * (o / 2);
    for (int n0 = 0; n0 < N; n0 += v.chunk) {
        const int nb = N - n0 < v.chunk ? N - n0 : v.chunk;
        switch (k) {
        case IM2COL: lp_im2col3x3_window(isa, b->x, v.c, N, v.side, v.side, o, o, n0, nb, b->col); break;
        case POOL_FWD:
            lp_pool_bias_relu_forward(isa, b->raw, b->bias, v.f, nb, o, o, b->y + (long)n0 * pooled, b->arg + (long)n0 * pooled,
                                      (long)N * pooled);
            break;
        case POOL_BWD:
            lp_pool_bias_relu_backward(isa, b->dy + (long)n0 * pooled, b->arg + (long)n0 * pooled, v.f, nb, o, o, (long)N * pooled,
                                       b->raw, b->dbias);
            break;
        case COL2IM: lp_col2im3x3_window_add(isa, b->col, v.c, N, v.side, v.side, o, o, n0, nb, b->dx); break;
        default: break;
        }
    }
}

static int by_value(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n) {
    qsort(t, n, sizeof *t, by_value);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

int main(int argc, char **argv) {
    const int rounds = argc > 1 ? atoi(argv[1]) : 7;
    printf("layout kernels of one paper-net training step (batch %d), median of %d rounds, us per step\n", N, rounds);
    for (int li = 2; li < argc || (argc <= 2 && li == 2); li++) {
        const int isa = argc > 2 ? lp_isa_named(argv[li]) : lp_isa_default();
        if (isa < 0 || !lp_isa_supported(isa)) { printf("skip level %s\n", argc > 2 ? argv[li] : "?"); continue; }
        double total = 0, t[64];
        printf("%-10s", lp_isa_name(isa));
        for (unsigned ci = 0; ci < sizeof convs / sizeof convs[0]; ci++) {
            buffers b = make(convs[ci]);
            for (int k = 0; k < KINDS; k++) {
                if (k == COL2IM && ci == 0) continue; /* conv1 has no input gradient */
                pass(isa, convs[ci], &b, k);
                for (int r = 0; r < rounds && r < 64; r++) {
                    const double t0 = now();
                    pass(isa, convs[ci], &b, k);
                    t[r] = (now() - t0) * 1e6;
                }
                double m = median(t, rounds < 64 ? rounds : 64);
                if (k == IM2COL) m *= 2; /* forward and again in the backward pass */
                total += m;
                printf(" %s %s %.0f |", convs[ci].name, kind_names[k], m);
            }
            free(b.x); free(b.col); free(b.raw); free(b.y); free(b.dy); free(b.dx); free(b.bias); free(b.dbias); free(b.arg);
        }
        /* the adaptive pool: 64 channels of 3x3 to 4x4 */
        float *x = filled(64L * N * 9), *y = filled(64L * N * 16);
        for (int dir = 0; dir < 2; dir++) {
            for (int r = 0; r < rounds && r < 64; r++) {
                const double t0 = now();
                if (dir == 0) lp_adaptive_avgpool_forward(isa, x, 64, N, 3, 3, 4, y);
                else lp_adaptive_avgpool_backward(isa, y, 64, N, 3, 3, 4, x);
                t[r] = (now() - t0) * 1e6;
            }
            const double m = median(t, rounds < 64 ? rounds : 64);
            total += m;
            printf(" avgpool %s %.0f |", dir ? "bwd" : "fwd", m);
        }
        free(x); free(y);
        printf(" total %.0f\n", total);
    }
    return 0;
}
