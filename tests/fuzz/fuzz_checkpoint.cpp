// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint loader (`make fuzz`).
//
// Each input is written to a file and read as a checkpoint, the way `glulab sample --ckpt` and
// `glulab train --resume` read one: safetensors_read, then load_model, then load_optimizer into
// the model it gave (and, so that optimizer files get far, into the tiny model the seed corpus
// tests/fuzz/corpus/ was made for). Every failure must be a glulab::Error; anything else (a
// crash, a sanitizer report, another exception, a huge allocation: -rss_limit_mb) is a finding.
//
// Lesson 12 · training
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/safetensors.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

using namespace glulab;

namespace {

// The model of tests/fuzz/make_corpus.py.
Transformer& tiny_model() {
    static Transformer model(ModelConfig{.vocab_size = 5, .ctx = 4, .layers = 1, .d_model = 8, .heads = 2,
                                         .ffn = FfnKind::relu, .d_ff = 32});
    return model;
}

const std::string& input_path() {
    static const std::string path = "/tmp/glulab-fuzz-" + std::to_string(::getpid()) + ".safetensors";
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = input_path();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        LoadedModel loaded = load_model(path);
        try {
            load_optimizer(path, loaded.model->params());
        } catch (const Error&) {
        }
    } catch (const Error&) {
    }
    try {
        load_optimizer(path, tiny_model().params());
    } catch (const Error&) {
    }
    return 0;
}
