// Lesson 09 · softmax and cross-entropy — reference solution of the exercise (CI tests it).
#include "exercise.hpp"

#include <cmath>
#include <vector>
#include <algorithm>

namespace lesson09 {

void log_softmax(float* out, const float* x, int64_t N, int V) {
    for (int64_t i = 0; i < N; i++) {
        const float* xi = x + i * V;
        float m = xi[0];
        for (int j = 1; j < V; j++) m = xi[j] > m ? xi[j] : m;
        float sum = 0.0f;  // >= 1: the maximum contributes e^0
        for (int j = 0; j < V; j++) sum += std::exp(xi[j] - m);
        const float log_sum = std::log(sum);
        for (int j = 0; j < V; j++) out[i * V + j] = (xi[j] - m) - log_sum;
    }
}

float cross_entropy_with_grad(float* dlogits, const float* logits, const int* targets, int64_t N,
                              int V) {
    std::vector<float> logp(static_cast<size_t>(V));
    double total = 0.0;
    const float inv_n = 1.0f / static_cast<float>(N);
    for (int64_t i = 0; i < N; i++) {
        log_softmax(logp.data(), logits + i * V, 1, V);
        total -= logp[static_cast<size_t>(targets[i])];
        for (int j = 0; j < V; j++) {
            const float p = std::exp(logp[static_cast<size_t>(j)]);
            dlogits[i * V + j] += (p - (j == targets[i] ? 1.0f : 0.0f)) * inv_n;
        }
    }
    return static_cast<float>(total / static_cast<double>(N));
}

// With log p_j = z_j - lse (lse = log sum_k e^z_k) and sum_j y_j = 1:
//     loss = -sum_j y_j (z_j - lse) = lse - sum_j y_j z_j,    d loss / d z_j = p_j - y_j,
// the same p - y as without smoothing, only y is no longer one-hot. Mean over rows: / N.
float smoothed_cross_entropy(float* dlogits, const float* logits, const int* targets, int64_t N,
                             int V, float alpha) {
    double total = 0;
    for (int64_t r = 0; r < N; r++) {
        const float* z = logits + r * V;
        float m = z[0];
        for (int j = 1; j < V; j++) m = std::max(m, z[j]);
        double sum = 0;
        for (int j = 0; j < V; j++) sum += std::exp(double(z[j]) - m);
        const double lse = m + std::log(sum);
        double yz = 0;
        for (int j = 0; j < V; j++) {
            const double y = (j == targets[r] ? 1.0 - alpha : 0.0) + double(alpha) / V;
            yz += y * z[j];
            if (dlogits) dlogits[r * V + j] += static_cast<float>((std::exp(z[j] - lse) - y) / double(N));
        }
        total += lse - yz;
    }
    return static_cast<float>(total / double(N));
}

}  // namespace lesson09
