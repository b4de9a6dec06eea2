// rng.hpp — glulab's one random number generator: splitmix64, uniform and normal draws.
//
// Contains: Rng (next_u64, below, uniform, normal). Used to initialise the weights, to draw
// training batches and to seed dropout. Leaves out: anything a simulation would need (jumps,
// streams, distributions beyond these two); std::mt19937 and std::normal_distribution are
// avoided because the standard does not fix the numbers std::normal_distribution returns, so
// two standard libraries give two different models from the same seed.
//
// Same seed, same numbers on every machine: `next_u64`, `below` and `uniform` are exact integer
// arithmetic; `normal` adds std::log, std::sqrt and std::cos in double precision, whose last bit
// could in principle differ between math libraries (it does not between glibc versions).
//
// Lesson 12 · training
#pragma once

#include <cmath>
#include <cstdint>

namespace glulab {

// Rng
// ---
// splitmix64 (Steele, Lea and Flood 2014): the state is one 64-bit counter that advances by
// the odd constant 0x9E3779B97F4A7C15 (2^64 / golden ratio); each output scrambles the counter
// with two multiply-xorshift rounds:
//
//     state += 0x9E3779B97F4A7C15
//     z = state
//     z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//     z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//     return z ^ (z >> 31)
//
// It passes the BigCrush statistical tests, every seed is a good seed, and it fits on one screen.
class Rng {
public:
    explicit Rng(uint64_t seed = 0) : state_(seed) {}

    uint64_t next_u64() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // An integer in [0, n), n > 0: next_u64() mod n. The bias (at most n / 2^64) is far below
    // anything a training run could notice.
    uint64_t below(uint64_t n) { return next_u64() % n; }

    // A double in [0, 1): the top 53 bits of next_u64() times 2^-53 (every value a double can
    // hold on that grid, equally likely).
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    // A standard normal N(0, 1) by the Box-Muller transform: with u1 in (0, 1] and u2 in [0, 1),
    //
    //     z = sqrt(-2 ln u1) * cos(2 pi u2)
    //
    // is N(0, 1). Box-Muller yields a second value, sqrt(-2 ln u1) * sin(2 pi u2), which we drop:
    // one normal costs two uniforms, and the sequence does not depend on how many were drawn
    // before in pairs. Multiply by std and add the mean for N(mean, std^2).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]: ln(0) is never taken
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    uint64_t state() const { return state_; }

private:
    uint64_t state_;
};

}  // namespace glulab
