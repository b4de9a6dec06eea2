// test_optim.cpp — AdamW against hand-worked values, decay flags, the schedule, clipping.
#include <doctest/doctest.h>

#include "glulab/nn/model.hpp"
#include "glulab/train/optim.hpp"

#include <cmath>

using namespace glulab;

namespace {

// Two one-value parameters that differ only in their decay flag.
struct TwoParams {
    ParamStore ps;
    Tensor w, b;  // w decays, b does not
    TwoParams() {
        auto declare = [&] {
            w = ps.add("w", Shape{1}, /*decay=*/true);
            b = ps.add("b", Shape{1}, /*decay=*/false);
        };
        declare();
        ps.allocate();
        declare();
        ps.finish_binding();
    }
};

}  // namespace

// By hand, lr = 0.1, weight decay 0.1, betas (0.9, 0.99), eps 1e-8, p = 1 for both values.
//
// Update 1, g = 0.5:
//     w: p = 1 - 0.1 * 0.1 * 1 = 0.99                  (decay; b skips this line)
//        m = 0.1 * 0.5 = 0.05,  v = 0.01 * 0.25 = 0.0025
//        mhat = 0.05 / (1 - 0.9) = 0.5,  vhat = 0.0025 / (1 - 0.99) = 0.25,  sqrt(vhat) = 0.5
//        p = 0.99 - 0.1 * 0.5 / 0.5 = 0.89
//     b: p = 1 - 0.1 = 0.9
// Update 2, g = -0.25:
//     w: p = 0.89 * (1 - 0.01) = 0.8811
//        m = 0.9 * 0.05 + 0.1 * (-0.25) = 0.02,  v = 0.99 * 0.0025 + 0.01 * 0.0625 = 0.0031
//        mhat = 0.02 / (1 - 0.81) = 0.105263,  vhat = 0.0031 / (1 - 0.9801) = 0.155779
//        mhat / sqrt(vhat) = 0.105263 / 0.394688 = 0.266699
//        p = 0.8811 - 0.1 * 0.266699 = 0.854430
//     b: p = 0.9 - 0.0266699 = 0.873330
TEST_CASE("adamw: one and two updates match the values worked out by hand") {
    TwoParams t;
    const OptimConfig opt{.weight_decay = 0.1f};
    t.w.data[0] = t.b.data[0] = 1.0f;
    t.w.grad[0] = t.b.grad[0] = 0.5f;
    adamw_step(t.ps, opt, 0.1f, 1);
    CHECK(t.w.data[0] == doctest::Approx(0.89).epsilon(1e-6));
    CHECK(t.b.data[0] == doctest::Approx(0.90).epsilon(1e-6));
    CHECK(t.ps.adam_m()[0] == doctest::Approx(0.05));
    CHECK(t.ps.adam_v()[0] == doctest::Approx(0.0025));

    t.w.grad[0] = t.b.grad[0] = -0.25f;
    adamw_step(t.ps, opt, 0.1f, 2);
    CHECK(t.w.data[0] == doctest::Approx(0.854430057).epsilon(1e-6));
    CHECK(t.b.data[0] == doctest::Approx(0.873330057).epsilon(1e-6));
    CHECK(t.ps.adam_m()[0] == doctest::Approx(0.02));
    CHECK(t.ps.adam_v()[0] == doctest::Approx(0.0031));
}

// With zero gradients m and v stay 0 and the Adam term vanishes: only decay moves a weight, by
// the factor (1 - lr wd). So this shows exactly which of the model's entries decay.
TEST_CASE("adamw: weight decay touches the matrices of the model, not gains or embeddings") {
    Transformer model(ModelConfig{.vocab_size = 7, .ctx = 4, .layers = 1, .d_model = 8,
                                  .heads = 2, .ffn = FfnKind::swiglu});
    model.init(1);
    std::vector<float> before(model.params().data(), model.params().data() + model.params().size());
    model.params().zero_grad();
    const OptimConfig opt{.weight_decay = 0.5f};
    adamw_step(model.params(), opt, 0.1f, 1);
    for (const ParamEntry& e : model.params().entries()) {
        const bool matrix = e.name.find("qkv") != std::string::npos ||
                            e.name.find("proj") != std::string::npos ||
                            e.name.find("ffn.up") != std::string::npos ||
                            e.name.find("ffn.gate") != std::string::npos ||
                            e.name.find("ffn.down") != std::string::npos ||
                            e.name.find("lm_head") != std::string::npos;
        CAPTURE(e.name);
        CHECK(e.decay == matrix);
        const float factor = matrix ? 1.0f - 0.1f * 0.5f : 1.0f;
        for (size_t i = e.offset; i < e.offset + static_cast<size_t>(e.shape.numel()); i++)
            REQUIRE(model.params().data()[i] == doctest::Approx(before[i] * factor));
    }
}

TEST_CASE("schedule: linear warmup from lr / W, peak, cosine down to min_lr at the last step") {
    const OptimConfig opt;  // lr 1e-3, min_lr 1e-4, warmup 100, steps 2000
    CHECK(learning_rate(opt, 0) == doctest::Approx(1e-5));   // 1e-3 * 1 / 100
    CHECK(learning_rate(opt, 49) == doctest::Approx(5e-4));  // 1e-3 * 50 / 100
    CHECK(learning_rate(opt, 99) == doctest::Approx(1e-3));  // end of warmup: the peak
    CHECK(learning_rate(opt, 100) == doctest::Approx(1e-3)); // cosine at p = 0
    CHECK(learning_rate(opt, 1999) == doctest::Approx(1e-4)); // last step: min_lr
    CHECK(learning_rate(opt, 5000) == doctest::Approx(1e-4)); // past the end it stays there
    for (int s = 101; s < 2000; s++) REQUIRE(learning_rate(opt, s) < learning_rate(opt, s - 1));

    // warmup 10, steps 21: the decay spans steps 10..20, so step 15 is p = 1/2, where the
    // cosine term is (1 + cos(pi/2)) / 2 = 1/2: halfway between lr and min_lr.
    const OptimConfig short_run{.lr = 1e-3f, .min_lr = 1e-4f, .warmup = 10, .steps = 21};
    CHECK(learning_rate(short_run, 15) == doctest::Approx(5.5e-4));
    CHECK(learning_rate(short_run, 20) == doctest::Approx(1e-4));

    const OptimConfig no_warmup{.warmup = 0};
    CHECK(learning_rate(no_warmup, 0) == doctest::Approx(1e-3));
}

TEST_CASE("clipping: a norm above clip is scaled to clip, one below is left alone") {
    TwoParams t;
    t.w.grad[0] = 3.0f;
    t.b.grad[0] = 4.0f;  // norm sqrt(9 + 16) = 5
    CHECK(grad_norm(t.ps) == doctest::Approx(5.0));
    CHECK(clip_grad_norm(t.ps, 1.0f) == doctest::Approx(5.0));  // returns the norm before
    CHECK(t.w.grad[0] == doctest::Approx(0.6));                   // 3 * 1/5
    CHECK(t.b.grad[0] == doctest::Approx(0.8));                   // 4 * 1/5
    CHECK(grad_norm(t.ps) == doctest::Approx(1.0));

    CHECK(clip_grad_norm(t.ps, 2.0f) == doctest::Approx(1.0));  // below clip: unchanged
    CHECK(t.w.grad[0] == doctest::Approx(0.6));
    CHECK(clip_grad_norm(t.ps, 0.0f) == doctest::Approx(1.0));  // 0 = no clipping
}

TEST_CASE("optimizer config: validation names the field") {
    CHECK_NOTHROW(OptimConfig{}.validate());
    CHECK_THROWS_WITH_AS(OptimConfig{.lr = 0.0f}.validate(), doctest::Contains("lr = 0"), Error);
    CHECK_THROWS_WITH_AS((OptimConfig{.warmup = 3000, .steps = 2000}.validate()),
                         doctest::Contains("warmup = 3000"), Error);
    CHECK_THROWS_WITH_AS(OptimConfig{.beta2 = 1.0f}.validate(), doctest::Contains("betas"), Error);
}
