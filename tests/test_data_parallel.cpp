// test_data_parallel.cpp — the data-parallel update in one process: the plain path is exactly
// clip_grad_norm + adamw_step, the ZeRO-1 path gives the same bits, grad_norm_chunks adds up to
// grad_norm. (N > 1 ranks: tests/distributed/run.sh, `make test-distributed`.)
#include <doctest/doctest.h>

#include "glulab/train/data_parallel.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/platform/rng.hpp"

#include <cmath>
#include <vector>

using namespace glulab;

namespace {

// Three updates with fresh gradients; returns the weights after them.
std::vector<float> train_three_updates(bool shard, bool through_data_parallel, float clip) {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 1, .d_model = 16, .heads = 2});
    model.init(5);
    ParamStore& ps = model.params();
    DataParallel dp(ps, shard);
    const OptimConfig cfg{.lr = 1e-2f, .clip = clip};
    Rng rng(9);
    for (int t = 1; t <= 3; t++) {
        for (size_t i = 0; i < ps.size(); i++) ps.grad()[i] = static_cast<float>(rng.normal());
        if (through_data_parallel) {
            dp.update(ps, cfg, cfg.lr, t);
        } else {
            clip_grad_norm(ps, cfg.clip);
            adamw_step(ps, cfg, cfg.lr, t);
        }
    }
    if (shard) dp.gather_moments(ps);
    std::vector<float> out(ps.data(), ps.data() + ps.size());
    out.insert(out.end(), ps.adam_m(), ps.adam_m() + ps.size());
    return out;
}

}  // namespace

TEST_CASE("data_parallel: one process splits nothing") {
    REQUIRE(dist_size() == 1);
    const BatchRows rows = batch_rows(16);
    CHECK(rows.begin == 0);
    CHECK(rows.count == 16);
    CHECK(mean_over_ranks(2.5) == 2.5);
    const Slice s = dist_slice(10, 0);
    CHECK(s.begin == 0);
    CHECK(s.end == 10);
}

TEST_CASE("data_parallel: update is clip_grad_norm + adamw_step, sharded or not, to the bit") {
    for (float clip : {0.0f, 1.0f}) {  // unit normal gradients: norm far above 1, so clip 1 acts
        INFO("clip " << clip);
        const std::vector<float> want = train_three_updates(false, false, clip);
        CHECK(train_three_updates(false, true, clip) == want);
        CHECK(train_three_updates(true, true, clip) == want);
    }
}

TEST_CASE("ParamStore::keep_moments: allocates the kept range only, and keeps its values") {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 1, .d_model = 16, .heads = 2});
    ParamStore& ps = model.params();
    const size_t n = ps.size(), b = n / 4, e = n / 2;
    CHECK(ps.moment_floats() == 2 * n);
    for (size_t i = 0; i < n; i++) ps.adam_m()[i] = ps.adam_v()[i] = static_cast<float>(i);
    ps.keep_moments(b, e);
    CHECK(ps.moment_floats() == 2 * (e - b));
    CHECK(ps.adam_m()[0] == static_cast<float>(b));
    CHECK(ps.adam_v()[e - b - 1] == static_cast<float>(e - 1));
    CHECK_THROWS_WITH_AS(adamw_step(ps, OptimConfig{}, 1e-3f, 1), doctest::Contains("moments of ["), Error);
    ps.keep_moments(0, n);  // whole again: the kept values in place, zeros elsewhere
    CHECK(ps.moments_whole());
    CHECK(ps.adam_m()[b - 1] == 0.0f);
    CHECK(ps.adam_m()[b] == static_cast<float>(b));
    CHECK(ps.adam_v()[e] == 0.0f);
    CHECK_THROWS_AS(ps.keep_moments(e, b), Error);
}

TEST_CASE("data_parallel: the chunk sums of any slicing add up to grad_norm") {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 1, .d_model = 16, .heads = 2});
    ParamStore& ps = model.params();
    Rng rng(4);
    for (size_t i = 0; i < ps.size(); i++) ps.grad()[i] = static_cast<float>(rng.normal());
    const size_t n = ps.size();
    for (size_t parts : {1, 3, 7}) {
        GradNormChunks total{};
        for (size_t p = 0; p < parts; p++) {
            GradNormChunks mine{};
            grad_norm_chunks(ps.grad(), n, n * p / parts, n * (p + 1) / parts, mine);
            for (size_t c = 0; c < total.size(); c++) total[c] += mine[c];
        }
        double sq = 0;
        for (double x : total) sq += x;
        INFO(parts << " slices");
        CHECK(static_cast<float>(std::sqrt(sq)) == doctest::Approx(grad_norm(ps)).epsilon(1e-7));
    }
}
