// Lesson 08 · RMSNorm — reference solution of the exercise (CI tests it).
#include "exercise.hpp"

namespace lesson08 {

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

}  // namespace lesson08
