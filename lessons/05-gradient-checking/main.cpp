// Lesson 05 · gradient checking — central differences, their error, and glulab's harness.
//
// 1. The error of a finite difference against the exact derivative of sin at x = 1, as the step
//    h shrinks: truncation error falls, rounding error grows, in double and in float.
// 2. glulab's harness (gradcheck.hpp) on ops that are right, and on three backwards that are
//    wrong on purpose: a wrong derivative, = instead of +=, and relu's kink left unhandled.
// 3. Every check `glulab gradcheck` runs, split into those whose function records one node (an
//    op) and those that record several (a composition), with the largest error of each group.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"

#include <fmt/format.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

using namespace glulab;

namespace {

// A custom op, cube(x) = x^3, recorded the way src/autograd/autograd.cpp records its ops, with a
// backward chosen by the caller: the right one, or a wrong one.
void cube_backward(const Node& n) {  // right: dx += 3 x^2 dout
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] += 3.0f * n.in[0].data[i] * n.in[0].data[i] * n.out.grad[i];
}
void cube_backward_2x2(const Node& n) {  // wrong derivative: 2 x^2
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] += 2.0f * n.in[0].data[i] * n.in[0].data[i] * n.out.grad[i];
}
void cube_backward_assigns(const Node& n) {  // right derivative, but = where += belongs
    for (int64_t i = 0; i < n.out.numel(); i++)
        n.in[0].grad[i] = 3.0f * n.in[0].data[i] * n.in[0].data[i] * n.out.grad[i];
}

Tensor cube(Tape& tape, Tensor x, const char* op, void (*backward)(const Node&)) {
    const bool rec = tape.wants_grad({x});
    Tensor out = tape.new_tensor(x.shape, rec);
    for (int64_t i = 0; i < x.numel(); i++) out.data[i] = x.data[i] * x.data[i] * x.data[i];
    if (rec) {
        Node n;
        n.op = op;
        n.backward = backward;
        n.out = out;
        n.in[0] = x;
        n.n_in = 1;
        tape.record(n);
    }
    return out;
}

GradcheckSpec cube_spec(const char* name, void (*backward)(const Node&), GradcheckOptions opt = {}) {
    return {.name = name,
            .inputs = {{.shape = {3, 4}}},
            .f = [name, backward](Tape& t, std::span<Tensor> x) { return cube(t, x[0], name, backward); },
            .options = opt};
}

// How many nodes a check's function records: one for a single op, more for a composition.
size_t nodes_recorded(const GradcheckSpec& spec) {
    std::vector<std::vector<float>> data(spec.inputs.size()), grad(spec.inputs.size());
    std::vector<Tensor> x;
    for (size_t i = 0; i < spec.inputs.size(); i++) {
        const Shape& s = spec.inputs[i].shape;
        data[i].assign(static_cast<size_t>(s.numel()), 0.5f);
        grad[i].assign(static_cast<size_t>(s.numel()), 0.0f);
        x.push_back(Tensor{data[i].data(), grad[i].data(), s});
    }
    Tape tape;
    spec.f(tape, x);
    return tape.nodes().size();
}

}  // namespace

int main() {
    // 1. Error of finite differences ------------------------------------------------------------
    fmt::print("1. d/dx sin(x) at x = 1 is cos(1) = {:.10f}; error |estimate - cos(1)|\n", std::cos(1.0));
    fmt::print("      h     forward, double   central, double   central, float\n");
    for (int k = 1; k <= 7; k++) {
        const double h = std::pow(10.0, -k);
        const double fwd = (std::sin(1.0 + h) - std::sin(1.0)) / h;
        const double ctr = (std::sin(1.0 + h) - std::sin(1.0 - h)) / (2 * h);
        // In float, as the harness does: divide by the step actually taken.
        const float x = 1.0f, up = x + static_cast<float>(h), down = x - static_cast<float>(h);
        const float ctr_f = (std::sin(up) - std::sin(down)) / (up - down);
        fmt::print("  1e-{}      {:7.0e}           {:7.0e}           {:7.0e}\n", k,
                   std::fabs(fwd - std::cos(1.0)), std::fabs(ctr - std::cos(1.0)),
                   std::fabs(ctr_f - std::cos(1.0)));
    }

    // 2. The harness -------------------------------------------------------------------------
    fmt::print("\n2. gradcheck(spec): L = sum(out * w), analytic (tape) vs numeric (central)\n");
    using X = std::span<Tensor>;
    GradcheckSpec specs[] = {
        {.name = "mul",
         .inputs = {{.shape = {3, 4}}, {.shape = {3, 4}}},
         .f = [](Tape& t, X x) { return mul(t, x[0], x[1]); }},
        {.name = "linear",
         .inputs = {{.shape = {2, 3, 4}}, {.shape = {5, 4}}, {.shape = {5}}},
         .f = [](Tape& t, X x) { return linear(t, x[0], x[1], x[2]); }},
        {.name = "softmax",
         .inputs = {{.shape = {3, 6}, .std = 2.0f}},
         .f = [](Tape& t, X x) { return softmax(t, x[0]); },
         .options = {.h = 3e-2f}},
        cube_spec("cube", cube_backward, {.seed = 1}),
        // The same right backward on other inputs: the central difference of x^3 is off by h^2.
        cube_spec("cube_seed5", cube_backward, {.seed = 5}),
        cube_spec("cube_seed5_h3e-3", cube_backward, {.h = 3e-3f, .seed = 5}),
        cube_spec("cube_2x2", cube_backward_2x2),
        cube_spec("cube_assigns", cube_backward_assigns),
        // relu on inputs of size 0.01 with h = 0.01: some differences straddle the kink at 0.
        {.name = "relu_near_zero",
         .inputs = {{.shape = {4, 8}, .std = 0.01f}},
         .f = [](Tape& t, X x) { return relu(t, x[0]); }},
        {.name = "relu_redrawn",
         .inputs = {{.shape = {4, 8}, .std = 0.01f}},
         .f = [](Tape& t, X x) { return relu(t, x[0]); },
         .options = {.kink_at_zero = true}},
    };
    for (const GradcheckSpec& spec : specs) fmt::print("{}\n", format_result(gradcheck(spec)));

    // 3. The checks of glulab gradcheck ---------------------------------------------------------
    struct Group {
        const char* what;
        int passed = 0, failed = 0;
        std::string names, worst;
        double worst_err = 0;
    };
    Group ops{"record one node:", 0, 0, "", "", 0.0}, compositions{"record several:", 0, 0, "", "", 0.0};
    for (const GradcheckSpec& spec : gradcheck_specs()) {
        const GradcheckResult r = gradcheck(spec);
        Group& g = nodes_recorded(spec) == 1 ? ops : compositions;
        (r.ok ? g.passed : g.failed)++;
        g.names += (g.names.empty() ? "" : ", ") + spec.name;
        if (r.max_rel_err >= g.worst_err) g.worst_err = r.max_rel_err, g.worst = spec.name;
    }
    fmt::print("\n3. glulab gradcheck: {} checks, by the nodes their function records\n",
               ops.passed + ops.failed + compositions.passed + compositions.failed);
    for (const Group* g : {&ops, &compositions})
        fmt::print("  {:>2} {:<16} {} passed, {} failed; largest error {:.1e} ({})\n",
                   g->passed + g->failed, g->what, g->passed, g->failed, g->worst_err, g->worst);
    fmt::print("  the checks that record several nodes: {}\n", compositions.names);
    return 0;
}
