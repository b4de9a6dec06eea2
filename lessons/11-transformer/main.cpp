// Lesson 11 · the transformer block and the model — a tiny Transformer: its parameter table,
// its flat arena, its initialisation, one forward on the tape, and its loss at init.
#include "glulab/nn/model.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

using namespace glulab;

namespace {

// The standard deviation of a tensor's values (to see the initialisation).
double std_of(Tensor t) {
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < t.numel(); i++) {
        sum += t.data[i];
        sq += double(t.data[i]) * t.data[i];
    }
    const double n = static_cast<double>(t.numel()), mean = sum / n;
    return std::sqrt(sq / n - mean * mean);
}

}  // namespace

int main() {
    // 1. A tiny model: V=12 characters, T=8, L=2 blocks of C=16 channels, 2 heads, SwiGLU.
    const ModelConfig cfg{.vocab_size = 12, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2,
                          .ffn = FfnKind::swiglu};
    Transformer model(cfg);
    model.init(42);
    fmt::print("config: V={} T={} L={} C={} NH={} ffn={} H={}\n", cfg.vocab_size, cfg.ctx,
               cfg.layers, cfg.d_model, cfg.heads, ffn_kind_name(cfg.ffn), model.d_ff());
    fmt::print("{}", format_param_table(model.param_table()));

    // 2. One flat arena: every parameter is a slice of the same four arrays.
    ParamStore& ps = model.params();
    const ParamEntry& e = ps.find("blocks.1.attn.qkv.weight");
    fmt::print("\narena: {} floats each for data, grad, m and v\n", ps.size());
    fmt::print("{} {} is floats [{}, {}) of it; the layer's view points there: {}\n", e.name,
               e.shape, e.offset, e.offset + static_cast<size_t>(e.shape.numel()),
               model.blocks[1].attn.qkv.weight.data == ps.data() + e.offset ? "yes" : "no");

    // 3. Initialisation: N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 L)), gains 1.
    fmt::print("\ninit std: attn.qkv {:.4f}  ffn.up {:.4f}  (N(0, 0.02))\n",
               std_of(model.blocks[0].attn.qkv.weight), std_of(model.blocks[0].ffn.up.weight));
    fmt::print("          attn.proj {:.4f}  ffn.down {:.4f}  (N(0, 0.02 / sqrt(2 L)), {:.4f})\n",
               std_of(model.blocks[0].attn.proj.weight), std_of(model.blocks[0].ffn.down.weight),
               0.02 / std::sqrt(2.0 * cfg.layers));
    fmt::print("          attn_norm gain {:.1f} (ones)\n", model.blocks[0].attn_norm.weight.data[0]);

    // 4. One forward of a batch (B=2, T=8) on the tape, and the loss.
    const int B = 2, T = 8;
    Rng rng(7);
    std::vector<int> idx(B * T), targets(B * T);
    for (int& id : idx) id = static_cast<int>(rng.below(12));
    for (int& id : targets) id = static_cast<int>(rng.below(12));
    Tape tape;
    Tensor loss = model.loss(tape, idx.data(), targets.data(), B, T);
    std::istringstream listing(tape.listing());
    std::string line;
    // The embeddings (3 nodes) and block 0, then the last three: final norm, lm_head, loss.
    std::vector<std::string> lines;
    while (std::getline(listing, line)) lines.push_back(line);
    const size_t per_block = (lines.size() - 6) / static_cast<size_t>(cfg.layers);
    fmt::print("\ntape of one forward: {} nodes\n", lines.size());
    for (size_t i = 0; i < 3 + per_block; i++) fmt::print("{}\n", lines[i]);
    fmt::print("     ... block 1: nodes {} to {}, the same {} ops\n", 3 + per_block, lines.size() - 4,
               per_block);
    for (size_t i = lines.size() - 3; i < lines.size(); i++) fmt::print("{}\n", lines[i]);

    fmt::print("\nloss at init {:.4f}   ln V = ln {} = {:.4f}\n", loss.data[0], cfg.vocab_size,
               std::log(double(cfg.vocab_size)));
    return 0;
}
