// Lesson 12 · tests of the exercise: the schedule and the AdamW update against glulab's own.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/platform/rng.hpp"

#include <cmath>
#include <vector>

using glulab::OptimConfig;

namespace {

// |a - b| within a relative and an absolute tolerance (the absolute one for values near 0).
bool close(double a, double b, double rel, double abs) { return std::fabs(a - b) <= rel * std::fabs(b) + abs; }

void check_schedule(const OptimConfig& cfg) {
    for (int s = 0; s < cfg.steps + 5; s++) {
        const float ours = lesson12::learning_rate(cfg, s), want = glulab::learning_rate(cfg, s);
        INFO("lr " << cfg.lr << " min_lr " << cfg.min_lr << " warmup " << cfg.warmup << " steps "
                   << cfg.steps << ", at step " << s << ": yours " << ours << ", glulab's " << want);
        CHECK(close(ours, want, 1e-5, 1e-9));
    }
}

std::vector<float> normal(size_t n, float std, glulab::Rng& rng) {
    std::vector<float> x(n);
    for (float& v : x) v = std * static_cast<float>(rng.normal());
    return x;
}

// `updates` AdamW updates with fresh gradients. Before each one, ours starts from glulab's state,
// so each update is compared on its own: the change of param, and the new m and v.
void check_adamw(const OptimConfig& cfg, float lr, float decay, int updates, uint64_t seed) {
    const size_t n = 37;
    glulab::Rng rng(seed);
    std::vector<float> p2 = normal(n, 1.0f, rng), m2(n, 0.0f), v2(n, 0.0f);
    for (int t = 1; t <= updates; t++) {
        std::vector<float> g = normal(n, 0.1f, rng);
        g[0] = 0.0f;  // a value with no gradient
        const std::vector<float> before = p2;
        std::vector<float> p1 = p2, m1 = m2, v1 = v2;
        lesson12::adamw_update(p1.data(), m1.data(), v1.data(), g.data(), n, lr, decay, cfg, t);
        glulab::adamw_update(p2.data(), m2.data(), v2.data(), g.data(), n, lr, decay, cfg, t);
        for (size_t i = 0; i < n; i++) {
            INFO("update t=" << t << ", value " << i << ", lr " << lr << ", decay " << decay
                             << ", betas (" << cfg.beta1 << ", " << cfg.beta2 << "): change of param "
                             << p1[i] - before[i] << " (glulab " << p2[i] - before[i] << "), m "
                             << m1[i] << " (" << m2[i] << "), v " << v1[i] << " (" << v2[i] << ")");
            CHECK(close(m1[i], m2[i], 1e-4, 1e-12));
            CHECK(close(v1[i], v2[i], 1e-4, 1e-12));
            CHECK(close(p1[i] - before[i], p2[i] - before[i], 1e-3, 1e-9));
        }
    }
}

}  // namespace

TEST_SUITE("lesson12") {
    TEST_CASE("learning_rate: warmup, peak, cosine, min_lr") {
        const OptimConfig cfg{.lr = 1e-3f, .min_lr = 1e-4f, .warmup = 100, .steps = 2000};
        CHECK(close(lesson12::learning_rate(cfg, 0), 1e-5, 1e-5, 0));       // lr / W
        CHECK(close(lesson12::learning_rate(cfg, 49), 5e-4, 1e-5, 0));      // halfway up
        CHECK(close(lesson12::learning_rate(cfg, 100), 1e-3, 1e-5, 0));     // the peak
        CHECK(close(lesson12::learning_rate(cfg, 1049), 5.5e-4, 1e-3, 0));  // about halfway down
        CHECK(close(lesson12::learning_rate(cfg, 1999), 1e-4, 1e-5, 0));    // the last step
        CHECK(close(lesson12::learning_rate(cfg, 5000), 1e-4, 1e-5, 0));    // past the end
        check_schedule(cfg);
    }

    TEST_CASE("learning_rate: edge cases of warmup and length") {
        check_schedule({.lr = 3e-3f, .min_lr = 3e-4f, .warmup = 0, .steps = 50});   // no warmup
        check_schedule({.lr = 1e-2f, .min_lr = 1e-3f, .warmup = 15, .steps = 150}); // main.cpp
        check_schedule({.lr = 1e-3f, .min_lr = 0.0f, .warmup = 9, .steps = 10});    // no decay left
        check_schedule({.lr = 1e-3f, .min_lr = 1e-4f, .warmup = 10, .steps = 10});  // all warmup
        check_schedule({.lr = 1e-3f, .min_lr = 1e-3f, .warmup = 3, .steps = 20});   // flat
        check_schedule({.lr = 1e-3f, .min_lr = 1e-4f, .warmup = 0, .steps = 1});    // one step
    }

    TEST_CASE("adamw_update matches glulab over several updates") {
        const OptimConfig cfg;  // betas (0.9, 0.99), eps 1e-8
        check_adamw(cfg, 1e-3f, 0.0f, 6, 1);          // no decay
        check_adamw(cfg, 1e-3f, 1e-3f * 0.1f, 6, 2);  // decay = lr * weight_decay
        check_adamw({.beta1 = 0.8f, .beta2 = 0.95f, .eps = 1e-6f}, 3e-3f, 3e-4f, 8, 3);
    }

    TEST_CASE("the first update moves each value by about lr (bias correction)") {
        // At t = 1, mhat = g and vhat = g^2, so the step is lr * g / (|g| + eps) ~ lr * sign(g).
        const OptimConfig cfg;
        std::vector<float> p = {0.5f, -0.25f, 2.0f}, m(3, 0.0f), v(3, 0.0f);
        const std::vector<float> g = {0.3f, -0.001f, -4.0f}, before = p;
        lesson12::adamw_update(p.data(), m.data(), v.data(), g.data(), 3, 0.01f, 0.0f, cfg, 1);
        CHECK(close(p[0] - before[0], -0.01, 1e-3, 0));
        CHECK(close(p[1] - before[1], +0.01, 1e-3, 0));
        CHECK(close(p[2] - before[2], +0.01, 1e-3, 0));
    }

    TEST_CASE("weight decay is decoupled: with no gradient, a value shrinks by (1 - lr wd)") {
        const OptimConfig cfg;
        std::vector<float> p = {1.0f, -3.0f}, m(2, 0.0f), v(2, 0.0f);
        const std::vector<float> g(2, 0.0f);
        lesson12::adamw_update(p.data(), m.data(), v.data(), g.data(), 2, 0.01f, 0.01f * 0.1f, cfg, 1);
        CHECK(close(p[0], 1.0 * (1 - 0.001), 1e-6, 0));   // an update of 0 would be 1.0
        CHECK(close(p[1], -3.0 * (1 - 0.001), 1e-6, 0));
        CHECK(m[0] == 0.0f);
        CHECK(v[0] == 0.0f);
    }
}

// Exercise 5: AdamW under a constant gradient, in closed form, against glulab::adamw_update.
TEST_SUITE("lesson12") {
    TEST_CASE("adamw_after_constant_gradient predicts k updates of glulab::adamw_update") {
        glulab::OptimConfig cfg;
        for (double g : {0.3, -2.0, 1e-9})
            for (double decay : {0.0, 1e-3})
                for (int k : {1, 10, 500}) {
                    float theta = 0.8f, m = 0.0f, v = 0.0f;
                    const float grad = static_cast<float>(g), lr = 1e-3f;
                    for (int t = 1; t <= k; t++)
                        glulab::adamw_update(&theta, &m, &v, &grad, 1, lr, static_cast<float>(decay), cfg, t);
                    const double predicted = lesson12::adamw_after_constant_gradient(0.8, g, k, lr, decay, cfg);
                    INFO("g = " << g << ", decay = " << decay << ", k = " << k);
                    CHECK(predicted == doctest::Approx(theta).epsilon(1e-4));
                }
    }
}
