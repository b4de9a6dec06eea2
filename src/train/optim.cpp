// optim.cpp — AdamW with decoupled weight decay, the warmup-cosine schedule, gradient clipping.
//
// Contains: OptimConfig::validate, learning_rate, grad_norm_chunks, grad_norm, clip_grad_norm, adamw_update,
// adamw_step.
//
// Lesson 12 · training
#include "glulab/train/optim.hpp"

#include "glulab/platform/parallel_rows.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace glulab {

void OptimConfig::validate() const {
    GLULAB_CHECK(lr > 0.0f && std::isfinite(lr), "e.g. 1e-3", "optimizer: lr = {} must be a positive number", lr);
    // A float flag above 3.4e38 (--weight-decay 1e300) arrives as inf.
    GLULAB_CHECK(std::isfinite(min_lr) && std::isfinite(weight_decay) && std::isfinite(clip) && std::isfinite(eps),
                 "a float holds at most 3.4e38", "optimizer: --min-lr {}, --weight-decay {}, --clip {} and eps {} "
                 "must be finite numbers", min_lr, weight_decay, clip, eps);
    GLULAB_CHECK(min_lr >= 0.0f && min_lr <= lr, "e.g. lr / 10",
                 "optimizer: min_lr = {} must lie in [0, lr = {}]", min_lr, lr);
    GLULAB_CHECK(steps > 0, "e.g. 2000", "optimizer: steps = {} must be positive", steps);
    GLULAB_CHECK(warmup >= 0 && warmup <= steps, "e.g. 100; 0 for no warmup",
                 "optimizer: warmup = {} must lie in [0, steps = {}]", warmup, steps);
    GLULAB_CHECK(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f, "e.g. 0.9, 0.99",
                 "optimizer: betas ({}, {}) must lie in [0, 1)", beta1, beta2);
    GLULAB_CHECK(eps > 0.0f, "e.g. 1e-8", "optimizer: eps = {} must be positive", eps);
    GLULAB_CHECK(weight_decay >= 0.0f, "e.g. 0.1; 0 for none",
                 "optimizer: weight_decay = {} must not be negative", weight_decay);
    GLULAB_CHECK(clip >= 0.0f, "e.g. 1.0; 0 for no clipping",
                 "optimizer: clip = {} must not be negative", clip);
}

// learning_rate
// -------------
int default_warmup(int steps) { return std::min(OptimConfig{}.warmup, steps / 10); }

// With s the 0-based step, W = warmup, S = steps, p = (s - W) / (S - 1 - W):
//
//     s < W:    lr(s) = lr * (s + 1) / W                                  linear warmup from lr / W
//     s >= W:   lr(s) = min_lr + (lr - min_lr) * (1 + cos(pi p)) / 2      cosine decay
//
// so the first step already moves (lr / W), step W is the peak lr, and the last step
// s = S - 1 has exactly min_lr. Past the last step, p stays 1 (min_lr). If no step is left
// for the decay (W >= S - 1), lr stays at its peak.
float learning_rate(const OptimConfig& cfg, int step) {
    if (step < cfg.warmup)
        return cfg.lr * static_cast<float>(step + 1) / static_cast<float>(cfg.warmup);
    const int decay_steps = cfg.steps - 1 - cfg.warmup;
    if (decay_steps <= 0) return cfg.lr;
    const double p = std::min(1.0, static_cast<double>(step - cfg.warmup) / decay_steps);
    const double cosine = 0.5 * (1.0 + std::cos(3.141592653589793 * p));  // 1 -> 0
    return static_cast<float>(cfg.min_lr + (cfg.lr - cfg.min_lr) * cosine);
}

// grad_norm
// ---------
//     norm = sqrt(sum_i g_i^2)      over all parameters, as if they were one vector
//
// Summed in double, in 64 fixed chunks added in order, each chunk in vector lanes of partial
// sums that are then added in a fixed order: the result does not depend on the number of
// threads, so runs reproduce on any machine. grad_norm_chunks sums the part of each
// chunk that lies in [begin, end), so that ranks holding slices of g (data_parallel.cpp) can
// add their chunk sums and get the same chunks.
void grad_norm_chunks(const float* g, size_t n, size_t begin, size_t end, GradNormChunks& partial) {
    const size_t chunks = partial.size();
    double* sums = partial.data();
    parallel_rows(static_cast<int64_t>(chunks), static_cast<int64_t>(end - begin) > min_parallel, [=](int64_t c) {
        double s = 0.0;
        const size_t lo = std::max(begin, n * c / chunks), hi = std::min(end, n * (c + 1) / chunks);
#pragma omp simd reduction(+ : s)  // lanes of partial sums: a fixed order, whatever the threads
        for (size_t i = lo; i < hi; i++) s += static_cast<double>(g[i]) * g[i];
        sums[c] = s;
    });
}

float grad_norm(const ParamStore& ps) {
    GradNormChunks partial{};
    grad_norm_chunks(ps.grad(), ps.size(), 0, ps.size(), partial);
    double total = 0.0;
    for (double s : partial) total += s;
    return static_cast<float>(std::sqrt(total));
}

// clip_grad_norm
// --------------
//     if norm > clip:  g_i *= clip / norm      for every i, so that the new norm is clip
//
// The direction of the step is kept, only its length is capped: one bad batch cannot throw
// the weights far. (PyTorch's clip_grad_norm_ divides by norm + 1e-6; the difference is below
// float precision for any norm that clipping touches.) A non-finite norm leaves the gradients
// as they are, for the caller to notice.
float clip_grad_norm(ParamStore& ps, float clip) {
    const float norm = grad_norm(ps);
    if (clip > 0.0f && std::isfinite(norm) && norm > clip) {
        const float s = clip / norm;
        const int64_t n = static_cast<int64_t>(ps.size());
        float* g = ps.grad();
        parallel_elements(n, n > min_parallel, [=](int64_t i) { g[i] *= s; });
    }
    return norm;
}

// adamw_update
// ------------
// AdamW (Loshchilov and Hutter 2019) in PyTorch's formulation, for each value with gradient g,
// at update t = 1, 2, ...:
//
//     p    -= lr * wd * p                     decoupled weight decay (decay = lr * wd, or 0)
//     m     = beta1 m + (1 - beta1) g         running mean of g
//     v     = beta2 v + (1 - beta2) g^2       running mean of g^2
//     mhat  = m / (1 - beta1^t)               bias corrections: m and v start at 0
//     vhat  = v / (1 - beta2^t)
//     p    -= lr * mhat / (sqrt(vhat) + eps)
//
// "Decoupled": the decay shrinks p directly instead of being added to g, so it is not divided
// by sqrt(vhat) and every decayed weight shrinks by the same factor (1 - lr wd).
void adamw_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                  float decay, const OptimConfig& cfg, int t) {
    const float b1 = cfg.beta1, b2 = cfg.beta2, eps = cfg.eps;
    const float bc1 = static_cast<float>(1.0 - std::pow(static_cast<double>(b1), t));
    const float bc2_sqrt =
        static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(b2), t)));
    const float step_size = lr / bc1;  // lr * mhat = (lr / bc1) * m
    // simd: each value is updated alone, so vector lanes give the same bits as the scalar loop,
    // which GCC at -O2 keeps (the four arrays might overlap, as far as it can tell).
    parallel_elements(n, n > min_parallel, [=](int64_t i) {
        const float g = grad[i];
        param[i] -= decay * param[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        // sqrt(vhat) = sqrt(v) / sqrt(bc2)
        param[i] -= step_size * m[i] / (std::sqrt(v[i]) / bc2_sqrt + eps);
    });
}

// adamw_step
// ----------
// One pass over the flat arrays, entry by entry: each entry's range [offset, offset + numel)
// gets the update above, with weight decay only if its `decay` flag is set (matrices, not
// gains or embeddings: see Linear::declare).
void adamw_step(ParamStore& ps, const OptimConfig& cfg, float lr, int t) {
    GLULAB_CHECK(t >= 1, "count updates from 1", "adamw_step: t = {}", t);
    GLULAB_CHECK(ps.moments_whole(), "a store with sharded moments is updated by DataParallel::update",
                 "adamw_step: the store holds the moments of [{}, {}) of {} parameters only",
                 ps.moments_begin(), ps.moments_end(), ps.size());
    for (const ParamEntry& e : ps.entries()) {
        const size_t o = e.offset;
        adamw_update(ps.data() + o, ps.adam_m() + o, ps.adam_v() + o, ps.grad() + o,
                     e.shape.numel(), lr, e.decay ? lr * cfg.weight_decay : 0.0f, cfg, t);
    }
}

}  // namespace glulab
