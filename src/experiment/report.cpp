// report.cpp — the results page of the FFN comparison (see report.hpp): the numbers, put into
// the prose of docs/templates/results.md.
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/report.hpp"
#include "glulab/nn/param_table.hpp"
#include "glulab/platform/format.hpp"
#include "glulab/platform/files.hpp"
#include "glulab/templates.hpp"  // generated from docs/templates/*.md (Makefile)

#include "glulab/platform/blas.hpp"
#include "glulab/experiment/plot.hpp"
#include "glulab/experiment/lab_report.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <thread>

namespace glulab {

namespace fs = std::filesystem;

namespace {

// Shazeer 2020, "GLU Variants Improve Transformer", Table 1: held-out log-perplexity on the
// C4 span-filling task after 65,536 training steps (T5-base-sized models). Quoted, not
// measured here.
const std::map<FfnKind, double> kShazeer65k = {
    {FfnKind::relu, 1.997},     {FfnKind::gelu, 1.983},  {FfnKind::swish, 1.994},
    {FfnKind::glu, 1.982},      {FfnKind::bilinear, 1.960}, {FfnKind::reglu, 1.953},
    {FfnKind::geglu, 1.942},    {FfnKind::swiglu, 1.944},
};

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}


// Ranks 1..n of the values, smallest first.
std::vector<double> ranks(const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < order.size(); i++) r[order[i]] = static_cast<double>(i + 1);
    return r;
}

// Spearman's rank correlation: 1 - 6 sum d^2 / (n (n^2 - 1)).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    const std::vector<double> ra = ranks(a), rb = ranks(b);
    double d2 = 0;
    for (size_t i = 0; i < ra.size(); i++) d2 += (ra[i] - rb[i]) * (ra[i] - rb[i]);
    const double n = static_cast<double>(ra.size());
    return 1 - 6 * d2 / (n * (n * n - 1));
}

// The gate's final "closed" fraction per layer, averaged over the seeds of one kind.
std::vector<double> final_near_zero(const CompareResult& result, FfnKind kind) {
    std::vector<double> sum;
    int runs = 0;
    for (const RunResult& r : result.runs) {
        if (r.kind != kind) continue;
        const std::vector<GateRow> rows = load_run(r.dir).gates;
        if (rows.empty()) continue;
        const int last = rows.back().step;
        for (const GateRow& g : rows) {
            if (g.step != last) continue;
            if (sum.size() <= static_cast<size_t>(g.layer)) sum.resize(static_cast<size_t>(g.layer) + 1);
            sum[static_cast<size_t>(g.layer)] += g.near_zero;
        }
        runs++;
    }
    for (double& s : sum) s /= std::max(runs, 1);
    return sum;
}

std::string pm(const Stat& s) { return fmt::format("{:.4f} ± {:.4f}", s.mean, s.std); }

}  // namespace

std::string today_utc() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
}

std::pair<size_t, size_t> page_section(const std::string& md, std::string_view heading) {
    const std::string line = std::string(heading) + "\n";
    const size_t begin = md.find(line);
    if (begin == std::string::npos) return {std::string::npos, std::string::npos};
    const size_t next = md.find("\n## ", begin + line.size());
    return {begin, next == std::string::npos ? md.size() : next + 1};
}

std::vector<std::string> write_results_page(const std::string& page, const CompareConfig& cfg,
                                            const CompareResult& result) {
    GLULAB_CHECK(!result.kinds.empty(), "let the comparison finish first", "no results to report");
    const fs::path page_path(page);
    const fs::path fig_dir = page_path.parent_path() / "results";
    fs::create_directories(fig_dir);
    std::vector<std::string> written;
    std::vector<std::string> figures;
    for (const char* name : {"loss_val", "loss_train", "gates", "gates_hist"}) {
        const fs::path svg = fs::path(cfg.out) / (std::string(name) + ".svg");
        const fs::path png = fs::path(cfg.out) / (std::string(name) + ".png");
        if (!fs::exists(svg) || !fs::exists(png)) continue;
        fs::copy_file(svg, fig_dir / svg.filename(), fs::copy_options::overwrite_existing);
        fs::copy_file(png, fig_dir / png.filename(), fs::copy_options::overwrite_existing);
        written.push_back((fig_dir / png.filename()).string());
        written.push_back((fig_dir / svg.filename()).string());
        figures.push_back(name);
    }
    auto figure = [&](const char* name, const char* alt) {
        return std::find(figures.begin(), figures.end(), name) == figures.end()
                   ? fmt::format("*({}: gnuplot was not available when this page was made)*\n", alt)
                   : fmt::format("![{}](results/{}.svg)\n", alt, name);
    };

    const TrainConfig& b = cfg.base;
    double hours = 0;
    for (const RunResult& r : result.runs) hours += r.summary.ms_per_step * r.summary.steps_done / 3.6e6;
    std::string kind_list;
    for (const KindSummary& k : result.kinds) kind_list += fmt::format("{}{}", kind_list.empty() ? "" : ",", ffn_kind_name(k.kind));

    std::string parameter_rows;
    for (const KindSummary& k : result.kinds) {
        ModelConfig m = cfg.base.model;
        m.ffn = k.kind;
        const TokenCost cost = token_cost(m, k.d_ff);  // multiply-adds of one token's forward
        parameter_rows += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", ffn_kind_name(k.kind),
                                      is_gated(k.kind) ? "yes" : "no", k.d_ff, with_commas(k.ffn_params),
                                      with_commas(k.total_params), with_commas(cost.ffn_macs), with_commas(cost.total_macs));
    }

    std::vector<const KindSummary*> sorted;
    for (const KindSummary& k : result.kinds) sorted.push_back(&k);
    std::sort(sorted.begin(), sorted.end(),
              [](auto* a, auto* c) { return a->final_val.mean < c->final_val.mean; });
    std::string final_rows;
    for (const KindSummary* k : sorted)
        final_rows += fmt::format("| {} | {} | {} | {:.4f} – {:.4f} | {:.4f} |\n", ffn_kind_name(k->kind),
                                  pm(k->final_train), pm(k->final_val), k->final_val.min, k->final_val.max,
                                  k->best_val.mean);

    // One row per kind in the order of the table above, one column per seed: each run's final
    // validation loss ("diverged" for a run that did).
    std::vector<uint64_t> seeds;
    for (const RunResult& r : result.runs)
        if (std::find(seeds.begin(), seeds.end(), r.seed) == seeds.end()) seeds.push_back(r.seed);
    std::string seed_table = "| kind |", rule = "|---|";
    for (uint64_t s : seeds) {
        seed_table += fmt::format(" seed {} |", s);
        rule += "---:|";
    }
    seed_table += "\n" + rule + "\n";
    for (const KindSummary* k : sorted) {
        seed_table += fmt::format("| {} |", ffn_kind_name(k->kind));
        for (uint64_t s : seeds) {
            auto it = std::find_if(result.runs.begin(), result.runs.end(),
                                   [&](const RunResult& r) { return r.kind == k->kind && r.seed == s; });
            seed_table += it == result.runs.end() ? " - |"
                          : it->summary.diverged  ? " diverged |"
                                                  : fmt::format(" {:.4f} |", it->summary.final_val_loss);
        }
        seed_table += "\n";
    }

    std::string gate_rows;
    for (const KindSummary& k : result.kinds) {
        if (!is_gated(k.kind)) continue;
        std::string layers;
        for (double f : final_near_zero(result, k.kind)) layers += fmt::format("{}{:.2f}", layers.empty() ? "" : ", ", f);
        gate_rows += fmt::format("| {} | {} |\n", ffn_kind_name(k.kind), layers);
    }

    std::vector<double> his, ours;
    std::vector<FfnKind> kinds;
    for (const KindSummary& k : result.kinds) {
        kinds.push_back(k.kind);
        his.push_back(kShazeer65k.at(k.kind));
        ours.push_back(k.final_val.mean);
    }
    const std::vector<double> his_rank = ranks(his), our_rank = ranks(ours);
    std::string shazeer_rows;
    for (size_t i = 0; i < kinds.size(); i++)
        shazeer_rows += fmt::format("| {} | {:.3f} | {:.0f} | {:.4f} | {:.0f} |\n", ffn_kind_name(kinds[i]), his[i],
                                    his_rank[i], ours[i], our_rank[i]);

    // Discussion: the sentences with numbers are computed; the rest holds whatever they say.
    double gated = 0, plain = 0;
    int n_gated = 0, n_plain = 0;
    for (const KindSummary& k : result.kinds) {
        (is_gated(k.kind) ? gated : plain) += k.final_val.mean;
        (is_gated(k.kind) ? n_gated : n_plain)++;
    }
    const std::string spearman_line =
        kinds.size() >= 3 ? fmt::format(fmt::runtime(templates::results_spearman), fmt::arg("rho", spearman(his, ours))) : "";
    std::string gated_line;
    if (n_gated && n_plain) {
        const bool glu_ahead = gated / n_gated < plain / n_plain;
        gated_line = fmt::format(fmt::runtime(templates::results_gated), fmt::arg("gated", gated / n_gated),
                                 fmt::arg("plain", plain / n_plain),
                                 fmt::arg("ahead", glu_ahead ? "the GLU family is ahead by" : "the plain kinds are ahead by"),
                                 fmt::arg("gap", std::fabs(gated / n_gated - plain / n_plain)),
                                 fmt::arg("direction", glu_ahead ? "the direction Shazeer reports"
                                                                 : "the opposite of what Shazeer reports"));
    }
    const double chars = double(b.optim.steps) * b.batch * b.model.ctx;

    const std::string md = fmt::format(
        fmt::runtime(templates::results), fmt::arg("today", today_utc()), fmt::arg("kinds", kind_list),
        fmt::arg("seeds", cfg.seeds), fmt::arg("steps", b.optim.steps), fmt::arg("page", page),
        fmt::arg("first_seed", b.seed), fmt::arg("last_seed", b.seed + static_cast<uint64_t>(cfg.seeds) - 1),
        fmt::arg("layers", b.model.layers), fmt::arg("d_model", b.model.d_model), fmt::arg("heads", b.model.heads),
        fmt::arg("ctx", b.model.ctx), fmt::arg("batch", b.batch), fmt::arg("lr", b.optim.lr),
        fmt::arg("warmup", b.optim.warmup), fmt::arg("min_lr", b.optim.min_lr),
        fmt::arg("match", match_name(cfg.match) == "params" ? "parameter count (gated kinds get 2/3 of 4C, rounded up "
                                                              "to a multiple of 8)"
                                                            : "d_ff (every kind gets 4C)"),
        fmt::arg("eval_batches", b.eval_batches), fmt::arg("cpu", cpu_model()),
        fmt::arg("cores", std::thread::hardware_concurrency()), fmt::arg("blas_core", blas_info().core),
        fmt::arg("runs", result.runs.size()), fmt::arg("hours", hours), fmt::arg("parameter_rows", parameter_rows),
        fmt::arg("figure_loss_val", figure("loss_val", "validation loss against step, one line per kind")),
        fmt::arg("figure_loss_train", figure("loss_train", "training loss against step, one line per kind")),
        fmt::arg("final_rows", final_rows), fmt::arg("seed_table", seed_table), fmt::arg("verdict", verdict(result.kinds)),
        fmt::arg("norm_section", kept_norm_section(page)),  // `make results-norm` wrote it; not redone here
        fmt::arg("lab_sections", kept_lab_sections(page)),  // `make results-page` wrote them (lab_report.hpp)
        fmt::arg("figure_gates", figure("gates", "fraction of gate values near zero against step, per layer")),
        fmt::arg("figure_gates_hist", figure("gates_hist", "final histogram of gate values, per layer")),
        fmt::arg("gate_rows", gate_rows), fmt::arg("shazeer_rows", shazeer_rows), fmt::arg("spearman", spearman_line),
        fmt::arg("gated_vs_plain", gated_line), fmt::arg("best", ffn_kind_name(sorted.front()->kind)),
        fmt::arg("params_m", double(result.kinds.front().total_params) / 1e6),
        fmt::arg("chars_per_step", b.batch * b.model.ctx), fmt::arg("chars_m", chars / 1e6));

    write_file_atomic(page_path.string(), md);
    written.insert(written.begin(), page);
    return written;
}

}  // namespace glulab
