// config.cpp — ModelConfig: validation and the FFN hidden-width rule.
//
// Contains: ModelConfig::validate, ModelConfig::param_count, ModelConfig::ffn_hidden.
//
// Lesson 11 · the transformer block and the model
#include "glulab/nn/model.hpp"

namespace glulab {

// validate
// --------
// Checks one field at a time and names it, so `glulab train --heads 5` fails before any work
// with a message that says what to change.
void ModelConfig::validate() const {
    auto positive = [](int value, int most, const char* field, const char* hint) {
        GLULAB_CHECK(value > 0, hint, "model config: {} = {} must be positive", field, value);
        GLULAB_CHECK(value <= most, hint, "model config: {} = {} is above glulab's limit of {}",
                     field, value, most);
    };
    using L = ModelLimits;
    positive(vocab_size, L::vocab_size, "vocab_size (V)", "it is set from the data's vocabulary");
    positive(ctx, L::ctx, "ctx (T)", "the context length, e.g. 64");
    positive(layers, L::layers, "layers (L)", "the number of blocks, e.g. 4");
    positive(d_model, L::d_model, "d_model (C)", "the channel width, e.g. 128");
    positive(heads, L::heads, "heads (NH)", "the number of attention heads, e.g. 4");
    positive(multiple_of, L::multiple_of, "multiple_of", "the rounding of the automatic d_ff, e.g. 8");
    GLULAB_CHECK(d_ff <= L::d_ff, "0 picks the width automatically (docs/model.md)",
                 "model config: d_ff (H) = {} is above glulab's limit of {}", d_ff, L::d_ff);
    GLULAB_CHECK(d_model % heads == 0, "pick heads that divide d_model, e.g. d_model 128, heads 4",
                 "model config: d_model (C) = {} is not divisible by heads (NH) = {}", d_model,
                 heads);
    GLULAB_CHECK(d_ff >= 0, "0 picks the width automatically (docs/model.md)",
                 "model config: d_ff (H) = {} must be positive or 0", d_ff);
    GLULAB_CHECK(dropout >= 0.0f && dropout < 1.0f, "0 turns dropout off, e.g. 0.1",
                 "model config: dropout = {} must lie in [0, 1)", dropout);
    const int64_t H = ffn_hidden(), C = d_model, limit = int64_t{1} << 31;
    GLULAB_CHECK(int64_t{vocab_size} * C < limit && 3 * C * C < limit && H * C < limit,
                 "each weight matrix must hold fewer than 2^31 values",
                 "model config: V = {}, C = {}, H = {} make a weight matrix too large", vocab_size,
                 C, H);
    const int64_t total = param_count();
    GLULAB_CHECK(total <= L::params, "make the model smaller (--layers, --d-model, --ctx)",
                 "model config: {} parameters are above glulab's limit of {}", total, L::params);
}

// param_count
// -----------
// Every parameter, counted from the sizes alone (validate() needs it before any memory is
// taken): wte, wpe, lm_head, the final norm, and L blocks of two norms, qkv, proj, up, down
// (and gate). A norm is a gain (C), and a bias (C) for layernorm. tests/test_model.cpp holds it
// to the sum of the declared parameters (Transformer::declared_params) for every kind and norm.
int64_t ModelConfig::param_count() const {
    const int64_t C = d_model, H = ffn_hidden();
    const int64_t one_norm = norm == NormKind::layernorm ? 2 * C : C;
    const int64_t matrices = is_gated(ffn) ? 3 : 2;
    const int64_t block = 2 * one_norm + 4 * C * C + matrices * H * C;
    return 2 * int64_t{vocab_size} * C + int64_t{ctx} * C + layers * block + one_norm;
}

// ffn_hidden
// ----------
// H = d_ff when given. Otherwise a plain FFN uses the classic 4 C; a gated one has three
// matrices instead of two, so it gets 2/3 of that, rounded UP to a multiple m of multiple_of:
//
//     H = m * ceil(8 C / (3 m)) = m * ((8 C + 3 m - 1) / (3 m))     (integer division)
//
// For C = 128, m = 8: 8 C / 3 = 341.33 -> 344. Params: plain 2 C (4 C) = 131072,
// gated 3 C 344 = 132096, within 1%.
int ModelConfig::ffn_hidden() const {
    if (d_ff > 0) return d_ff;
    if (!is_gated(ffn)) return 4 * d_model;
    const int64_t m = multiple_of > 0 ? multiple_of : 1;
    return static_cast<int>(m * ((int64_t{8} * d_model + 3 * m - 1) / (3 * m)));
}

}  // namespace glulab
