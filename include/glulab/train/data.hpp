// data.hpp — text to token ids, the train/validation split, and batches.
//
// glulab models characters: a token is one Unicode code point. The pipeline:
//
//     bytes (UTF-8)  --decode_utf8-->  code points  --Vocab::encode-->  ids in [0, V)
//     ids            --Dataset-->      train (first 90%), val (last 10%)
//     a split        --BatchSampler--> inputs (B, T), targets (B, T), targets shifted by one
//
// Contains: decode_utf8, append_utf8, read_text_file, Vocab, Dataset, Corpus (the three for one
// file), BatchSampler, EvalBatches. Leaves out: sub-word tokenizers (BPE): with a vocabulary of
// a few dozen characters, the model's embedding and head stay small and every number in the
// parameter table is the network's own.
//
// Lesson 12 · training
#pragma once

#include "glulab/platform/rng.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace glulab {

// UTF-8
// -----
// Decode strictly: a byte that cannot start a character, a truncated sequence, an overlong
// encoding, a surrogate (U+D800..U+DFFF) or a value above U+10FFFF throws glulab::Error naming
// the byte offset, e.g. "invalid UTF-8 at byte 1234: unexpected continuation byte 0x80".
// `where` (a file or a flag: "data/x.txt", "--prompt") starts the message when given.
std::vector<char32_t> decode_utf8(std::string_view text, std::string_view where = {});
// Append the UTF-8 encoding of one code point (1 to 4 bytes).
void append_utf8(std::string& out, char32_t cp);
// "é (U+00E9)"; control characters show as their code only: "U+000A".
std::string describe_code_point(char32_t cp);
// The whole file as bytes; a missing or unreadable file throws, naming the path, and so does
// anything but a regular file (a FIFO would block, /dev/zero never ends) or a file above
// kMaxTextBytes.
inline constexpr uintmax_t kMaxTextBytes = uintmax_t{1} << 30;  // 1 GiB; tiny Shakespeare is 1.1 MB
std::string read_text_file(const std::string& path);
// Write `text` to `path` atomically (platform/files.hpp → write_file_atomic: a temporary file,
// fsync, a rename), so a crash never leaves half a file; throws naming the path when it cannot.
void write_text_file(const std::string& path, const std::string& text);

// Vocab
// -----
// The sorted set of code points of a text: id i is the i-th smallest code point. Sorting makes
// the ids a function of the text alone, so the PyTorch side builds the same table with
// `sorted(set(text))`.
class Vocab {
public:
    Vocab() = default;
    // From a list of distinct code points (a checkpoint stores the list); sorted here.
    explicit Vocab(std::vector<char32_t> code_points);
    static Vocab from_text(std::string_view utf8);

    int size() const { return static_cast<int>(code_points_.size()); }  // V
    const std::vector<char32_t>& code_points() const { return code_points_; }
    char32_t code_point(int id) const;  // checks 0 <= id < V
    // The id of a code point; one outside the vocabulary throws, naming it ("é (U+00E9)").
    int id(char32_t cp) const;

    std::vector<int> encode(std::string_view utf8) const;
    std::string decode(std::span<const int> ids) const;

private:
    std::vector<char32_t> code_points_;  // (V), sorted, distinct
    std::vector<int> ascii_ids_;         // (128): id of each ASCII code point, -1 if absent
};

// Dataset
// -------
// The ids of the whole text. The first 90% (n_train = floor(0.9 n)) is the train split, the
// rest the validation split: a contiguous tail, so validation text was never seen in training.
// With a test fraction f > 0 the last floor(f n) ids are cut off the validation split as a test
// split, which only the final evaluation of a run reads: a sweep picks each kind's learning
// rate on the validation loss and reports the test loss, so the selection never reads the
// numbers it reports (experiment/compare.hpp). The train split is the same with or without it.
//
//     [ train: 0 .. n_train ) [ val: n_train .. n - n_test ) [ test: n - n_test .. n )
enum class Split { train, val };
std::string_view split_name(Split split);  // "train", "val"

class Dataset {
public:
    // test_fraction in [0, 1 - train_fraction), e.g. 0.05; 0 = no test split.
    explicit Dataset(std::vector<int> ids, double train_fraction = 0.9, double test_fraction = 0.0);

    int64_t size() const { return static_cast<int64_t>(ids_.size()); }
    std::span<const int> ids() const { return ids_; }
    std::span<const int> train() const { return std::span<const int>(ids_).first(n_train_); }
    std::span<const int> val() const {
        return std::span<const int>(ids_).subspan(n_train_, ids_.size() - n_train_ - n_test_);
    }
    std::span<const int> test() const { return std::span<const int>(ids_).last(n_test_); }  // empty: none
    std::span<const int> split(Split s) const { return s == Split::train ? train() : val(); }

private:
    std::vector<int> ids_;
    size_t n_train_ = 0;
    size_t n_test_ = 0;
};

// A text file ready to train on: its vocabulary and its ids.
struct Corpus {
    Vocab vocab;
    Dataset data;
};
// test_fraction: the Dataset's test split (0: none).
Corpus load_corpus(const std::string& path, double test_fraction = 0.0);

// BatchSampler
// ------------
// Each call of next() draws B window starts s_b uniformly from [0, n - T - 1] (n = the split's
// length, via Rng::below(n - T)) and fills
//
//     inputs[b, t]  = split[s_b + t]          (B, T)
//     targets[b, t] = split[s_b + t + 1]      (B, T), the next character
//
// into buffers allocated once, in the constructor. Same split, sizes and seed: same batches.
// The split must be longer than T + 1 ids.
class BatchSampler {
public:
    BatchSampler(std::span<const int> split, int B, int T, uint64_t seed);

    void next();
    const int* inputs() const { return inputs_.data(); }    // (B, T)
    const int* targets() const { return targets_.data(); }  // (B, T)
    int B() const { return B_; }
    int T() const { return T_; }

private:
    std::span<const int> split_;
    int B_, T_;
    Rng rng_;
    std::vector<int> inputs_, targets_;  // (B, T) each
};

// EvalBatches
// -----------
// `count` batches drawn once by a BatchSampler seeded with `seed` and kept, so every loss
// estimate during a run (and in every run with the same seed) averages over the same windows.
class EvalBatches {
public:
    EvalBatches(std::span<const int> split, int B, int T, int count, uint64_t seed);

    int count() const { return count_; }
    int B() const { return B_; }
    int T() const { return T_; }
    const int* inputs(int i) const;   // (B, T) of batch i
    const int* targets(int i) const;  // (B, T) of batch i

private:
    int count_, B_, T_;
    std::vector<int> inputs_, targets_;  // (count, B, T) each
};

}  // namespace glulab
