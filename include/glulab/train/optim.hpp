// optim.hpp — AdamW, the learning-rate schedule and gradient clipping.
//
// One training step, in the order the functions below are called:
//
//     tape.reset(); params.zero_grad(); sampler.next();
//     Tensor loss = model.loss(tape, sampler.inputs(), sampler.targets(), B, T);
//     tape.backward(loss);
//     float norm = clip_grad_norm(params, opt.clip);           // before the update
//     adamw_step(params, opt, learning_rate(opt, step), step + 1);
//
// Every function works on the ParamStore's flat arrays (params.hpp): the gradients are one
// array, so the global norm is one sum; weights, gradients and the two moments are four
// arrays of the same length, so AdamW is one loop (run entry by entry, because an entry's
// `decay` flag decides whether it takes weight decay).
//
// Contains: OptimConfig, learning_rate, grad_norm, clip_grad_norm, adamw_update (the kernel on
// raw arrays), adamw_step. Leaves out: other optimizers, gradient accumulation, mixed precision.
//
// Lesson 12 · training
#pragma once

#include "glulab/core/params.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace glulab {

// OptimConfig
// -----------
//     OptimConfig opt{.lr = 3e-3f, .steps = 5000};
struct OptimConfig {
    float lr = 1e-3f;            // peak learning rate, e.g. 1e-3
    float min_lr = 1e-4f;        // learning rate at the last step, e.g. 1e-4
    int warmup = 100;            // steps of linear warmup, lr / warmup up to lr, e.g. 100
    int steps = 2000;            // steps in the run, e.g. 2000; the cosine ends at the last one
    float beta1 = 0.9f;          // decay of the first moment m, e.g. 0.9
    float beta2 = 0.99f;         // decay of the second moment v, e.g. 0.99
    float eps = 1e-8f;           // added to sqrt(vhat), e.g. 1e-8
    float weight_decay = 0.1f;   // decoupled decay of the entries flagged `decay`, e.g. 0.1
    float clip = 1.0f;           // largest global gradient norm, e.g. 1.0; 0 = no clipping

    // Throws glulab::Error naming the first field out of range.
    void validate() const;
};

// The warmup a run gets when none is asked for: 100 steps, or a tenth of a shorter run
// (default_warmup(2000) = 100, default_warmup(40) = 4).
int default_warmup(int steps);

// The learning rate of step `step` (0-based): linear warmup, then cosine decay (optim.cpp).
float learning_rate(const OptimConfig& cfg, int step);

// sqrt(sum of g^2) over every gradient of the store.
float grad_norm(const ParamStore& ps);
// partial[c] = sum of g[i]^2 over the i of chunk c (of 64 fixed chunks of [0, n)) that lie in
// [begin, end): grad_norm's sums, for a caller that holds only g[begin, end).
using GradNormChunks = std::array<double, 64>;
void grad_norm_chunks(const float* g, size_t n, size_t begin, size_t end, GradNormChunks& partial);
// If the global gradient norm exceeds `clip` (> 0), scale every gradient by clip / norm.
// Returns the norm measured before clipping.
float clip_grad_norm(ParamStore& ps, float clip);

// One AdamW update of n values (the kernel adamw_step runs on each entry's range). `t` counts
// updates from 1; decay = lr * weight_decay for entries that decay, else 0.
void adamw_update(float* param, float* m, float* v, const float* grad, int64_t n, float lr,
                  float decay, const OptimConfig& cfg, int t);
// One AdamW update of every parameter of the store with learning rate `lr`; `t` = 1 for the
// first update of a run (bias correction), 2 for the second, ...
void adamw_step(ParamStore& ps, const OptimConfig& cfg, float lr, int t);

}  // namespace glulab
