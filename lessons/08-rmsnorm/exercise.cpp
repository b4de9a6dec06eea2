// Lesson 08 · RMSNorm — exercise: write the backward pass of RMSNorm.
//
// For each row, with xhat_c = x_c * rstd and dxhat_c = dout_c * g_c (see the README for the
// derivation):
//
//     dg_c += dout_c * xhat_c                                    (summed over all rows)
//     dx_c += rstd * (dxhat_c - xhat_c * mean_j(dxhat_j * xhat_j))
//
// Use the rstd the forward cached; do not recompute the sum of squares. Add (+=) into dx and
// dg, and skip whichever of them is null.
// Check it with:  make exercise LESSON=08
#include "exercise.hpp"

namespace lesson08 {

void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C) {
    // TODO: your code here.
    (void)dx;
    (void)dg;
    (void)dout;
    (void)x;
    (void)g;
    (void)rstd;
    (void)N;
    (void)C;
}

}  // namespace lesson08
