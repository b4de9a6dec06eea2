// json_io.hpp — the JSON glulab writes and reads, all built and parsed in one file.
//
// nlohmann-json is a header-only library whose templates cost a file 8 to 10 seconds of CPU to
// compile (docs/build.md), so one file compiles them for all of glulab: src/train/json_io.cpp.
// Its other users see the functions below, which take and give JSON as text and know nothing
// of nlohmann. json_io.cpp also defines the serialisations declared beside their structs:
//   checkpoint.hpp → model_config_to_json, model_config_from_json   (model.safetensors' config)
//   trainer.hpp    → train_config_to_json, train_config_from_json   (config.json)
// The one other file that parses JSON is safetensors.cpp: a file's header is the format's own.
//
// OptimConfig and TrainSummary are serialised from one field list each (NLOHMANN_DEFINE_TYPE_*
// in json_io.cpp); ModelConfig's and TrainConfig's integers from one list each too (kModelInts
// with their bounds, kTrainInts), which writing and reading both walk, because reading checks
// each integer's range (without wrapping) and names the file and the key.
//
// Lesson 12 · training
#pragma once

#include <concepts>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace glulab {

class Vocab;          // data.hpp
struct OptimConfig;   // optim.hpp
struct TrainSummary;  // run_dir.hpp

// The vocabulary as a JSON array of its characters in id order: ["\n", " ", "!", ...]
// (model.safetensors' `vocab` metadata). Reading throws glulab::Error naming `where` (the
// file) on anything else, a list out of code point order included.
std::string vocab_to_json(const Vocab& vocab);
Vocab vocab_from_json(const std::string& json, const std::string& where);

// Every field of OptimConfig under its own name: {"beta1":0.8999999761581421,...,"warmup":2}.
// Floats go out as the doubles they are exactly, so a reader computes with the very values.
std::string optim_config_to_json(const OptimConfig& optim);

// summary.json's object: every field of TrainSummary under its own name, indented by 2.
// Reading accepts the summaries of older versions ("steps" for steps_done, no best_val_step,
// no "interrupted", "diverged" only when true); anything else throws naming `where`.
std::string train_summary_to_json(const TrainSummary& summary);
TrainSummary train_summary_from_json(const std::string& json, const std::string& where);

// Whether `json` is an object whose `key` is true (false for anything else, unparsable too).
bool json_flag(const std::string& json, const char* key);

// The leaves of a JSON object under their dotted paths, each as JSON text:
// {"optim": {"lr": 0.01}, "batch": 8} -> {"batch": "8", "optim.lr": "0.01"}.
std::map<std::string, std::string> json_leaves(const std::string& json);

// One line of JSON for a command's --json: an object of named scalars, keys in sorted order.
//   fmt::print("{}\n", json_object({{"loss", r.loss}, {"windows", r.windows}}));
struct JsonScalar {
    std::variant<bool, int64_t, uint64_t, double, std::string> value;
    JsonScalar(bool b) : value(b) {}
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    JsonScalar(I i) {
        if constexpr (std::is_signed_v<I>) value = static_cast<int64_t>(i);
        else value = static_cast<uint64_t>(i);
    }
    JsonScalar(double d) : value(d) {}
    JsonScalar(std::string_view s) : value(std::string(s)) {}
    JsonScalar(const char* s) : value(std::string(s)) {}
    JsonScalar(const std::string& s) : value(s) {}
};
using JsonFields = std::vector<std::pair<std::string_view, JsonScalar>>;
std::string json_object(const JsonFields& fields);

}  // namespace glulab
