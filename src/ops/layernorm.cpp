// layernorm.cpp — LayerNorm, forward and backward.
//
// Contains: layer_norm_forward, layer_norm_backward. Leaves out: RMSNorm (rmsnorm.cpp), the
// default norm of the model; LayerNorm is the other one (`--norm layernorm`, layers.hpp → Norm).
//
// Lesson 08 · RMSNorm
#include "glulab/ops/ops.hpp"

#include "glulab/platform/parallel_rows.hpp"

#include <algorithm>
#include <cmath>

namespace glulab {

// layer_norm
// ----------
// Each row x (C) of x (N, C) is centred on its mean, divided by its standard deviation, then
// scaled by a learned gain g and shifted by a learned bias b (Ba, Kiros and Hinton 2016):
//
//     mean = mean_c(x_c)                            (N)   cached
//     rstd = 1 / sqrt(mean_c((x_c - mean)^2) + eps) (N)   cached
//     xhat_c = (x_c - mean) * rstd                  (N, C)
//     out_c = xhat_c * g_c + b_c                    (N, C)
//
// The variance is the biased one (divided by C, not C - 1), as in PyTorch's F.layer_norm.
//
// Backward, for one row, with dxhat_c = dout_c * g_c:
//
//     db_c += dout_c                                (summed over rows)
//     dg_c += dout_c * xhat_c                       (summed over rows)
//     dx_c += rstd * (dxhat_c - mean_j(dxhat_j) - xhat_c * mean_j(dxhat_j * xhat_j))
//
// Derivation of the last line: xhat_c = (x_c - mean) rstd depends on x_k three ways, directly,
// through mean (d mean / d x_k = 1/C) and through rstd (d rstd / d x_k = -rstd^3 (x_k - mean)/C
// = -rstd^2 xhat_k / C; the mean's share of it is zero because the deviations sum to zero).
// So d xhat_c / d x_k = rstd (delta_ck - 1/C - xhat_c xhat_k / C), and summing dxhat_c times
// that over c gives the line above. Against RMSNorm's backward it has one more term, the
// -mean_j(dxhat_j) of the path through the mean: the gradient of a row sums to zero.
//
// Caching mean and rstd (two floats a row) instead of xhat (C floats a row) costs a subtract
// and a multiply per element in backward and saves C/2 times the memory; x itself the tape
// keeps anyway, as the op's input.
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* g,
                        const float* b, int64_t N, int C, float eps) {
    const float inv_c = 1.0f / static_cast<float>(C);
    parallel_rows(N, N * C > min_parallel, [=](int64_t i) {
        const float* xi = x + i * C;
        float* oi = out + i * C;
        float sum = 0.0f;
        for (int c = 0; c < C; c++) sum += xi[c];
        const float m = sum * inv_c;
        float ss = 0.0f;  // two passes: sum (x - m)^2 does not cancel as mean(x^2) - m^2 can
        for (int c = 0; c < C; c++) ss += (xi[c] - m) * (xi[c] - m);
        const float r = 1.0f / std::sqrt(ss * inv_c + eps);
#pragma omp simd  // elementwise, so the same bits as the scalar loop (see elementwise.cpp)
        for (int c = 0; c < C; c++) oi[c] = (xi[c] - m) * r * g[c] + b[c];
        mean[i] = m;
        rstd[i] = r;
    });
}

void layer_norm_backward(float* dx, float* dg, float* db, const float* dout, const float* x,
                         const float* g, const float* mean, const float* rstd, int64_t N, int C) {
    const float inv_c = 1.0f / static_cast<float>(C);
    // One parallel region, rows for dx and then columns for dg and db, as in rms_norm_backward.
#pragma omp parallel if (N * C > min_parallel)
    {
        if (dx) {
#pragma omp for nowait
            for (int64_t i = 0; i < N; i++) {
                const float* xi = x + i * C;
                const float* di = dout + i * C;
                const float m = mean[i], r = rstd[i];
                float sum = 0.0f, dot = 0.0f;  // sum_j dxhat_j, sum_j dxhat_j * xhat_j
                for (int c = 0; c < C; c++) {
                    const float dxhat = di[c] * g[c];
                    sum += dxhat;
                    dot += dxhat * (xi[c] - m) * r;
                }
                const float mean_dxhat = sum * inv_c, mean_dot = dot * inv_c;
                float* dxi = dx + i * C;
#pragma omp simd
                for (int c = 0; c < C; c++) {
                    const float xhat = (xi[c] - m) * r;
                    dxi[c] += r * (di[c] * g[c] - mean_dxhat - xhat * mean_dot);
                }
            }
        }
        if (dg || db) {
#pragma omp for
            for (int c0 = 0; c0 < C; c0 += norm_column_block) {
                const int c1 = std::min(c0 + norm_column_block, C);
                for (int64_t i = 0; i < N; i++) {
                    const float* xi = x + i * C;
                    const float* di = dout + i * C;
                    const float m = mean[i], r = rstd[i];
                    if (dg)
#pragma omp simd
                        for (int c = c0; c < c1; c++) dg[c] += di[c] * (xi[c] - m) * r;
                    if (db)
#pragma omp simd
                        for (int c = c0; c < c1; c++) db[c] += di[c];
                }
            }
        }
    }
}

}  // namespace glulab
