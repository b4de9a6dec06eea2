// tape.cpp — recording and replaying ops (see tape.hpp).
//
// Lesson 03 · the tape
#include "glulab/tape.hpp"

#include <chrono>
#include <cstring>

namespace glulab {

namespace {
double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

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

void Tape::set_profiling(bool on) {
    profiling_ = on;
    profile_.reserve(64);
    last_mark_ = now_s();
}

Tape::OpTime& Tape::op_time(const char* op) {
    for (OpTime& p : profile_)
        if (p.op == op || std::strcmp(p.op, op) == 0) return p;
    profile_.push_back(OpTime{op});
    return profile_.back();
}

void Tape::reset() {
    nodes_.clear();  // keeps its capacity: no allocation next step
    arena_.reset();
    if (profiling_) last_mark_ = now_s();
}

std::string Tape::listing() const {
    std::string s;
    for (size_t i = 0; i < nodes_.size(); i++) {
        const Node& n = nodes_[i];
        std::string ins;
        for (int k = 0; k < n.n_in; k++) ins += fmt::format("{}{}", k ? ", " : "", n.in[static_cast<size_t>(k)].shape);
        if (n.ids) ins += fmt::format("{}ids", n.n_in ? ", " : "");
        s += fmt::format("{:4} {:<14} {} -> {}\n", i, n.op, ins, n.out.shape);
    }
    return s;
}

std::string Tape::dot() const {
    // Tensors are identified by their data pointer: an op's output feeds every node that
    // lists the same pointer among its inputs. Tensors no node produced (parameters, the
    // batch) are drawn once each, as boxes, with an edge to every node that reads them.
    std::string s = "digraph tape {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
    auto producer = [&](const float* data, size_t before) -> long {
        for (size_t j = before; j-- > 0;)
            if (nodes_[j].out.data == data) return static_cast<long>(j);
        return -1;
    };
    std::vector<const float*> leaves;  // drawn so far, numbered by position
    for (size_t i = 0; i < nodes_.size(); i++) {
        const Node& n = nodes_[i];
        s += fmt::format("  n{} [shape=ellipse, label=\"{}\\n{}\"];\n", i, n.op, n.out.shape);
        for (int k = 0; k < n.n_in; k++) {
            const Tensor& t = n.in[static_cast<size_t>(k)];
            if (long from = producer(t.data, i); from >= 0) {
                s += fmt::format("  n{} -> n{};\n", from, i);
                continue;
            }
            size_t leaf = 0;
            while (leaf < leaves.size() && leaves[leaf] != t.data) leaf++;
            if (leaf == leaves.size()) {
                leaves.push_back(t.data);
                s += fmt::format("  t{} [shape=box, label=\"{}\"];\n", leaf, t.shape);
            }
            s += fmt::format("  t{} -> n{};\n", leaf, i);
        }
    }
    return s + "}\n";
}

}  // namespace glulab
