// run_lock.cpp — the advisory lock on a run directory (see run_lock.hpp).
//
// Lesson 12 · training
#include "glulab/train/run_lock.hpp"

#include "glulab/platform/check.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace glulab {

RunLock::RunLock(const std::string& dir) {
    const std::string path = (std::filesystem::path(dir) / "run.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    GLULAB_CHECK(fd_ >= 0, "may glulab write to the run directory?", "cannot open {}: {}", path,
                 std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buf[32] = {};
        const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "(pid unknown)";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        ::close(fd_);
        fd_ = -1;
        GLULAB_CHECK(err != EWOULDBLOCK, "wait for it to finish, or stop it first",
                     "{} is in use: process {} holds {}", dir, holder, path);
        GLULAB_CHECK(false, "", "cannot lock {}: {}", path, std::strerror(err));
    }
    // The holder's pid, for the message of the next one; left alone when it is already there,
    // so that a process which changes nothing in the directory leaves even this file as it was.
    const std::string pid = std::to_string(::getpid()) + "\n";
    char old[32] = {};
    const ssize_t had = ::pread(fd_, old, sizeof old - 1, 0);
    if (had != static_cast<ssize_t>(pid.size()) || pid != old) {
        if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
            // The lock holds without the pid in it; a refused process then names no pid.
        }
    }
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the lock
}

}  // namespace glulab
