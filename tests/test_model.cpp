// test_model.cpp — FfnKind, ModelConfig, parameter counts and names, forward, loss, gradients.
#include <doctest/doctest.h>

#include "glulab/nn/model.hpp"

#include <cmath>
#include <numeric>
#include <optional>

using namespace glulab;

namespace {

// Token ids 0..V-1 in a fixed pseudo-random order, (B, T).
std::vector<int> some_ids(int B, int T, int V, uint64_t seed) {
    Rng rng(seed);
    std::vector<int> ids(static_cast<size_t>(B * T));
    for (int& i : ids) i = static_cast<int>(rng.below(static_cast<uint64_t>(V)));
    return ids;
}

const ModelConfig tiny{.vocab_size = 11, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2};
ModelConfig with_dropout(ModelConfig cfg, float p) {
    cfg.dropout = p;
    return cfg;
}

}  // namespace

TEST_CASE("ffn kinds: names round-trip, one parser, unknown names list the valid ones") {
    // Every kind once, in the enum's order: the count is the table's (ffn.cpp), written nowhere else.
    const std::span<const FfnKind> kinds = all_ffn_kinds();
    CHECK(kinds.size() >= 2);
    for (size_t i = 0; i < kinds.size(); i++) CHECK(static_cast<size_t>(kinds[i]) == i);
    CHECK(std::find(kinds.begin(), kinds.end(), FfnKind::swiglu) != kinds.end());
    for (FfnKind k : all_ffn_kinds()) CHECK(parse_ffn_kind(ffn_kind_name(k)) == k);
    CHECK(parse_ffn_kind("swiglu") == FfnKind::swiglu);
    CHECK(is_gated(FfnKind::bilinear));
    CHECK_FALSE(is_gated(FfnKind::swish));
    CHECK(ffn_activation(FfnKind::swish) == Act::silu);
    CHECK(ffn_activation(FfnKind::glu) == Act::sigmoid);
    CHECK(ffn_activation(FfnKind::bilinear) == Act::identity);
    CHECK(ffn_activation(FfnKind::geglu) == Act::gelu);
    try {
        parse_ffn_kind("SwiGLU");
        FAIL("no throw");
    } catch (const Error& e) {
        const std::string what = e.what();
        CHECK(what.find("'SwiGLU'") != std::string::npos);
        CHECK(what.find("relu, gelu, swish, glu, bilinear, reglu, geglu, swiglu") !=
              std::string::npos);
    }
}

TEST_CASE("d_ff: 4C plain, 2/3 of 4C rounded up to multiple_of when gated, d_ff overrides") {
    CHECK(ModelConfig{.ffn = FfnKind::relu}.ffn_hidden() == 512);
    CHECK(ModelConfig{.ffn = FfnKind::swiglu}.ffn_hidden() == 344);  // 341.33 -> 344
    CHECK(ModelConfig{.ffn = FfnKind::glu}.ffn_hidden() == 344);
    CHECK(ModelConfig{.ffn = FfnKind::swiglu, .multiple_of = 1}.ffn_hidden() == 342);  // ceil
    CHECK(ModelConfig{.ffn = FfnKind::swiglu, .multiple_of = 64}.ffn_hidden() == 384);
    CHECK(ModelConfig{.d_model = 96, .ffn = FfnKind::swiglu}.ffn_hidden() == 256);  // exact
    CHECK(ModelConfig{.ffn = FfnKind::swiglu, .d_ff = 100}.ffn_hidden() == 100);
    CHECK(ModelConfig{.ffn = FfnKind::relu, .d_ff = 100}.ffn_hidden() == 100);
}

TEST_CASE("config: validation names the field and how to fix it") {
    CHECK_NOTHROW(ModelConfig{.vocab_size = 65}.validate());
    CHECK_THROWS_WITH_AS(ModelConfig{}.validate(), doctest::Contains("vocab_size (V) = 0"), Error);
    CHECK_THROWS_WITH_AS((ModelConfig{.vocab_size = 65, .heads = 5}.validate()),
                         doctest::Contains("not divisible by heads (NH) = 5"), Error);
    CHECK_THROWS_WITH_AS((ModelConfig{.vocab_size = 65, .layers = 0}.validate()),
                         doctest::Contains("layers (L) = 0"), Error);
    CHECK_THROWS_WITH_AS((ModelConfig{.vocab_size = 65, .dropout = 1.0f}.validate()),
                         doctest::Contains("dropout = 1"), Error);
    CHECK_THROWS_WITH_AS((ModelConfig{.vocab_size = 65, .d_ff = -3}.validate()),
                         doctest::Contains("d_ff (H) = -3"), Error);
    CHECK_THROWS_AS(Transformer(ModelConfig{.vocab_size = 65, .heads = 3}), Error);
}

TEST_CASE("config: the parameter limit counts every declared parameter, layernorm's biases too") {
    for (FfnKind kind : all_ffn_kinds())
        for (NormKind norm : {NormKind::rmsnorm, NormKind::layernorm}) {
            const ModelConfig cfg{.vocab_size = 65, .layers = 2, .ffn = kind, .norm = norm};
            CAPTURE(ffn_kind_name(kind));
            CAPTURE(norm_kind_name(norm));
            int64_t declared = 0;
            for (const ParamEntry& e : Transformer::declared_params(cfg)) declared += e.shape.numel();
            CHECK(cfg.param_count() == declared);
        }
    // At the limit: without layernorm's 2L + 1 biases this model fits, with them it does not.
    ModelConfig big{.vocab_size = 998903, .ctx = 1024, .layers = 8, .d_model = 1024, .heads = 8,
                    .ffn = FfnKind::relu};
    CHECK_NOTHROW(big.validate());
    big.norm = NormKind::layernorm;
    CHECK_THROWS_WITH_AS(big.validate(), doctest::Contains("above glulab's limit of 2147483648"), Error);
}

TEST_CASE("parameters: counts of the default config, relu vs swiglu FFNs nearly equal") {
    const int V = 65;
    Transformer relu(ModelConfig{.vocab_size = V, .ffn = FfnKind::relu});
    Transformer swiglu(ModelConfig{.vocab_size = V, .ffn = FfnKind::swiglu});
    const ParamCounts r = relu.param_table().counts, s = swiglu.param_table().counts;
    CHECK(r.ffn == 4 * 2 * 128 * 512);  // L * (up + down), H = 512
    CHECK(s.ffn == 4 * 3 * 128 * 344);  // L * (up + gate + down), H = 344
    CHECK(std::abs(static_cast<double>(s.ffn - r.ffn)) / static_cast<double>(r.ffn) < 0.01);
    CHECK(r.embeddings == V * 128 + 64 * 128);
    CHECK(r.attention == 4 * (3 * 128 * 128 + 128 * 128));
    CHECK(r.norms == 4 * 2 * 128 + 128);
    CHECK(r.head == V * 128);
    CHECK(r.total == r.embeddings + r.attention + r.ffn + r.norms + r.head);
    CHECK(r.total == static_cast<int64_t>(relu.params().size()));
    CHECK(r.total == 812416);
    CHECK(s.total == 816512);
}

TEST_CASE("token_cost: a matrix's multiply-adds per token are its weights; gated FFNs cost the same at matched size") {
    // L 2, C 8, T 4, V 10, H 32 (relu) and 24 (swiglu, 2/3 of 4C rounded to 8).
    ModelConfig m{.vocab_size = 10, .ctx = 4, .layers = 2, .d_model = 8, .heads = 2, .ffn = FfnKind::relu};
    const TokenCost relu = token_cost(m, m.ffn_hidden());
    CHECK(relu.ffn_macs == 2 * (2 * 8 * 32 + 32));  // up, down; act
    // attention 2 (4 * 64 + 8 * 5), norms 5 * 8, head 8 * 10
    CHECK(relu.total_macs == relu.ffn_macs + 2 * (4 * 64 + 8 * 5) + 5 * 8 + 80);
    m.ffn = FfnKind::swiglu;
    const TokenCost swiglu = token_cost(m, m.ffn_hidden());
    CHECK(swiglu.ffn_macs == 2 * (3 * 8 * 24 + 2 * 24));  // up, gate, down; act, act * up
    // The FFN matrices of both are the parameter counts of the FFN.
    m.ffn = FfnKind::relu;
    CHECK(relu.ffn_macs - 2 * 32 == Transformer(m).param_table().counts.ffn);
    // The default model: the gated FFN's cost is within 1% of the plain one's, not 1.5x.
    const ModelConfig d{.vocab_size = 65, .ffn = FfnKind::swiglu};
    ModelConfig p = d;
    p.ffn = FfnKind::gelu;
    const double ratio = static_cast<double>(token_cost(d, d.ffn_hidden()).ffn_macs) /
                         static_cast<double>(token_cost(p, p.ffn_hidden()).ffn_macs);
    CHECK(ratio == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("parameters: PyTorch-style names, in order, decay on matrices only") {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 2, .d_model = 16,
                                  .heads = 2, .ffn = FfnKind::geglu});
    std::vector<std::string> names;
    for (const ParamEntry& e : model.params().entries()) names.push_back(e.name);
    const std::vector<std::string> block0{
        "blocks.0.attn_norm.weight", "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.weight",
        "blocks.0.ffn_norm.weight",  "blocks.0.ffn.up.weight",   "blocks.0.ffn.gate.weight",
        "blocks.0.ffn.down.weight"};
    REQUIRE(names.size() == 2 + 2 * 7 + 2);
    CHECK(names[0] == "wte.weight");
    CHECK(names[1] == "wpe.weight");
    for (size_t i = 0; i < block0.size(); i++) CHECK(names[2 + i] == block0[i]);
    CHECK(names[names.size() - 2] == "norm_f.weight");
    CHECK(names.back() == "lm_head.weight");
    const ParamStore& ps = model.params();
    CHECK(ps.find("blocks.1.attn.qkv.weight").shape == Shape{48, 16});
    CHECK(ps.find("blocks.1.ffn.gate.weight").shape == Shape{48, 16});  // H = 48 for C = 16
    CHECK(ps.find("blocks.1.ffn.down.weight").shape == Shape{16, 48});
    CHECK(ps.find("lm_head.weight").shape == Shape{11, 16});
    CHECK(ps.find("blocks.1.ffn.down.weight").decay);
    CHECK_FALSE(ps.find("wte.weight").decay);
    CHECK_FALSE(ps.find("norm_f.weight").decay);
    // The layers reach the same memory by name.
    const size_t gate_offset = ps.find("blocks.1.ffn.gate.weight").offset;
    CHECK(model.blocks[1].ffn.gate.weight.data == ps.data() + gate_offset);

    Transformer plain(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 2, .d_model = 16,
                                  .heads = 2, .ffn = FfnKind::gelu});
    CHECK_THROWS_AS(plain.params().find("blocks.0.ffn.gate.weight"), Error);
}

TEST_CASE("parameter table: rows, components and a text rendering") {
    Transformer model(ModelConfig{.vocab_size = 65, .ffn = FfnKind::relu});
    const ParamTable table = model.param_table();
    CHECK(table.rows.size() == model.params().entries().size());
    CHECK(table.rows[2].name == "blocks.0.attn_norm.weight");
    CHECK(table.rows[2].component == "norms");
    CHECK(table.rows[3].component == "attention");
    CHECK(table.rows[3].count == 3 * 128 * 128);
    const std::string text = format_param_table(table);
    CHECK(text.find("blocks.0.attn.qkv.weight") != std::string::npos);
    CHECK(text.find("(384, 128)") != std::string::npos);
    CHECK(text.find("812,416") != std::string::npos);
}

TEST_CASE("init: N(0, 0.02), residual projections N(0, 0.02/sqrt(2L)), gains 1") {
    Transformer model(ModelConfig{.vocab_size = 65, .ffn = FfnKind::swiglu});
    model.init(1337);
    auto stddev = [](Tensor t) {
        double s = 0, ss = 0;
        for (int64_t i = 0; i < t.numel(); i++) s += t.data[i], ss += t.data[i] * t.data[i];
        const double n = static_cast<double>(t.numel()), mean = s / n;
        return std::sqrt(ss / n - mean * mean);
    };
    const Block& b = model.blocks[2];
    CHECK(stddev(b.attn.qkv.weight) == doctest::Approx(0.02).epsilon(0.02));
    CHECK(stddev(model.wte.weight) == doctest::Approx(0.02).epsilon(0.05));
    CHECK(stddev(b.attn.proj.weight) == doctest::Approx(0.02 / std::sqrt(8.0)).epsilon(0.03));
    CHECK(stddev(b.ffn.down.weight) == doctest::Approx(0.02 / std::sqrt(8.0)).epsilon(0.03));
    CHECK(stddev(b.ffn.gate.weight) == doctest::Approx(0.02).epsilon(0.03));
    for (int c = 0; c < 128; c++) REQUIRE(b.ffn_norm.weight.data[c] == 1.0f);
    // Same seed, same weights; another seed, other weights.
    Transformer again(ModelConfig{.vocab_size = 65, .ffn = FfnKind::swiglu});
    again.init(1337);
    CHECK(std::equal(again.params().data(), again.params().data() + again.params().size(),
                     model.params().data()));
    again.init(1338);
    CHECK(again.params().data()[0] != model.params().data()[0]);
}

TEST_CASE("forward: logits (B, T, V), and the loss at init is close to log V") {
    for (FfnKind kind : all_ffn_kinds()) {
        CAPTURE(ffn_kind_name(kind));
        ModelConfig cfg{.vocab_size = 65, .ctx = 32, .layers = 2, .d_model = 64, .heads = 4,
                        .ffn = kind};
        Transformer model(cfg);
        model.init(7);
        const int B = 3, T = 32;
        const std::vector<int> idx = some_ids(B, T, 65, 1), targets = some_ids(B, T, 65, 2);
        Tape tape;
        Tensor logits = model.forward(tape, idx.data(), B, T);
        CHECK(logits.shape == Shape{B, T, 65});
        tape.reset();
        Tensor loss = model.loss(tape, idx.data(), targets.data(), B, T);
        CHECK(loss.shape == Shape{1});
        CHECK(std::abs(loss.data[0] - std::log(65.0f)) < 0.1f);
    }
}

TEST_CASE("forward: a context shorter than ctx works, and is causal") {
    Transformer model(tiny);
    model.init(3);
    const int B = 2;
    const std::vector<int> idx = some_ids(B, 8, 11, 5);
    Tape tape;
    NoGrad off(tape);
    Tensor full = model.forward(tape, idx.data(), B, 8);  // (2, 8, 11)
    // The first 5 positions of each row, as their own (2, 5) batch.
    std::vector<int> prefix;
    for (int b = 0; b < B; b++)
        prefix.insert(prefix.end(), idx.begin() + b * 8, idx.begin() + b * 8 + 5);
    Tensor part = model.forward(tape, prefix.data(), B, 5);  // (2, 5, 11)
    CHECK(part.shape == Shape{B, 5, 11});
    // Position t sees tokens 0..t only, so the prefix gives the same logits.
    for (int b = 0; b < B; b++)
        for (int t = 0; t < 5; t++)
            for (int v = 0; v < 11; v++)
                REQUIRE(part.at({b, t, v}) == doctest::Approx(full.at({b, t, v})).epsilon(1e-5));
    CHECK_THROWS_WITH_AS(model.forward(tape, idx.data(), 1, 9), doctest::Contains("T = 9"), Error);
}

TEST_CASE("gate telemetry: up_gate(x) of each layer, a view from the last forward") {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 2, .d_model = 16,
                                  .heads = 2, .ffn = FfnKind::swiglu});
    model.init(1);
    CHECK_THROWS_AS(model.ffn_up_gate(0), Error);  // no forward yet
    const std::vector<int> idx = some_ids(2, 6, 11, 1);
    Tape tape;
    model.forward(tape, idx.data(), 2, 6);
    for (int l = 0; l < 2; l++) {
        Tensor g = model.ffn_up_gate(l);
        CHECK(g.shape == Shape{2, 6, 2 * model.d_ff()});
        // It is the output of the joined projection: the input of one glu node on the tape.
        bool found = false;
        for (const Node& n : tape.nodes())
            found |= std::string_view(n.op) == "glu" && n.in[0].data == g.data;
        CHECK(found);
    }
    CHECK_THROWS_AS(model.ffn_up_gate(2), Error);
    Transformer plain(tiny);
    CHECK_THROWS_AS(plain.ffn_up_gate(0), Error);
}

// up and gate stay two named parameters (table, checkpoint), declared one after the other, and
// up_gate is one (2H, C) view of both: one matmul forward whose halves are the two separate
// products, and one dW backward whose halves are the two separate weight gradients.
TEST_CASE("gated FFN: one product by the joined (2H, C) block equals the up and gate products") {
    Transformer model(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 1, .d_model = 16,
                                  .heads = 2, .ffn = FfnKind::geglu});
    model.init(3);
    FeedForward& ffn = model.blocks[0].ffn;
    const int H = model.d_ff(), C = 16;
    CHECK(ffn.up_gate.weight.shape == Shape{2 * H, C});
    CHECK(ffn.up_gate.weight.data == ffn.up.weight.data);
    CHECK(ffn.up_gate.weight.data + int64_t{H} * C == ffn.gate.weight.data);
    CHECK(ffn.up_gate.weight.grad + int64_t{H} * C == ffn.gate.weight.grad);
    const ParamEntry& up = model.params().find("blocks.0.ffn.up.weight");
    const ParamEntry& gate = model.params().find("blocks.0.ffn.gate.weight");
    CHECK(gate.offset == up.offset + static_cast<size_t>(H) * C);

    // The forward's joined output against the two separate products, and the weight gradients
    // of a loss through glu against those of two separate linears.
    Rng rng(5);
    std::vector<float> xv(3 * C);
    for (float& v : xv) v = static_cast<float>(rng.normal());
    Tensor x{xv.data(), nullptr, Shape{1, 3, C}};
    Tape tape;
    model.params().zero_grad();
    tape.backward(sum(tape, ffn(tape, x)));
    std::vector<float> joined_dw(ffn.up_gate.weight.grad, ffn.up_gate.weight.grad + 2 * H * C);
    Tensor both = ffn.up_gate_out;
    model.params().zero_grad();
    Tape separate;
    Tensor u = linear(separate, x, ffn.up.weight), g = linear(separate, x, ffn.gate.weight);
    Tensor h = mul(separate, activation(separate, g, Act::gelu), u);
    separate.backward(sum(separate, linear(separate, h, ffn.down.weight)));
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < H; i++) {
            REQUIRE(both.data[r * 2 * H + i] == doctest::Approx(u.data[r * H + i]).epsilon(1e-6));
            REQUIRE(both.data[r * 2 * H + H + i] == doctest::Approx(g.data[r * H + i]).epsilon(1e-6));
        }
    for (int64_t i = 0; i < int64_t{2} * H * C; i++)
        REQUIRE(joined_dw[static_cast<size_t>(i)] ==
                doctest::Approx(ffn.up_gate.weight.grad[i]).epsilon(1e-5));
}

TEST_CASE("ParamStore::joined: only adjacent parameters with rows of one shape") {
    ParamStore ps;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) ps.allocate();
        Tensor a = ps.add("a", Shape{2, 3}, true);
        Tensor b = ps.add("b", Shape{4, 3}, true);
        Tensor c = ps.add("c", Shape{4, 3}, true);
        Tensor d = ps.add("d", Shape{4, 5}, true);
        CHECK(ps.joined(a, b).shape == Shape{6, 3});
        CHECK_THROWS_WITH_AS(ps.joined(c, d), doctest::Contains("do not stack"), Error);
        if (pass == 1) {
            CHECK(ps.joined(a, b).data == a.data);
            CHECK_THROWS_WITH_AS(ps.joined(a, c), doctest::Contains("not adjacent"), Error);
        }
    }
}

TEST_CASE("dropout: on in training mode only, new masks after each reseed") {
    Transformer model(with_dropout(tiny, 0.5f));
    model.init(1);
    const std::vector<int> idx = some_ids(2, 8, 11, 1), targets = some_ids(2, 8, 11, 2);
    Tape tape;
    auto loss = [&] {
        tape.reset();
        return model.loss(tape, idx.data(), targets.data(), 2, 8).data[0];
    };
    CHECK_FALSE(model.training());  // a new model evaluates
    const float eval = loss();      // recorded, and still no dropout
    model.train();
    const float train0 = loss(), train0_again = loss();
    model.reseed_dropout(77);
    const float train1 = loss();
    model.eval();
    CHECK(loss() == eval);           // deterministic, whatever ran before
    CHECK(train0 != eval);           // units dropped
    CHECK(train0 == train0_again);   // the same masks until the next reseed
    CHECK(train1 != train0);         // a new mask after it
}

// Rank r of N computes rows [r B/N, (r + 1) B/N) with train(r B/N): its masks are those rows'
// masks of the whole batch, so the mean of the rank losses is the one-process loss.
TEST_CASE("dropout: the rows of a batch, computed apart, drop what the whole batch drops") {
    Transformer model(with_dropout(tiny, 0.5f));
    model.init(1);
    const std::vector<int> idx = some_ids(4, 8, 11, 1), targets = some_ids(4, 8, 11, 2);
    Tape tape;
    model.train();
    const double whole = model.loss(tape, idx.data(), targets.data(), 4, 8).data[0];
    double halves = 0;
    for (int first_row : {0, 2}) {
        tape.reset();
        model.train(first_row);
        const size_t at = static_cast<size_t>(first_row) * 8;
        halves += 0.5 * model.loss(tape, idx.data() + at, targets.data() + at, 2, 8).data[0];
    }
    CHECK(halves == doctest::Approx(whole).epsilon(1e-6));
    tape.reset();
    model.train(0);  // rows 2, 3 with the masks of rows 0, 1: another loss
    const double wrong = 0.5 * (model.loss(tape, idx.data(), targets.data(), 2, 8).data[0] +
                                model.loss(tape, idx.data() + 16, targets.data() + 16, 2, 8).data[0]);
    CHECK(wrong != doctest::Approx(whole).epsilon(1e-6));
}

// Central differences on a few values of every parameter tensor of a tiny model, for every
// FFN kind: checks the model's wiring (every weight reached, every gradient accumulated), with
// the ops' own gradients checked elsewhere. The loss is float32, so the step h = 1e-3 with a
// tolerance of 2e-3 + 2% (float rounding of the loss costs about 1e-4 at this h). A larger h
// fails for relu: a step of 1e-2 moves some of the hidden pre-activations across relu's kink,
// and the central difference then measures a mix of two slopes.
namespace {
// Central differences on 3 values of every parameter tensor of `model` (weights already drawn),
// against the analytic gradient of one recorded loss. Every loss is evaluated in the model's
// current mode: in training mode (dropout on) each evaluation must drop the same units, or the
// differences measure the change of mask, not the slope.
void check_model_gradients(Transformer& model) {
    const int V = model.config().vocab_size;
    ParamStore& ps = model.params();
    Rng rng(5);
    for (size_t i = 0; i < ps.size(); i++)
        ps.data()[i] += 0.3f * static_cast<float>(rng.normal());
    const std::vector<int> idx = some_ids(2, 4, V, 3), targets = some_ids(2, 4, V, 4);
    Tape tape;
    ps.zero_grad();
    tape.backward(model.loss(tape, idx.data(), targets.data(), 2, 4));
    auto loss_now = [&] {
        tape.reset();
        NoGrad off(tape);
        return static_cast<double>(model.loss(tape, idx.data(), targets.data(), 2, 4).data[0]);
    };
    for (const ParamEntry& e : ps.entries()) {
        for (int k = 0; k < 3; k++) {
            const size_t i = e.offset + rng.below(static_cast<uint64_t>(e.shape.numel()));
            const float saved = ps.data()[i], h = 1e-3f;
            ps.data()[i] = saved + h;
            const double up = loss_now();
            ps.data()[i] = saved - h;
            const double down = loss_now();
            ps.data()[i] = saved;
            const double numeric = (up - down) / (2.0 * h), analytic = ps.grad()[i];
            CAPTURE(e.name);
            CAPTURE(i - e.offset);
            CHECK(std::abs(numeric - analytic) <= 2e-3 + 2e-2 * std::abs(numeric));
        }
    }
}
}  // namespace

TEST_CASE("gradients: the model's analytic gradients match central differences") {
    for (FfnKind kind : all_ffn_kinds()) {
        CAPTURE(ffn_kind_name(kind));
        Transformer model(ModelConfig{.vocab_size = 7, .ctx = 4, .layers = 2, .d_model = 8,
                                      .heads = 2, .ffn = kind});
        model.init(11);
        // Larger weights than the 0.02 init so that every path carries a visible gradient.
        check_model_gradients(model);
    }
}

// Dropout has its own switch: with the model in training mode, the gradient check's loss
// evaluations (recorded or not) all see the same masks, so it checks the gradient of the
// function that was trained, dropout included.
TEST_CASE("gradients: with dropout in training mode, every loss evaluation drops the same units") {
    Transformer model(ModelConfig{.vocab_size = 7, .ctx = 4, .layers = 2, .d_model = 8, .heads = 2,
                                  .ffn = FfnKind::swiglu, .dropout = 0.25f});
    model.init(11);
    const std::vector<int> idx = some_ids(2, 4, 7, 3), targets = some_ids(2, 4, 7, 4);
    Tape tape;
    auto loss_once = [&](bool record) {
        tape.reset();
        std::optional<NoGrad> off;
        if (!record) off.emplace(tape);
        return model.loss(tape, idx.data(), targets.data(), 2, 4).data[0];
    };
    const float eval_loss = loss_once(false);
    model.train();
    const float recorded = loss_once(true), not_recorded = loss_once(false);
    CHECK(recorded == not_recorded);  // fixed masks, whether the tape records or not
    CHECK(recorded != eval_loss);     // and units really are dropped
    check_model_gradients(model);
}
