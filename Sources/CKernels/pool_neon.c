/* The fused max-pool epilogue's row loops at the neon level (aarch64; pool_rows.h, the skeleton
   is pool.c). Four output columns at a time: vld2q separates the even and odd input columns of a
   row, the winner of each window is tracked with compare masks, and vst2q interleaves them back in
   the backward pass; the last ow % 4 columns of a row run the portable window. Same results as the
   portable C, bit for bit (the bias gradient summed in another order, in double lanes). */
#if defined(__aarch64__)
#include "pool_rows.h"

#include <arm_neon.h>
#include <string.h>

void lp_pool_rows_forward_neon(const float *x, int w, int ow, int rows, float bias, float *y, uint8_t *arg) {
    const float32x4_t zero = vdupq_n_f32(0), vb = vdupq_n_f32(bias);
    for (int i = 0; i < rows; i++) {
        const float *r0 = x + (long)(2 * i) * w, *r1 = r0 + w;
        float *yr = y + (long)i * ow;
        uint8_t *ar = arg + (long)i * ow;
        int j = 0;
        for (; j + 4 <= ow; j += 4) {
            const float32x4x2_t top = vld2q_f32(r0 + 2 * j), bottom = vld2q_f32(r1 + 2 * j);
            /* first maximum in scan order wins: replace only on strictly greater */
            float32x4_t m = top.val[0];
            uint32x4_t a = vdupq_n_u32(0);
            uint32x4_t k = vcgtq_f32(top.val[1], m);
            m = vbslq_f32(k, top.val[1], m); a = vbslq_u32(k, vdupq_n_u32(1), a);
            k = vcgtq_f32(bottom.val[0], m);
            m = vbslq_f32(k, bottom.val[0], m); a = vbslq_u32(k, vdupq_n_u32(2), a);
            k = vcgtq_f32(bottom.val[1], m);
            m = vbslq_f32(k, bottom.val[1], m); a = vbslq_u32(k, vdupq_n_u32(3), a);
            m = vaddq_f32(m, vb);
            const uint32x4_t live = vcgtq_f32(m, zero);
            m = vbslq_f32(live, m, zero);
            a = vorrq_u32(a, vbicq_u32(vdupq_n_u32(0x80), live));
            vst1q_f32(yr + j, m);
            const uint8x8_t bytes = vmovn_u16(vcombine_u16(vmovn_u32(a), vdup_n_u16(0)));
            vst1_lane_u32((uint32_t *)(void *)(ar + j), vreinterpret_u32_u8(bytes), 0);
        }
        for (; j < ow; j++) lp_pool_window_forward(r0 + 2 * j, r1 + 2 * j, bias, yr + j, ar + j);
    }
}

double lp_pool_rows_backward_neon(const float *dy, const uint8_t *arg, int w, int ow, int rows, float *dx) {
    const float32x4_t zero = vdupq_n_f32(0);
    /* the live dy summed in double lanes (a float lane over a long channel drifts) */
    float64x2_t sum2 = vdupq_n_f64(0);
    double tail = 0;
    for (int i = 0; i < rows; i++) {
        float *r0 = dx + (long)(2 * i) * w, *r1 = r0 + w;
        const float *gr = dy + (long)i * ow;
        const uint8_t *ar = arg + (long)i * ow;
        int j = 0;
        for (; j + 4 <= ow; j += 4) {
            const float32x4_t g = vld1q_f32(gr + j);
            uint32_t packed;
            memcpy(&packed, ar + j, 4);
            const uint32x4_t a = vmovl_u16(vget_low_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(packed)))));
            const uint32x4_t live = vceqq_u32(vandq_u32(a, vdupq_n_u32(0x80)), vdupq_n_u32(0));
            const float32x4_t gl = vbslq_f32(live, g, zero);
            sum2 = vaddq_f64(sum2, vaddq_f64(vcvt_f64_f32(vget_low_f32(gl)), vcvt_high_f64_f32(gl)));
            float32x4x2_t top, bottom;
            top.val[0] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(0)), gl, zero);
            top.val[1] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(1)), gl, zero);
            bottom.val[0] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(2)), gl, zero);
            bottom.val[1] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(3)), gl, zero);
            vst2q_f32(r0 + 2 * j, top);
            vst2q_f32(r1 + 2 * j, bottom);
        }
        for (; j < ow; j++) tail += lp_pool_window_backward(gr[j], ar[j], r0 + 2 * j, r1 + 2 * j);
    }
    return vaddvq_f64(sum2) + tail;
}
#endif /* __aarch64__ */
