// tape_inspect.cpp — looking at a tape: its listing and its graph in DOT (see tape.hpp). The
// recording and the reverse loop are tape.cpp; per-op timing is op_profile.cpp.
//
// Lesson 03 · the tape
#include "glulab/core/tape.hpp"

namespace glulab {

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
