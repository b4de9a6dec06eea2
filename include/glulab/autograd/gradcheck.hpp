// gradcheck.hpp — comparing analytic gradients with central differences.
//
// A check is a name, a list of inputs (shapes and how to draw them), a function that builds a
// computation from them with the ops of autograd.hpp, and a step size and tolerances. The
// harness differentiates L = sum_i out_i * w_i (fixed random weights w) twice: by the tape
// (analytic) and by central differences (numeric), and compares them element by element.
// How, and why the numbers are what they are, is documented in src/autograd/gradcheck.cpp.
//
//   GradcheckSpec spec{.name = "square", .inputs = {{.shape = {3, 4}}},
//                      .f = [](Tape& t, std::span<Tensor> x) { return mul(t, x[0], x[0]); }};
//   GradcheckResult r = gradcheck(spec);   // r.ok, r.max_rel_err, r.message
//
// Lesson 05 · gradient checking
#pragma once

#include "glulab/core/tape.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace glulab {

struct GradcheckResult {
    std::string name;      // "rms_norm", "mlp2", "attention_block", ...
    bool ok = false;
    double max_rel_err = 0;  // the largest relative error over every input element checked
    std::string message;   // on failure: op, input, index, analytic and numeric values
};

// Runs every registered check (each op, then small compositions) with a fixed seed.
std::vector<GradcheckResult> gradcheck_all();

// The generic harness
// -------------------
// One input of a check. Values are drawn from N(mean, std^2) by the harness's seeded RNG.
struct GradcheckInput {
    Shape shape;          // e.g. {6, 8}
    float mean = 0.0f;    // e.g. 1.0f for a norm's gain
    float std = 1.0f;     // e.g. 0.5f
    bool checked = true;  // false: held fixed (no gradient buffer, never perturbed)
};

struct GradcheckOptions {
    float h = 1e-2f;            // central-difference step, e.g. 3e-2f for softmax
    double tol = 1e-2;          // largest relative error allowed on any element, e.g. 1e-2
    double floor = 1e-2;        // smallest denominator of the relative error, e.g. 1e-2
    bool kink_at_zero = false;  // true for relu-like ops: re-draw input values within 2h of 0
    uint64_t seed = 5;          // the RNG seed for inputs and weights, e.g. 5
};

// The computation being checked: builds a graph on the tape from the inputs, returns its output.
// Token ids and other fixed integer arguments are captured by the function itself.
using GradcheckFn = std::function<Tensor(Tape& tape, std::span<Tensor> inputs)>;

struct GradcheckSpec {
    std::string name;                    // e.g. "rms_norm"
    std::vector<GradcheckInput> inputs;  // e.g. {{.shape = {6, 8}}, {.shape = {8}, .mean = 1}}
    GradcheckFn f;                       // e.g. rms_norm(tape, x[0], x[1])
    GradcheckOptions options = {};
};

// Runs one check. Never throws: an exception from `f` becomes a failed result.
GradcheckResult gradcheck(const GradcheckSpec& spec);
// The checks gradcheck_all() runs, in its order (tests run them one by one).
std::vector<GradcheckSpec> gradcheck_specs();
// What `glulab gradcheck` prints for a result: "OK   rms_norm         max rel err 3.3e-04", or
// "FAIL ..." followed by a second line, indented, with the message.
std::string format_result(const GradcheckResult& result);

}  // namespace glulab
