// quantize.cpp — simulated int8 weights and inputs of a trained model (quantize.hpp).
//
// Lesson 16 · outliers and quantization
#include "glulab/nn/quantize.hpp"

#include "glulab/ops/ops.hpp"
#include "glulab/platform/check.hpp"
#include "glulab/platform/format.hpp"
#include "glulab/core/tape.hpp"

#include <algorithm>
#include <array>
#include <cmath>
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

// smooth_ffn_hidden
// -----------------
bool ffn_smoothable(FfnKind kind) { return is_gated(kind) || kind == FfnKind::relu; }

int smooth_ffn_hidden(Transformer& model, const std::vector<int>& ids, int windows) {
    const FfnKind kind = model.config().ffn;
    if (!ffn_smoothable(kind)) return 0;  // not homogeneous: not exact
    const int T = model.config().ctx, L = model.config().layers, H = model.d_ff();
    const int64_t available = ids.empty() ? 0 : static_cast<int64_t>(ids.size() - 1) / T;
    const int n = static_cast<int>(std::min<int64_t>(windows, available));
    GLULAB_CHECK(n > 0, "give a longer calibration text", "smooth_ffn_hidden: the text holds no window of T + 1 = {}",
                 T + 1);
    // a (L, H): the largest |h_j| of each layer over the calibration windows, 16 at a time.
    std::vector<float> a(static_cast<size_t>(L) * H, 0.0f);
    Tape tape;
    NoGrad off(tape);
    for (int k0 = 0; k0 < n; k0 += 16) {
        const int B = std::min(16, n - k0);
        tape.reset();
        model.forward(tape, ids.data() + static_cast<size_t>(k0) * T, B, T);  // window k: ids[k T, k T + T)
        for (int l = 0; l < L; l++) {
            const Tensor h = model.block_taps(l).hidden;  // (B, T, H)
            for (int64_t r = 0; r < h.rows(); r++)
                for (int j = 0; j < H; j++)
                    a[static_cast<size_t>(l) * H + j] = std::max(a[static_cast<size_t>(l) * H + j], std::fabs(h.data[r * H + j]));
        }
    }
    for (int l = 0; l < L; l++) {
        FeedForward& f = model.blocks[static_cast<size_t>(l)].ffn;
        const Tensor& up = f.up.weight;      // (H, C)
        const Tensor& down = f.down.weight;  // (C, H)
        for (int j = 0; j < H; j++) {
            float w = 0;
            for (int i = 0; i < down.rows(); i++) w = std::max(w, std::fabs(down.data[i * H + j]));
            const float aj = a[static_cast<size_t>(l) * H + j];
            const float m = aj > 0 && w > 0 ? std::sqrt(aj / w) : 1.0f;
            for (int c = 0; c < up.cols(); c++) up.data[static_cast<int64_t>(j) * up.cols() + c] /= m;
            if (f.up.bias.data) f.up.bias.data[j] /= m;
            for (int i = 0; i < down.rows(); i++) down.data[i * H + j] *= m;
        }
    }
    return L;
}

}  // namespace glulab
