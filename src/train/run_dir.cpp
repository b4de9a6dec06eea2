// run_dir.cpp — a run directory's files, written and read in one place (run_dir.hpp).
//
// Lesson 12 · training
#include "glulab/train/run_dir.hpp"

#include "glulab/platform/check.hpp"
#include "glulab/train/checkpoint.hpp"
#include "glulab/train/data.hpp"
#include "glulab/train/json_io.hpp"
#include "glulab/train/trainer.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace glulab {

namespace fs = std::filesystem;

bool holds_run(const std::string& dir) { return fs::exists(run_file(dir, run_files::config)); }

bool holds_checkpoint(const std::string& dir) {
    return holds_run(dir) && fs::exists(run_file(dir, run_files::model)) &&
           fs::exists(run_file(dir, run_files::optimizer));
}

std::vector<std::string> list_run_dirs(const std::vector<std::string>& dirs, const char* marker) {
    std::vector<std::string> runs;
    for (const std::string& dir : dirs) {
        GLULAB_CHECK(fs::is_directory(dir), "give run directories or compare directories",
                     "{} does not exist or is not a directory", dir);
        if (fs::exists(run_file(dir, marker))) {
            runs.push_back(dir);
            continue;
        }
        std::vector<std::string> subdirs;
        for (const fs::directory_entry& e : fs::directory_iterator(dir))
            if (e.is_directory() && fs::exists(run_file(e.path().string(), marker))) subdirs.push_back(e.path().string());
        GLULAB_CHECK(!subdirs.empty(), "give a run directory, or a directory of runs such as glulab compare writes",
                     "{} holds no {} and no run directories", dir, marker);
        std::sort(subdirs.begin(), subdirs.end());
        runs.insert(runs.end(), subdirs.begin(), subdirs.end());
    }
    return runs;
}

bool holds_only_leftovers(const std::string& dir) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
        const fs::path name = e.path().filename();
        if (name != "run.lock" && name.extension() != ".tmp") return false;
    }
    return !ec;
}

void remove_run_outputs(const std::string& dir) {
    for (const char* name : {run_files::model, run_files::optimizer, run_files::metrics, run_files::gates,
                             run_files::steps, run_files::stability, run_files::activations, run_files::summary}) {
        fs::remove(run_file(dir, name) + ".tmp");
        fs::remove(run_file(dir, name));
    }
}

// config.json
// -----------

void write_run_config(const std::string& dir, const TrainConfig& cfg) {
    write_text_file(run_file(dir, run_files::config), train_config_to_json(cfg));
}

TrainConfig load_train_config(const std::string& dir) {
    const std::string path = run_file(dir, run_files::config);
    GLULAB_CHECK(fs::exists(path), "give a directory written by `glulab train`", "{} does not exist", path);
    return train_config_from_json(read_text_file(path), path);
}

// CSV files
// ---------
// Every CSV is numbers only, under a header of its own: read_csv checks the header, then
// hands every data line to `row` as its numbers; RunCsv is one file's writer and readers.

namespace {

// The comma-separated numbers of one CSV line; throws naming the file and line when a field is
// not a number or the count is not `expected`.
std::vector<double> csv_numbers(const std::string& line, size_t expected, const std::string& path,
                                int line_no) {
    std::vector<double> out;
    size_t start = 0;
    while (start <= line.size()) {
        size_t end = line.find(',', start);
        if (end == std::string::npos) end = line.size();
        double v = 0;
        const char* first = line.data() + start;
        const char* last = line.data() + end;
        auto [ptr, ec] = std::from_chars(first, last, v);
        GLULAB_CHECK(ec == std::errc() && ptr == last && first != last && std::isfinite(v),
                     "the file may be cut off or edited by hand; rerun or delete the run",
                     "{}:{}: '{}' is not a {}number", path, line_no, std::string(first, last),
                     ec == std::errc() && ptr == last && first != last ? "finite " : "");
        // The first field of every glulab CSV is a step: a whole number an int holds.
        GLULAB_CHECK(!out.empty() || (v >= 0 && v <= INT_MAX && v == std::floor(v)),
                     "the file may be cut off or edited by hand; rerun or delete the run",
                     "{}:{}: step '{}' is not a whole number in [0, {}]", path, line_no, std::string(first, last),
                     INT_MAX);
        out.push_back(v);
        start = end + 1;
    }
    GLULAB_CHECK(out.size() == expected, "the file may be cut off or edited by hand",
                 "{}:{}: expected {} fields, found {}", path, line_no, expected, out.size());
    return out;
}

// The fields of a line under `header`.
size_t column_count(const std::string& header) {
    return static_cast<size_t>(std::count(header.begin(), header.end(), ',')) + 1;
}

// Calls `row(numbers)` for every data line of the CSV at `path`, whose first line must be
// `header`.
template <class RowFn>
void read_csv(const std::string& path, const std::string& header, RowFn row) {
    GLULAB_CHECK(fs::exists(path), "give a directory written by `glulab train` or `glulab compare`",
                 "{} does not exist", path);
    std::istringstream in(read_text_file(path));
    std::string line;
    std::getline(in, line);
    GLULAB_CHECK(line == header, "is this a file written by glulab?",
                 "{}:1: expected the header '{}', found '{}'", path, header, line.substr(0, 80));
    const size_t fields = column_count(header);
    for (int line_no = 2; std::getline(in, line); line_no++)
        if (!line.empty()) row(csv_numbers(line, fields, path, line_no));
}

// One CSV of a run directory: its name, its header, a row as its line (with the newline) and
// a row from the numbers of its line. Each file below is one of these; the functions of
// run_dir.hpp call it.
template <class Row>
struct RunCsv {
    const char* name;  // e.g. run_files::metrics
    std::string columns;
    std::string (*line)(const Row& r);
    Row (*row)(const std::vector<double>& numbers);

    void write(const std::string& dir, const std::vector<Row>& rows) const {
        std::string csv = columns + "\n";
        for (const Row& r : rows) csv += line(r);
        write_text_file(run_file(dir, name), csv);
    }
    std::vector<Row> read(const std::string& path) const {
        std::vector<Row> rows;
        read_csv(path, columns, [&](const std::vector<double>& v) { rows.push_back(row(v)); });
        return rows;
    }
    std::vector<Row> read_run(const std::string& dir) const {  // none without the file
        const std::string path = run_file(dir, name);
        return fs::exists(path) ? read(path) : std::vector<Row>{};
    }
    Row as_written(const Row& r) const {
        std::string text = line(r);
        text.pop_back();  // the newline
        return row(csv_numbers(text, column_count(columns), name, 0));
    }
};

}  // namespace

// metrics.csv
// -----------

namespace {
std::string metrics_line(const MetricRow& r) {
    return fmt::format("{},{:.6f},{:.6f},{:.6g},{:.6g},{:.1f},{:.2f}\n", r.step, r.train_loss, r.val_loss, r.lr,
                       r.grad_norm, r.tokens_per_s, r.elapsed_s);
}
MetricRow metric_row(const std::vector<double>& v) {
    return {.step = static_cast<int>(v[0]), .train_loss = v[1], .val_loss = v[2], .lr = v[3],
            .grad_norm = v[4], .tokens_per_s = v[5], .elapsed_s = v[6]};
}
const RunCsv<MetricRow> metrics_csv{run_files::metrics, kMetricsColumns, metrics_line, metric_row};
}  // namespace

MetricRow as_written(const MetricRow& row) { return metrics_csv.as_written(row); }
void write_metrics(const std::string& dir, const std::vector<MetricRow>& rows) { metrics_csv.write(dir, rows); }
std::vector<MetricRow> read_metrics_csv(const std::string& path) { return metrics_csv.read(path); }
std::vector<MetricRow> read_run_metrics(const std::string& dir) { return metrics_csv.read_run(dir); }

// gates.csv
// ---------

std::string gates_columns() {
    std::string h = "step,layer,near_zero,mean";
    for (int b = 0; b < kGateBins; b++) h += fmt::format(",bin{}", b);
    return h;
}

namespace {
std::string gates_line(const GateRow& r) {
    std::string line = fmt::format("{},{},{:.5f},{:.5f}", r.step, r.layer, r.near_zero, r.mean);
    for (double b : r.bins) line += fmt::format(",{:.5f}", b);
    return line + "\n";
}
GateRow gate_row(const std::vector<double>& v) {
    GateRow r{.step = static_cast<int>(v[0]), .layer = static_cast<int>(v[1]), .near_zero = v[2], .mean = v[3]};
    std::copy(v.begin() + 4, v.end(), r.bins.begin());
    return r;
}
const RunCsv<GateRow> gates_csv{run_files::gates, gates_columns(), gates_line, gate_row};
}  // namespace

void write_gates(const std::string& dir, const std::vector<GateRow>& rows) { gates_csv.write(dir, rows); }
std::vector<GateRow> read_gates_csv(const std::string& path) { return gates_csv.read(path); }
std::vector<GateRow> read_run_gates(const std::string& dir) { return gates_csv.read_run(dir); }

// steps.csv
// ---------

namespace {
std::string steps_line(const StepRow& r) {
    return fmt::format("{},{:.6f},{:.6g},{:.6g}\n", r.step, r.loss, r.lr, r.grad_norm);
}
StepRow step_row(const std::vector<double>& v) {
    return {.step = static_cast<int>(v[0]), .loss = v[1], .lr = v[2], .grad_norm = v[3]};
}
const RunCsv<StepRow> steps_csv{run_files::steps, kStepsColumns, steps_line, step_row};
}  // namespace

StepRow as_written(const StepRow& row) { return steps_csv.as_written(row); }
void write_steps(const std::string& dir, const std::vector<StepRow>& rows) { steps_csv.write(dir, rows); }
std::vector<StepRow> read_steps_csv(const std::string& path) { return steps_csv.read(path); }
std::vector<StepRow> read_run_steps(const std::string& dir) { return steps_csv.read_run(dir); }

// stability.csv
// -------------

namespace {
std::string stability_line(const StabilityRow& r) {
    return fmt::format("{},{},{:.5f},{:.5f},{:.5f},{:.5f},{}\n", r.step, r.layer, r.attn_logit_max, r.logit_max,
                       r.log_z_mean, r.log_z_max, r.loss_spikes);
}
StabilityRow stability_row(const std::vector<double>& v) {
    return {.step = static_cast<int>(v[0]), .layer = static_cast<int>(v[1]), .attn_logit_max = v[2],
            .logit_max = v[3], .log_z_mean = v[4], .log_z_max = v[5], .loss_spikes = static_cast<int>(v[6])};
}
const RunCsv<StabilityRow> stability_csv{run_files::stability, kStabilityColumns, stability_line, stability_row};
}  // namespace

void write_stability(const std::string& dir, const std::vector<StabilityRow>& rows) { stability_csv.write(dir, rows); }
std::vector<StabilityRow> read_stability_csv(const std::string& path) { return stability_csv.read(path); }
std::vector<StabilityRow> read_run_stability(const std::string& dir) { return stability_csv.read_run(dir); }

// activations.csv
// ---------------

namespace {
std::string activations_line(const ActivationRow& r) {
    return fmt::format("{},{},{},{:.5g},{:.5g},{:.5g},{}\n", r.step, r.layer, r.site, r.kurtosis, r.max_over_median,
                       r.max_abs, r.max_channel);
}
ActivationRow activation_row(const std::vector<double>& v) {
    return {.step = static_cast<int>(v[0]), .layer = static_cast<int>(v[1]), .site = static_cast<int>(v[2]),
            .kurtosis = v[3], .max_over_median = v[4], .max_abs = v[5], .max_channel = static_cast<int>(v[6])};
}
const RunCsv<ActivationRow> activations_csv{run_files::activations, kActivationsColumns, activations_line,
                                            activation_row};
}  // namespace

void write_activations(const std::string& dir, const std::vector<ActivationRow>& rows) {
    activations_csv.write(dir, rows);
}
std::vector<ActivationRow> read_activations_csv(const std::string& path) { return activations_csv.read(path); }
std::vector<ActivationRow> read_run_activations(const std::string& dir) { return activations_csv.read_run(dir); }

// summary.json
// ------------

void write_run_summary(const std::string& dir, const TrainSummary& summary) {
    TrainSummary s = summary;
    for (float* loss : {&s.final_train_loss, &s.final_val_loss, &s.best_val_loss})
        if (!std::isfinite(*loss)) *loss = 0;
    write_text_file(run_file(dir, run_files::summary), train_summary_to_json(s));
}

TrainSummary read_run_summary(const std::string& dir) {
    const std::string path = run_file(dir, run_files::summary);
    GLULAB_CHECK(fs::exists(path), "train the run again (--force)", "{} has no summary.json", dir);
    return train_summary_from_json(read_text_file(path), path);
}

bool run_diverged(const std::string& dir) {
    const std::string path = run_file(dir, run_files::summary);
    if (!fs::exists(path)) return false;
    return json_flag(read_text_file(path), "diverged");
}

}  // namespace glulab
