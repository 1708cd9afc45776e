#ifndef LP_KERNELS_H
#define LP_KERNELS_H
/*
 * Layout and vector kernels. Key to shapes:
 *   C = channels, N = images in the batch, H/W = height/width, HW = H*W, K = 9*C (3x3 patch).
 * Convolution activations are stored channel-major across the batch, [C, N, H, W] ("CNHW"),
 * so one GEMM covers many images and a BatchNorm channel is one contiguous run.
 */
#include <stddef.h>
#include <stdint.h>

#include "lp_isa.h"

/* Every kernel whose first argument is `isa` takes the path of that level (lp_isa.h). */

/* Patches of images n0..n0+nb-1 for a 3x3 convolution with padding 1.
   x: [C, N, H, W] -> col: [C*9, nb*HW], column index j*HW + y*W + x, row c*9 + ky*3 + kx. */
void lp_im2col3x3(int isa, const float *x, int c, int n, int h, int w, int n0, int nb, float *col);
/* Adjoint of lp_im2col3x3: dx[C, N, H, W] += scatter(dcol[C*9, nb*HW]). Clobbers dcol's padding entries. */
void lp_col2im3x3_add(int isa, float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx);

/* The same for the top-left oh x ow window of output positions only (oh <= H, ow <= W; the full
   window is lp_im2col3x3): col [C*9, nb*oh*ow], column j*oh*ow + y*ow + x. For a convolution whose
   max-pool discards an odd last row and column. */
void lp_im2col3x3_window(int isa, const float *x, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *col);
/* Adjoint: dx[C, N, H, W] += scatter(dcol[C*9, nb*oh*ow]) (the full window may clobber dcol's padding). */
void lp_col2im3x3_window_add(int isa, float *dcol, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *dx);

/* 2x2 max-pool, stride 2, floor. planes = C*N. x: [planes, H, W] -> y: [planes, H/2, W/2];
   arg records which of the four inputs won (0..3), for the backward pass. */
void lp_maxpool2_forward(const float *x, int planes, int h, int w, float *y, uint8_t *arg);
/* dx[planes, H, W] = scatter of dy by arg (dx is fully overwritten). */
void lp_maxpool2_backward(const float *dy, const uint8_t *arg, int planes, int h, int w, float *dx);

/* Adaptive average pool to k x k with PyTorch's windows [floor(i*n/k), ceil((i+1)*n/k)), fused
   with the flatten that follows it: x: [C, N, H, W] -> y: [N, C*k*k] (PyTorch's flatten order). */
void lp_adaptive_avgpool_forward(int isa, const float *x, int c, int n, int h, int w, int k, float *y);
/* dx[C, N, H, W] = adjoint applied to dy[N, C*k*k] (dx is fully overwritten). */
void lp_adaptive_avgpool_backward(int isa, const float *dy, int c, int n, int h, int w, int k, float *dx);

/* y[c, i] = relu(x[c, i] + bias[c]) for c < C, i < run (in place allowed). bias may be NULL. */
void lp_bias_relu(int isa, const float *x, const float *bias, int c, long run, float *y, int relu);
/* dx = dy * (y > 0). In place allowed (dx == dy). */
void lp_relu_backward(int isa, const float *dy, const float *y, long count, float *dx);
/* db[c] += sum_i dy[c, i] for a [C, run] block (float accumulation in double). */
void lp_channel_sums_add(int isa, const float *dy, int c, long run, float *db);

/* BatchNorm over [C, run] with batch statistics (biased variance):
   y = (gamma_stored + 1) * (x - mean) * invstd + beta. Saves mean and invstd per channel. */
void lp_batchnorm_forward(int isa, const float *x, const float *gamma_stored, const float *beta, int c,
                          long run, float eps, float *y, float *mean, float *invstd);
/* dx = gamma*invstd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)); dgamma += sum(dy*xhat); dbeta += sum(dy).
   dx may alias dy. */
void lp_batchnorm_backward(int isa, const float *dy, const float *x, const float *gamma_stored,
                           const float *mean, const float *invstd, int c, long run, float *dx,
                           float *dgamma, float *dbeta);

/* [N, C, S] -> [C, N, S]: multi-channel input images into the conv stack's layout. */
void lp_ncs_to_cns(const float *x, int c, int n, int s, float *y);

/* y[cols, rows] += x[rows, cols]^T */
void lp_add_transposed(const float *x, int rows, int cols, float *y);
/* y[i] += b[j] for rows of a [rows, cols] matrix: the linear layer's bias. */
void lp_add_row_bias(float *y, const float *b, int rows, int cols);
/* db[j] += sum_i dy[i, j]. */
void lp_column_sums_add(const float *dy, int rows, int cols, float *db);

/* Softmax cross-entropy over logits [N, classes]. Returns sum of per-image losses (not mean);
   writes dlogits = scale * (softmax - onehot) when dlogits is not NULL; counts correct argmaxes
   (first maximum wins, as torch.argmax) into *correct. */
double lp_softmax_cross_entropy(const float *logits, const int32_t *labels, int n, int classes,
                                float scale, float *dlogits, int *correct);

/* Flat-vector primitives, P = vector length. */
void lp_axpy(long p, float a, const float *x, float *y);                  /* y += a x */
void lp_axpby(long p, float a, const float *x, float b, float *y);        /* y = a x + b y */
/* w = o + a u + b r: a point on the plane. */
void lp_plane_point(long p, const float *o, float a, const float *u, float b, const float *r, float *w);
double lp_dot(long p, const float *x, const float *y);                    /* double accumulation */
double lp_sum_squares(long p, const float *x);
void lp_scale(long p, float a, float *x);
void lp_convert_f32_to_f64(long p, const float *x, double *y);
/* Register-only peaks (peak.c), GFLOP/s of one thread over about `seconds`, a multiply-add = 2 flops:
   fp32 FMA on the widest vectors `isa` allows (zmm at avx512 and above, ymm at avx2, q registers
   at neon); vdpbf16ps on zmm (32 bf16 pairs = 64 flops each) where isa allows LP_ISA_AVX512_BF16.
   0 where the level has no such instruction. */
double lp_peak_fma_f32(int isa, double seconds);
double lp_peak_dpbf16(int isa, double seconds);
#endif

/* Fused conv epilogue for blocks without BatchNorm: 2x2 max-pool (floor) of the raw convolution,
   then + bias, then ReLU — the same as pool(relu(x + b)), since b is constant over a window and
   both max and ReLU are monotone. Works on one chunk of nb images while it is still in cache:
   x: [C, nb, H, W] -> y, arg: [C, *, H/2, W/2] with channel stride y_stride (point y and arg at the
   chunk's first image). arg = winner 0..3, with bit 0x80 set when the ReLU cut the output to zero. */
void lp_pool_bias_relu_forward(int isa, const float *x, const float *bias, int c, int nb, int h, int w,
                               float *y, uint8_t *arg, long y_stride);
/* Backward of lp_pool_bias_relu_forward for one chunk: dx[C, nb, H, W] = scatter of dy through
   live winners (fully overwritten); dbias[c] += sum of dy over live outputs of channel c. */
void lp_pool_bias_relu_backward(int isa, const float *dy, const uint8_t *arg, int c, int nb, int h, int w,
                                long y_stride, float *dx, float *dbias);

/* fp32 GEMM (gemm_f32.c), the same arguments and row-major semantics as lp_sgemm:
   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C (beta == 0: C is not read; alpha == 0 or
   K == 0: A and B are not read). Our AVX-512 kernel where isa allows LP_ISA_AVX512
   (gemm_f32_avx512.c), our AVX2 + FMA kernel where it allows LP_ISA_AVX2; below them a slow
   reference loop. Thread-safe (per-thread packing scratch). */
void lp_gemm_f32(int isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);

/* GEMM with bf16 inputs and fp32 accumulation (gemm_bf16.c): same arguments and row-major
   semantics as lp_sgemm, C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, except that op(A)
   and op(B) are rounded to bf16 (nearest even) first; sums are fp32. Fast only where
   isa allows LP_ISA_AVX512_BF16; below it a slow scalar path computes the same products, summed
   in another order.
   Thread-safe: packing scratch is per thread (grown on demand, freed at thread exit). */
void lp_gemm_bf16(int isa, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc);
