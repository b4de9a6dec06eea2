// Lesson 08 · RMSNorm — reference solution of the exercise (CI tests it).
#include "exercise.hpp"

#include <cmath>

namespace lesson08 {

// rstd = 1 / sqrt(mean(x^2)) = 1 / sqrt(4) = 0.5, xhat = (1, -1, 1, -1), dxhat = dout * g =
// (1, 0, 0, 0), mean(dxhat * xhat) = 1/4: dx = rstd (dxhat - xhat / 4) = 0.5 (0.75, 0.25, -0.25,
// 0.25); dg = dout * xhat = (1, 0, 0, 0).
RmsNormByHand rms_norm_by_hand() { return {0.5f, {0.375f, 0.125f, -0.125f, 0.125f}, {1, 0, 0, 0}}; }

void rms_norm_backward(float* dx, float* dg, const float* dout, const float* x, const float* g,
                       const float* rstd, int64_t N, int C) {
    for (int64_t i = 0; i < N; i++) {
        const float* xi = x + i * C;
        const float* di = dout + i * C;
        const float r = rstd[i];
        // The path through rstd, shared by the whole row: mean_j(dxhat_j * xhat_j).
        float dot = 0.0f;
        for (int c = 0; c < C; c++) dot += di[c] * g[c] * (xi[c] * r);
        const float m = dot / static_cast<float>(C);
        for (int c = 0; c < C; c++) {
            const float xhat = xi[c] * r;
            if (dx) dx[i * C + c] += r * (di[c] * g[c] - xhat * m);
            if (dg) dg[c] += di[c] * xhat;
        }
    }
}

// Exercise 2: LayerNorm. With xhat_c = (x_c - mean) rstd and dxhat_c = dout_c g_c, per row:
//     d xhat_c / d x_k = rstd (delta_ck - 1/C - xhat_c xhat_k / C)
//     dx_k = rstd (dxhat_k - mean_c(dxhat_c) - xhat_k mean_c(dxhat_c xhat_c))
//     dg_c += dout_c xhat_c,  db_c += dout_c            (summed over rows)
void layer_norm_forward(float* out, float* mean, float* rstd, const float* x, const float* g,
                        const float* b, int64_t N, int C, float eps) {
    for (int64_t i = 0; i < N; i++) {
        const float* xi = x + i * C;
        float m = 0.0f;
        for (int c = 0; c < C; c++) m += xi[c];
        m /= static_cast<float>(C);
        float var = 0.0f;
        for (int c = 0; c < C; c++) var += (xi[c] - m) * (xi[c] - m);
        const float r = 1.0f / std::sqrt(var / static_cast<float>(C) + eps);
        for (int c = 0; c < C; c++) out[i * C + c] = (xi[c] - m) * r * g[c] + b[c];
        mean[i] = m;
        rstd[i] = r;
    }
}

void layer_norm_backward(float* dx, float* dg, float* db, const float* dout, const float* x,
                         const float* g, const float* mean, const float* rstd, int64_t N, int C) {
    for (int64_t i = 0; i < N; i++) {
        const float* xi = x + i * C;
        const float* di = dout + i * C;
        const float m = mean[i], r = rstd[i];
        // The two paths every element of the row shares: through the mean and through rstd.
        float sum = 0.0f, dot = 0.0f;
        for (int c = 0; c < C; c++) {
            sum += di[c] * g[c];
            dot += di[c] * g[c] * (xi[c] - m) * r;
        }
        const float mean_dxhat = sum / static_cast<float>(C), mean_dot = dot / static_cast<float>(C);
        for (int c = 0; c < C; c++) {
            const float xhat = (xi[c] - m) * r;
            if (dx) dx[i * C + c] += r * (di[c] * g[c] - mean_dxhat - xhat * mean_dot);
            if (dg) dg[c] += di[c] * xhat;
            if (db) db[c] += di[c];
        }
    }
}

}  // namespace lesson08
