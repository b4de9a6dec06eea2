// rmsnorm.cpp — RMSNorm, forward and backward.
//
// Contains: rms_norm_forward, rms_norm_backward. Leaves out: LayerNorm (layernorm.cpp), the
// model's other norm (`--norm layernorm`), which lesson 08 derives for contrast.
//
// Lesson 08 · RMSNorm
#include "glulab/ops/ops.hpp"

#include "glulab/platform/parallel_rows.hpp"

#include <algorithm>
#include <cmath>

namespace glulab {

// rms_norm
// --------
// Each row x (C) of x (N, C) is divided by its root mean square and scaled by a learned gain:
//
//     rstd = 1 / sqrt(mean_c(x_c^2) + eps)          (N)   the only value cached
//     out_c = x_c * rstd * g_c                      (N, C)
//
// Backward, for one row, with xhat_c = x_c * rstd and dxhat_c = dout_c * g_c:
//
//     dg_c += dout_c * xhat_c                       (summed over rows)
//     dx_c += rstd * (dxhat_c - xhat_c * mean_j(dxhat_j * xhat_j))
//
// The second line comes from d rstd / d x_c = -rstd^3 x_c / C: the first term is the direct
// path through x_c, the second the path through rstd that every element of the row shares.
// Caching rstd (one float a row) instead of xhat (C floats a row) costs one multiply per
// element in backward and saves C times the memory.
void rms_norm_forward(float* out, float* rstd, const float* x, const float* g, int64_t N, int C,
                      float eps) {
    parallel_rows(N, N * C > min_parallel, [=](int64_t i) {
        const float* xi = x + i * C;
        float* oi = out + i * C;
        float ss = 0.0f;
#pragma omp simd reduction(+ : ss)  // 8 partial sums at once: the order of a sum of squares is free
        for (int c = 0; c < C; c++) ss += xi[c] * xi[c];
        float r = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
#pragma omp simd  // elementwise, so the same bits as the scalar loop (see elementwise.cpp)
        for (int c = 0; c < C; c++) oi[c] = xi[c] * r * g[c];
        rstd[i] = r;
    });
}

void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C) {
    // One parallel region for both gradients: the threads split the rows for dx, then the
    // columns for dg (norm_column_block at a time), so neither races, and each dg_c still adds
    // its rows in order 0..N-1, the same sum as on one thread.
#pragma omp parallel if (N * C > min_parallel)
    {
        if (dx) {
#pragma omp for nowait
            for (int64_t i = 0; i < N; i++) {
                const float* xi = x + i * C;
                const float* di = dout + i * C;
                const float r = rstd[i];
                float dot = 0.0f;  // sum_j dxhat_j * xhat_j
#pragma omp simd reduction(+ : dot)
                for (int c = 0; c < C; c++) dot += di[c] * g[c] * xi[c] * r;
                const float m = dot / static_cast<float>(C);
                float* dxi = dx + i * C;
#pragma omp simd
                for (int c = 0; c < C; c++) {
                    float xhat = xi[c] * r;
                    dxi[c] += r * (di[c] * g[c] - xhat * m);
                }
            }
        }
        if (dg) {
#pragma omp for
            for (int c0 = 0; c0 < C; c0 += norm_column_block) {
                const int c1 = std::min(c0 + norm_column_block, C);
                for (int64_t i = 0; i < N; i++) {
                    const float* xi = x + i * C;
                    const float* di = dout + i * C;
                    const float r = rstd[i];
#pragma omp simd
                    for (int c = c0; c < c1; c++) dg[c] += di[c] * xi[c] * r;
                }
            }
        }
    }
}

}  // namespace glulab
