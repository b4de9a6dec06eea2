// checkpoint.cpp — model and optimizer checkpoints on top of safetensors (see checkpoint.hpp).
//
// Lesson 12 · training
#include "glulab/checkpoint.hpp"

#include "glulab/platform/files.hpp"
#include "glulab/run_dir.hpp"
#include "glulab/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <climits>
#include <filesystem>
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

int64_t json_bounded_int(const json& j, const char* key, int64_t lo, int64_t hi, const std::string& where) {
    GLULAB_CHECK(j.contains(key) && j[key].is_number_integer(), "see docs/checkpoint-format.md",
                 "{}: '{}' is missing or not an integer ({})", where, key, j.contains(key) ? j[key].dump() : "absent");
    const json& v = j[key];
    const bool fits = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(hi)
                                             : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
    GLULAB_CHECK(fits, "see the limits in docs/checkpoint-format.md", "{}: '{}' = {} is outside [{}, {}]", where,
                 key, v.dump(), lo, hi);
    return v.get<int64_t>();
}

namespace {

// A size of the model config: an int in [lo, hi].
int bounded_int(const json& j, const char* key, int64_t lo, int64_t hi, const std::string& where) {
    return static_cast<int>(json_bounded_int(j, key, lo, hi, where + ": model config"));
}

}  // namespace

ModelConfig model_config_from_json(const std::string& text, const std::string& where) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    GLULAB_CHECK(j.is_object(), "the checkpoint's `config` metadata must be a JSON object",
                 "{}: model config is not a JSON object: {}", where, text.substr(0, 80));
    using L = ModelLimits;
    ModelConfig cfg;
    cfg.vocab_size = bounded_int(j, "vocab_size", 1, L::vocab_size, where);
    cfg.ctx = bounded_int(j, "ctx", 1, L::ctx, where);
    cfg.layers = bounded_int(j, "layers", 1, L::layers, where);
    cfg.d_model = bounded_int(j, "d_model", 1, L::d_model, where);
    cfg.heads = bounded_int(j, "heads", 1, L::heads, where);
    cfg.d_ff = bounded_int(j, "d_ff", 0, L::d_ff, where);
    cfg.multiple_of = bounded_int(j, "multiple_of", 1, L::multiple_of, where);
    GLULAB_CHECK(j.contains("ffn") && j["ffn"].is_string(), "see docs/checkpoint-format.md",
                 "{}: model config 'ffn' is missing or not a string", where);
    cfg.ffn = parse_ffn_kind(j["ffn"].get<std::string>());
    if (j.contains("dropout")) {
        GLULAB_CHECK(j["dropout"].is_number(), "see docs/checkpoint-format.md",
                     "{}: model config 'dropout' is {}, not a number", where, j["dropout"].dump());
        cfg.dropout = j["dropout"].get<float>();
    }
    // Checkpoints from before `--norm` have no "norm" and were all rmsnorm.
    GLULAB_CHECK(!j.contains("norm") || j["norm"].is_string(), "see docs/checkpoint-format.md",
                 "{}: model config 'norm' is not a string", where);
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

// The tensors of `file` are exactly those of `params` (with each prefix: "" for a model file,
// "m." and "v." for an optimizer file): the same count, each name present as F32 of the
// parameter's shape, nothing else. Checked before anything is copied or allocated.
void check_tensors_match(const SafetensorsFile& file, const std::vector<ParamEntry>& params,
                         std::initializer_list<const char*> prefixes) {
    std::set<std::string> expected;
    for (const ParamEntry& e : params)
        for (const char* prefix : prefixes) {
            expected.insert(prefix + e.name);
            file.f32(prefix + e.name, e.shape);  // present, F32, this shape; throws otherwise
        }
    for (const SafetensorsTensor& t : file.tensors)
        GLULAB_CHECK(expected.count(t.name), "was it saved by a model with another config?",
                     "{}: unexpected tensor '{}'", file.path, t.name);
    GLULAB_CHECK(file.tensors.size() == expected.size(), "the file lists a tensor twice",
                 "{}: {} tensors, the model needs {}", file.path, file.tensors.size(), expected.size());
}

void check_format(const SafetensorsFile& file, const char* format) {
    GLULAB_CHECK(file.meta("format") == format, "was the file written by this version of glulab?",
                 "{}: format '{}', expected '{}'", file.path, file.meta("format"), format);
}

// The step a checkpoint file was saved at: metadata `step`, a decimal in [0, 2^31).
int checkpoint_step(const SafetensorsFile& file) {
    const std::string& text = file.meta("step");
    int64_t step = -1;
    const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), step);
    GLULAB_CHECK(err == std::errc() && end == text.data() + text.size() && step >= 0 && step <= INT_MAX,
                 "see docs/checkpoint-format.md", "{}: step '{}' is not a number of steps in [0, {}]",
                 file.path, text.substr(0, 40), INT_MAX);
    return static_cast<int>(step);
}

const char* kModelFormat = "glulab-model-1";
const char* kOptimizerFormat = "glulab-adamw-1";

SafetensorsMetadata model_metadata(const Transformer& model, const Vocab& vocab, int step) {
    return {{"config", model_config_to_json(model.config())},
            {"vocab", vocab_to_json(vocab)},
            {"format", kModelFormat},
            {"step", std::to_string(step)}};
}

std::vector<SafetensorsEntry> model_tensors(const Transformer& model) {
    std::vector<SafetensorsEntry> tensors;
    const ParamStore& ps = model.params();
    for (const ParamEntry& e : ps.entries()) tensors.emplace_back(e.name, e.shape, ps.data() + e.offset);
    return tensors;
}

std::vector<SafetensorsEntry> optimizer_tensors(const ParamStore& params) {
    GLULAB_CHECK(params.moments_whole(), "gather the shards first (DataParallel::gather_moments)",
                 "optimizer file: the store holds the moments of [{}, {}) of {} parameters only",
                 params.moments_begin(), params.moments_end(), params.size());
    std::vector<SafetensorsEntry> tensors;
    for (const ParamEntry& e : params.entries()) {
        tensors.emplace_back("m." + e.name, e.shape, params.adam_m() + e.offset);
        tensors.emplace_back("v." + e.name, e.shape, params.adam_v() + e.offset);
    }
    return tensors;
}

SafetensorsMetadata optimizer_metadata(int step) {
    return {{"step", std::to_string(step)}, {"format", kOptimizerFormat}};
}

void copy_weights(const SafetensorsFile& file, ParamStore& ps) {
    for (const ParamEntry& e : ps.entries()) {
        const std::vector<float>& values = file.f32(e.name, e.shape);
        std::copy(values.begin(), values.end(), ps.data() + e.offset);
    }
}

// A store with sharded moments (ZeRO-1: ParamStore::keep_moments) takes from each tensor only
// the part inside its range [b, e), so every rank reads its own shard from the one file.
void copy_moments(const SafetensorsFile& file, ParamStore& ps) {
    const size_t b = ps.moments_begin(), e = ps.moments_end();
    for (const ParamEntry& p : ps.entries()) {
        const size_t lo = std::max(p.offset, b), hi = std::min(p.offset + static_cast<size_t>(p.shape.numel()), e);
        if (lo >= hi) continue;
        const std::vector<float>& m = file.f32("m." + p.name, p.shape);
        const std::vector<float>& v = file.f32("v." + p.name, p.shape);
        std::copy(m.begin() + (lo - p.offset), m.begin() + (hi - p.offset), ps.adam_m() + (lo - b));
        std::copy(v.begin() + (lo - p.offset), v.begin() + (hi - p.offset), ps.adam_v() + (lo - b));
    }
}

}  // namespace

void save_model(const std::string& path, const Transformer& model, const Vocab& vocab, int step) {
    safetensors_write(path, model_tensors(model), model_metadata(model, vocab, step));
}

// load_model
// ----------
// In order: the file (safetensors_read), its format, the config (each size bounded), the
// vocabulary against config.vocab_size, then every tensor against the parameters the config
// declares (Transformer::declared_params, which allocates nothing). Only a file that passes
// all of that gets a model built and filled.
static LoadedModel model_from_file(const SafetensorsFile& file) {
    check_format(file, kModelFormat);
    ModelConfig cfg = model_config_from_json(file.meta("config"), file.path);
    Vocab vocab = vocab_from_json(file.meta("vocab"));
    GLULAB_CHECK(vocab.size() == cfg.vocab_size, "the checkpoint is inconsistent",
                 "{}: vocab has {} characters but config.vocab_size is {}", file.path, vocab.size(),
                 cfg.vocab_size);
    check_tensors_match(file, Transformer::declared_params(cfg), {""});
    auto model = std::make_unique<Transformer>(cfg);
    copy_weights(file, model->params());
    return {std::move(model), std::move(vocab)};
}

LoadedModel load_model(const std::string& path) { return model_from_file(safetensors_read(path)); }

void save_optimizer(const std::string& path, const ParamStore& params, int step) {
    safetensors_write(path, optimizer_tensors(params), optimizer_metadata(step));
}

static int optimizer_from_file(const SafetensorsFile& file, ParamStore& params) {
    check_format(file, kOptimizerFormat);
    const int step = checkpoint_step(file);
    check_tensors_match(file, params.entries(), {"m.", "v."});
    copy_moments(file, params);
    return step;
}

int load_optimizer(const std::string& path, ParamStore& params) {
    return optimizer_from_file(safetensors_read(path), params);
}

// The pair
// --------
// Both files carry the step. Written as two temporaries first, then renamed optimizer first,
// model second, so at every moment the directory holds one of:
//     old model + old optimizer                     (crash before the first rename)
//     old model + new optimizer + new model's .tmp  (crash between the renames)
//     new model + new optimizer
// load_checkpoint resolves the middle state by finishing the second rename.

void save_checkpoint(const std::string& dir, const Transformer& model, const Vocab& vocab, int step) {
    const std::string model_path = run_file(dir, run_files::model);
    const std::string opt_path = run_file(dir, run_files::optimizer);
    const std::string opt_tmp =
        write_file_temp(opt_path, safetensors_fill(opt_path, optimizer_tensors(model.params()), optimizer_metadata(step)));
    const std::string model_tmp =
        write_file_temp(model_path, safetensors_fill(model_path, model_tensors(model), model_metadata(model, vocab, step)));
    rename_into_place(opt_tmp, opt_path);
    rename_into_place(model_tmp, model_path);
    sync_directory(dir);
}

int load_checkpoint(const std::string& dir, Transformer& model, const Vocab& vocab) {
    const std::string model_path = run_file(dir, run_files::model);
    const std::string opt_path = run_file(dir, run_files::optimizer);
    const SafetensorsFile opt = safetensors_read(opt_path);
    check_format(opt, kOptimizerFormat);
    const int step = checkpoint_step(opt);
    SafetensorsFile file = safetensors_read(model_path);
    check_format(file, kModelFormat);
    if (checkpoint_step(file) != step && std::filesystem::exists(model_path + ".tmp")) {
        // A save stopped between its two renames: its model is complete in the .tmp.
        // A broken .tmp (a crash while it was written) resolves nothing: it is ignored.
        try {
            SafetensorsFile newer = safetensors_read(model_path + ".tmp");
            check_format(newer, kModelFormat);
            if (checkpoint_step(newer) == step) {
                rename_into_place(model_path + ".tmp", model_path);
                newer.path = model_path;
                file = std::move(newer);
            }
        } catch (const Error&) {
        }
    }
    const int model_step = checkpoint_step(file);
    GLULAB_CHECK(model_step == step, "the two files are not one checkpoint; train the run again (--force)",
                 "{} is from step {} but {} from step {}", model_path, model_step, opt_path, step);

    // The saved model must be the configured one, tensor for tensor, before anything is copied.
    const ModelConfig saved = model_config_from_json(file.meta("config"), model_path);
    GLULAB_CHECK(model_config_to_json(saved) == model_config_to_json(model.config()),
                 "resume with the settings in config.json, or train again (--force)",
                 "{} holds the model {}, but config.json asks for {}", model_path,
                 model_config_to_json(saved), model_config_to_json(model.config()));
    GLULAB_CHECK(vocab_from_json(file.meta("vocab")).code_points() == vocab.code_points(),
                 "resume with the same --data", "{} has another vocabulary than the data", model_path);
    check_tensors_match(file, model.params().entries(), {""});
    check_tensors_match(opt, model.params().entries(), {"m.", "v."});
    copy_weights(file, model.params());
    copy_moments(opt, model.params());
    return step;
}

}  // namespace glulab
