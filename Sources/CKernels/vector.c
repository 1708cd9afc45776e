/* Elementwise and reduction kernels over flat vectors and [C, run] channel blocks. */
#include "lp_kernels.h"

#include <math.h>
#include <string.h>

/* Flat O(P) vector operations (plane map, Adam) are compiled in clones that the loader picks by
   CPU: they cost a few percent of a step and are not capped by a run's ISA level. The [C, run]
   channel kernels of the network are, like every network kernel, chosen per call from `isa`. */
#if defined(__x86_64__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static inline LP_BODY void bias_relu_body(const float *x, const float *bias, int c, long run, float *y, int relu) {
    for (int ci = 0; ci < c; ci++) {
        const float b = bias ? bias[ci] : 0.0f;
        const float *xc = x + ci * run;
        float *yc = y + ci * run;
        if (relu)
            for (long i = 0; i < run; i++) { float v = xc[i] + b; yc[i] = v > 0 ? v : 0; }
        else
            for (long i = 0; i < run; i++) yc[i] = xc[i] + b;
    }
}

static inline LP_BODY void relu_backward_body(const float *dy, const float *y, long count, float *dx) {
    for (long i = 0; i < count; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

static inline LP_BODY void channel_sums_add_body(const float *dy, int c, long run, float *db) {
    for (int ci = 0; ci < c; ci++) {
        const float *d = dy + ci * run;
        double s = 0;
        for (long i = 0; i < run; i++) s += d[i];
        db[ci] += (float)s;
    }
}

static inline LP_BODY void batchnorm_forward_body(const float *x, const float *gamma_stored, const float *beta, int c,
                          long run, float eps, float *y, float *mean, float *invstd) {
    for (int ci = 0; ci < c; ci++) {
        const float *xc = x + ci * run;
        float *yc = y + ci * run;
        double s = 0;
        for (long i = 0; i < run; i++) s += xc[i];
        const double mu = s / (double)run;
        double v = 0;
        for (long i = 0; i < run; i++) { double d = xc[i] - mu; v += d * d; }
        const double is = 1.0 / sqrt(v / (double)run + eps);
        mean[ci] = (float)mu;
        invstd[ci] = (float)is;
        const float g = (gamma_stored[ci] + 1.0f) * (float)is, b = beta[ci], m = (float)mu;
        for (long i = 0; i < run; i++) yc[i] = (xc[i] - m) * g + b;
    }
}

static inline LP_BODY void batchnorm_backward_body(const float *dy, const float *x, const float *gamma_stored,
                           const float *mean, const float *invstd, int c, long run, float *dx,
                           float *dgamma, float *dbeta) {
    for (int ci = 0; ci < c; ci++) {
        const float *d = dy + ci * run, *xc = x + ci * run;
        float *o = dx + ci * run;
        const float m = mean[ci], is = invstd[ci];
        double sd = 0, sdx = 0;
        for (long i = 0; i < run; i++) { sd += d[i]; sdx += (double)d[i] * ((xc[i] - m) * is); }
        dgamma[ci] += (float)sdx;
        dbeta[ci] += (float)sd;
        const float k = (gamma_stored[ci] + 1.0f) * is;
        const float a = (float)(sd / (double)run), b = (float)(sdx / (double)run);
        for (long i = 0; i < run; i++) o[i] = k * (d[i] - a - (xc[i] - m) * is * b);
    }
}

void lp_add_transposed(const float *x, int rows, int cols, float *y) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) y[(long)j * rows + i] += x[(long)i * cols + j];
}

void lp_add_row_bias(float *y, const float *b, int rows, int cols) {
    for (int i = 0; i < rows; i++) {
        float *r = y + (long)i * cols;
        for (int j = 0; j < cols; j++) r[j] += b[j];
    }
}

void lp_column_sums_add(const float *dy, int rows, int cols, float *db) {
    for (int j = 0; j < cols; j++) {
        double s = 0;
        for (int i = 0; i < rows; i++) s += dy[(long)i * cols + j];
        db[j] += (float)s;
    }
}

double lp_softmax_cross_entropy(const float *logits, const int32_t *labels, int n, int classes,
                                float scale, float *dlogits, int *correct) {
    double total = 0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *l = logits + (long)i * classes;
        int best = 0;
        for (int j = 1; j < classes; j++) if (l[j] > l[best]) best = j;
        const double m = l[best];
        double z = 0;
        for (int j = 0; j < classes; j++) z += exp((double)l[j] - m);
        const int y = labels[i];
        total += log(z) + m - (double)l[y];
        hits += best == y;
        if (dlogits) {
            float *d = dlogits + (long)i * classes;
            for (int j = 0; j < classes; j++)
                d[j] = scale * (float)(exp((double)l[j] - m) / z - (j == y ? 1.0 : 0.0));
        }
    }
    if (correct) *correct = hits;
    return total;
}

CLONES
void lp_axpy(long p, float a, const float *x, float *y) {
    for (long i = 0; i < p; i++) y[i] += a * x[i];
}

CLONES
void lp_axpby(long p, float a, const float *x, float b, float *y) {
    for (long i = 0; i < p; i++) y[i] = a * x[i] + b * y[i];
}

CLONES
void lp_plane_point(long p, const float *o, float a, const float *u, float b, const float *r, float *w) {
    for (long i = 0; i < p; i++) w[i] = o[i] + a * u[i] + b * r[i];
}

CLONES
double lp_dot(long p, const float *x, const float *y) {
    double s = 0;
    for (long i = 0; i < p; i++) s += (double)x[i] * y[i];
    return s;
}

CLONES
double lp_sum_squares(long p, const float *x) {
    double s = 0;
    for (long i = 0; i < p; i++) s += (double)x[i] * x[i];
    return s;
}

CLONES
void lp_scale(long p, float a, float *x) {
    for (long i = 0; i < p; i++) x[i] *= a;
}

void lp_convert_f32_to_f64(long p, const float *x, double *y) {
    for (long i = 0; i < p; i++) y[i] = x[i];
}

LP_VARIANTS_VOID(bias_relu, (const float *x, const float *bias, int c, long run, float *y, int relu), (x, bias, c, run, y, relu))
void lp_bias_relu(int isa, const float *x, const float *bias, int c, long run, float *y, int relu) { LP_PICK(isa, bias_relu)(x, bias, c, run, y, relu); }

LP_VARIANTS_VOID(relu_backward, (const float *dy, const float *y, long count, float *dx), (dy, y, count, dx))
void lp_relu_backward(int isa, const float *dy, const float *y, long count, float *dx) { LP_PICK(isa, relu_backward)(dy, y, count, dx); }

LP_VARIANTS_VOID(channel_sums_add, (const float *dy, int c, long run, float *db), (dy, c, run, db))
void lp_channel_sums_add(int isa, const float *dy, int c, long run, float *db) { LP_PICK(isa, channel_sums_add)(dy, c, run, db); }

LP_VARIANTS_VOID(batchnorm_forward, (const float *x, const float *gamma_stored, const float *beta, int c, long run, float eps, float *y, float *mean, float *invstd), (x, gamma_stored, beta, c, run, eps, y, mean, invstd))
void lp_batchnorm_forward(int isa, const float *x, const float *gamma_stored, const float *beta, int c, long run, float eps, float *y, float *mean, float *invstd) { LP_PICK(isa, batchnorm_forward)(x, gamma_stored, beta, c, run, eps, y, mean, invstd); }

LP_VARIANTS_VOID(batchnorm_backward, (const float *dy, const float *x, const float *gamma_stored, const float *mean, const float *invstd, int c, long run, float *dx, float *dgamma, float *dbeta), (dy, x, gamma_stored, mean, invstd, c, run, dx, dgamma, dbeta))
void lp_batchnorm_backward(int isa, const float *dy, const float *x, const float *gamma_stored, const float *mean, const float *invstd, int c, long run, float *dx, float *dgamma, float *dbeta) { LP_PICK(isa, batchnorm_backward)(dy, x, gamma_stored, mean, invstd, c, run, dx, dgamma, dbeta); }
