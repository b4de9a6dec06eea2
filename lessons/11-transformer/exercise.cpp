// Lesson 11 · exercise: count a model's parameters by formula, per component.
//
// Read the shapes off the parameter table (or docs/model.md) and write, for V, T = ctx, L, C
// and H = cfg.ffn_hidden():
//
//     embeddings  wte and wpe
//     attention   per block: qkv and proj
//     ffn         per block: up, down, and gate for the gated kinds (is_gated)
//     norms       two gains per block, and the final one
//     head        lm_head
//     total       the sum
//
// Check it with:  make exercise LESSON=11
// The tests build real Transformers for several configurations and all eight FFN kinds and
// compare every field with their param_table().
#include "exercise.hpp"

namespace lesson11 {

glulab::ParamCounts count_params(const glulab::ModelConfig& cfg) {
    // TODO: your code here.
    (void)cfg;
    return glulab::ParamCounts{};
}

// Exercise 5: count the nodes by reading src/nn/model.cpp → Transformer::forward and the layers
// it calls. Which counts depend on cfg.layers, on the FFN kind, and on cfg.dropout?
int64_t forward_node_count(const glulab::ModelConfig& cfg) {
    // TODO: your code here.
    (void)cfg;
    return 0;
}

}  // namespace lesson11
