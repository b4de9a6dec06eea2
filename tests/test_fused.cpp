// test_fused.cpp — composite first, fused second, and a test that they agree.
//
// Contains: silu(x) against mul(x, sigmoid(x)); glu(up_gate, act) on the rows [up | gate] of one product against
// mul(activation(gate, act), up) for each of the five GLU activations; gelu_tanh against gelu.
// Each pair is compared on its forward output and on the gradients of its inputs after
// backward. Run just these with: build/tests -tc="fused*"
//
// The tolerance
// -------------
// A fused kernel and its composite compute the same formula in float, in a different order
// (one pass instead of two; a derivative written out instead of chained through mul). Such
// reorderings differ by a few units in the last place, about 1e-7 relative. The pairs must agree
// within
//
//     |fused - composite| <= 1e-6 * max(1, |fused|, |composite|)
//
// about ten roundings' worth (today they agree to 1e-7, as the kernels share the scalar
// formulas of src/ops/act_scalar.hpp). A wrong formula is off by far more: even gelu_tanh, a
// close approximation of gelu, differs from it by up to 5e-4.
//
// Lesson 05 · gradient checking
#include <doctest/doctest.h>

#include "glulab/autograd/autograd.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <string>
#include <vector>

using namespace glulab;

TEST_SUITE_BEGIN("lesson05");  // make test LESSON=05 runs these

namespace {

constexpr double kTol = 1e-6;  // relative, with values below 1 compared absolutely (see above)
constexpr int kN = 80;         // points per input

// x_i = -3.95, -3.85, ..., 3.95: [-4, 4] in steps of 0.1, never exactly 0 (relu's kink).
std::vector<float> grid() {
    std::vector<float> x(kN);
    for (int i = 0; i < kN; i++) x[static_cast<size_t>(i)] = 0.1f * (static_cast<float>(i) - 39.5f);
    return x;
}

// A second input that is not a function of the first: values in [-1.5, 1.5], in no order.
std::vector<float> wiggle(float phase) {
    std::vector<float> x(kN);
    for (int i = 0; i < kN; i++) x[static_cast<size_t>(i)] = 1.5f * std::sin(2.3f * static_cast<float>(i) + phase);
    return x;
}

// What one side of a pair computes: its output and the gradient of each input.
struct Pass {
    std::vector<float> out;
    std::vector<std::vector<float>> grad;
};

// The fixed weights w_i = 1 + 0.5 sin(i) of the loss L = sum_i out_i * w_i, so that every
// output element reaches the gradients with its own weight.
std::vector<float> loss_weights() {
    std::vector<float> w(kN);
    for (int i = 0; i < kN; i++) w[static_cast<size_t>(i)] = 1.0f + 0.5f * std::sin(static_cast<float>(i));
    return w;
}

// Runs f on the given input values and backpropagates L = sum_i out_i * w_i (loss_weights).
Pass run(const std::function<Tensor(Tape&, std::span<Tensor>)>& f,
         std::vector<std::vector<float>> values) {
    Pass p;
    p.grad.assign(values.size(), std::vector<float>(kN, 0.0f));
    std::vector<Tensor> x(values.size());
    for (size_t j = 0; j < values.size(); j++) x[j] = {values[j].data(), p.grad[j].data(), Shape{kN}};

    Tape tape;
    Tensor out = f(tape, x);
    std::vector<float> w = loss_weights();
    Tensor weights{w.data(), nullptr, out.shape};
    tape.backward(sum(tape, mul(tape, out, weights)));
    p.out.assign(out.data, out.data + out.numel());
    return p;
}

bool agrees(float a, float b) {
    return std::fabs(a - b) <= kTol * std::max({1.0f, std::fabs(a), std::fabs(b)});
}

// Fused and composite agree on every output and every input gradient.
void check_agree(const Pass& fused, const Pass& composite) {
    REQUIRE(fused.out.size() == composite.out.size());
    for (size_t i = 0; i < fused.out.size(); i++) {
        INFO("output element " << i << ": fused " << fused.out[i] << " but composite "
                               << composite.out[i]);
        CHECK(agrees(fused.out[i], composite.out[i]));
    }
    REQUIRE(fused.grad.size() == composite.grad.size());
    for (size_t j = 0; j < fused.grad.size(); j++)
        for (size_t i = 0; i < fused.grad[j].size(); i++) {
            INFO("gradient of input " << j << " element " << i << ": fused " << fused.grad[j][i]
                                      << " but composite " << composite.grad[j][i]);
            CHECK(agrees(fused.grad[j][i], composite.grad[j][i]));
        }
}

}  // namespace

// silu
// ----
// silu(x) = x * sigmoid(x): the composite backward goes through mul and sigmoid, the fused one
// uses silu'(x) = s (1 + x (1 - s)) written out.
TEST_CASE("fused: silu(x) agrees with mul(x, sigmoid(x))") {
    Pass fused = run([](Tape& t, std::span<Tensor> x) { return silu(t, x[0]); }, {grid()});
    Pass composite = run([](Tape& t, std::span<Tensor> x) { return mul(t, x[0], sigmoid(t, x[0])); },
                         {grid()});
    check_agree(fused, composite);
}

// The GLU family
// --------------
// glu(up_gate, act) = act(gate) * up in one kernel, reading both halves of the (N, 2H) rows
// [up | gate] of one product, against activation then mul on two separate arrays. The same kN
// values of gate and up go in both ways: for the fused side as N = 8 rows of H = 10, each row
// [up | gate], with the gradient of that one tensor split back into the two inputs'.
static Pass run_glu_on_joined_rows(Act act, const std::vector<float>& gate, const std::vector<float>& up) {
    constexpr int N = 8, H = kN / N;
    static_assert(N * H == kN);
    std::vector<float> joined(2 * kN), djoined(2 * kN, 0.0f);
    auto at = [](int r, int i) { return static_cast<size_t>(r * 2 * H + i); };
    for (int r = 0; r < N; r++)
        for (int i = 0; i < H; i++) {
            joined[at(r, i)] = up[static_cast<size_t>(r * H + i)];
            joined[at(r, H + i)] = gate[static_cast<size_t>(r * H + i)];
        }
    Tape tape;
    Tensor out = glu(tape, Tensor{joined.data(), djoined.data(), Shape{N, 2 * H}}, act).view(Shape{kN});
    std::vector<float> w = loss_weights();
    tape.backward(sum(tape, mul(tape, out, Tensor{w.data(), nullptr, out.shape})));
    Pass p;
    p.out.assign(out.data, out.data + out.numel());
    p.grad.assign(2, std::vector<float>(kN, 0.0f));
    for (int r = 0; r < N; r++)
        for (int i = 0; i < H; i++) {
            p.grad[0][static_cast<size_t>(r * H + i)] = djoined[at(r, H + i)];  // gate
            p.grad[1][static_cast<size_t>(r * H + i)] = djoined[at(r, i)];      // up
        }
    return p;
}

TEST_CASE("fused: glu(up_gate, act) agrees with mul(activation(gate, act), up)") {
    for (Act act : {Act::sigmoid, Act::identity, Act::relu, Act::gelu, Act::silu}) {
        SUBCASE(std::string(act_name(act)).c_str()) {
            Pass fused = run_glu_on_joined_rows(act, grid(), wiggle(0.3f));
            Pass composite = run([act](Tape& t, std::span<Tensor> x) {
                return mul(t, activation(t, x[0], act), x[1]);
            }, {grid(), wiggle(0.3f)});
            check_agree(fused, composite);
        }
    }
}

// gelu_tanh
// ---------
// Not the same function as gelu but GPT-2's approximation of it: close, and not equal. On
// [-4, 4] the values differ by at most 4.7e-4 (near x = -2.7) and the derivatives by 8.7e-4,
// which the weights of L (up to 1.5) scale to 1.3e-3 in the gradients.
TEST_CASE("fused: gelu_tanh stays within 1e-3 of gelu on [-4, 4]") {
    Pass exact = run([](Tape& t, std::span<Tensor> x) { return gelu(t, x[0]); }, {grid()});
    Pass approx = run([](Tape& t, std::span<Tensor> x) { return activation(t, x[0], Act::gelu_tanh); },
                      {grid()});
    const std::vector<float> x = grid();
    float max_diff = 0.0f;
    for (size_t i = 0; i < x.size(); i++) {
        INFO("x = " << x[i] << ": gelu " << exact.out[i] << ", gelu_tanh " << approx.out[i]
                    << "; gradients " << exact.grad[0][i] << ", " << approx.grad[0][i]);
        CHECK(std::fabs(exact.out[i] - approx.out[i]) <= 1e-3f);
        CHECK(std::fabs(exact.grad[0][i] - approx.grad[0][i]) <= 2e-3f);
        max_diff = std::max(max_diff, std::fabs(exact.out[i] - approx.out[i]));
    }
    CHECK(max_diff > 1e-4f);  // an approximation, not a second name for the same kernel
}

TEST_SUITE_END();

// glu_backward computes act and act' of each gate value once for both gradients
// (act_scalar.hpp → act_value_and_derivative: one exp for sigmoid and silu). That must not
// change a bit: the usual call, with both gradients, against one call per gradient, whose
// loops take act_value and act_derivative apart. H = 37 leaves a remainder after the vector
// lanes; gate values cover both signs and the sigmoid's flat tails.
TEST_CASE("fused: glu_backward's shared act and act' give the bits of each gradient alone") {
    constexpr int N = 5, H = 37;
    std::vector<float> gate(N * H), up(N * H), dout(N * H);
    for (int i = 0; i < N * H; i++) {
        gate[static_cast<size_t>(i)] = -12.0f + 24.0f * static_cast<float>(i) / (N * H - 1);
        up[static_cast<size_t>(i)] = 0.25f + 0.01f * static_cast<float>(i % 17);
        dout[static_cast<size_t>(i)] = 1.0f - 0.02f * static_cast<float>(i % 23);
    }
    for (Act act : {Act::sigmoid, Act::identity, Act::relu, Act::gelu, Act::gelu_tanh, Act::silu}) {
        CAPTURE(act_name(act));
        std::vector<float> dg_both(N * H, 0.5f), du_both(N * H, 0.5f);  // pre-filled: backward adds
        std::vector<float> dg(N * H, 0.5f), du(N * H, 0.5f);
        glu_backward(dg_both.data(), du_both.data(), dout.data(), gate.data(), up.data(), N, H, H,
                     act);
        glu_backward(dg.data(), nullptr, dout.data(), gate.data(), up.data(), N, H, H, act);
        glu_backward(nullptr, du.data(), dout.data(), gate.data(), up.data(), N, H, H, act);
        CHECK(dg_both == dg);
        CHECK(du_both == du);
    }
}
