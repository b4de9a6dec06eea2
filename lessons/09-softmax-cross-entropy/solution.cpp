// Lesson 09 · softmax and cross-entropy — reference solution of the exercise (CI tests it).
#include "exercise.hpp"

#include <cmath>
#include <vector>

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

}  // namespace lesson09
