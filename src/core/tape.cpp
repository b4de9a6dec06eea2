// tape.cpp — recording and replaying ops (see tape.hpp); listing, DOT and per-op profiling are
// tape_inspect.cpp.
//
// Lesson 03 · the tape
#include "glulab/tape.hpp"

#include <chrono>

namespace glulab {

double Tape::now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Tape::Tape() { nodes_.reserve(256); }

bool Tape::wants_grad(std::initializer_list<Tensor> inputs) const {
    if (!recording_) return false;
    for (const Tensor& t : inputs)
        if (t.requires_grad()) return true;
    return false;
}

Tensor Tape::new_tensor(Shape shape, bool grad) {
    size_t n = static_cast<size_t>(shape.numel());
    Tensor t;
    t.shape = shape;
    t.data = arena_.alloc(n);
    t.grad = grad ? arena_.alloc_zeroed(n) : nullptr;
#ifdef GLULAB_DEBUG
    t.arena_generation = arena_.generation();
    t.generation = *arena_.generation();
#endif
    return t;
}

void Tape::record(const Node& node) {
    if (!recording_) return;
    nodes_.push_back(node);
    if (profiling_) {
        const double t = now_s();
        OpTime& p = op_time(node.op);
        p.forward_s += t - last_mark_;
        p.calls++;
        last_mark_ = t;
    }
}

// backward
// --------
// The nodes are in the order the ops ran, which is a topological order: a node's inputs were
// computed before it. Walking the list backwards therefore visits a node only after every node
// that used its output has pushed its gradient into it. No sort, no visited set: one loop.
void Tape::backward(Tensor loss) {
    GLULAB_CHECK(loss.numel() == 1, "reduce the loss to one number with mean() or cross_entropy()",
                 "backward() needs a scalar loss, got shape {}", loss.shape);
    GLULAB_CHECK(loss.requires_grad(), "was it computed inside NoGrad, or from no parameter?",
                 "the loss has no gradient buffer, so nothing was recorded");
    loss.check_live();
    loss.grad[0] = 1.0f;
    for (auto node = nodes_.rbegin(); node != nodes_.rend(); ++node) {
        if (!profiling_) {
            node->backward(*node);
            continue;
        }
        const double t0 = now_s();
        node->backward(*node);
        op_time(node->op).backward_s += now_s() - t0;
    }
}

void Tape::reset() {
    nodes_.clear();  // keeps its capacity: no allocation next step
    arena_.reset();
    if (profiling_) last_mark_ = now_s();
}

}  // namespace glulab
