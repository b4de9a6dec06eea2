// stop.hpp — one stop request for the process, shared by `glulab train` and `glulab compare`.
//
// While a StopOnSignal is alive, Ctrl-C (SIGINT) and SIGTERM do not end the process: they set the
// request, and the trainer, which polls stop_requested() after every step, saves a checkpoint and
// returns with `interrupted` set; the comparison polls it between runs. Scopes nest: train_run
// opens one, and so does run_compare around its runs; only the outermost installs the handlers
// and clears the request, so a Ctrl-C between two runs of a comparison is not lost.
//
// Lesson 12 · training
#pragma once

namespace glulab {

class StopOnSignal {
public:
    StopOnSignal();
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// Ask the running training to stop after its current step (what the signal handlers do).
void request_stop();
bool stop_requested();

}  // namespace glulab
