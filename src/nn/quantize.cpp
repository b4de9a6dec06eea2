// quantize.cpp — simulated int8 weights and inputs of a trained model (quantize.hpp).
//
// Lesson 16 · outliers and quantization
#include "glulab/nn/quantize.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/platform/check.hpp"
#include "glulab/platform/format.hpp"

#include <array>
#include <type_traits>
#include <vector>

namespace glulab {

namespace {
struct SchemeName {
    const char* name;
    QuantScheme scheme;
};
constexpr std::array<SchemeName, 4> kSchemes = {{
    {"w8", {Quant::tensor, Quant::none}},
    {"w8-channel", {Quant::row, Quant::none}},
    {"w8a8", {Quant::tensor, Quant::tensor}},
    {"w8a8-token", {Quant::row, Quant::row}},
}};

// A quantizable matrix: its name, its weight, and the Linear whose input goes with it (for a
// gated FFN, up and gate are one product, `up_gate`, so both name that Linear). M is
// Transformer or const Transformer.
template <class M>
auto matrices(M& m) {
    using L = std::conditional_t<std::is_const_v<M>, const Linear, Linear>;
    struct Matrix {
        std::string name;
        Tensor weight;
        L* input_of;
    };
    std::vector<Matrix> out;
    for (size_t l = 0; l < m.blocks.size(); l++) {
        auto& b = m.blocks[l];
        const std::string p = "blocks." + std::to_string(l) + ".";
        out.push_back({p + "attn.qkv", b.attn.qkv.weight, &b.attn.qkv});
        out.push_back({p + "attn.proj", b.attn.proj.weight, &b.attn.proj});
        const bool gated = is_gated(b.ffn.kind);
        out.push_back({p + "ffn.up", b.ffn.up.weight, gated ? &b.ffn.up_gate : &b.ffn.up});
        if (gated) out.push_back({p + "ffn.gate", b.ffn.gate.weight, &b.ffn.up_gate});
        out.push_back({p + "ffn.down", b.ffn.down.weight, &b.ffn.down});
    }
    out.push_back({"lm_head", m.lm_head.weight, &m.lm_head});
    return out;
}
}  // namespace

QuantScheme parse_quant_scheme(std::string_view name) {
    for (const SchemeName& s : kSchemes)
        if (name == s.name) return s.scheme;
    GLULAB_CHECK(false, "e.g. --quantize w8a8-token", "unknown quantization scheme '{}'; valid: {}", name,
                 quant_scheme_names());
    return {};  // not reached
}

std::string quant_scheme_names() {
    std::vector<std::string> names;
    for (const SchemeName& s : kSchemes) names.emplace_back(s.name);
    return join(names, ", ");
}

std::vector<std::string> quantizable_matrices(const Transformer& model) {
    std::vector<std::string> names;
    for (const auto& m : matrices(model)) names.push_back(m.name);
    return names;
}

std::vector<std::string> quantize_model(Transformer& model, const QuantScheme& scheme, std::string_view only) {
    std::vector<std::string> done;
    std::vector<float> scales;
    for (const auto& m : matrices(model)) {
        if (!only.empty() && m.name != only) continue;
        const Tensor& w = m.weight;  // (out, in): a row is an output channel
        scales.resize(static_cast<size_t>(w.rows()));
        const bool per_row = scheme.weights == Quant::row;
        if (scheme.weights != Quant::none) {
            quant_scales(scales.data(), w.data, w.rows(), w.cols(), per_row);
            fake_quant_forward(w.data, w.data, scales.data(), w.rows(), w.cols(), per_row);
        }
        m.input_of->input_quant = scheme.inputs;
        done.push_back(m.name);
    }
    GLULAB_CHECK(!done.empty(), "name one of the model's weight matrices, e.g. --quantize-only blocks.0.ffn.down",
                 "--quantize-only '{}' is not a weight matrix of this model; valid: {}", only,
                 join(quantizable_matrices(model), ", "));
    return done;
}

}  // namespace glulab
