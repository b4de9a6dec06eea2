// telemetry.hpp — the two pieces every run telemetry is built from: a callback chained in front
// of the caller's, and the rows of a per-evaluation CSV kept in memory through a session.
//
// Private to src/experiment: gates.cpp, stability.cpp and activations.cpp hook their Stats into
// train_run's callbacks (trainer.hpp → TrainCallbacks) with these, each writing its own file.
//
// Lesson 13 · the FFN ablation
#pragma once

#include "glulab/platform/dist.hpp"
#include "glulab/train/run_dir.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace glulab {

// `work`, then `next` if the caller set one: a telemetry goes in front of the callbacks it is
// handed, so that with_run_telemetry can stack three on the caller's own.
template <class Work, class... Args>
std::function<void(Args...)> chained(Work work, std::function<void(Args...)> next) {
    return [work = std::move(work), next = std::move(next)](Args... args) {
        work(args...);
        if (next) next(args...);
    };
}

// The rows of one per-evaluation file of a run directory (gates.csv, stability.csv,
// activations.csv), every evaluation's in order. The session's first step or evaluation reads
// back the rows of the sessions before it (a resumed run keeps those before its first step,
// run_dir.hpp → rows_up_to); each evaluation adds its own and the whole file is written again.
template <class Row>
struct RunFileRows {
    std::string dir;
    std::vector<Row> (*read)(const std::string& dir);                     // e.g. read_run_gates
    void (*write)(const std::string& dir, const std::vector<Row>& rows);  // e.g. write_gates
    bool started = false;     // the rows of the sessions before this one are read back
    std::vector<Row> rows{};  // every evaluation's, in order

    // At the session's first step or evaluation, `step`: the file's rows before it.
    void start(int step) {
        if (!started) rows = rows_up_to(read(dir), step - 1);
        started = true;
    }
    // The rows of the evaluation at `step`, and the file written again.
    void add(int step, const std::vector<Row>& now) {
        start(step);
        rows.insert(rows.end(), now.begin(), now.end());
        if (dist_rank() == 0) write(dir, rows);  // only rank 0 writes the run directory
    }
};

}  // namespace glulab
