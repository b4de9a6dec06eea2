// summary.cpp — a comparison's numbers: each kind's spread over seeds, the CSV files, the table
// and the verdict (compare.hpp). compare.cpp runs the grid that produces them.
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/compare.hpp"

#include "glulab/platform/format.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace glulab {

// Summaries
// ---------

Stat stat_of(std::span<const double> values) {
    Stat s;
    s.n = static_cast<int>(values.size());
    if (values.empty()) return s;
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    for (double v : values) s.mean += v;
    s.mean /= s.n;
    if (s.n > 1) {
        double ss = 0;
        for (double v : values) ss += (v - s.mean) * (v - s.mean);
        s.std = std::sqrt(ss / (s.n - 1));
    }
    return s;
}

namespace {
// A run's group: its kind at its sweep point.
bool same_group(const RunResult& r, FfnKind kind, SweepPoint at) {
    return r.kind == kind && r.at.lr == at.lr && r.at.warmup == at.warmup;
}
// The groups of `runs` (kind and sweep point) in the order they first appear.
std::vector<std::pair<FfnKind, SweepPoint>> groups_in_order(const std::vector<RunResult>& runs) {
    std::vector<std::pair<FfnKind, SweepPoint>> groups;
    for (const RunResult& r : runs)
        if (std::none_of(groups.begin(), groups.end(), [&](const auto& g) { return same_group(r, g.first, g.second); }))
            groups.emplace_back(r.kind, r.at);
    return groups;
}
// Whether the rows differ in learning rate, or in warmup (then the tables show that column).
bool rows_differ(const std::vector<KindSummary>& kinds, bool in_lr) {
    for (const KindSummary& k : kinds)
        if (in_lr ? k.at.lr != kinds.front().at.lr : k.at.warmup != kinds.front().at.warmup) return true;
    return false;
}
}  // namespace

std::vector<KindSummary> summarize_kinds(const std::vector<RunResult>& runs) {
    std::vector<KindSummary> out;
    for (const auto& [kind, at] : groups_in_order(runs)) {
        KindSummary k{.kind = kind, .at = at};
        std::vector<double> train, val, best, test;
        for (const RunResult& r : runs) {
            if (!same_group(r, kind, at)) continue;
            if (r.summary.diverged) {  // its losses are not numbers to average
                k.diverged++;
                continue;
            }
            const TrainSummary& s = r.summary;
            k.d_ff = s.d_ff;
            k.ffn_params = s.ffn_params;
            k.total_params = s.total_params;
            train.push_back(s.final_train_loss);
            val.push_back(s.final_val_loss);
            best.push_back(s.best_val_loss);
            if (s.test_loss > 0) test.push_back(s.test_loss);
            k.ms_per_step += s.ms_per_step;
            k.tokens_per_s += s.tokens_per_s;
            k.seeds++;
        }
        k.final_train = stat_of(train);
        k.final_val = stat_of(val);
        k.best_val = stat_of(best);
        k.test = stat_of(test);
        if (k.seeds > 0) {
            k.ms_per_step /= k.seeds;
            k.tokens_per_s /= k.seeds;
        }
        out.push_back(k);
    }
    return out;
}

std::string curves_csv(const std::vector<RunResult>& runs) {
    std::string csv = "kind,lr,warmup,seed,step,train_loss,val_loss\n";
    for (const auto& [kind, at] : groups_in_order(runs))
        for (const RunResult& r : runs)
            if (same_group(r, kind, at))
                for (const MetricRow& m : r.metrics)
                    csv += fmt::format("{},{:g},{},{},{},{:.6f},{:.6f}\n", ffn_kind_name(kind), at.lr, at.warmup,
                                       r.seed, m.step, m.train_loss, m.val_loss);
    return csv;
}

std::string summary_csv(const std::vector<KindSummary>& kinds) {
    std::string csv = "kind,lr,warmup,seeds,diverged,d_ff,ffn_params,total_params,final_train_mean,final_train_std,"
                      "final_val_mean,final_val_std,final_val_min,final_val_max,best_val_mean,test_mean,test_std,"
                      "ms_per_step,tokens_per_s\n";
    for (const KindSummary& k : kinds)
        csv += fmt::format("{},{:g},{},{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},"
                           "{:.3f},{:.1f}\n",
                           ffn_kind_name(k.kind), k.at.lr, k.at.warmup, k.seeds, k.diverged, k.d_ff, k.ffn_params,
                           k.total_params, k.final_train.mean, k.final_train.std, k.final_val.mean, k.final_val.std,
                           k.final_val.min, k.final_val.max, k.best_val.mean, k.test.mean, k.test.std,
                           k.ms_per_step, k.tokens_per_s);
    return csv;
}

HiddenTails hidden_tails(const std::vector<ActivationRow>& rows) {
    HiddenTails t;
    const int last = rows.empty() ? 0 : rows.back().step;
    for (const ActivationRow& a : rows)
        if (a.step == last && a.site == static_cast<int>(ActSite::hidden)) {
            t.known = true;
            t.kurtosis = std::max(t.kurtosis, a.kurtosis);
            t.max_over_median = std::max(t.max_over_median, a.max_over_median);
        }
    return t;
}

std::string runs_csv(const std::vector<RunResult>& runs) {
    std::string csv = "kind,lr,warmup,seed,steps_done,diverged,final_train,final_val,best_val,test,"
                      "hidden_kurtosis,hidden_max_over_median\n";
    for (const RunResult& r : runs) {
        const TrainSummary& s = r.summary;
        const std::string losses =
            s.diverged ? ",,," : fmt::format("{:.6f},{:.6f},{:.6f},{}", s.final_train_loss, s.final_val_loss,
                                             s.best_val_loss, s.test_loss > 0 ? fmt::format("{:.6f}", s.test_loss) : "");
        const HiddenTails h = hidden_tails(r.activations);
        const std::string tails = h.known ? fmt::format("{:.4g},{:.4g}", h.kurtosis, h.max_over_median) : ",";
        csv += fmt::format("{},{:g},{},{},{},{},{},{}\n", ffn_kind_name(r.kind), r.at.lr, r.at.warmup, r.seed,
                           s.steps_done, s.diverged ? 1 : 0, losses, tails);
    }
    return csv;
}

// A row's name in the tables: the kind, and its rate and warmup where the rows differ in them.
std::string group_label(const KindSummary& k, const std::vector<KindSummary>& all) {
    std::string label(ffn_kind_name(k.kind));
    if (rows_differ(all, true)) label += fmt::format(" lr {:g}", k.at.lr);
    if (rows_differ(all, false)) label += fmt::format(" w {}", k.at.warmup);
    return label;
}

// "1.2345 ± 0.0123" ("1.2345 ± -" for one seed) right-aligned in `width` columns ("±" is two
// bytes but one column).
std::string mean_pm_std(const Stat& s, size_t width) {
    const std::string text = s.n > 1 ? fmt::format("{:.4f} ± {:.4f}", s.mean, s.std) : fmt::format("{:.4f} ± -", s.mean);
    const size_t columns = text.size() - 1;
    return std::string(columns < width ? width - columns : 0, ' ') + text;
}

std::string format_compare_table(const std::vector<KindSummary>& kinds) {
    int seeds = 0;
    size_t w = 9;  // the first column's width
    for (const KindSummary& k : kinds) {
        seeds = std::max(seeds, k.seeds);
        w = std::max(w, group_label(k, kinds).size());
    }
    std::string t = fmt::format("{:<{}} {:>5} {:>11} {:>13} {:>17} {:>17} {:>9} {:>8} {:>9}\n", "kind", w, "d_ff",
                                "FFN params", "total params", "final train", "final val", "best val",
                                "ms/step", "tokens/s");
    for (const KindSummary& k : kinds) {
        if (k.seeds == 0) {  // every seed diverged
            t += fmt::format("{:<{}} diverged ({} of {} seeds): no losses to compare\n", group_label(k, kinds), w,
                             k.diverged, k.diverged);
            continue;
        }
        t += fmt::format("{:<{}} {:>5} {:>11} {:>13} {} {} {:>9.4f} {:>8.1f} {:>9}\n", group_label(k, kinds), w, k.d_ff,
                         with_commas(k.ffn_params), with_commas(k.total_params), mean_pm_std(k.final_train, 17),
                         mean_pm_std(k.final_val, 17), k.best_val.mean, k.ms_per_step,
                         with_commas(std::llround(k.tokens_per_s)));
    }
    for (const KindSummary& k : kinds)
        if (k.diverged > 0 && k.seeds > 0)
            t += fmt::format("{}: {} of {} seeds diverged (loss not finite); the row is over the other {}\n",
                             group_label(k, kinds), k.diverged, k.diverged + k.seeds, k.seeds);
    t += seeds > 1 ? fmt::format("losses: mean ± std over {} seeds (sample std); best val: each run's lowest "
                                 "val loss, mean over seeds\n", seeds)
                   : "losses of one seed (no spread: run with --seeds 3 for mean ± std); best val: the lowest val "
                     "loss\n";
    return t;
}

// The verdict
// -----------

bool kinds_differ(const KindSummary& a, const KindSummary& b, LossOf metric) {
    const Stat &x = a.*metric, &y = b.*metric;
    if (x.n < 2 || y.n < 2) return false;  // no spread to judge against
    return std::fabs(x.mean - y.mean) > std::max(x.range(), y.range());
}

std::string verdict(const std::vector<KindSummary>& kinds_in, LossOf metric, std::string_view metric_name) {
    std::vector<KindSummary> kinds;
    for (const KindSummary& k : kinds_in)
        if ((k.*metric).n > 0) kinds.push_back(k);  // a kind whose every seed diverged has no mean
    if (kinds.empty()) return kinds_in.empty() ? "Verdict: no runs.\n" : "Verdict: every run diverged.\n";
    std::stable_sort(kinds.begin(), kinds.end(), [metric](const KindSummary& a, const KindSummary& b) {
        return (a.*metric).mean < (b.*metric).mean;
    });
    const KindSummary& best = kinds.front();
    auto name = [](const KindSummary& k) { return std::string(ffn_kind_name(k.kind)); };
    const size_t width = 92;

    std::string out = wrap(fmt::format("Verdict, on the {}. Rule: two kinds differ when their means are further "
                                       "apart than the larger of their two seed ranges (max - min over seeds).",
                                       metric_name),
                           width, "");
    std::string ranking = "Ranking by mean:";
    for (size_t i = 0; i < kinds.size(); i++)
        ranking += fmt::format("{} {} {:.4f}", i ? " <" : "", name(kinds[i]), (kinds[i].*metric).mean);
    ranking += ".";
    bool one_seed = false;
    for (const KindSummary& k : kinds) one_seed = one_seed || (k.*metric).n < 2;
    if (one_seed)
        return out + wrap(fmt::format("Best: {} ({:.4f}). With a single seed there is no seed spread to judge "
                                      "differences by, so this ranking is not evidence yet: run again with "
                                      "--seeds 3.", name(best), (best.*metric).mean), width, "  ") +
               wrap(ranking, width, "  ");

    std::vector<std::string> differ, ties;
    size_t pairs = 0;
    for (size_t i = 0; i < kinds.size(); i++)
        for (size_t j = i + 1; j < kinds.size(); j++, pairs++)
            if (kinds_differ(kinds[i], kinds[j], metric))
                differ.push_back(fmt::format("{} < {} by {:.4f}", name(kinds[i]), name(kinds[j]),
                                             (kinds[j].*metric).mean - (kinds[i].*metric).mean));
            else if (i == 0)
                ties.push_back(fmt::format("{} (+{:.4f}; ranges {:.4f}, {:.4f})", name(kinds[j]),
                                           (kinds[j].*metric).mean - (best.*metric).mean, (best.*metric).range(),
                                           (kinds[j].*metric).range()));
    std::string best_line = fmt::format("Best: {} ({:.4f} ± {:.4f} over {} seeds).", name(best),
                                        (best.*metric).mean, (best.*metric).std, (best.*metric).n);
    if (kinds.size() > 1)
        best_line += ties.empty() ? " It beats every other kind beyond the seed spread."
                                  : fmt::format(" Not told apart from it (within the seed spread): {}.",
                                                join(ties, "; "));
    out += wrap(best_line, width, "  ");
    if (pairs > 0 && differ.empty())
        out += wrap("No two kinds differ beyond the seed spread; more steps or more seeds may separate them.",
                    width, "  ");
    else if (differ.size() == pairs && pairs > 0)
        out += wrap("Every pair differs beyond the seed spread: " + join(differ, "; ") + ".", width, "  ");
    else if (!differ.empty())
        out += wrap(fmt::format("Differ beyond the seed spread: {}. The other {} pair{} within it.",
                                join(differ, "; "), pairs - differ.size(),
                                pairs - differ.size() == 1 ? " is" : "s are"), width, "  ");
    return out + wrap(ranking, width, "  ");
}

}  // namespace glulab
