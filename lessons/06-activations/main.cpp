// Lesson 06 · activations — five functions, their derivatives, and SiLU built twice.
//
// 1. relu, gelu, gelu_tanh, sigmoid and silu at a few points: values from each op's forward
//    kernel, derivatives from its backward kernel (fed dout = 1).
// 2. Those derivatives against central differences, by the gradient-check harness of lesson 05.
// 3. Exact gelu against its tanh approximation; where gelu' and silu' exceed 1.
// 4. silu composite, mul(x, sigmoid(x)) on the tape, against silu fused, one node.
// 5. The fused kernel, vectorised with glibc's vector expf, against a one-call-per-element loop.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/ops/ops.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

using namespace glulab;

namespace {

const Act kActs[] = {Act::relu, Act::gelu, Act::gelu_tanh, Act::sigmoid, Act::silu};

// f(x) for every x, by the op's forward kernel.
std::vector<float> values(Act act, const std::vector<float>& x) {
    std::vector<float> out(x.size());
    activation_forward(out.data(), x.data(), static_cast<int64_t>(x.size()), act);
    return out;
}

// f'(x) for every x: the backward kernel adds dout * f'(x) into dx, so dout = 1 and dx = 0
// leave exactly f'(x) in dx.
std::vector<float> derivatives(Act act, const std::vector<float>& x) {
    std::vector<float> dx(x.size(), 0.0f), ones(x.size(), 1.0f);
    activation_backward(dx.data(), ones.data(), x.data(), static_cast<int64_t>(x.size()), act);
    return dx;
}

void print_table(const char* title, const std::vector<float>& x,
                 std::vector<float> (*f)(Act, const std::vector<float>&)) {
    fmt::print("{}\n{:>7}", title, "x");
    for (Act act : kActs) fmt::print("{:>11}", act_name(act));
    fmt::print("\n");
    std::vector<std::vector<float>> cols;
    for (Act act : kActs) cols.push_back(f(act, x));
    for (size_t i = 0; i < x.size(); i++) {
        fmt::print("{:7.2f}", x[i]);
        for (const auto& col : cols) fmt::print("{:11.4f}", col[i] == 0.0f ? 0.0f : col[i]);
        fmt::print("\n");
    }
}

// Runs `f` on x (n), then backward from L = sum(f(x)). Returns f(x) and dL/dx; prints the tape.
struct Run {
    std::vector<float> out, dx;
};
Run run_on_tape(const char* title, const std::vector<float>& x_values, Tensor (*f)(Tape&, Tensor)) {
    std::vector<float> xv = x_values, dx(xv.size(), 0.0f);
    Tensor x{xv.data(), dx.data(), Shape{static_cast<int>(xv.size())}};
    Tape tape;
    Tensor y = f(tape, x);
    tape.backward(sum(tape, y));
    fmt::print("{} ({} floats of activations and gradients)\n{}", title,
               tape.arena().used_floats(), tape.listing());
    return {std::vector<float>(y.data, y.data + y.numel()), dx};
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    float m = 0.0f;
    for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

// silu written the obvious way: one call to the scalar expf for every element.
void silu_scalar_loop(float* out, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = x[i] / (1.0f + std::exp(-x[i]));
}

// The best of five runs of fn, in milliseconds.
template <class F>
double best_ms(F fn) {
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        fn();
        auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return best;
}

}  // namespace

int main() {
    // 1. Values and derivatives at a few points.
    const std::vector<float> points = {-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f};
    print_table("values f(x)", points, values);
    fmt::print("\n");
    print_table("derivatives f'(x), from each backward kernel with dout = 1", points, derivatives);

    // 2. The same derivatives against central differences, on 15 points drawn from N(0, 2^2).
    fmt::print("\nbackward against central differences (the checks of glulab gradcheck):\n");
    for (const GradcheckSpec& spec : gradcheck_specs())
        for (Act act : kActs)
            if (spec.name == act_name(act)) fmt::print("  {}\n", format_result(gradcheck(spec)));

    // 3. gelu against gelu_tanh on [-6, 6], in steps of 0.01.
    std::vector<float> grid;
    for (int i = -600; i <= 600; i++) grid.push_back(0.01f * static_cast<float>(i));
    const std::vector<float> g = values(Act::gelu, grid), gt = values(Act::gelu_tanh, grid);
    // gelu(x) - gelu(-x) = x, and so for gelu_tanh: the gap is the same at -x and x. Scan x >= 0.
    size_t worst = 600;
    for (size_t i = 600; i < grid.size(); i++)
        if (std::fabs(g[i] - gt[i]) > std::fabs(g[worst] - gt[worst])) worst = i;
    fmt::print("\nmax |gelu - gelu_tanh| on [-6, 6]: {:.1e} at x = ±{:.2f}; derivatives differ by "
               "up to {:.1e}\n",
               std::fabs(g[worst] - gt[worst]), grid[worst],
               max_abs_diff(derivatives(Act::gelu, grid), derivatives(Act::gelu_tanh, grid)));

    // Where gelu' and silu' rise above 1 (relu' is 1 for every x > 0): the first grid point with
    // f' > 1, and the largest f' on the grid.
    for (Act act : {Act::gelu, Act::silu}) {
        const std::vector<float> d = derivatives(act, grid);
        const size_t above = static_cast<size_t>(
            std::find_if(d.begin(), d.end(), [](float v) { return v > 1.0f; }) - d.begin());
        const size_t top = static_cast<size_t>(std::max_element(d.begin(), d.end()) - d.begin());
        fmt::print("{}' > 1 from x = {:.2f} on; largest {}' = {:.3f} at x = {:.2f}\n", act_name(act),
                   grid[above], act_name(act), d[top], grid[top]);
    }

    // 4. Composite first, fused second. 80 points in [-4, 4], none exactly 0.
    std::vector<float> xs;
    for (int i = 0; i < 80; i++) xs.push_back(0.1f * (static_cast<float>(i) - 39.5f));
    fmt::print("\n");
    Run composite = run_on_tape("composite: silu(x) = mul(x, sigmoid(x)), x (80)", xs,
                                [](Tape& t, Tensor x) { return mul(t, x, sigmoid(t, x)); });
    Run fused = run_on_tape("fused: silu(x), x (80)", xs,
                            [](Tape& t, Tensor x) { return silu(t, x); });
    fmt::print("max |fused - composite|: values {:.0e}, gradients {:.0e} (float rounding: they "
               "agree)\n",
               max_abs_diff(fused.out, composite.out), max_abs_diff(fused.dx, composite.dx));

    // 5. Speed, on one thread so that only vectorisation differs.
    const int64_t n = int64_t{1} << 20;
    std::vector<float> big, out1(static_cast<size_t>(n)), out2(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) big.push_back(8.0f * std::sin(0.001f * static_cast<float>(i)));
    omp_set_num_threads(1);
    const double t_fused = best_ms([&] { silu_forward(out1.data(), big.data(), n); });
    const double t_loop = best_ms([&] { silu_scalar_loop(out2.data(), big.data(), n); });
    fmt::print("\nsilu over 2^20 floats, one thread: silu_forward {:.2f} ms, scalar loop {:.2f} ms "
               "({:.1f}x)\n",
               t_fused, t_loop, t_loop / t_fused);
    fmt::print("the two agree within 1e-6: {}\n",
               max_abs_diff(out1, out2) <= 1e-6f * 8.0f ? "yes" : "no");
    return 0;
}
