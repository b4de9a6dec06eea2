// layers.cpp — the three simple layers: Linear, Embedding, Norm.
//
// Contains: declare and forward of Linear, Embedding and Norm; NormKind's names and its one
// parser (parse_norm_kind, norm_kind_name, norm_kind_names). Each forward is one call to
// an op of autograd.hpp; what a layer adds is its weights, their names and their shapes.
// Leaves out: initialisation (Transformer::init draws every weight in one place).
//
// Lesson 11 · the transformer block and the model
#include "glulab/nn/model.hpp"

#include <array>
#include <utility>

namespace glulab {

// Linear
// ------
// weight (out, in), as PyTorch's nn.Linear stores it, so y = x W^T: the matmul reads W
// transposed in place (trans_b) instead of keeping a transposed copy. Matrices take weight
// decay, biases do not.
void Linear::declare(ParamStore& ps, const std::string& name, int in, int out, bool with_bias) {
    weight = ps.add(name + ".weight", Shape{out, in}, /*decay=*/true);
    if (with_bias) bias = ps.add(name + ".bias", Shape{out}, /*decay=*/false);
}

Tensor Linear::operator()(Tape& tape, Tensor x) const {
    if (input_quant != Quant::none) x = fake_quant(tape, x, input_quant == Quant::row);  // int8 inputs, simulated
    return linear(tape, x, weight, bias);
}

// Embedding
// ---------
// weight (count, dim): row i is the vector of token (or position) i. No weight decay: a row
// only receives gradient when its id occurs, so decay would shrink rare tokens for nothing.
void Embedding::declare(ParamStore& ps, const std::string& name, int count, int dim) {
    weight = ps.add(name + ".weight", Shape{count, dim}, /*decay=*/false);
}

Tensor Embedding::operator()(Tape& tape, const int* ids, Shape ids_shape) const {
    return embedding(tape, ids, ids_shape, weight);
}

// NormKind
// --------
namespace {
constexpr auto norm_kinds = std::to_array<std::pair<NormKind, std::string_view>>({
    {NormKind::rmsnorm, "rmsnorm"},
    {NormKind::layernorm, "layernorm"},
});
constexpr bool norms_in_enum_order() {  // norm_kind_name indexes the table by the enum
    for (size_t i = 0; i < norm_kinds.size(); i++)
        if (static_cast<size_t>(norm_kinds[i].first) != i) return false;
    return true;
}
static_assert(norms_in_enum_order(), "norm_kinds must list the kinds in the order of enum NormKind");
}  // namespace

NormKind parse_norm_kind(std::string_view name) {
    for (const auto& [kind, n] : norm_kinds)
        if (n == name) return kind;
    GLULAB_CHECK(false, "names are lower case, as listed", "unknown norm kind '{}'; valid kinds: {}",
                 name, norm_kind_names());
    return NormKind::rmsnorm;  // not reached
}

std::string_view norm_kind_name(NormKind kind) {
    return norm_kinds[static_cast<size_t>(kind)].second;
}

std::string norm_kind_names() {
    std::string names;
    for (const auto& [kind, n] : norm_kinds) names += (names.empty() ? "" : ", ") + std::string(n);
    return names;
}

// Norm
// ----
// One gain per channel, and for layernorm one bias per channel; no decay on either. The math
// is with the kernels: src/ops/rmsnorm.cpp → rms_norm_forward, src/ops/layernorm.cpp →
// layer_norm_forward.
void Norm::declare(ParamStore& ps, const std::string& name, NormKind k, int dim) {
    kind = k;
    weight = ps.add(name + ".weight", Shape{dim}, /*decay=*/false);
    if (kind == NormKind::layernorm) bias = ps.add(name + ".bias", Shape{dim}, /*decay=*/false);
}

Tensor Norm::operator()(Tape& tape, Tensor x) const {
    return kind == NormKind::layernorm ? layer_norm(tape, x, weight, bias, eps)
                                       : rms_norm(tape, x, weight, eps);
}

}  // namespace glulab
