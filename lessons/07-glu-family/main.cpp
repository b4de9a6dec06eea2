// Lesson 07 · the GLU family — one op, five activations, and a feed-forward layer built on it.
//
// 1. The five gates: act(gate) * up for a few gate values and up = 2.
// 2. The hidden width H of each of the eight FFN kinds at the default config, with the FFN and
//    total parameter counts of the real Transformer, and the rounding rule behind 344.
// 3. A tiny SwiGLU feed-forward layer (C = 4, H = 6): its parameters, its tape, the numbers of
//    one token, the composite check, and its gradients against central differences.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace glulab;

namespace {

void print_row(const char* label, const float* v, int n) {
    fmt::print("  {:<20}", label);
    for (int i = 0; i < n; i++) fmt::print("{:8.3f}", v[i]);
    fmt::print("\n");
}

}  // namespace

int main() {
    // 1. One kernel, five variants: out = act(gate) * up.
    {
        const std::vector<float> gate = {-3.0f, -1.0f, 0.0f, 1.0f, 3.0f};
        const std::vector<float> up(gate.size(), 2.0f);
        const int n = static_cast<int>(gate.size());
        struct Variant {
            const char* name;
            Act act;
        };
        fmt::print("glu_forward: out = act(gate) * up, with up = 2\n  {:<20}", "gate");
        for (float g : gate) fmt::print("{:8.1f}", g);
        fmt::print("\n");
        const Variant variants[] = {{"GLU (sigmoid)", Act::sigmoid},
                                    {"Bilinear (identity)", Act::identity},
                                    {"ReGLU (relu)", Act::relu},
                                    {"GEGLU (gelu)", Act::gelu},
                                    {"SwiGLU (silu)", Act::silu}};
        for (Variant v : variants) {
            std::vector<float> out(gate.size());
            glu_forward(out.data(), gate.data(), up.data(), 1, n, n, v.act);  // one row of n
            print_row(v.name, out.data(), n);
        }
    }

    // 2. d_ff and the parameter counts of every kind, from the real model.
    {
        const ModelConfig base{.vocab_size = 65};
        fmt::print("\ndefault config: V = {}, T = {}, L = {}, C = {}, NH = {}, multiple_of = {}\n",
                   base.vocab_size, base.ctx, base.layers, base.d_model, base.heads,
                   base.multiple_of);
        fmt::print("  {:<9} {:>5} {:<9} {:>5} {:>11} {:>13}\n", "ffn", "gated", "act", "d_ff",
                   "FFN params", "total params");
        for (FfnKind kind : all_ffn_kinds()) {
            ModelConfig cfg = base;
            cfg.ffn = kind;
            Transformer model(cfg);
            const ParamCounts c = model.param_table().counts;
            fmt::print("  {:<9} {:>5} {:<9} {:>5} {:>11} {:>13}\n", ffn_kind_name(kind),
                       is_gated(kind) ? "yes" : "no", act_name(ffn_activation(kind)), model.d_ff(),
                       c.ffn, c.total);
        }
        const int C = base.d_model;
        const int64_t plain = 2 * int64_t{C} * (4 * C), gated = 3 * int64_t{C} * 344;
        fmt::print("per layer: plain 2 C (4 C) = {}, gated 3 C H = {} ({:+.1f}%)\n", plain, gated,
                   100.0 * static_cast<double>(gated - plain) / static_cast<double>(plain));
        fmt::print("gated H: 8 C / 3 = {:.2f}, rounded up to a multiple of m:", 8.0 * C / 3.0);
        for (int m : {1, 8, 64}) {
            ModelConfig cfg = base;
            cfg.multiple_of = m;
            fmt::print("  m = {} -> {}", m, cfg.ffn_hidden());
        }
        fmt::print("\n");
    }

    // 3. A tiny SwiGLU FFN: C = 4, H = 6, on B = 1, T = 2 tokens.
    const int C = 4, H = 6;
    ParamStore ps;
    FeedForward ffn;
    ffn.declare(ps, "blocks.0.ffn", FfnKind::swiglu, C, H);  // pass 1: names and shapes
    ps.allocate();
    ffn.declare(ps, "blocks.0.ffn", FfnKind::swiglu, C, H);  // pass 2: views into the arena
    ps.finish_binding();
    Rng rng(7);
    for (size_t i = 0; i < ps.size(); i++) ps.data()[i] = 0.5f * static_cast<float>(rng.normal());
    fmt::print("\na SwiGLU feed-forward layer, C = {}, H = {}; its parameters, in order:\n", C, H);
    for (const ParamRow& row : param_table(ps).rows)
        fmt::print("  {:<26} {:<8} {:>3}\n", row.name, row.shape.str(), row.count);

    std::vector<float> xv(2 * C);
    for (float& v : xv) v = static_cast<float>(rng.normal());
    Tensor x{xv.data(), nullptr, Shape{1, 2, C}};
    Tape tape;
    Tensor out = ffn(tape, x);
    fmt::print("the tape of ffn(x), x (1, 2, 4):\n{}", tape.listing());
    // Which weight does each matmul read? Compare the pointers with the named views.
    struct Named {
        const Linear* layer;
        const char* name;
    };
    // up_gate.weight (2H, C) is up.weight followed by gate.weight: one matmul computes both.
    const Named weights[] = {{&ffn.up_gate, "up_gate.weight = [up.weight; gate.weight]"},
                             {&ffn.down, "down.weight"}};
    for (size_t i = 0; i < tape.nodes().size(); i++)
        for (const Named& w : weights)
            if (tape.nodes()[i].in[1].data == w.layer->weight.data)
                fmt::print("  node {} multiplies by {}\n", i, w.name);

    // Token 0, step by step. up_gate_out (1, 2, 2H) is the joined product the forward kept
    // (FeedForward): row 0 is [up (H) | gate (H)] of token 0.
    const float* up_row = ffn.up_gate_out.data;
    const float* gate_row = ffn.up_gate_out.data + H;
    std::vector<float> act_gate(H), h_row(H);
    silu_forward(act_gate.data(), gate_row, H);
    glu_forward(h_row.data(), gate_row, up_row, 1, H, H, Act::silu);
    fmt::print("token 0:\n");
    print_row("x", xv.data(), C);
    print_row("gate = x Wgate^T", gate_row, H);
    print_row("silu(gate)", act_gate.data(), H);
    print_row("up = x Wup^T", up_row, H);
    print_row("h = silu(gate)*up", h_row.data(), H);
    print_row("out = h Wdown^T", out.data, C);

    // The composite form: down(mul(silu(gate(x)), up(x))), two separate products.
    Tensor composite = ffn.down(tape, mul(tape, silu(tape, ffn.gate(tape, x)), ffn.up(tape, x)));
    float diff = 0.0f;
    for (int64_t i = 0; i < out.numel(); i++)
        diff = std::max(diff, std::fabs(out.data[i] - composite.data[i]));
    fmt::print("composite down(mul(silu(gate(x)), up(x))): max difference {:.0e}\n", diff);

    // The layer's gradients (x, norm gain, Wgate, Wup, Wdown) against central differences.
    for (const GradcheckSpec& spec : gradcheck_specs())
        if (spec.name == "swiglu_ffn") fmt::print("{}\n", format_result(gradcheck(spec)));
    return 0;
}
