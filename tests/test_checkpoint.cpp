// test_checkpoint.cpp — model and optimizer checkpoints: round trips, and every mismatch between
// a file and the model it claims to hold rejected with a glulab::Error.
//
// A round trip must be exact: the reloaded model gives bit-identical logits. Bad checkpoints
// are written with safetensors_write directly (the model's own tensors, with one changed,
// added or left out), so each test breaks exactly one thing.
//
// Lesson 12 · training
#include <doctest/doctest.h>

#include "glulab/train/checkpoint.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/train/safetensors.hpp"
#include "glulab/core/tape.hpp"
#include "glulab/train/trainer.hpp"

#include <unistd.h>  // getpid

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::json_at;
using glulab_test::json_size;
using glulab_test::json_type;
using glulab_test::json_with;
using glulab_test::json_without;
using glulab_test::TempDir;
namespace fs = std::filesystem;

namespace {

// A vocabulary with characters of 1, 2, 3 and 4 UTF-8 bytes: 'a', 'é', '€', '😀'.
Vocab mixed_vocab() { return Vocab::from_text("abc é€😀\n.,"); }

ModelConfig tiny_config(int V, FfnKind ffn = FfnKind::swiglu) {
    return ModelConfig{.vocab_size = V, .ctx = 8, .layers = 2, .d_model = 16, .heads = 2, .ffn = ffn};
}

// Logits (B, T, V) of a fixed batch, copied out of the tape.
std::vector<float> logits_of(Transformer& model) {
    const int B = 2, T = model.config().ctx, V = model.config().vocab_size;
    std::vector<int> ids(static_cast<size_t>(B * T));
    for (size_t i = 0; i < ids.size(); i++) ids[i] = static_cast<int>(i * 7 % static_cast<size_t>(V));
    Tape tape;
    NoGrad off(tape);
    Tensor logits = model.forward(tape, ids.data(), B, T);
    return std::vector<float>(logits.data, logits.data + B * T * V);
}

bool same_bits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// The tensors of `model` as save_model writes them, to be edited before writing a bad file.
struct ModelFile {
    std::vector<std::string> names;
    std::vector<Shape> shapes;
    std::vector<std::vector<float>> values;
    SafetensorsMetadata meta;

    ModelFile(const Transformer& model, const Vocab& vocab) {
        const ParamStore& ps = model.params();
        for (const ParamEntry& e : ps.entries()) {
            names.push_back(e.name);
            shapes.push_back(e.shape);
            values.emplace_back(ps.data() + e.offset, ps.data() + e.offset + e.shape.numel());
        }
        // The metadata of a real checkpoint: save one and read it back.
        TempDir tmp("ckpt-meta");
        save_model(tmp / "m.safetensors", model, vocab);
        meta = safetensors_read(tmp / "m.safetensors").metadata;
    }
    void write(const std::string& path) const {
        std::vector<SafetensorsEntry> entries;
        for (size_t i = 0; i < names.size(); i++) entries.emplace_back(names[i], shapes[i], values[i].data());
        safetensors_write(path, entries, meta);
    }
    size_t index(const std::string& name) const {
        for (size_t i = 0; i < names.size(); i++)
            if (names[i] == name) return i;
        FAIL("no tensor " << name);
        return 0;
    }
};

}  // namespace

TEST_SUITE_BEGIN("lesson12");  // make test LESSON=12 runs these

TEST_CASE("checkpoint: save_model then load_model gives the same config, vocab, weights and logits") {
    TempDir tmp("ckpt-roundtrip");
    const Vocab vocab = mixed_vocab();
    for (FfnKind kind : {FfnKind::relu, FfnKind::swiglu}) {
        CAPTURE(ffn_kind_name(kind));
        Transformer model(tiny_config(vocab.size(), kind));
        model.init(7);
        save_model(tmp / "model.safetensors", model, vocab);

        LoadedModel loaded = load_model(tmp / "model.safetensors");
        CHECK(model_config_to_json(loaded.model->config()) == model_config_to_json(model.config()));
        CHECK(loaded.model->d_ff() == model.d_ff());
        REQUIRE(loaded.model->params().size() == model.params().size());
        CHECK(same_bits(loaded.model->params().data(), model.params().data(), model.params().size()));
        const std::vector<float> before = logits_of(model), after = logits_of(*loaded.model);
        REQUIRE(before.size() == after.size());
        CHECK(same_bits(before.data(), after.data(), before.size()));
    }
}

TEST_CASE("checkpoint: a vocabulary with non-ASCII characters survives, in id order") {
    TempDir tmp("ckpt-vocab");
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    model.init(1);
    save_model(tmp / "model.safetensors", model, vocab);
    LoadedModel loaded = load_model(tmp / "model.safetensors");
    CHECK(loaded.vocab.code_points() == vocab.code_points());
    CHECK(loaded.vocab.decode(loaded.vocab.encode("é€😀 abc")) == "é€😀 abc");
    CHECK(loaded.vocab.id(U'😀') == vocab.id(U'😀'));
    // The metadata is readable JSON of UTF-8 strings (what the PyTorch side parses).
    const std::string chars = safetensors_read(tmp / "model.safetensors").meta("vocab");
    REQUIRE(json_type(chars) == "array");
    CHECK(json_size(chars) == static_cast<size_t>(vocab.size()));
    CHECK(json_at(chars, std::to_string(vocab.size() - 1)) == "\"😀\"");  // the largest code point is the last id
}

TEST_CASE("checkpoint: save_optimizer then load_optimizer restores m, v and the step") {
    TempDir tmp("ckpt-optim");
    Transformer model(tiny_config(11));
    ParamStore& ps = model.params();
    Rng rng(3);
    for (size_t i = 0; i < ps.size(); i++) {
        ps.adam_m()[i] = static_cast<float>(rng.normal());
        ps.adam_v()[i] = static_cast<float>(rng.uniform());
    }
    save_optimizer(tmp / "optimizer.safetensors", ps, 1234);

    Transformer fresh(tiny_config(11));
    CHECK(load_optimizer(tmp / "optimizer.safetensors", fresh.params()) == 1234);
    CHECK(same_bits(fresh.params().adam_m(), ps.adam_m(), ps.size()));
    CHECK(same_bits(fresh.params().adam_v(), ps.adam_v(), ps.size()));

    // ZeRO-1 (data_parallel.hpp): a rank's store keeps m and v of its slice only, reads that
    // slice from the one file on resume, and cannot write the file before the slices are gathered.
    SUBCASE("a store with a slice of the moments loads that slice and refuses to save") {
        const size_t n = ps.size(), b = n / 3 + 5, e = 2 * n / 3 + 1;  // cuts through tensors
        Transformer shard(tiny_config(11));
        shard.params().keep_moments(b, e);
        CHECK(shard.params().moment_floats() == 2 * (e - b));
        CHECK(load_optimizer(tmp / "optimizer.safetensors", shard.params()) == 1234);
        CHECK(same_bits(shard.params().adam_m(), ps.adam_m() + b, e - b));
        CHECK(same_bits(shard.params().adam_v(), ps.adam_v() + b, e - b));
        CHECK_THROWS_WITH_AS(save_optimizer(tmp / "again.safetensors", shard.params(), 1234),
                             doctest::Contains("moments of ["), Error);
        CHECK_FALSE(std::filesystem::exists(tmp / "again.safetensors"));
    }
    SUBCASE("a model of another shape is rejected") {
        Transformer wider(ModelConfig{.vocab_size = 11, .ctx = 8, .layers = 2, .d_model = 32, .heads = 2});
        CHECK_THROWS_AS(load_optimizer(tmp / "optimizer.safetensors", wider.params()), Error);
    }
    SUBCASE("a missing moment is rejected") {
        std::vector<SafetensorsEntry> entries;
        for (const ParamEntry& e : ps.entries()) entries.emplace_back("m." + e.name, e.shape, ps.adam_m() + e.offset);
        safetensors_write(tmp / "no-v.safetensors", entries, {{"step", "3"}});
        CHECK_THROWS_WITH_AS(load_optimizer(tmp / "no-v.safetensors", fresh.params()), doctest::Contains("v."),
                             Error);
    }
    SUBCASE("a step that is not a number is rejected") {
        std::vector<SafetensorsEntry> entries;
        for (const ParamEntry& e : ps.entries()) {
            entries.emplace_back("m." + e.name, e.shape, ps.adam_m() + e.offset);
            entries.emplace_back("v." + e.name, e.shape, ps.adam_v() + e.offset);
        }
        safetensors_write(tmp / "bad-step.safetensors", entries, {{"step", "-1"}, {"format", "glulab-adamw-1"}});
        CHECK_THROWS_WITH_AS(load_optimizer(tmp / "bad-step.safetensors", fresh.params()),
                             doctest::Contains("step '-1'"), Error);
    }
}

TEST_CASE("checkpoint: a file whose tensors disagree with its config is rejected, naming the tensor") {
    TempDir tmp("ckpt-bad");
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    model.init(5);
    ModelFile file(model, vocab);
    file.write(tmp / "good.safetensors");
    REQUIRE_NOTHROW(load_model(tmp / "good.safetensors"));
    // Writes `file` as a subcase changed it, and loads it.
    const auto load_changed = [&] {
        file.write(tmp / "changed.safetensors");
        load_model(tmp / "changed.safetensors");
    };

    SUBCASE("a tensor of the wrong shape") {
        const size_t i = file.index("blocks.1.ffn.gate.weight");  // (H, C)
        file.shapes[i] = Shape{file.shapes[i][0] + 1, file.shapes[i][1]};
        file.values[i].resize(static_cast<size_t>(file.shapes[i].numel()));
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("blocks.1.ffn.gate.weight"), Error);
    }
    SUBCASE("an extra tensor") {
        file.names.push_back("blocks.2.attn.qkv.weight");
        file.shapes.push_back(Shape{48, 16});
        file.values.emplace_back(48 * 16, 0.5f);
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("unexpected tensor 'blocks.2.attn.qkv.weight'"),
                             Error);
    }
    SUBCASE("a missing tensor") {
        const size_t i = file.index("lm_head.weight");
        file.names.erase(file.names.begin() + static_cast<long>(i));
        file.shapes.erase(file.shapes.begin() + static_cast<long>(i));
        file.values.erase(file.values.begin() + static_cast<long>(i));
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("lm_head.weight"), Error);
    }
    SUBCASE("a config that says one layer while the file holds two") {
        file.meta["config"] = json_with(file.meta.at("config"), "layers", "1");
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("unexpected tensor"), Error);
    }
    SUBCASE("a vocabulary of another size than config.vocab_size") {
        file.meta["vocab"] = R"(["a", "b"])";
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("vocab"), Error);
    }
    SUBCASE("a vocabulary entry of two characters") {
        file.meta["vocab"] = json_with(file.meta.at("vocab"), "0", "\"ab\"");
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("not one character"), Error);
    }
    SUBCASE("no config at all") {
        file.meta.erase("config");
        CHECK_THROWS_WITH_AS(load_changed(), doctest::Contains("config"), Error);
    }
    SUBCASE("a missing file names its path") {
        CHECK_THROWS_WITH_AS(load_model(tmp / "nothing-here.safetensors"),
                             doctest::Contains("nothing-here.safetensors"), Error);
    }
}

TEST_CASE("checkpoint: model_config_from_json reads what model_config_to_json writes, rejects the rest") {
    const ModelConfig cfg{.vocab_size = 65, .ctx = 32, .layers = 3, .d_model = 48, .heads = 3,
                          .ffn = FfnKind::geglu, .multiple_of = 16, .dropout = 0.25f};
    const ModelConfig back = model_config_from_json(model_config_to_json(cfg));
    CHECK(back.vocab_size == 65);
    CHECK(back.ctx == 32);
    CHECK(back.layers == 3);
    CHECK(back.d_model == 48);
    CHECK(back.heads == 3);
    CHECK(back.ffn == FfnKind::geglu);
    CHECK(back.d_ff == cfg.ffn_hidden());  // written resolved
    CHECK(back.ffn_hidden() == cfg.ffn_hidden());
    CHECK(back.multiple_of == 16);
    CHECK(back.dropout == 0.25f);

    const std::string good = model_config_to_json(cfg);
    auto with = [&](const char* key, const char* value) { return json_with(good, key, value); };
    SUBCASE("a missing key is named") {
        CHECK_THROWS_WITH_AS(model_config_from_json(json_without(good, "heads")), doctest::Contains("'heads' is missing"), Error);
    }
    SUBCASE("a bad ffn name lists the valid ones") {
        CHECK_THROWS_WITH_AS(model_config_from_json(with("ffn", "\"swigloo\"")),
                             doctest::Contains("relu, gelu, swish, glu, bilinear, reglu, geglu, swiglu"), Error);
    }
    SUBCASE("an ffn that is not a string") {
        CHECK_THROWS_WITH_AS(model_config_from_json(with("ffn", "3")), doctest::Contains("'ffn'"), Error);
    }
    SUBCASE("a size that is not an integer") {
        CHECK_THROWS_WITH_AS(model_config_from_json(with("layers", "\"2\"")), doctest::Contains("'layers'"), Error);
        CHECK_THROWS_WITH_AS(model_config_from_json(with("d_model", "4.5")), doctest::Contains("'d_model'"), Error);
    }
    SUBCASE("values that fail validation") {
        CHECK_THROWS_AS(model_config_from_json(with("heads", "5")), Error);  // 48 % 5 != 0
        CHECK_THROWS_AS(model_config_from_json(with("layers", "0")), Error);
    }
    SUBCASE("text that is not a JSON object") {
        CHECK_THROWS_WITH_AS(model_config_from_json("[1, 2]"), doctest::Contains("not a JSON object"), Error);
        CHECK_THROWS_WITH_AS(model_config_from_json("{\"ctx\": "), doctest::Contains("not a JSON object"), Error);
    }
}

TEST_CASE("checkpoint: train_config_to_json and train_config_from_json round-trip every saved field") {
    TrainConfig cfg;
    cfg.data = "some/dir/text é.txt";
    cfg.model = ModelConfig{.vocab_size = 40, .ctx = 16, .layers = 2, .d_model = 32, .heads = 4,
                            .ffn = FfnKind::reglu, .d_ff = 72, .dropout = 0.1f};
    cfg.optim = OptimConfig{.lr = 3e-3f, .min_lr = 2e-4f, .warmup = 7, .steps = 123, .beta1 = 0.8f,
                            .beta2 = 0.95f, .eps = 1e-7f, .weight_decay = 0.05f, .clip = 0.5f};
    cfg.batch = 5;
    cfg.eval_every = 11;
    cfg.eval_batches = 3;
    cfg.seed = 0xFFFFFFFFFFFFull;  // wider than 32 bits
    cfg.threads = 3;
    cfg.stop_after = 9;

    const std::string json = train_config_to_json(cfg);
    const TrainConfig back = train_config_from_json(json);
    CHECK(back.data == cfg.data);
    CHECK(model_config_to_json(back.model) == model_config_to_json(cfg.model));
    CHECK(back.optim.lr == cfg.optim.lr);
    CHECK(back.optim.min_lr == cfg.optim.min_lr);
    CHECK(back.optim.warmup == 7);
    CHECK(back.optim.steps == 123);
    CHECK(back.optim.beta1 == cfg.optim.beta1);
    CHECK(back.optim.beta2 == cfg.optim.beta2);
    CHECK(back.optim.eps == cfg.optim.eps);
    CHECK(back.optim.weight_decay == cfg.optim.weight_decay);
    CHECK(back.optim.clip == cfg.optim.clip);
    CHECK(back.batch == 5);
    CHECK(back.eval_every == 11);
    CHECK(back.eval_batches == 3);
    CHECK(back.seed == cfg.seed);
    CHECK(train_config_to_json(back) == json);
    // threads and stop_after belong to one invocation, not to the run: not saved.
    CHECK(back.threads == TrainConfig{}.threads);
    CHECK(back.stop_after == 0);

    SUBCASE("a file that is not a run config") {
        CHECK_THROWS_WITH_AS(train_config_from_json("{\"format\": \"other\"}"),
                             doctest::Contains("not a glulab run config"), Error);
    }
    SUBCASE("a missing field") {
        CHECK_THROWS_WITH_AS(train_config_from_json(json_without(json, "batch")), doctest::Contains("config.json"), Error);
    }
    SUBCASE("a value out of range") {
        CHECK_THROWS_WITH_AS(train_config_from_json(json_with(json, "eval_every", "0")), doctest::Contains("--eval-every"), Error);
    }
}

// Untrusted files (issue 11)
// --------------------------
// Each of these was accepted, or crashed, or escaped as a raw library exception before.

TEST_CASE("checkpoint: a config beyond the limits is refused before a model is built") {
    TempDir tmp("ckpt-limits");
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    ModelFile file(model, vocab);
    for (const auto& [key, value] : std::vector<std::pair<std::string, int64_t>>{
             {"ctx", 100000}, {"layers", 1000000}, {"d_model", 1 << 20}, {"vocab_size", 1 << 24}}) {
        CAPTURE(key);
        ModelFile bad = file;
        bad.meta["config"] = json_with(file.meta.at("config"), key, std::to_string(value));
        bad.write(tmp.path("big.safetensors"));
        CHECK_THROWS_WITH_AS(load_model(tmp / "big.safetensors"), doctest::Contains("limit"), Error);
    }
}

TEST_CASE("checkpoint: integers that would wrap around in a config are refused") {
    const std::string good = model_config_to_json(tiny_config(11));
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"ctx", "4294967298"}, {"layers", "4294967297"}, {"d_model", "-4294967294"},
             {"heads", "18446744073709551615"}}) {
        CAPTURE(key);
        CHECK_THROWS_WITH_AS(model_config_from_json(json_with(good, key.c_str(), value), "cfg.json"), doctest::Contains("outside"), Error);
    }
}

TEST_CASE("checkpoint: a wrong format string, trailing bytes and a huge step are refused, naming the file") {
    TempDir tmp("ckpt-format");
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    model.init(2);
    ModelFile file(model, vocab);
    SUBCASE("format") {
        ModelFile bad = file;
        bad.meta["format"] = "glulab-model-9";
        bad.write(tmp.path("fmt.safetensors"));
        CHECK_THROWS_WITH_AS(load_model(tmp / "fmt.safetensors"), doctest::Contains("format 'glulab-model-9'"), Error);
    }
    SUBCASE("trailing bytes") {
        save_model(tmp / "tail.safetensors", model, vocab);
        std::ofstream(tmp / "tail.safetensors", std::ios::binary | std::ios::app) << "extra";
        CHECK_THROWS_WITH_AS(load_model(tmp / "tail.safetensors"), doctest::Contains("5 bytes after the last tensor"),
                             Error);
    }
    SUBCASE("a step too large for an int") {
        save_optimizer(tmp / "opt.safetensors", model.params(), 7);
        SafetensorsFile f = safetensors_read(tmp / "opt.safetensors");
        f.metadata["step"] = "99999999999999999999";
        std::vector<SafetensorsEntry> entries;
        for (const SafetensorsTensor& t : f.tensors) entries.emplace_back(t.name, t.shape, t.f32.data());
        safetensors_write(tmp / "opt.safetensors", entries, f.metadata);
        CHECK_THROWS_WITH_AS(load_optimizer(tmp / "opt.safetensors", model.params()),
                             doctest::Contains("opt.safetensors: step"), Error);
    }
    SUBCASE("a string where a number belongs") {
        ModelFile bad = file;
        bad.meta["config"] = json_with(file.meta.at("config"), "dropout", "\"lots\"");
        bad.write(tmp.path("str.safetensors"));
        CHECK_THROWS_WITH_AS(load_model(tmp / "str.safetensors"), doctest::Contains("str.safetensors"), Error);
    }
}


// Issue 23, items 3 and 6: a vocabulary in another order is a legal-looking file that writes
// the wrong text, so it is refused, not sorted; a malformed one (invalid UTF-8, nesting that
// once overflowed the stack while its error message was built) is refused naming the file.
TEST_CASE("checkpoint: a vocabulary out of order, malformed or nested deep is refused, naming the file") {
    TempDir tmp("ckpt-vocab");
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    model.init(2);
    const ModelFile file(model, vocab);
    const std::string path = tmp.path("v.safetensors");
    const auto load_error = [&](const std::string& vocab_json, const std::string& config_json = "") {
        ModelFile bad = file;
        bad.meta["vocab"] = vocab_json;
        if (!config_json.empty()) bad.meta["config"] = config_json;
        bad.write(path);
        return glulab_test::error_message([&] { load_model(path); });
    };
    const std::string saved = file.meta.at("vocab");
    // The first two characters swapped: "\n" and " " (both 1 byte, so sizes stay equal).
    std::string swapped = json_with(json_with(saved, "0", json_at(saved, "1")), "1", json_at(saved, "0"));
    std::string e = load_error(swapped);
    CHECK(glulab_test::contains(e, path));
    CHECK(glulab_test::contains(e, "vocab entry 1"));
    CHECK(glulab_test::contains(e, "does not come after entry 0"));

    e = load_error(json_with(saved, "0", "\"ab\""));
    CHECK(glulab_test::contains(e, path));
    CHECK(glulab_test::contains(e, "is not one character"));

    const std::string deep = std::string(300000, '[') + std::string(300000, ']');
    e = load_error("[" + deep + "]");
    CHECK(glulab_test::contains(e, path));
    CHECK(glulab_test::contains(e, "nested more than"));
    e = load_error(saved, "{\"ctx\": " + deep + "}");
    CHECK(glulab_test::contains(e, path));
    CHECK(glulab_test::contains(e, "nested more than"));
}

TEST_CASE("generate: a tiny temperature is greedy decoding; non-finite logits are refused") {
    const Vocab vocab = mixed_vocab();
    Transformer model(tiny_config(vocab.size()));
    model.init(5);
    // Greedy decoding by hand: always the argmax of the last position's logits, with the
    // sampler's context rule (sample_context_start: past T, restart from the last T/2 ids).
    std::vector<int> ids = vocab.encode("abc");
    std::string greedy;
    size_t start = 0;
    for (int n = 0; n < 12; n++) {
        start = sample_context_start(start, ids.size(), model.config().ctx);
        const int len = static_cast<int>(ids.size() - start);
        Tape tape;
        NoGrad off(tape);
        Tensor logits = model.forward(tape, ids.data() + start, 1, len);
        const float* last = logits.data + static_cast<int64_t>(len - 1) * vocab.size();
        const int next = static_cast<int>(std::max_element(last, last + vocab.size()) - last);
        ids.push_back(next);
        append_utf8(greedy, vocab.code_point(next));
    }
    for (float t : {1e-45f, 1e-30f, 1e-8f}) {
        CAPTURE(t);
        CHECK(generate(model, vocab, "abc", SampleOptions{.tokens = 12, .temperature = t, .seed = 3}) == greedy);
    }
    const ParamEntry& head = model.params().find("lm_head.weight");
    model.params().data()[head.offset] = NAN;
    CHECK_THROWS_WITH_AS(generate(model, vocab, "abc", SampleOptions{.tokens = 3}), doctest::Contains("logit"), Error);
}

TEST_SUITE_END();
