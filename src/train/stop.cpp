// stop.cpp — the stop request and its signal handlers (see stop.hpp).
//
// Lesson 12 · training
#include "glulab/train/stop.hpp"

#include <atomic>
#include <csignal>

namespace glulab {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_scopes{0};  // StopOnSignal objects alive; the outermost one owns the handlers (atomic: compare trains cells in threads)
void (*g_before_int)(int) = SIG_DFL;
void (*g_before_term)(int) = SIG_DFL;

extern "C" void on_stop_signal(int) { g_stop = true; }

}  // namespace

StopOnSignal::StopOnSignal() {
    if (g_scopes++ > 0) return;
    g_stop = false;
    g_before_int = std::signal(SIGINT, on_stop_signal);
    g_before_term = std::signal(SIGTERM, on_stop_signal);
}

StopOnSignal::~StopOnSignal() {
    if (--g_scopes > 0) return;
    std::signal(SIGINT, g_before_int);
    std::signal(SIGTERM, g_before_term);
}

void request_stop() { g_stop = true; }
bool stop_requested() { return g_stop; }

}  // namespace glulab
