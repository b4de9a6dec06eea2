// ffn.cpp — the feed-forward layer in every variant of FfnKind, and FfnKind's one parser.
//
// Contains: the FfnKind table (name, gated, activation) and the functions that read it
// (parse_ffn_kind, ffn_kind_name, all_ffn_kinds, ffn_kind_names, is_gated, ffn_activation),
// FeedForward::declare and FeedForward's forward. Leaves out: the glu kernel itself
// (src/ops/glu.cpp) and the hidden-width rule (ModelConfig::ffn_hidden in src/nn/config.cpp).
//
// Lesson 07 · the GLU family
#include "glulab/nn/model.hpp"

#include <array>

namespace glulab {

namespace {

// The one table every FfnKind function reads, in the order of the enum. Its length is the
// number of kinds: nothing else writes it down.
struct FfnKindInfo {
    FfnKind kind;
    std::string_view name;
    bool gated;
    Act act;
};
constexpr auto ffn_kinds = std::to_array<FfnKindInfo>({
    {FfnKind::relu, "relu", false, Act::relu},
    {FfnKind::gelu, "gelu", false, Act::gelu},
    {FfnKind::swish, "swish", false, Act::silu},
    {FfnKind::glu, "glu", true, Act::sigmoid},
    {FfnKind::bilinear, "bilinear", true, Act::identity},
    {FfnKind::reglu, "reglu", true, Act::relu},
    {FfnKind::geglu, "geglu", true, Act::gelu},
    {FfnKind::swiglu, "swiglu", true, Act::silu},
});
// info(kind) indexes the table by the enum's value, so the rows must follow the enum.
constexpr bool in_enum_order() {
    for (size_t i = 0; i < ffn_kinds.size(); i++)
        if (static_cast<size_t>(ffn_kinds[i].kind) != i) return false;
    return true;
}
static_assert(in_enum_order(), "ffn_kinds must list the kinds in the order of enum FfnKind");

constexpr std::array<FfnKind, ffn_kinds.size()> kinds_in_order = [] {
    std::array<FfnKind, ffn_kinds.size()> kinds{};
    for (size_t i = 0; i < kinds.size(); i++) kinds[i] = ffn_kinds[i].kind;
    return kinds;
}();

const FfnKindInfo& info(FfnKind kind) { return ffn_kinds[static_cast<size_t>(kind)]; }

}  // namespace

// parse_ffn_kind
// --------------
// The only place a name becomes an FfnKind (the CLI, configs and checkpoints all come here).
FfnKind parse_ffn_kind(std::string_view name) {
    for (const FfnKindInfo& k : ffn_kinds)
        if (k.name == name) return k.kind;
    GLULAB_CHECK(false, "names are lower case, as listed", "unknown FFN kind '{}'; valid kinds: {}",
                 name, ffn_kind_names());
    return FfnKind::relu;  // not reached
}

std::string_view ffn_kind_name(FfnKind kind) { return info(kind).name; }
std::span<const FfnKind> all_ffn_kinds() { return kinds_in_order; }
bool is_gated(FfnKind kind) { return info(kind).gated; }
Act ffn_activation(FfnKind kind) { return info(kind).act; }

std::string ffn_kind_names() {
    std::string s;
    for (const FfnKindInfo& k : ffn_kinds) s += fmt::format("{}{}", s.empty() ? "" : ", ", k.name);
    return s;
}

// FeedForward
// -----------
// Plain kinds have two projections, up (H, C) and down (C, H); gated kinds add a third, gate
// (H, C). Declared in the order up, gate, down, which is the order of the parameter table and
// of a checkpoint. Declared one after the other, up and gate are one (2H, C) block of the
// arena, so the forward can multiply by both at once through the view up_gate: one matmul
// (and one for dx, one for dW backward) instead of two of each.
void FeedForward::declare(ParamStore& ps, const std::string& name, FfnKind k, int C, int H) {
    kind = k;
    up.declare(ps, name + ".up", C, H);
    if (is_gated(kind)) {
        gate.declare(ps, name + ".gate", C, H);
        up_gate.weight = ps.joined(up.weight, gate.weight);  // (2H, C)
    }
    down.declare(ps, name + ".down", H, C);
}

// forward
// -------
// x (B, T, C) -> (B, T, C), with H the hidden width:
//
//     plain:  h = act(x Wup^T)                      (B, T, H)
//     gated:  [u | g] = x [Wup; Wgate]^T            (B, T, 2H), one matmul by the (2H, C) block
//             h = act(g) * u                        (B, T, H), one fused glu op
//     out = h Wdown^T                               (B, T, C)
//
// The composite form of the gated lines, two matmuls and mul(activation(gate), up), computes
// the same numbers; tests/test_fused.cpp checks glu against it, tests/test_model.cpp the
// joined product against the two separate ones.
Tensor FeedForward::operator()(Tape& tape, Tensor x) {
    const Act act = ffn_activation(kind);
    input_out = x;  // the input, the hidden vector and the gate pre-activation are kept for telemetry
    if (!is_gated(kind)) {
        hidden_out = activation(tape, up(tape, x), act);
        return down(tape, hidden_out);
    }
    up_gate_out = up_gate(tape, x);  // act(its gate half) is what gates
    hidden_out = glu(tape, up_gate_out, act);
    return down(tape, hidden_out);
}

}  // namespace glulab
