// test_int8_checkpoint.cpp — the int8 checkpoint of `glulab quantize`: a third of the size,
// loaded as the simulated int8 of nn/quantize.hpp computes it, and hostile int8 files refused.
//
// Lesson 16 · outliers and quantization
#include <doctest/doctest.h>

#include "glulab/nn/quantize.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/safetensors.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include "test_util.hpp"

using namespace glulab;
using glulab_test::TempDir;
namespace fs = std::filesystem;

namespace {

Transformer small_model() {
    Transformer m(ModelConfig{.vocab_size = 5, .ctx = 8, .layers = 2, .d_model = 32, .heads = 2, .ffn = FfnKind::swiglu});
    m.init(21);
    return m;
}
const Vocab kVocab(std::vector<char32_t>{U'\n', U' ', U'a', U'b', U'c'});

// The int8 file of small_model with `edit` applied to its tensors before writing.
template <class Edit>
std::string hostile(const TempDir& t, const std::string& name, Edit edit) {
    const Transformer m = small_model();
    const std::string good = t.path("good.safetensors");
    save_model_int8(good, m, kVocab);
    SafetensorsFile f = safetensors_read(good);
    edit(f);
    std::vector<SafetensorsEntry> entries;
    for (const SafetensorsTensor& x : f.tensors) {
        if (x.dtype == DType::I8) entries.emplace_back(x.name, x.shape, x.i8.data());
        else entries.emplace_back(x.name, x.shape, x.f32.data());
    }
    const std::string path = t.path(name);
    safetensors_write(path, entries, f.metadata);
    return path;
}

}  // namespace

TEST_SUITE_BEGIN("lesson16");

TEST_CASE("int8 checkpoint: a third of the size, and the weights simulated int8 gives") {
    TempDir t("int8-ckpt");
    const Transformer m = small_model();
    save_model(t.path("f32.safetensors"), m, kVocab);
    save_model_int8(t.path("i8.safetensors"), m, kVocab);
    CHECK(fs::file_size(t.path("i8.safetensors")) * 3 <= fs::file_size(t.path("f32.safetensors")));

    const LoadedModel loaded = load_model(t.path("i8.safetensors"));
    Transformer simulated = small_model();
    quantize_model(simulated, parse_quant_scheme("w8-channel"));
    const ParamStore &a = loaded.model->params(), &b = simulated.params();
    REQUIRE(a.size() == b.size());
    size_t differ = 0;
    for (size_t i = 0; i < a.size(); i++) differ += a.data()[i] != b.data()[i];
    CHECK(differ == 0);  // bit for bit, matrices and the float tensors alike
    CHECK(loaded.vocab.size() == 5);
}

TEST_CASE("int8 checkpoint: hostile files are refused, naming the tensor") {
    TempDir t("int8-hostile");
    auto refused = [&](const std::string& name, auto edit, const char* says) {
        CAPTURE(name);
        const std::string path = hostile(t, name, edit);
        CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains(says), Error);
    };
    auto scale_of = [](SafetensorsFile& f, const std::string& name) -> std::vector<float>& {
        for (SafetensorsTensor& x : f.tensors)
            if (x.name == name) return x.f32;
        throw std::runtime_error("no " + name);
    };
    refused("nan.safetensors", [&](SafetensorsFile& f) {
        scale_of(f, "blocks.0.ffn.down.weight.scale")[3] = std::numeric_limits<float>::quiet_NaN();
    }, "'blocks.0.ffn.down.weight.scale'[3] is nan");
    refused("zero.safetensors", [&](SafetensorsFile& f) { scale_of(f, "lm_head.weight.scale")[0] = 0; },
            "'lm_head.weight.scale'[0] is 0");
    refused("negative.safetensors", [&](SafetensorsFile& f) { scale_of(f, "lm_head.weight.scale")[1] = -0.5f; },
            "is -0.5");
    refused("minus128.safetensors", [](SafetensorsFile& f) {
        for (SafetensorsTensor& x : f.tensors)
            if (x.name == "blocks.1.attn.qkv.weight") x.i8[5] = -128;
    }, "is -128");
    refused("no-scale.safetensors", [](SafetensorsFile& f) {
        std::erase_if(f.tensors, [](const SafetensorsTensor& x) { return x.name == "blocks.1.ffn.up.weight.scale"; });
    }, "blocks.1.ffn.up.weight.scale");
    refused("norm-i8.safetensors", [](SafetensorsFile& f) {
        for (SafetensorsTensor& x : f.tensors)
            if (x.name == "norm_f.weight") {
                x.dtype = DType::I8;
                x.i8.assign(x.f32.size(), 1);
            }
    }, "'norm_f.weight' is I8, but it is not a weight matrix");
    refused("extra.safetensors", [](SafetensorsFile& f) {
        SafetensorsTensor extra = f.tensors.back();
        extra.name = "extra.scale";
        f.tensors.push_back(extra);
    }, "tensors, the model needs");
}

TEST_SUITE_END();
