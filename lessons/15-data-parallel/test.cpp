// Lesson 15 · tests of the exercise: every rank's sharded AdamW step together against one
// glulab::adamw_step, and the ring allreduce's bytes.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/nn/model.hpp"
#include "glulab/platform/rng.hpp"

#include <cmath>
#include <vector>

namespace {

// A model small enough to test on, large enough that slices cut entries in the middle.
glulab::Transformer tiny_model() {
    glulab::Transformer model(glulab::ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 1, .d_model = 8, .heads = 2});
    model.init(3);
    return model;
}

}  // namespace

TEST_CASE("lesson15: the ranks' sharded AdamW steps together are one adamw_step") {
    glulab::Transformer model = tiny_model();
    glulab::ParamStore& ps = model.params();
    const size_t n = ps.size();
    const glulab::OptimConfig cfg{.lr = 1e-2f, .weight_decay = 0.1f};
    for (int N : {1, 2, 3, 4}) {
        std::vector<float> param(ps.data(), ps.data() + n);  // the sharded side starts equal
        std::vector<float> m_full(n, 0.0f), v_full(n, 0.0f);  // the ranks' moments, laid side by side
        std::copy(param.begin(), param.end(), ps.data());
        std::fill(ps.adam_m(), ps.adam_m() + n, 0.0f);
        std::fill(ps.adam_v(), ps.adam_v() + n, 0.0f);
        glulab::Rng rng(static_cast<uint64_t>(N));
        for (int t = 1; t <= 3; t++) {
            for (size_t i = 0; i < n; i++) ps.grad()[i] = 0.1f * static_cast<float>(rng.normal());
            for (int r = 0; r < N; r++) {
                const auto [begin, end] = lesson15::rank_slice(n, N, r);
                REQUIRE(begin <= end);
                REQUIRE(end <= n);
                std::vector<float> m(m_full.begin() + begin, m_full.begin() + end);
                std::vector<float> v(v_full.begin() + begin, v_full.begin() + end);
                lesson15::sharded_adamw_step(param.data(), ps.grad(), m.data(), v.data(), ps.entries(),
                                             begin, end, 1e-2f, cfg, t);
                std::copy(m.begin(), m.end(), m_full.begin() + begin);
                std::copy(v.begin(), v.end(), v_full.begin() + begin);
            }
            glulab::adamw_step(ps, cfg, 1e-2f, t);
            int wrong = 0;
            size_t first_wrong = 0;
            for (size_t i = 0; i < n; i++)
                if (param[i] != ps.data()[i] || m_full[i] != ps.adam_m()[i] || v_full[i] != ps.adam_v()[i])
                    if (wrong++ == 0) first_wrong = i;
            INFO("N = " << N << " ranks, update t = " << t << ": " << wrong << " of " << n
                        << " values differ from glulab::adamw_step, the first at index " << first_wrong
                        << " (param " << param[first_wrong] << ", glulab " << ps.data()[first_wrong] << ")");
            CHECK(wrong == 0);
        }
    }
}

TEST_CASE("lesson15: a ring allreduce sends 2 (N-1)/N of the bytes per rank") {
    CHECK(lesson15::ring_allreduce_bytes_per_rank(1000, 1) == doctest::Approx(0));
    CHECK(lesson15::ring_allreduce_bytes_per_rank(1000, 2) == doctest::Approx(1000));
    CHECK(lesson15::ring_allreduce_bytes_per_rank(1000, 4) == doctest::Approx(1500));
    CHECK(lesson15::ring_allreduce_bytes_per_rank(800, 64) == doctest::Approx(1575));
}

// The slices as the README states them: [n r / N, n (r + 1) / N), rounded down.
TEST_CASE("lesson15: rank 1 of 3 of the lesson's 14432-parameter model, derived by hand") {
    const size_t P = 14432;
    const lesson15::RankSlice yours = lesson15::rank1_of_3();
    INFO("your rank 1 of 3: [" << yours.begin << ", " << yours.end << "); [r P/N, (r+1) P/N) rounded down gives ["
                               << P * 1 / 3 << ", " << P * 2 / 3 << ")");
    CHECK(yours.begin == P * 1 / 3);
    CHECK(yours.end == P * 2 / 3);
}

TEST_CASE("lesson15: rank_slice cuts [0, n) into N slices in rank order, once, rounded down") {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{14432}, size_t{5000000000}})
        for (int N : {1, 2, 3, 4, 7, 64}) {
            size_t next = 0;
            for (int r = 0; r < N; r++) {
                const lesson15::RankSlice s = lesson15::rank_slice(n, N, r);
                INFO("n = " << n << ", N = " << N << ", rank " << r << ": [" << s.begin << ", " << s.end << ")");
                CHECK(s.begin == next);
                CHECK(s.begin == n * static_cast<size_t>(r) / static_cast<size_t>(N));
                CHECK(s.end - s.begin <= n / static_cast<size_t>(N) + 1);
                next = s.end;
            }
            CHECK(next == n);
        }
}
