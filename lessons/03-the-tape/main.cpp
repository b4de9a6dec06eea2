// Lesson 03 · the tape — y = sum((a*b + a) * s), differentiated by hand and by glulab's Tape.
//
// 1. By hand: the chain rule, one intermediate at a time.
// 2. On the tape: four ops recorded, one call to tape.backward(); the two agree.
// 3. What was recorded: Tape::listing() and Tape::dot().
// 4. The reverse loop, replayed node by node, printing what each backward adds.
// 5. A tensor used twice (a * a), and NoGrad.
#include "glulab/autograd/autograd.hpp"
#include "glulab/core/tape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace glulab;

namespace {

constexpr int n = 4;

std::string str(const float* v) {
    std::string s = "[";
    for (int i = 0; i < n; i++) s += fmt::format("{}{:g}", i ? ", " : "", v[i]);
    return s + "]";
}

float max_abs_diff(const float* x, const float* y) {
    float m = 0.0f;
    for (int i = 0; i < n; i++) m = std::max(m, std::fabs(x[i] - y[i]));
    return m;
}

}  // namespace

int main() {
    // The inputs, and gradient buffers for them: to the tape they are leaves that need grad,
    // exactly like parameters.
    std::vector<float> a = {1, 2, -1, 0.5}, b = {3, -1, 2, 4}, s = {0.5, 1, -2, 1.5};
    std::vector<float> da(n), db(n), ds(n);
    Tensor A{a.data(), da.data(), Shape{n}}, B{b.data(), db.data(), Shape{n}},
        S{s.data(), ds.data(), Shape{n}};
    fmt::print("a = {}  b = {}  s = {}\n", str(a.data()), str(b.data()), str(s.data()));

    // 1. By hand ------------------------------------------------------------------------------
    //    u = a*b, v = u + a, w = v*s, y = sum(w)
    //    dy/dw = 1, dy/dv = s, dy/ds = v, dy/du = dy/dv, dy/da = dy/dv + dy/du * b = s (1 + b),
    //    dy/db = dy/du * a = s a
    float hand_da[n], hand_db[n], hand_ds[n], y_hand = 0;
    for (int i = 0; i < n; i++) {
        const float v = a[i] * b[i] + a[i];
        y_hand += v * s[i];
        hand_da[i] = s[i] * (1 + b[i]);
        hand_db[i] = s[i] * a[i];
        hand_ds[i] = v;
    }
    fmt::print("\n1. By hand: y = {:g}\n", y_hand);
    fmt::print("  dy/da = s (1 + b) = {}\n  dy/db = s a       = {}\n  dy/ds = a b + a   = {}\n",
               str(hand_da), str(hand_db), str(hand_ds));

    // 2. On the tape --------------------------------------------------------------------------
    Tape tape;
    Tensor y = sum(tape, mul(tape, add(tape, mul(tape, A, B), A), S));
    tape.backward(y);
    fmt::print("\n2. On the tape: y = {:g}\n", y.data[0]);
    fmt::print("  dy/da = {}\n  dy/db = {}\n  dy/ds = {}\n", str(da.data()), str(db.data()),
               str(ds.data()));
    const float diff = std::max({max_abs_diff(da.data(), hand_da), max_abs_diff(db.data(), hand_db),
                                 max_abs_diff(ds.data(), hand_ds)});
    fmt::print("  max |tape - by hand| = {:g}\n", diff);

    // 3. What the tape holds ------------------------------------------------------------------
    fmt::print("\n3. tape.listing():\n{}", tape.listing());
    fmt::print("tape.dot():\n{}", tape.dot());

    // 4. The reverse loop, by hand ------------------------------------------------------------
    //    The same forward again, then Tape::backward's loop written out, printing after each
    //    node what it added to its inputs' gradients.
    tape.reset();
    std::fill(da.begin(), da.end(), 0.0f);
    std::fill(db.begin(), db.end(), 0.0f);
    std::fill(ds.begin(), ds.end(), 0.0f);
    Tensor u = mul(tape, A, B);
    Tensor v = add(tape, u, A);
    Tensor w = mul(tape, v, S);
    y = sum(tape, w);
    auto name = [&](const float* p) -> std::string {
        if (p == A.data) return "a";
        if (p == B.data) return "b";
        if (p == S.data) return "s";
        if (p == u.data) return "u";
        if (p == v.data) return "v";
        if (p == w.data) return "w";
        return "?";
    };
    fmt::print("\n4. backward, last node first (dy = 1):\n");
    y.grad[0] = 1.0f;
    const std::vector<Node>& nodes = tape.nodes();
    for (size_t k = nodes.size(); k-- > 0;) {
        const Node& node = nodes[k];
        tape.backward_node(k);  // exactly what Tape::backward does: zero what k adds to first, run k
        fmt::print("  {} {:<4}", k, node.op);
        for (int j = 0; j < node.n_in; j++) {
            const Tensor& in = node.in[static_cast<size_t>(j)];
            fmt::print("  d{} = {}", name(in.data), str(in.grad));
        }
        fmt::print("\n");
    }
    fmt::print("  (a appears twice: add gave it s, then mul added s b)\n");

    // 5. A tensor used twice, and NoGrad ------------------------------------------------------
    tape.reset();
    std::fill(da.begin(), da.end(), 0.0f);
    Tensor sq = sum(tape, mul(tape, A, A));
    tape.backward(sq);
    fmt::print("\n5. y = sum(a * a): dy/da = {} (= 2a: mul_backward adds twice)\n", str(da.data()));

    tape.reset();
    {
        NoGrad off(tape);
        Tensor y2 = sum(tape, mul(tape, add(tape, mul(tape, A, B), A), S));
        fmt::print("inside NoGrad: y = {:g}, {} nodes recorded, y.requires_grad() = {}\n",
                   y2.data[0], tape.nodes().size(), y2.requires_grad());
        try {
            tape.backward(y2);
        } catch (const Error& e) {
            fmt::print("tape.backward(y):\n  {}\n", e.what());
        }
    }
    return 0;
}
