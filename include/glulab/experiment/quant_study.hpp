// quant_study.hpp — what int8 costs each trained run: the loss under every quantization scheme,
// after the smoothing mitigation, and with one weight matrix quantized at a time.
//
// `make results-quant` runs `glulab quant-study` on the runs of `make results` and `make
// results-norm`; docs/results.md's section "Under int8" (`glulab report`) reads the quant.csv
// each run then holds. Every number is a difference of two losses of the same model on the same
// held-out windows, so the text's own difficulty cancels.
//
//   held-out text   the run's test split when it has one, else its validation split (neither
//                   was trained on); the first `windows` windows of T + 1 characters
//   float           the checkpoint as trained
//   schemes         w8, w8-channel, w8a8, w8a8-token (nn/quantize.hpp), each on a fresh copy
//   smooth          w8a8 after smooth_ffn_hidden (calibrated on the same windows); relu and the
//                   gated kinds only: gelu and swish are not homogeneous
//   matrices        w8a8 on one weight matrix at a time (when asked): which one hurts most
//
// Lesson 16 · outliers and quantization
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace glulab {

// One evaluation: what was quantized and the loss, e.g. {"scheme", "w8a8", 1.6698, +0.0041}.
struct QuantLoss {
    std::string what;  // "float", "scheme", "smooth" (a scheme's name after smoothing) or "matrix"
    std::string name;  // the scheme, or the matrix, e.g. "blocks.2.ffn.down"; "" for float
    double loss = 0;   // nats per character on the held-out windows
    double change = 0; // loss - the float loss
};

struct QuantStudyOptions {
    int windows = 512;                // held-out windows of T + 1 characters, e.g. 512
    bool per_matrix = false;          // also w8a8 on each matrix alone
    std::string matrix_scheme = "w8a8";
};

// Loads `run_dir`'s model.safetensors and config.json (its data file and test split name the
// held-out text) and measures every row above. `on_row` hears each row as it is measured.
std::vector<QuantLoss> study_run_quantization(const std::string& run_dir, const QuantStudyOptions& options,
                                              const std::function<void(const QuantLoss&)>& on_row = {});

// RUN/quant.csv: "what,name,loss,change", one row per QuantLoss, and back.
std::string quant_csv(const std::vector<QuantLoss>& rows);
std::vector<QuantLoss> read_quant_csv(const std::string& path);

}  // namespace glulab
