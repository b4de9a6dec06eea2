// exercise.hpp — lesson 12's exercise: the learning-rate schedule and one AdamW update.
//
// Lesson 12 · training
#pragma once

#include "glulab/train/optim.hpp"

#include <cstdint>

namespace lesson12 {

// (a) The learning rate of 0-based step `step`: linear warmup over cfg.warmup steps up to cfg.lr,
//     then a cosine from cfg.lr down to cfg.min_lr, reached exactly at the last step
//     (cfg.steps - 1) and kept after it. When no step is left for the cosine
//     (cfg.warmup >= cfg.steps - 1), the rate stays at cfg.lr once the warmup is over.
//     Same contract as glulab::learning_rate.
float learning_rate(const glulab::OptimConfig& cfg, int step);

// (b) One AdamW update of n values, in place: param, m and v (n each) are updated with the
//     gradient grad (n). `t` counts updates from 1 (bias correction); `decay` = lr * weight_decay
//     for values that take weight decay, else 0. Betas and eps come from cfg. Same contract as
//     glulab::adamw_update.
void adamw_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                  float decay, const glulab::OptimConfig& cfg, int t);

// Exercise 5: where AdamW leaves a value after k updates (t = 1 .. k) with the SAME gradient g
// every time and the same lr and decay, from theta0 with m = v = 0, in closed form: no loop
// of updates in your function. Same contract as k calls of glulab::adamw_update.
double adamw_after_constant_gradient(double theta0, double g, int k, double lr, double decay,
                                     const glulab::OptimConfig& cfg);

}  // namespace lesson12
