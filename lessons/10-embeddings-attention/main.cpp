// Lesson 10 · embeddings and causal attention — a row lookup, then four tokens that attend to
// their past.
//
// 1. An embedding is a table lookup; its backward adds each output row's gradient into the row
//    it came from, so a token used twice collects both.
// 2. Four tokens (B=1, T=4, C=8, NH=2) go through token + position embeddings and the fused qkv
//    projection; attention_forward gives each head's (T, T) probabilities: lower triangular.
// 3. Causality: changing a token changes nothing before it.
// 4. The attention backward against central differences.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace glulab;

namespace {

constexpr int B = 1, T = 4, C = 8, NH = 2, HS = C / NH, V = 6;

// A parameter-like tensor that owns nothing: values in `store`, no gradient.
Tensor view_of(std::vector<float>& store, Shape shape) { return Tensor{store.data(), nullptr, shape}; }

std::vector<float> normal(size_t n, float std, Rng& rng) {
    std::vector<float> x(n);
    for (float& v : x) v = std * static_cast<float>(rng.normal());
    return x;
}

// The tiny network of this lesson: x = wte[ids] + wpe[t], qkv = x Wqkv^T, then attention.
struct Tiny {
    std::vector<float> wte, wpe, wqkv;
    explicit Tiny(uint64_t seed) {
        Rng rng(seed);
        wte = normal(V * C, 1.0f, rng);          // (V, C)
        wpe = normal(T * C, 1.0f, rng);          // (T, C)
        wqkv = normal(3 * C * C, 0.3f, rng);     // (3C, C)
    }
    // qkv (B, T, 3C) for the token ids (B, T).
    std::vector<float> qkv(const std::vector<int>& ids) {
        Tape tape;
        const int pos[T] = {0, 1, 2, 3};
        Tensor x = add(tape, embedding(tape, ids.data(), Shape{B, T}, view_of(wte, Shape{V, C})),
                       embedding(tape, pos, Shape{B, T}, view_of(wpe, Shape{T, C})));
        Tensor q_k_v = linear(tape, x, view_of(wqkv, Shape{3 * C, C}));
        return std::vector<float>(q_k_v.data, q_k_v.data + q_k_v.numel());
    }
};

void print_matrix(const float* m, int rows, int cols, const char* indent) {
    for (int i = 0; i < rows; i++) {
        fmt::print("{}", indent);
        for (int j = 0; j < cols; j++) fmt::print("{:7.3f}", m[i * cols + j]);
        fmt::print("\n");
    }
}

float max_abs_diff(const float* a, const float* b, int n) {
    float m = 0.0f;
    for (int i = 0; i < n; i++) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

}  // namespace

int main() {
    // 1. Embedding: forward copies rows, backward scatters with +=.
    {
        const int V5 = 5, C3 = 3, N = 3;
        std::vector<float> weight(V5 * C3);
        for (int v = 0; v < V5; v++)
            for (int c = 0; c < C3; c++) weight[v * C3 + c] = static_cast<float>(v) + 0.1f * c;
        const int ids[N] = {3, 1, 3};
        std::vector<float> out(N * C3);
        embedding_forward(out.data(), ids, weight.data(), N, C3, V5);
        fmt::print("embedding: weight (5, 3), row v = [v, v+0.1, v+0.2]; ids = [3, 1, 3]\n");
        print_matrix(out.data(), N, C3, "  out   ");
        // dout row i = i + 1 everywhere: token 3 (rows 0 and 2) collects 1 + 3 = 4.
        std::vector<float> dout(N * C3), dweight(V5 * C3, 0.0f);
        for (int i = 0; i < N; i++)
            for (int c = 0; c < C3; c++) dout[i * C3 + c] = static_cast<float>(i + 1);
        embedding_backward(dweight.data(), dout.data(), ids, N, C3);
        fmt::print("  backward with dout rows = 1, 2, 3: dweight (row 3 collects 1 + 3)\n");
        print_matrix(dweight.data(), V5, C3, "  dw    ");
    }

    // 2. Attention on four tokens.
    Tiny net(10);
    const std::vector<int> ids = {2, 5, 1, 2};
    std::vector<float> qkv = net.qkv(ids);  // (1, 4, 24)
    std::vector<float> out(B * T * C), probs(B * NH * T * T);
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, C, NH);
    fmt::print("\nattention: B={} T={} C={} NH={} HS={}, ids = [2, 5, 1, 2]\n", B, T, C, NH, HS);
    for (int h = 0; h < NH; h++) {
        fmt::print("  head {}: P = softmax(q k^T / sqrt({}) + mask), row i = query i\n", h, HS);
        print_matrix(probs.data() + h * T * T, T, T, "    ");
    }

    // 3. Causality: change one token, compare the outputs position by position.
    for (int changed : {3, 1}) {
        std::vector<int> other = ids;
        other[static_cast<size_t>(changed)] = 0;
        std::vector<float> qkv2 = net.qkv(other), out2(B * T * C), probs2(B * NH * T * T);
        attention_forward(out2.data(), probs2.data(), qkv2.data(), B, T, C, NH);
        fmt::print("  token {} changed to id 0: max |d out| per position:", changed);
        for (int t = 0; t < T; t++)
            fmt::print(" t{} {:.3g}", t, max_abs_diff(out.data() + t * C, out2.data() + t * C, C));
        fmt::print("\n");
    }

    // 4. The backward: dq, dk, dv of L = sum(out * w) against central differences, then the
    //    library's gradient-check harness on the same shapes.
    {
        Rng rng(11);
        std::vector<float> w = normal(B * T * C, 1.0f, rng);
        std::vector<float> dqkv(qkv.size(), 0.0f), dout = w, scratch(
            static_cast<size_t>(attention_scratch_floats(B, T, NH)));
        attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), probs.data(), B, T,
                           C, NH);  // dL/dout = w
        auto loss = [&](const std::vector<float>& x) {
            std::vector<float> o(B * T * C), p(B * NH * T * T);
            attention_forward(o.data(), p.data(), x.data(), B, T, C, NH);
            double L = 0;
            for (size_t i = 0; i < o.size(); i++) L += double(o[i]) * w[i];
            return L;
        };
        fmt::print("\nbackward of L = sum(out * w), analytic vs central difference (h = 1e-2):\n");
        const struct { const char* name; int t, c; } picks[] = {
            {"dq", 2, 1}, {"dk", 0, C + 5}, {"dv", 1, 2 * C + 6}};
        for (const auto& p : picks) {
            const size_t i = static_cast<size_t>(p.t * 3 * C + p.c);
            std::vector<float> plus = qkv, minus = qkv;
            plus[i] += 1e-2f;
            minus[i] -= 1e-2f;
            const double numeric = (loss(plus) - loss(minus)) / 2e-2;
            fmt::print("  {} at t={} channel {:2}: analytic {:+.4f}  numeric {:+.4f}\n", p.name, p.t,
                       p.c, dqkv[i], numeric);
        }
        GradcheckResult r = gradcheck({.name = "attention",
                                       .inputs = {{.shape = {B, T, 3 * C}}},
                                       .f = [](Tape& t, std::span<Tensor> x) {
                                           return attention(t, x[0], NH);
                                       }});
        fmt::print("  {}\n", format_result(r));
    }
    return 0;
}
