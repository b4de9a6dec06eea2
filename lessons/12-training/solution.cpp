// Lesson 12 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "exercise.hpp"

#include <algorithm>
#include <cmath>

namespace lesson12 {

float learning_rate(const glulab::OptimConfig& cfg, int step) {
    if (step < cfg.warmup) return cfg.lr * static_cast<float>(step + 1) / static_cast<float>(cfg.warmup);
    const int decay_steps = cfg.steps - 1 - cfg.warmup;
    if (decay_steps <= 0) return cfg.lr;
    const double p = std::min(1.0, static_cast<double>(step - cfg.warmup) / decay_steps);
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * p));  // goes from 1 to 0
    return static_cast<float>(cfg.min_lr + (cfg.lr - cfg.min_lr) * cosine);
}

void adamw_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                  float decay, const glulab::OptimConfig& cfg, int t) {
    const double bc1 = 1.0 - std::pow(static_cast<double>(cfg.beta1), t);
    const double bc2 = 1.0 - std::pow(static_cast<double>(cfg.beta2), t);
    for (int64_t i = 0; i < n; i++) {
        const float g = grad[i];
        param[i] -= decay * param[i];
        m[i] = cfg.beta1 * m[i] + (1.0f - cfg.beta1) * g;
        v[i] = cfg.beta2 * v[i] + (1.0f - cfg.beta2) * g * g;
        const float mhat = static_cast<float>(m[i] / bc1);
        const float vhat = static_cast<float>(v[i] / bc2);
        param[i] -= lr * mhat / (std::sqrt(vhat) + cfg.eps);
    }
}

// m_t = (1 - b1^t) g and v_t = (1 - b2^t) g^2, so mhat = g and vhat = g^2 exactly: every update
// is the same step s = lr g / (|g| + eps). With decay: theta_t = c theta_{t-1} - s, c = 1 - decay,
// so theta_k = c^k theta0 - s (1 + c + ... + c^(k-1)) = c^k theta0 - s (1 - c^k) / (1 - c).
double adamw_after_constant_gradient(double theta0, double g, int k, double lr, double decay,
                                     const glulab::OptimConfig& cfg) {
    const double s = lr * g / (std::abs(g) + cfg.eps);
    if (decay == 0) return theta0 - k * s;
    const double ck = std::pow(1.0 - decay, k);
    return ck * theta0 - s * (1.0 - ck) / decay;
}

}  // namespace lesson12
