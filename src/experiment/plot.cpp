// plot.cpp — reading runs back, and the pictures of a comparison (plot.hpp). Drawing a chart,
// as ASCII or through gnuplot, is chart.cpp's.
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/plot.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/experiment/stability.hpp"
#include "glulab/platform/files.hpp"

#include <fmt/core.h>


#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

namespace glulab {

namespace fs = std::filesystem;


// Reading runs
// ------------

RunData load_run(const std::string& dir) {
    const fs::path d(dir);
    GLULAB_CHECK(fs::is_directory(d), "give a run directory (with metrics.csv) or a compare directory",
                 "{} does not exist or is not a directory", dir);
    RunData run;
    run.dir = dir;
    run.metrics = read_metrics_csv(run_file(dir, run_files::metrics));
    run.label = d.lexically_normal().filename().string();
    if (run.label.empty()) run.label = d.lexically_normal().parent_path().filename().string();
    if (holds_run(dir)) {
        run.config = load_train_config(dir);  // names config.json and what is wrong in it
        run.has_config = true;
        run.label = std::string(ffn_kind_name(run.config.model.ffn));
    }
    run.diverged = run_diverged(dir);
    if (run.diverged) run.label += " (diverged)";  // its own curve, up to its last finite loss
    run.gates = read_run_gates(dir);
    run.steps = read_run_steps(dir);
    run.stability = read_run_stability(dir);
    run.activations = read_run_activations(dir);
    return run;
}

std::vector<RunData> load_runs(const std::vector<std::string>& dirs) {
    std::vector<RunData> runs;
    for (const std::string& dir : list_run_dirs(dirs)) runs.push_back(load_run(dir));
    return runs;
}

// Runs are grouped by their config.json with the seed left out: same settings, other seed.
std::vector<RunGroup> group_runs(const std::vector<RunData>& runs) {
    std::vector<RunGroup> groups;
    std::vector<std::string> keys;
    for (const RunData& run : runs) {
        std::string key = run.label + "\n" + run.dir;
        if (run.has_config) {
            TrainConfig c = run.config;
            c.seed = 0;
            key = run.label + "\n" + train_config_to_json(c);
        }
        auto it = std::find(keys.begin(), keys.end(), key);
        if (it == keys.end()) {
            keys.push_back(key);
            groups.push_back({run.label, {}});
            it = keys.end() - 1;
        }
        groups[static_cast<size_t>(it - keys.begin())].runs.push_back(&run);
    }
    // Two groups with one label (same kind, other settings): name each by the learning rate or
    // warmup it differs in (a sweep), else by its first run.
    for (RunGroup& g : groups) {
        const RunData& a = *g.runs[0];
        bool same = false, lr = false, warmup = false;
        for (const RunGroup& o : groups) {
            const RunData& b = *o.runs[0];
            if (&o == &g || b.label != a.label) continue;
            same = true;
            lr = lr || (a.has_config && b.has_config && a.config.optim.lr != b.config.optim.lr);
            warmup = warmup || (a.has_config && b.has_config && a.config.optim.warmup != b.config.optim.warmup);
        }
        if (lr) g.label += fmt::format(" lr {:g}", a.config.optim.lr);
        if (warmup) g.label += fmt::format(" w {}", a.config.optim.warmup);
        if (same && !lr && !warmup) g.label = fmt::format("{} ({})", a.label, a.dir);
    }
    return groups;
}

// write_plots
// -----------

namespace {

// A kind's colour is the same on every picture: the palette entry of its place in all_ffn_kinds.
std::string kind_color(const std::string& label, size_t fallback) {
    const auto kinds = all_ffn_kinds();
    for (size_t i = 0; i < kinds.size(); i++) {
        const std::string_view name = ffn_kind_name(kinds[i]);
        if (label == name || label.starts_with(std::string(name) + " ")) return kPalette[i];
    }
    return kPalette[(8 + fallback) % kPalette.size()];
}

// One group's line: at each x, the mean over its runs of the values `values(run)` gives there
// (pairs of x and y), with the lowest and highest run as the band when there are several.
template <class Values>
Series mean_series(const RunGroup& g, std::string name, std::string color, Values values) {
    std::map<double, std::vector<double>> at;
    for (const RunData* r : g.runs)
        for (const auto& [x, y] : values(*r)) at[x].push_back(y);
    Series s{.name = std::move(name), .color = std::move(color)};
    for (const auto& [x, v] : at) {
        double sum = 0;
        for (double y : v) sum += y;
        s.x.push_back(x);
        s.y.push_back(sum / static_cast<double>(v.size()));
        if (g.runs.size() > 1) {
            s.lo.push_back(*std::min_element(v.begin(), v.end()));
            s.hi.push_back(*std::max_element(v.begin(), v.end()));
        }
    }
    return s;
}

// A group's name in a legend: "swiglu (3 seeds)" for several runs.
std::string legend_name(const RunGroup& g) {
    return g.runs.size() > 1 ? fmt::format("{} ({} seeds)", g.label, g.runs.size()) : g.label;
}

// One line per group (a colour per kind), mean over seeds with their band, of `values(run)`.
template <class Values>
Chart per_group_chart(Chart c, const std::vector<RunGroup>& groups, Values values) {
    std::vector<std::string> used;
    for (size_t gi = 0; gi < groups.size(); gi++) {
        const RunGroup& g = groups[gi];
        std::string color = kind_color(g.label, gi);
        if (std::find(used.begin(), used.end(), color) != used.end()) color = kPalette[(8 + gi) % kPalette.size()];
        Series s = mean_series(g, legend_name(g), color, values);
        if (s.x.empty()) continue;  // e.g. a run that diverged before its first evaluation: no curve
        used.push_back(color);
        c.series.push_back(std::move(s));
    }
    return c;
}

bool any_seeds(const std::vector<RunGroup>& groups) {
    return std::any_of(groups.begin(), groups.end(), [](const RunGroup& g) { return g.runs.size() > 1; });
}

// Per group: mean over its runs at each step, with the lowest and highest run as the band.
Chart loss_chart(const std::vector<RunGroup>& groups, bool val) {
    Chart c{.title = std::string(val ? "Validation" : "Training") + " loss" +
                     (any_seeds(groups) ? ", mean over seeds (band: lowest to highest seed)" : ""),
            .xlabel = "step",
            .ylabel = "loss (nats per character)"};
    return per_group_chart(c, groups, [val](const RunData& r) {
        std::vector<std::pair<double, double>> xy;
        for (const MetricRow& m : r.metrics) xy.emplace_back(m.step, val ? m.val_loss : m.train_loss);
        return xy;
    });
}

// The four panels of stability.png (plot.hpp), from stability.csv and steps.csv.
std::vector<Chart> stability_panels(const std::vector<RunGroup>& groups) {
    const std::string seeds = any_seeds(groups) ? ", mean over seeds" : "";
    // stability.csv's rows of one evaluation: the largest of its layers' values, and the
    // model-wide column (the same on each of its rows).
    auto per_eval = [](const RunData& r, double StabilityRow::*field, bool max_over_layers) {
        std::map<int, double> at;
        for (const StabilityRow& row : r.stability)
            at[row.step] = max_over_layers && at.contains(row.step) ? std::max(at[row.step], row.*field) : row.*field;
        return std::vector<std::pair<double, double>>(at.begin(), at.end());
    };
    std::vector<Chart> panels;
    panels.push_back(per_group_chart(
        Chart{.title = "Largest attention logit |q.k|/sqrt(HS), max over layers and heads" + seeds,
              .xlabel = "step", .ylabel = "logit"},
        groups, [&](const RunData& r) { return per_eval(r, &StabilityRow::attn_logit_max, true); }));
    Chart head = per_group_chart(Chart{.title = "Output head: mean log Z (solid) and largest |logit| (dashed)" + seeds,
                                       .xlabel = "step", .ylabel = "nats / logit"},
                                 groups, [&](const RunData& r) { return per_eval(r, &StabilityRow::log_z_mean, false); });
    Chart logit = per_group_chart(Chart{}, groups, [&](const RunData& r) { return per_eval(r, &StabilityRow::logit_max, false); });
    for (Series& s : logit.series) {
        s.name += " max |logit|";
        s.dash = 2;
        head.series.push_back(std::move(s));
    }
    panels.push_back(std::move(head));
    panels.push_back(per_group_chart(
        Chart{.title = "Gradient norm before clipping, every 10th step" + seeds, .xlabel = "step", .ylabel = "norm"},
        groups, [](const RunData& r) {
            std::vector<std::pair<double, double>> xy;
            for (const StepRow& s : r.steps)
                if (s.step % 10 == 0) xy.emplace_back(s.step, s.grad_norm);
            return xy;
        }));
    panels.push_back(per_group_chart(
        Chart{.title = fmt::format("Loss spikes so far (a step's loss above {}x the running minimum of the smoothed "
                                   "loss, after warmup)", kSpikeFactor) + seeds,
              .xlabel = "step", .ylabel = "spikes"},
        groups, [&](const RunData& r) {
            std::map<int, double> at;
            for (const StabilityRow& row : r.stability) at[row.step] = row.loss_spikes;
            return std::vector<std::pair<double, double>>(at.begin(), at.end());
        }));
    return panels;
}

// The four panels of activations.png (plot.hpp), from activations.csv.
std::vector<Chart> activation_panels(const std::vector<RunGroup>& groups) {
    const std::string seeds = any_seeds(groups) ? ", mean over seeds" : "";
    // Per evaluation, the largest value of `field` over the layers at `site`.
    auto largest = [](const RunData& r, ActSite site, double ActivationRow::*field) {
        std::map<int, double> at;
        for (const ActivationRow& a : r.activations)
            if (a.site == static_cast<int>(site)) at[a.step] = std::max(at[a.step], a.*field);
        return std::vector<std::pair<double, double>>(at.begin(), at.end());
    };
    std::vector<Chart> panels;
    panels.push_back(per_group_chart(
        Chart{.title = "FFN hidden vector: excess kurtosis (0 for a Gaussian), largest over layers" + seeds,
              .xlabel = "step", .ylabel = "kurtosis"},
        groups, [&](const RunData& r) { return largest(r, ActSite::hidden, &ActivationRow::kurtosis); }));
    panels.push_back(per_group_chart(
        Chart{.title = "FFN hidden vector: max |x| / median |x|, largest over layers" + seeds, .xlabel = "step",
              .ylabel = "ratio"},
        groups, [&](const RunData& r) { return largest(r, ActSite::hidden, &ActivationRow::max_over_median); }));
    panels.push_back(per_group_chart(
        Chart{.title = "Residual stream after each block: max |x| / median |x|, largest over layers" + seeds,
              .xlabel = "step", .ylabel = "ratio"},
        groups, [&](const RunData& r) { return largest(r, ActSite::residual, &ActivationRow::max_over_median); }));
    std::vector<RunGroup> first_seeds;  // a channel is one run's: no mean over seeds
    for (const RunGroup& g : groups) first_seeds.push_back({g.label, {g.runs.front()}});
    panels.push_back(per_group_chart(
        Chart{.title = "The channel of the residual stream's largest |x| in the last layer (each kind's first seed)",
              .xlabel = "step", .ylabel = "channel"},
        first_seeds, [](const RunData& r) {
            std::vector<std::pair<double, double>> xy;
            int last_layer = 0;
            for (const ActivationRow& a : r.activations) last_layer = std::max(last_layer, a.layer);
            for (const ActivationRow& a : r.activations)
                if (a.layer == last_layer && a.site == static_cast<int>(ActSite::residual))
                    xy.emplace_back(a.step, a.max_channel);
            return xy;
        }));
    return panels;
}

// Whether the runs differ in learning rate (a sweep).
bool runs_differ_in_lr(const std::vector<RunData>& runs) {
    for (const RunData& r : runs)
        if (r.has_config && runs.front().has_config && r.config.optim.lr != runs.front().config.optim.lr) return true;
    return false;
}

// lr_sweep.png: per kind (and warmup), the final validation loss against the rate, mean over
// seeds with their band; a diverged run counts at ln V and is named in the legend.
Chart lr_sweep_chart(const std::vector<RunData>& runs) {
    Chart c{.title = "Final validation loss against the peak rate (band: seeds; a diverged run counts as ln V)",
            .xlabel = "peak learning rate (log scale)",
            .ylabel = "final validation loss",
            .log_x = true};
    // A group per kind and warmup: the runs of a sweep that differ only in rate and seed.
    std::vector<RunGroup> lines;
    for (const RunData& r : runs) {
        if (!r.has_config) continue;
        const std::string label = fmt::format("{} w {}", ffn_kind_name(r.config.model.ffn), r.config.optim.warmup);
        auto it = std::find_if(lines.begin(), lines.end(), [&](const RunGroup& g) { return g.label == label; });
        if (it == lines.end()) {
            lines.push_back({label, {}});
            it = lines.end() - 1;
        }
        it->runs.push_back(&r);
    }
    bool warmups_differ = false;
    for (const RunData& r : runs)
        warmups_differ = warmups_differ || (r.has_config && r.config.optim.warmup != runs.front().config.optim.warmup);
    for (size_t gi = 0; gi < lines.size(); gi++) {
        RunGroup& g = lines[gi];
        int diverged = 0;
        for (const RunData* r : g.runs) diverged += r->diverged;
        const std::string kind(ffn_kind_name(g.runs[0]->config.model.ffn));
        std::string name = warmups_differ ? g.label : kind;
        if (diverged > 0) name += fmt::format(" ({} diverged)", diverged);
        Series s = mean_series(g, name, kind_color(kind, gi), [](const RunData& r) {
            const double loss = r.diverged || r.metrics.empty() ? std::log(r.config.model.vocab_size)
                                                                : r.metrics.back().val_loss;
            return std::vector<std::pair<double, double>>{{r.config.optim.lr, loss}};
        });
        // The band of mean_series is over all runs at a rate: several seeds of one kind.
        if (warmups_differ && g.runs[0]->config.optim.warmup == 0) s.dash = 2;
        c.series.push_back(std::move(s));
    }
    return c;
}

int layer_count(const RunGroup& g) {
    int layers = 0;
    for (const RunData* r : g.runs)
        for (const GateRow& row : r->gates) layers = std::max(layers, row.layer + 1);
    return layers;
}

// Fraction of act(gate) near zero, one line per gated group and layer (dash = layer), seed mean.
Chart gates_chart(const std::vector<RunGroup>& groups) {
    Chart c{.title = fmt::format("Gates: fraction of act(gate) with |a| < {} (closed units), seed mean",
                                 GateLayerStats::kNearZero),
            .xlabel = "step",
            .ylabel = "fraction near zero",
            .yrange = "[0:1]"};
    for (size_t gi = 0; gi < groups.size(); gi++) {
        const RunGroup& g = groups[gi];
        for (int l = 0; l < layer_count(g); l++) {
            std::map<int, std::pair<double, int>> at;  // step -> (sum, count)
            for (const RunData* r : g.runs)
                for (const GateRow& row : r->gates)
                    if (row.layer == l) at[row.step].first += row.near_zero, at[row.step].second++;
            Series s{.name = fmt::format("{} L{}", g.label, l), .color = kind_color(g.label, gi), .dash = 1 + l % 5};
            for (const auto& [step, sc] : at) {
                s.x.push_back(step);
                s.y.push_back(sc.first / sc.second);
            }
            c.series.push_back(std::move(s));
        }
    }
    return c;
}

// One panel per layer: each gated group's histogram of act(gate) at its runs' last evaluation.
std::vector<Chart> gates_hist_panels(const std::vector<RunGroup>& groups) {
    int layers = 0;
    for (const RunGroup& g : groups) layers = std::max(layers, layer_count(g));
    const double width = (GateLayerStats::kHi - GateLayerStats::kLo) / GateLayerStats::kBins;
    std::vector<Chart> panels;
    for (int l = 0; l < layers; l++) {
        Chart c{.title = fmt::format("Layer {}: histogram of act(gate) at the last evaluation (seed mean; "
                                     "the end bins hold everything beyond [{}, {}))",
                                     l, GateLayerStats::kLo, GateLayerStats::kHi),
                .xlabel = "act(gate)",
                .ylabel = "fraction",
                .yrange = "[0:*]",
                .steps = true};
        for (size_t gi = 0; gi < groups.size(); gi++) {
            std::array<double, GateLayerStats::kBins> mean{};
            int n = 0;
            for (const RunData* r : groups[gi].runs) {
                const GateRow* last = nullptr;
                for (const GateRow& row : r->gates)
                    if (row.layer == l && (!last || row.step >= last->step)) last = &row;
                if (!last) continue;
                for (size_t b = 0; b < mean.size(); b++) mean[b] += last->bins[b];
                n++;
            }
            if (n == 0) continue;
            Series s{.name = groups[gi].label, .color = kind_color(groups[gi].label, gi)};
            for (size_t b = 0; b < mean.size(); b++) {
                s.x.push_back(GateLayerStats::kLo + (static_cast<double>(b) + 0.5) * width);
                s.y.push_back(mean[b] / n);
            }
            c.series.push_back(std::move(s));
        }
        panels.push_back(std::move(c));
    }
    return panels;
}

}  // namespace

std::string gnuplot_install_note(const std::string& redraw_command) {
    return fmt::format("gnuplot is not installed (not found on PATH), so these are ASCII charts. For PNG and SVG\n"
                       "pictures: `sudo apt-get install gnuplot-nox` (or `make deps-plot`), then `{}`.\n",
                       redraw_command);
}

PlotReport write_plots(const std::vector<RunData>& runs, const std::string& out_dir, const PlotOptions& options) {
    GLULAB_CHECK(!runs.empty(), "give at least one run directory", "no runs to plot");
    const std::vector<RunGroup> groups = group_runs(runs);
    std::vector<RunGroup> gated;
    for (const RunGroup& g : groups)
        if (layer_count(g) > 0) gated.push_back(g);

    PlotReport report;
    const std::string gnuplot = options.use_gnuplot ? find_gnuplot() : "";
    const bool sweep = runs_differ_in_lr(runs);
    const bool telemetry = std::any_of(runs.begin(), runs.end(), [](const RunData& r) { return !r.stability.empty(); });
    if (gnuplot.empty()) {
        report.ascii = ascii_chart(loss_chart(groups, true), options.ascii_width, options.ascii_height);
        if (!gated.empty())
            report.ascii += "\n" + ascii_chart(gates_chart(gated), options.ascii_width, options.ascii_height);
        if (telemetry)  // the first panel of stability.png: the largest attention logit
            report.ascii += "\n" + ascii_chart(stability_panels(groups).front(), options.ascii_width, options.ascii_height);
        if (sweep) report.ascii += "\n" + ascii_chart(lr_sweep_chart(runs), options.ascii_width, options.ascii_height);
        return report;
    }
    const fs::path dir(out_dir);
    auto draw = [&](const std::vector<Chart>& panels, const std::string& name) {
        if (!options.only.empty() && std::find(options.only.begin(), options.only.end(), name) == options.only.end())
            return;
        const std::string base = options.prefix + name;
        draw_gnuplot(panels, (dir / base).string(), gnuplot);
        for (const char* ext : {".png", ".svg"}) report.files.push_back((dir / (base + ext)).string());
    };
    if (!loss_chart(groups, true).series.empty()) {  // every run may have diverged at once
        draw({loss_chart(groups, true)}, "loss_val");
        draw({loss_chart(groups, false)}, "loss_train");
    }
    if (!gated.empty()) {
        draw({gates_chart(gated)}, "gates");
        draw(gates_hist_panels(gated), "gates_hist");
    }
    if (telemetry) draw(stability_panels(groups), "stability");
    if (std::any_of(runs.begin(), runs.end(), [](const RunData& r) { return !r.activations.empty(); }))
        draw(activation_panels(groups), "activations");
    if (sweep) draw({lr_sweep_chart(runs)}, "lr_sweep");
    report.drawn = true;
    return report;
}

}  // namespace glulab
