// compare.cpp — the grid of runs: planning it, resuming it, running it (compare.hpp). The
// summaries, the table and the verdict of its results are summary.cpp's.
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/compare.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/experiment/gates.hpp"
#include "glulab/experiment/stability.hpp"
#include "glulab/experiment/sweep.hpp"
#include "glulab/platform/format.hpp"
#include "glulab/train/json_io.hpp"
#include "glulab/platform/dist.hpp"
#include "glulab/train/stop.hpp"

#include <fmt/core.h>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <sstream>

namespace glulab {

namespace fs = std::filesystem;

// CompareConfig
// -------------

MatchBy parse_match(std::string_view name) {
    if (name == "params") return MatchBy::params;
    if (name == "dff") return MatchBy::dff;
    GLULAB_CHECK(false, "params: gated kinds get 2/3 of the width; dff: every kind gets 4C",
                 "unknown --match '{}'; valid: params, dff", name);
    return MatchBy::params;  // not reached
}

std::string_view match_name(MatchBy match) { return match == MatchBy::params ? "params" : "dff"; }

namespace {
// The comma-separated names of `list`, each trimmed of spaces; an empty one throws naming `flag`.
std::vector<std::string_view> split_list(std::string_view list, std::string_view flag, const char* hint) {
    std::vector<std::string_view> names;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = std::min(list.find(',', start), list.size());
        std::string_view name = list.substr(start, end - start);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        GLULAB_CHECK(!name.empty(), hint, "{} '{}' has an empty value", flag, list);
        names.push_back(name);
        start = end + 1;
    }
    return names;
}

// `values` parsed one by one, refusing repeats, naming `flag`.
template <class T, class Parse>
std::vector<T> parse_list(std::string_view list, std::string_view flag, const char* hint, Parse parse) {
    std::vector<T> out;
    for (std::string_view name : split_list(list, flag, hint)) {
        const T v = parse(name);
        GLULAB_CHECK(std::find(out.begin(), out.end(), v) == out.end(), "name each value once", "{} names {} twice",
                     flag, name);
        out.push_back(v);
    }
    return out;
}

// The whole of `text` as a number of type T, or an error naming `flag`.
template <class T>
T parse_number(std::string_view text, std::string_view flag) {
    T v{};
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    GLULAB_CHECK(ec == std::errc() && ptr == text.data() + text.size(), "e.g. --lr 0.001,0.003 or --warmup 0,100",
                 "{}: '{}' is not a number", flag, text);
    return v;
}
}  // namespace

std::vector<FfnKind> parse_ffn_list(std::string_view list) {
    if (list == "all") return {all_ffn_kinds().begin(), all_ffn_kinds().end()};
    return parse_list<FfnKind>(list, "--ffn", "e.g. --ffn relu,gelu,swiglu or --ffn all", parse_ffn_kind);
}

std::vector<float> parse_lr_list(std::string_view list, std::string_view flag) {
    return parse_list<float>(list, flag, "e.g. --lr 0.0003,0.001,0.003", [flag](std::string_view text) {
        const float lr = parse_number<float>(text, flag);
        GLULAB_CHECK(std::isfinite(lr) && lr > 0, "a learning rate is a positive number, e.g. 0.001",
                     "{}: {} is not a positive, finite learning rate", flag, text);
        return lr;
    });
}

std::vector<int> parse_warmup_list(std::string_view list, std::string_view flag) {
    return parse_list<int>(list, flag, "e.g. --warmup 0,100", [flag](std::string_view text) {
        const int w = parse_number<int>(text, flag);
        GLULAB_CHECK(w >= 0, "a warmup is a number of steps, 0 or more", "{}: {} is negative", flag, text);
        return w;
    });
}

void CompareConfig::validate() const {
    GLULAB_CHECK(!kinds.empty(), "e.g. --ffn relu,gelu,swiglu", "no FFN kinds to compare");
    GLULAB_CHECK(seeds >= 1, "e.g. --seeds 3", "--seeds must be at least 1, got {}", seeds);
    GLULAB_CHECK(seeds <= kMaxSeeds, "e.g. --seeds 3", "--seeds {} is above glulab's limit of {} seeds",
                 seeds, kMaxSeeds);
    GLULAB_CHECK(!out.empty(), "e.g. --out runs/compare", "--out must not be empty");
    GLULAB_CHECK(lrs.size() <= kMaxAxis && warmups.size() <= kMaxAxis, "sweep fewer values at a time",
                 "--lr has {} values and --warmup {}: glulab's limit is {} per axis", lrs.size(), warmups.size(),
                 kMaxAxis);
    GLULAB_CHECK(min_lr_ratio >= 0 && min_lr_ratio <= 1, "e.g. --min-lr-ratio 0.1",
                 "--min-lr-ratio {} must lie in [0, 1]", min_lr_ratio);
    base.validate();
    for (const SweepPoint& at : points()) compare_run_config(*this, kinds.front(), 0, at).validate();
}

std::vector<SweepPoint> CompareConfig::points() const {
    const std::vector<float> rates = lrs.empty() ? std::vector<float>{base.optim.lr} : lrs;
    const std::vector<int> warms = warmups.empty() ? std::vector<int>{base.optim.warmup} : warmups;
    std::vector<SweepPoint> out;
    for (float lr : rates)
        for (int w : warms) out.push_back({.lr = lr, .warmup = w});
    return out;
}

// With an explicit d_ff it is every kind's; MatchBy::dff gives gated kinds the plain width 4C
// (asked of ffn_hidden, so the rule lives in one place); MatchBy::params leaves d_ff = 0.
TrainConfig compare_run_config(const CompareConfig& cfg, FfnKind kind, int seed_index, std::optional<SweepPoint> at) {
    TrainConfig c = cfg.base;
    c.model.ffn = kind;
    c.seed = cfg.base.seed + static_cast<uint64_t>(seed_index);
    const SweepPoint p = at.value_or(cfg.points().front());
    c.optim.lr = p.lr;
    c.optim.warmup = p.warmup;
    if (cfg.sweeps_lr()) c.optim.min_lr = p.lr * cfg.min_lr_ratio;  // the final rate follows the peak
    if (cfg.base.model.d_ff == 0 && cfg.match == MatchBy::dff && is_gated(kind)) {
        ModelConfig plain = cfg.base.model;
        plain.ffn = FfnKind::relu;
        c.model.d_ff = plain.ffn_hidden();
    }
    return c;
}

std::string compare_run_dir(const CompareConfig& cfg, FfnKind kind, int seed_index, std::optional<SweepPoint> at) {
    const SweepPoint p = at.value_or(cfg.points().front());
    const std::string lr = cfg.sweeps_lr() ? fmt::format("-lr{:g}", p.lr) : "";
    const std::string warmup = cfg.sweeps_warmup() ? fmt::format("-w{}", p.warmup) : "";
    return (fs::path(cfg.out) / fmt::format("{}{}{}-s{}", ffn_kind_name(kind), lr, warmup,
                                            cfg.base.seed + static_cast<uint64_t>(seed_index)))
        .string();
}

// The rule: under mpirun, one cell at a time per rank (the ranks already share the cores);
// otherwise as many cells at once as there are cores, each on one thread, when at least that
// many cells are left to train: two one-thread runs side by side do more work than one run on
// two threads (docs/performance.md). Fewer cells than cores: one at a time, on all of them.
CellShare compare_cell_share(int jobs, int cells_to_train, int cores, int ranks) {
    cores = std::max(cores, 1);
    CellShare share;
    if (jobs > 0) share.jobs = jobs;
    else if (ranks == 1 && cells_to_train >= cores) share.jobs = cores;
    share.jobs = std::max(1, std::min(share.jobs, std::max(cells_to_train, 1)));
    share.threads = std::max(1, cores / share.jobs);
    return share;
}

std::string_view run_action_name(RunAction action) {
    switch (action) {
        case RunAction::train: return "train";
        case RunAction::resume: return "resume";
        case RunAction::reuse: return "reuse";
    }
    return "?";
}

namespace {

// Settings check
// --------------
// A run's config.json against the config asked for, field by field ("optim.steps"). The
// vocabulary size comes from the data, so the saved one is taken as asked for.

std::vector<std::string> config_differences(const TrainConfig& saved, TrainConfig want) {
    want.model.vocab_size = saved.model.vocab_size;
    const std::map<std::string, std::string> have = json_leaves(train_config_to_json(saved));
    const std::map<std::string, std::string> asked = json_leaves(train_config_to_json(want));
    std::vector<std::string> diffs;
    for (const auto& [key, value] : asked) {
        auto it = have.find(key);
        if (it == have.end()) diffs.push_back(fmt::format("{} missing there, {} now", key, value));
        else if (it->second != value) diffs.push_back(fmt::format("{} {} there, {} now", key, it->second, value));
    }
    for (const auto& [key, value] : have)
        if (!asked.contains(key)) diffs.push_back(fmt::format("{} {} there, absent now", key, value));
    return diffs;
}

// The losses of a run come from its metrics.csv (the last evaluation, and the lowest val
// loss), the same whether the run was trained now or read back.
void losses_from_metrics(RunResult& r) {
    if (r.metrics.empty()) return;
    r.summary.final_train_loss = static_cast<float>(r.metrics.back().train_loss);
    r.summary.final_val_loss = static_cast<float>(r.metrics.back().val_loss);
    double best = r.metrics.front().val_loss;
    for (const MetricRow& m : r.metrics) best = std::min(best, m.val_loss);
    r.summary.best_val_loss = static_cast<float>(best);
}

}  // namespace

void read_run_outputs(RunResult& r) {
    r.metrics = read_metrics_csv(run_file(r.dir, run_files::metrics));
    r.activations = read_run_activations(r.dir);
    losses_from_metrics(r);
}

RunResult read_back_run(const std::string& dir) {
    const TrainConfig c = load_train_config(dir);
    RunResult r{.kind = c.model.ffn, .seed = c.seed, .at = {.lr = c.optim.lr, .warmup = c.optim.warmup}, .dir = dir,
                .action = RunAction::reuse, .summary = read_run_summary(dir)};
    read_run_outputs(r);
    return r;
}

std::string format_compare_setup(const CompareConfig& cfg) {
    std::vector<std::string> names;
    for (FfnKind k : cfg.kinds) names.emplace_back(ffn_kind_name(k));
    const std::string kinds = join(names, ",");
    const std::string width = cfg.base.model.d_ff > 0 ? fmt::format("d_ff {} for every kind", cfg.base.model.d_ff)
                                                      : fmt::format("match {}", match_name(cfg.match));
    std::vector<std::string> rates, warmups;
    for (const SweepPoint& p : cfg.points()) {
        const std::string lr = fmt::format("{:g}", p.lr), w = fmt::format("{}", p.warmup);
        if (std::find(rates.begin(), rates.end(), lr) == rates.end()) rates.push_back(lr);
        if (std::find(warmups.begin(), warmups.end(), w) == warmups.end()) warmups.push_back(w);
    }
    const std::string final_lr = cfg.sweeps_lr() ? fmt::format("min_lr {:g} x lr", cfg.min_lr_ratio)
                                                 : fmt::format("min_lr {:g}", cfg.base.optim.min_lr);
    const std::string test = cfg.base.test_split > 0 ? fmt::format("; test split {:g}", cfg.base.test_split) : "";
    return fmt::format("glulab compare: {}; seeds {}..{}; {} steps; lr {} ({}); warmup {}; L {} C {} NH {} T {} B {}; "
                       "{}; {}; data {}{}\n",
                       kinds, cfg.base.seed, cfg.base.seed + static_cast<uint64_t>(cfg.seeds) - 1,
                       cfg.base.optim.steps, join(rates, ","), final_lr, join(warmups, ","), cfg.base.model.layers,
                       cfg.base.model.d_model, cfg.base.model.heads, cfg.base.model.ctx, cfg.base.batch,
                       norm_kind_name(cfg.base.model.norm), width, cfg.base.data, test);
}

namespace {
// Under mpirun, once every rank has trained its runs: rank 0 takes the whole grid, in the plan's
// order, reading back the summary.json the other ranks wrote (the run directories must be on a
// filesystem every rank sees). Returns true on the other ranks, whose work ends here.
bool gather_runs(const std::vector<RunInfo>& plan, CompareResult& result) {
    double counts[2] = {static_cast<double>(result.runs_trained), result.interrupted ? 1.0 : 0.0};
    dist_allreduce_sum(counts, 2);  // also waits for every rank's last run
    result.runs_trained = static_cast<int>(counts[0]);
    result.interrupted = counts[1] > 0;
    if (dist_rank() != 0) return true;
    if (result.interrupted) return false;
    result.runs.clear();
    for (const RunInfo& info : plan)
        result.runs.push_back(RunResult{.kind = info.kind, .seed = info.seed, .at = info.at, .dir = info.dir,
                                        .action = info.action, .summary = read_run_summary(info.dir)});
    return false;
}
}  // namespace

// run_compare
// -----------
// 1. check every run directory already in OUT against the settings asked for (all of them,
//    before anything is trained);
// 2. seed by seed, kind by kind: read back, resume or train;
// 3. read every run's metrics.csv, summarise per kind, write the CSVs and the report.
// Under mpirun the runs of step 2 are spread over the ranks and rank 0 does step 3.
CompareResult run_compare(const CompareConfig& cfg, const CompareCallbacks& callbacks) {
    cfg.validate();
    const std::vector<SweepPoint> points = cfg.points();
    const int count = static_cast<int>(cfg.kinds.size() * points.size()) * cfg.seeds;
    std::vector<RunInfo> plan;
    for (int s = 0; s < cfg.seeds; s++)
        for (const SweepPoint& at : points)
          for (FfnKind kind : cfg.kinds) {
            const TrainConfig run_cfg = compare_run_config(cfg, kind, s, at);
            const fs::path dir = compare_run_dir(cfg, kind, s, at);
            RunInfo info{.index = static_cast<int>(plan.size()), .count = count, .kind = kind,
                         .seed = run_cfg.seed, .at = at, .steps = run_cfg.optim.steps, .dir = dir.string()};
            if (!cfg.force && holds_run(info.dir)) {
                const std::string config = run_file(info.dir, run_files::config);
                const std::vector<std::string> diffs = config_differences(load_train_config(info.dir), run_cfg);
                GLULAB_CHECK(diffs.empty(), "use another --out, or add --force to train every run again",
                             "{} was made with other settings ({}): {}", info.dir, config, join(diffs, "; "));
                info.action = fs::exists(run_file(info.dir, run_files::summary)) ? RunAction::reuse
                              : holds_checkpoint(info.dir)                      ? RunAction::resume
                                                                                : RunAction::train;
            }
            plan.push_back(info);
        }

    CompareResult result;
    StopOnSignal stop_on_signal;  // one request for the whole grid; each train_run polls it (stop.hpp)
    const int ranks = dist_size(), rank = dist_rank();
    std::vector<const RunInfo*> mine;  // under mpirun: rank r trains runs r, r + N, ...
    int to_train = 0;
    for (const RunInfo& info : plan)
        if (info.index % ranks == rank) {
            mine.push_back(&info);
            to_train += info.action != RunAction::reuse;
        }
    const CellShare share = compare_cell_share(cfg.jobs, to_train, omp_get_max_threads(), ranks);

    // Workers take the next cell of `mine` until none is left or a stop is requested; one cell
    // at a time when share.jobs is 1. The callbacks and the bookkeeping run under `lock`, so the
    // caller's progress display hears one cell at a time.
    std::vector<std::optional<RunResult>> done(mine.size());
    std::atomic<size_t> next{0};
    std::mutex lock;
    auto worker = [&] {
        for (size_t i; (i = next++) < mine.size();) {
            const RunInfo& info = *mine[i];
            if (stop_requested()) break;
            TrainConfig run_cfg =
                compare_run_config(cfg, info.kind, static_cast<int>(info.seed - cfg.base.seed), info.at);
            if (run_cfg.threads == 0 && share.jobs > 1) run_cfg.threads = share.threads;
            RunResult r{.kind = info.kind, .seed = info.seed, .at = info.at, .dir = info.dir, .action = info.action};
            {
                std::lock_guard<std::mutex> hold(lock);
                if (callbacks.on_run_start) callbacks.on_run_start(info);
            }
            if (info.action == RunAction::reuse) {
                r.summary = read_run_summary(info.dir);
            } else {
                // A run trained from scratch starts in an empty directory, so no stale checkpoint
                // of other settings can be resumed later.
                if (info.action == RunAction::train) fs::remove_all(info.dir);
                TrainCallbacks tc;
                tc.on_step = [&](const StepReport& s) {
                    std::lock_guard<std::mutex> hold(lock);
                    if (callbacks.on_step) callbacks.on_step(info, s);
                };
                tc.on_eval = [&](const EvalReport& e) {
                    std::lock_guard<std::mutex> hold(lock);
                    if (callbacks.on_eval) callbacks.on_eval(info, e);
                };
                DistSolo alone;  // each rank trains its runs by itself, with its share of the cores
                r.summary = train_run(run_cfg, info.dir, info.action == RunAction::resume, false,
                                      with_run_telemetry(info.dir, tc));
            }
            std::lock_guard<std::mutex> hold(lock);
            if (info.action != RunAction::reuse) result.runs_trained++;
            if (!r.summary.interrupted && callbacks.on_run_end) callbacks.on_run_end(info, r.summary);
            result.interrupted = result.interrupted || r.summary.interrupted;
            done[i] = std::move(r);
            if (result.interrupted) break;
        }
    };
    if (share.jobs == 1) {
        worker();
    } else {
        std::vector<std::jthread> pool;
        for (int j = 0; j < share.jobs; j++) pool.emplace_back(worker);
    }  // the pool's threads join here
    // A stop that came between cells leaves cells not started: the grid is unfinished too.
    const bool all_done = std::all_of(done.begin(), done.end(), [](const auto& d) { return d.has_value(); });
    result.interrupted = result.interrupted || !all_done;
    for (std::optional<RunResult>& r : done)
        if (r) result.runs.push_back(std::move(*r));
    if (ranks > 1 && gather_runs(plan, result)) return result;
    if (result.interrupted) return result;

    for (RunResult& r : result.runs) read_run_outputs(r);
    result.kinds = summarize_kinds(result.runs);
    const fs::path out(cfg.out);
    std::string report = format_compare_table(result.kinds) + "\n";
    std::vector<std::pair<std::string, std::string>> files = {{"curves.csv", curves_csv(result.runs)},
                                                              {"summary.csv", summary_csv(result.kinds)},
                                                              {"runs.csv", runs_csv(result.runs)}};
    if (cfg.sweeps_lr()) {
        const double loss_init = std::log(load_train_config(result.runs.front().dir).model.vocab_size);
        const std::vector<LrChoice> choices = choose_learning_rates(result.kinds, loss_init);
        report += format_sweep_table(result.kinds, choices);
        files.emplace_back("sweep.csv", sweep_csv(choices));
    } else {
        report += verdict(result.kinds);
    }
    result.report = report;
    files.emplace_back("report.txt", format_compare_setup(cfg) + "\n" + report);
    for (const auto& [name, text] : files) {
        write_text_file(out / name, text);
        result.files.push_back((out / name).string());
    }
    return result;
}

}  // namespace glulab
