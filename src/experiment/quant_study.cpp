// quant_study.cpp — the loss of one trained run under each int8 scheme (quant_study.hpp).
//
// Lesson 16 · outliers and quantization
#include "glulab/experiment/quant_study.hpp"

#include "glulab/nn/quantize.hpp"
#include "glulab/platform/check.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/inference.hpp"
#include "glulab/train/run_dir.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace glulab {

namespace {
constexpr const char* kSchemes[] = {"w8", "w8-channel", "w8a8", "w8a8-token"};
constexpr const char* kColumns = "what,name,loss,change";
}  // namespace

std::vector<QuantLoss> study_run_quantization(const std::string& run_dir, const QuantStudyOptions& options,
                                              const std::function<void(const QuantLoss&)>& on_row) {
    GLULAB_CHECK(options.windows > 0, "e.g. 512", "the study needs at least one window, not {}", options.windows);
    const TrainConfig cfg = load_train_config(run_dir);
    const std::string ckpt = run_file(run_dir, run_files::model);
    // The held-out ids: the test split when the run has one, else the validation split.
    const Corpus corpus = load_corpus(cfg.data, cfg.test_split);
    const std::span<const int> held_out = cfg.test_split > 0 ? corpus.data.test() : corpus.data.val();
    const size_t window = static_cast<size_t>(cfg.model.ctx) + 1;
    const size_t take = std::min(held_out.size(), window * static_cast<size_t>(options.windows));
    GLULAB_CHECK(take >= window, "train on a longer text", "{}: the held-out split of {} has {} ids, fewer than one window",
                 run_dir, cfg.data, held_out.size());
    const std::vector<int> ids(held_out.begin(), held_out.begin() + static_cast<std::ptrdiff_t>(take));
    const std::string text = corpus.vocab.decode(ids);

    std::vector<QuantLoss> rows;
    double float_loss = 0;
    // Each row quantizes a fresh copy of the checkpoint (prepare), then evaluates it.
    auto measure = [&](std::string what, std::string name, const std::function<void(Transformer&)>& prepare) {
        LoadedModel m = load_model(ckpt);
        prepare(*m.model);
        const double loss = evaluate_text(*m.model, m.vocab, text).loss;
        GLULAB_CHECK(std::isfinite(loss), "the checkpoint's weights may have diverged (NaN or inf)",
                     "{}: the loss under {} {} is {}", run_dir, what, name, loss);
        if (what == "float") float_loss = loss;
        rows.push_back({std::move(what), std::move(name), loss, loss - float_loss});
        if (on_row) on_row(rows.back());
    };
    measure("float", "", [](Transformer&) {});
    for (const char* scheme : kSchemes)
        measure("scheme", scheme, [&](Transformer& m) { quantize_model(m, parse_quant_scheme(scheme)); });
    if (ffn_smoothable(cfg.model.ffn))
        measure("smooth", "w8a8", [&](Transformer& m) {
            smooth_ffn_hidden(m, ids, options.windows);
            quantize_model(m, parse_quant_scheme("w8a8"));
        });
    if (options.per_matrix) {
        LoadedModel names = load_model(ckpt);
        for (const std::string& matrix : quantizable_matrices(*names.model))
            measure("matrix", matrix, [&](Transformer& m) {
                quantize_model(m, parse_quant_scheme(options.matrix_scheme), matrix);
            });
    }
    return rows;
}

std::string quant_csv(const std::vector<QuantLoss>& rows) {
    std::string csv = std::string(kColumns) + "\n";
    for (const QuantLoss& r : rows) csv += fmt::format("{},{},{:.6f},{:.6f}\n", r.what, r.name, r.loss, r.change);
    return csv;
}

std::vector<QuantLoss> read_quant_csv(const std::string& path) {
    std::istringstream in(read_text_file(path));
    std::string line;
    GLULAB_CHECK(std::getline(in, line) && line == kColumns, "write it again with glulab quant-study --force",
                 "{} does not start with the header {}", path, kColumns);
    std::vector<QuantLoss> rows;
    for (int n = 2; std::getline(in, line); n++) {
        std::vector<std::string> f;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) f.push_back(cell);
        GLULAB_CHECK(f.size() == 4, "write it again with glulab quant-study --force",
                     "{}:{}: {} fields where 4 ({}) were expected", path, n, f.size(), kColumns);
        try {
            rows.push_back({f[0], f[1], std::stod(f[2]), std::stod(f[3])});
        } catch (const std::exception&) {
            GLULAB_CHECK(false, "write it again with glulab quant-study --force", "{}:{}: a loss that is not a number", path, n);
        }
    }
    return rows;
}

}  // namespace glulab
