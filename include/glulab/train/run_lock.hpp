// run_lock.hpp — one process at a time in a run directory.
//
// `glulab train` (and every run of `glulab compare`) holds an advisory lock on DIR/run.lock
// while it works: flock(2) on the file, which also holds the holder's pid as text. A second
// process is refused at once, with a message naming the holder. The kernel drops the lock when
// the holder exits, however it exits (kill -9 too), so a stale run.lock never blocks anyone.
//
// Lesson 12 · training
#pragma once

#include <string>

namespace glulab {

class RunLock {
public:
    // Creates DIR/run.lock if needed and locks it; throws glulab::Error naming the pid that
    // holds it when another process does.
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace glulab
