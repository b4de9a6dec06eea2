// checkpoint.cpp — model and optimizer checkpoints on top of safetensors (see checkpoint.hpp).
//
// Lesson 12 · training
#include "glulab/train/checkpoint.hpp"

#include "glulab/nn/quantize.hpp"
#include "glulab/ops/ops.hpp"

#include "glulab/train/json_io.hpp"
#include "glulab/platform/files.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/safetensors.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/format.h>  // fmt::join

#include <algorithm>
#include <cmath>
#include <charconv>
#include <climits>
#include <filesystem>
#include <map>
#include <set>

namespace glulab {

namespace {

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
const char* kModelInt8Format = "glulab-model-int8-1";
const char* kOptimizerFormat = "glulab-adamw-1";

SafetensorsMetadata model_metadata(const Transformer& model, const Vocab& vocab, int step) {
    return {{"config", model_config_to_json(model.config())},
            {"vocab", vocab_to_json(vocab)},
            {"format", kModelFormat},
            {"step", std::to_string(step)}};
}

// The pair of a run directory also carries the run's config.json (metadata `run`), so that a
// resume can tell the weights of this run from those of another run that once used the
// directory: the same model, but another seed or learning rate, is another run.
void add_run_config(SafetensorsMetadata& metadata, const std::string& dir) {
    const std::string path = run_file(dir, run_files::config);
    if (std::filesystem::exists(path)) metadata["run"] = read_text_file(path);
}

// A pair whose `run` is not the directory's config.json was saved by another run: refused,
// naming the settings that differ. Files without `run` (written before it) are not checked.
void check_same_run(const SafetensorsFile& file, const std::string& dir) {
    const auto saved = file.metadata.find("run");
    const std::string path = run_file(dir, run_files::config);
    if (saved == file.metadata.end() || !std::filesystem::exists(path)) return;
    const std::string now = train_config_to_json(train_config_from_json(read_text_file(path), path));
    const std::string then = train_config_to_json(train_config_from_json(saved->second, file.path + ": run"));
    if (now == then) return;
    std::vector<std::string> differ;
    const std::map<std::string, std::string> a = json_leaves(then), b = json_leaves(now);
    for (const auto& [key, value] : b)
        if (!a.count(key) || a.at(key) != value)
            differ.push_back(fmt::format("{} {} there, {} in config.json", key, a.count(key) ? a.at(key) : "absent", value));
    GLULAB_CHECK(false, "the directory mixes two runs; train it again with --force",
                 "{} was saved by another run than {} describes: {}", file.path, path, fmt::join(differ, "; "));
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

// The int8 file's tensors: every parameter under its name, F32, but for the quantizable
// matrices: I8 integers and a `.scale` per output channel.
struct Int8Tensors {
    std::vector<std::vector<int8_t>> q;
    std::vector<std::vector<float>> scales;
    std::vector<SafetensorsEntry> entries;
};

// Whether parameter `name` is the weight of one of the quantizable matrices `names`
// (nn/quantize.hpp → quantizable_matrices): what the int8 file stores as I8.
bool is_int8_matrix(const std::vector<std::string>& names, const std::string& name) {
    return name.ends_with(".weight") &&
           std::find(names.begin(), names.end(), name.substr(0, name.rfind('.'))) != names.end();
}

void int8_tensors(const Transformer& model, Int8Tensors& out) {
    const std::vector<std::string> names = quantizable_matrices(model);
    const ParamStore& ps = model.params();
    out.q.reserve(names.size());
    out.scales.reserve(names.size());
    for (const ParamEntry& e : ps.entries()) {
        const float* w = ps.data() + e.offset;
        const bool matrix = is_int8_matrix(names, e.name);
        if (!matrix) {
            out.entries.emplace_back(e.name, e.shape, w);
            continue;
        }
        const int rows = e.shape[0], cols = e.shape[1];
        std::vector<float>& s = out.scales.emplace_back(static_cast<size_t>(rows));
        std::vector<int8_t>& q = out.q.emplace_back(static_cast<size_t>(rows) * cols);
        quant_scales(s.data(), w, rows, cols, /*per_row=*/true);
        for (int r = 0; r < rows; r++) {  // as ops.hpp → fake_quant_forward rounds, keeping the integer
            const float inv = 1.0f / s[static_cast<size_t>(r)];
            for (int c = 0; c < cols; c++)
                q[static_cast<size_t>(r) * cols + c] = static_cast<int8_t>(
                    std::clamp(std::nearbyint(w[static_cast<size_t>(r) * cols + c] * inv), -kInt8Max, kInt8Max));
        }
        out.entries.emplace_back(e.name, e.shape, q.data());
        out.entries.emplace_back(e.name + ".scale", Shape{rows}, s.data());
    }
}

// Every declared parameter from the int8 file: a quantizable matrix as I8 with its scales
// (checked: finite, positive, integers in [-127, 127]), everything else as F32; no other tensor.
void copy_weights_int8(const SafetensorsFile& file, Transformer& model) {
    const std::vector<std::string> names = quantizable_matrices(model);
    ParamStore& ps = model.params();
    size_t expected = 0;
    for (const ParamEntry& e : ps.entries()) {
        float* w = ps.data() + e.offset;
        const SafetensorsTensor& t = file.at(e.name);
        expected++;
        if (t.dtype != DType::I8) {
            const std::vector<float>& values = file.f32(e.name, e.shape);
            std::copy(values.begin(), values.end(), w);
            continue;
        }
        const bool matrix = is_int8_matrix(names, e.name);
        GLULAB_CHECK(matrix, "only the weight matrices of Linear layers are int8",
                     "{}: tensor '{}' is I8, but it is not a weight matrix", file.path, e.name);
        const int rows = e.shape[0], cols = e.shape[1];
        const std::vector<int8_t>& q = file.i8(e.name, e.shape);
        const std::vector<float>& s = file.f32(e.name + ".scale", Shape{rows});
        expected++;
        for (int r = 0; r < rows; r++) {
            GLULAB_CHECK(std::isfinite(s[static_cast<size_t>(r)]) && s[static_cast<size_t>(r)] > 0,
                         "a scale is absmax / 127 of its row: finite and positive",
                         "{}: '{}.scale'[{}] is {}", file.path, e.name, r, s[static_cast<size_t>(r)]);
            for (int c = 0; c < cols; c++) {
                const int8_t v = q[static_cast<size_t>(r) * cols + c];
                GLULAB_CHECK(v >= -127, "symmetric int8 uses -127 .. 127",
                             "{}: '{}'[{}, {}] is -128", file.path, e.name, r, c);
                w[static_cast<size_t>(r) * cols + c] = static_cast<float>(v) * s[static_cast<size_t>(r)];
            }
        }
    }
    GLULAB_CHECK(file.tensors.size() == expected, "was it saved by a model with another config?",
                 "{}: {} tensors, the model needs {}", file.path, file.tensors.size(), expected);
}

}  // namespace

void save_model_int8(const std::string& path, const Transformer& model, const Vocab& vocab, int step) {
    Int8Tensors t;
    int8_tensors(model, t);
    SafetensorsMetadata metadata = model_metadata(model, vocab, step);
    metadata["format"] = kModelInt8Format;
    safetensors_write(path, t.entries, metadata);
}

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
    const bool int8 = file.meta("format") == kModelInt8Format;
    if (!int8) check_format(file, kModelFormat);
    ModelConfig cfg = model_config_from_json(file.meta("config"), file.path);
    Vocab vocab = vocab_from_json(file.meta("vocab"), file.path);
    GLULAB_CHECK(vocab.size() == cfg.vocab_size, "the checkpoint is inconsistent",
                 "{}: vocab has {} characters but config.vocab_size is {}", file.path, vocab.size(),
                 cfg.vocab_size);
    if (!int8) {
        check_tensors_match(file, Transformer::declared_params(cfg), {""});
        auto model = std::make_unique<Transformer>(cfg);
        copy_weights(file, model->params());
        return {std::move(model), std::move(vocab)};
    }
    auto model = std::make_unique<Transformer>(cfg);  // sizes are bounded by now; filled below
    copy_weights_int8(file, *model);
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
    SafetensorsMetadata opt_meta = optimizer_metadata(step), model_meta = model_metadata(model, vocab, step);
    add_run_config(opt_meta, dir);
    add_run_config(model_meta, dir);
    const std::string opt_tmp =
        write_file_temp(opt_path, safetensors_fill(opt_path, optimizer_tensors(model.params()), opt_meta));
    const std::string model_tmp =
        write_file_temp(model_path, safetensors_fill(model_path, model_tensors(model), model_meta));
    rename_into_place(opt_tmp, opt_path);
    rename_into_place(model_tmp, model_path);
    sync_directory(dir);
}

namespace {

// The first character one vocabulary has and the other lacks, for a message.
std::string vocab_difference(const Vocab& saved, const Vocab& now) {
    const std::vector<char32_t>& a = saved.code_points();
    const std::vector<char32_t>& b = now.code_points();
    for (char32_t cp : b)
        if (!std::binary_search(a.begin(), a.end(), cp)) return describe_code_point(cp) + " is new";
    for (char32_t cp : a)
        if (!std::binary_search(b.begin(), b.end(), cp)) return describe_code_point(cp) + " is gone";
    return "the same characters";
}

}  // namespace

int load_checkpoint(const std::string& dir, Transformer& model, const Vocab& vocab, const std::string& data) {
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

    // The saved model must be the configured one, tensor for tensor, and the pair this run's,
    // before anything is copied.
    // The vocabulary first: another alphabet also changes the config's vocab_size, and the
    // cause is the text, not config.json.
    const Vocab saved_vocab = vocab_from_json(file.meta("vocab"), model_path);
    GLULAB_CHECK(saved_vocab.code_points() == vocab.code_points(),
                 "resume with the text the run was trained on, unchanged",
                 "{} has {} distinct characters, but {} was trained on a text of {} ({}): was the file changed?", data,
                 vocab.size(), model_path, saved_vocab.size(), vocab_difference(saved_vocab, vocab));
    const ModelConfig saved = model_config_from_json(file.meta("config"), model_path);
    GLULAB_CHECK(model_config_to_json(saved) == model_config_to_json(model.config()),
                 "resume with the settings in config.json, or train again (--force)",
                 "{} holds the model {}, but config.json asks for {}", model_path,
                 model_config_to_json(saved), model_config_to_json(model.config()));
    check_same_run(opt, dir);
    check_same_run(file, dir);
    check_tensors_match(file, model.params().entries(), {""});
    check_tensors_match(opt, model.params().entries(), {"m.", "v."});
    copy_weights(file, model.params());
    copy_moments(opt, model.params());
    return step;
}

}  // namespace glulab
