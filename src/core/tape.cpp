// tape.cpp — recording and replaying ops (see tape.hpp). The late zeroing of gradient buffers is
// tape_zeroing.cpp; listing and DOT are tape_inspect.cpp; per-op timing, an observer, is
// op_profile.cpp.
//
// Lesson 03 · the tape
#include "glulab/core/tape.hpp"

#include <algorithm>
#include <limits>

namespace glulab {

Tape::Tape() {
    nodes_.reserve(256);
    grad_buffers_.reserve(256);
}

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
    t.grad = grad ? arena_.alloc(n) : nullptr;  // zeroed late: tape_zeroing.cpp
    if (grad) grad_buffers_.push_back({t.grad, n});
#ifdef GLULAB_DEBUG
    // NaN until backward() zeroes it: a kernel that reads a gradient before then shows it.
    if (grad) std::fill_n(t.grad, n, std::numeric_limits<float>::quiet_NaN());
    t.arena_generation = arena_.generation();
    t.generation = *arena_.generation();
#endif
    return t;
}

void Tape::record(const Node& node) {
    if (!recording_) return;
    nodes_.push_back(node);
    note_consumer(nodes_.back(), static_cast<int>(nodes_.size()) - 1);
    if (observer_) observer_->recorded(node);
}

// One step of the loop: zero the gradient buffers this node is the first to add into, then run
// its backward.
void Tape::backward_node(size_t k) {
    const Node& node = nodes_[k];
    if (observer_) observer_->backward_begin(node);
    zero_before(node);
    node.backward(node);
    if (observer_) observer_->backward_end(node);
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
    zero_unread();  // the loss's buffer, and outputs no node reads
    loss.grad[0] = 1.0f;
    for (size_t k = nodes_.size(); k-- > 0;) backward_node(k);
}

void Tape::reset() {
    nodes_.clear();  // keeps its capacity: no allocation next step
    grad_buffers_.clear();
    arena_.reset();
    if (observer_) observer_->reset();
}

}  // namespace glulab
