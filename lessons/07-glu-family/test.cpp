// Lesson 07 · the GLU family — tests of the exercise: the d_ff rule against ModelConfig, and
// SwiGLU's backward against glu_backward and central differences.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/ops/ops.hpp"

#include <cmath>
#include <vector>

using lesson07::ffn_hidden_for;
using lesson07::swiglu_backward;

namespace {

// silu(g) * u in double, the function whose derivatives we check.
double swiglu_ref(double g, double u) { return g / (1.0 + std::exp(-g)) * u; }

// gate values in [-6, 6], up values in [-1.5, 1.5] in no particular order.
std::vector<float> gates() {
    std::vector<float> g;
    for (int i = 0; i < 61; i++) g.push_back(0.2f * static_cast<float>(i) - 6.0f + 0.013f);
    return g;
}
std::vector<float> ups(size_t n) {
    std::vector<float> u;
    for (size_t i = 0; i < n; i++)
        u.push_back(1.5f * std::sin(2.3f * static_cast<float>(i) + 0.3f));
    return u;
}

}  // namespace

TEST_SUITE("lesson07") {
    TEST_CASE("ffn_hidden_for: the default sizes") {
        CHECK(ffn_hidden_for(128, false, 8, 0) == 512);  // plain: 4 C
        CHECK(ffn_hidden_for(128, true, 8, 0) == 344);   // 341.33 rounded up to a multiple of 8
        CHECK(ffn_hidden_for(128, true, 1, 0) == 342);   // the plain ceiling
        CHECK(ffn_hidden_for(128, true, 64, 0) == 384);
        CHECK(ffn_hidden_for(96, true, 8, 0) == 256);    // 8 * 96 / 3 = 256 exactly: no rounding
        CHECK(ffn_hidden_for(768, true, 1, 0) == 2048);  // Shazeer (2020): 3072 -> 2048
    }

    TEST_CASE("ffn_hidden_for: an explicit d_ff wins for every kind") {
        CHECK(ffn_hidden_for(128, false, 8, 100) == 100);
        CHECK(ffn_hidden_for(128, true, 8, 100) == 100);
        CHECK(ffn_hidden_for(128, true, 64, 1) == 1);
    }

    TEST_CASE("ffn_hidden_for: rounds 8C/3 up, never down, to a multiple of multiple_of") {
        for (int C = 1; C <= 300; C++)
            for (int m : {1, 2, 3, 8, 32}) {
                const int H = ffn_hidden_for(C, true, m, 0);
                INFO("C = " << C << ", multiple_of = " << m << ": H = " << H);
                CHECK(H % m == 0);
                CHECK(3 * H >= 8 * C);          // at least 8C/3
                CHECK(3 * (H - m) < 8 * C);     // the smallest such multiple
            }
    }

    TEST_CASE("ffn_hidden_for agrees with ModelConfig::ffn_hidden") {
        for (int C : {1, 7, 16, 33, 64, 100, 128, 250, 256, 384, 1000, 4096})
            for (int m : {1, 4, 8, 64, 256})
                for (int d_ff : {0, 77})
                    for (glulab::FfnKind kind : glulab::all_ffn_kinds()) {
                        glulab::ModelConfig cfg{.vocab_size = 65, .d_model = C, .ffn = kind,
                                                .d_ff = d_ff, .multiple_of = m};
                        INFO("C = " << C << ", multiple_of = " << m << ", d_ff = " << d_ff
                                    << ", kind = " << glulab::ffn_kind_name(kind));
                        const bool gated = glulab::is_gated(kind);
                        CHECK(ffn_hidden_for(C, gated, m, d_ff) == cfg.ffn_hidden());
                    }
    }

    TEST_CASE("swiglu_backward matches central differences") {
        const std::vector<float> g = gates(), u = ups(g.size());
        const int64_t n = static_cast<int64_t>(g.size());
        std::vector<float> dout(g.size(), 1.0f), dg(g.size(), 0.0f), du(g.size(), 0.0f);
        swiglu_backward(dg.data(), du.data(), dout.data(), g.data(), u.data(), n);
        const double h = 1e-4;
        for (size_t i = 0; i < g.size(); i++) {
            const double ng = (swiglu_ref(g[i] + h, u[i]) - swiglu_ref(g[i] - h, u[i])) / (2 * h);
            const double nu = (swiglu_ref(g[i], u[i] + h) - swiglu_ref(g[i], u[i] - h)) / (2 * h);
            INFO("gate " << g[i] << ", up " << u[i] << ": dgate " << dg[i] << " (numeric " << ng
                         << "), dup " << du[i] << " (numeric " << nu << ")");
            CHECK(std::fabs(dg[i] - ng) <= 1e-5);
            CHECK(std::fabs(du[i] - nu) <= 1e-5);
        }
    }

    TEST_CASE("swiglu_backward agrees with glu_backward(..., Act::silu) and accumulates") {
        const std::vector<float> g = gates(), u = ups(g.size());
        const int64_t n = static_cast<int64_t>(g.size());
        std::vector<float> dout;
        for (size_t i = 0; i < g.size(); i++)
            dout.push_back(1.0f + 0.5f * std::sin(static_cast<float>(i)));
        // Both start from the same non-zero gradients, as if the inputs had other uses.
        std::vector<float> dg(g.size(), 0.25f), du(g.size(), -0.5f), lib_dg = dg, lib_du = du;
        swiglu_backward(dg.data(), du.data(), dout.data(), g.data(), u.data(), n);
        glulab::glu_backward(lib_dg.data(), lib_du.data(), dout.data(), g.data(), u.data(), 1,
                             static_cast<int>(n), n, glulab::Act::silu);  // one row of n
        for (size_t i = 0; i < g.size(); i++) {
            INFO("element " << i << ": gate " << g[i] << ", up " << u[i]);
            CHECK(dg[i] == doctest::Approx(lib_dg[i]).epsilon(1e-5));
            CHECK(du[i] == doctest::Approx(lib_du[i]).epsilon(1e-5));
        }
    }

    TEST_CASE("swiglu_backward skips a null gradient and stays finite for large gates") {
        const std::vector<float> g = {-200.0f, -50.0f, 50.0f, 200.0f}, u = {1.0f, 2.0f, 3.0f, 4.0f};
        const std::vector<float> dout = {1.0f, 1.0f, 1.0f, 1.0f};
        std::vector<float> dg(4, 0.0f), du(4, 0.0f);
        swiglu_backward(dg.data(), nullptr, dout.data(), g.data(), u.data(), 4);
        swiglu_backward(nullptr, du.data(), dout.data(), g.data(), u.data(), 4);
        for (size_t i = 0; i < g.size(); i++) {
            INFO("gate " << g[i]);
            CHECK(std::isfinite(dg[i]));
            CHECK(std::isfinite(du[i]));
            if (g[i] > 0) {
                CHECK(dg[i] == doctest::Approx(u[i]));  // silu' -> 1
                CHECK(du[i] == doctest::Approx(g[i]));  // silu(g) -> g
            } else {
                CHECK(std::fabs(dg[i]) < 1e-10);
                CHECK(std::fabs(du[i]) < 1e-10);
            }
        }
    }
}

// Exercise 6: the worked SwiGLU example, against glulab's own matmul and glu kernels.
TEST_SUITE("lesson07") {
    TEST_CASE("swiglu_by_hand: the hand-computed FFN agrees with glulab's kernels") {
        float g[8], u[8], h[8], y[4];
        glulab::matmul_forward(g, lesson07::kWorkedX, &lesson07::kWorkedGate[0][0], 1, 8, 4, true);
        glulab::matmul_forward(u, lesson07::kWorkedX, &lesson07::kWorkedUp[0][0], 1, 8, 4, true);
        glulab::glu_forward(h, g, u, 1, 8, 8, glulab::Act::silu);
        glulab::matmul_forward(y, h, &lesson07::kWorkedDown[0][0], 1, 4, 8, true);
        const lesson07::WorkedSwiglu w = lesson07::swiglu_by_hand();
        for (int j = 0; j < 8; j++) {
            INFO("hidden unit " << j << ": g = " << g[j] << ", u = " << u[j] << ", h = " << h[j]);
            CHECK(w.g[j] == doctest::Approx(g[j]).epsilon(1e-3));
            CHECK(w.u[j] == doctest::Approx(u[j]).epsilon(1e-3));
            CHECK(w.h[j] == doctest::Approx(h[j]).epsilon(1e-3));
        }
        for (int i = 0; i < 4; i++) {
            INFO("output " << i << ": y = " << y[i]);
            CHECK(w.y[i] == doctest::Approx(y[i]).epsilon(1e-3));
        }
    }
}
