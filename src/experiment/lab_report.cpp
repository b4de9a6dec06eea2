// lab_report.cpp — the results page's laboratory sections (lab_report.hpp): tables and the
// sentences that depend on the numbers, put into the prose of docs/templates/lab-*.md.
//
// Lesson 13 · the FFN ablation; lesson 16 · outliers and quantization
#include "glulab/experiment/lab_report.hpp"

#include "glulab/experiment/quant_study.hpp"
#include "glulab/experiment/report.hpp"
#include "glulab/experiment/sweep.hpp"
#include "glulab/nn/param_table.hpp"
#include "glulab/platform/format.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/templates.hpp"  // generated from docs/templates/*.md (Makefile)

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <tuple>

namespace glulab {

namespace fs = std::filesystem;

LabGrid read_lab_grid(const std::vector<std::string>& dirs, int* unfinished) {
    LabGrid grid;
    int open = 0;
    for (const std::string& dir : dirs) {
        if (!fs::is_directory(dir)) continue;
        for (const std::string& run : list_run_dirs({dir}, run_files::config)) {
            if (!fs::exists(run_file(run, run_files::summary))) {
                open++;
                continue;
            }
            grid.runs.push_back(read_back_run(run));
            grid.data.push_back(load_run(run));
        }
    }
    if (unfinished) *unfinished = open;
    // Kinds in the order of all_ffn_kinds, then rate, warmup and seed, whatever the folders' names.
    std::vector<size_t> order(grid.runs.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    auto key = [&](size_t i) {
        const RunResult& r = grid.runs[i];
        const auto kinds = all_ffn_kinds();
        return std::tuple(std::find(kinds.begin(), kinds.end(), r.kind) - kinds.begin(), r.at.lr, r.at.warmup, r.seed);
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
    LabGrid sorted;
    for (size_t i : order) {
        sorted.runs.push_back(std::move(grid.runs[i]));
        sorted.data.push_back(std::move(grid.data[i]));
    }
    return sorted;
}

double run_attn_logit_max(const RunData& run) {
    double m = 0;
    for (const StabilityRow& s : run.stability) m = std::max(m, s.attn_logit_max);
    return m;
}

int run_loss_spikes(const RunData& run) { return run.stability.empty() ? 0 : run.stability.back().loss_spikes; }

namespace {

// A loss change as "+0.0012"; one that rounds to zero as "+0.0000", not "-0.0000".
std::string signed4(double v) { return fmt::format("{:+.4f}", std::abs(v) < 5e-5 ? 0.0 : v); }

std::string loss_or_dash(double v, bool known) { return known ? fmt::format("{:.4f}", v) : "–"; }

// The per-seed table: one row per run, every number the section's statistics use.
std::string seed_table(const LabGrid& g, bool with_stability) {
    std::string t = with_stability ? "| kind | lr | warmup | H | seed | steps | final val | test | largest attention logit | loss spikes |\n"
                                     "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                                   : "| kind | lr | warmup | H | seed | steps | final val | test |\n"
                                     "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    for (size_t i = 0; i < g.runs.size(); i++) {
        const RunResult& r = g.runs[i];
        const TrainSummary& s = r.summary;
        const bool ok = !s.diverged;
        t += fmt::format("| {} | {:g} | {} | {} | {} | {}{} | {} | {} |", ffn_kind_name(r.kind), r.at.lr, r.at.warmup,
                         g.data[i].config.model.ffn_hidden(), r.seed, s.steps_done, s.diverged ? " (diverged)" : "",
                         loss_or_dash(s.final_val_loss, ok), loss_or_dash(s.test_loss, ok && s.test_loss > 0));
        if (with_stability)
            t += fmt::format(" {:.1f} | {} |", run_attn_logit_max(g.data[i]), run_loss_spikes(g.data[i]));
        t += "\n";
    }
    return "<details><summary>Every run (per seed)</summary>\n\n" + t + "\n</details>\n";
}

// "swiglu 1.7422 < gelu 1.7850 < relu 1.7858", by the mean of `metric`.
std::string order_of(std::vector<KindSummary> kinds, LossOf metric) {
    std::erase_if(kinds, [&](const KindSummary& k) { return (k.*metric).n == 0; });
    std::sort(kinds.begin(), kinds.end(),
              [&](const KindSummary& a, const KindSummary& b) { return (a.*metric).mean < (b.*metric).mean; });
    std::vector<std::string> parts;
    for (const KindSummary& k : kinds) parts.push_back(fmt::format("{} {:.4f}", ffn_kind_name(k.kind), (k.*metric).mean));
    return join(parts, " < ");
}

std::vector<FfnKind> kinds_by(std::vector<KindSummary> kinds, LossOf metric) {
    std::erase_if(kinds, [&](const KindSummary& k) { return (k.*metric).n == 0; });
    std::sort(kinds.begin(), kinds.end(),
              [&](const KindSummary& a, const KindSummary& b) { return (a.*metric).mean < (b.*metric).mean; });
    std::vector<FfnKind> out;
    for (const KindSummary& k : kinds) out.push_back(k.kind);
    return out;
}

// The figure's Markdown, after drawing `only` of the runs' pictures into figs.dir.
std::string figure(const std::vector<RunData>& runs, const LabFigures& figs, const std::string& picture,
                   const std::string& name, const std::string& alt) {
    if (!figs.draw || runs.empty()) return "";
    fs::create_directories(figs.dir);
    const PlotReport p = write_plots(runs, figs.dir, PlotOptions{.only = {picture}, .prefix = name + "_"});
    if (!p.drawn) return fmt::format("*({}: gnuplot was not available when this page was made)*\n", alt);
    fs::remove(fs::path(figs.dir) / (name + "_" + picture + ".gp"));  // the page keeps the pictures, not the script
    return fmt::format("![{}]({}{}_{}.svg)\n", alt, figs.prefix, name, picture);
}

// The runs of `g` for which keep(result, data) holds.
template <class Keep>
LabGrid filter(const LabGrid& g, Keep keep) {
    LabGrid out;
    for (size_t i = 0; i < g.runs.size(); i++)
        if (keep(g.runs[i], g.data[i])) {
            out.runs.push_back(g.runs[i]);
            out.data.push_back(g.data[i]);
        }
    return out;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

}  // namespace

// Is it the FFN or the learning rate?
// -----------------------------------
std::string lr_section(const LabGrid& g, const LabFigures& figs) {
    GLULAB_CHECK(!g.runs.empty(), "run `make results-lr` first", "the learning-rate sweep has no finished runs");
    const std::vector<KindSummary> groups = summarize_kinds(g.runs);
    const double loss_init = std::log(g.data.front().config.model.vocab_size);
    const std::vector<LrChoice> choices = choose_learning_rates(groups, loss_init);
    std::vector<float> rates;
    for (const KindSummary& k : groups)
        if (std::find(rates.begin(), rates.end(), k.at.lr) == rates.end()) rates.push_back(k.at.lr);
    std::sort(rates.begin(), rates.end());

    // The ranking at the page's single rate (the default, 1e-3) against each kind at its own.
    const float base = TrainConfig{}.optim.lr;
    std::vector<KindSummary> at_base, at_chosen;
    for (const KindSummary& k : groups)
        if (k.at.lr == base) at_base.push_back(k);
    for (const LrChoice& c : choices)
        if (c.best.seeds > 0) at_chosen.push_back(c.best);
    const std::vector<FfnKind> base_order = kinds_by(at_base, &KindSummary::test);
    const std::vector<FfnKind> chosen_order = kinds_by(at_chosen, &KindSummary::test);
    int moved = 0;
    for (size_t i = 0; i < chosen_order.size(); i++)
        if (i >= base_order.size() || base_order[i] != chosen_order[i]) moved++;
    int rate_changed = 0;
    for (const LrChoice& c : choices) rate_changed += c.best.seeds > 0 && c.best.at.lr != base;

    // Stability per kind and rate: the mean over seeds of each run's largest attention logit
    // and of its loss spikes, and the diverged runs.
    std::string stab = "| kind |", rule = "|---|";
    for (float lr : rates) {
        stab += fmt::format(" lr {:g} |", lr);
        rule += "---:|";
    }
    stab += "\n" + rule + "\n";
    for (const LrChoice& c : choices) {
        stab += fmt::format("| {} |", ffn_kind_name(c.kind));
        for (float lr : rates) {
            std::vector<double> attn, spikes;
            int diverged = 0, n = 0;
            for (size_t i = 0; i < g.runs.size(); i++)
                if (g.runs[i].kind == c.kind && g.runs[i].at.lr == lr) {
                    n++;
                    diverged += g.runs[i].summary.diverged;
                    attn.push_back(run_attn_logit_max(g.data[i]));
                    spikes.push_back(run_loss_spikes(g.data[i]));
                }
            stab += n == 0 ? " – |"
                           : fmt::format(" {:.0f} ({:.1f}){} |", mean_of(attn), mean_of(spikes),
                                         diverged ? fmt::format(", div {}/{}", diverged, n) : "");
        }
        stab += "\n";
    }
    std::vector<std::string> sens;
    std::vector<LrChoice> by_sens = choices;
    std::sort(by_sens.begin(), by_sens.end(), [](const LrChoice& a, const LrChoice& b) { return a.sensitivity < b.sensitivity; });
    for (const LrChoice& c : by_sens) sens.push_back(fmt::format("{} {:.3f}", ffn_kind_name(c.kind), c.sensitivity));
    int diverged = 0;
    for (const RunResult& r : g.runs) diverged += r.summary.diverged;
    // The verdict among the kinds with seeds to judge by, and where the choice on validation
    // missed the rate that was best on test (a noisy choice, not a flattering one).
    std::vector<KindSummary> seeded;
    for (const KindSummary& k : at_chosen)
        if (k.seeds >= 2) seeded.push_back(k);
    std::vector<std::string> edge;  // chosen at the grid's lowest or highest rate: the best may lie beyond
    for (const LrChoice& c : choices)
        if (c.best.seeds > 0 && (c.best.at.lr == rates.front() || c.best.at.lr == rates.back()))
            edge.push_back(fmt::format("{} ({:g})", ffn_kind_name(c.kind), c.best.at.lr));
    std::vector<std::string> missed;
    for (const LrChoice& c : choices) {
        const KindSummary* best_test = nullptr;
        for (const KindSummary& k : groups)
            if (k.kind == c.kind && k.test.n && (!best_test || k.test.mean < best_test->test.mean)) best_test = &k;
        if (best_test && c.best.test.n && c.best.test.mean - best_test->test.mean > 0.01)
            missed.push_back(fmt::format("{} (chosen {:g}: {:.4f}; at {:g}: {:.4f})", ffn_kind_name(c.kind), c.best.at.lr,
                                         c.best.test.mean, best_test->at.lr, best_test->test.mean));
    }

    const float top = rates.back();
    const LabGrid high = filter(g, [&](const RunResult& r, const RunData&) {
        return r.at.lr == top && (r.kind == FfnKind::relu || r.kind == FfnKind::gelu || r.kind == FfnKind::swiglu);
    });
    std::vector<std::string> rate_names;
    for (float lr : rates) rate_names.push_back(fmt::format("{:g}", lr));
    return fmt::format(
        fmt::runtime(templates::lab_lr), fmt::arg("today", today_utc()), fmt::arg("runs", g.runs.size()),
        fmt::arg("kinds", groups.size() / rates.size()), fmt::arg("rates", join(rate_names, ", ")),
        fmt::arg("steps", g.runs.front().summary.steps_done), fmt::arg("test_split", fmt::format("{:g}%", 100 * g.data.front().config.test_split)),
        fmt::arg("sweep_table", format_sweep_table(groups, choices)),
        fmt::arg("lr_figure", figure(g.data, figs, "lr_sweep", "lr", "final validation loss against the learning rate")),
        fmt::arg("base", fmt::format("{:g}", base)), fmt::arg("base_order", order_of(at_base, &KindSummary::test)),
        fmt::arg("chosen_order", order_of(at_chosen, &KindSummary::test)), fmt::arg("moved", moved),
        fmt::arg("ranked", chosen_order.size()), fmt::arg("rate_changed", rate_changed),
        fmt::arg("sensitivity", join(sens, ", ")), fmt::arg("diverged", diverged), fmt::arg("stability_table", stab),
        fmt::arg("seeded_verdict", seeded.size() >= 2 ? verdict(seeded, &KindSummary::test, "test loss at the chosen rates, the kinds with several seeds") : std::string("(fewer than two kinds with several seeds)")),
        fmt::arg("edge", edge.empty() ? std::string("none") : join(edge, ", ")),
        fmt::arg("missed", missed.empty() ? std::string("none (by more than 0.01 nats)") : join(missed, "; ")),
        fmt::arg("top", fmt::format("{:g}", top)),
        fmt::arg("stability_figure", figure(high.data, figs, "stability", "lr_high", "stability telemetry at the highest rate")),
        fmt::arg("seed_table", seed_table(g, true)));
}

// Warmup at high learning rates
// -----------------------------
std::string warmup_section(const LabGrid& g, const LabFigures& figs) {
    GLULAB_CHECK(!g.runs.empty(), "run `make results-warmup` first", "the warmup grid has no finished runs");
    const std::vector<KindSummary> groups = summarize_kinds(g.runs);
    std::string t = "| kind | lr | warmup | runs | diverged | final val | test | largest attention logit | loss spikes |\n"
                    "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    // Per kind and rate: the test loss and the largest attention logit, warmup 0 minus warmup > 0.
    std::vector<std::string> effects;
    for (const KindSummary& k : groups) {
        std::vector<double> attn, spikes;
        for (size_t i = 0; i < g.runs.size(); i++)
            if (g.runs[i].kind == k.kind && g.runs[i].at.lr == k.at.lr && g.runs[i].at.warmup == k.at.warmup) {
                attn.push_back(run_attn_logit_max(g.data[i]));
                spikes.push_back(run_loss_spikes(g.data[i]));
            }
        t += fmt::format("| {} | {:g} | {} | {} | {} | {} | {} | {:.0f} | {:.1f} |\n", ffn_kind_name(k.kind), k.at.lr,
                         k.at.warmup, k.seeds + k.diverged, k.diverged, mean_pm_std(k.final_val, 0),
                         k.test.n ? mean_pm_std(k.test, 0) : "–", mean_of(attn), mean_of(spikes));
        if (k.at.warmup != 0) continue;
        for (const KindSummary& w : groups)
            if (w.kind == k.kind && w.at.lr == k.at.lr && w.at.warmup != 0 && k.test.n && w.test.n)
                effects.push_back(fmt::format("{} at {:g}: {:+.4f} nats (seed ranges {:.4f}, {:.4f})", ffn_kind_name(k.kind),
                                              k.at.lr, k.test.mean - w.test.mean, k.test.range(), w.test.range()));
    }
    int div0 = 0, div_w = 0;
    for (const RunResult& r : g.runs) (r.at.warmup == 0 ? div0 : div_w) += r.summary.diverged;
    float top = 0;
    for (const RunResult& r : g.runs) top = std::max(top, r.at.lr);
    const LabGrid high = filter(g, [&](const RunResult& r, const RunData&) { return r.at.lr == top; });
    return fmt::format(fmt::runtime(templates::lab_warmup), fmt::arg("today", today_utc()), fmt::arg("runs", g.runs.size()),
                       fmt::arg("table", t), fmt::arg("effects", join(effects, "; ")), fmt::arg("div0", div0),
                       fmt::arg("div_w", div_w), fmt::arg("top", fmt::format("{:g}", top)),
                       fmt::arg("figure", figure(high.data, figs, "stability", "warmup", "stability telemetry, warmup 0 against 100")),
                       fmt::arg("seed_table", seed_table(g, true)));
}

// At H = 4C
// ---------
std::string dff_section(const LabGrid& dff, const LabGrid& matched, const LabFigures& figs) {
    GLULAB_CHECK(!dff.runs.empty(), "run `make results-dff` first", "the H = 4C grid has no finished runs");
    const float lr = dff.runs.front().at.lr;
    const LabGrid same_rate = filter(matched, [&](const RunResult& r, const RunData&) { return r.at.lr == lr; });
    const std::vector<KindSummary> wide = summarize_kinds(dff.runs), narrow = summarize_kinds(same_rate.runs);
    std::string t = "| kind | H | FFN params | FFN multiply-adds per token | test at matched params | test at H = 4C | change |\n"
                    "|---|---:|---:|---:|---:|---:|---:|\n";
    auto config_of = [](const LabGrid& g, FfnKind kind) {
        for (size_t i = 0; i < g.runs.size(); i++)
            if (g.runs[i].kind == kind) return g.data[i].config.model;
        return ModelConfig{};
    };
    std::vector<std::string> gains;
    std::vector<KindSummary> all = wide;
    for (const KindSummary& n : narrow) {
        const ModelConfig nc = config_of(same_rate, n.kind);
        const auto w = std::find_if(wide.begin(), wide.end(), [&](const KindSummary& k) { return k.kind == n.kind; });
        const std::string narrow_test = n.test.n ? mean_pm_std(n.test, 0) : "–";
        if (w == wide.end()) {
            t += fmt::format("| {} | {} | {} | {} | {} | | |\n", ffn_kind_name(n.kind), n.d_ff, with_commas(n.ffn_params),
                             with_commas(token_cost(nc, n.d_ff).ffn_macs), narrow_test);
            all.push_back(n);
            continue;
        }
        const ModelConfig wc = config_of(dff, n.kind);
        t += fmt::format("| {} | {} → {} | {} → {} | {} → {} | {} | {} | {:+.4f} |\n", ffn_kind_name(n.kind), n.d_ff, w->d_ff,
                         with_commas(n.ffn_params), with_commas(w->ffn_params), with_commas(token_cost(nc, n.d_ff).ffn_macs),
                         with_commas(token_cost(wc, w->d_ff).ffn_macs), narrow_test, mean_pm_std(w->test, 0),
                         w->test.mean - n.test.mean);
        if (n.test.n) gains.push_back(fmt::format("{} {:+.4f}", ffn_kind_name(n.kind), w->test.mean - n.test.mean));
    }
    // The picture: the wide gated kinds beside the plain ones at the same rate.
    std::vector<RunData> pictured = dff.data;
    for (const RunData& d : filter(same_rate, [](const RunResult& r, const RunData&) { return !is_gated(r.kind); }).data)
        pictured.push_back(d);
    return fmt::format(fmt::runtime(templates::lab_dff), fmt::arg("today", today_utc()), fmt::arg("runs", dff.runs.size()),
                       fmt::arg("lr", fmt::format("{:g}", lr)), fmt::arg("table", t), fmt::arg("gains", join(gains, ", ")),
                       fmt::arg("order", order_of(all, &KindSummary::test)),
                       fmt::arg("verdict", verdict(all, &KindSummary::test, "test loss; gated kinds at H = 4C")),
                       fmt::arg("figure", figure(pictured, figs, "loss_val", "dff", "validation loss, gated kinds at H = 4C")),
                       fmt::arg("seed_table", seed_table(dff, false)));
}

// Longer training
// ---------------
std::string long_section(const LabGrid& g, const LabFigures& figs) {
    GLULAB_CHECK(!g.runs.empty(), "run `make results-long` first", "the long runs have not finished");
    const std::vector<KindSummary> kinds = summarize_kinds(g.runs);
    // The mean validation loss of each kind at a few steps, to see the gaps move.
    const int last = g.runs.front().summary.steps_done;
    const std::vector<int> marks = {2000, last / 2, last};
    auto val_at = [&](FfnKind kind, int step) {
        std::vector<double> v;
        for (const RunResult& r : g.runs)
            if (r.kind == kind)
                for (const MetricRow& m : r.metrics)
                    if (m.step == step) v.push_back(m.val_loss);
        return stat_of(v);
    };
    std::string t = "| kind | lr | runs |";
    for (int s : marks) t += fmt::format(" val at {} |", s);
    t += " test |\n|---|---:|---:|---:|---:|---:|---:|\n";
    for (const KindSummary& k : kinds) {
        t += fmt::format("| {} | {:g} | {} |", ffn_kind_name(k.kind), k.at.lr, k.seeds);
        for (int s : marks) t += " " + mean_pm_std(val_at(k.kind, s), 0) + " |";
        t += " " + (k.test.n ? mean_pm_std(k.test, 0) : std::string("–")) + " |\n";
    }
    // The lead of the best kind at the end over each other kind, at each mark.
    const std::vector<FfnKind> order = kinds_by(kinds, &KindSummary::final_val);
    std::vector<std::string> leads;
    for (size_t i = 1; i < order.size(); i++) {
        std::vector<std::string> at;
        for (int s : marks)
            at.push_back(fmt::format("{:+.4f} at {}", val_at(order[i], s).mean - val_at(order[0], s).mean, s));
        leads.push_back(fmt::format("over {}: {}", ffn_kind_name(order[i]), join(at, ", ")));
    }
    return fmt::format(fmt::runtime(templates::lab_long), fmt::arg("today", today_utc()), fmt::arg("runs", g.runs.size()),
                       fmt::arg("steps", last), fmt::arg("table", t),
                       fmt::arg("best", order.empty() ? "" : ffn_kind_name(order[0])), fmt::arg("leads", join(leads, "; ")),
                       fmt::arg("verdict", verdict(kinds, &KindSummary::test, "test loss after the long runs")),
                       fmt::arg("figure", figure(g.data, figs, "loss_val", "long", "validation loss over 10,000 steps")),
                       fmt::arg("seed_table", seed_table(g, true)));
}

// Under int8
// ----------
std::string quant_section(const LabGrid& g, const LabFigures& figs) {
    const std::vector<std::string> schemes = {"w8", "w8-channel", "w8a8", "w8a8-token"};
    // Per kind and norm: each scheme's loss change per seed, the smoothed w8a8's, the tails.
    struct Row {
        FfnKind kind;
        NormKind norm;
        std::map<std::string, std::vector<double>> change;  // scheme (or "smooth") -> per seed
        std::vector<double> kurtosis, ratio;
        std::vector<std::string> worst;  // "blocks.3.ffn.down +0.0031", from per-matrix runs
    };
    std::vector<Row> rows;
    std::string seeds = "| kind | norm | seed | float loss | w8 | w8-channel | w8a8 | w8a8-token | smoothed w8a8 | hidden kurtosis | hidden max/median |\n"
                        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    int studied = 0;
    std::map<FfnKind, std::vector<double>> float_losses;  // RMSNorm runs: the spread between kinds
    double worst_change = 0;
    std::string worst_where = "none";
    for (size_t i = 0; i < g.runs.size(); i++) {
        const std::string csv = run_file(g.runs[i].dir, run_files::quant);
        if (!fs::exists(csv)) continue;
        studied++;
        const std::vector<QuantLoss> q = read_quant_csv(csv);
        const NormKind norm = g.data[i].config.model.norm;
        auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.kind == g.runs[i].kind && r.norm == norm; });
        if (it == rows.end()) it = rows.insert(rows.end(), Row{.kind = g.runs[i].kind, .norm = norm, .change = {}, .kurtosis = {}, .ratio = {}, .worst = {}});
        std::map<std::string, double> c;
        double float_loss = 0;
        const QuantLoss* worst = nullptr;
        for (const QuantLoss& r : q) {
            if (r.what == "float") float_loss = r.loss;
            if (r.what == "scheme") c[r.name] = r.change;
            if (r.what == "smooth") c["smooth"] = r.change;
            if (r.what == "matrix" && (!worst || r.change > worst->change)) worst = &r;
        }
        for (const auto& [name, v] : c) it->change[name].push_back(v);
        if (norm == NormKind::rmsnorm) float_losses[it->kind].push_back(float_loss);
        if (worst) it->worst.push_back(fmt::format("{} {:+.4f}", worst->name, worst->change));
        const HiddenTails h = hidden_tails(g.runs[i].activations);
        it->kurtosis.push_back(h.kurtosis);
        it->ratio.push_back(h.max_over_median);
        seeds += fmt::format("| {} | {} | {} | {:.4f} |", ffn_kind_name(it->kind), norm_kind_name(norm), g.runs[i].seed, float_loss);
        for (const char* s : {"w8", "w8-channel", "w8a8", "w8a8-token", "smooth"})
            seeds += c.contains(s) ? " " + signed4(c[s]) + " |" : std::string(" – |");
        seeds += fmt::format(" {:.1f} | {:.1f} |\n", h.kurtosis, h.max_over_median);
    }
    GLULAB_CHECK(studied > 0, "run `make results-quant` first", "no run under the int8 grids holds quant.csv");
    std::string t = "| kind | norm | runs | w8 | w8-channel | w8a8 | w8a8-token | smoothed w8a8 | hidden kurtosis | hidden max/median | most sensitive matrix (w8a8 alone) |\n"
                    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    std::vector<double> gated_w8a8, plain_w8a8, gated_kurt, plain_kurt, gated_token, plain_token;
    for (const Row& r : rows) {
        t += fmt::format("| {} | {} | {} |", ffn_kind_name(r.kind), norm_kind_name(r.norm), r.kurtosis.size());
        for (const char* s : {"w8", "w8-channel", "w8a8", "w8a8-token", "smooth"}) {
            const auto c = r.change.find(s);
            t += c == r.change.end() ? std::string(" – |") : " " + signed4(mean_of(c->second)) + " |";
        }
        t += fmt::format(" {:.1f} | {:.1f} | {} |\n", mean_of(r.kurtosis), mean_of(r.ratio), join(r.worst, "; "));
        for (const auto& [name, v] : r.change)
            if (mean_of(v) > worst_change) {
                worst_change = mean_of(v);
                worst_where = fmt::format("{} under {} ({})", ffn_kind_name(r.kind), name == "smooth" ? "smoothed w8a8" : name,
                                          norm_kind_name(r.norm));
            }
        if (r.norm != NormKind::rmsnorm) continue;
        const double w8a8 = r.change.contains("w8a8") ? mean_of(r.change.at("w8a8")) : 0;
        const double token = r.change.contains("w8a8-token") ? mean_of(r.change.at("w8a8-token")) : 0;
        (is_gated(r.kind) ? gated_w8a8 : plain_w8a8).push_back(w8a8);
        (is_gated(r.kind) ? gated_token : plain_token).push_back(token);
        (is_gated(r.kind) ? gated_kurt : plain_kurt).push_back(mean_of(r.kurtosis));
    }
    double best_float = 1e9, worst_float = 0;
    for (const auto& [kind, v] : float_losses) {
        best_float = std::min(best_float, mean_of(v));
        worst_float = std::max(worst_float, mean_of(v));
    }
    const std::string scale = fmt::format(
        "the largest mean cost of int8 is {:+.4f} nats ({}), against {:.4f} nats between the best and the worst kind in "
        "float32 on the same windows (RMSNorm runs).", worst_change, worst_where, worst_float - best_float);
    const LabGrid rms = filter(g, [](const RunResult&, const RunData& d) { return d.config.model.norm == NormKind::rmsnorm; });
    return fmt::format(
        fmt::runtime(templates::lab_quant), fmt::arg("today", today_utc()), fmt::arg("runs", studied), fmt::arg("table", t),
        fmt::arg("gated_w8a8", mean_of(gated_w8a8)), fmt::arg("plain_w8a8", mean_of(plain_w8a8)),
        fmt::arg("gated_token", mean_of(gated_token)), fmt::arg("plain_token", mean_of(plain_token)),
        fmt::arg("gated_kurt", mean_of(gated_kurt)), fmt::arg("plain_kurt", mean_of(plain_kurt)),
        fmt::arg("scale_sentence", scale),
        fmt::arg("figure", figure(rms.data, figs, "activations", "quant", "activation statistics over training")),
        fmt::arg("seed_table", "<details><summary>Every run (per seed)</summary>\n\n" + seeds + "\n</details>\n"));
}

// The page
// --------
namespace {
struct LabSectionSpec {
    const char* heading;  // the template's first line
    std::function<std::string(const std::string& root, const LabFigures&)> make;  // "" when not ready
};

std::string heading_of(std::string_view tmpl) {
    const std::string s(tmpl);
    return s.substr(0, s.find('\n'));
}

std::vector<LabSectionSpec> lab_specs() {
    auto grid = [](const std::string& root, std::initializer_list<const char*> names, int* open) {
        std::vector<std::string> dirs;
        for (const char* n : names) dirs.push_back((fs::path(root) / n).string());
        return read_lab_grid(dirs, open);
    };
    // A grid is ready when it has runs and none unfinished.
    auto ready = [](const LabGrid& g, int open) { return !g.runs.empty() && open == 0; };
    return {
        {"lr", [=](const std::string& root, const LabFigures& f) {
             int open = 0;
             const LabGrid g = grid(root, {"results-lr", "results-lr-more"}, &open);
             return ready(g, open) ? lr_section(g, f) : "";
         }},
        {"warmup", [=](const std::string& root, const LabFigures& f) {
             int open = 0;
             const LabGrid g = grid(root, {"results-warmup"}, &open);
             return ready(g, open) ? warmup_section(g, f) : "";
         }},
        {"dff", [=](const std::string& root, const LabFigures& f) {
             int open = 0, open_m = 0;
             const LabGrid g = grid(root, {"results-dff"}, &open);
             const LabGrid m = grid(root, {"results-lr", "results-lr-more"}, &open_m);
             return ready(g, open) ? dff_section(g, m, f) : "";
         }},
        {"long", [=](const std::string& root, const LabFigures& f) {
             int open = 0;
             const LabGrid g = grid(root, {"results-long/relu", "results-long/gelu", "results-long/swiglu"}, &open);
             return ready(g, open) ? long_section(g, f) : "";
         }},
        {"quant", [=](const std::string& root, const LabFigures& f) {
             int open = 0;
             const LabGrid g = grid(root, {"results", "layernorm"}, &open);
             const bool any = std::any_of(g.runs.begin(), g.runs.end(), [](const RunResult& r) {
                 return fs::exists(run_file(r.dir, run_files::quant));
             });
             return ready(g, open) && any ? quant_section(g, f) : "";
         }},
    };
}

const std::vector<std::string_view>& lab_templates() {
    static const std::vector<std::string_view> t = {templates::lab_lr, templates::lab_warmup, templates::lab_dff,
                                               templates::lab_long, templates::lab_quant};
    return t;
}
}  // namespace

std::vector<std::string> write_lab_sections(const std::string& page, const std::string& runs_root,
                                            const std::function<void(const std::string&)>& log) {
    GLULAB_CHECK(fs::exists(page), "run `make results` first: it writes the page", "{} does not exist", page);
    GLULAB_CHECK(fs::is_directory(runs_root), "give the RUNS folder of the results targets",
                 "{} does not exist or is not a directory", runs_root);
    std::string md = read_text_file(page);
    const fs::path fig_dir = fs::path(page).parent_path() / "results";
    const LabFigures figs{.dir = fig_dir.string(), .prefix = "results/"};
    const std::vector<LabSectionSpec> specs = lab_specs();
    std::vector<std::string> written;
    for (size_t i = 0; i < specs.size(); i++) {
        const std::string heading = heading_of(lab_templates()[i]);
        std::string section = specs[i].make(runs_root, figs);
        if (section.empty()) {
            if (log) log(fmt::format("{}: its grid is missing or unfinished under {}; the page keeps what it had", heading, runs_root));
            continue;
        }
        if (!section.ends_with("\n")) section += "\n";
        const auto [begin, end] = page_section(md, heading);
        if (begin != std::string::npos) {
            md.replace(begin, end - begin, section + (end < md.size() ? "\n" : ""));
        } else {
            // After the lab sections that come before it, else at the end.
            size_t at = md.size();
            for (size_t j = i + 1; j < specs.size(); j++) {
                const size_t next = page_section(md, heading_of(lab_templates()[j])).first;
                if (next != std::string::npos) {
                    at = next;
                    break;
                }
            }
            if (at == md.size() && !md.ends_with("\n\n")) md += "\n";
            md.insert(at, section + (at < md.size() ? "\n" : ""));
        }
        if (log) log(fmt::format("{}: written", heading));
    }
    write_text_file(page, md);
    written.push_back(page);
    return written;
}

std::string kept_lab_sections(const std::string& page) {
    if (!fs::exists(page)) return "";
    const std::string md = read_text_file(page);
    std::string kept;
    for (std::string_view t : lab_templates()) {
        const auto [begin, end] = page_section(md, heading_of(t));
        if (begin == std::string::npos) continue;
        std::string s = md.substr(begin, end - begin);
        if (!s.ends_with("\n\n")) s += "\n";
        kept += s;
    }
    return kept.empty() ? "" : "\n" + kept;  // the page's last paragraph, then a blank line
}

}  // namespace glulab
