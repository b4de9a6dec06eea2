// data.cpp — UTF-8, the character vocabulary, the splits and the batch samplers (see data.hpp).
//
// Contains: decode_utf8, append_utf8, describe_code_point, read_text_file, Vocab, Dataset,
// load_corpus, BatchSampler, EvalBatches.
//
// Lesson 12 · training
#include "glulab/train/data.hpp"
#include "glulab/platform/files.hpp"

#include "glulab/platform/check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace glulab {

// decode_utf8
// -----------
// A code point takes 1 to 4 bytes; the first byte says how many, the others are continuation
// bytes 10xxxxxx carrying 6 bits each:
//
//     0xxxxxxx                              U+0000  .. U+007F
//     110xxxxx 10xxxxxx                     U+0080  .. U+07FF
//     1110xxxx 10xxxxxx 10xxxxxx            U+0800  .. U+FFFF   (less U+D800..U+DFFF)
//     11110xxx 10xxxxxx 10xxxxxx 10xxxxxx   U+10000 .. U+10FFFF
//
// A value below its row's range ("overlong": 0xC0 0xAF for '/') could hide characters from a
// byte-level check, so it is an error, like the UTF-16 surrogates, which UTF-8 never encodes.
std::vector<char32_t> decode_utf8(std::string_view text, std::string_view where) {
    // "data/x.txt: " before every message, when the caller names the text's source.
    const std::string in = where.empty() ? std::string() : fmt::format("{}: ", where);
    std::vector<char32_t> out;
    out.reserve(text.size());
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    size_t i = 0;
    while (i < text.size()) {
        const unsigned char b0 = byte(i);
        if (b0 < 0x80) {  // ASCII, the common case
            out.push_back(b0);
            i++;
            continue;
        }
        int len = 0;
        char32_t cp = 0, min = 0;
        if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
        if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
        if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
        GLULAB_CHECK(len > 0, "is the file UTF-8 (not Latin-1 or UTF-16)?",
                     "{}invalid UTF-8 at byte {}: 0x{:02X} {}", in, i, b0,
                     (b0 & 0xC0) == 0x80 ? "is a continuation byte where a character should start"
                                         : "cannot start a character");
        for (int k = 1; k < len; k++) {
            GLULAB_CHECK(i + static_cast<size_t>(k) < text.size(), "the file may be cut short",
                         "{}invalid UTF-8 at byte {}: the {}-byte character starting at byte {} "
                         "is cut off by the end of the text", in, text.size(), len, i);
            const unsigned char bk = byte(i + static_cast<size_t>(k));
            GLULAB_CHECK((bk & 0xC0) == 0x80, "is the file UTF-8 (not Latin-1 or UTF-16)?",
                         "{}invalid UTF-8 at byte {}: 0x{:02X} is not a continuation byte of the "
                         "{}-byte character starting at byte {}", in, i + static_cast<size_t>(k), bk,
                         len, i);
            cp = (cp << 6) | (bk & 0x3F);
        }
        GLULAB_CHECK(cp >= min, "each character must use its shortest encoding",
                     "{}invalid UTF-8 at byte {}: overlong encoding of U+{:04X}", in, i,
                     static_cast<uint32_t>(cp));
        GLULAB_CHECK(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF), "",
                     "{}invalid UTF-8 at byte {}: U+{:04X} is not a Unicode scalar value", in, i,
                     static_cast<uint32_t>(cp));
        out.push_back(cp);
        i += static_cast<size_t>(len);
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    const auto put = [&](uint32_t b) { out.push_back(static_cast<char>(b)); };
    const uint32_t c = cp;
    if (c < 0x80) {
        put(c);
    } else if (c < 0x800) {
        put(0xC0 | (c >> 6));
        put(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        put(0xE0 | (c >> 12));
        put(0x80 | ((c >> 6) & 0x3F));
        put(0x80 | (c & 0x3F));
    } else {
        put(0xF0 | (c >> 18));
        put(0x80 | ((c >> 12) & 0x3F));
        put(0x80 | ((c >> 6) & 0x3F));
        put(0x80 | (c & 0x3F));
    }
}

std::string describe_code_point(char32_t cp) {
    const auto code = fmt::format("U+{:04X}", static_cast<uint32_t>(cp));
    if (cp < 0x20 || cp == 0x7F) return code;  // control characters would garble the message
    std::string s = "'";
    append_utf8(s, cp);
    return s + "' (" + code + ")";
}

std::string read_text_file(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    GLULAB_CHECK(!std::filesystem::is_directory(status), "give a file, not a directory",
                 "'{}' is a directory", path);
    if (!ec && std::filesystem::exists(status)) {
        GLULAB_CHECK(std::filesystem::is_regular_file(status), "give a text file",
                     "'{}' is not a regular file (a device or a pipe has no end to read to)", path);
        const uintmax_t bytes = std::filesystem::file_size(path, ec);
        GLULAB_CHECK(!ec && bytes <= kMaxTextBytes, "give a smaller text",
                     "'{}' is {} bytes: above glulab's limit of 1 GiB for a text", path, bytes);
    }
    std::ifstream in(path, std::ios::binary);
    GLULAB_CHECK(in.good(), "check the path; `make data` fetches data/tinyshakespeare.txt",
                 "cannot open '{}'", path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    GLULAB_CHECK(!in.bad(), "", "error while reading '{}'", path);
    return std::move(bytes).str();
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

// Vocab
// -----
// Lookups of ASCII characters (nearly all of English text) go through a 128-entry table; the
// rest by binary search in the sorted code points.
Vocab::Vocab(std::vector<char32_t> code_points) : code_points_(std::move(code_points)) {
    std::sort(code_points_.begin(), code_points_.end());
    GLULAB_CHECK(std::adjacent_find(code_points_.begin(), code_points_.end()) == code_points_.end(),
                 "a vocabulary lists each character once", "vocab: a code point appears twice");
    ascii_ids_.assign(128, -1);
    for (size_t i = 0; i < code_points_.size() && code_points_[i] < 128; i++)
        ascii_ids_[code_points_[i]] = static_cast<int>(i);
}

Vocab Vocab::from_text(std::string_view utf8) {
    std::vector<char32_t> cps = decode_utf8(utf8);
    std::sort(cps.begin(), cps.end());
    cps.erase(std::unique(cps.begin(), cps.end()), cps.end());
    return Vocab(std::move(cps));
}

char32_t Vocab::code_point(int id) const {
    GLULAB_CHECK(id >= 0 && id < size(), "ids run from 0 to V-1",
                 "vocab: id {} out of range for V = {}", id, size());
    return code_points_[static_cast<size_t>(id)];
}

int Vocab::id(char32_t cp) const {
    if (cp < 128 && !ascii_ids_.empty() && ascii_ids_[cp] >= 0) return ascii_ids_[cp];
    auto it = std::lower_bound(code_points_.begin(), code_points_.end(), cp);
    GLULAB_CHECK(it != code_points_.end() && *it == cp,
                 "the vocabulary holds the characters of the training text only",
                 "character {} is not in the vocabulary", describe_code_point(cp));
    return static_cast<int>(it - code_points_.begin());
}

std::vector<int> Vocab::encode(std::string_view utf8) const {
    std::vector<char32_t> cps = decode_utf8(utf8);
    std::vector<int> ids(cps.size());
    std::transform(cps.begin(), cps.end(), ids.begin(), [&](char32_t cp) { return id(cp); });
    return ids;
}

std::string Vocab::decode(std::span<const int> ids) const {
    std::string s;
    s.reserve(ids.size());
    for (int i : ids) append_utf8(s, code_point(i));
    return s;
}

// Dataset
// -------
std::string_view split_name(Split split) { return split == Split::train ? "train" : "val"; }

Dataset::Dataset(std::vector<int> ids, double train_fraction, double test_fraction) : ids_(std::move(ids)) {
    GLULAB_CHECK(train_fraction > 0.0 && train_fraction < 1.0, "e.g. 0.9",
                 "dataset: train fraction {} must lie in (0, 1)", train_fraction);
    GLULAB_CHECK(test_fraction >= 0.0 && test_fraction < 1.0 - train_fraction, "e.g. --test-split 0.05",
                 "dataset: test fraction {} must lie in [0, {}), below the validation split's share", test_fraction,
                 1.0 - train_fraction);
    n_train_ = static_cast<size_t>(train_fraction * static_cast<double>(ids_.size()));
    n_test_ = static_cast<size_t>(test_fraction * static_cast<double>(ids_.size()));
}

Corpus load_corpus(const std::string& path, double test_fraction) {
    const std::string text = read_text_file(path);
    GLULAB_CHECK(!text.empty(), "train on a text file with some text in it", "'{}' is empty", path);
    decode_utf8(text, path);  // an error here names the file; the two decodes below cannot fail
    Vocab vocab = Vocab::from_text(text);
    std::vector<int> ids = vocab.encode(text);
    return Corpus{std::move(vocab), Dataset(std::move(ids), 0.9, test_fraction)};
}

// BatchSampler
// ------------
BatchSampler::BatchSampler(std::span<const int> split, int B, int T, uint64_t seed)
    : split_(split), B_(B), T_(T), rng_(seed) {
    GLULAB_CHECK(B > 0 && T > 0, "batch size and context are positive",
                 "batch sampler: B = {}, T = {}", B, T);
    GLULAB_CHECK(split.size() >= static_cast<size_t>(T) + 1,
                 "use a shorter context or a longer text",
                 "batch sampler: a window needs T + 1 = {} ids, but the split has only {}", T + 1,
                 split.size());
    inputs_.resize(static_cast<size_t>(B) * static_cast<size_t>(T));
    targets_.resize(inputs_.size());
}

void BatchSampler::next() {
    const size_t T = static_cast<size_t>(T_);
    const uint64_t starts = split_.size() - T;  // s in [0, n - T - 1]: s + T is the last id
    for (size_t b = 0; b < static_cast<size_t>(B_); b++) {
        const int* window = split_.data() + rng_.below(starts);
        std::copy_n(window, T, inputs_.data() + b * T);
        std::copy_n(window + 1, T, targets_.data() + b * T);
    }
}

// EvalBatches
// -----------
EvalBatches::EvalBatches(std::span<const int> split, int B, int T, int count, uint64_t seed)
    : count_(count), B_(B), T_(T) {
    GLULAB_CHECK(count > 0, "e.g. 20 batches", "eval batches: count = {}", count);
    BatchSampler sampler(split, B, T, seed);
    const size_t n = static_cast<size_t>(B) * static_cast<size_t>(T);
    inputs_.resize(static_cast<size_t>(count) * n);
    targets_.resize(inputs_.size());
    for (size_t i = 0; i < static_cast<size_t>(count); i++) {
        sampler.next();
        std::copy_n(sampler.inputs(), n, inputs_.data() + i * n);
        std::copy_n(sampler.targets(), n, targets_.data() + i * n);
    }
}

const int* EvalBatches::inputs(int i) const {
    GLULAB_CHECK(i >= 0 && i < count_, "", "eval batch {} of {}", i, count_);
    return inputs_.data() + static_cast<size_t>(i) * static_cast<size_t>(B_ * T_);
}

const int* EvalBatches::targets(int i) const {
    GLULAB_CHECK(i >= 0 && i < count_, "", "eval batch {} of {}", i, count_);
    return targets_.data() + static_cast<size_t>(i) * static_cast<size_t>(B_ * T_);
}

}  // namespace glulab
