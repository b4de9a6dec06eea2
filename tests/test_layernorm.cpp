// test_layernorm.cpp — LayerNorm as a model option (`--norm layernorm`): the kernels, the
// layer's parameters, the config and checkpoint field, and the flag.
//
// The kernels' gradients are checked against central differences in test_gradcheck.cpp
// (layer_norm, layernorm_ffn, a whole layernorm model); here are the properties a LayerNorm
// must have whatever its inputs, the plumbing around it, and the results page's norm section.
// Run just these with: build/tests -tc="layernorm*"
//
// Lesson 08 · RMSNorm
#include <doctest/doctest.h>

#include "glulab/train/checkpoint.hpp"
#include "glulab/experiment/report.hpp"
#include "glulab/ops/ops.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/train/safetensors.hpp"
#include "glulab/core/tape.hpp"


#include <cmath>
#include <string>
#include <vector>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::json_at;
using glulab_test::json_with;
using glulab_test::json_without;
using glulab_test::TempDir;

TEST_SUITE_BEGIN("lesson08");  // make test LESSON=08 runs these

TEST_CASE("layernorm: each output row has mean b and standard deviation g (g, b per channel = 1, 0)") {
    const int N = 3, C = 16;
    Rng rng(3);
    std::vector<float> x(N * C), out(N * C), mean(N), rstd(N), g(C, 1.0f), b(C, 0.0f);
    for (int i = 0; i < N * C; i++) x[i] = 4.0f + 3.0f * static_cast<float>(rng.normal());
    layer_norm_forward(out.data(), mean.data(), rstd.data(), x.data(), g.data(), b.data(), N, C, 1e-5f);
    for (int i = 0; i < N; i++) {
        double m = 0, v = 0, xm = 0;
        for (int c = 0; c < C; c++) m += out[i * C + c], xm += x[i * C + c];
        m /= C;
        for (int c = 0; c < C; c++) v += (out[i * C + c] - m) * (out[i * C + c] - m);
        CHECK(std::fabs(m) < 1e-5);
        CHECK(v / C == doctest::Approx(1.0).epsilon(1e-4));
        CHECK(mean[i] == doctest::Approx(xm / C).epsilon(1e-5));  // the cache is the row mean
    }
    // A shift of the whole row changes nothing (RMSNorm's output would change).
    std::vector<float> shifted(x), out2(N * C);
    for (float& v : shifted) v += 100.0f;
    layer_norm_forward(out2.data(), mean.data(), rstd.data(), shifted.data(), g.data(), b.data(), N, C, 1e-5f);
    for (int i = 0; i < N * C; i++) CHECK(out2[i] == doctest::Approx(out[i]).epsilon(1e-3).scale(1e-3));
}

TEST_CASE("layernorm: the backward adds; dx sums to zero per row; dg and db sum over rows") {
    const int N = 4, C = 8;
    Rng rng(11);
    std::vector<float> x(N * C), out(N * C), mean(N), rstd(N), g(C), b(C), dout(N * C);
    for (float& v : x) v = 0.5f + static_cast<float>(rng.normal());
    for (float& v : g) v = 1.0f + 0.5f * static_cast<float>(rng.normal());
    for (float& v : b) v = 0.5f * static_cast<float>(rng.normal());
    for (float& v : dout) v = static_cast<float>(rng.normal());
    layer_norm_forward(out.data(), mean.data(), rstd.data(), x.data(), g.data(), b.data(), N, C, 1e-5f);

    std::vector<float> dx(N * C, 0.0f), dg(C, 0.0f), db(C, 0.0f);
    layer_norm_backward(dx.data(), dg.data(), db.data(), dout.data(), x.data(), g.data(), mean.data(),
                        rstd.data(), N, C);
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int c = 0; c < C; c++) s += dx[i * C + c];
        CHECK(std::fabs(s) < 1e-5);  // the path through the mean
    }
    for (int c = 0; c < C; c++) {
        double sb = 0, sg = 0;
        for (int i = 0; i < N; i++) {
            sb += dout[i * C + c];
            sg += dout[i * C + c] * (out[i * C + c] - b[c]) / g[c];  // dout * xhat
        }
        CHECK(db[c] == doctest::Approx(sb).epsilon(1e-5));
        CHECK(dg[c] == doctest::Approx(sg).epsilon(1e-4));
    }
    // += : a second call doubles every gradient; null arrays are skipped.
    std::vector<float> dx2(dx), dg2(dg), db2(db);
    layer_norm_backward(dx2.data(), dg2.data(), db2.data(), dout.data(), x.data(), g.data(), mean.data(),
                        rstd.data(), N, C);
    for (int i = 0; i < N * C; i++) CHECK(dx2[i] == doctest::Approx(2 * dx[i]));
    for (int c = 0; c < C; c++) CHECK(db2[c] == doctest::Approx(2 * db[c]));
    std::vector<float> only_dx(N * C, 0.0f);
    layer_norm_backward(only_dx.data(), nullptr, nullptr, dout.data(), x.data(), g.data(), mean.data(),
                        rstd.data(), N, C);
    for (int i = 0; i < N * C; i++) CHECK(only_dx[i] == doctest::Approx(dx[i]));
}

TEST_CASE("layernorm: parse_norm_kind takes the two names and lists them when it rejects one") {
    CHECK(parse_norm_kind("rmsnorm") == NormKind::rmsnorm);
    CHECK(parse_norm_kind("layernorm") == NormKind::layernorm);
    CHECK(norm_kind_name(NormKind::layernorm) == "layernorm");
    CHECK(norm_kind_names() == "rmsnorm, layernorm");
    CHECK_THROWS_WITH_AS(parse_norm_kind("LayerNorm"), doctest::Contains("valid kinds: rmsnorm, layernorm"),
                         Error);
    CHECK(ModelConfig{}.norm == NormKind::rmsnorm);  // the default stays RMSNorm
}

TEST_CASE("layernorm: every norm gets a bias (C), named like its weight, no decay; counts add up") {
    const int V = 65;
    Transformer rms(ModelConfig{.vocab_size = V, .ffn = FfnKind::relu});
    Transformer ln(ModelConfig{.vocab_size = V, .ffn = FfnKind::relu, .norm = NormKind::layernorm});
    const ParamCounts r = rms.param_table().counts, l = ln.param_table().counts;
    CHECK(l.norms == 2 * r.norms);  // a bias per gain
    CHECK(l.norms == (4 * 2 + 1) * 2 * 128);
    CHECK(l.total == r.total + r.norms);
    CHECK(l.total == 813568);
    CHECK(l.total == static_cast<int64_t>(ln.params().size()));
    CHECK(l.ffn == r.ffn);
    CHECK(l.attention == r.attention);

    const ParamStore& ps = ln.params();
    for (const char* name : {"blocks.0.attn_norm.bias", "blocks.3.ffn_norm.bias", "norm_f.bias"}) {
        CAPTURE(name);
        CHECK(ps.find(name).shape == Shape{128});
        CHECK_FALSE(ps.find(name).decay);
    }
    CHECK(ln.param_table().rows[3].name == "blocks.0.attn_norm.bias");  // right after its weight
    CHECK(ln.param_table().rows[3].component == "norms");
    CHECK_THROWS_AS(rms.params().find("norm_f.bias"), Error);

    ln.init(1);
    for (float v : std::vector<float>(ln.norm_f.bias.data, ln.norm_f.bias.data + 128)) CHECK(v == 0.0f);
    for (float v : std::vector<float>(ln.norm_f.weight.data, ln.norm_f.weight.data + 128)) CHECK(v == 1.0f);
}

TEST_CASE("layernorm: the model config and the checkpoint carry the norm; older ones load as rmsnorm") {
    const ModelConfig cfg{.vocab_size = 9, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2,
                          .ffn = FfnKind::gelu, .norm = NormKind::layernorm};
    CHECK(model_config_from_json(model_config_to_json(cfg)).norm == NormKind::layernorm);
    std::string j = model_config_to_json(cfg);
    CHECK(json_at(j, "norm") == "\"layernorm\"");

    SUBCASE("a config from before the field is rmsnorm") {
        CHECK(model_config_from_json(json_without(j, "norm")).norm == NormKind::rmsnorm);
    }
    SUBCASE("a bad norm is rejected with the valid names") {
        j = json_with(j, "norm", "\"batchnorm\"");
        CHECK_THROWS_WITH_AS(model_config_from_json(j), doctest::Contains("rmsnorm, layernorm"), Error);
        j = json_with(j, "norm", "1");
        CHECK_THROWS_WITH_AS(model_config_from_json(j), doctest::Contains("'norm'"), Error);
    }
    SUBCASE("a layernorm checkpoint round-trips, and an old rmsnorm one still loads") {
        TempDir tmp("layernorm-ckpt");
        const Vocab vocab = Vocab::from_text("abcdefgh\n");
        Transformer model(cfg);
        model.init(5);
        Rng rng(2);  // biases away from 0, so a lost bias would show in the weights
        for (Tensor b : {model.norm_f.bias, model.blocks[1].ffn_norm.bias})
            for (int64_t i = 0; i < b.numel(); i++) b.data[i] = static_cast<float>(rng.normal());
        save_model(tmp.path("ln.safetensors"), model, vocab);
        LoadedModel back = load_model(tmp.path("ln.safetensors"));
        CHECK(back.model->config().norm == NormKind::layernorm);
        REQUIRE(back.model->params().size() == model.params().size());
        for (size_t i = 0; i < model.params().size(); i++)
            REQUIRE(back.model->params().data()[i] == model.params().data()[i]);

        // An rmsnorm checkpoint whose config has no "norm" key, as every checkpoint before it.
        Transformer old(ModelConfig{.vocab_size = 9, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2,
                                    .ffn = FfnKind::gelu});
        old.init(5);
        save_model(tmp.path("old.safetensors"), old, vocab);
        SafetensorsFile f = safetensors_read(tmp.path("old.safetensors"));
        f.metadata["config"] = json_without(f.metadata.at("config"), "norm");
        std::vector<SafetensorsEntry> entries;
        for (const SafetensorsTensor& t : f.tensors) entries.emplace_back(t.name, t.shape, t.f32.data());
        safetensors_write(tmp.path("old.safetensors"), entries, f.metadata);
        LoadedModel loaded = load_model(tmp.path("old.safetensors"));
        CHECK(loaded.model->config().norm == NormKind::rmsnorm);
    }
}

TEST_SUITE_END();

// The results page's norm section
// -------------------------------
// Written from made-up summaries into a made-up page: the RMSNorm numbers are read from the
// page's Final losses table, the section lands after it, and a second write replaces it.
namespace {

KindSummary made_up(FfnKind kind, double mean, double lo, double hi) {
    KindSummary k;
    k.kind = kind;
    k.seeds = 3;
    k.final_val = {.mean = mean, .std = (hi - lo) / 2, .min = lo, .max = hi, .n = 3};
    return k;
}

const char* kPage =
    "# Results\n\nThe FFN kinds relu,gelu,swiglu, each trained 3 times (seeds 1337..1339).\n\n"
    "## Final losses\n\n| kind | final train | final val | val min – max | best val |\n|---|---:|---:|---:|---:|\n"
    "| swiglu | 1.4912 ± 0.0202 | 1.6778 ± 0.0245 | 1.6604 – 1.7057 | 1.6778 |\n"
    "| relu | 1.5641 ± 0.0077 | 1.7413 ± 0.0152 | 1.7239 – 1.7519 | 1.7413 |\n"
    "| gelu | 1.6628 ± 0.0161 | 1.8221 ± 0.0198 | 1.7993 – 1.8351 | 1.8221 |\n\n"
    "## What the gates do\n\nGates.\n";

}  // namespace

TEST_CASE("layernorm: the norm section sits next to the page's RMSNorm numbers and says if the order holds") {
    TempDir tmp("layernorm-page");
    const std::string page = tmp.path("results.md");
    write_text_file(page, kPage);
    CompareConfig cfg;
    cfg.seeds = 3;
    cfg.base.model.norm = NormKind::layernorm;
    CompareResult result;
    // relu and swiglu swap places under these made-up LayerNorm numbers; gelu stays last.
    result.kinds = {made_up(FfnKind::relu, 1.6500, 1.6400, 1.6600),
                    made_up(FfnKind::gelu, 1.9000, 1.8900, 1.9100),
                    made_up(FfnKind::swiglu, 1.7000, 1.6950, 1.7050)};
    write_norm_section(page, cfg, result);
    const std::string md = read_text_file(page);
    INFO(md);
    const size_t section = md.find("## Under LayerNorm"), gates = md.find("## What the gates do");
    REQUIRE(section != std::string::npos);
    CHECK(section > md.find("## Final losses"));
    CHECK(section < gates);
    CHECK(md.find("| relu | 1.7413 ± 0.0152 | 1.6500 ± 0.0100 | 1.6400 – 1.6600 | -0.0913 |") != std::string::npos);
    CHECK(md.find("relu < swiglu < gelu under LayerNorm, swiglu < relu < gelu under RMSNorm: not the same")
          != std::string::npos);
    CHECK(md.find("Reversed under LayerNorm: relu < swiglu (beyond the seed spread under LayerNorm, beyond under RMSNorm)")
          != std::string::npos);
    CHECK(md.find("Under LayerNorm:\nVerdict") != std::string::npos);
    CHECK(md.find("Not comparable") == std::string::npos);  // the page gives no step count

    // Written again (say with more seeds), the section is replaced, not repeated; and it is
    // what write_results_page keeps when `make results` rewrites the page.
    result.kinds[0] = made_up(FfnKind::relu, 1.7500, 1.7400, 1.7600);
    write_norm_section(page, cfg, result);
    const std::string again = read_text_file(page);
    CHECK(again.find("## Under LayerNorm") == again.rfind("## Under LayerNorm"));
    CHECK(again.find("| 1.7500 ± 0.0100 |") != std::string::npos);
    CHECK(again.find("Gates.") != std::string::npos);
    const std::string kept = kept_norm_section(page);
    CHECK(kept.find("## Under LayerNorm") == 0);
    CHECK(kept.find("## What the gates do") == std::string::npos);

    CHECK_THROWS_WITH_AS(write_norm_section(tmp.path("missing.md"), cfg, result),
                         doctest::Contains("missing.md"), Error);
}
