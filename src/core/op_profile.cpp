// op_profile.cpp — time per op name from a tape observer (see op_profile.hpp).
//
// Lesson 14 · making it fast
#include "glulab/core/op_profile.hpp"

#include <chrono>
#include <cstring>

namespace glulab {

namespace {
double now_s() {  // steady clock, seconds
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

OpProfile::OpProfile() : last_mark_(now_s()) { ops_.reserve(64); }

OpTime& OpProfile::op_time(const char* op) {
    for (OpTime& p : ops_)
        if (p.op == op || std::strcmp(p.op, op) == 0) return p;
    ops_.push_back(OpTime{op});
    return ops_.back();
}

void OpProfile::recorded(const Node& node) {
    const double t = now_s();
    OpTime& p = op_time(node.op);
    p.forward_s += t - last_mark_;
    p.calls++;
    last_mark_ = t;
}

void OpProfile::reset() { last_mark_ = now_s(); }

void OpProfile::backward_begin(const Node&) { backward_start_ = now_s(); }

void OpProfile::backward_end(const Node& node) {
    op_time(node.op).backward_s += now_s() - backward_start_;
}

}  // namespace glulab
