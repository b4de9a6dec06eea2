// cmd_params.cpp — `glulab params`: the parameter table of a configuration, without training.
//
// Lesson 07 · the GLU family
#include "commands.hpp"
#include "flags.hpp"

#include "glulab/platform/format.hpp"

#include <fmt/core.h>

#include <memory>

namespace glulab {

namespace {
struct ParamsArgs {
    ModelConfig model{.vocab_size = 65};
    std::string ffn = "swiglu";
};

void print_all_kinds(ModelConfig m) {
    fmt::print("{:<10} {:>5} {:>6} {:>12} {:>12} {:>15} {:>15}\n", "ffn", "gated", "d_ff", "FFN params", "total params",
               "FFN FLOPs/tok", "fwd FLOPs/tok");
    for (FfnKind kind : all_ffn_kinds()) {
        m.ffn = kind;
        Transformer model(m);
        ParamCounts c = model.param_table().counts;
        const TokenCost cost = token_cost(m, model.d_ff());
        fmt::print("{:<10} {:>5} {:>6} {:>12} {:>12} {:>15} {:>15}\n", ffn_kind_name(kind), is_gated(kind) ? "yes" : "no",
                   model.d_ff(), c.ffn, c.total, with_commas(2 * cost.ffn_macs), with_commas(2 * cost.total_macs));
    }
    fmt::print("FLOPs/tok: 2 x the multiply-adds of one token's forward pass (param_table.hpp → token_cost)\n");
}
}  // namespace

void add_params_command(CLI::App& app) {
    auto a = std::make_shared<ParamsArgs>();
    Command* cmd = add_command(app, "params", "Print the parameter table of a model configuration");
    cmd->add_option("--ffn", a->ffn, "feed-forward kind, or `all` for one row per kind: " + ffn_kind_names())
        ->capture_default_str();
    cmd->add_option("--vocab", a->model.vocab_size, "V, vocabulary size (tiny-shakespeare: 65)")
        ->check(positive())->capture_default_str();
    add_model_flags(*cmd, a->model);
    cmd->callback([a] {
        if (a->ffn == "all") return print_all_kinds(a->model);
        a->model.ffn = parse_ffn_kind(a->ffn);
        Transformer model(a->model);
        const TokenCost cost = token_cost(a->model, model.d_ff());
        fmt::print("{}", format_param_table(model.param_table()));
        fmt::print("forward FLOPs per token: {} (FFN {}), 2 x the multiply-adds (param_table.hpp → token_cost)\n",
                   with_commas(2 * cost.total_macs), with_commas(2 * cost.ffn_macs));
    });
}

}  // namespace glulab
