// Lesson 13 · tests of the exercise: mean and sample std, paired differences, the two verdicts.
#include <doctest/doctest.h>

#include "exercise.hpp"
#include "glulab/platform/check.hpp"

#include <cmath>
#include <vector>

using namespace lesson13;
using V = std::vector<double>;

TEST_SUITE("lesson13") {
    TEST_CASE("spread_of: mean and the sample standard deviation (divides by n - 1)") {
        const V x = {1, 2, 3, 4};
        const Spread s = spread_of(x);
        CHECK(s.n == 4);
        CHECK(s.mean == doctest::Approx(2.5));
        CHECK(s.std == doctest::Approx(std::sqrt(5.0 / 3.0)));  // not sqrt(5 / 4)

        const V two = {1, 3};
        CHECK(spread_of(two).std == doctest::Approx(std::sqrt(2.0)));  // not 1
    }

    TEST_CASE("spread_of: one value has no spread, no value has no mean, equal values std 0") {
        const V one = {1.7};
        CHECK(spread_of(one).n == 1);
        CHECK(spread_of(one).mean == doctest::Approx(1.7));
        CHECK(spread_of(one).std == 0.0);
        CHECK(spread_of(V{}).n == 0);
        CHECK(spread_of(V{}).mean == 0.0);
        CHECK(spread_of(V{}).std == 0.0);
        const V same = {2.5, 2.5, 2.5};
        CHECK(spread_of(same).std == doctest::Approx(0.0));
    }

    TEST_CASE("compare_paired: the lesson's numbers, swiglu against relu") {
        const V swiglu = {1.641, 1.632}, relu = {1.770, 1.665};
        const PairedComparison c = compare_paired(swiglu, relu);
        CHECK(c.a.mean == doctest::Approx(1.6365));
        CHECK(c.b.mean == doctest::Approx(1.7175));
        CHECK(c.b.std == doctest::Approx(0.105 / std::sqrt(2.0)));
        CHECK(c.diff.n == 2);
        CHECK(c.diff.mean == doctest::Approx(-0.081));
        CHECK(c.diff.std == doctest::Approx(0.096 / std::sqrt(2.0)));
        CHECK(c.differ_unpaired);  // 0.081 > 0.074
        CHECK(c.differ_paired);    // 0.081 > 0.068
    }

    TEST_CASE("compare_paired: a small gap the seeds share is found only by pairing") {
        // Each seed moves both kinds by the same amount; b is always 0.02 worse.
        const V a = {1.50, 1.60, 1.70}, b = {1.52, 1.62, 1.72};
        const PairedComparison c = compare_paired(a, b);
        CHECK(c.a.std == doctest::Approx(0.1));
        CHECK(c.diff.mean == doctest::Approx(-0.02));
        CHECK(c.diff.std == doctest::Approx(0.0).epsilon(1e-9));
        CHECK_FALSE(c.differ_unpaired);  // 0.02 < 0.1: lost in the seed spread
        CHECK(c.differ_paired);          // every seed says the same
    }

    TEST_CASE("compare_paired: differences that change sign are not a difference") {
        const V a = {1.00, 1.10, 0.90}, b = {1.05, 1.00, 1.00};
        const PairedComparison c = compare_paired(a, b);
        CHECK(c.diff.mean == doctest::Approx(-0.05 / 3));
        CHECK_FALSE(c.differ_unpaired);
        CHECK_FALSE(c.differ_paired);
    }

    TEST_CASE("compare_paired: one seed decides nothing, however large the gap") {
        const V a = {1.0}, b = {2.0};
        const PairedComparison c = compare_paired(a, b);
        CHECK(c.diff.mean == doctest::Approx(-1.0));
        CHECK_FALSE(c.differ_unpaired);
        CHECK_FALSE(c.differ_paired);
    }

    TEST_CASE("compare_paired: swapping the kinds flips the sign, not the verdict") {
        const V a = {1.641, 1.632, 1.650}, b = {1.770, 1.665, 1.700};
        const PairedComparison ab = compare_paired(a, b), ba = compare_paired(b, a);
        CHECK(ab.diff.mean == doctest::Approx(-ba.diff.mean));
        CHECK(ab.diff.std == doctest::Approx(ba.diff.std));
        CHECK(ab.differ_unpaired == ba.differ_unpaired);
        CHECK(ab.differ_paired == ba.differ_paired);
        CHECK(ab.differ_paired);
    }

    TEST_CASE("compare_paired: runs that cannot be paired are an error") {
        const V three = {1, 2, 3}, two = {1, 2};
        CHECK_THROWS_AS(compare_paired(three, two), glulab::Error);
    }
}

// Exercise 6: the closed fraction under normal gates, against sampling glulab's activations.
#include "glulab/experiment/gates.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"

TEST_SUITE("lesson13") {
    TEST_CASE("closed_fraction agrees with 400,000 normal gates through glulab's activations") {
        const int n = 400000;
        for (glulab::Act act : {glulab::Act::relu, glulab::Act::silu, glulab::Act::gelu,
                                glulab::Act::sigmoid, glulab::Act::identity})
            for (double sigma : {0.5, 1.0, 3.0}) {
                glulab::Rng rng(11);
                std::vector<float> g(n), a(n);
                for (float& x : g) x = static_cast<float>(sigma * rng.normal());
                glulab::activation_forward(a.data(), g.data(), n, act);
                int closed = 0;
                for (float x : a) closed += std::abs(x) < glulab::GateLayerStats::kNearZero;
                const double sampled = double(closed) / n;  // standard error below 0.0008
                INFO(glulab::act_name(act) << ", sigma = " << sigma << ": sampled " << sampled);
                CHECK(std::abs(closed_fraction(act, sigma) - sampled) < 0.004);
            }
    }
}

// Exercise 7: the learning-rate sensitivity, against the page's numbers and the library's sweep.
#include "glulab/experiment/sweep.hpp"

TEST_SUITE("lesson13") {
    TEST_CASE("lr_sensitivity: the results page's relu and gelu rows") {
        // Mean final validation loss at lr 3e-4, 1e-3, 3e-3, 1e-2 (docs/results.md, the sweep).
        const V relu = {1.8850, 1.7086, 1.6822, 1.7278}, gelu = {2.0117, 1.7987, 1.6842, 1.7066};
        const double init = std::log(65.0);
        CHECK(lr_sensitivity(relu, init) == doctest::Approx(0.0687).epsilon(1e-3));
        CHECK(lr_sensitivity(gelu, init) == doctest::Approx(0.1161).epsilon(1e-3));
    }

    TEST_CASE("lr_sensitivity: a diverged rate counts as the untrained loss; the library agrees") {
        const double init = 4.0, nan = std::nan("");
        const V losses = {2.0, 1.9, nan, 5.0};  // the last is worse than init: capped at it
        // (2.0 + 1.9 + 4.0 + 4.0) / 4 - 1.9
        CHECK(lr_sensitivity(losses, init) == doctest::Approx(1.075));
        std::vector<glulab::KindSummary> groups;
        const float rates[] = {1e-4f, 3e-4f, 1e-3f, 3e-3f};
        for (size_t i = 0; i < losses.size(); i++) {
            glulab::KindSummary k{.kind = glulab::FfnKind::relu, .at = {.lr = rates[i], .warmup = 100}};
            if (std::isnan(losses[i])) k.diverged = 1;
            else {
                const double one[] = {losses[i]};
                k.final_val = glulab::stat_of(one);
                k.seeds = 1;
            }
            groups.push_back(k);
        }
        CHECK(glulab::choose_learning_rates(groups, init).front().sensitivity ==
              doctest::Approx(lr_sensitivity(losses, init)));
        const V all_diverged = {nan, nan};
        CHECK(lr_sensitivity(all_diverged, init) == 0.0);
    }
}
