/* The layout kernels written by hand for the avx512 level (layout_avx512.c); not part of the API.
   Each takes the arguments of the kernel of lp_kernels.h it serves and returns 0, having done
   nothing, for a shape it has no plan for: layout.c then runs the compiler-vectorised body
   (LP_VARIANTS_VOID_AVX512 in lp_isa.h). */
#ifndef LP_LAYOUT_AVX512_H
#define LP_LAYOUT_AVX512_H
#include "lp_kernels.h"

#if defined(__x86_64__)
int lp_im2col3x3_avx512(const float *x, int c, int n, int h, int w, int n0, int nb, float *col);
int lp_col2im3x3_add_avx512(float *dcol, int c, int n, int h, int w, int n0, int nb, float *dx);
int lp_im2col3x3_window_avx512(const float *x, int c, int n, int h, int w, int oh, int ow, int n0, int nb, float *col);
int lp_col2im3x3_window_add_avx512(const float *dcol, int c, int n, int h, int w, int oh, int ow, int n0, int nb,
                                   float *dx);
int lp_adaptive_avgpool_forward_avx512(const float *x, int c, int n, int h, int w, int k, float *y);
int lp_adaptive_avgpool_backward_avx512(const float *dy, int c, int n, int h, int w, int k, float *dx);
#endif
#endif
