// figure_data.cpp — the numbers behind the lessons' figures, computed by glulab's own kernels.
//
// `make figures` builds it (build/figure_data, linked with libglulab.a) and runs it once per
// figure; docs/figures/make_figures.sh turns the CSV it prints into pictures with gnuplot.
// Nothing here recomputes an op: every value comes from a kernel of include/glulab/ops/ops.hpp or
// from a forward of a glulab::Transformer.
//
//   figure_data act                 x, then f(x) and f'(x) of every activation  (lesson 06)
//   figure_data glu KIND            g u act(g)*u over a grid, gnuplot blocks     (lesson 07)
//   figure_data rmsnorm             2-D vectors before and after RMSNorm         (lesson 08)
//   figure_data softmax             one row of logits at several temperatures    (lesson 09)
//   figure_data attention CKPT TEXT LAYER   per head: t s p, attention probabilities (lesson 10)
#include "glulab/train/checkpoint.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/core/tape.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace glulab;

namespace {

// f(x) and f'(x) (backward with dout = 1) over a grid, from glulab's activation kernels.
int activations() {
    const Act acts[] = {Act::relu, Act::gelu, Act::gelu_tanh, Act::silu, Act::sigmoid};
    const int n = 161;
    std::vector<float> x(n), ones(n, 1.0f);
    for (int i = 0; i < n; i++) x[i] = -4.0f + 8.0f * static_cast<float>(i) / (n - 1);
    std::vector<std::vector<float>> f, df;
    for (Act a : acts) {
        f.emplace_back(n);
        df.emplace_back(n, 0.0f);
        activation_forward(f.back().data(), x.data(), n, a);
        activation_backward(df.back().data(), ones.data(), x.data(), n, a);
    }
    std::printf("x");
    for (Act a : acts) std::printf(",%s,d_%s", act_name(a), act_name(a));
    std::printf("\n");
    for (int i = 0; i < n; i++) {
        std::printf("%g", x[i]);
        for (size_t k = 0; k < f.size(); k++) std::printf(",%g,%g", f[k][i], df[k][i]);
        std::printf("\n");
    }
    return 0;
}

// act(g) * u over g, u in [-3, 3], from glu_forward; one gnuplot block per g (blank lines).
int glu(const char* kind) {
    const struct { const char* name; Act act; } kinds[] = {
        {"glu", Act::sigmoid}, {"bilinear", Act::identity}, {"reglu", Act::relu},
        {"geglu", Act::gelu}, {"swiglu", Act::silu}};
    for (const auto& k : kinds) {
        if (std::strcmp(k.name, kind) != 0) continue;
        const int n = 61;
        std::vector<float> g(n * n), u(n * n), out(n * n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                g[i * n + j] = -3.0f + 6.0f * static_cast<float>(i) / (n - 1);
                u[i * n + j] = -3.0f + 6.0f * static_cast<float>(j) / (n - 1);
            }
        glu_forward(out.data(), g.data(), u.data(), 1, n * n, n * n, k.act);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) std::printf("%g %g %g\n", g[i * n + j], u[i * n + j], out[i * n + j]);
            std::printf("\n");
        }
        return 0;
    }
    std::fprintf(stderr, "figure_data: unknown GLU kind '%s' (glu, bilinear, reglu, geglu, swiglu)\n", kind);
    return 2;
}

// Twelve 2-D vectors of different lengths and directions, and rms_norm_forward of each (g = 1):
// every one lands on the circle of radius sqrt(C) = sqrt(2).
int rmsnorm() {
    const int N = 12, C = 2;
    std::vector<float> x(N * C), out(N * C), rstd(N), g(C, 1.0f);
    for (int i = 0; i < N; i++) {
        const float r = 0.3f + 0.25f * static_cast<float>(i);
        const float angle = 0.5236f * static_cast<float>(i) + 0.2f;
        x[i * C] = r * std::cos(angle);
        x[i * C + 1] = r * std::sin(angle);
    }
    rms_norm_forward(out.data(), rstd.data(), x.data(), g.data(), N, C, 1e-5f);
    std::printf("x0,x1,y0,y1,rstd\n");
    for (int i = 0; i < N; i++)
        std::printf("%g,%g,%g,%g,%g\n", x[i * C], x[i * C + 1], out[i * C], out[i * C + 1], rstd[i]);
    return 0;
}

// softmax_forward of logits / tau for a few temperatures tau.
int softmax() {
    const float logits[] = {2.0f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, -1.5f, -2.0f};
    const float taus[] = {0.5f, 1.0f, 2.0f, 5.0f};
    const int C = 8;
    std::printf("i,logit");
    for (float t : taus) std::printf(",tau=%g", t);
    std::printf("\n");
    std::vector<std::vector<float>> p;
    for (float t : taus) {
        std::vector<float> z(C);
        scale_forward(z.data(), logits, 1.0f / t, C);
        p.emplace_back(C);
        softmax_forward(p.back().data(), z.data(), 1, C);
    }
    for (int i = 0; i < C; i++) {
        std::printf("%d,%g", i, logits[i]);
        for (const auto& row : p) std::printf(",%g", row[i]);
        std::printf("\n");
    }
    return 0;
}

// One forward of a trained checkpoint on TEXT; the probabilities the attention of LAYER cached
// (the node's saved[0], (B, NH, T, T) with B = 1), as "head t s p" rows, one block per head.
int attention(const char* ckpt, const char* text, int layer) {
    LoadedModel lm = load_model(ckpt);
    std::vector<int> ids = lm.vocab.encode(text);
    const int T = static_cast<int>(ids.size());
    const int NH = lm.model->config().heads;
    if (T < 2 || T > lm.model->config().ctx) {
        std::fprintf(stderr, "figure_data: the text must have 2 to %d characters\n", lm.model->config().ctx);
        return 2;
    }
    Tape tape;
    lm.model->forward(tape, ids.data(), 1, T);
    int seen = 0;
    for (const Node& n : tape.nodes()) {
        if (std::strcmp(n.op, "attention") != 0 || seen++ != layer) continue;
        std::printf("# head t s p (%d heads, T = %d)\n", NH, T);
        for (int h = 0; h < NH; h++) {
            for (int t = 0; t < T; t++)
                for (int s = 0; s < T; s++)  // s > t is masked; blocks wholly above the diagonal are unwritten
                    std::printf("%d %d %d %g\n", h, t, s,
                                s <= t ? n.saved[0][(static_cast<int64_t>(h) * T + t) * T + s] : 0.0f);
            std::printf("\n\n");
        }
        return 0;
    }
    std::fprintf(stderr, "figure_data: the model has no attention layer %d\n", layer);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "";
    try {
        if (what == "act") return activations();
        if (what == "glu" && argc == 3) return glu(argv[2]);
        if (what == "rmsnorm") return rmsnorm();
        if (what == "softmax") return softmax();
        if (what == "attention" && argc == 5) return attention(argv[2], argv[3], std::atoi(argv[4]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "figure_data: %s\n", e.what());
        return 2;
    }
    std::fprintf(stderr, "usage: figure_data act | glu KIND | rmsnorm | softmax | attention CKPT TEXT LAYER\n");
    return 2;
}
