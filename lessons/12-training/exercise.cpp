// Lesson 12 · exercise: the warmup-cosine learning-rate schedule and one AdamW update.
//
// (a) learning_rate. With s the 0-based step, W = cfg.warmup, S = cfg.steps:
//
//         s < W:    lr(s) = lr * (s + 1) / W
//         s >= W:   p = min(1, (s - W) / (S - 1 - W))
//                   lr(s) = min_lr + (lr - min_lr) * (1 + cos(pi p)) / 2
//
//     and when no step is left for the decay (S - 1 - W <= 0), lr(s) = lr after the warmup.
//
// (b) adamw_update. For each i, with g = grad[i]:
//
//         param -= decay * param                       decoupled weight decay
//         m = beta1 m + (1 - beta1) g
//         v = beta2 v + (1 - beta2) g^2
//         mhat = m / (1 - beta1^t),  vhat = v / (1 - beta2^t)
//         param -= lr * mhat / (sqrt(vhat) + eps)
//
// Check it with:  make exercise LESSON=12
// The tests compare both functions with glulab's learning_rate and adamw_update.
#include "exercise.hpp"

#include <cmath>

namespace lesson12 {

float learning_rate(const glulab::OptimConfig& cfg, int step) {
    // TODO: your code here. (This placeholder keeps the peak rate for every step.)
    (void)step;
    return cfg.lr;
}

void adamw_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                  float decay, const glulab::OptimConfig& cfg, int t) {
    // TODO: your code here. (This placeholder is plain SGD: no moments, no decay.)
    for (int64_t i = 0; i < n; i++) param[i] -= lr * grad[i];
    (void)m;
    (void)v;
    (void)decay;
    (void)cfg;
    (void)t;
}

// Exercise 5: first show that with a constant gradient, bias correction makes mhat and vhat
// exact (what are they?), so every update moves by the same amount. Then add the decay
// (param -= decay * param before each update) and sum the geometric series.
double adamw_after_constant_gradient(double theta0, double g, int k, double lr, double decay,
                                     const glulab::OptimConfig& cfg) {
    // TODO: your code here.
    (void)theta0;
    (void)g;
    (void)k;
    (void)lr;
    (void)decay;
    (void)cfg;
    return 0.0;
}

}  // namespace lesson12
