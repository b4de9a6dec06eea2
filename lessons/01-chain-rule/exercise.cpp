// Lesson 01 · exercise: write sigmoid as one node with its own backward.
//
//     s = sigmoid(a) = 1 / (1 + e^-a)        ds/da = s (1 - s)
//
// Fill in the body: make the output Scalar with the right value, then set its node's backward
// so that it ADDS ds/da * out.grad into a's grad (look at tanh in scalar.hpp).
// Check it with:  make exercise LESSON=01
#include "scalar.hpp"

namespace lesson01 {

Scalar sigmoid(Scalar a) {
    // TODO: your code here.
    (void)a;
    return Scalar(0.0);
}

// Exercise 4: power(a, b) = a^b (a > 0) as one node. Derive both local derivatives first:
// d(a^b)/da (b constant) and d(a^b)/db (a constant: write a^b = e^(b ln a)).
Scalar power(Scalar a, Scalar b) {
    // TODO: your code here.
    (void)a;
    (void)b;
    return Scalar(0.0);
}

}  // namespace lesson01
