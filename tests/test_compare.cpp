// test_compare.cpp — the FFN ablation: the grid of runs, resuming it, the verdict rule, the
// plots (gnuplot when installed, ASCII otherwise) and the errors for missing or garbled runs.
//
// Every comparison here is tiny (L 1, C 16, NH 2, T 8, B 4, 30 steps, an evaluation every 10)
// on a text the test writes itself, so the whole file runs in a few seconds. Nothing depends on
// timing: what ran is counted with the callbacks.
//
// Lesson 13 · the FFN ablation
#include <doctest/doctest.h>

#include "glulab/platform/check.hpp"
#include "glulab/experiment/compare.hpp"
#include "glulab/experiment/lab_report.hpp"
#include "glulab/experiment/quant_study.hpp"
#include "glulab/experiment/plot.hpp"
#include "glulab/experiment/report.hpp"
#include "glulab/experiment/sweep.hpp"

#include <unistd.h>  // getpid

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::contains;
using glulab_test::json_with;
using glulab_test::read_file;
using glulab_test::TempDir;
using glulab_test::write_file;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The text with every run of spaces and newlines as one space (the verdict wraps its lines).
std::string flat(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string word; in >> word;) out += (out.empty() ? "" : " ") + word;
    return out;
}

// About 6,000 characters of verse-like text, the same every time.
std::string small_text() {
    const char* words[] = {"the", "king", "shall", "speak", "and", "we", "will", "hear", "him", "now",
                           "good", "night", "sweet", "prince", "of", "denmark", "my", "lord"};
    std::string text;
    uint64_t x = 12345;
    for (int i = 0; i < 1100; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        text += words[(x >> 33) % std::size(words)];
        text += (i % 9 == 8) ? ".\n" : " ";
    }
    return text;
}

// relu and swiglu, two seeds each, into dir/cmp, on one thread (for runs this small, faster
// than two on a busy machine; train_run puts the caller's thread count back).
CompareConfig tiny_compare(const TempDir& t) {
    CompareConfig cfg;
    cfg.base = glulab_test::tiny_train_config(t.dir, small_text());
    cfg.base.optim = OptimConfig{.warmup = 5, .steps = 30};  // OptimConfig's rates
    cfg.base.seed = 7;
    cfg.kinds = {FfnKind::relu, FfnKind::swiglu};
    cfg.seeds = 2;
    cfg.out = t.path("cmp");
    return cfg;
}

// What a comparison did, heard through its callbacks.
struct Heard {
    std::vector<RunAction> actions;
    int steps = 0;
    CompareCallbacks callbacks() {
        CompareCallbacks cb;
        cb.on_run_start = [this](const RunInfo& i) { actions.push_back(i.action); };
        cb.on_step = [this](const RunInfo&, const StepReport&) { steps++; };
        return cb;
    }
};

}  // namespace

TEST_CASE("compare: --ffn lists, --match and the hidden width of every run") {
    CHECK(parse_ffn_list("relu, gelu,swiglu") == std::vector{FfnKind::relu, FfnKind::gelu, FfnKind::swiglu});
    CHECK(parse_ffn_list("all").size() == all_ffn_kinds().size());
    CHECK_THROWS_WITH_AS(parse_ffn_list("relu,relu"), doctest::Contains("twice"), Error);
    CHECK_THROWS_WITH_AS(parse_ffn_list("relu,,gelu"), doctest::Contains("empty"), Error);
    CHECK_THROWS_WITH_AS(parse_ffn_list("relu,tanh"), doctest::Contains("swiglu"), Error);  // lists the valid ones
    CHECK(parse_match("dff") == MatchBy::dff);
    CHECK_THROWS_WITH_AS(parse_match("flops"), doctest::Contains("params, dff"), Error);

    CompareConfig cfg;
    cfg.base.model.d_model = 128;
    cfg.base.seed = 100;
    cfg.out = "runs/x";
    // params: gated kinds get 2/3 of 4C (rounded up to a multiple of 8); dff: every kind gets 4C.
    CHECK(compare_run_config(cfg, FfnKind::relu, 0).model.ffn_hidden() == 512);
    CHECK(compare_run_config(cfg, FfnKind::swiglu, 0).model.ffn_hidden() == 344);
    cfg.match = MatchBy::dff;
    CHECK(compare_run_config(cfg, FfnKind::swiglu, 0).model.ffn_hidden() == 512);
    CHECK(compare_run_config(cfg, FfnKind::gelu, 0).model.ffn_hidden() == 512);
    // An explicit d_ff overrides both.
    cfg.base.model.d_ff = 200;
    CHECK(compare_run_config(cfg, FfnKind::swiglu, 0).model.ffn_hidden() == 200);
    CHECK(compare_run_config(cfg, FfnKind::relu, 0).model.ffn_hidden() == 200);
    // Seeds count up from the base seed; the run's directory names kind and seed.
    CHECK(compare_run_config(cfg, FfnKind::glu, 2).seed == 102);
    CHECK(compare_run_config(cfg, FfnKind::glu, 2).model.ffn == FfnKind::glu);
    CHECK(compare_run_dir(cfg, FfnKind::glu, 2) == (fs::path("runs/x") / "glu-s102").string());
}

TEST_CASE("compare: 2 kinds x 2 seeds write curves.csv, summary.csv, the table and the verdict") {
    TempDir t("compare-grid");
    const CompareConfig cfg = tiny_compare(t);
    Heard heard;
    const CompareResult r = run_compare(cfg, heard.callbacks());
    CHECK_FALSE(r.interrupted);
    CHECK(r.runs_trained == 4);
    CHECK(heard.steps == 4 * 30);
    CHECK(heard.actions == std::vector<RunAction>(4, RunAction::train));
    for (const char* run : {"relu-s7", "relu-s8", "swiglu-s7", "swiglu-s8"})
        CHECK(fs::exists(fs::path(cfg.out) / run / "summary.json"));

    // curves.csv: a header, then kind by kind, seed by seed, one row per evaluation (10, 20, 30).
    const std::vector<std::string> curves = lines_of(read_file(t.path("cmp/curves.csv")));
    REQUIRE(curves.size() == 1 + 2 * 2 * 3);
    CHECK(curves[0] == "kind,lr,warmup,seed,step,train_loss,val_loss");
    CHECK(curves[1].starts_with("relu,0.001,5,7,10,"));
    CHECK(curves[3].starts_with("relu,0.001,5,7,30,"));
    CHECK(curves[4].starts_with("relu,0.001,5,8,10,"));
    CHECK(curves[7].starts_with("swiglu,0.001,5,7,10,"));
    CHECK(curves[12].starts_with("swiglu,0.001,5,8,30,"));

    const std::vector<std::string> summary = lines_of(read_file(t.path("cmp/summary.csv")));
    REQUIRE(summary.size() == 3);
    CHECK(summary[0].starts_with("kind,lr,warmup,seeds,diverged,d_ff,ffn_params,total_params,final_train_mean"));
    CHECK(summary[1].starts_with("relu,0.001,5,2,0,64,"));     // 4C
    CHECK(summary[2].starts_with("swiglu,0.001,5,2,0,48,"));   // 2/3 of 4C, rounded up to a multiple of 8
    // runs.csv: one row per run, in grid order (seed by seed), with its final numbers.
    const std::vector<std::string> runs = lines_of(read_file(t.path("cmp/runs.csv")));
    REQUIRE(runs.size() == 1 + 4);
    CHECK(runs[0] == "kind,lr,warmup,seed,steps_done,diverged,final_train,final_val,best_val,test,"
                     "hidden_kurtosis,hidden_max_over_median");
    CHECK(runs[1].starts_with("relu,0.001,5,7,30,0,"));
    CHECK(runs[2].starts_with("swiglu,0.001,5,7,30,0,"));
    CHECK(contains(runs[1], ",,"));  // no test split: an empty test loss
    CHECK_FALSE(runs[1].ends_with(","));  // the hidden vector's tails are there

    REQUIRE(r.kinds.size() == 2);
    const KindSummary& relu = r.kinds[0];
    CHECK(relu.kind == FfnKind::relu);
    CHECK(relu.seeds == 2);
    CHECK(relu.ffn_params == 2 * 16 * 64);  // up and down, one layer, no biases
    CHECK(relu.final_val.n == 2);
    CHECK(relu.final_val.min <= relu.final_val.mean);
    CHECK(relu.best_val.mean <= relu.final_val.mean + 1e-6);
    CHECK(r.kinds[1].ffn_params == 3 * 16 * 48);  // gate, up and down

    const std::string table = format_compare_table(r.kinds);
    CHECK(contains(table, "relu"));
    CHECK(contains(table, "swiglu"));
    CHECK(contains(table, "±"));
    const std::string report = read_file(t.path("cmp/report.txt"));
    CHECK(contains(report, table));
    CHECK(contains(report, "Verdict"));
}

TEST_CASE("compare: a finished comparison is read back, not trained again") {
    TempDir t("compare-reuse");
    const CompareConfig cfg = tiny_compare(t);
    const CompareResult first = run_compare(cfg);
    Heard heard;
    const CompareResult again = run_compare(cfg, heard.callbacks());
    CHECK(again.runs_trained == 0);
    CHECK(heard.steps == 0);
    CHECK(heard.actions == std::vector<RunAction>(4, RunAction::reuse));
    REQUIRE(again.kinds.size() == 2);
    for (size_t k = 0; k < 2; k++) {
        CHECK(again.kinds[k].final_val.mean == doctest::Approx(first.kinds[k].final_val.mean));
        CHECK(again.kinds[k].ms_per_step == doctest::Approx(first.kinds[k].ms_per_step));
    }
}

TEST_CASE("compare: Ctrl-C stops after a checkpoint; running again resumes to the same losses") {
    TempDir t("compare-resume");
    CompareConfig cfg = tiny_compare(t);
    // Ctrl-C in the middle of the second run (swiglu, seed 7), raised from its step callback.
    CompareCallbacks cb;
    cb.on_step = [](const RunInfo& i, const StepReport& s) {
        if (i.index == 1 && s.step == 15) std::raise(SIGINT);
    };
    const CompareResult stopped = run_compare(cfg, cb);
    CHECK(stopped.interrupted);
    CHECK(stopped.kinds.empty());
    CHECK_FALSE(fs::exists(t.path("cmp/curves.csv")));
    CHECK(fs::exists(t.path("cmp/swiglu-s7/model.safetensors")));
    CHECK_FALSE(fs::exists(t.path("cmp/swiglu-s7/summary.json")));

    Heard heard;
    const CompareResult resumed = run_compare(cfg, heard.callbacks());
    CHECK_FALSE(resumed.interrupted);
    CHECK(heard.actions ==
          std::vector{RunAction::reuse, RunAction::resume, RunAction::train, RunAction::train});
    CHECK(heard.steps == 30 - 15 + 30 + 30);  // the checkpoint saved at Ctrl-C is at step 15
    CHECK(resumed.runs_trained == 3);

    // The same grid, never interrupted, gives the same curves.
    cfg.out = t.path("cmp-straight");
    const CompareResult straight = run_compare(cfg);
    REQUIRE(straight.runs.size() == resumed.runs.size());
    for (size_t i = 0; i < straight.runs.size(); i++) {
        REQUIRE(straight.runs[i].metrics.size() == resumed.runs[i].metrics.size());
        for (size_t e = 0; e < straight.runs[i].metrics.size(); e++)
            CHECK(straight.runs[i].metrics[e].val_loss == doctest::Approx(resumed.runs[i].metrics[e].val_loss).epsilon(1e-4));
    }
}

TEST_CASE("compare: an OUT made with other settings is refused, unless force starts over") {
    TempDir t("compare-settings");
    CompareConfig cfg = tiny_compare(t);
    cfg.seeds = 1;
    run_compare(cfg);
    cfg.base.optim.steps = 20;
    CHECK_THROWS_WITH_AS(run_compare(cfg), doctest::Contains("optim.steps 30 there, 20 now"), Error);
    cfg.base.optim.steps = 30;
    cfg.match = MatchBy::dff;  // swiglu's d_ff changes, relu's does not
    CHECK_THROWS_WITH_AS(run_compare(cfg), doctest::Contains("swiglu-s7"), Error);
    cfg.force = true;
    Heard heard;
    const CompareResult r = run_compare(cfg, heard.callbacks());
    CHECK(r.runs_trained == 2);
    CHECK(heard.actions == std::vector<RunAction>(2, RunAction::train));
    CHECK(r.kinds[1].d_ff == 64);
}

TEST_CASE("compare: a run's config.json with an integer that wraps is refused, naming the file and the key") {
    TempDir t("compare-config-ints");
    CompareConfig cfg = tiny_compare(t);
    cfg.seeds = 1;
    run_compare(cfg);
    const std::string path = t.path("cmp/relu-s7/config.json");
    write_file(path, json_with(read_file(path), "model.ctx", "4294967304"));  // 8 once wrapped: the settings would look the same
    const std::string message = glulab_test::error_message([&] { run_compare(cfg); });
    CHECK(contains(message, path));
    CHECK(contains(message, "'ctx'"));
}

TEST_CASE("compare: the results page publishes every seed's final loss, paired by seed") {
    TempDir t("compare-page");
    const CompareConfig cfg = tiny_compare(t);
    const CompareResult r = run_compare(cfg);
    const std::string page = t.path("results.md");
    write_results_page(page, cfg, r);
    const std::string md = read_file(page);
    INFO(md);
    CHECK(contains(md, "| kind | seed 7 | seed 8 |\n|---|---:|---:|\n"));
    for (const RunResult& run : r.runs) {
        const std::string row_start = fmt::format("| {} |", ffn_kind_name(run.kind));
        const size_t row = md.find(row_start, md.find("| kind | seed 7"));
        REQUIRE(row != std::string::npos);
        const std::string line = md.substr(row, md.find('\n', row) - row);
        CHECK(contains(line, fmt::format(" {:.4f} |", run.summary.final_val_loss)));
    }
}

TEST_CASE("compare: cells side by side: the rule, and the same bytes as one at a time") {
    // One per core when the grid has that many cells left; fewer cells: one at a time on all
    // cores; under mpirun one per rank; a given --jobs is taken, at most one per cell.
    CHECK(compare_cell_share(0, 6, 2, 1).jobs == 2);
    CHECK(compare_cell_share(0, 6, 2, 1).threads == 1);
    CHECK(compare_cell_share(0, 1, 2, 1).jobs == 1);
    CHECK(compare_cell_share(0, 1, 2, 1).threads == 2);
    CHECK(compare_cell_share(0, 6, 2, 2).jobs == 1);
    CHECK(compare_cell_share(3, 2, 4, 1).jobs == 2);
    CHECK(compare_cell_share(3, 9, 4, 1).threads == 1);
    CHECK(compare_cell_share(2, 9, 8, 1).threads == 4);

    TempDir t("compare-jobs");
    CompareConfig cfg = tiny_compare(t);
    const CompareResult one = run_compare(cfg);
    cfg.out = t.path("cmp-jobs");
    cfg.jobs = 2;
    Heard heard;
    const CompareResult two = run_compare(cfg, heard.callbacks());
    CHECK(two.runs_trained == 4);
    CHECK(heard.steps == 4 * 30);
    REQUIRE(two.runs.size() == one.runs.size());
    for (size_t i = 0; i < one.runs.size(); i++) {
        CAPTURE(one.runs[i].dir);
        CHECK(fs::path(two.runs[i].dir).filename() == fs::path(one.runs[i].dir).filename());  // grid order
        for (const char* f : {"model.safetensors", "optimizer.safetensors", "steps.csv", "stability.csv"})
            CHECK(read_file(fs::path(two.runs[i].dir) / f) == read_file(fs::path(one.runs[i].dir) / f));
    }
    CHECK(read_file(t.path("cmp-jobs/runs.csv")) == read_file(t.path("cmp/runs.csv")));

    // Ctrl-C with two cells in flight: both save a checkpoint; the same command finishes the grid.
    cfg.out = t.path("cmp-stop");
    CompareCallbacks cb;
    cb.on_step = [](const RunInfo& i, const StepReport& s) {
        if (i.index == 1 && s.step == 15) std::raise(SIGINT);
    };
    CHECK(run_compare(cfg, cb).interrupted);
    const CompareResult resumed = run_compare(cfg);
    CHECK_FALSE(resumed.interrupted);
    CHECK(read_file(t.path("cmp-stop/runs.csv")) == read_file(t.path("cmp/runs.csv")));
}

TEST_CASE("compare: --lr and --warmup lists, parsed and refused") {
    CHECK(parse_lr_list("3e-4, 0.001") == std::vector<float>{3e-4f, 1e-3f});
    CHECK(parse_warmup_list("0,100") == std::vector<int>{0, 100});
    CHECK_THROWS_WITH_AS(parse_lr_list("0.001,0.001"), doctest::Contains("twice"), Error);
    CHECK_THROWS_WITH_AS(parse_lr_list("0.001,,0.003"), doctest::Contains("empty"), Error);
    CHECK_THROWS_WITH_AS(parse_lr_list("0.001,fast"), doctest::Contains("--lr: 'fast' is not a number"), Error);
    CHECK_THROWS_WITH_AS(parse_lr_list("-0.1"), doctest::Contains("not a positive"), Error);
    CHECK_THROWS_WITH_AS(parse_lr_list("inf"), doctest::Contains("not a positive, finite"), Error);
    CHECK_THROWS_WITH_AS(parse_warmup_list("-5"), doctest::Contains("negative"), Error);
    CHECK_THROWS_WITH_AS(parse_warmup_list("10.5"), doctest::Contains("not a number"), Error);

    // Each point's run: its rate and warmup; with several rates the final rate follows the peak.
    CompareConfig cfg;
    cfg.kinds = {FfnKind::relu};
    cfg.out = "runs/x";
    cfg.lrs = {1e-3f, 3e-3f};
    cfg.warmups = {0, 100};
    REQUIRE(cfg.points().size() == 4);
    const SweepPoint p{.lr = 3e-3f, .warmup = 0};
    const TrainConfig c = compare_run_config(cfg, FfnKind::relu, 1, p);
    CHECK(c.optim.lr == 3e-3f);
    CHECK(c.optim.warmup == 0);
    CHECK(c.optim.min_lr == doctest::Approx(3e-4));
    CHECK(compare_run_dir(cfg, FfnKind::relu, 1, p) == (fs::path("runs/x") / "relu-lr0.003-w0-s1338").string());
    cfg.warmups.clear();  // one axis: only it is in the name
    CHECK(compare_run_dir(cfg, FfnKind::relu, 0, SweepPoint{.lr = 1e-3f, .warmup = 100}) ==
          (fs::path("runs/x") / "relu-lr0.001-s1337").string());
    cfg.min_lr_ratio = 2;
    CHECK_THROWS_WITH_AS(cfg.validate(), doctest::Contains("--min-lr-ratio"), Error);
}

TEST_CASE("compare: a learning-rate sweep with a test split, stopped half-way, ends as a straight one") {
    TempDir t("compare-sweep");
    CompareConfig cfg = tiny_compare(t);
    cfg.seeds = 1;
    cfg.lrs = {1e-3f, 3e-3f};
    cfg.base.test_split = 0.05;
    // Stopped in the middle of the third run (relu at 0.003), as Ctrl-C would.
    CompareCallbacks cb;
    cb.on_step = [](const RunInfo& i, const StepReport& s) {
        if (i.index == 2 && s.step == 12) std::raise(SIGINT);
    };
    CHECK(run_compare(cfg, cb).interrupted);
    Heard heard;
    const CompareResult resumed = run_compare(cfg, heard.callbacks());
    CHECK(heard.actions == std::vector{RunAction::reuse, RunAction::reuse, RunAction::resume, RunAction::train});
    for (const char* run : {"relu-lr0.001-s7", "swiglu-lr0.001-s7", "relu-lr0.003-s7", "swiglu-lr0.003-s7"})
        CHECK(fs::exists(fs::path(cfg.out) / run / "summary.json"));
    // Four groups (kind x rate), each with its test loss.
    REQUIRE(resumed.kinds.size() == 4);
    for (const KindSummary& k : resumed.kinds) CHECK(k.test.n == 1);
    const std::string sweep = read_file(t.path("cmp/sweep.csv"));
    CHECK(sweep.starts_with("kind,warmup,best_lr,"));
    CHECK(contains(read_file(t.path("cmp/report.txt")), "Verdict, on the test loss"));

    cfg.out = t.path("cmp-straight");
    run_compare(cfg);
    CHECK(read_file(t.path("cmp-straight/summary.csv")).size() > 0);
    // The same summary but for the speed columns (the last two), and the same sweep.csv.
    auto without_speed = [](const std::string& csv) {
        std::string out;
        for (const std::string& line : lines_of(csv)) out += line.substr(0, line.rfind(',', line.rfind(',') - 1)) + "\n";
        return out;
    };
    CHECK(without_speed(read_file(t.path("cmp/summary.csv"))) ==
          without_speed(read_file(t.path("cmp-straight/summary.csv"))));
    CHECK(read_file(t.path("cmp/sweep.csv")) == read_file(t.path("cmp-straight/sweep.csv")));
    CHECK(read_file(t.path("cmp/runs.csv")) == read_file(t.path("cmp-straight/runs.csv")));
}

TEST_CASE("compare: the sweep's choice is on the validation loss, its report on the test loss") {
    auto group = [](FfnKind k, float lr, std::vector<double> val, std::vector<double> test, int diverged = 0) {
        KindSummary s{.kind = k, .at = {.lr = lr, .warmup = 100}};
        s.final_val = stat_of(val);
        s.test = stat_of(test);
        s.seeds = static_cast<int>(val.size());
        s.diverged = diverged;
        return s;
    };
    const double init = 4.0;
    // relu is best at 1e-3 on validation (2.0 < 2.1) although its test loss is better at 3e-3: the
    // choice never reads the test loss.
    const std::vector<KindSummary> groups = {
        group(FfnKind::relu, 1e-3f, {2.0, 2.0}, {2.3, 2.3}), group(FfnKind::relu, 3e-3f, {2.1, 2.1}, {2.2, 2.2}),
        group(FfnKind::swiglu, 1e-3f, {1.9, 1.9}, {1.95, 1.95}), group(FfnKind::swiglu, 3e-3f, {}, {}, 2)};
    const std::vector<LrChoice> choices = choose_learning_rates(groups, init);
    REQUIRE(choices.size() == 2);
    CHECK(choices[0].best.at.lr == 1e-3f);
    CHECK(choices[0].best.test.mean == doctest::Approx(2.3));
    // Sensitivity: mean over rates of min(loss, init) - best. relu: (0 + 0.1) / 2; swiglu's
    // diverged rate counts as the loss at init: (0 + (4.0 - 1.9)) / 2.
    CHECK(choices[0].sensitivity == doctest::Approx(0.05));
    CHECK(choices[1].sensitivity == doctest::Approx(1.05));
    CHECK(choices[1].diverged == 2);
    CHECK(choices[1].runs == 4);
    const std::string table = format_sweep_table(groups, choices);
    CHECK(contains(table, "div 2/2"));
    CHECK(contains(flat(table), "Verdict, on the test loss"));
    CHECK(contains(flat(table), "Best: swiglu"));
}

TEST_CASE("compare: the verdict rule on hand-made numbers") {
    auto kind = [](FfnKind k, std::vector<double> final_val) {
        KindSummary s{.kind = k};
        s.seeds = static_cast<int>(final_val.size());
        s.final_val = stat_of(final_val);
        return s;
    };
    // stat_of: the sample standard deviation divides by n - 1.
    const std::vector<double> v123{1, 2, 3};
    const Stat s = stat_of(v123);
    CHECK(s.mean == doctest::Approx(2));
    CHECK(s.std == doctest::Approx(1));
    CHECK(s.range() == doctest::Approx(2));
    CHECK(stat_of(std::vector<double>{5}).std == 0);

    const KindSummary a = kind(FfnKind::swiglu, {1.50, 1.52, 1.51});  // mean 1.51, range 0.02
    const KindSummary b = kind(FfnKind::relu, {1.60, 1.62, 1.58});    // mean 1.60, range 0.04
    const KindSummary c = kind(FfnKind::gelu, {1.46, 1.58, 1.52});    // mean 1.52, range 0.12
    CHECK(kinds_differ(a, b));        // 0.09 apart > 0.04
    CHECK(kinds_differ(b, a));        // symmetric
    CHECK_FALSE(kinds_differ(a, c));  // 0.01 apart < 0.12
    CHECK_FALSE(kinds_differ(b, c));  // 0.08 apart < 0.12: c's spread covers both
    // The gap must exceed the larger range: 0.05 apart with a range of 0.06 is not enough.
    CHECK_FALSE(kinds_differ(kind(FfnKind::glu, {1.00, 1.06}), kind(FfnKind::reglu, {1.08, 1.08})));
    CHECK(kinds_differ(kind(FfnKind::glu, {1.00, 1.04}), kind(FfnKind::reglu, {1.08, 1.08})));
    // One seed has no spread: nothing differs.
    CHECK_FALSE(kinds_differ(kind(FfnKind::glu, {1.0}), kind(FfnKind::reglu, {2.0})));

    const std::string v = flat(verdict({b, c, a}));
    CHECK(contains(v, "Best: swiglu"));
    CHECK(contains(v, "gelu (+0.0100"));               // not told apart from the best
    CHECK(contains(v, "swiglu < relu by 0.0900"));     // the one pair that differs
    CHECK(contains(v, "The other 2 pairs are within it"));
    CHECK(contains(v, "swiglu 1.5100 < gelu 1.5200 < relu 1.6000"));
    CHECK(contains(flat(verdict({kind(FfnKind::glu, {1.0}), kind(FfnKind::reglu, {2.0})})), "single seed"));
    CHECK(contains(flat(verdict({a, kind(FfnKind::relu, {1.9, 1.91, 1.92})})), "beats every other kind"));
}

TEST_CASE("plot: ascii_chart draws the title, one marker per series, the ranges and the legend") {
    Chart chart{.title = "Validation loss", .xlabel = "step", .ylabel = "loss"};
    chart.series.push_back({.name = "relu", .x = {0, 50, 100}, .y = {4.0, 3.0, 2.5}});
    chart.series.push_back({.name = "swiglu", .x = {0, 50, 100}, .y = {4.0, 2.8, 2.0}});
    const std::string text = ascii_chart(chart, 40, 10);
    const std::vector<std::string> lines = lines_of(text);
    // title, y label, 10 rows, axis, x range, x label, legend
    REQUIRE(lines.size() == 1 + 1 + 10 + 1 + 1 + 1 + 1);
    CHECK(lines[0] == "Validation loss");
    CHECK(contains(lines[2], "4 |"));       // the top row is labelled with the largest y
    CHECK(contains(lines[11], "2 |"));      // the bottom row with the smallest
    CHECK(contains(lines[11], "+"));        // swiglu ends lowest, drawn with the second marker
    CHECK(contains(lines[2], "+"));         // both start at the top left (swiglu drawn last)
    CHECK(contains(lines[13], "0"));
    CHECK(contains(lines[13], "100"));
    CHECK(contains(lines.back(), "* relu"));
    CHECK(contains(lines.back(), "+ swiglu"));
    CHECK(lines[5].size() == lines[6].size());  // every plot row is as wide as the others

    CHECK(contains(ascii_chart(Chart{.title = "empty"}), "(no data)"));
    Chart one{.title = "one point"};
    one.series.push_back({.name = "a", .x = {3}, .y = {1}});
    CHECK(contains(ascii_chart(one, 20, 5), "*"));
}

TEST_CASE("plot: write_plots draws PNG and SVG with gnuplot, ASCII charts without it") {
    TempDir t("plot-compare");
    const CompareConfig cfg = tiny_compare(t);
    const CompareResult r = run_compare(cfg);
    std::vector<std::string> dirs;
    for (const RunResult& run : r.runs) dirs.push_back(run.dir);
    const std::vector<RunData> runs = load_runs(dirs);

    const PlotReport report = write_plots(runs, cfg.out);
    if (!find_gnuplot().empty()) {
        CHECK(report.drawn);
        for (const char* name : {"loss_val", "loss_train", "gates", "gates_hist", "stability", "activations"}) {
            const std::string png = read_file(t.path(fmt::format("cmp/{}.png", name)));
            const std::string svg = read_file(t.path(fmt::format("cmp/{}.svg", name)));
            CHECK(png.starts_with("\x89PNG"));
            CHECK(contains(svg, "<svg"));
            CHECK(fs::exists(t.path(fmt::format("cmp/{}.gp", name))));  // the script, to redraw by hand
        }
        CHECK(report.files.size() == 12);
        CHECK_FALSE(fs::exists(t.path("cmp/lr_sweep.png")));  // one learning rate: no sweep picture
    } else {
        CHECK_FALSE(report.drawn);
        CHECK(contains(report.ascii, "Validation loss"));
    }

    // Without gnuplot (or when asked): ASCII charts of the validation loss and of the gates.
    const PlotReport ascii = write_plots(runs, t.path("ascii"), PlotOptions{.use_gnuplot = false});
    CHECK_FALSE(ascii.drawn);
    CHECK(ascii.files.empty());
    CHECK(contains(ascii.ascii, "Validation loss, mean over seeds"));
    CHECK(contains(ascii.ascii, "relu (2 seeds)"));
    CHECK(contains(ascii.ascii, "swiglu L0"));  // the gate chart: gated kinds only
    CHECK_FALSE(contains(ascii.ascii, "relu L0"));
    CHECK_FALSE(fs::exists(t.path("ascii")));
    CHECK(contains(gnuplot_install_note("glulab plot x"), "sudo apt-get install gnuplot-nox"));
}

TEST_CASE("plot: a mix of a compare directory and single run directories") {
    TempDir t("plot-mix");
    const CompareConfig cfg = tiny_compare(t);
    run_compare(cfg);
    // One more run of a kind in the comparison with another seed and the same settings (it
    // joins that kind's line), and one with other settings (a line of its own).
    TrainConfig extra = compare_run_config(cfg, FfnKind::relu, 5);
    train_run(extra, t.path("relu-extra"), false, false);
    TrainConfig other = compare_run_config(cfg, FfnKind::relu, 0);
    other.model.d_ff = 32;
    train_run(other, t.path("relu-narrow"), false, false);

    const std::vector<RunData> runs = load_runs({cfg.out, t.path("relu-extra"), t.path("relu-narrow")});
    REQUIRE(runs.size() == 6);
    CHECK(runs[0].label == "relu");
    CHECK(runs[0].metrics.size() == 3);
    CHECK(runs[0].gates.empty());
    CHECK(runs[2].label == "swiglu");
    CHECK(runs[2].gates.size() == 3);  // three evaluations of one layer
    const std::vector<RunGroup> groups = group_runs(runs);
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].runs.size() == 3);  // relu: seeds 7, 8 and 12
    CHECK(groups[0].label == fmt::format("relu ({})", runs[0].dir));
    CHECK(groups[1].label == "swiglu");
    CHECK(groups[2].label == fmt::format("relu ({})", t.path("relu-narrow")));

    const PlotReport report = write_plots(runs, t.path("pictures"), PlotOptions{.use_gnuplot = !find_gnuplot().empty()});
    if (report.drawn)
        CHECK(fs::file_size(t.path("pictures/loss_val.png")) > 0);
    else
        CHECK(contains(report.ascii, "relu-narrow"));
}

TEST_CASE("plot: missing or garbled runs are errors that name the file") {
    TempDir t("plot-errors");
    CHECK_THROWS_WITH_AS(load_runs({t.path("nowhere")}), doctest::Contains(t.path("nowhere").c_str()), Error);
    fs::create_directories(t.path("empty"));
    CHECK_THROWS_WITH_AS(load_runs({t.path("empty")}), doctest::Contains("no metrics.csv"), Error);

    const std::string header = "step,train_loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s\n";
    fs::create_directories(t.path("bad"));
    write_file(t.path("bad/metrics.csv"), header + "10,2.5,2.6,0.001,1,100,1\n20,2.4,oops,0.001,1,100,2\n");
    CHECK_THROWS_WITH_AS(load_runs({t.path("bad")}), doctest::Contains((t.path("bad/metrics.csv") + ":3").c_str()), Error);
    write_file(t.path("bad/metrics.csv"), header + "10,2.5,2.6\n");
    CHECK_THROWS_WITH_AS(load_run(t.path("bad")), doctest::Contains("expected 7 fields"), Error);
    write_file(t.path("bad/metrics.csv"), "loss\n1\n");
    CHECK_THROWS_WITH_AS(load_run(t.path("bad")), doctest::Contains("expected the header"), Error);

    write_file(t.path("bad/metrics.csv"), header + "10,2.5,2.6,0.001,1,100,1\n");
    write_file(t.path("bad/gates.csv"), "step,layer,near_zero,mean\n10,0,0.5,0.1\n");
    CHECK_THROWS_WITH_AS(load_run(t.path("bad")), doctest::Contains(t.path("bad/gates.csv").c_str()), Error);
    fs::remove(t.path("bad/gates.csv"));
    write_file(t.path("bad/config.json"), "{\"format\": \"something else\"}");
    CHECK_THROWS_WITH_AS(load_run(t.path("bad")), doctest::Contains(t.path("bad/config.json").c_str()), Error);
    fs::remove(t.path("bad/config.json"));
    CHECK(load_run(t.path("bad")).label == "bad");  // without config.json: named by its directory

    // A finished run's summary.json, garbled, is named too.
    fs::create_directories(t.path("run"));
    write_file(t.path("run/summary.json"), "{\"steps\": 30}");
    CHECK_THROWS_WITH_AS(read_run_summary(t.path("run")), doctest::Contains(t.path("run/summary.json").c_str()), Error);
}

TEST_CASE("compare: diverged runs are reported as diverged; plots and a second run do not fail") {
    TempDir t("compare-diverged");
    CompareConfig cfg = tiny_compare(t);
    cfg.base.optim.lr = 1e30f;  // every run's loss becomes NaN within a few steps
    cfg.base.optim.min_lr = 0;
    const CompareResult first = run_compare(cfg);
    REQUIRE(first.kinds.size() == 2);
    for (const KindSummary& k : first.kinds) {
        CHECK(k.diverged == 2);
        CHECK(k.seeds == 0);
    }
    const std::string report = read_file(t.path("cmp/report.txt"));
    CHECK(contains(report, "relu      diverged (2 of 2 seeds)"));
    CHECK(contains(report, "every run diverged"));
    std::vector<std::string> dirs;
    for (const RunResult& r : first.runs) dirs.push_back(r.dir);
    CHECK_NOTHROW(write_plots(load_runs(dirs), cfg.out));
    Heard heard;
    const CompareResult again = run_compare(cfg, heard.callbacks());  // read back, not wedged
    CHECK(heard.actions == std::vector<RunAction>(4, RunAction::reuse));
    CHECK(again.kinds[0].diverged == 2);
}

TEST_CASE("compare: a run with its last checkpoint but no summary.json is resumed, not a blocker") {
    TempDir t("compare-nosummary");
    const CompareConfig cfg = tiny_compare(t);
    const CompareResult first = run_compare(cfg);
    fs::remove(fs::path(first.runs[1].dir) / "summary.json");
    Heard heard;
    const CompareResult again = run_compare(cfg, heard.callbacks());
    CHECK(heard.actions[1] == RunAction::resume);
    CHECK(heard.steps == 0);  // nothing left to train
    REQUIRE(again.kinds.size() == 2);
    CHECK(again.kinds[0].final_val.mean == doctest::Approx(first.kinds[0].final_val.mean));
}

TEST_CASE("compare: --seeds is bounded, so the plan is never a huge allocation") {
    TempDir t("compare-seeds");
    CompareConfig cfg = tiny_compare(t);
    cfg.seeds = 2000000000;
    CHECK_THROWS_WITH_AS(cfg.validate(), doctest::Contains("--seeds 2000000000 is above"), Error);
    CHECK_THROWS_AS(run_compare(cfg), Error);
    CHECK_FALSE(fs::exists(cfg.out));
}

TEST_CASE("lab report: the sweep section from a finished grid, written into a page once, kept when unfinished") {
    TempDir t("lab-sweep");
    CompareConfig cfg = tiny_compare(t);
    cfg.lrs = {1e-3f, 3e-3f};
    cfg.base.test_split = 0.05;
    cfg.out = t.path("runs/results-lr");
    run_compare(cfg);
    const LabGrid grid = read_lab_grid({cfg.out, t.path("runs/results-lr-more")});  // the second is missing
    REQUIRE(grid.runs.size() == 8);
    // In kind order (relu before swiglu), then rate and seed.
    CHECK(grid.runs.front().kind == FfnKind::relu);
    CHECK(grid.runs.back().kind == FfnKind::swiglu);
    const std::string md = lr_section(grid, LabFigures{.dir = "", .prefix = "", .draw = false});
    CHECK(md.starts_with("## Is it the FFN or the learning rate?\n"));
    CHECK(contains(md, "Verdict, on the test loss"));
    CHECK(contains(md, "| relu | 0.001 | 5 | 64 | 7 | 30 |"));  // a per-seed row: kind, lr, warmup, H, seed, steps
    int seed_rows = 0;
    for (const std::string& line : lines_of(md)) seed_rows += line.starts_with("| relu | 0.") || line.starts_with("| swiglu | 0.");
    CHECK(seed_rows == 8);

    // The page: the section goes in once, and a second report replaces it.
    const std::string page = t.path("results.md");
    write_file(page, "# Results\n\nThe comparison.\n\n## Discussion\n\nWords.\n");
    write_lab_sections(page, t.path("runs"));
    write_lab_sections(page, t.path("runs"));
    const std::string once = read_file(page);
    CHECK(contains(once, "## Discussion\n\nWords.\n"));
    CHECK(once.find("## Is it the FFN") == once.rfind("## Is it the FFN"));
    CHECK(kept_lab_sections(page).starts_with("\n## Is it the FFN or the learning rate?\n"));
    // A run without summary.json (unfinished) leaves the section as the page has it.
    fs::remove(fs::path(cfg.out) / "relu-lr0.003-s8" / "summary.json");
    write_file(page, "# Results\n");
    write_lab_sections(page, t.path("runs"));
    CHECK(read_file(page) == "# Results\n");
    CHECK_THROWS_WITH_AS(write_lab_sections(t.path("none.md"), t.path("runs")), doctest::Contains("none.md"), Error);
}

TEST_CASE("quant study: float, every scheme, the smoothed one and each matrix; quant.csv read back; the int8 section") {
    TempDir t("lab-quant");
    CompareConfig cfg = tiny_compare(t);
    cfg.kinds = {FfnKind::gelu, FfnKind::swiglu};
    cfg.seeds = 1;
    cfg.out = t.path("runs/results");
    run_compare(cfg);
    const std::string gelu = t.path("runs/results/gelu-s7"), swiglu = t.path("runs/results/swiglu-s7");
    const std::vector<QuantLoss> rows = study_run_quantization(swiglu, {.windows = 4, .per_matrix = true});
    // float, 4 schemes, smoothed w8a8 (swiglu is homogeneous in its up projection), then 7 matrices:
    // attn.qkv, attn.proj, ffn.gate, ffn.up, ffn.down of the one block and lm_head.
    REQUIRE(rows.size() >= 6);
    CHECK(rows[0].what == "float");
    CHECK(rows[0].change == 0);
    CHECK(rows[3].name == "w8a8");
    CHECK(rows[5].what == "smooth");
    for (const QuantLoss& r : rows) CHECK(r.change == doctest::Approx(r.loss - rows[0].loss));
    const auto matrices = std::count_if(rows.begin(), rows.end(), [](const QuantLoss& r) { return r.what == "matrix"; });
    CHECK(matrices >= 6);
    // gelu is not homogeneous: no smoothed row.
    const std::vector<QuantLoss> plain = study_run_quantization(gelu, {.windows = 4});
    CHECK(plain.size() == 5);

    write_file(run_file(swiglu, run_files::quant), quant_csv(rows));
    write_file(run_file(gelu, run_files::quant), quant_csv(plain));
    const std::vector<QuantLoss> back = read_quant_csv(run_file(swiglu, run_files::quant));
    REQUIRE(back.size() == rows.size());
    for (size_t i = 0; i < rows.size(); i++) {
        CHECK(back[i].name == rows[i].name);
        CHECK(back[i].loss == doctest::Approx(rows[i].loss).epsilon(1e-6));
    }
    const std::string md = quant_section(read_lab_grid({cfg.out}), LabFigures{.dir = "", .prefix = "", .draw = false});
    CHECK(md.starts_with("## Under int8\n"));
    CHECK(contains(md, "| gelu | rmsnorm | 1 |"));
    CHECK(contains(md, "| swiglu | rmsnorm | 1 |"));
    CHECK(contains(md, "| swiglu | rmsnorm | 7 |"));  // its per-seed row

    write_file(t.path("bad.csv"), "what,name,loss,change\nscheme,w8,not-a-number,0\n");
    CHECK_THROWS_WITH_AS(read_quant_csv(t.path("bad.csv")), doctest::Contains("bad.csv:2"), Error);
    CHECK_THROWS_WITH_AS(study_run_quantization(swiglu, {.windows = 0}), doctest::Contains("window"), Error);
}
