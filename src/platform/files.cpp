// files.cpp — atomic file writes (see files.hpp).
#include "glulab/platform/files.hpp"

#include "glulab/platform/check.hpp"

#include <fcntl.h>
#include <unistd.h>  // fsync

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace glulab {

namespace {

// fsync of a file by name: the bytes another program wrote reach the disk before the rename.
bool sync_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    return (::close(fd) == 0) && ok;
}

// A write replaces regular files only. A rename over a FIFO or a device node (as root,
// /dev/null) would put a regular file in its place, and opening a FIFO to write its temporary
// would wait for a reader forever; a directory cannot be replaced by a file at all. So a path
// (or its temporary) that exists and is not a regular file is refused before anything is
// written. A symbolic link counts as what it points to.
void check_replaceable(const std::string& path) {
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) return;  // nothing there: nothing to protect
    const char* kind = std::filesystem::is_directory(status) ? "a directory"
                       : std::filesystem::is_fifo(status)    ? "a FIFO"
                       : std::filesystem::is_character_file(status) || std::filesystem::is_block_file(status)
                           ? "a device"
                           : "not a regular file";
    GLULAB_CHECK(std::filesystem::is_regular_file(status), "give the path of a file glulab may replace",
                 "{} exists and is {}: glulab writes only regular files", path, kind);
}

}  // namespace

void rename_into_place(const std::string& tmp, const std::string& path) {
    try {
        check_replaceable(path);  // again: the path may have changed since write_file_temp
    } catch (const Error&) {
        std::remove(tmp.c_str());
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);  // atomic on POSIX: replaces any old `path`
    if (ec) {
        std::remove(tmp.c_str());
        GLULAB_CHECK(false, "", "could not rename {} to {}: {}", tmp, path, ec.message());
    }
}

void sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void replace_file_atomic(const std::string& tmp, const std::string& path) {
    if (!sync_file(tmp)) {
        const int err = errno;
        std::remove(tmp.c_str());
        GLULAB_CHECK(false, "is the disk full?", "could not write {}: {}", tmp, std::strerror(err));
    }
    rename_into_place(tmp, path);
}

std::string write_file_temp(const std::string& path, const std::function<bool(std::FILE*)>& fill) {
    const std::string tmp = path + ".tmp";
    check_replaceable(path);
    check_replaceable(tmp);
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    GLULAB_CHECK(f, "does the directory exist, and may glulab write there?", "cannot create {}: {}", tmp,
                 std::strerror(errno));
    bool ok = false;
    try {
        ok = fill(f);
    } catch (...) {
        std::fclose(f);
        std::remove(tmp.c_str());
        throw;
    }
    // fflush hands the bytes to the OS, fsync makes the OS put them on disk: only then is the
    // rename safe against a power cut as well as against a crash of glulab.
    ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    const int err = errno;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        std::remove(tmp.c_str());
        GLULAB_CHECK(false, "is the disk full?", "could not write {}: {}", tmp, std::strerror(err));
    }
    return tmp;
}

void write_file_atomic(const std::string& path, const std::function<bool(std::FILE*)>& fill) {
    rename_into_place(write_file_temp(path, fill), path);
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
    write_file_atomic(path, [&](std::FILE* f) { return std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size(); });
}

}  // namespace glulab
