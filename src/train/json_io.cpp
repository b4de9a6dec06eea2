// json_io.cpp — every JSON text glulab writes or reads, but the safetensors header (json_io.hpp).
//
// Lesson 12 · training
#include "glulab/train/json_io.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/optim.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/trainer.hpp"

#include <nlohmann/json.hpp>

#include <climits>

namespace glulab {

using nlohmann::json;

// The field lists: every field by its own name, from these lists only.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OptimConfig, lr, min_lr, warmup, steps, beta1, beta2, eps, weight_decay, clip)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainSummary, steps_done, interrupted, diverged, final_train_loss,
                                   final_val_loss, best_val_loss, best_val_step, test_loss, ms_per_step, tokens_per_s,
                                   d_ff, ffn_params, total_params)

namespace {

// JSON read from a file
// ---------------------
// Every JSON text glulab reads back (config.json, summary.json, a checkpoint's metadata) may
// have been edited or crafted, so it is parsed with a bound on its nesting: glulab's own files
// nest 3 levels, and a text nesting deeper than kMaxJsonDepth is refused while it is parsed,
// before any recursive function (nlohmann's dump, in an error message) could overflow the
// stack on it. Text that is not JSON comes back as a discarded value, for the caller to name.
constexpr int kMaxJsonDepth = 16;

json parse_untrusted(const std::string& text, const std::string& where) {
    return json::parse(
        text,
        [&](int depth, json::parse_event_t event, json&) {
            GLULAB_CHECK(depth < kMaxJsonDepth ||
                             (event != json::parse_event_t::object_start && event != json::parse_event_t::array_start),
                         "the file may have been edited by hand", "{}: JSON nested more than {} levels deep", where,
                         kMaxJsonDepth);
            return true;
        },
        /*allow_exceptions=*/false);
}

// The integer at `key` of the JSON object `j`, in [lo, hi], read without wrapping (nlohmann's
// get<int>() would turn 4294967298 into 2). Throws glulab::Error naming `where` (the file) and
// the key when it is missing, not an integer (a string, 4.5) or out of range. Every JSON file
// glulab reads back checks its integers with it.
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

// A size of the model config: an int in [lo, hi].
int bounded_int(const json& j, const char* key, int64_t lo, int64_t hi, const std::string& where) {
    return static_cast<int>(json_bounded_int(j, key, lo, hi, where + ": model config"));
}

}  // namespace

// The model config (checkpoint.hpp)
// ----------------------------------

namespace {
// ModelConfig's integer fields with their bounds: the one list that writing and reading both
// walk. d_ff is written resolved (the H the model really has), so a reader needs no rounding rule.
struct ModelIntField {
    const char* key;
    int ModelConfig::*field;
    int lo, hi;
};
constexpr ModelIntField kModelInts[] = {
    {"vocab_size", &ModelConfig::vocab_size, 1, ModelLimits::vocab_size},
    {"ctx", &ModelConfig::ctx, 1, ModelLimits::ctx},
    {"layers", &ModelConfig::layers, 1, ModelLimits::layers},
    {"d_model", &ModelConfig::d_model, 1, ModelLimits::d_model},
    {"heads", &ModelConfig::heads, 1, ModelLimits::heads},
    {"d_ff", &ModelConfig::d_ff, 0, ModelLimits::d_ff},
    {"multiple_of", &ModelConfig::multiple_of, 1, ModelLimits::multiple_of},
};
}  // namespace

std::string model_config_to_json(const ModelConfig& cfg) {
    json j = {{"ffn", std::string(ffn_kind_name(cfg.ffn))},
              {"dropout", cfg.dropout},
              {"norm", std::string(norm_kind_name(cfg.norm))}};
    for (const ModelIntField& f : kModelInts) j[f.key] = cfg.*f.field;
    j["d_ff"] = cfg.ffn_hidden();
    return j.dump();
}
ModelConfig model_config_from_json(const std::string& text, const std::string& where) {
    json j = parse_untrusted(text, where);
    GLULAB_CHECK(j.is_object(), "the checkpoint's `config` metadata must be a JSON object",
                 "{}: model config is not a JSON object: {}", where, text.substr(0, 80));
    ModelConfig cfg;
    for (const ModelIntField& f : kModelInts) cfg.*f.field = bounded_int(j, f.key, f.lo, f.hi, where);
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

// The vocabulary
// --------------

std::string vocab_to_json(const Vocab& vocab) {
    json chars = json::array();
    for (char32_t cp : vocab.code_points()) {
        std::string s;
        append_utf8(s, cp);
        chars.push_back(s);
    }
    return chars.dump();
}

Vocab vocab_from_json(const std::string& text, const std::string& where) {
    json j = parse_untrusted(text, where + ": vocab");
    GLULAB_CHECK(j.is_array(), "the checkpoint's `vocab` metadata is a JSON array of characters",
                 "{}: vocab metadata is not a JSON array", where);
    std::vector<char32_t> cps;
    for (const json& c : j) {
        GLULAB_CHECK(c.is_string(), "", "{}: vocab entry {} is not a string", where, c.dump());
        std::vector<char32_t> one;
        try {
            one = decode_utf8(c.get<std::string>());
        } catch (const Error& e) {
            GLULAB_CHECK(false, "the checkpoint is corrupt", "{}: vocab entry {}: {}", where, cps.size(), e.what());
        }
        GLULAB_CHECK(one.size() == 1, "each vocab entry is one character",
                     "{}: vocab entry {} is not one character", where, c.dump());
        // Token id = index: a list in another order would give every id another character, a
        // legal file that writes the wrong text. The writer stores them sorted; so must a reader find them.
        GLULAB_CHECK(cps.empty() || one[0] > cps.back(), "the vocabulary lists its characters in code point order, each once",
                     "{}: vocab entry {} ({}) does not come after entry {} ({})", where, cps.size(),
                     describe_code_point(one[0]), cps.empty() ? 0 : cps.size() - 1,
                     cps.empty() ? "" : describe_code_point(cps.back()));
        cps.push_back(one[0]);
    }
    return Vocab(std::move(cps));
}

// config.json (trainer.hpp)
// -------------------------

std::string optim_config_to_json(const OptimConfig& optim) { return json(optim).dump(); }

namespace {
// TrainConfig's integer fields (their bounds are checked by check_numbers, then validate()):
// the one list that writing and reading both walk.
constexpr std::pair<const char*, int TrainConfig::*> kTrainInts[] = {
    {"batch", &TrainConfig::batch}, {"eval_every", &TrainConfig::eval_every}, {"eval_batches", &TrainConfig::eval_batches}};
}  // namespace

std::string train_config_to_json(const TrainConfig& c) {
    json j = {{"format", "glulab-run-1"},
              {"data", c.data},
              {"model", json::parse(model_config_to_json(c.model))},
              {"optim", c.optim},
              {"seed", c.seed}};
    for (const auto& [key, field] : kTrainInts) j[key] = c.*field;
    if (c.test_split > 0) j["test_split"] = c.test_split;  // absent: none (as every older run)
    return j.dump(2) + "\n";
}

namespace {

// Before any field is read: every number of `j` is one where `shape` (a config written from
// defaults) has one, each integer within [0, INT_MAX] (the seed: [0, 2^63)) without
// wrapping, through json_bounded_int. So a hand-edited config.json is refused naming the file
// and the key, not read as 2 for 4294967298.
void check_numbers(const json& shape, const json& j, const std::string& where) {
    for (const auto& [key, want] : shape.items()) {
        if (want.is_number_integer()) {
            json_bounded_int(j, key.c_str(), 0, key == "seed" ? INT64_MAX : INT_MAX, where);  // seed: uint64_t
        } else if (want.is_number()) {
            GLULAB_CHECK(j.contains(key) && j[key].is_number(), "the file may have been edited by hand",
                         "{}: '{}' is missing or not a number ({})", where, key, j.contains(key) ? j[key].dump() : "absent");
        } else if (want.is_object() && key != "model") {  // the model config checks its own
            GLULAB_CHECK(j.contains(key) && j[key].is_object(), "the file may have been edited by hand",
                         "{}: '{}' is missing or not an object", where, key);
            check_numbers(want, j[key], where + ": " + key);
        }
    }
}

}  // namespace

TrainConfig train_config_from_json(const std::string& text, const std::string& where) {
    json j = parse_untrusted(text, where);
    GLULAB_CHECK(j.is_object() && j.value("format", "") == "glulab-run-1",
                 "is this a directory written by `glulab train`?", "{} is not a glulab run config", where);
    check_numbers(json::parse(train_config_to_json(TrainConfig{})), j, where);
    try {
        TrainConfig c;
        c.data = j.at("data").get<std::string>();
        c.model = model_config_from_json(j.at("model").dump(), where);
        c.optim = j.at("optim").get<OptimConfig>();
        for (const auto& [key, field] : kTrainInts) c.*field = j.at(key);
        c.seed = j.at("seed");
        if (j.contains("test_split")) {
            GLULAB_CHECK(j["test_split"].is_number(), "the file may have been edited by hand",
                         "{}: 'test_split' is {}, not a number", where, j["test_split"].dump());
            c.test_split = j["test_split"].get<double>();
        }
        c.validate();
        return c;
    } catch (const json::exception& e) {
        GLULAB_CHECK(false, "the file may have been edited by hand", "{}: {}", where, e.what());
        throw;  // not reached
    }
}

// summary.json (run_dir.hpp)
// --------------------------

std::string train_summary_to_json(const TrainSummary& summary) { return json(summary).dump(2) + "\n"; }

TrainSummary train_summary_from_json(const std::string& text, const std::string& where) {
    json j = parse_untrusted(text, where);
    GLULAB_CHECK(j.is_object(), "train the run again (--force)", "{} is not a JSON object", where);
    // What older versions wrote: "steps" for steps_done, no best_val_step, "diverged" only
    // when true, never "interrupted".
    if (!j.contains("steps_done") && j.contains("steps")) j["steps_done"] = j["steps"];
    j.erase("steps");
    if (!j.contains("best_val_step")) j["best_val_step"] = 0;
    if (!j.contains("test_loss")) j["test_loss"] = 0;
    for (const char* flag : {"interrupted", "diverged"})
        if (!j.contains(flag)) j[flag] = false;
    try {
        return j.get<TrainSummary>();
    } catch (const json::exception& e) {
        GLULAB_CHECK(false, "train the run again (--force)", "{}: {}", where, e.what());
        throw;  // not reached
    }
}

bool json_flag(const std::string& text, const char* key) {
    const json j = json::parse(text, nullptr, false);
    return j.is_object() && j.value(key, false) == true;
}

// Any JSON
// --------

namespace {

void add_leaves(const json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
    if (j.is_object()) {
        for (const auto& [key, value] : j.items()) add_leaves(value, prefix.empty() ? key : prefix + "." + key, out);
    } else {
        out[prefix] = j.dump();
    }
}

}  // namespace

std::map<std::string, std::string> json_leaves(const std::string& text) {
    std::map<std::string, std::string> leaves;
    add_leaves(json::parse(text), "", leaves);
    return leaves;
}

std::string json_object(const JsonFields& fields) {
    json j = json::object();
    for (const auto& [key, scalar] : fields)
        std::visit([&, key = key](const auto& v) { j[std::string(key)] = v; }, scalar.value);
    return j.dump();
}

}  // namespace glulab
