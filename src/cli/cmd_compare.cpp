// cmd_compare.cpp — `glulab compare`: train every FFN kind with every seed, then the table, the
// verdict and the plots.
//
// The grid, the summaries and the verdict are the library's (compare.hpp → run_compare); this
// file reads the flags, draws the progress of the whole comparison and prints the results.
//
// Lesson 13 · the FFN ablation
#include "commands.hpp"
#include "flags.hpp"
#include "progress.hpp"

#include "glulab/experiment/compare.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/experiment/plot.hpp"
#include "glulab/experiment/report.hpp"
#include "glulab/platform/dist.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace glulab {

namespace {

struct CompareArgs {
    TrainConfig cfg;
    SweepFlags sweep;         // --lr, --warmup: one value each, or lists (sweep axes)
    float min_lr_ratio = 0.1f;  // --min-lr-ratio
    int jobs = 0;               // --jobs: cells at once; 0 = the rule of compare.cpp → compare_cell_share
    std::string ffn = "relu,gelu,swiglu";
    int seeds = 3;
    std::string match = "params";
    std::string out = "runs/compare";
    bool force = false;
    std::string report;  // --report: write the results page here
    int sample = 0;      // --sample: characters from the best kind's first model
};

// Progress of the whole comparison
// --------------------------------
// On a terminal: a redrawn line with the run (i of n), its step, and the ETA of the whole
// comparison; otherwise plain lines only. Every evaluation prints a line in both cases. The
// ETA assumes every run still to come trains all its steps, at the pace of the steps trained
// so far in this session (evaluations included).
class CompareProgress {
public:
    explicit CompareProgress(const CompareConfig& cfg) : sweeps_lr_(cfg.sweeps_lr()), sweeps_warmup_(cfg.sweeps_warmup()) {}
    void run_start(const RunInfo& i) {
        const char* what = i.action == RunAction::reuse    ? "finished before: results read back"
                           : i.action == RunAction::resume ? "resuming from its checkpoint"
                                                           : "training";
        line(fmt::format("{} -> {}: {}", tag(i), i.dir, what));
        if (i.action != RunAction::reuse && !started_) {
            started_ = true;
            t0_ = clock::now();
        }
    }
    void step(const RunInfo& i, const StepReport& r) {
        steps_trained_++;
        const double elapsed = std::chrono::duration<double>(clock::now() - t0_).count();
        const long remaining = (r.steps - r.step) + static_cast<long>(r.steps) * (i.count - i.index - 1);
        const double eta = elapsed / static_cast<double>(steps_trained_) * static_cast<double>(remaining);
        display_.bar(tag(i) + " ", r, fmt::format("  comparison ETA {:<8}", duration(eta)));
    }
    void eval(const RunInfo& i, const EvalReport& r) {
        line(fmt::format("{} step {:>5}  train {:.4f}  val {:.4f}  {:.0f} tok/s", tag(i), r.step, r.train_loss,
                         r.val_loss, r.tokens_per_s));
    }
    void run_end(const RunInfo& i, const TrainSummary& s) {
        if (i.action == RunAction::reuse) return;
        if (s.diverged) {
            line(fmt::format("{} diverged at step {} (loss not finite); carrying on with the others", tag(i),
                             s.steps_done));
            return;
        }
        line(fmt::format("{} done: val {:.4f} (best {:.4f}), {:.1f} ms/step", tag(i), s.final_val_loss,
                         s.best_val_loss, s.ms_per_step));
    }
    void finish() { display_.finish(); }

private:
    using clock = std::chrono::steady_clock;

    std::string tag(const RunInfo& i) const {
        const std::string lr = sweeps_lr_ ? fmt::format(" lr {:g}", i.at.lr) : "";
        const std::string warmup = sweeps_warmup_ ? fmt::format(" w {}", i.at.warmup) : "";
        return fmt::format("[{}/{}] {}{}{} s{}", i.index + 1, i.count, ffn_kind_name(i.kind), lr, warmup, i.seed);
    }
    void line(const std::string& text) { display_.line(text); }

    ProgressDisplay display_;
    bool sweeps_lr_ = false, sweeps_warmup_ = false;  // tags name the run's place on these axes
    bool started_ = false;
    clock::time_point t0_;
    long steps_trained_ = 0;  // in this session
};

// --lr and --warmup: one value sets the base config, as in `glulab train`; a list is an axis.
void apply_sweep_flags(const CompareArgs& a, const Command& cmd, CompareConfig& cfg) {
    if (!a.sweep.lr.empty()) {
        cfg.lrs = parse_lr_list(a.sweep.lr);
        if (cfg.lrs.size() == 1) cfg.base.optim.lr = cfg.lrs.front();
        GLULAB_CHECK(cfg.lrs.size() == 1 || cmd.count("--min-lr") == 0,
                     "with a list of rates each run ends at its own rate times --min-lr-ratio",
                     "--min-lr {} cannot go with a list of learning rates (--lr {})", a.cfg.optim.min_lr, a.sweep.lr);
        if (cfg.lrs.size() == 1) cfg.lrs.clear();
    }
    if (!a.sweep.warmup.empty()) {
        cfg.warmups = parse_warmup_list(a.sweep.warmup);
        if (cfg.warmups.size() == 1) {
            cfg.base.optim.warmup = cfg.warmups.front();
            cfg.warmups.clear();
        }
    }
    GLULAB_CHECK(cmd.count("--min-lr-ratio") == 0 || cfg.sweeps_lr(), "give --lr a list, or set --min-lr",
                 "--min-lr-ratio applies to a list of learning rates only");
    cfg.min_lr_ratio = a.min_lr_ratio;
}

void run(CompareArgs& a, const Command& cmd) {
    apply_train_defaults(cmd, a.cfg);
    // Check everything that can be checked before the data is read and a model is built.
    CompareConfig cfg{.base = a.cfg, .kinds = parse_ffn_list(a.ffn), .seeds = a.seeds,
                      .match = parse_match(a.match), .out = a.out, .force = a.force, .jobs = a.jobs};
    apply_sweep_flags(a, cmd, cfg);
    cfg.validate();
    ModelConfig probe = cfg.base.model;
    probe.vocab_size = probe.vocab_size > 0 ? probe.vocab_size : 1;
    probe.validate();

    GLULAB_CHECK(a.report.empty() || cfg.base.model.norm == NormKind::rmsnorm || std::filesystem::exists(a.report),
                 "run `make results` first: the norm section goes next to the page's RMSNorm numbers",
                 "--report {}: the page does not exist", a.report);
    fmt::print("{}", format_compare_setup(cfg));
    if (cfg.base.model.d_ff > 0 && cmd.count("--match") > 0)
        fmt::print("note: --d-ff {} is used for every kind, so --match {} has no effect\n", cfg.base.model.d_ff,
                   a.match);
    std::string widths;
    for (FfnKind k : cfg.kinds)
        widths += fmt::format("{}{} {}", widths.empty() ? "" : ", ", ffn_kind_name(k),
                              compare_run_config(cfg, k, 0).model.ffn_hidden());
    fmt::print("FFN hidden width H: {}\n", widths);

    CompareProgress progress(cfg);
    CompareCallbacks cb;
    cb.on_run_start = [&](const RunInfo& i) { progress.run_start(i); };
    cb.on_step = [&](const RunInfo& i, const StepReport& r) { progress.step(i, r); };
    cb.on_eval = [&](const RunInfo& i, const EvalReport& r) { progress.eval(i, r); };
    cb.on_run_end = [&](const RunInfo& i, const TrainSummary& s) { progress.run_end(i, s); };
    const CompareResult result = run_compare(cfg, cb);
    progress.finish();
    if (result.interrupted) {
        fmt::print("interrupted: the current run's checkpoint is saved; run the same command again to "
                   "continue where it stopped\n");
        throw ExitCode{130};
    }
    if (dist_rank() != 0) return;  // under mpirun rank 0 writes the tables, plots and report

    fmt::print("\n{}\n", result.report);
    std::vector<std::string> dirs;
    for (const RunResult& r : result.runs) dirs.push_back(r.dir);
    const PlotReport plots = write_plots(load_runs(dirs), cfg.out);
    std::vector<std::string> files = result.files;
    files.insert(files.end(), plots.files.begin(), plots.files.end());
    if (!plots.drawn) fmt::print("{}\n{}", plots.ascii, gnuplot_install_note("glulab plot " + cfg.out));
    if (!a.report.empty()) {
        const std::vector<std::string> page = cfg.base.model.norm == NormKind::rmsnorm
                                                  ? write_results_page(a.report, cfg, result)
                                                  : write_norm_section(a.report, cfg, result);
        files.insert(files.end(), page.begin(), page.end());
    }
    if (a.sample > 0) {
        // The kind with the lowest mean final validation loss, its first seed's model.
        const KindSummary* best = &result.kinds.front();
        for (const KindSummary& k : result.kinds)
            if (k.final_val.mean < best->final_val.mean) best = &k;
        const std::string ckpt = compare_run_dir(cfg, best->kind, 0, best->at) + "/model.safetensors";
        LoadedModel m = load_model(ckpt);
        fmt::print("\nsample from the best kind, {} ({}):\n", ffn_kind_name(best->kind), ckpt);
        generate(*m.model, m.vocab, "", SampleOptions{.tokens = a.sample, .temperature = 0.8f, .top_k = 40},
                 [](const std::string& ch) { fmt::print("{}", ch); });
        fmt::print("\n");
    }
    fmt::print("files:");
    for (const std::string& f : files) fmt::print(" {}", f);
    fmt::print("\n");
}

}  // namespace

void add_compare_command(CLI::App& app) {
    auto args = std::make_shared<CompareArgs>();
    Command* cmd = add_command(app, "compare", "Train every FFN kind with every seed and compare them");
    cmd->add_option("--ffn", args->ffn, "kinds to compare, comma-separated, or all: " + ffn_kind_names())
        ->capture_default_str();
    cmd->add_option("--seeds", args->seeds, "runs per kind, seeds --seed, --seed + 1, ...")
        ->check(positive())->capture_default_str();
    cmd->add_option("--match", args->match,
                    "params: gated kinds get 2/3 of the width (same parameters); dff: every kind gets 4C")
        ->check(one_of({"params", "dff"}))->capture_default_str();
    add_train_flags(*cmd, args->cfg, &args->sweep);
    cmd->add_option("--min-lr-ratio", args->min_lr_ratio,
                    "with a list of --lr: each run's final rate is its peak rate times this")
        ->check(in_range(0.0, 1.0))->capture_default_str();
    cmd->add_option("--jobs", args->jobs,
                    "runs trained at once, each on its share of the cores (0: one per core when the grid has "
                    "that many runs left, else one at a time; under mpirun one per rank)")
        ->check(non_negative())->capture_default_str();
    cmd->add_option("--out", args->out, "directory of the runs, the tables and the plots")->capture_default_str();
    cmd->add_flag("--force", args->force, "OUT holds runs made with other settings: train everything again");
    cmd->add_option("--stop-after", args->cfg.stop_after,
                    "stop as if interrupted (Ctrl-C) after step N of the run in progress (each rank's): "
                    "save its checkpoint and exit 130")
        ->check(non_negative());
    cmd->add_option("--report", args->report, "also write the results page (Markdown) here, pictures beside it");
    cmd->add_option("--sample", args->sample, "then print this many characters from the best kind's model")
        ->check(non_negative());
    cmd->callback([args, cmd] { run(*args, *cmd); });
}

}  // namespace glulab
