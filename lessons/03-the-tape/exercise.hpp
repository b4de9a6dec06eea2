// exercise.hpp — lesson 03's exercise: a new op, square, as a kernel pair plus its glue.
//
// The forward kernel and the glue are given; the backward kernel is the exercise (exercise.cpp).
// They follow the pattern of src/ops/elementwise.cpp (kernels on raw arrays) and
// src/autograd/autograd.cpp (glue: output from the tape, forward, record a Node).
//
// Lesson 03 · the tape
#pragma once

#include "glulab/core/tape.hpp"

#include <cstdint>

namespace lesson03 {

// square
// ------
//     out = x * x                 (n), elementwise
//     dx += 2 x * dout            (n)
inline void square_forward(float* out, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i];
}

// The exercise: ADD (+=) the gradient of x into dx; do nothing when dx is null (x needs no
// gradient), as every backward kernel in ops.hpp does.
void square_backward(float* dx, const float* dout, const float* x, int64_t n);

// The glue, shaped like glulab::mul in src/autograd/autograd.cpp.
inline glulab::Tensor square(glulab::Tape& tape, glulab::Tensor x) {
    const bool rec = tape.wants_grad({x});
    glulab::Tensor out = tape.new_tensor(x.shape, rec);
    square_forward(out.data, x.data, x.numel());
    if (rec) {
        glulab::Node node;
        node.op = "square";
        node.backward = [](const glulab::Node& n) {
            square_backward(n.in[0].grad, n.out.grad, n.in[0].data, n.out.numel());
        };
        node.out = out;
        node.in[0] = x;
        node.n_in = 1;
        tape.record(node);
    }
    return out;
}

// Exercise 3 as code: the gradients a, b and s hold after `tape.backward(y)` runs TWICE on the
// same tape, without tape.reset(), for y = sum((a b + a) s) of main.cpp, one element at a time.
struct TwoPasses {
    float da = 0, db = 0, ds = 0;
};
TwoPasses gradients_after_two_backwards(float a, float b, float s);

}  // namespace lesson03
