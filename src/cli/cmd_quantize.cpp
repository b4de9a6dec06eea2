// cmd_quantize.cpp — `glulab quantize`: a checkpoint with int8 weight matrices, a third of the
// size, that eval and sample load like any other (checkpoint.hpp → save_model_int8).
//
// Lesson 16 · outliers and quantization
#include "commands.hpp"

#include "glulab/train/checkpoint.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <memory>

namespace glulab {

namespace {
struct QuantizeArgs {
    std::string ckpt, out;
    bool force = false;
};
}  // namespace

void add_quantize_command(CLI::App& app) {
    auto a = std::make_shared<QuantizeArgs>();
    Command* cmd = add_command(app, "quantize",
                               "Write a checkpoint whose weight matrices are int8 (a scale per output channel)");
    cmd->add_option("--ckpt", a->ckpt, "model.safetensors of a run")->required();
    cmd->add_option("--out", a->out, "the int8 checkpoint to write, e.g. runs/x/model-int8.safetensors")->required();
    cmd->add_flag("--force", a->force, "replace --out if it exists");
    cmd->callback([a] {
        namespace fs = std::filesystem;
        std::error_code ec;
        GLULAB_CHECK(!fs::equivalent(a->ckpt, a->out, ec), "write the int8 file beside it",
                     "--out {} is the checkpoint --ckpt reads", a->out);
        GLULAB_CHECK(a->force || !fs::exists(a->out), "choose another --out, or pass --force to replace it",
                     "--out {} exists", a->out);
        const LoadedModel m = load_model(a->ckpt);
        save_model_int8(a->out, *m.model, m.vocab);
        const auto before = fs::file_size(a->ckpt), after = fs::file_size(a->out);
        fmt::print("wrote {}: {} bytes, {:.2f} of {} ({} bytes); `glulab eval --ckpt {}` loads it\n", a->out, after,
                   static_cast<double>(after) / static_cast<double>(before), a->ckpt, before, a->out);
    });
}

}  // namespace glulab
