// test_quantize.cpp — simulated int8: the fake-quant pair on hand-made numbers, its error bound
// and how one outlier stretches every other value's error, the straight-through gradient, and a
// model's weights and inputs quantized by scheme.
//
// Lesson 16 · outliers and quantization
#include <doctest/doctest.h>

#include "glulab/autograd/autograd.hpp"
#include "glulab/nn/quantize.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

#include <cmath>
#include <vector>

#include "test_util.hpp"

using namespace glulab;

namespace {
// The root mean square of out - x.
double rms_error(const std::vector<float>& x, const std::vector<float>& out, size_t from = 0) {
    double ss = 0;
    for (size_t i = from; i < x.size(); i++) ss += double(out[i] - x[i]) * (out[i] - x[i]);
    return std::sqrt(ss / static_cast<double>(x.size() - from));
}
}  // namespace

TEST_SUITE_BEGIN("lesson13");

TEST_CASE("fake_quant: absmax scale, round to nearest even, back to float") {
    // absmax 1.27: s = 0.01. 0.5 -> 50, -1.27 -> -127, 0.004 -> 0, 0.015 -> 1.5 -> 2 (ties to even),
    // 0.025 -> 2.5 -> 2.
    const std::vector<float> x = {0.5f, -1.27f, 1.27f, 0.004f, 0.015f, 0.025f};
    float s = 0;
    quant_scales(&s, x.data(), 1, 6, false);
    CHECK(s == doctest::Approx(0.01f));
    std::vector<float> out(x.size());
    fake_quant_forward(out.data(), x.data(), &s, 1, 6, false);
    const float inv = 1.0f / s;
    const std::vector<float> q = {50, -127, 127, 0, std::nearbyint(0.015f * inv), std::nearbyint(0.025f * inv)};
    for (size_t i = 0; i < x.size(); i++) {
        CAPTURE(i);
        CHECK(out[i] == q[i] * s);
    }
    CHECK(q[5] == 2);  // 2.5 rounds to the even 2
    // Per row: each row its own absmax; a row of zeros keeps scale 1 and stays zero.
    const std::vector<float> rows = {1, -2, 0.5f, 0, 0, 0, 10, 20, -40};
    std::vector<float> scales(3), back(9);
    quant_scales(scales.data(), rows.data(), 3, 3, true);
    CHECK(scales[0] == doctest::Approx(2.0f / 127));
    CHECK(scales[1] == 1.0f);
    CHECK(scales[2] == doctest::Approx(40.0f / 127));
    fake_quant_forward(back.data(), rows.data(), scales.data(), 3, 3, true);
    CHECK(back[1] == doctest::Approx(-2.0f));  // the absmax of its row is exact
    CHECK(back[8] == doctest::Approx(-40.0f));
    CHECK(back[3] == 0);
}

TEST_CASE("fake_quant: error at most s/2, mean square s^2/12, and one outlier stretches every error") {
    Rng rng(9);
    std::vector<float> x(100000);
    for (float& v : x) v = static_cast<float>(2 * rng.uniform() - 1);  // uniform in [-1, 1)
    float s = 0;
    quant_scales(&s, x.data(), 1, static_cast<int>(x.size()), false);
    std::vector<float> out(x.size());
    fake_quant_forward(out.data(), x.data(), &s, 1, static_cast<int>(x.size()), false);
    float worst = 0;
    for (size_t i = 0; i < x.size(); i++) worst = std::max(worst, std::fabs(out[i] - x[i]));
    CHECK(worst <= s / 2 * (1 + 1e-5f));
    // A uniform rounding error on [-s/2, s/2] has mean square s^2 / 12.
    CHECK(rms_error(x, out) == doctest::Approx(s / std::sqrt(12.0)).epsilon(0.02));
    // One value 100 times the others' absmax: s grows 100x, and so does every other value's error.
    std::vector<float> with_outlier = x;
    with_outlier[0] = 100;
    float s2 = 0;
    quant_scales(&s2, with_outlier.data(), 1, static_cast<int>(x.size()), false);
    CHECK(s2 == doctest::Approx(100 * s).epsilon(0.01));
    fake_quant_forward(out.data(), with_outlier.data(), &s2, 1, static_cast<int>(x.size()), false);
    const double err = rms_error(with_outlier, out, 1);
    CHECK(err > 30 * s / std::sqrt(12.0));  // most values now round to 0: the error is their size
}

TEST_CASE("fake_quant: the gradient passes straight through, and adds") {
    const std::vector<float> x = {0.3f, -0.7f, 1.0f}, dout = {1, 2, 3};
    float s = 0;
    quant_scales(&s, x.data(), 1, 3, false);
    std::vector<float> dx = {10, 10, 10};  // pre-filled: backward adds
    fake_quant_backward(dx.data(), dout.data(), x.data(), &s, 1, 3, false);
    CHECK(dx == std::vector<float>{11, 12, 13});
    // A scale from elsewhere that clips: values beyond 127 s get no gradient.
    const float small = 0.5f / 127;
    std::vector<float> dx2(3, 0.0f);
    fake_quant_backward(dx2.data(), dout.data(), x.data(), &small, 1, 3, false);
    CHECK(dx2 == std::vector<float>{1, 0, 0});
    // On the tape: the node's backward is the same.
    Tape tape;
    Tensor in = tape.new_tensor(Shape{1, 3}, true);
    for (int i = 0; i < 3; i++) in.data[i] = x[static_cast<size_t>(i)];
    Tensor y = fake_quant(tape, in, false);
    Tensor loss = sum(tape, y);
    tape.backward(loss);
    for (int i = 0; i < 3; i++) CHECK(in.grad[i] == 1.0f);
}

TEST_CASE("quantize_model: schemes by name, every matrix or one, inputs flagged") {
    CHECK(parse_quant_scheme("w8a8-token").weights == Quant::row);
    CHECK(parse_quant_scheme("w8a8-token").inputs == Quant::row);
    CHECK(parse_quant_scheme("w8").inputs == Quant::none);
    CHECK_THROWS_WITH_AS(parse_quant_scheme("int4"), doctest::Contains("w8, w8-channel, w8a8, w8a8-token"), Error);

    const ModelConfig cfg{.vocab_size = 11, .ctx = 6, .layers = 2, .d_model = 8, .heads = 2, .ffn = FfnKind::swiglu};
    Transformer model(cfg);
    model.init(4);
    const std::vector<std::string> names = quantizable_matrices(model);
    CHECK(names.size() == 2 * 5 + 1);  // qkv, proj, up, gate, down per block; lm_head
    CHECK(names[3] == "blocks.0.ffn.gate");
    const std::vector<float> before(model.params().data(), model.params().data() + static_cast<int64_t>(model.params().size()));

    CHECK(quantize_model(model, parse_quant_scheme("w8"), "blocks.1.ffn.down") == std::vector<std::string>{"blocks.1.ffn.down"});
    const Tensor& down = model.blocks[1].ffn.down.weight;
    const int64_t at = down.data - model.params().data();
    for (int64_t i = 0; i < static_cast<int64_t>(model.params().size()); i++) {
        const bool inside = i >= at && i < at + down.numel();
        if (!inside) CHECK(model.params().data()[i] == before[static_cast<size_t>(i)]);  // only that matrix changed
    }
    CHECK(model.blocks[1].ffn.down.input_quant == Quant::none);  // w8: weights only

    quantize_model(model, parse_quant_scheme("w8a8-token"));
    CHECK(model.blocks[0].ffn.up_gate.input_quant == Quant::row);  // a gated FFN's one product
    CHECK(model.lm_head.input_quant == Quant::row);
    // Per output channel: each row of a weight holds at most 255 values, its absmax among them.
    const Tensor& w = model.blocks[0].attn.qkv.weight;
    for (int64_t r = 0; r < w.rows(); r++) {
        float m = 0;
        for (int c = 0; c < w.cols(); c++) m = std::max(m, std::fabs(w.data[r * w.cols() + c]));
        for (int c = 0; c < w.cols(); c++) {
            const float q = w.data[r * w.cols() + c] / (m / 127);
            CHECK(std::fabs(q - std::nearbyint(q)) < 1e-3f);
        }
    }
    CHECK_THROWS_WITH_AS(quantize_model(model, parse_quant_scheme("w8"), "blocks.9.ffn.down"),
                         doctest::Contains("valid: blocks.0.attn.qkv"), Error);
}

TEST_CASE("smooth_ffn_hidden: the same model in float, a hidden vector with smaller outliers; not for gelu") {
    std::vector<int> ids(6 * 40 + 1);
    for (size_t i = 0; i < ids.size(); i++) ids[i] = static_cast<int>((i * 7 + i / 3) % 11);
    for (FfnKind kind : {FfnKind::swiglu, FfnKind::relu, FfnKind::gelu}) {
        CAPTURE(ffn_kind_name(kind));
        Transformer model(ModelConfig{.vocab_size = 11, .ctx = 6, .layers = 2, .d_model = 8, .heads = 2, .ffn = kind});
        model.init(5);
        for (size_t i = 0; i < model.params().size(); i++) model.params().data()[i] *= 8;  // larger weights, larger tails
        Tape tape;
        NoGrad off(tape);
        auto loss_and_hidden_max = [&] {
            tape.reset();
            const float loss = model.loss(tape, ids.data(), ids.data() + 1, 4, 6).data[0];
            const Tensor h = model.block_taps(1).hidden;
            float mx = 0;
            for (int64_t i = 0; i < h.numel(); i++) mx = std::max(mx, std::fabs(h.data[i]));
            return std::pair{loss, mx};
        };
        const auto [before, max_before] = loss_and_hidden_max();
        const int layers = smooth_ffn_hidden(model, ids, 40);
        const auto [after, max_after] = loss_and_hidden_max();
        if (kind == FfnKind::gelu) {
            CHECK(layers == 0);
            CHECK(after == before);
            continue;
        }
        CHECK(layers == 2);
        CHECK(after == doctest::Approx(before).epsilon(1e-5));  // exact but for float rounding
        CHECK(max_after != doctest::Approx(max_before));        // the hidden vector was rescaled
    }
}

TEST_SUITE_END();
