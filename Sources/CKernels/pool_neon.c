/* NEON versions of the fused max-pool epilogue (aarch64), chosen per call by the run's ISA level
   (lp_pool_bias_relu_forward in layout.c). Four output columns at a time: vld2q separates the even
   and odd input columns of a row, the winner of each window is tracked with compare masks, and
   vst2q interleaves them back in the backward pass. Same results as the portable C, bit for bit. */
#if defined(__aarch64__)
#include "lp_kernels.h"

#include <arm_neon.h>
#include <string.h>

void lp_pool_bias_relu_forward_neon(const float *x, const float *bias, int c, int nb, int h, int w,
                                    float *y, uint8_t *arg, long y_stride) {
    const int oh = h / 2, ow = w / 2;
    const float32x4_t zero = vdupq_n_f32(0);
    for (int ci = 0; ci < c; ci++) {
        const float b = bias[ci];
        const float32x4_t vb = vdupq_n_f32(b);
        for (int jn = 0; jn < nb; jn++) {
            const float *xp = x + ((long)ci * nb + jn) * h * w;
            float *yp = y + ci * y_stride + (long)jn * oh * ow;
            uint8_t *ap = arg + ci * y_stride + (long)jn * oh * ow;
            for (int i = 0; i < oh; i++) {
                const float *r0 = xp + (2 * i) * w, *r1 = r0 + w;
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
                    vst1q_f32(yp + i * ow + j, m);
                    const uint8x8_t bytes = vmovn_u16(vcombine_u16(vmovn_u32(a), vdup_n_u16(0)));
                    vst1_lane_u32((uint32_t *)(void *)(ap + i * ow + j), vreinterpret_u32_u8(bytes), 0);
                }
                for (; j < ow; j++) {
                    float m = r0[2 * j]; uint8_t a = 0;
                    if (r0[2 * j + 1] > m) { m = r0[2 * j + 1]; a = 1; }
                    if (r1[2 * j] > m) { m = r1[2 * j]; a = 2; }
                    if (r1[2 * j + 1] > m) { m = r1[2 * j + 1]; a = 3; }
                    m += b;
                    if (!(m > 0)) { m = 0; a |= 0x80; }
                    yp[i * ow + j] = m;
                    ap[i * ow + j] = a;
                }
            }
        }
    }
}

void lp_pool_bias_relu_backward_neon(const float *dy, const uint8_t *arg, int c, int nb, int h, int w,
                                     long y_stride, float *dx, float *dbias) {
    const int oh = h / 2, ow = w / 2;
    const float32x4_t zero = vdupq_n_f32(0);
    for (int ci = 0; ci < c; ci++) {
        float32x4_t sum4 = zero;
        float tail = 0;
        for (int jn = 0; jn < nb; jn++) {
            float *dp = dx + ((long)ci * nb + jn) * h * w;
            const float *gp = dy + ci * y_stride + (long)jn * oh * ow;
            const uint8_t *ap = arg + ci * y_stride + (long)jn * oh * ow;
            /* rows and columns no window covers (odd sides) get no gradient */
            if (h & 1) memset(dp + (long)(h - 1) * w, 0, sizeof(float) * w);
            if (w & 1) for (int r = 0; r < 2 * oh; r++) dp[(long)r * w + w - 1] = 0;
            for (int i = 0; i < oh; i++) {
                float *r0 = dp + (2 * i) * w, *r1 = r0 + w;
                int j = 0;
                for (; j + 4 <= ow; j += 4) {
                    const float32x4_t g = vld1q_f32(gp + i * ow + j);
                    uint32_t packed;
                    memcpy(&packed, ap + i * ow + j, 4);
                    const uint32x4_t a = vmovl_u16(vget_low_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(packed)))));
                    const uint32x4_t live = vceqq_u32(vandq_u32(a, vdupq_n_u32(0x80)), vdupq_n_u32(0));
                    const float32x4_t gl = vbslq_f32(live, g, zero);
                    sum4 = vaddq_f32(sum4, gl);
                    float32x4x2_t top, bottom;
                    top.val[0] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(0)), gl, zero);
                    top.val[1] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(1)), gl, zero);
                    bottom.val[0] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(2)), gl, zero);
                    bottom.val[1] = vbslq_f32(vceqq_u32(a, vdupq_n_u32(3)), gl, zero);
                    vst2q_f32(r0 + 2 * j, top);
                    vst2q_f32(r1 + 2 * j, bottom);
                }
                for (; j < ow; j++) {
                    const uint8_t a = ap[i * ow + j];
                    const float g = (a & 0x80) ? 0 : gp[i * ow + j];
                    r0[2 * j] = a == 0 ? g : 0; r0[2 * j + 1] = a == 1 ? g : 0;
                    r1[2 * j] = a == 2 ? g : 0; r1[2 * j + 1] = a == 3 ? g : 0;
                    tail += g;
                }
            }
        }
        dbias[ci] += vaddvq_f32(sum4) + tail;
    }
}
#endif /* __aarch64__ */
