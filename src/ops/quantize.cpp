// quantize.cpp — symmetric int8 fake quantization: quantize, then dequantize, in float.
//
// Contains: quant_scales, fake_quant_forward, fake_quant_backward. Leaves out: integer kernels
// (the products stay float: this simulates what int8 storage and int8 inputs lose, not their
// speed), asymmetric (zero-point) schemes, and calibration over many batches (the scales are
// the block's own absmax, "dynamic").
//
// Lesson 16 · outliers and quantization
#include "glulab/ops/ops.hpp"

#include <algorithm>
#include <cmath>

namespace glulab {

// Scales
// ------
// A block of values (the whole array, or one row) gets s = absmax / 127: the largest |x| maps
// to the integer 127, and the 255 levels -127 .. 127 are s apart. A block of zeros gets s = 1.
// One value k times larger than the rest stretches s k times: every other value's rounding
// error, at most s / 2, grows with it. That is why outliers hurt int8 (experiment/activations.hpp).
//     scales (N) when per_row, else (1);  x (N, C)
void quant_scales(float* scales, const float* x, int64_t N, int C, bool per_row) {
    float whole = 0;
    for (int64_t r = 0; r < N; r++) {
        float m = 0;
        for (int c = 0; c < C; c++) m = std::max(m, std::fabs(x[r * C + c]));
        if (per_row) scales[r] = m > 0 ? m / kInt8Max : 1.0f;
        whole = std::max(whole, m);
    }
    if (!per_row) scales[0] = whole > 0 ? whole / kInt8Max : 1.0f;
}

// forward
// -------
//     q = clamp(round(x / s), -127, 127),  out = q s      (x, out (N, C); s of the row, or the one)
// round is to nearest, ties to even (std::nearbyint), and x / s is computed as x * (1 / s), as
// PyTorch's fake_quantize_per_tensor_affine and ..._per_channel_affine do, which the
// cross-check compares against (tests/torch/crosscheck.py). `out` may be `x`.
void fake_quant_forward(float* out, const float* x, const float* scales, int64_t N, int C, bool per_row) {
    for (int64_t r = 0; r < N; r++) {
        const float s = scales[per_row ? r : 0], inv = 1.0f / s;
        for (int c = 0; c < C; c++) {
            const float q = std::clamp(std::nearbyint(x[r * C + c] * inv), -kInt8Max, kInt8Max);
            out[r * C + c] = q * s;
        }
    }
}

// backward
// --------
// round has derivative 0 almost everywhere, which would stop all learning through it; the
// straight-through estimate passes the gradient as if q s were x, inside the range:
//     dx += dout  where -127 <= round(x / s) <= 127,  else 0
// With the block's own absmax scale every value is inside, so this is dx += dout; a scale from
// elsewhere (a calibration) would clip, and then the mask matters.
void fake_quant_backward(float* dx, const float* dout, const float* x, const float* scales, int64_t N, int C,
                         bool per_row) {
    for (int64_t r = 0; r < N; r++) {
        const float inv = 1.0f / scales[per_row ? r : 0];
        for (int c = 0; c < C; c++) {
            const float q = std::nearbyint(x[r * C + c] * inv);
            if (q >= -kInt8Max && q <= kInt8Max) dx[r * C + c] += dout[r * C + c];
        }
    }
}

}  // namespace glulab
