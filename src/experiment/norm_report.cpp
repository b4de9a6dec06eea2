// norm_report.cpp — the results page's norm section: does the FFN ordering hold under LayerNorm?
//
// `make results-norm` runs `glulab compare --ffn relu,gelu,swiglu --seeds 3 --norm layernorm
// --report docs/results.md`. A comparison under --norm layernorm does not rewrite the page: it
// reads the RMSNorm numbers of the same kinds from the page's "Final losses" table (written by
// `make results`, report.cpp) and puts its own section next to them, replacing an older one.
// write_results_page keeps that section when it rewrites the page.
//
// Lesson 13 · the FFN ablation
#include "glulab/experiment/report.hpp"
#include "glulab/platform/format.hpp"

#include "glulab/train/data.hpp"
#include "glulab/templates.hpp"  // generated from docs/templates/*.md (Makefile)

#include <fmt/format.h>  // fmt::join; everywhere else <fmt/core.h> is enough (docs/build.md)

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string_view>

namespace glulab {

namespace {

constexpr std::string_view kHeading = "## Under LayerNorm\n";

// The section's heading line, without its newline.
std::string_view heading() { return kHeading.substr(0, kHeading.size() - 1); }

// The whole number written just before `phrase` in the page ("2000 steps of AdamW" -> 2000),
// 0 when the phrase or the number is missing.
int number_before(const std::string& md, const std::string& phrase) {
    const size_t at = md.find(phrase);
    if (at == std::string::npos) return 0;
    size_t begin = at;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(md[begin - 1]))) begin--;
    return begin < at ? std::stoi(md.substr(begin, at - begin)) : 0;
}

// The RMSNorm rows of the page's "Final losses" table, as KindSummaries of their final
// validation loss: "| relu | 1.5641 ± 0.0077 | 1.7413 ± 0.0152 | 1.7239 – 1.7519 | 1.7413 |".
// The seed count comes from the page's first paragraph ("each trained 3 times (seeds ...").
std::vector<KindSummary> rmsnorm_rows(const std::string& md, const std::string& page) {
    const size_t table = md.find("## Final losses");
    GLULAB_CHECK(table != std::string::npos, "run `make results` first: it writes the RMSNorm numbers",
                 "{} has no \"## Final losses\" table to compare LayerNorm against", page);
    const int seeds = number_before(md, " times (seeds");
    std::vector<KindSummary> rows;
    std::istringstream rest(md.substr(table, md.find("\n## ", table + 1) - table));
    for (std::string line; std::getline(rest, line);) {
        // A row has a kind and eight numbers; the header and the |---| line have none.
        char kind[32];
        double train_mean, train_std, best;
        KindSummary k;
        Stat& v = k.final_val;
        if (std::sscanf(line.c_str(), "| %31[a-z] | %lf ± %lf | %lf ± %lf | %lf – %lf | %lf |", kind, &train_mean,
                        &train_std, &v.mean, &v.std, &v.min, &v.max, &best) != 8)
            continue;
        k.kind = parse_ffn_kind(kind);
        k.seeds = v.n = seeds;
        rows.push_back(k);
    }
    return rows;
}

// The kinds in order of mean final validation loss: "swiglu < relu < gelu".
std::string ordering(std::vector<const KindSummary*> kinds) {
    std::sort(kinds.begin(), kinds.end(), [](auto* a, auto* b) { return a->final_val.mean < b->final_val.mean; });
    std::string s;
    for (const KindSummary* k : kinds) s += fmt::format("{}{}", s.empty() ? "" : " < ", ffn_kind_name(k->kind));
    return s;
}

std::string pm(const Stat& s) { return fmt::format("{:.4f} ± {:.4f}", s.mean, s.std); }

}  // namespace

std::string norm_section(const CompareConfig& cfg, const std::vector<KindSummary>& layernorm,
                         const std::vector<KindSummary>& rmsnorm, int page_steps) {
    std::vector<const KindSummary*> ln, rms;  // the kinds of the LayerNorm runs, in both
    for (const KindSummary& k : layernorm)
        for (const KindSummary& r : rmsnorm)
            if (r.kind == k.kind) {
                ln.push_back(&k);
                rms.push_back(&r);
            }
    GLULAB_CHECK(!ln.empty(), "compare kinds the page's Final losses table has",
                 "none of the LayerNorm kinds has RMSNorm numbers on the page");
    std::string kinds;
    for (const KindSummary* k : ln) kinds += fmt::format("{}{}", kinds.empty() ? "" : ",", ffn_kind_name(k->kind));
    const TrainConfig& b = cfg.base;

    std::string not_comparable;
    if (page_steps > 0 && page_steps != b.optim.steps)
        not_comparable = fmt::format(fmt::runtime(templates::results_norm_not_comparable),
                                     fmt::arg("page_steps", page_steps), fmt::arg("steps", b.optim.steps));
    std::string rows;
    for (size_t i = 0; i < ln.size(); i++)
        rows += fmt::format("| {} | {} | {} | {:.4f} – {:.4f} | {:+.4f} |\n", ffn_kind_name(ln[i]->kind),
                            pm(rms[i]->final_val), pm(ln[i]->final_val), ln[i]->final_val.min, ln[i]->final_val.max,
                            ln[i]->final_val.mean - rms[i]->final_val.mean);
    std::vector<KindSummary> ln_kinds, rms_kinds;
    for (size_t i = 0; i < ln.size(); i++) {
        ln_kinds.push_back(*ln[i]);
        rms_kinds.push_back(*rms[i]);
    }

    // The answer, pair by pair: same order under both norms, and told apart under each?
    std::vector<std::string> kept, flipped;
    int apart_both = 0, pairs = 0;
    for (size_t i = 0; i < ln.size(); i++)
        for (size_t j = i + 1; j < ln.size(); j++, pairs++) {
            const bool ln_lt = ln[i]->final_val.mean < ln[j]->final_val.mean;
            const bool rms_lt = rms[i]->final_val.mean < rms[j]->final_val.mean;
            const bool ln_apart = kinds_differ(*ln[i], *ln[j]), rms_apart = kinds_differ(*rms[i], *rms[j]);
            const KindSummary *lo = ln_lt ? ln[i] : ln[j], *hi = ln_lt ? ln[j] : ln[i];
            const std::string pair = fmt::format("{} < {} ({} under LayerNorm, {} under RMSNorm)",
                                                 ffn_kind_name(lo->kind), ffn_kind_name(hi->kind),
                                                 ln_apart ? "beyond the seed spread" : "within the seed spread",
                                                 rms_apart ? "beyond" : "within");
            (ln_lt == rms_lt ? kept : flipped).push_back(pair);
            apart_both += ln_apart && rms_apart && ln_lt == rms_lt;
        }
    auto pair_list = [](std::string_view tpl, const std::vector<std::string>& list) {
        return list.empty() ? std::string() : fmt::format(fmt::runtime(tpl), fmt::arg("pairs", fmt::join(list, "; ")));
    };
    const std::string ln_order = ordering(ln), rms_order = ordering(rms);
    double ln_mean = 0, rms_mean = 0;
    for (size_t i = 0; i < ln.size(); i++) ln_mean += ln[i]->final_val.mean, rms_mean += rms[i]->final_val.mean;
    const double n = static_cast<double>(ln.size());

    const std::string md = fmt::format(
        fmt::runtime(templates::results_norm), fmt::arg("today", today_utc()), fmt::arg("kinds", kinds),
        fmt::arg("seeds", cfg.seeds), fmt::arg("steps", b.optim.steps),
        fmt::arg("extra_params", with_commas((2 * b.model.layers + 1) * b.model.d_model)),
        fmt::arg("first_seed", b.seed), fmt::arg("last_seed", b.seed + static_cast<uint64_t>(cfg.seeds) - 1),
        fmt::arg("not_comparable", not_comparable), fmt::arg("rows", rows), fmt::arg("ln_verdict", verdict(ln_kinds)),
        fmt::arg("rms_verdict", verdict(rms_kinds)), fmt::arg("ln_order", ln_order), fmt::arg("rms_order", rms_order),
        fmt::arg("same", ln_order == rms_order ? "the same" : "not the same"),
        fmt::arg("kept", pair_list(templates::results_norm_kept, kept)),
        fmt::arg("flipped", pair_list(templates::results_norm_flipped, flipped)), fmt::arg("apart_both", apart_both),
        fmt::arg("pairs", pairs), fmt::arg("ln_mean", ln_mean / n), fmt::arg("rms_mean", rms_mean / n),
        fmt::arg("diff", (ln_mean - rms_mean) / n));
    GLULAB_CHECK(md.starts_with(kHeading), "docs/templates/results-norm.md must open with it",
                 "the norm section's template does not start with '{}'", kHeading.substr(0, kHeading.size() - 1));
    return md;
}

std::string kept_norm_section(const std::string& page) {
    if (!std::filesystem::exists(page)) return "";
    const std::string md = read_text_file(page);
    const auto [begin, end] = page_section(md, heading());
    if (begin == std::string::npos) return "";
    std::string s = md.substr(begin, end - begin);
    if (!s.ends_with("\n\n")) s += "\n";
    return s;
}

std::vector<std::string> write_norm_section(const std::string& page, const CompareConfig& cfg,
                                            const CompareResult& result) {
    GLULAB_CHECK(!result.kinds.empty(), "let the comparison finish first", "no results to report");
    GLULAB_CHECK(std::filesystem::exists(page), "run `make results` first: it writes the page and its RMSNorm numbers",
                 "{} does not exist", page);
    std::string md = read_text_file(page);
    // The steps of the page's RMSNorm runs: "B=16, 2000 steps of AdamW".
    const int page_steps = number_before(md, " steps of AdamW");
    std::string section = norm_section(cfg, result.kinds, rmsnorm_rows(md, page), page_steps);
    const auto [begin, end] = page_section(md, heading());
    if (begin != std::string::npos) {
        md.replace(begin, end - begin, section + (end < md.size() ? "\n" : ""));
    } else {
        // Right after the Final losses section, which it extends.
        const size_t gates = md.find("## What the gates do");
        md.insert(gates == std::string::npos ? md.size() : gates, section + "\n");
    }
    write_text_file(page, md);
    return {page};
}

}  // namespace glulab
