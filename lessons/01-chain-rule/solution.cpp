// Lesson 01 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "scalar.hpp"

namespace lesson01 {

Scalar sigmoid(Scalar a) {
    Scalar out(1.0 / (1.0 + std::exp(-a.value())));
    Node *o = &out.node(), *x = &a.node();
    o->backward = [o, x] { x->grad += o->value * (1 - o->value) * o->grad; };
    return out;
}

}  // namespace lesson01
