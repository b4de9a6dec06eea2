// Lesson 07 · the GLU family — one op, five activations, and a feed-forward layer built on it.
//
// 1. The five gates: act(gate) * up for a few gate values and up = 2.
// 2. The hidden width H of each of the eight FFN kinds at the default config, with the FFN and
//    total parameter counts of the real Transformer, and the rounding rule behind 344.
// 3. A tiny SwiGLU feed-forward layer (C = 4, H = 6): its parameters, its tape, the numbers of
//    one token, the composite check, and its gradients against central differences.
// 4. Why a gate helps: y = x1 * x2 fitted by a plain layer (relu, gelu) and by a gated one
//    (bilinear, swiglu) of H = 1 to 32 hidden units, each trained with glulab's ops and AdamW.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"
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

// Section 4: one hidden layer fitted to y = x1 * x2 on a 16 x 16 grid of [-1, 1]^2.
//     plain:  y^ = act(x W1^T + b1) w2^T + b2           W1 (H, 2), w2 (1, H)
//     gated:  [u | g] = x W1^T + b1,  y^ = (act(g) * u) w2^T + b2     W1 (2H, 2), one product
// Full batch (N = 256), mean squared error, AdamW, a fixed seed. Returns the final loss.
constexpr int kGrid = 16, kGatingSteps = 1500;

float fit_product(Act act, bool gated, int H) {
    const int N = kGrid * kGrid, W = gated ? 2 * H : H;
    std::vector<float> x(2 * N), minus_y(N);
    for (int i = 0; i < kGrid; i++)
        for (int j = 0; j < kGrid; j++) {
            const float x1 = -1.0f + 2.0f * static_cast<float>(i) / (kGrid - 1);
            const float x2 = -1.0f + 2.0f * static_cast<float>(j) / (kGrid - 1);
            x[2 * (i * kGrid + j)] = x1;
            x[2 * (i * kGrid + j) + 1] = x2;
            minus_y[i * kGrid + j] = -x1 * x2;
        }
    ParamStore ps;
    Tensor w1, b1, w2, b2;
    for (int pass = 0; pass < 2; pass++) {  // pass 1 declares, pass 2 binds (as Transformer does)
        w1 = ps.add("hidden.weight", Shape{W, 2}, false);
        b1 = ps.add("hidden.bias", Shape{W}, false);
        w2 = ps.add("out.weight", Shape{1, H}, false);
        b2 = ps.add("out.bias", Shape{1}, false);
        if (pass == 0) ps.allocate();
    }
    ps.finish_binding();
    Rng rng(1337);
    for (int64_t i = 0; i < w1.numel(); i++) w1.data[i] = static_cast<float>(rng.normal());
    for (int64_t i = 0; i < w2.numel(); i++)
        w2.data[i] = static_cast<float>(rng.normal()) / std::sqrt(static_cast<float>(H));
    const OptimConfig opt{.lr = 2e-2f, .min_lr = 1e-3f, .warmup = 0, .steps = kGatingSteps,
                          .weight_decay = 0.0f, .clip = 0.0f};
    const Tensor input{x.data(), nullptr, Shape{N, 2}}, target{minus_y.data(), nullptr, Shape{N, 1}};
    Tape tape;
    float loss_value = 0.0f;
    for (int step = 0; step < kGatingSteps; step++) {
        tape.reset();
        ps.zero_grad();
        Tensor h = linear(tape, input, w1, b1);
        h = gated ? glu(tape, h, act) : activation(tape, h, act);
        Tensor err = add(tape, linear(tape, h, w2, b2), target);  // y^ - y
        Tensor loss = mean(tape, mul(tape, err, err));
        loss_value = loss.data[0];
        tape.backward(loss);
        adamw_step(ps, opt, learning_rate(opt, step), step + 1);
    }
    return loss_value;
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
        // LLaMA's reference code rounds to a multiple of 256 (README, "Matching the parameter
        // count"): the same rule with m = 256, at C = 128 and at the widths of LLaMA's models.
        fmt::print("m = 256, LLaMA's multiple:");
        for (int c : {128, 4096, 5120, 6656, 8192}) {
            ModelConfig cfg = base;
            cfg.ffn = FfnKind::swiglu;
            cfg.d_model = c;
            cfg.multiple_of = 256;
            fmt::print("  C = {} -> {}", c, cfg.ffn_hidden());
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

    // 4. y = x1 * x2: one gated unit against many plain ones.
    struct Kind {
        const char* name;
        Act act;
        bool gated;
    };
    const Kind kinds[] = {{"relu", Act::relu, false}, {"gelu", Act::gelu, false},
                          {"swiglu", Act::silu, true}, {"bilinear", Act::identity, true}};
    fmt::print("\nfitting y = x1 * x2 on a {} x {} grid of [-1, 1]^2 ({} AdamW steps, full batch);\n"
               "mean squared error after training (predicting 0 everywhere: {:.4f})\n",
               kGrid, kGrid, kGatingSteps, [] {
                   double s = 0;
                   for (int i = 0; i < kGrid; i++)
                       for (int j = 0; j < kGrid; j++) {
                           const double x1 = -1.0 + 2.0 * i / (kGrid - 1), x2 = -1.0 + 2.0 * j / (kGrid - 1);
                           s += x1 * x1 * x2 * x2;
                       }
                   return s / (kGrid * kGrid);
               }());
    fmt::print("{:>6}", "H");
    for (const Kind& k : kinds) fmt::print("{:>10}", k.name);
    fmt::print("\n");
    for (int H : {1, 2, 4, 8, 16, 32}) {
        fmt::print("{:>6}", H);
        for (const Kind& k : kinds) fmt::print("{:>10.1e}", fit_product(k.act, k.gated, H));
        fmt::print("\n");
    }
    return 0;
}
