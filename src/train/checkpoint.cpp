// checkpoint.cpp — model and optimizer checkpoints on top of safetensors (see checkpoint.hpp).
//
// Lesson 12 · training
#include "glulab/checkpoint.hpp"

#include "glulab/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace glulab {

using nlohmann::json;

std::string model_config_to_json(const ModelConfig& cfg) {
    json j = {{"vocab_size", cfg.vocab_size},   {"ctx", cfg.ctx},
              {"layers", cfg.layers},           {"d_model", cfg.d_model},
              {"heads", cfg.heads},             {"ffn", std::string(ffn_kind_name(cfg.ffn))},
              {"d_ff", cfg.ffn_hidden()},       {"multiple_of", cfg.multiple_of},
              {"dropout", cfg.dropout},         {"norm", std::string(norm_kind_name(cfg.norm))}};
    return j.dump();
}

ModelConfig model_config_from_json(const std::string& text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    GLULAB_CHECK(j.is_object(), "the checkpoint's `config` metadata must be a JSON object",
                 "model config is not a JSON object: {}", text.substr(0, 80));
    ModelConfig cfg;
    auto get_int = [&](const char* key) {
        GLULAB_CHECK(j.contains(key) && j[key].is_number_integer(), "see docs/checkpoint-format.md",
                     "model config: '{}' is missing or not an integer", key);
        return j[key].get<int>();
    };
    cfg.vocab_size = get_int("vocab_size");
    cfg.ctx = get_int("ctx");
    cfg.layers = get_int("layers");
    cfg.d_model = get_int("d_model");
    cfg.heads = get_int("heads");
    cfg.d_ff = get_int("d_ff");
    cfg.multiple_of = get_int("multiple_of");
    GLULAB_CHECK(j.contains("ffn") && j["ffn"].is_string(), "see docs/checkpoint-format.md",
                 "model config: 'ffn' is missing or not a string");
    cfg.ffn = parse_ffn_kind(j["ffn"].get<std::string>());
    cfg.dropout = j.value("dropout", 0.0f);
    // Checkpoints from before `--norm` have no "norm" and were all rmsnorm.
    GLULAB_CHECK(!j.contains("norm") || j["norm"].is_string(), "see docs/checkpoint-format.md",
                 "model config: 'norm' is not a string");
    cfg.norm = parse_norm_kind(j.value("norm", std::string("rmsnorm")));
    cfg.validate();
    return cfg;
}

namespace {

std::string vocab_to_json(const Vocab& vocab) {
    json chars = json::array();
    for (char32_t cp : vocab.code_points()) {
        std::string s;
        append_utf8(s, cp);
        chars.push_back(s);
    }
    return chars.dump();
}

Vocab vocab_from_json(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    GLULAB_CHECK(j.is_array(), "the checkpoint's `vocab` metadata is a JSON array of characters",
                 "vocab metadata is not a JSON array");
    std::vector<char32_t> cps;
    for (const json& c : j) {
        GLULAB_CHECK(c.is_string(), "", "vocab entry {} is not a string", c.dump());
        std::vector<char32_t> one = decode_utf8(c.get<std::string>());
        GLULAB_CHECK(one.size() == 1, "each vocab entry is one character",
                     "vocab entry {} is not one character", c.dump());
        cps.push_back(one[0]);
    }
    return Vocab(std::move(cps));
}

// The file must hold no tensor the model lacks (each tensor the model has is checked on load),
// with `prefixes` ("" for a model file, "m." and "v." for an optimizer file).
void check_no_extra_tensors(const SafetensorsFile& file, const ParamStore& params,
                            std::initializer_list<const char*> prefixes) {
    std::set<std::string> expected;
    for (const ParamEntry& e : params.entries())
        for (const char* prefix : prefixes) expected.insert(prefix + e.name);
    for (const SafetensorsTensor& t : file.tensors)
        GLULAB_CHECK(expected.count(t.name), "was it saved by a model with another config?",
                     "{}: unexpected tensor '{}'", file.path, t.name);
}

}  // namespace

void save_model(const std::string& path, const Transformer& model, const Vocab& vocab) {
    std::vector<SafetensorsEntry> tensors;
    const ParamStore& ps = model.params();
    for (const ParamEntry& e : ps.entries()) tensors.emplace_back(e.name, e.shape, ps.data() + e.offset);
    safetensors_write(path, tensors,
                      {{"config", model_config_to_json(model.config())},
                       {"vocab", vocab_to_json(vocab)},
                       {"format", "glulab-model-1"}});
}

LoadedModel load_model(const std::string& path) {
    SafetensorsFile file = safetensors_read(path);
    ModelConfig cfg = model_config_from_json(file.meta("config"));
    Vocab vocab = vocab_from_json(file.meta("vocab"));
    GLULAB_CHECK(vocab.size() == cfg.vocab_size, "the checkpoint is inconsistent",
                 "{}: vocab has {} characters but config.vocab_size is {}", path, vocab.size(),
                 cfg.vocab_size);
    auto model = std::make_unique<Transformer>(cfg);
    ParamStore& ps = model->params();
    check_no_extra_tensors(file, ps, {""});
    for (const ParamEntry& e : ps.entries()) {
        const std::vector<float>& values = file.f32(e.name, e.shape);  // checks dtype and shape
        std::copy(values.begin(), values.end(), ps.data() + e.offset);
    }
    return {std::move(model), std::move(vocab)};
}

void save_optimizer(const std::string& path, const ParamStore& params, int step) {
    std::vector<SafetensorsEntry> tensors;
    for (const ParamEntry& e : params.entries()) {
        tensors.emplace_back("m." + e.name, e.shape, params.adam_m() + e.offset);
        tensors.emplace_back("v." + e.name, e.shape, params.adam_v() + e.offset);
    }
    safetensors_write(path, tensors, {{"step", std::to_string(step)}, {"format", "glulab-adamw-1"}});
}

int load_optimizer(const std::string& path, ParamStore& params) {
    SafetensorsFile file = safetensors_read(path);
    check_no_extra_tensors(file, params, {"m.", "v."});
    for (const ParamEntry& e : params.entries()) {
        const std::vector<float>& m = file.f32("m." + e.name, e.shape);
        const std::vector<float>& v = file.f32("v." + e.name, e.shape);
        std::copy(m.begin(), m.end(), params.adam_m() + e.offset);
        std::copy(v.begin(), v.end(), params.adam_v() + e.offset);
    }
    const std::string& step = file.meta("step");
    GLULAB_CHECK(!step.empty() && std::all_of(step.begin(), step.end(), ::isdigit),
                 "see docs/checkpoint-format.md", "{}: step '{}' is not a number", path, step);
    return std::stoi(step);
}

}  // namespace glulab
