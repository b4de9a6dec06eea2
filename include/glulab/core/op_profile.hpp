// op_profile.hpp — time per op name, from a tape observer: `glulab bench --profile`.
//
// OpProfile watches a Tape (tape.hpp → TapeObserver) and sums, per op name, the time of its
// forward and backward calls over every step while installed. It is not part of the tape: the
// bench installs one with tape.observe(&profile); a tape with none installed times nothing.
// An op's forward time is the time since the previous node was recorded (or since the tape's
// reset()), so work done between ops counts towards the next op; backward times are exact
// (each node's backward step, with its late zeroing).
//
// Lesson 14 · making it fast
#pragma once

#include "glulab/core/tape.hpp"

#include <vector>

namespace glulab {

struct OpTime {
    const char* op;  // "rms_norm": the node's op name
    double forward_s = 0, backward_s = 0;
    long calls = 0;  // forward calls, over every step
};

class OpProfile : public TapeObserver {
public:
    OpProfile();  // starts the clock for the first forward: install it, then reset the tape
    const std::vector<OpTime>& ops() const { return ops_; }  // in order of first appearance

    void recorded(const Node& node) override;
    void reset() override;
    void backward_begin(const Node& node) override;
    void backward_end(const Node& node) override;

private:
    OpTime& op_time(const char* op);
    std::vector<OpTime> ops_;
    double last_mark_ = 0;       // seconds: the previous record or reset
    double backward_start_ = 0;  // seconds: the running node's backward_begin
};

}  // namespace glulab
