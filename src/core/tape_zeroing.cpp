// tape_zeroing.cpp — the tape's late zeroing of gradient buffers (see tape.hpp): one step of
// backward, kept apart from the recording and the reverse loop of tape.cpp.
//
// Lesson 03 · the tape
#include "glulab/core/tape.hpp"

#include <algorithm>

namespace glulab {

// Zeroing gradient buffers late
// -----------------------------
// Backward kernels add into their inputs' gradients, so each buffer must be zero before the
// first of them runs. Backward runs the nodes last to first, so that first one is the last
// node recorded that reads the tensor. Zeroing the buffer there, rather than in new_tensor,
// writes the zeros just before they are used, while they are in cache: new_tensor zeroing
// wrote about 40 MB a step at the default model during the forward, which the first `+=` of
// each buffer then read back from memory (docs/performance.md → "The rest of the step").
//
// The step has three parts, one per place the tape calls it:
//   record()         note_consumer: this node now reads the buffer last, so it zeroes it;
//   backward()       zero_unread: the buffers no node reads (the loss's, an unused output's);
//   backward_node()  zero_before: the buffers this node adds into first, then its backward.
//
// Each buffer is zeroed once a step, so a second backward() without reset() adds to the first,
// as before. A parameter's gradient is not in grad_buffers_ (ParamStore::zero_grad zeroes
// those) and is left alone.
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

void Tape::zero_unread() {
    for (GradBuffer& b : grad_buffers_)
        if (b.last_consumer < 0) zero_once(b);
}

void Tape::zero_before(const Node& node) {
    for (int b : node.zero_first)
        if (b >= 0) zero_once(grad_buffers_[static_cast<size_t>(b)]);
}

void Tape::zero_once(GradBuffer& b) {
    if (b.zeroed) return;
    std::fill_n(b.grad, b.n, 0.0f);
    b.zeroed = true;
}

}  // namespace glulab
