// files.hpp — the one way glulab writes a file: atomically.
//
// Every file glulab writes (run directories, checkpoints, CSVs, plots, the results page) goes
// through write_file_atomic: the bytes go to `path` + ".tmp", are flushed to disk (fsync), and
// the temporary file is renamed over `path`, which is atomic on POSIX. A crash or a full disk
// leaves either the old file or the new one, never half of one.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

namespace glulab {

// `fill` writes the contents into the open temporary file and returns false on a failed write.
// On any failure the temporary file is removed and glulab::Error names the file.
void write_file_atomic(const std::string& path, const std::function<bool(std::FILE*)>& fill);
// The same for bytes already in memory.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Put an existing file (e.g. one gnuplot drew at path + ".tmp") in place with the same guarantee.
void replace_file_atomic(const std::string& tmp, const std::string& path);

}  // namespace glulab
