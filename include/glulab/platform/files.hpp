// files.hpp — the one way glulab writes a file: atomically.
//
// Every file glulab writes (run directories, checkpoints, CSVs, plots, the results page) goes
// through write_file_atomic: the bytes go to `path` + ".tmp", are flushed to disk (fsync), and
// the temporary file is renamed over `path`, which is atomic on POSIX. A crash or a full disk
// leaves either the old file or the new one, never half of one.
//
// The same two steps are also offered apart, for a caller that replaces several files in an
// order of its own (checkpoint.hpp → save_checkpoint renames the optimizer before the model):
// write_file_temp writes and flushes the temporary file, rename_into_place puts it in place.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

namespace glulab {

// `fill` writes the contents into the open temporary file and returns false on a failed write.
// On any failure (or if `fill` throws) the temporary file is removed and glulab::Error names
// the file.
void write_file_atomic(const std::string& path, const std::function<bool(std::FILE*)>& fill);
// The same for bytes already in memory.
void write_file_atomic(const std::string& path, const std::string& bytes);
// Put an existing file (e.g. one gnuplot drew at path + ".tmp") in place with the same guarantee.
void replace_file_atomic(const std::string& tmp, const std::string& path);

// The two steps of write_file_atomic. The first writes `path` + ".tmp" through `fill` and
// flushes it to disk, returning its name; nothing at `path` changes yet.
std::string write_file_temp(const std::string& path, const std::function<bool(std::FILE*)>& fill);
// The second renames `tmp` over `path` (atomic on POSIX); on failure `tmp` is removed and it
// throws glulab::Error naming both.
void rename_into_place(const std::string& tmp, const std::string& path);
// fsync of a directory, so that the renames in it reach the disk too (best effort: some file
// systems refuse to open a directory for this, and then a rename is as durable as it gets).
void sync_directory(const std::string& dir);

}  // namespace glulab
