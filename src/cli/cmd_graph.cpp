// cmd_graph.cpp — `glulab graph`: record one forward pass of a tiny model and show the tape.
//
// The tape is a list of nodes in execution order (tape.hpp). This command makes that list
// visible: it builds a small Transformer (by default L 1, C 16, NH 2, T 8, B 2, V 16), runs one
// forward to the loss on random token ids with the tape recording, and prints Tape::listing(),
// one line per node: its index, the op, the shapes of its inputs and of its output. It also says
// how many nodes there are and how many floats of the tape's arena the step used. --dot FILE
// writes the same graph as Graphviz DOT (Tape::dot()); --backward also runs backward, which
// visits the very same nodes from the last to the first.
//
//     glulab graph --ffn swiglu
//     glulab graph --ffn relu --layers 2 --dot graph.dot && dot -Tpng graph.dot -o graph.png
//
// Leaves out: timing (`glulab bench --profile` times each op).
//
// Lesson 03 · the tape
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"
#include "glulab/platform/files.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/core.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <vector>

namespace glulab {

namespace {

struct GraphArgs {
    ModelConfig model{.vocab_size = 16, .ctx = 8, .layers = 1, .d_model = 16, .heads = 2};
    std::string ffn = "swiglu";
    int batch = 2;           // B
    uint64_t seed = 1337;    // weights and token ids
    std::string dot;         // --dot FILE; empty: no file
    bool backward = false;   // --backward: also run tape.backward(loss)
};

// "5,120 floats (20.0 KiB)"
std::string describe_floats(size_t n) {
    return fmt::format("{} floats ({:.1f} KiB)", n, static_cast<double>(n * sizeof(float)) / 1024.0);
}

void run(GraphArgs& a) {
    // Everything is checked before anything is built.
    a.model.ffn = parse_ffn_kind(a.ffn);
    a.model.validate();
    const ModelConfig& m = a.model;
    const int B = a.batch, T = m.ctx, V = m.vocab_size;

    Transformer model(m);
    model.init(a.seed);
    // Random inputs and targets, (B, T) each, ids in [0, V).
    Rng rng(a.seed + 1);
    std::vector<int> ids(static_cast<size_t>(B) * T), targets(ids.size());
    for (int& id : ids) id = static_cast<int>(rng.below(static_cast<uint64_t>(V)));
    for (int& id : targets) id = static_cast<int>(rng.below(static_cast<uint64_t>(V)));

    Tape tape;
    model.train();  // a training forward: dropout nodes too, if --dropout asks for them
    Tensor loss = model.loss(tape, ids.data(), targets.data(), B, T);  // recorded
    const size_t forward_floats = tape.arena().used_floats();

    fmt::print("glulab graph: one forward to the loss, recorded on the tape\n");
    fmt::print("  model  ffn {}  L {}  C {}  NH {}  T {}  H {}  V {}  B {}  ({} parameters)\n",
               ffn_kind_name(m.ffn), m.layers, m.d_model, m.heads, T, model.d_ff(), V, B,
               model.param_table().counts.total);
    fmt::print("  loss   {:.4f} (random weights: about ln V = {:.4f})\n\n", loss.data[0],
               std::log(static_cast<double>(V)));
    fmt::print("{:>4} {:<14} {} -> {}\n", "node", "op", "inputs", "output");
    fmt::print("{}", tape.listing());
    fmt::print("\n{} nodes, in execution order: backward runs them from node {} back to node 0\n",
               tape.nodes().size(), tape.nodes().empty() ? 0 : tape.nodes().size() - 1);
    fmt::print("arena: {} used by the forward (outputs, their gradients, saved values)\n",
               describe_floats(forward_floats));

    if (a.backward) {
        tape.backward(loss);
        const size_t after = tape.arena().used_floats();
        fmt::print("backward: done, gradient norm {:.4f} over {} parameters\n", grad_norm(model.params()),
                   model.params().size());
        if (after == forward_floats)
            fmt::print("  it took no arena memory: it adds into the gradient buffers the forward made\n");
        else
            fmt::print("  it took {} more of the arena\n", describe_floats(after - forward_floats));
    }
    if (!a.dot.empty()) {
        write_file_atomic(a.dot, tape.dot());
        fmt::print("wrote {}: draw it with `dot -Tpng {} -o graph.png`\n", a.dot, a.dot);
    }
}

}  // namespace

void add_graph_command(CLI::App& app) {
    auto a = std::make_shared<GraphArgs>();
    Command* cmd = add_command(
        app, "graph", "Record one forward pass of a tiny model and print the tape, one line per node");
    cmd->add_option("--ffn", a->ffn, "feed-forward kind: " + ffn_kind_names())->capture_default_str();
    add_model_flags(*cmd, a->model);
    cmd->add_option("--vocab", a->model.vocab_size, "V, vocabulary size")->check(positive())
        ->capture_default_str();
    cmd->add_option("--batch", a->batch, "B, sequences in the batch")->check(positive())
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "seed for the weights and the token ids")->check(non_negative())->capture_default_str();
    cmd->add_option("--dot", a->dot, "also write the graph in Graphviz DOT to this file");
    cmd->add_flag("--backward", a->backward, "also run backward and report the gradient norm");
    cmd->callback([a] { run(*a); });
}

}  // namespace glulab
