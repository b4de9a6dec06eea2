// gradcheck.cpp — the gradient-checking harness, and the checks glulab runs with it.
//
// Contains: gradcheck (one check), gradcheck_specs (every differentiable op, then four small
// compositions), gradcheck_all, format_result. Leaves out: second derivatives, and forward
// passes in double (the kernels are float only; the tolerances below are chosen for float).
//
// Lesson 05 · gradient checking
//
// Why check gradients
// -------------------
// Every backward kernel in src/ops is written by hand, and a wrong one does not crash: the model
// still trains, only worse, and nobody notices. So each backward is held against the definition
// of the derivative. For a scalar function L of many inputs x,
//
//     dL/dx_j  ~  (L(x + h e_j) - L(x - h e_j)) / 2h       central difference, error O(h^2)
//
// The tape computes the left side for all j at once (the "analytic" gradient); the right side
// costs two forward passes per input element (the "numeric" gradient). Tiny inputs make that
// affordable: the whole of gradcheck_all() runs in a fraction of a second.
//
// What a check is
// ---------------
// A GradcheckSpec (gradcheck.hpp) holds a name, the inputs (shape, the normal distribution to
// draw them from, whether they are checked or held fixed), a function
// `Tensor f(Tape&, std::span<Tensor> inputs)` that builds the computation with the ops of
// autograd.hpp, and options: the step h, the tolerance, the floor and the kink handling.
// Token ids (cross_entropy's targets, embedding's ids) are not inputs: f captures them, so they
// stay fixed like any other integer argument.
//
// One check, step by step (gradcheck below)
// -----------------------------------------
// 1. Inputs. Drawn from N(mean, std^2) by glulab's Rng seeded with options.seed, into
//    vectors the harness owns, each checked input with its own gradient buffer. To the tape they
//    are leaves that need grad, exactly like parameters. Unchecked inputs get no gradient buffer
//    (the kernels must then skip them) and are never perturbed.
// 2. The scalar. An op's output is a tensor, not a number, so the harness differentiates
//        L = sum_i out_i * w_i
//    with weights w drawn once: random sign, size between 0.5 and 1.5. Every output element
//    counts, each with its own weight, so a backward that mixes up elements is caught. (With
//    w = 1, softmax's rows would each sum to 1, L would be constant, and a softmax backward
//    that did nothing at all would pass.) L is accumulated in double.
// 3. The analytic gradient. f runs on a recording tape; the harness appends a node of its own,
//    "gradcheck_loss", whose backward seeds dout_i = w_i * dL, and calls tape.backward(). Before
//    that, every input gradient is pre-filled with a known nonzero pattern (0.125 to 0.625,
//    exact in float), subtracted again afterwards. A backward that assigns (=) instead of
//    accumulating (+=) wipes the pattern out and fails, even where the op is its input's only
//    user and the two would otherwise agree.
// 4. The numeric gradient. For each element x_j of each checked input: set x_j + h and evaluate
//    L, set x_j - h and evaluate L, restore x_j. Each evaluation runs f inside NoGrad (no
//    gradient buffers, no nodes) followed by tape.reset(), so the thousands of evaluations of a
//    check reuse one arena. The divisor is the step actually taken, (x_j + h) - (x_j - h) as
//    rounded to float, rather than 2h.
// 5. The comparison, element by element, with a as analytic and n as numeric:
//        rel err = |a - n| / max(|a|, |n|, floor)
//    The check fails if any element's rel err exceeds tol (a NaN counts as a failure). The
//    message names the check, the input and the element with the largest error:
//        rms_norm: input 0 element 17 (2, 1): analytic 0.1234 but numeric 0.5678 (...)
//
// Step size, floor and tolerance, in float
// ----------------------------------------
// The forward passes run in float, and that sets the numbers. Float rounds to about 6e-8
// relative, so L(x +- h) carries a rounding error of about 6e-8 times the outputs that x_j moves
// (one for add, a whole row for rms_norm, every output for a weight in a composition); divided
// by 2h, that is the noise of the numeric gradient. The truncation error of the central
// difference, h^2 / 6 times the third derivative of L, grows the other way. For inputs of size 1
// the two balance near h = (3 * 6e-8)^(1/3) ~ 6e-3; the default is h = 1e-2, a little larger
// because the compositions move many outputs at once. softmax and cross_entropy, whose
// gradients are small (cross_entropy's is (p - onehot) / N) and whose curvature is gentle, use
// h = 3e-2, which cuts their error by three at no visible cost in truncation.
//
// The floor turns the comparison absolute where gradients are tiny: below it the error is
// |a - n| / floor. Without it a gradient that is zero in exact arithmetic (attention's key
// bias, say: adding the same number to every score of a row changes no probability) would be
// compared relative to rounding noise and always fail. floor = 1e-2 with tol = 1e-2 lets such
// an element be off by 1e-4, a few times the noise of the largest check.
//
// tol = 1e-2 (1 %). With the seed fixed, correct kernels reach: elementwise ops and reductions
// below 1e-5, matmul and linear 1e-4, activations, GLUs, rms_norm, softmax and cross_entropy
// below 1e-3, attention and the four compositions 6e-4 to 5e-3 (attention_block the largest,
// 4.8e-3: the noise above, on gradients of size 1e-2). That is a margin of two or more. A
// wrong backward lands far above it: a sign flip gives a rel err of 2, a factor of two 0.5, an
// assignment instead of += about 1, and even a gradient 5 % too large 0.05
// (tests/test_gradcheck.cpp, "the harness has teeth", shows each one failing).
//
// Kinks
// -----
// relu's derivative jumps at 0. A central difference that straddles 0 measures the average of
// the slopes on either side, which neither backward branch matches. With options.kink_at_zero
// the harness re-draws every checked input value within 2h of 0, so no difference straddles it.
// That protects input values only: a relu deep inside a composition sees computed values, which
// is why the compositions below use the smooth activations (gelu, silu).
#include "glulab/autograd/gradcheck.hpp"

#include "glulab/platform/rng.hpp"

#include "glulab/autograd/autograd.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <vector>

namespace glulab {

namespace {

// The loss node
// -------------
// The harness's own last node, L = sum_i out_i * w_i. Its backward is where the backward pass
// starts: dout_i += w_i * dL, with the weights in saved[0].
void gradcheck_loss_backward(const Node& n) {
    const float* w = n.saved[0];
    const float dL = n.out.grad[0];
    for (int64_t i = 0; i < n.in[0].numel(); i++) n.in[0].grad[i] += w[i] * dL;
}

double weighted_sum(Tensor out, const std::vector<float>& w) {
    double L = 0.0;
    for (int64_t i = 0; i < out.numel(); i++)
        L += static_cast<double>(out.data[i]) * static_cast<double>(w[static_cast<size_t>(i)]);
    return L;
}

// The pre-fill pattern: 0.125, 0.25, 0.375, 0.5, 0.625, repeated; exact in float.
float prefill(size_t i) { return 0.125f * static_cast<float>(i % 5 + 1); }

// "(2, 1)": the flat index i of a tensor of shape s, as one index per dimension.
std::string index_str(Shape s, int64_t i) {
    std::array<int64_t, 4> idx{};
    for (int d = s.rank - 1; d >= 0; d--) {
        const int64_t size = s[d];
        idx[static_cast<size_t>(d)] = size ? i % size : 0;
        i = size ? i / size : 0;
    }
    std::string text = "(";
    for (int d = 0; d < s.rank; d++) text += fmt::format("{}{}", d ? ", " : "", idx[static_cast<size_t>(d)]);
    return text + ")";
}

// The element with the largest relative error seen so far.
struct Worst {
    double rel = -1.0;
    size_t input = 0;
    size_t element = 0;
    double analytic = 0.0, numeric = 0.0;
};

// The harness proper; gradcheck() below turns its exceptions into failed results.
GradcheckResult run(const GradcheckSpec& spec) {
    const GradcheckOptions& opt = spec.options;
    GradcheckResult result;
    result.name = spec.name;
    GLULAB_CHECK(spec.f != nullptr, "give the spec an f that builds the computation",
                 "{}: the check has no function", spec.name);
    GLULAB_CHECK(std::any_of(spec.inputs.begin(), spec.inputs.end(),
                             [](const GradcheckInput& in) { return in.checked; }),
                 "mark at least one input checked", "{}: no input is checked", spec.name);

    // 1. Inputs, in memory the harness owns
    Rng rng(opt.seed);  // rng.hpp: the same numbers with every standard library
    const size_t n_inputs = spec.inputs.size();
    std::vector<std::vector<float>> data(n_inputs), grad(n_inputs);
    std::vector<Tensor> x(n_inputs);
    for (size_t j = 0; j < n_inputs; j++) {
        const GradcheckInput& in = spec.inputs[j];
        data[j].resize(static_cast<size_t>(in.shape.numel()));
        for (float& v : data[j]) {
            do v = in.mean + in.std * static_cast<float>(rng.normal());
            while (opt.kink_at_zero && in.checked && std::fabs(v) < 2.0f * opt.h);
        }
        if (in.checked) grad[j].resize(data[j].size());
        x[j].data = data[j].data();
        x[j].grad = in.checked ? grad[j].data() : nullptr;
        x[j].shape = in.shape;
    }

    // 2. The weights of L, one per output element (a first forward pass tells how many)
    Tape tape;
    std::vector<float> w;
    {
        NoGrad off(tape);
        w.resize(static_cast<size_t>(spec.f(tape, x).numel()));
        tape.reset();
    }
    for (float& v : w) {
        const float sign = rng.next_u64() & 1 ? 1.0f : -1.0f;
        v = sign * static_cast<float>(0.5 + rng.uniform());  // |w| in [0.5, 1.5)
    }

    // 3. The analytic gradient, on top of the pre-filled pattern
    for (size_t j = 0; j < n_inputs; j++)
        for (size_t i = 0; i < grad[j].size(); i++) grad[j][i] = prefill(i);
    {
        Tensor out = spec.f(tape, x);
        GLULAB_CHECK(out.requires_grad(), "does the output depend on a checked input?",
                     "{}: the output has no gradient buffer, so nothing was recorded", spec.name);
        Tensor loss = tape.new_tensor(Shape{1}, true);
        loss.data[0] = static_cast<float>(weighted_sum(out, w));
        Node node;
        node.op = "gradcheck_loss";
        node.backward = gradcheck_loss_backward;
        node.out = loss;
        node.in[0] = out;
        node.n_in = 1;
        node.saved[0] = w.data();
        tape.record(node);
        tape.backward(loss);
        tape.reset();
    }

    // 4 and 5. The numeric gradient of each checked element, compared as it is computed
    auto loss_at_current_inputs = [&] {
        NoGrad off(tape);
        const double L = weighted_sum(spec.f(tape, x), w);
        tape.reset();
        return L;
    };
    Worst worst;
    size_t n_checked = 0, n_off = 0;
    for (size_t j = 0; j < n_inputs; j++) {
        if (!spec.inputs[j].checked) continue;
        for (size_t i = 0; i < data[j].size(); i++) {
            float& v = data[j][i];
            const float v0 = v;
            v = v0 + opt.h;
            const float up = v;
            const double L_up = loss_at_current_inputs();
            v = v0 - opt.h;
            const float down = v;
            const double L_down = loss_at_current_inputs();
            v = v0;

            const double numeric = (L_up - L_down) / (static_cast<double>(up) - down);
            const double analytic = static_cast<double>(grad[j][i]) - prefill(i);
            double rel = std::fabs(analytic - numeric) /
                         std::max({std::fabs(analytic), std::fabs(numeric), opt.floor});
            if (std::isnan(rel)) rel = std::numeric_limits<double>::infinity();
            n_checked++;
            if (rel > opt.tol) n_off++;
            if (rel > worst.rel) worst = {rel, j, i, analytic, numeric};
        }
    }

    result.max_rel_err = std::max(worst.rel, 0.0);
    result.ok = n_off == 0;
    if (!result.ok)
        result.message = fmt::format(
            "{}: input {} element {} {}: analytic {:.6g} but numeric {:.6g} "
            "(rel err {:.2g} > tol {:.0e}; {} of {} elements off)",
            spec.name, worst.input, worst.element,
            index_str(spec.inputs[worst.input].shape, static_cast<int64_t>(worst.element)),
            worst.analytic, worst.numeric, worst.rel, opt.tol, n_off, n_checked);
    return result;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckSpec& spec) {
    try {
        return run(spec);
    } catch (const std::exception& e) {
        GradcheckResult result;
        result.name = spec.name;
        result.max_rel_err = std::numeric_limits<double>::infinity();
        result.message = fmt::format("{}: threw: {}", spec.name, e.what());
        return result;
    }
}

// The checks
// ----------
// One spec per op of autograd.hpp, then four compositions that mirror the model: an MLP with
// its loss, an attention block with its residual, a SwiGLU feed-forward, and a GELU one behind
// a LayerNorm (the --norm layernorm block). Sizes are tiny on
// purpose (each element costs two forward passes) but not trivial: every reduction has more
// than one term, every broadcast more than one row, and the embedding's ids repeat an id, so
// its backward must add, not overwrite. Inputs are N(0, 1) unless said otherwise.
std::vector<GradcheckSpec> gradcheck_specs() {
    using In = GradcheckInput;
    using X = std::span<Tensor>;
    std::vector<GradcheckSpec> specs;

    // Elementwise ops, reductions and matrix products
    specs.push_back({.name = "add",
                     .inputs = {{.shape = {3, 4}}, {.shape = {3, 4}}},
                     .f = [](Tape& t, X x) { return add(t, x[0], x[1]); }});
    specs.push_back({.name = "add_bias",
                     .inputs = {{.shape = {2, 3, 4}}, {.shape = {4}}},
                     .f = [](Tape& t, X x) { return add_bias(t, x[0], x[1]); }});
    specs.push_back({.name = "mul",
                     .inputs = {{.shape = {3, 4}}, {.shape = {3, 4}}},
                     .f = [](Tape& t, X x) { return mul(t, x[0], x[1]); }});
    specs.push_back({.name = "scale",
                     .inputs = {{.shape = {3, 4}}},
                     .f = [](Tape& t, X x) { return scale(t, x[0], -1.5f); }});
    specs.push_back({.name = "sum",
                     .inputs = {{.shape = {3, 4}}},
                     .f = [](Tape& t, X x) { return sum(t, x[0]); }});
    specs.push_back({.name = "mean",
                     .inputs = {{.shape = {3, 4}}},
                     .f = [](Tape& t, X x) { return mean(t, x[0]); }});
    specs.push_back({.name = "matmul",
                     .inputs = {{.shape = {2, 3, 4}}, {.shape = {4, 5}}},
                     .f = [](Tape& t, X x) { return matmul(t, x[0], x[1]); }});
    specs.push_back({.name = "matmul_trans_b",
                     .inputs = {{.shape = {3, 4}}, {.shape = {5, 4}}},
                     .f = [](Tape& t, X x) { return matmul(t, x[0], x[1], /*trans_b=*/true); }});
    specs.push_back({.name = "linear",
                     .inputs = {{.shape = {2, 3, 4}}, {.shape = {5, 4}}, {.shape = {5}}},
                     .f = [](Tape& t, X x) { return linear(t, x[0], x[1], x[2]); }});
    specs.push_back({.name = "linear_no_bias",
                     .inputs = {{.shape = {2, 3, 4}}, {.shape = {5, 4}}},
                     .f = [](Tape& t, X x) { return linear(t, x[0], x[1]); }});

    // Activations, on N(0, 2^2) to reach into both tails; relu needs its kink handled
    const In act_in{.shape = {3, 5}, .std = 2.0f};
    specs.push_back({.name = "relu",
                     .inputs = {act_in},
                     .f = [](Tape& t, X x) { return relu(t, x[0]); },
                     .options = {.kink_at_zero = true}});
    specs.push_back({.name = "gelu",
                     .inputs = {act_in},
                     .f = [](Tape& t, X x) { return gelu(t, x[0]); }});
    specs.push_back({.name = "gelu_tanh",
                     .inputs = {act_in},
                     .f = [](Tape& t, X x) { return activation(t, x[0], Act::gelu_tanh); }});
    specs.push_back({.name = "sigmoid",
                     .inputs = {act_in},
                     .f = [](Tape& t, X x) { return sigmoid(t, x[0]); }});
    specs.push_back({.name = "silu",
                     .inputs = {act_in},
                     .f = [](Tape& t, X x) { return silu(t, x[0]); }});

    // The GLU family: act(gate) * up, one check per activation, on rows [up (5) | gate (5)]
    struct Variant {
        const char* name;
        Act act;
    };
    for (Variant v : {Variant{"glu_sigmoid", Act::sigmoid}, Variant{"glu_identity", Act::identity},
                      Variant{"glu_relu", Act::relu}, Variant{"glu_gelu", Act::gelu},
                      Variant{"glu_silu", Act::silu}})
        specs.push_back({.name = v.name,
                         .inputs = {{.shape = {3, 10}, .std = 2.0f}},
                         .f = [act = v.act](Tape& t, X x) { return glu(t, x[0], act); },
                         .options = {.kink_at_zero = v.act == Act::relu}});
    // A parameter in the gate: Swish-beta, act(beta * gate) * up, beta (1) learned
    specs.push_back({.name = "glu_silu_beta",
                     .inputs = {{.shape = {3, 10}, .std = 2.0f}, {.shape = {1}, .mean = 1.2f, .std = 0.2f}},
                     .f = [](Tape& t, X x) { return glu(t, x[0], Act::silu, x[1]); }});

    // Normalisation, softmax and the loss
    specs.push_back({.name = "rms_norm",
                     .inputs = {{.shape = {4, 8}}, {.shape = {8}, .mean = 1.0f, .std = 0.5f}},
                     .f = [](Tape& t, X x) { return rms_norm(t, x[0], x[1]); }});
    // Inputs off-centre (mean 0.5), so the path through the row mean carries real gradient
    specs.push_back({.name = "layer_norm",
                     .inputs = {{.shape = {4, 8}, .mean = 0.5f},
                                {.shape = {8}, .mean = 1.0f, .std = 0.5f},
                                {.shape = {8}, .std = 0.5f}},
                     .f = [](Tape& t, X x) { return layer_norm(t, x[0], x[1], x[2]); }});
    specs.push_back({.name = "softmax",
                     .inputs = {{.shape = {3, 6}, .std = 2.0f}},
                     .f = [](Tape& t, X x) { return softmax(t, x[0]); },
                     .options = {.h = 3e-2f}});
    const std::vector<int> targets = {1, 4, 0, 3, 2, 4};  // one per row of the (6, 5) logits
    specs.push_back({.name = "cross_entropy",
                     .inputs = {{.shape = {6, 5}, .std = 2.0f}},
                     .f = [targets](Tape& t, X x) { return cross_entropy(t, x[0], targets.data()); },
                     .options = {.h = 3e-2f}});

    // Embedding (weight checked, ids fixed; id 3 and id 1 appear twice), attention, dropout
    const std::vector<int> ids = {3, 1, 3, 0, 6, 1};  // (2, 3) ids into a (7, 4) table
    specs.push_back({.name = "embedding",
                     .inputs = {{.shape = {7, 4}}},
                     .f = [ids](Tape& t, X x) { return embedding(t, ids.data(), Shape{2, 3}, x[0]); }});
    specs.push_back({.name = "attention",  // qkv (B=2, T=5, 3C) with C=8, NH=2
                     .inputs = {{.shape = {2, 5, 24}}},
                     .f = [](Tape& t, X x) { return attention(t, x[0], 2); }});
    specs.push_back({.name = "dropout",  // the seed fixes the mask, so every pass drops the same
                     .inputs = {{.shape = {4, 8}}},
                     .f = [](Tape& t, X x) { return dropout(t, x[0], 0.25f, 1234); }});

    // Compositions
    // mlp2: x (N=6, C=4) -> linear (H=8) -> gelu -> linear (V=5) -> cross_entropy
    specs.push_back({.name = "mlp2",
                     .inputs = {{.shape = {6, 4}},
                                {.shape = {8, 4}, .std = 0.5f}, {.shape = {8}, .std = 0.1f},
                                {.shape = {5, 8}, .std = 0.35f}, {.shape = {5}, .std = 0.1f}},
                     .f = [targets](Tape& t, X x) {
                         Tensor h = gelu(t, linear(t, x[0], x[1], x[2]));
                         return cross_entropy(t, linear(t, h, x[3], x[4]), targets.data());
                     }});
    // attention_block: x (B=2, T=5, C=8) + proj(attention(qkv(rms_norm(x)))), NH=2
    specs.push_back({.name = "attention_block",
                     .inputs = {{.shape = {2, 5, 8}},
                                {.shape = {8}, .mean = 1.0f, .std = 0.2f},
                                {.shape = {24, 8}, .std = 0.35f}, {.shape = {24}, .std = 0.1f},
                                {.shape = {8, 8}, .std = 0.35f}, {.shape = {8}, .std = 0.1f}},
                     .f = [](Tape& t, X x) {
                         Tensor qkv = linear(t, rms_norm(t, x[0], x[1]), x[2], x[3]);
                         Tensor y = linear(t, attention(t, qkv, 2), x[4], x[5]);
                         return add(t, x[0], y);
                     }});
    // swiglu_ffn: x (B=2, T=3, C=8) -> rms_norm -> [up | gate] (2H=24, one product) -> glu silu
    // -> down (C=8)
    specs.push_back({.name = "swiglu_ffn",
                     .inputs = {{.shape = {2, 3, 8}},
                                {.shape = {8}, .mean = 1.0f, .std = 0.2f},
                                {.shape = {24, 8}, .std = 0.35f},
                                {.shape = {8, 12}, .std = 0.3f}},
                     .f = [](Tape& t, X x) {
                         Tensor n = rms_norm(t, x[0], x[1]);
                         Tensor h = glu(t, linear(t, n, x[2]), Act::silu);
                         return linear(t, h, x[3]);
                     }});
    // layernorm_ffn: x (B=2, T=3, C=8) + down(gelu(up(layer_norm(x)))), H=12: the plain
    // FFN sub-layer of a --norm layernorm block, with its residual
    specs.push_back({.name = "layernorm_ffn",
                     .inputs = {{.shape = {2, 3, 8}, .mean = 0.5f},
                                {.shape = {8}, .mean = 1.0f, .std = 0.2f}, {.shape = {8}, .std = 0.2f},
                                {.shape = {12, 8}, .std = 0.35f}, {.shape = {8, 12}, .std = 0.3f}},
                     .f = [](Tape& t, X x) {
                         Tensor h = gelu(t, linear(t, layer_norm(t, x[0], x[1], x[2]), x[3]));
                         return add(t, x[0], linear(t, h, x[4]));
                     }});
    return specs;
}

std::vector<GradcheckResult> gradcheck_all() {
    std::vector<GradcheckResult> results;
    for (const GradcheckSpec& spec : gradcheck_specs()) results.push_back(gradcheck(spec));
    return results;
}

std::string format_result(const GradcheckResult& r) {
    std::string line = fmt::format("{:<4} {:<16} max rel err {:.1e}", r.ok ? "OK" : "FAIL", r.name,
                                   r.max_rel_err);
    return r.ok ? line : line + "\n     " + r.message;
}

}  // namespace glulab
