// tape.cpp — recording and replaying ops (see tape.hpp); listing, DOT and per-op profiling are
// tape_inspect.cpp.
//
// Lesson 03 · the tape
#include "glulab/core/tape.hpp"

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
// each buffer then read back from memory. Each buffer is zeroed once a step, so a second
// backward() without reset() adds to the first, as before. A parameter's gradient is not in
// grad_buffers_ (ParamStore::zero_grad zeroes those) and is left alone.
void Tape::note_consumer(Node& node, int index) {
    for (int j = 0; j < node.n_in; j++) {
        const Tensor& in = node.in[static_cast<size_t>(j)];
        const float* g = in.grad;
        if (!g) continue;
        for (size_t b = grad_buffers_.size(); b-- > 0;) {  // newest first
            GradBuffer& buf = grad_buffers_[b];
            if (g < buf.grad || g >= buf.grad + buf.n) continue;
            GLULAB_CHECK(g == buf.grad && static_cast<size_t>(in.numel()) == buf.n,
                         "pass the whole output of an op as an input",
                         "{}: input {} is a part of another op's output, which the tape cannot "
                         "zero on its own", node.op, j);
            if (buf.zeroed) break;  // already added into by a backward: the new node adds too
            if (buf.last_consumer >= 0)  // a later reader: it, not the earlier one, zeroes
                for (int& z : nodes_[static_cast<size_t>(buf.last_consumer)].zero_first)
                    if (z == static_cast<int>(b)) z = -1;
            buf.last_consumer = index;
            node.zero_first[static_cast<size_t>(j)] = static_cast<int>(b);
            break;
        }
    }
}

void Tape::zero_once(GradBuffer& b) {
    if (b.zeroed) return;
    std::fill_n(b.grad, b.n, 0.0f);
    b.zeroed = true;
}

void Tape::backward_node(size_t k) {
    const Node& node = nodes_[k];
    for (int b : node.zero_first)
        if (b >= 0) zero_once(grad_buffers_[static_cast<size_t>(b)]);
    node.backward(node);
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
    for (GradBuffer& b : grad_buffers_)  // read by no node: the loss, or an unused output
        if (b.last_consumer < 0) zero_once(b);
    loss.grad[0] = 1.0f;
    for (size_t k = nodes_.size(); k-- > 0;) {
        const double t0 = profiling_ ? now_s() : 0.0;
        backward_node(k);
        if (profiling_) op_time(nodes_[k].op).backward_s += now_s() - t0;
    }
}

void Tape::reset() {
    nodes_.clear();  // keeps its capacity: no allocation next step
    grad_buffers_.clear();
    arena_.reset();
    if (profiling_) last_mark_ = now_s();
}

}  // namespace glulab
