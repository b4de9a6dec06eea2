// test_trainer.cpp — train_run: determinism, resume after an interruption, --force, and what
// resuming a finished run does.
//
// The promise of trainer.hpp is that a run interrupted (Ctrl-C) and resumed gives the same
// losses and the same weights as a run never interrupted. TrainConfig::stop_after takes the
// Ctrl-C path at a chosen step, so the promise can be checked exactly: the metrics' step,
// train_loss, val_loss, lr and grad_norm columns equal as text, the weights equal bit for bit.
// Only tokens_per_s and elapsed_s (wall time) may differ. Every run uses one OpenMP thread, so
// no sum depends on how work was split between threads.
//
// The models are tiny (L 1, C 16, T 8, B 4, 40 steps) and the text is written by the test, so
// the file runs in a second or two. The CLI's side (`glulab train --stop-after` exits 130) is
// checked in test_cli.cpp.
//
// Lesson 12 · training
#include <doctest/doctest.h>

#include "glulab/train/checkpoint.hpp"
#include "glulab/experiment/gates.hpp"
#include "glulab/experiment/stability.hpp"
#include "glulab/train/safetensors.hpp"
#include "glulab/train/stop.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>  // fmt::join
#include <omp.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>  // getpid

#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::DirSnapshot;
using glulab_test::json_at;
using glulab_test::json_type;
using glulab_test::json_with;
using glulab_test::metrics_without_timing;
using glulab_test::OmpThreadsGuard;
using glulab_test::read_file;
using glulab_test::TempDir;
namespace fs = std::filesystem;

namespace {


std::string grammar_text() { return glulab_test::grammar_text(11); }

// The text in `tmp` and a tiny run over it (test_util.hpp): 40 steps, an evaluation every 10.
TrainConfig tiny_run(const TempDir& tmp, FfnKind ffn = FfnKind::swiglu) {
    TrainConfig cfg = glulab_test::tiny_train_config(tmp.dir, grammar_text());
    cfg.model.ffn = ffn;
    return cfg;
}

// What only this invocation decides when resuming (the rest comes from config.json).
TrainConfig resume_options(int stop_after = 0) {
    TrainConfig cfg;
    cfg.threads = 1;
    cfg.stop_after = stop_after;
    return cfg;
}

// metrics.csv as rows of cells, header first.
std::vector<std::vector<std::string>> metrics_rows(const fs::path& dir) {
    std::istringstream in(read_file(dir / "metrics.csv"));
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::istringstream cols(line);
        std::string cell;
        while (std::getline(cols, cell, ',')) cells.push_back(cell);
        REQUIRE(cells.size() == 7);  // step,train_loss,val_loss,lr,grad_norm,tokens_per_s,elapsed_s
        rows.push_back(cells);
    }
    return rows;
}


// The step column of metrics.csv.
std::vector<int> metric_steps(const fs::path& dir) {
    std::vector<int> steps;
    const auto rows = metrics_rows(dir);
    for (size_t i = 1; i < rows.size(); i++) steps.push_back(std::stoi(rows[i][0]));
    return steps;
}

// Every tensor of two safetensors files, compared bit for bit and by name.
void check_same_tensors(const fs::path& a, const fs::path& b) {
    const SafetensorsFile fa = safetensors_read(a.string()), fb = safetensors_read(b.string());
    REQUIRE(fa.tensors.size() == fb.tensors.size());
    for (const SafetensorsTensor& t : fa.tensors) {
        CAPTURE(t.name);
        const SafetensorsTensor& u = fb.at(t.name);
        REQUIRE(u.shape == t.shape);
        CHECK(std::memcmp(t.f32.data(), u.f32.data(), t.f32.size() * sizeof(float)) == 0);
    }
    CHECK(fa.metadata == fb.metadata);
}

// Trains `cfg` once without a stop (run a), then once per list of stops (run b: stopped at the
// first, resumed and stopped at the next, ..., resumed to the end), and checks every b against a.
void check_stopped_runs_match(const TempDir& tmp, const TrainConfig& cfg,
                              const std::vector<std::vector<int>>& stops) {
    const fs::path a = tmp.dir / "a";
    const TrainSummary sa = train_run(cfg, a.string(), false, false, with_run_telemetry(a.string()));
    CHECK_FALSE(sa.interrupted);
    CHECK(sa.steps_done == 40);
    CHECK(metric_steps(a) == std::vector<int>{10, 20, 30, 40});

    for (const std::vector<int>& stop : stops) {
        CAPTURE(fmt::format("stops at {}", fmt::join(stop, ", ")));
        const fs::path b = tmp.dir / fmt::format("b-{}", fmt::join(stop, "-"));
        TrainConfig first = cfg;
        first.stop_after = stop[0];
        TrainSummary sb = train_run(first, b.string(), false, false, with_run_telemetry(b.string()));
        CHECK(sb.interrupted);
        CHECK(sb.steps_done == stop[0]);
        // The Ctrl-C path: a checkpoint at the stopping step, the evaluations so far, no summary.
        LoadedModel saved = load_model((b / "model.safetensors").string());
        CHECK(load_optimizer((b / "optimizer.safetensors").string(), saved.model->params()) == stop[0]);
        CHECK(metric_steps(b).size() == static_cast<size_t>(stop[0] / 10));
        CHECK_FALSE(fs::exists(b / "summary.json"));
        CHECK(read_file(b / "config.json") == read_file(a / "config.json"));  // stop_after is not saved

        for (size_t i = 1; i < stop.size(); i++) {
            sb = train_run(resume_options(stop[i]), b.string(), true, false, with_run_telemetry(b.string()));
            CHECK(sb.interrupted);
            CHECK(sb.steps_done == stop[i]);
        }
        sb = train_run(resume_options(), b.string(), true, false, with_run_telemetry(b.string()));
        CHECK_FALSE(sb.interrupted);
        CHECK(sb.steps_done == 40);

        CHECK(metrics_without_timing(b) == metrics_without_timing(a));
        if (is_gated(cfg.model.ffn)) CHECK(read_file(b / "gates.csv") == read_file(a / "gates.csv"));
        // The stability telemetry continues exactly: every step's row once, every evaluation's.
        CHECK(read_file(b / "steps.csv") == read_file(a / "steps.csv"));
        CHECK(read_file(b / "stability.csv") == read_file(a / "stability.csv"));
        CHECK(read_file(b / "activations.csv") == read_file(a / "activations.csv"));
        check_same_tensors(a / "model.safetensors", b / "model.safetensors");
        check_same_tensors(a / "optimizer.safetensors", b / "optimizer.safetensors");
        CHECK(sb.final_val_loss == sa.final_val_loss);
        CHECK(sb.best_val_loss == sa.best_val_loss);
    }
}

}  // namespace

TEST_SUITE_BEGIN("lesson12");  // make test LESSON=12 runs these

TEST_CASE("train_run: stopped (as if by Ctrl-C) and resumed, a run matches the run never stopped") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-resume");
    // Stopped once between evaluations, once right at one, twice (stop_after on a resume), and
    // once after the very first step.
    check_stopped_runs_match(tmp, tiny_run(tmp), {{25}, {20}, {15, 33}, {1}});
}

// Dropout masks come from a stream the trainer restarts before every step from the run's seed
// and the step (Transformer::reseed_dropout), so a resumed run draws the masks it would have.
TEST_CASE("train_run: with dropout too, a stopped and resumed run matches") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-resume-dropout");
    TrainConfig cfg = tiny_run(tmp);
    cfg.model.dropout = 0.2f;
    check_stopped_runs_match(tmp, cfg, {{25}});
}

// With a constant learning rate of 0.05 the validation loss of the tiny model falls, then
// climbs again: its best evaluation is not its last, so a resumed run's summary must come from
// the evaluations before the stop too.
TEST_CASE("train_run: a resumed run's summary covers the whole run, on a run whose val loss is not monotone") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-resume-summary");
    TrainConfig cfg = tiny_run(tmp);
    cfg.optim = OptimConfig{.lr = 0.05f, .min_lr = 0.05f, .warmup = 0, .steps = 200};
    const TrainSummary straight = train_run(cfg, tmp / "straight", false, false);
    REQUIRE(straight.best_val_step < 180);  // not monotone: the best comes before the stop
    REQUIRE(straight.final_val_loss > straight.best_val_loss);

    TrainConfig first = cfg;
    first.stop_after = 180;
    CHECK(train_run(first, tmp / "resumed", false, false).interrupted);
    const TrainSummary resumed = train_run(resume_options(), tmp / "resumed", true, false);
    CHECK(metrics_without_timing(tmp.dir / "resumed") == metrics_without_timing(tmp.dir / "straight"));
    CHECK(resumed.best_val_loss == straight.best_val_loss);
    CHECK(resumed.best_val_step == straight.best_val_step);
    CHECK(resumed.final_val_loss == straight.final_val_loss);
    const std::string js = read_file(tmp.dir / "straight" / "summary.json"),
                      jr = read_file(tmp.dir / "resumed" / "summary.json");
    CHECK(json_at(jr, "best_val_loss") == json_at(js, "best_val_loss"));
    CHECK(json_at(jr, "best_val_step") == json_at(js, "best_val_step"));

    // The speed is the whole run's: each evaluation's tokens_per_s covers the steps since the
    // previous one, so the training time is the sum of (steps / rate) over metrics.csv.
    double seconds = 0;
    int prev = 0;
    const auto rows = metrics_rows(tmp.dir / "resumed");
    for (size_t i = 1; i < rows.size(); i++) {
        const int step = std::stoi(rows[i][0]);
        seconds += (step - prev) * cfg.batch * cfg.model.ctx / std::stod(rows[i][5]);
        prev = step;
    }
    CHECK(resumed.ms_per_step == doctest::Approx(1e3 * seconds / 200).epsilon(1e-4));
    CHECK(resumed.tokens_per_s == doctest::Approx(200.0 * cfg.batch * cfg.model.ctx / seconds).epsilon(1e-4));
    CHECK(std::stod(json_at(jr, "ms_per_step")) == doctest::Approx(resumed.ms_per_step));
}

// Ctrl-C and SIGTERM set one stop request (stop.hpp) that the loop polls after every step.
TEST_CASE("train_run: SIGINT or SIGTERM during a step stops the run after it, with its checkpoint") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-signal");
    for (int sig : {SIGINT, SIGTERM}) {
        CAPTURE(sig);
        TrainCallbacks cb;
        cb.on_step = [sig](const StepReport& r) {
            if (r.step == 7) std::raise(sig);
        };
        const fs::path dir = tmp.dir / fmt::format("run-{}", sig);
        const TrainSummary s = train_run(tiny_run(tmp), dir.string(), false, false, cb);
        CHECK(s.interrupted);
        CHECK(s.steps_done == 7);
        LoadedModel saved = load_model((dir / "model.safetensors").string());
        CHECK(load_optimizer((dir / "optimizer.safetensors").string(), saved.model->params()) == 7);
        CHECK(stop_requested());  // the request stays until the next run starts
        CHECK_FALSE(train_run(resume_options(), dir.string(), true, false).interrupted);
    }
}

TEST_CASE("train_run: the same seed twice gives the same run; another seed another one") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-seed");
    TrainConfig cfg = tiny_run(tmp, FfnKind::gelu);
    cfg.model.dropout = 0.1f;  // the dropout masks are seeded too
    train_run(cfg, tmp / "one", false, false);
    train_run(cfg, tmp / "two", false, false);
    CHECK(metrics_without_timing(tmp.dir / "one") == metrics_without_timing(tmp.dir / "two"));
    check_same_tensors(tmp.dir / "one" / "model.safetensors", tmp.dir / "two" / "model.safetensors");

    cfg.seed = 43;
    train_run(cfg, tmp / "three", false, false);
    const auto one = metrics_rows(tmp.dir / "one"), three = metrics_rows(tmp.dir / "three");
    REQUIRE(one.size() == three.size());
    CHECK(one.back()[2] != three.back()[2]);  // the last val_loss
}

TEST_CASE("train_run: an existing run is kept unless force, which replaces it completely") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-force");
    TrainConfig cfg = tiny_run(tmp, FfnKind::swiglu);
    cfg.optim.steps = 20;
    const fs::path dir = tmp.dir / "run";
    train_run(cfg, dir.string(), false, false, with_gate_telemetry(dir.string()));
    REQUIRE(fs::exists(dir / "gates.csv"));
    const DirSnapshot before(dir);

    TrainConfig other = tiny_run(tmp, FfnKind::relu);
    other.optim.steps = 10;
    CHECK_THROWS_WITH_AS(train_run(other, dir.string(), false, false), doctest::Contains("already holds a run"),
                         Error);
    CHECK(DirSnapshot(dir) == before);

    const TrainSummary s = train_run(other, dir.string(), false, true, with_gate_telemetry(dir.string()));
    CHECK(s.steps_done == 10);
    CHECK(load_train_config(dir.string()).model.ffn == FfnKind::relu);
    CHECK(metric_steps(dir) == std::vector<int>{10});
    CHECK_FALSE(fs::exists(dir / "gates.csv"));  // a plain kind has none; the old one is gone
    CHECK(json_at(read_file(dir / "summary.json"), "steps_done") == "10");
    CHECK(load_model((dir / "model.safetensors").string()).model->config().ffn == FfnKind::relu);
}

TEST_CASE("train_run: resuming a finished run trains nothing and changes no file") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-finished");
    const fs::path dir = tmp.dir / "run";
    const TrainSummary done = train_run(tiny_run(tmp), dir.string(), false, false);
    const DirSnapshot before(dir);

    for (int stop_after : {0, 10, 50}) {  // stop_after does not matter: there is nothing to stop
        CAPTURE(stop_after);
        const TrainSummary again = train_run(resume_options(stop_after), dir.string(), true, false);
        CHECK_FALSE(again.interrupted);
        CHECK(again.steps_done == 40);
        CHECK(again.final_val_loss == doctest::Approx(done.final_val_loss).epsilon(1e-6));
        CHECK(again.best_val_loss == doctest::Approx(done.best_val_loss).epsilon(1e-6));
        CHECK(again.total_params == done.total_params);
        CHECK(DirSnapshot(dir) == before);
    }
}

TEST_CASE("train_run: stop_after is checked, and past the last step it changes nothing") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-stop");
    TrainConfig cfg = tiny_run(tmp);

    SUBCASE("negative: rejected before any file is written") {
        cfg.stop_after = -1;
        CHECK_THROWS_WITH_AS(train_run(cfg, tmp / "neg", false, false), doctest::Contains("--stop-after"), Error);
        CHECK_FALSE(fs::exists(tmp.dir / "neg"));
    }
    SUBCASE("at or after the last step: the run finishes normally") {
        cfg.stop_after = 40;
        const TrainSummary s = train_run(cfg, tmp / "end", false, false);
        CHECK_FALSE(s.interrupted);
        CHECK(s.steps_done == 40);
        CHECK(fs::exists(tmp.dir / "end" / "summary.json"));
    }
    SUBCASE("on a resume, a step the run has already passed is an error, and nothing changes") {
        cfg.stop_after = 25;
        train_run(cfg, tmp / "run", false, false);
        const DirSnapshot before(tmp.dir / "run");
        for (int stop_after : {25, 12}) {
            CAPTURE(stop_after);
            CHECK_THROWS_WITH_AS(train_run(resume_options(stop_after), tmp / "run", true, false),
                                 doctest::Contains("already at step 25"), Error);
        }
        CHECK(DirSnapshot(tmp.dir / "run") == before);
    }
    SUBCASE("resuming a directory without a run names its config.json") {
        CHECK_THROWS_WITH_AS(train_run(resume_options(), tmp / "nothing", true, false),
                             doctest::Contains("config.json"), Error);
        CHECK_FALSE(fs::exists(tmp.dir / "nothing"));
    }
}

// Trusting the run directory (issue 11)
// -------------------------------------

// tiny_run in tmp/run, stopped (as if by Ctrl-C) after `stop` steps.
static fs::path stopped_run(const TempDir& tmp, int stop) {
    TrainConfig cfg = tiny_run(tmp);
    cfg.stop_after = stop;
    const fs::path dir = tmp.dir / "run";
    train_run(cfg, dir.string(), false, false);
    return dir;
}

TEST_CASE("train_run: --resume with a model checkpoint of another size is refused before any copy") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-mismatch");
    TrainConfig wide = tiny_run(tmp), narrow = tiny_run(tmp);
    wide.model.d_model = 32;
    wide.stop_after = narrow.stop_after = 25;
    train_run(wide, tmp / "wide", false, false);
    train_run(narrow, tmp / "narrow", false, false);
    fs::copy_file(tmp / "narrow" / "model.safetensors", tmp / "wide" / "model.safetensors",
                  fs::copy_options::overwrite_existing);
    const DirSnapshot before(tmp.dir / "wide");
    CHECK_THROWS_WITH_AS(train_run(resume_options(), tmp / "wide", true, false),
                         doctest::Contains("config.json asks for"), Error);
    CHECK(DirSnapshot(tmp.dir / "wide") == before);
}

TEST_CASE("train_run: a model and an optimizer of two different steps are refused") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-mixed");
    const fs::path dir = stopped_run(tmp, 20);
    fs::copy_file(dir / "optimizer.safetensors", tmp / "optimizer-20.safetensors");
    train_run(resume_options(30), dir.string(), true, false);
    fs::copy_file(tmp / "optimizer-20.safetensors", dir / "optimizer.safetensors", fs::copy_options::overwrite_existing);
    CHECK_THROWS_WITH_AS(train_run(resume_options(), dir.string(), true, false),
                         doctest::Contains("is from step 30 but"), Error);
}

// save_checkpoint renames the optimizer first, then the model: a crash between the two leaves
// the new optimizer, the old model and the new model as model.safetensors.tmp. The resume
// finishes that save, and the run ends exactly as one never interrupted.
TEST_CASE("train_run: a crash between the checkpoint's two renames is resolved on resume") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-renames");
    train_run(tiny_run(tmp), tmp / "straight", false, false);
    const fs::path dir = stopped_run(tmp, 20);
    fs::copy_file(dir / "model.safetensors", tmp / "model-20.safetensors");
    train_run(resume_options(30), dir.string(), true, false);
    fs::rename(dir / "model.safetensors", dir / "model.safetensors.tmp");
    fs::copy_file(tmp / "model-20.safetensors", dir / "model.safetensors");
    const TrainSummary s = train_run(resume_options(), dir.string(), true, false);
    CHECK(s.steps_done == 40);
    CHECK_FALSE(fs::exists(dir / "model.safetensors.tmp"));
    CHECK(read_file(dir / "model.safetensors") == read_file(tmp / "straight" / "model.safetensors"));
    CHECK(read_file(dir / "optimizer.safetensors") == read_file(tmp / "straight" / "optimizer.safetensors"));
}

TEST_CASE("train_run: a run directory locked by another process is refused, naming the holder") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-lock");
    const fs::path dir = stopped_run(tmp, 10);
    // Another process's lock, as flock(2) sees it: another open file description holding it.
    const int fd = ::open((dir / "run.lock").c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    REQUIRE(::ftruncate(fd, 0) == 0);
    REQUIRE(::pwrite(fd, "4242\n", 5, 0) == 5);
    CHECK_THROWS_WITH_AS(train_run(resume_options(), dir.string(), true, false),
                         doctest::Contains("in use: process 4242"), Error);
    ::close(fd);  // released: the same resume now runs
    CHECK(train_run(resume_options(), dir.string(), true, false).steps_done == 40);
}

TEST_CASE("train_run: a finished run without summary.json is resumed: its summary is written") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-nosummary");
    const fs::path dir = tmp.dir / "run";
    const TrainSummary done = train_run(tiny_run(tmp), dir.string(), false, false);
    fs::remove(dir / "summary.json");
    const TrainSummary again = train_run(resume_options(), dir.string(), true, false);
    CHECK(again.steps_done == 40);
    CHECK(again.final_val_loss == doctest::Approx(done.final_val_loss).epsilon(1e-6));
    CHECK(again.best_val_loss == doctest::Approx(done.best_val_loss).epsilon(1e-6));
    CHECK(read_run_summary(dir.string()).steps_done == 40);
}

TEST_CASE("train_run: a loss that is not finite stops the run as diverged, with no NaN written") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-diverge");
    TrainConfig cfg = tiny_run(tmp);
    cfg.optim.lr = 1e30f;
    cfg.optim.min_lr = 0;
    const fs::path dir = tmp.dir / "run";
    const TrainSummary s = train_run(cfg, dir.string(), false, false);
    CHECK(s.diverged);
    CHECK(s.steps_done < 40);
    const std::string summary = read_file(dir / "summary.json");
    CHECK(json_at(summary, "diverged") == "true");
    CHECK(summary.find("null") == std::string::npos);
    CHECK(read_file(dir / "metrics.csv").find("nan") == std::string::npos);
    CHECK(read_run_summary(dir.string()).diverged);
}

// The run directory (run_dir.hpp)
// --------------------------------

// A kill can land between any two writes of an evaluation. A write that fails stands in for a
// kill at that moment: the run stops there, with the files written so far. A directory called
// NAME.tmp makes the atomic write of NAME fail. An evaluation's rows (metrics.csv, gates.csv)
// must reach the disk before its checkpoint; then a resume, which drops the rows past the
// checkpoint and computes them again, ends with every row. The other order (rows after the
// checkpoint) loses that evaluation's rows for good.
TEST_CASE("train_run: a stop while an evaluation's rows are written loses no row of metrics.csv or gates.csv") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-row-order");
    const TrainConfig cfg = tiny_run(tmp);  // swiglu: gates.csv too
    const fs::path straight = tmp.dir / "straight";
    train_run(cfg, straight.string(), false, false, with_gate_telemetry(straight.string()));
    for (const std::string file : {"metrics.csv", "gates.csv"}) {
        CAPTURE(file);
        const fs::path dir = tmp.dir / fmt::format("run-{}", file), blocker = dir / (file + ".tmp");
        TrainConfig first = cfg;
        first.stop_after = 20;
        train_run(first, dir.string(), false, false, with_gate_telemetry(dir.string()));
        fs::create_directory(blocker);  // the write of step 30's rows fails
        CHECK_THROWS_WITH_AS(train_run(resume_options(), dir.string(), true, false, with_gate_telemetry(dir.string())),
                             doctest::Contains(blocker.string().c_str()), Error);
        fs::remove(blocker);
        LoadedModel left = load_model((dir / "model.safetensors").string());
        CHECK(load_optimizer((dir / "optimizer.safetensors").string(), left.model->params()) == 20);
        train_run(resume_options(), dir.string(), true, false, with_gate_telemetry(dir.string()));
        CHECK(metrics_without_timing(dir) == metrics_without_timing(straight));
        CHECK(read_file(dir / "gates.csv") == read_file(straight / "gates.csv"));
        CHECK(read_file(dir / "model.safetensors") == read_file(straight / "model.safetensors"));
    }
}

// A kill after config.json is written and before the first checkpoint leaves a run without a
// pair (and perhaps the first evaluation's rows): --resume starts it again from step 0.
TEST_CASE("train_run: a run stopped before its first checkpoint is resumed from step 0, like a straight run") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-no-pair");
    train_run(tiny_run(tmp), tmp / "straight", false, false, with_gate_telemetry(tmp.path("straight")));
    const fs::path dir = stopped_run(tmp, 20);
    for (const char* file : {"model.safetensors", "optimizer.safetensors"}) fs::remove(dir / file);
    const TrainSummary s = train_run(resume_options(), dir.string(), true, false, with_gate_telemetry(dir.string()));
    CHECK(s.steps_done == 40);
    CHECK(metrics_without_timing(dir) == metrics_without_timing(tmp.dir / "straight"));
    CHECK(read_file(dir / "model.safetensors") == read_file(tmp / "straight" / "model.safetensors"));
    SUBCASE("half a pair is still refused") {
        fs::remove(dir / "optimizer.safetensors");
        CHECK_THROWS_WITH_AS(train_run(resume_options(), dir.string(), true, false),
                             doctest::Contains("optimizer.safetensors"), Error);
    }
}

TEST_CASE("run_dir: summary.json is every TrainSummary field by name; the previous version's files still read") {
    TempDir tmp("run-dir-summary");
    const std::string dir = tmp.dir.string();
    const TrainSummary s{.steps_done = 40, .final_train_loss = 2.5f, .final_val_loss = 2.75f, .best_val_loss = 2.25f,
                         .best_val_step = 30, .ms_per_step = 1.5, .tokens_per_s = 2048, .d_ff = 48,
                         .ffn_params = 1536, .total_params = 5000000000};
    write_run_summary(dir, s);
    const std::string j = read_file(tmp / "summary.json");
    CHECK(json_at(j, "steps_done") == "40");
    CHECK(json_type(j, "steps") == "absent");
    CHECK(json_at(j, "diverged") == "false");
    const TrainSummary back = read_run_summary(dir);
    CHECK(back.steps_done == 40);
    CHECK(back.final_val_loss == 2.75f);
    CHECK(back.best_val_step == 30);
    CHECK(back.total_params == 5000000000);
    CHECK(json_at(read_file(tmp / "summary.json"), "") == json_at(j, ""));

    SUBCASE("a summary.json of the previous version: \"steps\", and \"diverged\" only when true") {
        glulab_test::write_file(tmp / "summary.json",
                                R"({"steps": 30, "final_train_loss": 2.1, "final_val_loss": 2.2, "best_val_loss": 2.0,
                                    "best_val_step": 20, "ms_per_step": 1.5, "tokens_per_s": 1000.0, "d_ff": 48,
                                    "ffn_params": 100, "total_params": 1000})");
        const TrainSummary old = read_run_summary(dir);
        CHECK(old.steps_done == 30);
        CHECK(old.best_val_step == 20);
        CHECK(old.final_val_loss == 2.2f);
        CHECK_FALSE(old.diverged);
        CHECK_FALSE(old.interrupted);
    }
    SUBCASE("older still: no best_val_step; diverged") {
        glulab_test::write_file(tmp / "summary.json",
                                R"({"steps": 7, "final_train_loss": 0, "final_val_loss": 0, "best_val_loss": 0,
                                    "ms_per_step": 0, "tokens_per_s": 0, "d_ff": 48, "ffn_params": 100,
                                    "total_params": 1000, "diverged": true})");
        const TrainSummary old = read_run_summary(dir);
        CHECK(old.steps_done == 7);
        CHECK(old.best_val_step == 0);
        CHECK(old.diverged);
    }
    SUBCASE("a missing field is named with the file") {
        glulab_test::write_file(tmp / "summary.json", R"({"steps_done": 7})");
        CHECK_THROWS_WITH_AS(read_run_summary(dir), doctest::Contains((tmp / "summary.json").string().c_str()), Error);
    }
}

// config.json is read back on --resume: an integer that wraps, a negative size or a string
// where a number belongs is refused naming the file and the key, and nothing is written.
TEST_CASE("train_run: --resume refuses a config.json integer that wraps, a negative size or a string, naming file and key") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-config-ints");
    const fs::path dir = stopped_run(tmp, 20);
    const std::string path = (dir / "config.json").string();
    const std::string good = read_file(path);
    struct Bad {
        std::string at;     // the key, inside its section: "model.ctx"
        std::string value;  // as JSON
    };
    const Bad bads[] = {{"model.ctx", "4294967298"},  // would load as 2
                        {"eval_every", "4294967306"},  // would load as 10
                        {"batch", "-4"},
                        {"model.layers", "-4294967295"},
                        {"seed", "-1"},
                        {"optim.steps", "\"40\""},
                        {"optim.warmup", "4294967301"},
                        {"optim.lr", "\"0.01\""}};
    for (const Bad& bad : bads) {
        CAPTURE(bad.value);
        glulab_test::write_file(path, json_with(good, bad.at, bad.value));
        const DirSnapshot before(dir);
        const std::string message =
            glulab_test::error_message([&] { train_run(resume_options(), dir.string(), true, false); });
        CHECK(glulab_test::contains(message, path));
        CHECK(glulab_test::contains(message, "'" + bad.at.substr(bad.at.rfind('.') + 1) + "'"));
        CHECK(DirSnapshot(dir) == before);
    }
}

// Issue 23, item 1: `--force` into a finished run, killed right after its new config.json (here
// an exception from on_start, which runs just after it), must not leave the old run's weights
// beside the new config: the resume trains the new run from step 0. And a directory whose
// checkpoint pair was saved by another run (another seed) is refused on resume.
TEST_CASE("train_run: --force never pairs the new config with the old run's weights; resume checks the pair's run") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-force-kill");
    const fs::path dir = tmp.dir / "run", straight = tmp.dir / "straight";
    TrainConfig old_run = tiny_run(tmp), new_run = tiny_run(tmp);
    new_run.seed = 7;
    train_run(old_run, dir.string(), false, false);
    train_run(new_run, straight.string(), false, false);

    TrainCallbacks killed;
    killed.on_start = [](const Transformer&) { throw std::runtime_error("killed"); };
    CHECK_THROWS_AS(train_run(new_run, dir.string(), false, true, killed), std::runtime_error);
    train_run(resume_options(), dir.string(), true, false);
    const bool same_as_new = read_file(dir / "model.safetensors") == read_file(straight / "model.safetensors");
    CHECK_MESSAGE(same_as_new, "the resumed run should be the seed-7 run, trained from step 0");

    // The old run's pair copied beside the new run's config.json: refused, naming the seed.
    TempDir old_tmp("trainer-force-old");
    const fs::path old_dir = old_tmp.dir / "run";
    train_run(old_run, old_dir.string(), false, false);
    for (const char* f : {"model.safetensors", "optimizer.safetensors"})
        fs::copy_file(old_dir / f, dir / f, fs::copy_options::overwrite_existing);
    const DirSnapshot before(dir);
    CHECK_THROWS_WITH_AS(train_run(resume_options(), dir.string(), true, false),
                         doctest::Contains("seed 42 there, 7 in config.json"), Error);
    CHECK(DirSnapshot(dir) == before);
}

// Issue 23, item 5: an evaluation of many batches can take minutes; Ctrl-C or SIGTERM in the
// middle of one stops the run at once, at its last checkpoint, and the resume matches.
TEST_CASE("train_run: a stop during a long evaluation is answered at once, at the last checkpoint") {
    OmpThreadsGuard threads;
    TempDir tmp("trainer-eval-stop");
    TrainConfig cfg = tiny_run(tmp);
    cfg.eval_batches = 200;
    const fs::path dir = tmp.dir / "run", straight = tmp.dir / "straight";
    train_run(cfg, straight.string(), false, false);
    int forwards = 0;
    TrainCallbacks cb;
    cb.on_val_forward = [&](const Transformer&) {
        if (++forwards == 201) request_stop();  // the first batch of the second evaluation (step 20)
    };
    const TrainSummary s = train_run(cfg, dir.string(), false, false, cb);
    CHECK(forwards == 201);
    CHECK(s.interrupted);
    CHECK(s.steps_done == 10);
    CHECK(metric_steps(dir) == std::vector<int>{10});
    train_run(resume_options(), dir.string(), true, false);
    const bool same = read_file(dir / "model.safetensors") == read_file(straight / "model.safetensors");
    CHECK_MESSAGE(same, "the resumed run should end with the straight run's weights");
}

TEST_SUITE_END();
