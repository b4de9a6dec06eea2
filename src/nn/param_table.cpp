// param_table.cpp — the parameter table: every tensor's name, shape and count, and the totals
// per component.
//
// Contains: param_component, param_table, token_cost, format_param_table.
//
// Lesson 11 · the transformer block and the model
#include "glulab/nn/model.hpp"
#include "glulab/platform/format.hpp"

#include <algorithm>

namespace glulab {

namespace {


bool contains(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

}  // namespace

// The component is read off the dotted name. Norms are tested first, since "attn_norm" and
// "ffn_norm" also begin with "attn" and "ffn".
std::string_view param_component(std::string_view name) {
    if (contains(name, "norm")) return "norms";
    if (name.starts_with("wte.") || name.starts_with("wpe.")) return "embeddings";
    if (contains(name, ".attn.")) return "attention";
    if (contains(name, ".ffn.")) return "ffn";
    if (name.starts_with("lm_head.")) return "head";
    GLULAB_CHECK(false, "see the names in docs/model.md", "parameter '{}' belongs to no component",
                 name);
    return "";  // not reached
}

ParamTable param_table(const ParamStore& ps) {
    ParamTable table;
    for (const ParamEntry& e : ps.entries()) {
        ParamRow row{e.name, e.shape, e.shape.numel(), param_component(e.name)};
        ParamCounts& c = table.counts;
        if (row.component == "embeddings") c.embeddings += row.count;
        if (row.component == "attention") c.attention += row.count;
        if (row.component == "ffn") c.ffn += row.count;
        if (row.component == "norms") c.norms += row.count;
        if (row.component == "head") c.head += row.count;
        c.total += row.count;
        table.rows.push_back(std::move(row));
    }
    return table;
}

// token_cost
// ----------
TokenCost token_cost(const ModelConfig& cfg, int ffn_hidden) {
    const int64_t L = cfg.layers, C = cfg.d_model, H = ffn_hidden, T = cfg.ctx, V = cfg.vocab_size;
    const bool gated = is_gated(cfg.ffn);
    TokenCost c;
    c.ffn_macs = L * ((gated ? 3 : 2) * C * H + (gated ? 2 : 1) * H);
    const int64_t attention = L * (4 * C * C + C * (T + 1));
    const int64_t norms = (2 * L + 1) * C;
    c.total_macs = c.ffn_macs + attention + norms + C * V;
    return c;
}

// format_param_table
// ------------------
//     name                         shape           params
//     wte.weight                   (65, 128)        8,320
//     ...
//     embeddings                                   16,512    2.0%
//     ...
//     total                                       816,512  100.0%   (the default SwiGLU model)
std::string format_param_table(const ParamTable& table) {
    size_t width = 10;
    for (const ParamRow& r : table.rows) width = std::max(width, r.name.size());
    std::string s = fmt::format("{:<{}}  {:<12} {:>11}\n", "name", width, "shape", "params");
    for (const ParamRow& r : table.rows)
        s += fmt::format("{:<{}}  {:<12} {:>11}\n", r.name, width, r.shape.str(),
                         with_commas(r.count));
    s += fmt::format("{:-<{}}\n", "", width + 26);
    const ParamCounts& c = table.counts;
    auto line = [&](std::string_view what, int64_t n) {
        const double share = c.total ? 100.0 * static_cast<double>(n) / static_cast<double>(c.total)
                                     : 0.0;
        s += fmt::format("{:<{}}  {:<12} {:>11} {:>6.1f}%\n", what, width, "", with_commas(n),
                         share);
    };
    line("embeddings", c.embeddings);
    line("attention", c.attention);
    line("ffn", c.ffn);
    line("norms", c.norms);
    line("head", c.head);
    line("total", c.total);
    return s;
}

}  // namespace glulab
