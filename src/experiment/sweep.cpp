// sweep.cpp — each kind's learning rate chosen on the validation loss, reported on the test
// loss, and its LR sensitivity (sweep.hpp).
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/sweep.hpp"

#include "glulab/platform/format.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace glulab {

// For each kind and warmup (in the order they first appear): its groups over the rates; the
// chosen one has the lowest mean final validation loss among those with a seed left; the
// sensitivity averages min(loss(lr), loss_init) over every rate, a rate's diverged seeds
// counting as loss_init in its mean.
std::vector<LrChoice> choose_learning_rates(const std::vector<KindSummary>& groups, double loss_init) {
    std::vector<LrChoice> out;
    for (const KindSummary& g : groups) {
        if (std::any_of(out.begin(), out.end(),
                        [&](const LrChoice& c) { return c.kind == g.kind && c.warmup == g.at.warmup; }))
            continue;
        LrChoice c{.kind = g.kind, .warmup = g.at.warmup};
        std::vector<double> losses;  // loss(lr) per rate, capped at loss_init
        bool chosen = false;
        for (const KindSummary& k : groups) {
            if (k.kind != g.kind || k.at.warmup != g.at.warmup) continue;
            c.diverged += k.diverged;
            c.runs += k.seeds + k.diverged;
            const int n = k.seeds + k.diverged;
            const double mean = n > 0 ? (k.final_val.mean * k.seeds + loss_init * k.diverged) / n : loss_init;
            losses.push_back(std::min(mean, loss_init));
            if (k.seeds > 0 && (!chosen || k.final_val.mean < c.best.final_val.mean)) {
                c.best = k;
                chosen = true;
            }
        }
        if (!losses.empty()) {
            const double best = *std::min_element(losses.begin(), losses.end());
            double sum = 0;
            for (double l : losses) sum += l - best;
            c.sensitivity = sum / static_cast<double>(losses.size());
        }
        out.push_back(c);
    }
    return out;
}

std::string sweep_csv(const std::vector<LrChoice>& choices) {
    std::string csv = "kind,warmup,best_lr,seeds,val_mean,test_mean,test_std,test_min,test_max,sensitivity,diverged,runs\n";
    for (const LrChoice& c : choices) {
        const KindSummary& b = c.best;
        csv += fmt::format("{},{},{:g},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{}\n", ffn_kind_name(c.kind),
                           c.warmup, b.at.lr, b.seeds, b.final_val.mean, b.test.mean, b.test.std, b.test.min,
                           b.test.max, c.sensitivity, c.diverged, c.runs);
    }
    return csv;
}

std::string format_sweep_table(const std::vector<KindSummary>& groups, const std::vector<LrChoice>& choices) {
    std::vector<float> rates;
    for (const KindSummary& k : groups)
        if (std::find(rates.begin(), rates.end(), k.at.lr) == rates.end()) rates.push_back(k.at.lr);
    std::sort(rates.begin(), rates.end());
    bool warmups_differ = false;
    for (const LrChoice& c : choices) warmups_differ = warmups_differ || c.warmup != choices.front().warmup;

    std::string t = "\nFinal validation loss at each learning rate (mean ± std over seeds; div k/n: k of n seeds "
                    "diverged):\n";
    t += fmt::format("{:<14}", "kind");
    for (float lr : rates) t += fmt::format(" {:>17}", fmt::format("lr {:g}", lr));
    t += fmt::format(" {:>9} {:>17} {:>11}\n", "chosen lr", "test at chosen", "sensitivity");
    std::vector<KindSummary> chosen;
    for (const LrChoice& c : choices) {
        const std::string label = warmups_differ ? fmt::format("{} w {}", ffn_kind_name(c.kind), c.warmup)
                                                 : std::string(ffn_kind_name(c.kind));
        t += fmt::format("{:<14}", label);
        for (float lr : rates) {
            auto it = std::find_if(groups.begin(), groups.end(), [&](const KindSummary& k) {
                return k.kind == c.kind && k.at.warmup == c.warmup && k.at.lr == lr;
            });
            if (it == groups.end()) t += fmt::format(" {:>17}", "-");
            else if (it->seeds == 0) t += fmt::format(" {:>17}", fmt::format("div {}/{}", it->diverged, it->diverged));
            else if (it->diverged > 0)
                t += fmt::format(" {:>17}", fmt::format("{:.4f} div {}/{}", it->final_val.mean, it->diverged,
                                                        it->diverged + it->seeds));
            else t += " " + mean_pm_std(it->final_val, 17);
        }
        if (c.best.seeds == 0) {
            t += fmt::format(" {:>9} {:>17} {:>11.4f}\n", "-", "every run diverged", c.sensitivity);
            continue;
        }
        const std::string test = c.best.test.n > 0 ? mean_pm_std(c.best.test, 17) : fmt::format("{:>17}", "no split");
        t += fmt::format(" {:>9} {} {:>11.4f}\n", fmt::format("{:g}", c.best.at.lr), test, c.sensitivity);
        chosen.push_back(c.best);
    }
    t += "Each kind's rate is chosen on the mean final validation loss; the test loss, read once at the end of each "
         "run, is what the choice never saw. Sensitivity (Wortsman et al. 2023): the mean over the rates of "
         "min(loss, loss at init) minus the best loss, in nats.\n\n";
    const bool have_test = std::all_of(chosen.begin(), chosen.end(), [](const KindSummary& k) { return k.test.n > 0; });
    if (have_test && !warmups_differ)
        return t + verdict(chosen, &KindSummary::test, "test loss, each kind at its chosen rate");
    return t + verdict(chosen, &KindSummary::final_val,
                       have_test ? "final validation loss at the chosen rates (warmups differ: one row each)"
                                 : "final validation loss at the chosen rates (no test split: this flatters every kind)");
}

}  // namespace glulab
