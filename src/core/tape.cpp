// tape.cpp — recording and replaying ops (see tape.hpp); listing, DOT and per-op profiling are
// tape_inspect.cpp.
//
// Lesson 03 · the tape
#include "glulab/tape.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

namespace glulab {

double Tape::now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

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
    t.grad = grad ? arena_.alloc(n) : nullptr;  // zeroed in backward(), see note_consumer
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
    if (profiling_) {
        const double t = now_s();
        OpTime& p = op_time(node.op);
        p.forward_s += t - last_mark_;
        p.calls++;
        last_mark_ = t;
    }
}

// Zeroing gradient buffers late
// -----------------------------
// Backward kernels add into their inputs' gradients, so each buffer must be zero before the
// first of them runs. Backward runs the nodes last to first, so that first one is the last
// node recorded that reads the tensor. Zeroing the buffer there, rather than in new_tensor,
// writes the zeros just before they are used, while they are in cache: new_tensor zeroing
// wrote about 40 MB a step at the default model during the forward, which the first `+=` of
// each buffer then read back from memory. A parameter's gradient is not in grad_buffers_
// (ParamStore::zero_grad zeroes those) and is left alone.
void Tape::note_consumer(Node& node, int index) {
    for (int j = 0; j < node.n_in; j++) {
        const float* g = node.in[j].grad;
        if (!g) continue;
        for (auto b = grad_buffers_.rbegin(); b != grad_buffers_.rend(); ++b) {  // newest first
            if (g < b->grad || g >= b->grad + b->n) continue;
            GLULAB_CHECK(g == b->grad && static_cast<size_t>(node.in[j].numel()) == b->n,
                         "pass the whole output of an op as an input",
                         "{}: input {} is a part of another op's output, which the tape cannot "
                         "zero on its own", node.op, j);
            if (b->last_consumer >= 0) {  // a later reader: it, not the earlier one, zeroes
                Node& earlier = nodes_[static_cast<size_t>(b->last_consumer)];
                for (int k = 0; k < earlier.n_in; k++)
                    if (earlier.in[k].grad == g) earlier.zero_first &= ~(1u << k);
            }
            b->last_consumer = index;
            node.zero_first |= 1u << j;
            break;
        }
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
    for (const GradBuffer& b : grad_buffers_)  // read by no node: the loss, or an unused output
        if (b.last_consumer < 0) std::fill_n(b.grad, b.n, 0.0f);
    loss.grad[0] = 1.0f;
    for (auto node = nodes_.rbegin(); node != nodes_.rend(); ++node) {
        const double t0 = profiling_ ? now_s() : 0.0;
        for (int j = 0; j < node->n_in; j++)
            if (node->zero_first >> j & 1u) std::fill_n(node->in[j].grad, node->in[j].numel(), 0.0f);
        node->backward(*node);
        if (profiling_) op_time(node->op).backward_s += now_s() - t0;
    }
}

void Tape::reset() {
    nodes_.clear();  // keeps its capacity: no allocation next step
    grad_buffers_.clear();
    arena_.reset();
    if (profiling_) last_mark_ = now_s();
}

}  // namespace glulab
