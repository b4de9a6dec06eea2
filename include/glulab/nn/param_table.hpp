// param_table.hpp — a model's parameters as a table: names, shapes, counts, and per component
// (src/nn/param_table.cpp); and the multiply-adds of one token's forward (token_cost).
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/core/params.hpp"
#include "glulab/nn/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glulab {

// Parameter table
// ---------------
// One row per parameter tensor and the totals per component, as data (tests and the CLI read
// the numbers) and as text (format_param_table).
struct ParamRow {
    std::string name;            // "blocks.0.ffn.gate.weight"
    Shape shape;                 // (344, 128)
    int64_t count = 0;           // 44032
    std::string_view component;  // "ffn": embeddings, attention, ffn, norms or head
};
struct ParamCounts {
    int64_t embeddings = 0;  // wte, wpe
    int64_t attention = 0;   // attn.qkv, attn.proj (and their biases, if any)
    int64_t ffn = 0;         // ffn.up, ffn.gate, ffn.down
    int64_t norms = 0;       // every norm's gain (and bias, for layernorm)
    int64_t head = 0;        // lm_head
    int64_t total = 0;       // all of the above
};
struct ParamTable {
    std::vector<ParamRow> rows;  // in declaration order (= the order of the flat arrays)
    ParamCounts counts;
};

// Multiply-adds of one token's forward pass, counted from the configuration. Each weight of a
// matrix is used once per token (one multiply-add), so a matrix's share is its parameter count:
//     FFN        L (2 C H) plain, L (3 C H) gated           (up (and gate), down)
//                + L H for act (and L H for act(gate) * up): elementwise, counted as one each
//     attention  L (3 C C + C C) for qkv and proj, and L C (T + 1) for the scores q.k and the
//                weighted sum of v (a token at position t attends to t + 1 keys, (T + 1) / 2 on
//                average, twice)
//     head       C V;  the embeddings are lookups (no multiply-adds); norms L (2 C) + C, one each
// FLOPs = 2 x multiply-adds. At matched parameters (--match params) a gated FFN's H is 2/3 of a
// plain one's, so 3 C H equals 2 C (3H/2): the same FFN multiply-adds per token, not 1.5x.
struct TokenCost {
    int64_t ffn_macs = 0;    // all L FFN layers, e.g. 531,136 for swiglu at the default
    int64_t total_macs = 0;  // the whole forward, e.g. 836,032
};
TokenCost token_cost(const ModelConfig& cfg, int ffn_hidden);

// Which component a parameter name belongs to ("blocks.3.attn.proj.weight" -> "attention").
std::string_view param_component(std::string_view name);
ParamTable param_table(const ParamStore& ps);
// name, shape, count per row, then the component totals with their share of the total.
std::string format_param_table(const ParamTable& table);

}  // namespace glulab
