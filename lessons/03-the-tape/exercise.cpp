// Lesson 03 · exercise: write the backward kernel of square (out = x * x).
//
//     d out_i / d x_i = 2 x_i,   so   dx_i += 2 x_i * dout_i      for i in [0, n)
//
// Rules every backward kernel in glulab follows (look at mul_backward in src/ops/elementwise.cpp):
//   - ADD into dx (+=), never assign: x may be used by other ops too, and their contributions
//     are already in dx (or will be added later).
//   - dx == nullptr means "x needs no gradient": then do nothing.
// exercise.hpp has the forward kernel and the glue that records square on a tape.
// Check it with:  make exercise LESSON=03
#include "exercise.hpp"

namespace lesson03 {

void square_backward(float* dx, const float* dout, const float* x, int64_t n) {
    // TODO: your code here.
    (void)dx;
    (void)dout;
    (void)x;
    (void)n;
}

// Exercise 3: work out by hand what the second backward adds. Follow the nodes of section 4
// of main.cpp: in the second pass, dw, dv and du still hold what the first pass put there,
// and every backward kernel adds (+=). Write the closed forms (no tape) in terms of a, b, s.
TwoPasses gradients_after_two_backwards(float a, float b, float s) {
    // TODO: your code here.
    (void)a;
    (void)b;
    (void)s;
    return {};
}

}  // namespace lesson03
