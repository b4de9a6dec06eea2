// Lesson 01 · reference solution of the exercise (CI runs the lesson's tests against it).
#include "scalar.hpp"
#include <cmath>

namespace lesson01 {

Scalar sigmoid(Scalar a) {
    Scalar out(1.0 / (1.0 + std::exp(-a.value())));
    Node *o = &out.node(), *x = &a.node();
    o->backward = [o, x] { x->grad += o->value * (1 - o->value) * o->grad; };
    return out;
}

// a^b: d/da = b a^(b-1), d/db = a^b ln a (a^b = e^(b ln a)).
Scalar power(Scalar a, Scalar b) {
    Scalar out(std::pow(a.value(), b.value()));
    Node *o = &out.node(), *x = &a.node(), *y = &b.node();
    o->backward = [o, x, y] {
        x->grad += y->value * std::pow(x->value, y->value - 1) * o->grad;
        y->grad += o->value * std::log(x->value) * o->grad;
    };
    return out;
}

}  // namespace lesson01
