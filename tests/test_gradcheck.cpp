// test_gradcheck.cpp — every op's backward against central differences, and the harness itself.
//
// Contains: one subcase per registered check (gradcheck_specs: each op, then mlp2,
// attention_block, swiglu_ffn, layernorm_ffn), a whole --norm layernorm model, the harness's
// bookkeeping (gradcheck_all, format_result, errors), and "the harness has teeth": small ops
// defined here whose backward is wrong on purpose, each of which the harness must reject by
// name, among them a layer_norm that forgets the path through the row mean.
// Run just these with: build/tests -tc="gradcheck*"
//
// Lesson 05 · gradient checking
#include <doctest/doctest.h>

#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/ops/ops.hpp"

#include <string>
#include <vector>

using namespace glulab;

TEST_SUITE_BEGIN("lesson05");  // make test LESSON=05 runs these

// Every registered check
// ----------------------
// One subcase per check, named after it: build/tests -tc="gradcheck: every*" -sc="rms_norm".
TEST_CASE("gradcheck: every registered op and composition passes") {
    for (const GradcheckSpec& spec : gradcheck_specs()) {
        SUBCASE(spec.name.c_str()) {
            GradcheckResult r = gradcheck(spec);
            INFO(format_result(r));
            CHECK_MESSAGE(r.ok, r.message);
            CHECK(r.name == spec.name);
        }
    }
}

TEST_CASE("gradcheck: gradcheck_all runs the registry in order; format_result prints like the CLI") {
    std::vector<GradcheckSpec> specs = gradcheck_specs();
    std::vector<GradcheckResult> results = gradcheck_all();
    REQUIRE(results.size() == specs.size());
    for (size_t i = 0; i < specs.size(); i++) CHECK(results[i].name == specs[i].name);

    std::vector<std::string> expected = {
        "add", "add_bias", "mul", "scale", "sum", "mean", "matmul", "matmul_trans_b", "linear",
        "linear_no_bias", "relu", "gelu", "gelu_tanh", "sigmoid", "silu", "glu_sigmoid",
        "glu_identity", "glu_relu", "glu_gelu", "glu_silu", "glu_silu_beta", "rms_norm", "layer_norm", "softmax",
        "cross_entropy", "embedding", "attention", "dropout", "mlp2", "attention_block",
        "swiglu_ffn", "layernorm_ffn"};
    std::vector<std::string> names;
    for (const GradcheckResult& r : results) names.push_back(r.name);
    CHECK(names == expected);

    GradcheckResult ok{.name = "rms_norm", .ok = true, .max_rel_err = 3.3e-4, .message = ""};
    CHECK(format_result(ok) == "OK   rms_norm         max rel err 3.3e-04");
    GradcheckResult bad{.name = "mul", .ok = false, .max_rel_err = 2.0, .message = "mul: input 1 ..."};
    CHECK(format_result(bad) == "FAIL mul              max rel err 2.0e+00\n     mul: input 1 ...");
}

TEST_CASE("gradcheck: an input held fixed gets no gradient and is skipped by the kernels") {
    // mul with b fixed: mul_backward receives db = nullptr and must leave it alone.
    GradcheckResult r = gradcheck({.name = "mul_fixed_b",
                                   .inputs = {{.shape = {3, 4}}, {.shape = {3, 4}, .checked = false}},
                                   .f = [](Tape& t, std::span<Tensor> x) { return mul(t, x[0], x[1]); }});
    CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("gradcheck: a check that throws becomes a failed result naming the check") {
    GradcheckResult r = gradcheck({.name = "add_mismatch",
                                   .inputs = {{.shape = {3, 4}}, {.shape = {4, 3}}},
                                   .f = [](Tape& t, std::span<Tensor> x) { return add(t, x[0], x[1]); }});
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("add_mismatch: threw: ") == 0);
    CHECK(r.message.find("shapes (3, 4) and (4, 3) differ") != std::string::npos);
}

// The harness has teeth
// ---------------------
// square(x) = x * x, recorded with tape.record(Node{...}) like autograd.cpp does, once with the
// right backward and then with the mistakes a hand-written backward really makes. Each is run
// through the harness under its own name; each wrong one must fail, naming the op.
namespace {

void square_forward(const Node& n) {
    for (int64_t i = 0; i < n.out.numel(); i++) n.out.data[i] = n.in[0].data[i] * n.in[0].data[i];
}

// d(x^2)/dx = 2x: the right backward accumulates dx += 2x * dout.
void square_backward(const Node& n) {
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] += 2.0f * n.in[0].data[i] * n.out.grad[i];
}
void square_backward_sign_flipped(const Node& n) {
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] -= 2.0f * n.in[0].data[i] * n.out.grad[i];
}
void square_backward_assigns(const Node& n) {  // = where += belongs
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] = 2.0f * n.in[0].data[i] * n.out.grad[i];
}
void square_backward_factor_two(const Node& n) {  // forgot that the 2 was already there
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] += 4.0f * n.in[0].data[i] * n.out.grad[i];
}
void square_backward_five_percent(const Node& n) {  // a subtle slip, just above the tolerance
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] += 2.1f * n.in[0].data[i] * n.out.grad[i];
}
void square_backward_shifted(const Node& n) {  // each gradient lands on the next element
    const int64_t N = n.out.numel();
    for (int64_t i = 0; i < N; i++)
        n.in[0].grad[(i + 1) % N] += 2.0f * n.in[0].data[i] * n.out.grad[i];
}

// The glue of a custom op: output, forward, and (when recording) a Node with the given backward.
Tensor square(Tape& tape, Tensor x, const char* op, void (*backward)(const Node&)) {
    const bool rec = tape.wants_grad({x});
    Node n;
    n.op = op;
    n.backward = backward;
    n.out = tape.new_tensor(x.shape, rec);
    n.in[0] = x;
    n.n_in = 1;
    square_forward(n);
    if (rec) tape.record(n);
    return n.out;
}

// a * b with a backward that assigns: right when a and b are different tensors whose gradients
// start at zero, wrong when they are the same tensor (the second write erases the first).
void times_backward_assigns(const Node& n) {
    for (int64_t i = 0; i < n.out.numel(); i++) {
        n.in[0].grad[i] = n.in[1].data[i] * n.out.grad[i];
        n.in[1].grad[i] = n.in[0].data[i] * n.out.grad[i];
    }
}
Tensor times_assigning(Tape& tape, Tensor a, Tensor b) {
    const bool rec = tape.wants_grad({a, b});
    Tensor out = tape.new_tensor(a.shape, rec);
    for (int64_t i = 0; i < out.numel(); i++) out.data[i] = a.data[i] * b.data[i];
    if (rec) {
        Node n;
        n.op = "times_assigning";
        n.backward = times_backward_assigns;
        n.out = out;
        n.in[0] = a;
        n.in[1] = b;
        n.n_in = 2;
        tape.record(n);
    }
    return out;
}

GradcheckResult check_square(const char* op, void (*backward)(const Node&)) {
    return gradcheck({.name = op,
                      .inputs = {{.shape = {3, 4}}},
                      .f = [op, backward](Tape& t, std::span<Tensor> x) {
                          return square(t, x[0], op, backward);
                      }});
}

// The harness's message must start with the op's name and say what it found.
void check_names(const GradcheckResult& r, const std::string& op) {
    INFO(r.message);
    CHECK_FALSE(r.ok);
    CHECK(r.max_rel_err > 1e-2);
    CHECK(r.message.find(op + ": input 0 element ") == 0);
    CHECK(r.message.find("analytic ") != std::string::npos);
    CHECK(r.message.find(" but numeric ") != std::string::npos);
    CHECK(format_result(r).find("FAIL " + op) == 0);
}

}  // namespace

TEST_CASE("gradcheck teeth: the right backward of a custom op passes") {
    GradcheckResult r = check_square("square", square_backward);
    CHECK_MESSAGE(r.ok, r.message);
    CHECK(r.max_rel_err < 1e-3);
}

TEST_CASE("gradcheck teeth: a sign flip is caught and named") {
    check_names(check_square("square_sign_flipped", square_backward_sign_flipped),
                "square_sign_flipped");
}

TEST_CASE("gradcheck teeth: = instead of += is caught through the pre-filled gradients") {
    // square is the only user of its input, so without the pre-fill = and += would agree.
    check_names(check_square("square_assigns", square_backward_assigns), "square_assigns");
}

TEST_CASE("gradcheck teeth: a factor of two is caught and named") {
    check_names(check_square("square_factor_two", square_backward_factor_two), "square_factor_two");
}

TEST_CASE("gradcheck teeth: a gradient 5 percent off is above the tolerance") {
    GradcheckResult r = check_square("square_five_percent", square_backward_five_percent);
    check_names(r, "square_five_percent");
    CHECK(r.max_rel_err == doctest::Approx(0.1 / 2.1).epsilon(0.01));
}

TEST_CASE("gradcheck teeth: gradients sent to the wrong elements are caught") {
    check_names(check_square("square_shifted", square_backward_shifted), "square_shifted");
}

TEST_CASE("gradcheck teeth: a tensor used twice by one op") {
    auto x_times_x = [](const char* name, bool assigning) {
        return gradcheck({.name = name,
                          .inputs = {{.shape = {3, 4}}},
                          .f = [assigning](Tape& t, std::span<Tensor> x) {
                              // y = x + x is an activation: its gradient starts at zero, so only
                              // the double use below can expose the assignment.
                              Tensor y = add(t, x[0], x[0]);
                              return assigning ? times_assigning(t, y, y) : mul(t, y, y);
                          }});
    };
    // mul's backward adds both contributions, da += dout * b and db += dout * a, into the one
    // gradient: d(y*y)/dy = 2y.
    GradcheckResult right = x_times_x("mul_self", false);
    CHECK_MESSAGE(right.ok, right.message);
    // The assigning version keeps only the last write, y * dout: half the gradient.
    GradcheckResult wrong = x_times_x("times_assigning_self", true);
    check_names(wrong, "times_assigning_self");
    CHECK(wrong.max_rel_err == doctest::Approx(0.5).epsilon(0.01));
}

// A whole model with --norm layernorm
// -----------------------------------
// Every parameter of a small Transformer (L=1, C=8, NH=2, T=3, V=5, gelu FFN, H=16) through the
// mean loss. The harness draws and owns the tensors; each forward points the model's layer
// views at them (a test-only rebinding: the model's own arena is never used), so the harness's
// perturbations and gradient buffers are the model's. Inputs follow the declaration order.
namespace {

Tensor layernorm_model_loss(Tape& tape, std::span<Tensor> x) {
    static Transformer model(ModelConfig{.vocab_size = 5, .ctx = 3, .layers = 1, .d_model = 8,
                                         .heads = 2, .ffn = FfnKind::gelu, .d_ff = 16,
                                         .norm = NormKind::layernorm});
    Block& b = model.blocks[0];
    Tensor* views[] = {&model.wte.weight,  &model.wpe.weight,    &b.attn_norm.weight,
                       &b.attn_norm.bias,  &b.attn.qkv.weight,   &b.attn.proj.weight,
                       &b.ffn_norm.weight, &b.ffn_norm.bias,     &b.ffn.up.weight,
                       &b.ffn.down.weight, &model.norm_f.weight, &model.norm_f.bias,
                       &model.lm_head.weight};
    REQUIRE(std::size(views) == model.params().entries().size());
    REQUIRE(x.size() == std::size(views));
    for (size_t i = 0; i < x.size(); i++) {
        REQUIRE(x[i].shape == views[i]->shape);
        REQUIRE(model.params().entries()[i].shape == views[i]->shape);
        *views[i] = x[i];
    }
    static const int idx[] = {1, 4, 0, 3, 3, 2}, targets[] = {4, 0, 3, 3, 2, 1};  // (B=2, T=3)
    return model.loss(tape, idx, targets, 2, 3);
}

}  // namespace

TEST_CASE("gradcheck: a whole --norm layernorm model, every parameter through the loss") {
    const GradcheckInput gain{.shape = {8}, .mean = 1.0f, .std = 0.2f}, bias{.shape = {8}, .std = 0.2f};
    GradcheckResult r = gradcheck({.name = "layernorm_model",
                                   .inputs = {{.shape = {5, 8}}, {.shape = {3, 8}}, gain, bias,
                                              {.shape = {24, 8}, .std = 0.35f}, {.shape = {8, 8}, .std = 0.35f},
                                              gain, bias,
                                              {.shape = {16, 8}, .std = 0.35f}, {.shape = {8, 16}, .std = 0.25f},
                                              gain, bias, {.shape = {5, 8}, .std = 0.35f}},
                                   .f = layernorm_model_loss,
                                   .options = {.h = 3e-2f}});
    INFO(format_result(r));
    CHECK_MESSAGE(r.ok, r.message);
    CHECK(r.max_rel_err < 1e-2);  // printed by build/tests -tc="*layernorm model*" -s
}

// layer_norm with the backward of lesson 08's most likely slip: the RMSNorm-shaped formula
// dx = rstd (dxhat - xhat mean(dxhat xhat)), without the -mean(dxhat) of the path through the
// row mean. Right when every row's dxhat averages to zero, so the check must use inputs where it
// does not (any dout and gain); dg and db are right, so the message names input 0 (x).
namespace {
void layer_norm_backward_no_mean_path(const Node& n) {
    const int64_t N = n.out.rows();
    const int C = n.out.cols();
    layer_norm_backward(nullptr, n.in[1].grad, n.in[2].grad, n.out.grad, n.in[0].data, n.in[1].data,
                        n.saved[0], n.saved[1], N, C);
    for (int64_t i = 0; i < N; i++) {
        const float *xi = n.in[0].data + i * C, *di = n.out.grad + i * C, *g = n.in[1].data;
        const float m = n.saved[0][i], r = n.saved[1][i];
        float dot = 0.0f;
        for (int c = 0; c < C; c++) dot += di[c] * g[c] * (xi[c] - m) * r;
        for (int c = 0; c < C; c++)
            n.in[0].grad[i * C + c] += r * (di[c] * g[c] - (xi[c] - m) * r * dot / static_cast<float>(C));
    }
}
Tensor layer_norm_no_mean_path(Tape& tape, Tensor x, Tensor g, Tensor b) {
    const bool rec = tape.wants_grad({x, g, b});
    const int64_t N = x.rows();
    Node n;
    n.op = "layer_norm_no_mean_path";
    n.backward = layer_norm_backward_no_mean_path;
    n.out = tape.new_tensor(x.shape, rec);
    n.in = {x, g, b};
    n.n_in = 3;
    n.saved = {tape.scratch(static_cast<size_t>(N)), tape.scratch(static_cast<size_t>(N))};
    layer_norm_forward(n.out.data, n.saved[0], n.saved[1], x.data, g.data, b.data, N, x.cols(), 1e-5f);
    if (rec) tape.record(n);
    return n.out;
}
}  // namespace

TEST_CASE("gradcheck teeth: a layer_norm that forgets the path through the mean is caught") {
    GradcheckSpec spec;  // the registered layer_norm check, with the op swapped
    for (const GradcheckSpec& s : gradcheck_specs())
        if (s.name == "layer_norm") spec = s;
    REQUIRE(spec.name == "layer_norm");
    spec.name = "layer_norm_no_mean_path";
    spec.f = [](Tape& t, std::span<Tensor> x) { return layer_norm_no_mean_path(t, x[0], x[1], x[2]); };
    check_names(gradcheck(spec), "layer_norm_no_mean_path");
}

TEST_CASE("gradcheck teeth: relu's kink needs the re-draw near 0") {
    // Inputs of size 0.01 with h = 0.01: many central differences straddle the kink at 0.
    GradcheckSpec spec{.name = "relu_near_zero",
                       .inputs = {{.shape = {4, 8}, .std = 0.01f}},
                       .f = [](Tape& t, std::span<Tensor> x) { return relu(t, x[0]); }};
    GradcheckResult straddling = gradcheck(spec);
    CHECK_FALSE(straddling.ok);
    spec.options.kink_at_zero = true;  // re-draws every value within 2h of 0
    GradcheckResult redrawn = gradcheck(spec);
    CHECK_MESSAGE(redrawn.ok, redrawn.message);
}

TEST_SUITE_END();
