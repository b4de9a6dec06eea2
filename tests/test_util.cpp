// test_util.cpp — the JSON helpers of test_util.hpp, the one test file that compiles nlohmann-json.
#include "test_util.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace glulab_test {

namespace {

using nlohmann::json;

// The value at `key` ("model.ctx", "0" in an array), nullptr when absent.
const json* find(const json& j, const std::string& key) {
    const json* at = &j;
    for (size_t start = 0; !key.empty() && start <= key.size();) {
        const size_t dot = std::min(key.find('.', start), key.size());
        const std::string part = key.substr(start, dot - start);
        if (at->is_object() && at->contains(part)) at = &(*at)[part];
        else if (at->is_array() && !part.empty() && std::stoul(part) < at->size()) at = &(*at)[std::stoul(part)];
        else return nullptr;
        start = dot + 1;
    }
    return at;
}

// The parent of `key`'s value and its last part, for setting and erasing.
std::pair<json*, std::string> parent(json& j, const std::string& key) {
    const size_t dot = key.rfind('.');
    json* at = dot == std::string::npos ? &j : const_cast<json*>(find(j, key.substr(0, dot)));
    if (!at) throw std::runtime_error("json: no '" + key.substr(0, dot) + "' in the text");
    return {at, dot == std::string::npos ? key : key.substr(dot + 1)};
}

}  // namespace

std::string json_at(const std::string& text, const std::string& key) {
    const json j = json::parse(text);
    const json* v = find(j, key);
    return v ? v->dump() : "";
}

std::string json_type(const std::string& text, const std::string& key) {
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return "discarded";
    const json* v = find(j, key);
    return v ? v->type_name() : "absent";
}

size_t json_size(const std::string& text, const std::string& key) {
    const json j = json::parse(text);
    const json* v = find(j, key);
    return v ? v->size() : 0;
}

std::string json_with(const std::string& text, const std::string& key, const std::string& value) {
    json j = json::parse(text);
    auto [at, last] = parent(j, key);
    if (at->is_array()) (*at)[std::stoul(last)] = json::parse(value);
    else (*at)[last] = json::parse(value);
    return j.dump();
}

std::string json_without(const std::string& text, const std::string& key) {
    json j = json::parse(text);
    auto [at, last] = parent(j, key);
    at->erase(last);
    return j.dump();
}

}  // namespace glulab_test
