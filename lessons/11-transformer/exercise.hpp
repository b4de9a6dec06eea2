// exercise.hpp — lesson 11's exercise: the parameter count of a configuration, by formula.
//
// Lesson 11 · the transformer block and the model
#pragma once

#include "glulab/nn/model.hpp"

namespace lesson11 {

// The number of parameters of a Transformer built from `cfg`, per component, computed from the
// shapes alone (without building the model). Fill every field of glulab::ParamCounts:
// embeddings, attention, ffn, norms, head and their total. The FFN's hidden width H is
// cfg.ffn_hidden(); whether the FFN has a gate is glulab::is_gated(cfg.ffn).
glulab::ParamCounts count_params(const glulab::ModelConfig& cfg);

// Exercise 5: how many nodes one Transformer::forward (logits only, no loss) records on a tape
// that is recording, for a model built from `cfg`, derived from the code of forward, Block,
// CausalSelfAttention and FeedForward (no model, no tape in your function).
int64_t forward_node_count(const glulab::ModelConfig& cfg);

}  // namespace lesson11
