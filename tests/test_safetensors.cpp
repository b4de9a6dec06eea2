// test_safetensors.cpp — safetensors round trip, atomic write, and every malformed file the
// reader must reject with a glulab::Error (never a crash).
//
// Bad files are crafted byte by byte in a temporary directory. That a file written here reads
// in Python (and the other way round) is checked by tests/torch/crosscheck.py, not here.
#include <doctest/doctest.h>

#include "glulab/train/safetensors.hpp"

#include <sys/resource.h>  // wait4, rusage
#include <sys/wait.h>
#include <unistd.h>  // getpid, fork

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include "test_util.hpp"

using namespace glulab;
using glulab_test::contains;
using glulab_test::TempDir;
namespace fs = std::filesystem;

namespace {

// Writes a file by hand: the 8-byte length (the header's size unless `length` is given),
// the header text and `data` bytes of payload (zeros).
void write_raw(const std::string& path, const std::string& header, size_t data,
               uint64_t length = UINT64_MAX) {
    if (length == UINT64_MAX) length = header.size();
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 8; i++) out.put(static_cast<char>(length >> (8 * i)));
    out << header << std::string(data, '\0');
}

// What safetensors_read(path) throws as a glulab::Error ("" if it does not throw). Any other
// exception escapes and fails the test.
std::string read_error(const std::string& path) {
    return glulab_test::error_message([&] { safetensors_read(path); });
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, order, shapes, values and metadata") {
    TempDir tmp("safetensors-rt");
    const std::string path = tmp.path("model.safetensors");
    std::vector<float> w(3 * 5), g(5);
    for (size_t i = 0; i < w.size(); i++) w[i] = 0.25f * static_cast<float>(i) - 1.0f;
    for (size_t i = 0; i < g.size(); i++) g[i] = 1.0f + 1e-7f * static_cast<float>(i);
    std::vector<int32_t> idx = {3, -1, 2147483647, 0, 64, 7};
    SafetensorsMetadata meta = {{"config", R"({"d_model": 5})"}, {"vocab", R"(["a", "é"])"}};

    safetensors_write(path, {{"wte.weight", {3, 5}, w.data()},
                             {"norm_f.weight", {5}, g.data()},
                             {"idx", {2, 3}, idx.data()}},
                      meta);
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(path + ".tmp"));

    // Header length is a multiple of 8, and the file is exactly header + data.
    std::ifstream in(path, std::ios::binary);
    unsigned char len[8];
    in.read(reinterpret_cast<char*>(len), 8);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= static_cast<uint64_t>(len[i]) << (8 * i);
    CHECK(n % 8 == 0);
    CHECK(fs::file_size(path) == 8 + n + 4 * (15 + 5 + 6));

    SafetensorsFile f = safetensors_read(path);
    CHECK(f.metadata == meta);
    CHECK(f.meta("vocab") == R"(["a", "é"])");
    REQUIRE(f.tensors.size() == 3);
    CHECK(f.tensors[0].name == "wte.weight");  // data order = the order given to write
    CHECK(f.tensors[1].name == "norm_f.weight");
    CHECK(f.tensors[2].name == "idx");
    CHECK(f.f32("wte.weight", {3, 5}) == w);
    CHECK(f.f32("norm_f.weight", {5}) == g);
    CHECK(f.i32("idx", {2, 3}) == idx);
    CHECK(f.at("idx").dtype == DType::I32);
    CHECK(f.at("idx").f32.empty());
    CHECK(f.find("nope") == nullptr);
}

TEST_CASE("safetensors write replaces an old file atomically and rejects bad entries") {
    TempDir tmp("safetensors-atomic");
    const std::string path = tmp.path("ckpt.safetensors");
    std::vector<float> a(4, 1.0f), b(2, 2.0f);
    safetensors_write(path, {{"a", {4}, a.data()}});
    safetensors_write(path, {{"b", {2}, b.data()}}, {{"step", "10"}});
    CHECK_FALSE(fs::exists(path + ".tmp"));
    SafetensorsFile f = safetensors_read(path);
    CHECK(f.find("a") == nullptr);
    CHECK(f.f32("b", {2}) == b);
    CHECK(f.meta("step") == "10");
    CHECK(f.metadata.size() == 1);

    // No metadata at all, and an empty tensor.
    safetensors_write(path, {{"empty", {0, 3}, static_cast<const float*>(nullptr)}});
    CHECK(safetensors_read(path).at("empty").numel() == 0);

    CHECK_THROWS_AS(safetensors_write(path, {{"a", {4}, a.data()}, {"a", {4}, a.data()}}), Error);
    CHECK_THROWS_AS(safetensors_write(path, {{"__metadata__", {4}, a.data()}}), Error);
    CHECK_THROWS_AS(safetensors_write(path, {{"a", Shape(), a.data()}}), Error);
    CHECK_THROWS_AS(safetensors_write(path, {{"a", {4}, static_cast<const float*>(nullptr)}}),
                    Error);
    CHECK_THROWS_AS(safetensors_write(tmp.path("no/such/dir/x.safetensors"), {}), Error);
    CHECK(safetensors_read(path).at("empty").numel() == 0);  // failed writes left it alone
}

TEST_CASE("safetensors lookup names the missing tensor and a wrong dtype or shape") {
    TempDir tmp("safetensors-lookup");
    const std::string path = tmp.path("x.safetensors");
    std::vector<float> a(6, 0.5f);
    safetensors_write(path, {{"a", {2, 3}, a.data()}});
    SafetensorsFile f = safetensors_read(path);
    CHECK_THROWS_WITH_AS(f.at("b"), doctest::Contains("no tensor 'b'"), Error);
    CHECK_THROWS_WITH_AS(f.f32("a", {3, 2}), doctest::Contains("expected F32 (3, 2)"), Error);
    CHECK_THROWS_WITH_AS(f.i32("a", {2, 3}), doctest::Contains("expected I32 (2, 3)"), Error);
    CHECK_THROWS_WITH_AS(f.meta("config"), doctest::Contains("no metadata 'config'"), Error);
}

TEST_CASE("safetensors read rejects malformed files with a clear glulab::Error") {
    TempDir tmp("safetensors-bad");
    const std::string p = tmp.path("bad.safetensors");
    // A well-formed entry for reuse: 2 floats at [0, 8).
    const std::string ok = R"("a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
    // Files of a header and `data` zero bytes, each read with an error that contains `error`.
    struct Bad {
        std::string header;
        size_t data;
        const char* error;
    };
    const auto check_rejected = [&](std::initializer_list<Bad> bads) {
        for (const Bad& b : bads) {
            CAPTURE(b.header);
            write_raw(p, b.header, b.data);
            CHECK(contains(read_error(p), b.error));
        }
    };

    SUBCASE("missing file") {
        CHECK(contains(read_error(tmp.path("absent.safetensors")), "cannot open"));
    }
    SUBCASE("file shorter than the length field") {
        std::ofstream(p, std::ios::binary) << "abc";
        CHECK(contains(read_error(p), "too short"));
    }
    SUBCASE("empty file") {
        std::ofstream(p, std::ios::binary).flush();
        CHECK(contains(read_error(p), "too short"));
    }
    SUBCASE("header length larger than the file") {
        write_raw(p, "{" + ok + "}", 8, 4096);
        CHECK(contains(read_error(p), "header length 4096 does not fit"));
    }
    SUBCASE("absurd header length") {
        write_raw(p, "{}", 0, UINT64_MAX - 1);
        CHECK(contains(read_error(p), "does not fit"));
    }
    SUBCASE("header is not JSON") {
        check_rejected({{R"({"a": {"dtype": "F32", "shape": [1, 2)", 0, "not valid JSON"},
                        {std::string(16, '\0'), 0, "not valid JSON"},
                        {"", 0, "not valid JSON"}});
    }
    SUBCASE("header is JSON but not an object") {
        check_rejected({{"[1, 2, 3]", 0, "not an object"}});
    }
    SUBCASE("entry is not an object") {
        check_rejected({{R"({"a": 3})", 0, "entry 'a' is not a JSON object"}});
    }
    SUBCASE("missing dtype, shape or data_offsets") {
        check_rejected({{R"({"a": {"shape": [2], "data_offsets": [0, 8]}})", 8, "has no \"dtype\""},
                        {R"({"a": {"dtype": "F32", "data_offsets": [0, 8]}})", 8, "has no \"shape\""},
                        {R"({"a": {"dtype": "F32", "shape": [2]}})", 8, "has no \"data_offsets\""}});
    }
    SUBCASE("unsupported dtype names the supported ones") {
        write_raw(p, R"({"a": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}})", 8);
        std::string e = read_error(p);
        CHECK(contains(e, "unsupported dtype \"F16\""));
        CHECK(contains(e, "F32, I32 and I8"));
        write_raw(p, R"({"a": {"dtype": 7, "shape": [2], "data_offsets": [0, 8]}})", 8);
        CHECK(contains(read_error(p), "unsupported dtype 7"));
    }
    SUBCASE("invalid shapes") {
        check_rejected({{R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8, "invalid size -2"},
                        {R"({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", 8, "invalid size 2.5"},
                        {R"({"a": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}})", 8, "rank 1 to 4"},
                        {R"({"a": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}})", 4, "rank 1 to 4"},
                        {R"({"a": {"dtype": "F32", "shape": [1,1,1,1,2], "data_offsets": [0, 8]}})", 8,
                         "rank 1 to 4"},
                        {R"({"a": {"dtype": "F32", "shape": [4294967296], "data_offsets": [0, 8]}})", 8,
                         "invalid size"}});
    }
    SUBCASE("shape and byte range disagree") {
        check_rejected({{R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8,
                         "needs 12 bytes but data_offsets [0, 8] hold 8"},
                        // Sizes whose product wraps around 2^64 to zero must not pass as an empty tensor.
                        {R"({"a": {"dtype": "I32", "shape": [2147483647, 2147483647, 2147483647, 4],
                             "data_offsets": [0, 0]}})",
                         0, "needs too many bytes"},
                        {R"({"a": {"dtype": "I32", "shape": [65536, 65536, 65536, 65536],
                             "data_offsets": [0, 0]}})",
                         0, "needs too many bytes"}});
    }
    SUBCASE("bad data_offsets") {
        check_rejected({{R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})", 8,
                         "not two non-negative integers"},
                        {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})", 8,
                         "not two non-negative integers"},
                        {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8, "begin after end"}});
    }
    SUBCASE("byte range outside the data section") {
        write_raw(p, "{" + ok + "}", 4);  // truncated: 8 bytes declared, 4 present
        CHECK(contains(read_error(p), "past the end of the data section (4 bytes)"));
        write_raw(p,
                  R"({"a": {"dtype": "F32", "shape": [2],
                      "data_offsets": [18446744073709551608, 18446744073709551615]}})",
                  8);
        CHECK_FALSE(read_error(p).empty());
    }
    SUBCASE("overlapping tensors") {
        check_rejected({{"{" + ok + R"(, "b": {"dtype": "I32", "shape": [2], "data_offsets": [4, 12]}})", 12,
                         "tensors 'a' [0, 8] and 'b' [4, 12] overlap"},
                        {"{" + ok + R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 8,
                         "overlap"}});
    }
    SUBCASE("metadata values must be strings") {
        check_rejected({{R"({"__metadata__": {"step": 10}, )" + ok + "}", 8, "metadata 'step' is 10, not a string"},
                        {R"({"__metadata__": "config", )" + ok + "}", 8, "__metadata__ is not a JSON object"}});
    }
    SUBCASE("a hand-made file that is valid reads fine") {
        write_raw(p, R"({"__metadata__": {"k": "v"}, )" + ok + "}   ", 8);
        SafetensorsFile f = safetensors_read(p);
        CHECK(f.meta("k") == "v");
        CHECK(f.f32("a", {2}) == std::vector<float>{0.0f, 0.0f});
    }
}

TEST_CASE("safetensors read turns every JSON failure into a glulab::Error naming the file") {
    TempDir tmp("st-json");
    const std::string p = tmp.path("overflow.safetensors");
    // nlohmann reports a number too large for a double as out_of_range, not as a parse error.
    write_raw(p, R"({"x": 1e400})", 0);
    const std::string e = read_error(p);
    CHECK(contains(e, "overflow.safetensors"));
    CHECK(contains(e, "not valid JSON"));
}

// Issue 23, item 3: small untrusted files that crashed the reader, took many times their size
// in memory, or were accepted though the format forbids them.
TEST_CASE("safetensors read bounds nesting and memory, and refuses duplicate names and unowned bytes") {
    TempDir tmp("st-trust");
    const std::string p = tmp.path("x.safetensors");
    const std::string ok = R"("a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
    const std::string deep = std::string(300000, '[') + std::string(300000, ']');

    SUBCASE("lists nested 300,000 deep, as a dtype, a shape or a metadata value: refused, no stack overflow") {
        write_raw(p, R"({"a": {"dtype": )" + deep + R"(, "shape": [2], "data_offsets": [0, 8]}})", 8);
        std::string e = read_error(p);
        CHECK(contains(e, p));
        CHECK(contains(e, "tensor 'a' has a list as its dtype"));
        write_raw(p, R"({"a": {"dtype": "F32", "shape": )" + deep + R"(, "data_offsets": [0, 8]}})", 8);
        CHECK(contains(read_error(p), "tensor 'a' holds a list nested deeper than a safetensors header can"));
        write_raw(p, R"({"__metadata__": {"k": )" + deep + "}, " + ok + "}", 8);
        e = read_error(p);
        CHECK(contains(e, "metadata 'k' is a list, not a string"));
        write_raw(p, R"({"a": {"dtype": "F32", "shape": [[[2]]], "data_offsets": [0, 8]}})", 8);
        CHECK(contains(read_error(p), "nested deeper than a safetensors header can"));
    }
    SUBCASE("a tensor name listed twice") {
        write_raw(p, "{" + ok + R"(, "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", 16);
        CHECK(contains(read_error(p), "tensor 'a' is listed twice"));
        write_raw(p, R"({"a": {"dtype": "F32", "dtype": "I32", "shape": [2], "data_offsets": [0, 8]}})", 8);
        CHECK(contains(read_error(p), "tensor 'a' lists 'dtype' twice"));
        write_raw(p, R"({"__metadata__": {"k": "1", "k": "2"}, )" + ok + "}", 8);
        CHECK(contains(read_error(p), "metadata '__metadata__' lists 'k' twice"));
    }
    SUBCASE("bytes of the data section that no tensor owns") {
        // A gap between two tensors, before the first, and an empty tensor does not fill one.
        write_raw(p, "{" + ok + R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})", 20);
        CHECK(contains(read_error(p), "bytes [8, 12) of the data section belong to no tensor"));
        write_raw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12);
        CHECK(contains(read_error(p), "bytes [0, 4) of the data section belong to no tensor"));
        write_raw(p, R"({"e": {"dtype": "F32", "shape": [0], "data_offsets": [8, 8]}, )" + ok +
                         R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})", 20);
        CHECK(contains(read_error(p), "bytes [8, 12)"));
    }
    SUBCASE("an entry with a key of no safetensors entry, or a list longer than a shape") {
        write_raw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}})", 8);
        CHECK(contains(read_error(p), "tensor 'a' has an unknown key 'x'"));
        write_raw(p, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 0, 0, 0, 0]}})", 8);
        CHECK(contains(read_error(p), "tensor 'a' has a data_offsets of more than 4 values"));
    }
    SUBCASE("memory stays within four times the file's size, even for a header of empty tensors") {
        // 8 MB of empty tensors, the most entries a header can hold per byte, the last name
        // twice: the reader holds every entry before it can refuse the file. Measured in a
        // child process, against one that reads a tiny file.
        std::string header = "{";
        for (int i = 0; header.size() < 8'000'000; i++)
            header += fmt::format(R"("t{}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}},)", i);
        header += R"("t0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})";
        write_raw(p, header, 0);
        const std::string small = tmp.path("small.safetensors");
        write_raw(small, "{" + ok + "}", 8);
        const auto peak_kb = [](const std::string& path) {
            const pid_t pid = fork();
            if (pid == 0) {
                try {
                    safetensors_read(path);
                } catch (const Error&) {
                }
                _exit(0);
            }
            int status = 0;
            rusage usage{};
            wait4(pid, &status, 0, &usage);
            return usage.ru_maxrss;  // kilobytes
        };
        const long base = peak_kb(small), big = peak_kb(p);
        const double ratio = static_cast<double>(big - base) * 1024.0 / static_cast<double>(header.size());
        CAPTURE(ratio);
        CHECK(contains(read_error(p), "tensor 't0' is listed twice"));
#ifndef __SANITIZE_ADDRESS__  // ASan keeps freed memory in quarantine and pads every block
        CHECK(ratio < 4.0);
#endif
    }
}
