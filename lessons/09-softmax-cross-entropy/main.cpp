// Lesson 09 · softmax and cross-entropy — probabilities that cannot overflow, and the loss.
//
// 1. softmax the naive way and the stable way, on small and on large logits.
// 2. Why the loss is computed from the logits (log-softmax), not as log(softmax).
// 3. Uniform logits give a loss of exactly log V; a freshly initialised model comes close.
// 4. The gradient (p - onehot) / N: its rows sum to zero; central differences agree.
#include "glulab/autograd/autograd.hpp"
#include "glulab/autograd/gradcheck.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

using namespace glulab;

namespace {

// softmax as the formula is written: e^x_j / sum_k e^x_k, with no shift.
void softmax_naive(float* out, const float* x, int C) {
    float sum = 0.0f;
    for (int j = 0; j < C; j++) sum += std::exp(x[j]);
    for (int j = 0; j < C; j++) out[j] = std::exp(x[j]) / sum;
}

// One labelled row of numbers; nan and inf print as such (without a sign for nan).
void print_row(const char* label, const float* v, int n) {
    fmt::print("  {:<22}", label);
    for (int j = 0; j < n; j++) {
        if (std::isnan(v[j])) fmt::print("{:>9}", "nan");
        else fmt::print("{:9.4f}", v[j]);
    }
    fmt::print("\n");
}

// Prints 0 for |v| below 5e-7: float rounding, shown without a sign.
double tidy(double v) { return std::fabs(v) < 5e-7 ? 0.0 : v; }

}  // namespace

int main() {
    // 1. Three rows that differ by a constant: softmax is the same for all three.
    {
        const int N = 3, C = 3;
        const float x[N * C] = {1, 2, 3, 1001, 1002, 1003, -1003, -1002, -1001};
        float naive[N * C], stable[N * C];
        for (int i = 0; i < N; i++) softmax_naive(naive + i * C, x + i * C, C);
        softmax_forward(stable, x, N, C);
        fmt::print("softmax of three rows that differ by a constant\n");
        const char* labels[N] = {"x = [1, 2, 3]", "x = [1001, 1002, 1003]",
                                 "x = [-1003, -1002, -1001]"};
        for (int i = 0; i < N; i++) {
            fmt::print("{}\n", labels[i]);
            print_row("naive e^x / sum e^x", naive + i * C, C);
            print_row("softmax_forward", stable + i * C, C);
        }
        fmt::print("e^1001 in float: {}, e^-1001: {}\n", std::exp(1001.0f), std::exp(-1001.0f));
    }

    // 2. log(softmax) against log-softmax: logits [0, -200], target 1.
    {
        const float x[2] = {0.0f, -200.0f};
        const int target = 1;
        float p[2];
        softmax_forward(p, x, 1, 2);
        const float fused = cross_entropy_forward(p, x, &target, 1, 2);
        fmt::print("\nlogits [0, -200], target 1: softmax = [{}, {}]\n", p[0], p[1]);
        fmt::print("  -log(softmax[1])       = {}\n", -std::log(p[1]));
        fmt::print("  cross_entropy_forward  = {:.4f}   (= log(e^0 + e^-200) - (-200))\n", fused);
    }

    // 3. Uniform logits: every probability is 1/V, so the loss is -log(1/V) = log V.
    {
        const int N = 4, V = 65;
        std::vector<float> logits(N * V, 0.0f), probs(N * V);
        const int targets[N] = {0, 17, 42, 64};
        const float loss = cross_entropy_forward(probs.data(), logits.data(), targets, N, V);
        fmt::print("\nuniform logits (4, 65): loss {:.4f}, log 65 = {:.4f}\n", loss,
                   std::log(65.0));

        // A freshly initialised model: weights N(0, 0.02), so its logits are nearly uniform.
        Transformer model(ModelConfig{.vocab_size = V});
        model.init(1337);
        const int B = 4, T = 64;
        Rng rng(9);
        std::vector<int> idx(B * T), next(B * T);
        for (int& id : idx) id = static_cast<int>(rng.below(V));
        for (int& id : next) id = static_cast<int>(rng.below(V));
        Tape tape;
        NoGrad off(tape);
        const float init_loss = model.loss(tape, idx.data(), next.data(), B, T).data[0];
        fmt::print("default model after init(1337), random ids (4, 64): loss {:.2f}\n", init_loss);
    }

    // 4. The gradient of the mean loss over N = 2 rows of V = 5 logits.
    {
        const int N = 2, V = 5;
        const float logits[N * V] = {2.0f, 1.0f, 0.1f, -1.0f, 0.5f, 0.0f, 3.0f, 0.0f, 1.0f, -2.0f};
        const int targets[N] = {0, 3};
        float probs[N * V], dlogits[N * V] = {};
        const float loss = cross_entropy_forward(probs, logits, targets, N, V);
        cross_entropy_backward(dlogits, 1.0f, probs, targets, N, V);
        fmt::print("\nlogits (2, 5), targets [0, 3]: mean loss {:.4f} = ({:.4f} + {:.4f}) / 2\n",
                   loss, -std::log(probs[targets[0]]), -std::log(probs[V + targets[1]]));
        for (int i = 0; i < N; i++) {
            float onehot[V] = {};
            onehot[targets[i]] = 1.0f;
            fmt::print("row {}\n", i);
            print_row("p = softmax(logits)", probs + i * V, V);
            print_row("onehot(target)", onehot, V);
            print_row("dlogits = (p - y) / 2", dlogits + i * V, V);
            double row_sum = 0;
            for (int j = 0; j < V; j++) row_sum += dlogits[i * V + j];
            fmt::print("  {:<22}{:9.4f}\n", "sum of dlogits", tidy(row_sum));
        }
        for (const GradcheckSpec& spec : gradcheck_specs())
            if (spec.name == "softmax" || spec.name == "cross_entropy")
                fmt::print("{}\n", format_result(gradcheck(spec)));
    }
    return 0;
}
