// test_stability.cpp — stability telemetry: the loss-spike rule, the largest attention logit and
// the head's log Z against a direct computation, the files of a run (also one forced to
// diverge), the test split, and the pictures.
//
// Lesson 13 · the FFN ablation
#include <doctest/doctest.h>

#include "glulab/train/data.hpp"
#include "glulab/experiment/activations.hpp"
#include "glulab/experiment/plot.hpp"
#include "glulab/experiment/stability.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/core/tape.hpp"

#include <cmath>
#include <filesystem>

#include "test_util.hpp"

using namespace glulab;
using glulab_test::contains;
using glulab_test::read_file;
using glulab_test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<StepRow> steps_of(const std::vector<double>& losses) {
    std::vector<StepRow> rows;
    for (size_t i = 0; i < losses.size(); i++) rows.push_back({.step = static_cast<int>(i) + 1, .loss = losses[i]});
    return rows;
}

// The tiny run of test_util.hpp with two blocks and 30 steps: three evaluations of two layers.
TrainConfig tiny(const TempDir& tmp) {
    TrainConfig cfg = glulab_test::tiny_train_config(tmp.dir, glulab_test::grammar_text(17));
    cfg.model.layers = 2;
    cfg.optim.steps = 30;
    cfg.seed = 5;
    return cfg;
}

}  // namespace

TEST_SUITE_BEGIN("lesson13");

TEST_CASE("stability: a loss spike is a step well above the smoothed loss's running minimum, after warmup") {
    // Noisy but healthy: +-3% around a falling curve counts nothing.
    std::vector<double> healthy;
    for (int s = 0; s < 400; s++) healthy.push_back(3.0 - s * 0.002 + 0.06 * std::sin(s * 1.7));
    CHECK(loss_spike_steps(steps_of(healthy), 10).empty());
    // One step at 1.3x the level, after warmup: one spike, at its step.
    std::vector<double> spiky(200, 2.0);
    spiky[149] = 2.6;
    CHECK(loss_spike_steps(steps_of(spiky), 10) == std::vector<int>{150});
    // The same jump during warmup does not count.
    CHECK(loss_spike_steps(steps_of(spiky), 160).empty());
    // A run that blows up: every step above the threshold counts.
    std::vector<double> blowup(100, 2.0);
    for (int s = 90; s < 100; s++) blowup[static_cast<size_t>(s)] = 3.0 + s;
    CHECK(loss_spike_steps(steps_of(blowup), 5).size() == 10);
}

TEST_CASE("stability: the largest attention logit and log Z against a direct computation") {
    const ModelConfig cfg{.vocab_size = 11, .ctx = 6, .layers = 2, .d_model = 8, .heads = 2, .ffn = FfnKind::relu};
    Transformer model(cfg);
    model.init(3);
    const int B = 2, T = 6, C = 8, NH = 2, HS = 4;
    std::vector<int> idx(B * T);
    for (size_t i = 0; i < idx.size(); i++) idx[i] = static_cast<int>((i * 7) % 11);
    Tape tape;
    NoGrad off(tape);
    const Tensor logits = model.forward(tape, idx.data(), B, T);
    StabilityStats stats(cfg.layers);
    stats.observe(model);
    const std::vector<StabilityRow> rows = stats.rows(10, 0);
    REQUIRE(rows.size() == 2);
    for (int l = 0; l < 2; l++) {
        const Tensor qkv = model.attention_qkv(l);
        double want = 0;
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int i = 0; i < T; i++)
                    for (int j = 0; j <= i; j++) {  // the causal pairs only
                        double dot = 0;
                        for (int d = 0; d < HS; d++)
                            dot += double{qkv.at({b, i, h * HS + d})} * qkv.at({b, j, C + h * HS + d});
                        want = std::max(want, std::fabs(dot) / std::sqrt(double{HS}));
                    }
        CAPTURE(l);
        CHECK(rows[static_cast<size_t>(l)].attn_logit_max == doctest::Approx(want).epsilon(1e-5));
    }
    double z_sum = 0, z_max = -1e30, absmax = 0;
    for (int64_t r = 0; r < logits.rows(); r++) {
        double z = 0;
        for (int v = 0; v < 11; v++) {
            const double x = logits.data[r * 11 + v];
            z += std::exp(x);
            absmax = std::max(absmax, std::fabs(x));
        }
        z_sum += std::log(z);
        z_max = std::max(z_max, std::log(z));
    }
    CHECK(rows[0].logit_max == doctest::Approx(absmax).epsilon(1e-6));
    CHECK(rows[0].log_z_mean == doctest::Approx(z_sum / (B * T)).epsilon(1e-6));
    CHECK(rows[1].log_z_max == doctest::Approx(z_max).epsilon(1e-6));
}

TEST_CASE("activations: kurtosis, max over median and the largest value's channel against a direct computation") {
    // 4 rows of 5 channels: mostly small values, one outlier 40 in channel 3, and zeros.
    const std::vector<float> x = {0.5f, -1.0f, 0.0f, 1.5f, -0.5f, 1.0f, 0.5f, -1.5f, 40.0f, 0.0f,
                                  -0.5f, 1.0f, 0.5f, -1.0f, 1.5f, 0.0f, -1.5f, 1.0f, 0.5f, -0.5f};
    ActivationSiteStats s;
    s.add(x.data(), 2, 5);
    s.add(x.data() + 10, 2, 5);  // in two batches: the sums add
    double mean = 0;
    for (float v : x) mean += v;
    mean /= 20;
    double m2 = 0, m4 = 0;
    for (float v : x) {
        m2 += (v - mean) * (v - mean) / 20;
        m4 += std::pow(v - mean, 4) / 20;
    }
    CHECK(s.kurtosis() == doctest::Approx(m4 / (m2 * m2) - 3).epsilon(1e-9));
    CHECK(s.max_abs == 40.0);
    CHECK(s.max_channel == 3);
    // The 17 nonzero |x|: 0.5 x 6, 1.0 x 6, 1.5 x 4, 40; the median is 1.0, which lies in the
    // bin [1, 1 + 1/16): its middle, 1.03125.
    CHECK(s.median_abs() == doctest::Approx(1.03125));
    // A Gaussian has kurtosis near 0; a far heavier tail, far more.
    ActivationSiteStats g;
    Rng rng(3);
    std::vector<float> normal(20000);
    for (float& v : normal) v = rng.normal();
    g.add(normal.data(), 200, 100);
    CHECK(std::fabs(g.kurtosis()) < 0.15);
    CHECK(s.kurtosis() > 10);
}

TEST_CASE("stability: every run writes steps.csv and stability.csv, and plot draws them") {
    TempDir tmp("stability-run");
    const TrainConfig cfg = tiny(tmp);
    const std::string dir = (tmp.dir / "run").string();
    train_run(cfg, dir, false, false, with_run_telemetry(dir));
    const std::vector<StepRow> steps = read_run_steps(dir);
    REQUIRE(steps.size() == 30);
    CHECK(steps.front().step == 1);
    CHECK(steps.back().step == 30);
    CHECK(steps[9].lr == doctest::Approx(learning_rate(cfg.optim, 9)).epsilon(1e-5));
    const std::vector<MetricRow> metrics = read_run_metrics(dir);
    CHECK(steps[9].grad_norm == doctest::Approx(metrics[0].grad_norm).epsilon(1e-5));  // the same step's norm
    const std::vector<StabilityRow> rows = read_run_stability(dir);
    REQUIRE(rows.size() == 3 * 2);  // 3 evaluations x 2 layers
    CHECK(rows[0].step == 10);
    CHECK(rows[1].layer == 1);
    for (const StabilityRow& r : rows) {
        CHECK(r.attn_logit_max > 0);
        CHECK(r.log_z_mean > 0);
        CHECK(r.log_z_max >= r.log_z_mean);
    }
    CHECK(rows[0].logit_max == rows[1].logit_max);  // model-wide: the same on each layer's row
    // activations.csv: 3 evaluations x 2 layers x 3 sites, in that order.
    const std::vector<ActivationRow> acts = read_run_activations(dir);
    REQUIRE(acts.size() == 3 * 2 * 3);
    CHECK(acts[4].layer == 1);
    CHECK(acts[4].site == static_cast<int>(ActSite::hidden));
    for (const ActivationRow& a : acts) {
        CHECK(a.max_abs > 0);
        CHECK(a.max_over_median >= 1);
        CHECK(a.max_channel >= 0);
        CHECK(a.max_channel < (a.site == static_cast<int>(ActSite::hidden) ? 48 : 16));  // H 48, C 16
    }

    const PlotReport ascii = write_plots(load_runs({dir}), dir, PlotOptions{.use_gnuplot = false});
    CHECK(contains(ascii.ascii, "Largest attention logit"));
    if (!find_gnuplot().empty()) {
        const PlotReport drawn = write_plots(load_runs({dir}), dir);
        CHECK(fs::exists(fs::path(dir) / "stability.png"));
        CHECK(std::count(drawn.files.begin(), drawn.files.end(), (fs::path(dir) / "stability.svg").string()) == 1);
    }
}

TEST_CASE("stability: a run forced to diverge keeps its telemetry up to the last finite step") {
    TempDir tmp("stability-diverge");
    TrainConfig cfg = tiny(tmp);
    cfg.optim.lr = 1e30f;
    cfg.optim.min_lr = 0;
    cfg.optim.clip = 0;
    cfg.eval_every = 1;  // an evaluation of the first step, before the loss goes NaN
    const std::string dir = (tmp.dir / "run").string();
    const TrainSummary s = train_run(cfg, dir, false, false, with_run_telemetry(dir));
    REQUIRE(s.diverged);
    const std::vector<StepRow> steps = read_run_steps(dir);
    REQUIRE_FALSE(steps.empty());  // written when the run diverged, though no checkpoint was
    // Only steps with a finite loss and gradient norm are rows: none past the divergence.
    CHECK(steps.back().step <= s.steps_done);
    for (const StepRow& r : steps) CHECK(std::isfinite(r.grad_norm));
    for (const StepRow& r : steps) CHECK(std::isfinite(r.loss));
    CHECK_FALSE(read_run_stability(dir).empty());
    // Drawn, never dropped: its curve is in the ASCII charts under its own name.
    const PlotReport p = write_plots(load_runs({dir}), dir, PlotOptions{.use_gnuplot = false});
    CHECK(contains(p.ascii, "diverged"));
}

TEST_CASE("data: a test split is cut from the end of the validation split; the train split stays") {
    std::vector<int> ids(1000);
    const Dataset plain(ids), with_test(ids, 0.9, 0.05);
    CHECK(plain.train().size() == 900);
    CHECK(plain.val().size() == 100);
    CHECK(plain.test().empty());
    CHECK(with_test.train().size() == 900);
    CHECK(with_test.val().size() == 50);
    CHECK(with_test.test().size() == 50);
    CHECK(with_test.test().data() == with_test.val().data() + 50);  // contiguous, after val
    CHECK_THROWS_WITH_AS(Dataset(ids, 0.9, 0.1), doctest::Contains("test fraction"), Error);
}

TEST_CASE("train_run: with a test split, the summary holds the test loss; config.json keeps the split") {
    TempDir tmp("stability-test-split");
    TrainConfig cfg = tiny(tmp);
    cfg.test_split = 0.05;
    const std::string dir = (tmp.dir / "run").string();
    const TrainSummary s = train_run(cfg, dir, false, false);
    CHECK(s.test_loss > 0);
    CHECK(read_run_summary(dir).test_loss == doctest::Approx(s.test_loss));
    CHECK(contains(read_file(fs::path(dir) / "config.json"), "\"test_split\": 0.05"));
    CHECK(load_train_config(dir).test_split == doctest::Approx(0.05));
    // Without one, config.json has no such key (so every older run's reads the same) and the
    // summary's test loss is 0.
    TrainConfig plain = tiny(tmp);
    const std::string dir2 = (tmp.dir / "plain").string();
    CHECK(train_run(plain, dir2, false, false).test_loss == 0);
    CHECK_FALSE(contains(read_file(fs::path(dir2) / "config.json"), "test_split"));
    cfg.test_split = 0.2;
    CHECK_THROWS_WITH_AS(cfg.validate(), doctest::Contains("--test-split"), Error);
}

TEST_SUITE_END();
