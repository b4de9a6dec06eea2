// test_cli.cpp — the `glulab` program as a user meets it: exit codes, error messages, files.
//
// Each test runs the real binary, build/glulab, found next to the test binary (so the tests
// work from any directory), with its stdout and stderr captured in files. The contract of
// src/cli/main.cpp:
//
//     0    success, and --help
//     2    a usage error or a glulab::Error, printed as `glulab: error: <message>`
//     130  `train` stopped by Ctrl-C (or --stop-after): checkpoint saved, resume with --resume
//
// A crash (a signal, or an exit code of 128 or more other than 130) is always a failure. Bad
// input must be rejected before any work is done: no run directory appears for a bad flag, and
// an existing run is left exactly as it was.
//
// The models are tiny (L 1, C 16, T 8, B 4, 20 steps) and the text is written by the test, so
// the whole file takes a few seconds, nearly all of it starting processes.
//
// Lesson 12 · training
#include <doctest/doctest.h>

#include "glulab/nn/model.hpp"
#include "glulab/platform/check.hpp"
#include "glulab/platform/rng.hpp"
#include "glulab/train/safetensors.hpp"

#include <sys/stat.h>  // mkfifo

#include <sys/wait.h>
#include <unistd.h>  // getpid

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include "test_util.hpp"

namespace fs = std::filesystem;
using glulab_test::contains;
using glulab_test::DirSnapshot;
using glulab_test::json_at;
using glulab_test::json_size;
using glulab_test::json_type;
using glulab_test::quoted;
using glulab_test::read_file;
using glulab_test::TempDir;
using glulab_test::write_file;

namespace {

// Processes
// ---------

// What one run of the program did.
struct Run {
    int code = -1;    // the exit code, when it exited
    int signal = 0;   // the signal that killed it, when one did
    std::string out, err;

    bool crashed() const { return signal != 0 || (code >= 128 && code != 130); }
    std::string describe() const {
        return fmt::format("exit {}{}\n--- stdout\n{}--- stderr\n{}", code,
                           signal ? fmt::format(", killed by signal {}", signal) : "", out, err);
    }
};

// build/glulab, next to this test binary.
fs::path glulab_binary() { return fs::read_symlink("/proc/self/exe").parent_path() / "glulab"; }

// run_glulab("train --steps 10") runs `glulab train --steps 10`. The arguments go through the
// shell: quote paths with quoted().
Run run_glulab(const std::string& args) {
    static TempDir io("cli-io");
    const fs::path bin = glulab_binary();
    REQUIRE_MESSAGE(fs::exists(bin), bin.string() << " does not exist: build it with `make`");
    const std::string cmd = fmt::format("{} {} >{} 2>{} </dev/null", quoted(bin), args, quoted(io / "out"),
                                        quoted(io / "err"));
    const int status = std::system(cmd.c_str());
    Run r;
    if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = read_file(io / "out");
    r.err = read_file(io / "err");
    return r;
}

// Checks that a run failed the way main.cpp promises: exit 2, `glulab: error:`, each of
// `mentions` in the message.
void check_usage_error(const Run& r, const std::vector<std::string>& mentions = {}) {
    INFO(r.describe());
    CHECK_FALSE(r.crashed());
    CHECK(r.code == 2);
    CHECK(contains(r.err, "glulab: error:"));
    for (const std::string& m : mentions)
        CHECK_MESSAGE(contains(r.err, m), "the message should mention " << m);
}

// `glulab eval --ckpt CKPT --text TEXT`
std::string eval_args(const fs::path& ckpt, const fs::path& text) {
    return fmt::format("eval --ckpt {} --text {}", quoted(ckpt), quoted(text));
}

// The trained run the eval and sample tests read
// ----------------------------------------------

std::string grammar_text() { return glulab_test::grammar_text(5); }

// The flags of every tiny training run here (20 steps, an evaluation every 10).
const std::vector<std::pair<std::string, std::string>> kTinyFlags = {
    {"--layers", "1"}, {"--d-model", "16"}, {"--heads", "2"},       {"--ctx", "8"},
    {"--batch", "4"},  {"--steps", "20"},   {"--eval-every", "10"}, {"--eval-batches", "2"},
    {"--warmup", "2"}, {"--threads", "1"}};

// kTinyFlags as arguments, less those that `given` sets itself (a flag may be given once).
std::string tiny_flags_except(const std::string& given = "") {
    std::string args;
    for (const auto& [name, value] : kTinyFlags)
        if (!contains(given, name + " ")) args += fmt::format("{} {} ", name, value);
    return args;
}
const std::string kTiny = tiny_flags_except();

// One directory for the whole file: the text, and a run trained once, on first use.
struct Trained {
    TempDir tmp{"cli"};
    fs::path text = tmp / "text.txt";
    fs::path run = tmp / "run";
    fs::path ckpt = run / "model.safetensors";
    Run trained;
    Trained() {
        write_file(text, grammar_text());
        trained = run_glulab(fmt::format("train --data {} --out {} {}", quoted(text), quoted(run), kTiny));
    }
};
const Trained& trained() {
    static Trained t;
    REQUIRE_MESSAGE(t.trained.code == 0, t.trained.describe());
    return t;
}

}  // namespace

TEST_SUITE_BEGIN("cli");

TEST_CASE("cli: --help of the program and of every command exits 0 and lists the flags") {
    const std::map<std::string, std::vector<std::string>> flags = {
        {"train", {"--ffn", "--data", "--layers", "--d-model", "--heads", "--ctx", "--batch", "--steps",
                   "--lr", "--seed", "--eval-every", "--threads", "--out", "--force", "--resume",
                   "--stop-after"}},
        {"eval", {"--ckpt", "--text", "--json", "--quantize", "--quantize-only", "--smooth"}},
        {"sample", {"--ckpt", "--prompt", "--tokens", "--temperature", "--top-k", "--seed", "--no-cache",
                    "--threads", "--quantize", "--num-samples"}},
        {"params", {"--ffn", "--vocab", "--layers", "--d-model", "--heads", "--ctx", "--d-ff"}},
        {"bench", {"--ffn", "--batch", "--steps", "--threads", "--json", "--profile", "--products"}},
        {"gradcheck", {}},
        {"info", {}},
        {"reference", {"--ffn", "--out", "--steps", "--seed"}},
        {"compare", {"--ffn", "--seeds", "--out", "--force", "--lr", "--warmup", "--min-lr-ratio", "--jobs",
                     "--test-split"}},
        {"quantize", {"--ckpt", "--out", "--force"}},
        {"plot", {"--out", "--ascii"}},
        {"graph", {"--ffn", "--layers", "--d-model", "--heads", "--ctx", "--batch", "--dot", "--backward"}},
    };
    const Run top = run_glulab("--help");
    CHECK_MESSAGE(top.code == 0, top.describe());
    for (const auto& [command, names] : flags) {
        CAPTURE(command);
        CHECK(contains(top.out, command));
        const Run r = run_glulab(command + " --help");
        INFO(r.describe());
        CHECK(r.code == 0);
        CHECK(contains(r.out, "--help"));
        for (const std::string& name : names) CHECK_MESSAGE(contains(r.out, name), "no " << name);
    }
    CHECK(contains(run_glulab("train --help").out,
                   "stop as if interrupted (Ctrl-C) after step N: save a checkpoint and exit 130"));
}

TEST_CASE("cli: no command, an unknown command or an unknown flag exits 2") {
    check_usage_error(run_glulab(""));
    check_usage_error(run_glulab("nope"));  // CLI11 says "A subcommand is required", not naming it
    check_usage_error(run_glulab("train --nope 3"), {"--nope"});
    check_usage_error(run_glulab("eval --text x"), {"--ckpt"});  // a required flag left out
}

TEST_CASE("cli: train rejects bad input before it creates anything") {
    TempDir tmp("cli-bad");
    const fs::path text = tmp / "text.txt", tiny_text = tmp / "tiny.txt", empty = tmp / "empty.txt",
                   latin1 = tmp / "latin1.txt";
    write_file(text, grammar_text());
    write_file(tiny_text, "the cat.");                       // 8 characters: no window of T + 1 = 9
    write_file(empty, "");
    write_file(latin1, "caf\xE9 au lait, caf\xE9 noir\n");  // é in Latin-1, not UTF-8
    const std::string data = "--data " + quoted(text);
    struct Case {
        std::string flags;
        std::vector<std::string> mentions;
    };
    const std::vector<Case> cases = {
        {data + " --ffn nope", {"'nope'", "relu, gelu, swish, glu, bilinear, reglu, geglu, swiglu"}},
        {data + " --norm batchnorm", {"'batchnorm'", "rmsnorm, layernorm"}},
        {data + " --d-model 130 --heads 4", {"130", "heads", "4"}},
        {data + " --layers 0", {"--layers"}},
        {data + " --batch -1", {"--batch"}},
        {data + " --steps 0", {"--steps"}},
        {data + " --ctx 0", {"--ctx"}},
        {data + " --eval-every 0", {"--eval-every"}},
        {data + " --dropout 1.5", {"--dropout"}},
        {data + " --stop-after -3", {"--stop-after"}},
        {data + " --layers two", {"--layers"}},
        {"--data " + quoted(tmp / "missing.txt"), {(tmp / "missing.txt").string()}},
        {"--data " + quoted(tiny_text), {"T + 1 = 9"}},
        {"--data " + quoted(empty), {"is empty"}},
        {"--data " + quoted(latin1), {"invalid UTF-8", "is the file UTF-8"}},
    };
    for (size_t i = 0; i < cases.size(); i++) {
        const Case& c = cases[i];
        CAPTURE(c.flags);
        const fs::path out = tmp / fmt::format("run-{}", i);
        check_usage_error(run_glulab(fmt::format("train {} {} --out {}", tiny_flags_except(c.flags), c.flags,
                                                 quoted(out))),
                          c.mentions);
        CHECK_MESSAGE(!fs::exists(out), out.string() << " was created");
    }
}

TEST_CASE("cli: an existing run directory is left as it was without --force") {
    const Trained& t = trained();
    const DirSnapshot before(t.run);
    const std::string again = fmt::format("train --data {} --out {} {}", quoted(t.text), quoted(t.run), kTiny);
    check_usage_error(run_glulab(again), {"already holds a run", "--force"});
    CHECK(DirSnapshot(t.run) == before);
    check_usage_error(run_glulab(fmt::format("train --resume {} --layers 2", quoted(t.run))),
                      {"--resume cannot be combined with --layers"});
    CHECK(DirSnapshot(t.run) == before);
}

TEST_CASE("cli: a short run works with the default warmup; an explicit one longer than the run is an error") {
    const Trained& t = trained();
    TempDir tmp("cli-warmup");
    // kTiny without --warmup: 20 steps, fewer than the 100 of the default warmup.
    const Run train = run_glulab(fmt::format("train --data {} --out {} {}", quoted(t.text), quoted(tmp / "run"),
                                             tiny_flags_except("--warmup ")));
    CHECK_MESSAGE(train.code == 0, train.describe());
    CHECK(json_at(read_file(tmp / "run" / "config.json"), "optim.warmup") == "2");  // 20 / 10
    const Run compare = run_glulab(fmt::format("compare --data {} --out {} --ffn relu --seeds 1 {}", quoted(t.text),
                                               quoted(tmp / "compare"), tiny_flags_except("--warmup ")));
    CHECK_MESSAGE(compare.code == 0, compare.describe());

    check_usage_error(run_glulab(fmt::format("train --data {} --out {} {} --warmup 50", quoted(t.text),
                                             quoted(tmp / "long"), tiny_flags_except("--warmup "))),
                      {"warmup = 50", "steps = 20"});
    CHECK_FALSE(fs::exists(tmp / "long"));
}

TEST_CASE("cli: eval --quantize prints the int8 loss and its change; bad schemes and names are refused") {
    const Trained& t = trained();
    const Run r = run_glulab(fmt::format("eval --ckpt {} --text {} --quantize w8a8-token", quoted(t.ckpt), quoted(t.text)));
    REQUIRE_MESSAGE(r.code == 0, r.describe());
    CHECK(contains(r.out, "int8 w8a8-token (all 6 weight matrices): loss "));
    CHECK(contains(r.out, "against float32"));
    const Run one = run_glulab(fmt::format("eval --ckpt {} --text {} --quantize w8 --quantize-only lm_head --json",
                                           quoted(t.ckpt), quoted(t.text)));
    REQUIRE_MESSAGE(one.code == 0, one.describe());
    CHECK(contains(one.out, "\"quantized_matrices\":1"));
    CHECK(contains(one.out, "\"loss_change\":"));
    check_usage_error(run_glulab(fmt::format("eval --ckpt {} --text {} --quantize int4", quoted(t.ckpt), quoted(t.text))),
                      {"unknown quantization scheme 'int4'", "w8a8-token"});
    check_usage_error(run_glulab(fmt::format("eval --ckpt {} --text {} --quantize w8 --quantize-only ffn.down",
                                             quoted(t.ckpt), quoted(t.text))),
                      {"--quantize-only 'ffn.down' is not a weight matrix", "blocks.0.ffn.down"});
    check_usage_error(run_glulab(fmt::format("eval --ckpt {} --text {} --quantize-only lm_head", quoted(t.ckpt),
                                             quoted(t.text))),
                      {"--quantize-only needs --quantize"});
    // sample takes the same schemes; the same seed gives the same text again.
    const std::string sample = fmt::format("sample --ckpt {} --tokens 40 --seed 3 --quantize w8a8", quoted(t.ckpt));
    const Run s1 = run_glulab(sample), s2 = run_glulab(sample);
    REQUIRE_MESSAGE(s1.code == 0, s1.describe());
    CHECK(s1.out == s2.out);
    check_usage_error(run_glulab(fmt::format("sample --ckpt {} --quantize fp8", quoted(t.ckpt))), {"'fp8'"});
    // glulab quantize: an int8 file that eval loads; it never replaces a file unasked.
    TempDir tmp("cli-quantize");
    const fs::path out = tmp / "int8.safetensors";
    const Run q = run_glulab(fmt::format("quantize --ckpt {} --out {}", quoted(t.ckpt), quoted(out)));
    REQUIRE_MESSAGE(q.code == 0, q.describe());
    CHECK(fs::file_size(out) < fs::file_size(t.ckpt) / 2);  // this tiny model's header weighs: not a third
    const Run e = run_glulab(fmt::format("eval --ckpt {} --text {}", quoted(out), quoted(t.text)));
    CHECK_MESSAGE(e.code == 0, e.describe());
    check_usage_error(run_glulab(fmt::format("quantize --ckpt {} --out {}", quoted(t.ckpt), quoted(out))),
                      {"exists"});
    check_usage_error(run_glulab(fmt::format("quantize --ckpt {} --out {} --force", quoted(t.ckpt), quoted(t.ckpt))),
                      {"is the checkpoint --ckpt reads"});
}

TEST_CASE("cli: compare --lr 0.001,0.003 is a sweep: 4 runs, a learning-rate column, and it resumes") {
    const Trained& t = trained();
    TempDir tmp("cli-sweep");
    const std::string args = fmt::format("compare --data {} --ffn relu,swiglu --lr 0.001,0.003 --seeds 1 --test-split 0.05 {}",
                                         quoted(t.text), kTiny);
    const Run straight = run_glulab(fmt::format("{} --out {}", args, quoted(tmp / "straight")));
    REQUIRE_MESSAGE(straight.code == 0, straight.describe());
    for (const char* run : {"relu-lr0.001-s1337", "swiglu-lr0.001-s1337", "relu-lr0.003-s1337", "swiglu-lr0.003-s1337"})
        CHECK(fs::exists(tmp / "straight" / run / "summary.json"));
    const std::string summary = read_file(tmp / "straight" / "summary.csv");
    CHECK(summary.starts_with("kind,lr,warmup,"));
    CHECK(contains(summary, "\nswiglu,0.003,2,1,0,"));
    CHECK(contains(straight.out, "chosen lr"));
    // Stopped in the middle of the first run, then run again twice (the second run stops too).
    const Run stopped = run_glulab(fmt::format("{} --out {} --stop-after 15", args, quoted(tmp / "stopped")));
    CHECK_MESSAGE(stopped.code == 130, stopped.describe());
    CHECK_FALSE(fs::exists(tmp / "stopped" / "summary.csv"));
    const Run again = run_glulab(fmt::format("{} --out {}", args, quoted(tmp / "stopped")));
    REQUIRE_MESSAGE(again.code == 0, again.describe());
    CHECK(read_file(tmp / "stopped" / "runs.csv") == read_file(tmp / "straight" / "runs.csv"));
    CHECK(read_file(tmp / "stopped" / "sweep.csv") == read_file(tmp / "straight" / "sweep.csv"));
    // A list of rates with a fixed final rate contradicts itself.
    check_usage_error(run_glulab(fmt::format("{} --out {} --min-lr 0.0001", args, quoted(tmp / "bad"))),
                      {"--min-lr 0.0001 cannot go with a list of learning rates"});
    check_usage_error(run_glulab(fmt::format("compare --data {} --lr 0.001,x {} --out {}", quoted(t.text), kTiny,
                                             quoted(tmp / "bad"))),
                      {"--lr: 'x' is not a number"});
    CHECK_FALSE(fs::exists(tmp / "bad"));
}

TEST_CASE("cli: --out into a non-empty directory that is not a run is refused without --force") {
    const Trained& t = trained();
    TempDir tmp("cli-out");
    const fs::path dir = tmp / "notes";
    fs::create_directories(dir);
    write_file(dir / "todo.txt", "my own file\n");
    const DirSnapshot before(dir);
    const std::string args = fmt::format("train --data {} --out {} {}", quoted(t.text), quoted(dir), kTiny);
    check_usage_error(run_glulab(args), {dir.string(), "not a glulab run", "--force"});
    CHECK(DirSnapshot(dir) == before);

    const Run forced = run_glulab(args + " --force");
    CHECK_MESSAGE(forced.code == 0, forced.describe());
    CHECK(read_file(dir / "todo.txt") == "my own file\n");
    CHECK(fs::exists(dir / "summary.json"));

    // An empty directory is fine without --force.
    fs::create_directories(tmp / "empty");
    const Run empty = run_glulab(fmt::format("train --data {} --out {} {}", quoted(t.text), quoted(tmp / "empty"), kTiny));
    CHECK_MESSAGE(empty.code == 0, empty.describe());
}

TEST_CASE("cli: eval names a character that is not in the model's vocabulary") {
    const Trained& t = trained();
    TempDir tmp("cli-eval");
    write_file(tmp / "other.txt", "the cat sees the moon. the dog sees the caf\xC3\xA9 too.\n");  // é
    check_usage_error(run_glulab(eval_args(t.ckpt, tmp / "other.txt")), {"not in the vocabulary", "U+00E9"});
    write_file(tmp / "short.txt", "the cat");
    check_usage_error(run_glulab(eval_args(t.ckpt, tmp / "short.txt")), {"fewer than one window"});
    check_usage_error(run_glulab(eval_args(t.ckpt, tmp / "none.txt")), {(tmp / "none.txt").string()});
}

TEST_CASE("cli: eval and sample with a missing or corrupted checkpoint exit 2, never crash") {
    const Trained& t = trained();
    TempDir tmp("cli-corrupt");
    const std::string good = read_file(t.ckpt);
    REQUIRE(good.size() > 64);
    std::string huge_header = good, broken_json = good, short_data = good.substr(0, good.size() - 4);
    huge_header.replace(0, 8, std::string(8, '\xFF'));  // header length 2^64 - 1
    broken_json[8] = 'x';                               // the header's opening '{'
    const std::map<std::string, std::string> files = {
        {"empty", ""},
        {"text", "this is not a checkpoint\n"},
        {"half", good.substr(0, good.size() / 2)},
        {"huge-header", huge_header},
        {"broken-json", broken_json},
        {"short-data", short_data},
    };
    std::vector<fs::path> paths = {tmp / "missing.safetensors"};
    for (const auto& [name, bytes] : files) {
        paths.push_back(tmp / (name + ".safetensors"));
        write_file(paths.back(), bytes);
    }
    // eval with each file; sample (which loads the same way) with a few.
    for (const fs::path& p : paths) {
        CAPTURE(p.filename().string());
        check_usage_error(run_glulab(eval_args(p, t.text)), {p.string()});
    }
    for (const char* name : {"missing", "half", "broken-json"}) {
        const fs::path p = tmp / (std::string(name) + ".safetensors");
        CAPTURE(name);
        check_usage_error(run_glulab(fmt::format("sample --ckpt {} --tokens 5", quoted(p))), {p.string()});
    }
}

TEST_CASE("cli: params --ffn all prints one row per kind with its d_ff (C = 128: 512 plain, 344 gated)") {
    const Run r = run_glulab("params --ffn all --layers 1");  // d_ff depends on C (128) only
    INFO(r.describe());
    REQUIRE(r.code == 0);
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);  // the header
    CHECK(contains(line, "d_ff"));
    std::map<std::string, std::pair<std::string, int>> rows;  // kind -> (gated, d_ff)
    while (std::getline(lines, line)) {
        std::istringstream cols(line);
        std::string kind, gated;
        int d_ff = 0;
        if (cols >> kind >> gated >> d_ff) rows[kind] = {gated, d_ff};
    }
    CHECK(rows.size() == glulab::all_ffn_kinds().size());
    using Row = std::pair<std::string, int>;
    for (const char* kind : {"relu", "gelu", "swish"}) CHECK(rows[kind] == Row{"no", 512});
    for (const char* kind : {"glu", "bilinear", "reglu", "geglu", "swiglu"}) CHECK(rows[kind] == Row{"yes", 344});
}

TEST_CASE("cli: params --norm layernorm lists each norm's bias and counts it") {
    const Run r = run_glulab("params --norm layernorm --ffn relu");
    INFO(r.describe());
    REQUIRE(r.code == 0);
    for (const char* row : {"blocks.0.attn_norm.bias", "blocks.3.ffn_norm.bias", "norm_f.bias"})
        CHECK_MESSAGE(contains(r.out, row), "no row " << row);
    CHECK(contains(r.out, "2,304"));    // 9 norms x (gain + bias) x C = 128
    CHECK(contains(r.out, "813,568"));  // 812,416 (relu, rmsnorm) + 9 x 128
    const Run rms = run_glulab("params --ffn relu");
    CHECK_FALSE(contains(rms.out, ".bias"));
    CHECK(contains(rms.out, "812,416"));
}

TEST_CASE("cli: sample with the same seed gives the same text") {
    const Trained& t = trained();
    const std::string args = fmt::format("sample --ckpt {} --tokens 60 --prompt 'the ' --top-k 5", quoted(t.ckpt));
    const Run a = run_glulab(args + " --seed 5");
    const Run b = run_glulab(args + " --seed 5");
    const Run c = run_glulab(args + " --seed 6");
    INFO(a.describe());
    REQUIRE(a.code == 0);
    REQUIRE(b.code == 0);
    REQUIRE(c.code == 0);
    CHECK(a.out.rfind("the ", 0) == 0);             // the prompt, then its continuation
    CHECK(a.out.size() >= std::string("the ").size() + 60);
    CHECK(a.out == b.out);
    CHECK(a.out != c.out);
    // Neither the thread count nor the cache changes the text (past T = 8: restarts included).
    for (const char* more : {" --threads 1", " --threads 2", " --threads 2 --no-cache"}) {
        CAPTURE(more);
        const Run d = run_glulab(args + " --seed 5" + more);
        INFO(d.describe());
        REQUIRE(d.code == 0);
        CHECK(d.out == a.out);
    }
    check_usage_error(run_glulab(args + " --threads -1"), {"--threads"});
}

TEST_CASE("cli: sample --num-samples 3 prints the texts of --seed 5, 6 and 7, each under a header") {
    const Trained& t = trained();
    const std::string args = fmt::format("sample --ckpt {} --tokens 30 --prompt 'the ' --temperature 0.9", quoted(t.ckpt));
    const Run together = run_glulab(args + " --seed 5 --num-samples 3");
    INFO(together.describe());
    REQUIRE(together.code == 0);
    std::string want;
    for (int seed : {5, 6, 7}) {
        const Run alone = run_glulab(fmt::format("{} --seed {}", args, seed));
        REQUIRE(alone.code == 0);
        want += fmt::format("--- sample {} of 3, seed {} ---\n", seed - 4, seed) + alone.out;  // alone: prompt, text, newline
    }
    CHECK(together.out == want);
    CHECK(run_glulab(args + " --seed 5 --num-samples 1").out == run_glulab(args + " --seed 5").out);  // no header
    check_usage_error(run_glulab(args + " --num-samples 0"), {"--num-samples"});
    check_usage_error(run_glulab(args + " --num-samples x"), {"--num-samples"});
}

TEST_CASE("cli: eval shows its progress as plain lines when stdout is not a terminal") {
    const Trained& t = trained();
    const Run r = run_glulab(eval_args(t.ckpt, t.text));
    INFO(r.describe());
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "eval: windows "));
    CHECK(contains(r.out, "(100%)"));
    CHECK(contains(r.out, "  ETA "));  // the time left, estimated from the windows done so far
    CHECK_FALSE(contains(r.out, "\r"));  // no bar redrawn into a file
    CHECK(r.out.rfind("loss ") != std::string::npos);
    CHECK(r.out.rfind("loss ") > r.out.rfind("(100%)"));  // the result comes last
}

TEST_CASE("cli: eval --json prints one JSON object with loss, bits_per_char, windows and tokens") {
    const Trained& t = trained();
    const Run r = run_glulab(eval_args(t.ckpt, t.text) + " --json");
    INFO(r.describe());
    REQUIRE(r.code == 0);
    REQUIRE(json_type(r.out) == "object");
    CHECK(json_size(r.out) == 4);
    for (const char* key : {"loss", "bits_per_char", "windows", "tokens"}) {
        CAPTURE(key);
        REQUIRE(json_type(r.out, key) != "absent");
        CHECK(json_type(r.out, key) == "number");
    }
    const double loss = std::stod(json_at(r.out, "loss")), bits = std::stod(json_at(r.out, "bits_per_char"));
    CHECK(loss > 0);
    CHECK(bits == doctest::Approx(loss / std::log(2.0)));
    CHECK(std::stol(json_at(r.out, "tokens")) == std::stol(json_at(r.out, "windows")) * 8);  // T = 8 per window
}

TEST_CASE("cli: bench --products times the step's gemm calls alone, and they make the FLOPs it counts") {
    // bench checks that the traced calls' 2 M N K add up to step_flops, and exits 1 if not.
    const Run r = run_glulab("bench --layers 2 --d-model 32 --heads 2 --ctx 40 --batch 3 --steps 2 "
                             "--warmup 1 --threads 2 --products --json");
    INFO(r.describe());
    REQUIRE(r.code == 0);
    REQUIRE(json_type(r.out) == "object");
    CHECK(std::stod(json_at(r.out, "products_ms_per_step")) > 0);
    CHECK(std::stod(json_at(r.out, "products_gflops")) > 0);
}

TEST_CASE("cli: bench --scaling times 1 thread and every core in turn, and its speed-up is their ratio") {
    const Run r = run_glulab("bench --layers 1 --d-model 32 --heads 2 --ctx 16 --batch 2 --steps 2 --warmup 0 "
                             "--scaling --rounds 1 --json");
    INFO(r.describe());
    REQUIRE(r.code == 0);
    REQUIRE(json_type(r.out) == "object");
    const double one = std::stod(json_at(r.out, "ms_per_step_1")), all = std::stod(json_at(r.out, "ms_per_step_all"));
    CHECK(one > 0);
    CHECK(all > 0);
    CHECK(std::stod(json_at(r.out, "speedup")) == doctest::Approx(one / all));  // one round: its own ratio
}

TEST_CASE("cli: bench --products prints one line per gemm shape, and the lines hold every call") {
    const Run r = run_glulab("bench --layers 2 --d-model 32 --heads 2 --ctx 40 --batch 3 --steps 2 "
                             "--warmup 1 --threads 2 --products");
    INFO(r.describe());
    REQUIRE(r.code == 0);
    // "products alone: <calls> gemm calls in ...", then the shape table: op M N K beta calls ...
    const size_t at = r.out.find("products alone: ");
    REQUIRE(at != std::string::npos);
    const long total = std::stol(r.out.substr(at + 16));
    std::istringstream lines(r.out.substr(r.out.find("made\n", at)));
    std::string line;
    std::getline(lines, line);  // the header's end
    long calls = 0;
    int shapes = 0;
    double last_ms = 1e30;
    while (std::getline(lines, line)) {
        std::istringstream cols(line);
        std::string op;
        int M = 0, N = 0, K = 0, count = 0;
        double beta = 0, gflop = 0, ms = 0;
        if (!(cols >> op >> M >> N >> K >> beta >> count >> gflop >> ms)) break;
        CHECK(ms <= last_ms);  // largest time first
        last_ms = ms;
        calls += count;
        shapes++;
    }
    CHECK(shapes >= 8);  // the linear layers' forward, dx and dW products, and attention's
    CHECK(calls == total);
}

TEST_CASE("cli: train --stop-after exits 130 with a checkpoint; --resume finishes the same run") {
    const Trained& t = trained();
    TempDir tmp("cli-stop");
    const fs::path run = tmp / "run";
    const Run stopped = run_glulab(fmt::format("train --data {} --out {} {} --stop-after 5", quoted(t.text),
                                           quoted(run), kTiny));
    INFO(stopped.describe());
    CHECK(stopped.signal == 0);
    CHECK(stopped.code == 130);
    CHECK(contains(stopped.out, "interrupted at step 5"));
    CHECK(contains(stopped.out, "--resume"));
    CHECK(fs::exists(run / "model.safetensors"));
    CHECK(fs::exists(run / "optimizer.safetensors"));

    const Run again = run_glulab(fmt::format("train --resume {} --stop-after 15", quoted(run)));
    CHECK_MESSAGE(again.code == 130, again.describe());
    CHECK(contains(again.out, "interrupted at step 15"));
    check_usage_error(run_glulab(fmt::format("train --resume {} --stop-after 10", quoted(run))), {"already at step 15"});

    const Run resumed = run_glulab(fmt::format("train --resume {}", quoted(run)));
    CHECK_MESSAGE(resumed.code == 0, resumed.describe());
    CHECK(contains(resumed.out, "done: 20 steps"));
    // The same flags and seed as the run trained in one go: the same weights, bit for bit.
    CHECK(read_file(run / "model.safetensors") == read_file(t.ckpt));

    // Resuming a finished run trains nothing and rewrites nothing.
    const DirSnapshot before(run);
    const Run finished = run_glulab(fmt::format("train --resume {}", quoted(run)));
    CHECK_MESSAGE(finished.code == 0, finished.describe());
    CHECK(contains(finished.out, "done: 20 steps"));
    CHECK(DirSnapshot(run) == before);
}

TEST_CASE("cli: graph prints the tape of one forward and writes it as DOT") {
    TempDir tmp("cli-graph");
    const Run swiglu = run_glulab("graph --ffn swiglu");
    INFO(swiglu.describe());
    REQUIRE(swiglu.code == 0);
    for (const char* op : {" embedding ", " rms_norm ", " matmul ", " attention ", " glu ", " cross_entropy "})
        CHECK_MESSAGE(contains(swiglu.out, op), "no node " << op);
    CHECK(contains(swiglu.out, "16 nodes"));  // L = 1: 3 to embed, 5 attention, 5 FFN (one up-and-gate matmul), 3 head and loss
    CHECK(contains(swiglu.out, "arena: "));

    const Run relu = run_glulab("graph --ffn relu --layers 2 --backward");
    CHECK_MESSAGE(relu.code == 0, relu.describe());
    CHECK(contains(relu.out, " relu "));
    CHECK_FALSE(contains(relu.out, " glu "));
    CHECK(contains(relu.out, "gradient norm"));

    const fs::path dot = tmp / "graph.dot";
    const Run with_dot = run_glulab("graph --dot " + quoted(dot));
    CHECK_MESSAGE(with_dot.code == 0, with_dot.describe());
    REQUIRE(fs::exists(dot));
    CHECK(read_file(dot).rfind("digraph", 0) == 0);
    CHECK(contains(read_file(dot), "attention"));

    check_usage_error(run_glulab("graph --ffn nope"), {"relu, gelu, swish"});
    check_usage_error(run_glulab("graph --d-model 15 --heads 2"), {"15"});
    check_usage_error(run_glulab("graph --dot " + quoted(tmp / "no-such-dir" / "g.dot")), {"no-such-dir"});
}

TEST_CASE("cli: sizes out of range, a directory or a device as --data: one sentence, exit 2, at once") {
    TempDir tmp("cli-bounds");
    const fs::path text = tmp / "text.txt";
    write_file(text, grammar_text());
    const std::string data = "--data " + quoted(text);
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"--data " + quoted(tmp.dir), {"is a directory"}},
        {"--data /dev/zero", {"/dev/zero", "not a regular file"}},
        {data + " --batch 10000000", {"--batch", "between 1 and 4096"}},
        {data + " --layers 1000000", {"--layers", "between 1 and 256"}},
        {data + " --ctx 100000000", {"--ctx", "between 1 and 16384"}},
        {data + " --lr 0", {"--lr", "must be > 0, got 0"}},
        {data + " --clip -1", {"--clip", "must be >= 0, got -1"}},
    };
    for (size_t i = 0; i < cases.size(); i++) {
        const auto& [flags, mentions] = cases[i];
        CAPTURE(flags);
        const fs::path out = tmp / fmt::format("run-{}", i);
        const Run r = run_glulab(fmt::format("train {} {} --out {}", tiny_flags_except(flags), flags, quoted(out)));
        check_usage_error(r, mentions);
        CHECK_MESSAGE(r.err.size() < 400, "a sentence, not " << r.err.size() << " characters");
        CHECK_FALSE(contains(r.err, "179769"));  // the digits of DBL_MAX
        CHECK_FALSE(fs::exists(out));
    }
}

TEST_CASE("cli: a run whose loss becomes NaN stops with exit 3 and says it diverged") {
    TempDir tmp("cli-diverge");
    write_file(tmp / "text.txt", grammar_text());
    const Run r = run_glulab(fmt::format("train --data {} --out {} {} --lr 1e30 --min-lr 0",
                                         quoted(tmp / "text.txt"), quoted(tmp / "run"), tiny_flags_except("--lr ")));
    INFO(r.describe());
    CHECK(r.code == 3);
    CHECK(contains(r.err, "diverged at step"));
    CHECK_FALSE(contains(r.out, "nan"));
    CHECK(json_at(read_file(tmp / "run" / "summary.json"), "diverged") == "true");
}

// Issue 23
// --------
// Files overwritten, runs that could never resume, unbounded flags and messages that named
// nothing (docs/cli.md states each bound).

TEST_CASE("cli: a write refuses a FIFO or a directory in place of a file; reference --out leaves a trained run alone") {
    const Trained& t = trained();
    TempDir tmp("cli-targets");
    const fs::path fifo = tmp / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    check_usage_error(run_glulab("graph --dot " + quoted(fifo)), {fifo.string(), "a FIFO"});
    CHECK(fs::is_fifo(fifo));
    CHECK_FALSE(fs::exists(tmp / "fifo.tmp"));
    fs::create_directories(tmp / "dir.dot");
    check_usage_error(run_glulab("graph --dot " + quoted(tmp / "dir.dot")), {"a directory"});
    CHECK(fs::is_directory(tmp / "dir.dot"));

    const DirSnapshot before(t.run);
    check_usage_error(run_glulab("reference --out " + quoted(t.run)), {t.run.string(), "holds a trained run", "--force"});
    CHECK(DirSnapshot(t.run) == before);
    // A directory of its own is written, and written again.
    for (int i = 0; i < 2; i++) {
        const Run ref = run_glulab("reference --layers 1 --out " + quoted(tmp / "ref"));
        CHECK_MESSAGE(ref.code == 0, ref.describe());
    }
}

TEST_CASE("cli: seeds run from 0 to 2^63 - 1 for train and resume alike; a run killed at once starts again") {
    const Trained& t = trained();
    TempDir tmp("cli-seeds");
    const std::string data = "--data " + quoted(t.text);
    check_usage_error(run_glulab(fmt::format("train {} {} --seed -1 --out {}", data, kTiny, quoted(tmp / "neg"))),
                      {"--seed", "must be >= 0, got -1"});
    check_usage_error(run_glulab(fmt::format("train {} {} --seed 9223372036854775808 --out {}", data, kTiny,
                                             quoted(tmp / "big"))),
                      {"--seed 9223372036854775808", "2^63 - 1"});
    CHECK_FALSE(fs::exists(tmp / "neg"));
    CHECK_FALSE(fs::exists(tmp / "big"));
    const Run stopped = run_glulab(fmt::format("train {} {} --seed 9223372036854775807 --stop-after 10 --out {}", data,
                                               kTiny, quoted(tmp / "max")));
    CHECK_MESSAGE(stopped.code == 130, stopped.describe());
    const Run resumed = run_glulab("train --resume " + quoted(tmp / "max"));
    CHECK_MESSAGE(resumed.code == 0, resumed.describe());

    // What a kill -9 in the first milliseconds leaves: the directory, its lock, a temporary.
    fs::create_directories(tmp / "early");
    write_file(tmp / "early" / "run.lock", "12345\n");
    write_file(tmp / "early" / "config.json.tmp", "{\"format\": \"glu");
    const Run again = run_glulab(fmt::format("train {} {} --out {}", data, kTiny, quoted(tmp / "early")));
    CHECK_MESSAGE(again.code == 0, again.describe());
}

TEST_CASE("cli: --threads, --eval-batches, --ctx x --batch, --lr and --weight-decay are bounded, before any file") {
    const Trained& t = trained();
    TempDir tmp("cli-flag-bounds");
    const std::string data = "--data " + quoted(t.text);
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"--threads 100000", {"--threads", "between 0 and 256"}},
        {"--eval-batches 2000000000", {"--eval-batches 2000000000", "limit"}},
        {"--ctx 16384 --batch 64", {"--batch 64 x --ctx 16384", "GB"}},
        {"--lr inf", {"--lr", "'inf' is not a finite number"}},
        {"--min-lr nan", {"--min-lr", "'nan' is not a finite number"}},
        {"--dropout nan", {"--dropout", "'nan' is not a finite number"}},
        {"--weight-decay 1e300", {"--weight-decay inf", "finite"}},
    };
    for (size_t i = 0; i < cases.size(); i++) {
        const auto& [flags, mentions] = cases[i];
        CAPTURE(flags);
        const fs::path out = tmp / fmt::format("run-{}", i);
        check_usage_error(run_glulab(fmt::format("train {} {} {} --out {}", data, tiny_flags_except(flags), flags,
                                                 quoted(out))),
                          mentions);
        CHECK_FALSE(fs::exists(out));
    }
    check_usage_error(run_glulab("sample --threads 100000 --ckpt " + quoted(t.ckpt)), {"--threads"});
    // A decay that flips the weights diverges with the hint to lower it, not --lr.
    const Run decay = run_glulab(fmt::format("train {} {} --weight-decay 1e30 --out {}", data,
                                             tiny_flags_except("--weight-decay "), quoted(tmp / "decay")));
    CHECK_MESSAGE(decay.code == 3, decay.describe());
    CHECK(contains(decay.err, "keep --weight-decay below 1 / --lr"));
    check_usage_error(run_glulab("bench --threads -1"), {"--threads"});
}

TEST_CASE("cli: eval refuses /dev/zero, a FIFO, a text shorter than a window and NaN weights, naming each") {
    const Trained& t = trained();
    TempDir tmp("cli-eval-input");
    check_usage_error(run_glulab(eval_args(t.ckpt, "/dev/zero")), {"/dev/zero", "not a regular file"});
    const fs::path fifo = tmp / "fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    check_usage_error(run_glulab(eval_args(t.ckpt, fifo)), {fifo.string(), "not a regular file"});
    write_file(tmp / "short.txt", "the cat");
    check_usage_error(run_glulab(eval_args(t.ckpt, tmp / "short.txt")), {"--text", (tmp / "short.txt").string(), "T + 1 = 9"});
    // T + 1 characters exactly: one window.
    write_file(tmp / "window.txt", "the cats.");
    const Run one = run_glulab(eval_args(t.ckpt, tmp / "window.txt") + " --json");
    CHECK_MESSAGE(one.code == 0, one.describe());
    CHECK(json_at(one.out, "windows") == "1");

    // The trained model with every weight of lm_head NaN: sample refuses it, and so does eval.
    glulab::SafetensorsFile f = glulab::safetensors_read(t.ckpt.string());
    std::vector<glulab::SafetensorsEntry> entries;
    for (glulab::SafetensorsTensor& w : f.tensors) {
        if (w.name == "lm_head.weight") std::fill(w.f32.begin(), w.f32.end(), NAN);
        entries.emplace_back(w.name, w.shape, w.f32.data());
    }
    glulab::safetensors_write((tmp / "nan.safetensors").string(), entries, f.metadata);
    check_usage_error(run_glulab(eval_args(tmp / "nan.safetensors", t.text) + " --json"),
                      {(tmp / "nan.safetensors").string(), "diverged"});
    check_usage_error(run_glulab("sample --tokens 5 --ckpt " + quoted(tmp / "nan.safetensors")), {"diverged"});
}

TEST_CASE("cli: messages name the file or flag: invalid UTF-8, a changed alphabet, --resume with --out, a nan step") {
    const Trained& t = trained();
    TempDir tmp("cli-names");
    write_file(tmp / "latin1.txt", grammar_text() + "caf\xe9\n");
    check_usage_error(run_glulab(fmt::format("train --data {} {} --out {}", quoted(tmp / "latin1.txt"), kTiny,
                                             quoted(tmp / "l1"))),
                      {(tmp / "latin1.txt").string(), "invalid UTF-8 at byte"});
    check_usage_error(run_glulab("sample --tokens 5 --prompt \"$(printf 'caf\\351')\" --ckpt " + quoted(t.ckpt)),
                      {"--prompt: invalid UTF-8"});
    write_file(tmp / "latin1-eval.txt", "the cat sees the moon\xe9.");
    check_usage_error(run_glulab(eval_args(t.ckpt, tmp / "latin1-eval.txt")), {(tmp / "latin1-eval.txt").string()});

    // A resume on a text whose alphabet changed names the text, not config.json.
    const fs::path text = tmp / "text.txt";
    write_file(text, grammar_text());
    const fs::path run = tmp / "run";
    const Run stopped = run_glulab(fmt::format("train --data {} {} --stop-after 10 --out {}", quoted(text), kTiny,
                                               quoted(run)));
    REQUIRE_MESSAGE(stopped.code == 130, stopped.describe());
    write_file(text, grammar_text() + "Zebra!\n");
    check_usage_error(run_glulab("train --resume " + quoted(run)), {text.string(), "'!' (U+0021) is new"});

    check_usage_error(run_glulab(fmt::format("train --resume {} --out {}", quoted(run), quoted(tmp / "elsewhere"))),
                      {"--resume", "--out", (tmp / "elsewhere").string()});
    CHECK_FALSE(fs::exists(tmp / "elsewhere"));

    // metrics.csv with a step that is not a number: refused, naming the file and line.
    std::string metrics = read_file(run / "metrics.csv");
    metrics.replace(metrics.find("\n10,") + 1, 2, "nan");
    write_file(run / "metrics.csv", metrics);
    check_usage_error(run_glulab("plot --ascii " + quoted(run)), {(run / "metrics.csv").string() + ":2", "'nan'"});
}

TEST_SUITE_END();
