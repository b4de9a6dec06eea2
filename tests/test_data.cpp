// test_data.cpp — UTF-8, the vocabulary, the splits and the batch samplers.
#include <doctest/doctest.h>

#include "glulab/platform/check.hpp"
#include "glulab/train/data.hpp"

#include <cstdio>
#include <fstream>
#include <numeric>

using namespace glulab;

TEST_CASE("utf8: decodes one- to four-byte characters and encodes them back") {
    const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
    const std::vector<char32_t> cps = decode_utf8(text);
    CHECK(cps == std::vector<char32_t>{U'a', U'\u00E9', U'\u20AC', U'\U0001F600'});
    std::string back;
    for (char32_t cp : cps) append_utf8(back, cp);
    CHECK(back == text);
    CHECK(decode_utf8("").empty());
}

TEST_CASE("utf8: invalid input is an error that names the byte offset") {
    CHECK_THROWS_WITH_AS(decode_utf8("ab\x80"), doctest::Contains("byte 2"), Error);  // stray
    CHECK_THROWS_WITH_AS(decode_utf8("abc\xC3("), doctest::Contains("byte 4"), Error);  // bad 2nd
    CHECK_THROWS_WITH_AS(decode_utf8("a\xE2\x82"), doctest::Contains("cut off"), Error);
    CHECK_THROWS_WITH_AS(decode_utf8("x\xC0\xAF"), doctest::Contains("byte 1"), Error);  // overlong
    CHECK_THROWS_WITH_AS(decode_utf8("\xED\xA0\x80"), doctest::Contains("U+D800"), Error);
    CHECK_THROWS_WITH_AS(decode_utf8("\xFF"), doctest::Contains("byte 0"), Error);
}

TEST_CASE("vocab: the sorted set of the text's characters, and a round trip") {
    const std::string text = "hello w\xC3\xB6rld";  // hello wörld
    Vocab vocab = Vocab::from_text(text);
    CHECK(vocab.size() == 9);  // ' ' d e h l o r w ö
    CHECK(vocab.code_points() ==
          std::vector<char32_t>{U' ', U'd', U'e', U'h', U'l', U'o', U'r', U'w', U'\u00F6'});
    CHECK(vocab.id(U' ') == 0);
    CHECK(vocab.id(U'\u00F6') == 8);
    const std::vector<int> ids = vocab.encode(text);
    CHECK(ids.size() == 11);
    CHECK(ids[0] == vocab.id(U'h'));
    CHECK(vocab.decode(ids) == text);
    // A vocabulary rebuilt from its code points (as a checkpoint does) is the same.
    CHECK(Vocab(vocab.code_points()).encode(text) == ids);
}

TEST_CASE("vocab: a character outside it is an error naming it as UTF-8 and U+XXXX") {
    Vocab vocab = Vocab::from_text("abc");
    CHECK_THROWS_WITH_AS(vocab.encode("ab\xC3\xA9"), doctest::Contains("'\xC3\xA9' (U+00E9)"),
                         Error);
    CHECK_THROWS_WITH_AS(vocab.encode("a\n"), doctest::Contains("U+000A"), Error);
    CHECK_THROWS_AS(vocab.code_point(3), Error);
}

TEST_CASE("dataset: the first 90% is train, the last 10% validation") {
    std::vector<int> ids(1000);
    std::iota(ids.begin(), ids.end(), 0);
    Dataset data(ids);
    CHECK(data.train().size() == 900);
    CHECK(data.val().size() == 100);
    CHECK(data.train().front() == 0);
    CHECK(data.val().front() == 900);
    CHECK(data.val().back() == 999);
    CHECK(data.split(Split::val).data() == data.val().data());
    CHECK(split_name(Split::train) == "train");
    CHECK(Dataset(std::vector<int>(15)).train().size() == 13);  // floor(0.9 * 15)
}

TEST_CASE("batch sampler: targets are inputs shifted by one, batches fixed by the seed") {
    std::vector<int> ids(500);
    std::iota(ids.begin(), ids.end(), 0);  // id = position, so windows are easy to read
    const int B = 4, T = 8;
    BatchSampler a(ids, B, T, 42), b(ids, B, T, 42), c(ids, B, T, 43);
    bool differs = false;
    for (int step = 0; step < 10; step++) {
        a.next();
        b.next();
        c.next();
        for (int i = 0; i < B * T; i++) {
            REQUIRE(a.inputs()[i] == b.inputs()[i]);
            REQUIRE(a.targets()[i] == a.inputs()[i] + 1);
            differs |= a.inputs()[i] != c.inputs()[i];
        }
        for (int r = 0; r < B; r++) {
            const int* row = a.inputs() + r * T;
            REQUIRE(row[0] >= 0);
            REQUIRE(row[T - 1] + 1 <= 499);  // the target of the last input is in the split
            for (int t = 1; t < T; t++) REQUIRE(row[t] == row[0] + t);  // one contiguous window
        }
    }
    CHECK(differs);
}

TEST_CASE("batch sampler: every window start can be drawn, including the last") {
    const std::vector<int> ids{0, 1, 2, 3, 4};  // T = 3: starts 0 and 1 fit (4 ids each)
    BatchSampler s(ids, 1, 3, 7);
    bool seen[2] = {false, false};
    for (int i = 0; i < 100; i++) {
        s.next();
        REQUIRE(s.inputs()[0] <= 1);
        seen[s.inputs()[0]] = true;
    }
    CHECK((seen[0] && seen[1]));
}

// Issue 23, item 6: exactly T + 1 ids are one window (it was refused with "needs 10 ids, but
// the split has only 10").
TEST_CASE("batch sampler: a split shorter than T + 1 is an error; exactly T + 1 is one window") {
    const std::vector<int> ids{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_NOTHROW(BatchSampler(ids, 2, 8, 1));
    BatchSampler one(ids, 2, 9, 1);
    one.next();
    CHECK(one.inputs()[0] == 0);
    CHECK(one.targets()[8] == 9);
    CHECK_THROWS_WITH_AS(BatchSampler(ids, 2, 10, 1), doctest::Contains("needs T + 1 = 11 ids, but the split has only 10"),
                         Error);
}

TEST_CASE("eval batches: the same windows as a sampler with the same seed, kept") {
    std::vector<int> ids(300);
    std::iota(ids.begin(), ids.end(), 0);
    EvalBatches eval(ids, 3, 5, 4, 9);
    BatchSampler s(ids, 3, 5, 9);
    CHECK(eval.count() == 4);
    for (int i = 0; i < eval.count(); i++) {
        s.next();
        for (int k = 0; k < 15; k++) {
            REQUIRE(eval.inputs(i)[k] == s.inputs()[k]);
            REQUIRE(eval.targets(i)[k] == s.targets()[k]);
        }
    }
    CHECK_THROWS_AS(eval.inputs(4), Error);
}

TEST_CASE("corpus: a file becomes a vocabulary and ids; a missing file is a clear error") {
    const std::string path = "build/test_data_corpus.txt";
    {
        std::ofstream out(path, std::ios::binary);
        out << "to be, or not to be\n";
    }
    Corpus corpus = load_corpus(path);
    CHECK(corpus.vocab.size() == 9);  // \n ' ' , b e n o r t
    CHECK(corpus.data.size() == 20);
    CHECK(corpus.vocab.decode(corpus.data.ids()) == "to be, or not to be\n");
    std::remove(path.c_str());
    CHECK_THROWS_WITH_AS(load_corpus("no/such/file.txt"), doctest::Contains("no/such/file.txt"),
                         Error);
}
