// scalar.hpp — lesson 01's self-contained scalar autograd engine.
//
// Every Scalar is a node: its value, its gradient, and a function that pushes its gradient to
// the nodes it was made from. Nodes are created in execution order and appended to a global
// list (the "tape"), so backward is one loop over that list in reverse: by the time we reach a
// node, everything that used it has already added its share to node.grad. Lesson 03 grows this
// into glulab's tensor tape (src/core/tape.cpp).
//
// This engine uses nothing from glulab: it is the whole idea on one screen.
//
// Lesson 01 · the chain rule on scalars
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace lesson01 {

struct Node {
    double value = 0;
    double grad = 0;
    std::function<void()> backward = [] {};  // pushes this->grad into the inputs' grads
};

// The tape: every node ever made, in the order it was made.
inline std::vector<std::shared_ptr<Node>>& tape() {
    static std::vector<std::shared_ptr<Node>> nodes;
    return nodes;
}

// A handle to a node, so expressions read like math: auto y = a * b + c.
class Scalar {
public:
    Scalar(double v = 0) : node_(std::make_shared<Node>()) {
        node_->value = v;
        tape().push_back(node_);
    }
    double value() const { return node_->value; }
    double grad() const { return node_->grad; }
    Node& node() const { return *node_; }

private:
    std::shared_ptr<Node> node_;
};

// add: out = a + b.  d out/d a = 1, d out/d b = 1.
inline Scalar operator+(Scalar a, Scalar b) {
    Scalar out(a.value() + b.value());
    Node *o = &out.node(), *x = &a.node(), *y = &b.node();
    o->backward = [o, x, y] {
        x->grad += o->grad;
        y->grad += o->grad;
    };
    return out;
}

// mul: out = a * b.  d out/d a = b, d out/d b = a.
inline Scalar operator*(Scalar a, Scalar b) {
    Scalar out(a.value() * b.value());
    Node *o = &out.node(), *x = &a.node(), *y = &b.node();
    o->backward = [o, x, y] {
        x->grad += y->value * o->grad;
        y->grad += x->value * o->grad;
    };
    return out;
}

// neg and sub are compositions: no backward of their own.
inline Scalar operator-(Scalar a) { return a * Scalar(-1.0); }
inline Scalar operator-(Scalar a, Scalar b) { return a + (-b); }

// exp: out = e^a.  d out/d a = e^a = out.
inline Scalar exp(Scalar a) {
    Scalar out(std::exp(a.value()));
    Node *o = &out.node(), *x = &a.node();
    o->backward = [o, x] { x->grad += o->value * o->grad; };
    return out;
}

// tanh: out = tanh(a).  d out/d a = 1 - tanh(a)^2 = 1 - out^2.
inline Scalar tanh(Scalar a) {
    Scalar out(std::tanh(a.value()));
    Node *o = &out.node(), *x = &a.node();
    o->backward = [o, x] { x->grad += (1 - o->value * o->value) * o->grad; };
    return out;
}

// backward: seed d(loss)/d(loss) = 1, then walk the tape from the newest node to the oldest.
// The chain rule says d loss/d x = sum over uses u of x: d loss/d u * d u/d x; each backward
// adds one such term (+=), and the reverse order guarantees u.grad is complete before u pushes.
inline void backward(Scalar loss) {
    for (auto& n : tape()) n->grad = 0;
    loss.node().grad = 1;
    auto& nodes = tape();
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) (*it)->backward();
}

// Forget every node (start a new expression).
inline void clear_tape() { tape().clear(); }

// The exercise of this lesson (exercise.cpp; reference in solution.cpp):
// sigmoid(a) = 1 / (1 + e^-a) as ONE node with its own backward, d/da = s (1 - s).
Scalar sigmoid(Scalar a);

// The second exercise (exercise.cpp): power(a, b) = a^b for a > 0 as ONE node with two inputs.
// Its backward adds d(a^b)/da * out.grad into a and d(a^b)/db * out.grad into b; both local
// derivatives are yours to derive (the one for b is not the power rule).
Scalar power(Scalar a, Scalar b);

}  // namespace lesson01
