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

}  // namespace lesson03
