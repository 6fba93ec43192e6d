#pragma once
// ArbiterPolicy decides which waiting initiator gets a target port next. Plain C++: it gets the
// candidates and returns a decision; the interconnect adds the time. One file per variant;
// make_arbiter() is the only place that maps the config value to a class.

#include "models/units.h"

#include <cstddef>
#include <memory>
#include <vector>

namespace emsim {

enum class ArbiterKind { FixedPriority, RoundRobin };

constexpr EnumName<ArbiterKind> ARBITER_KIND_NAMES[] = {
    {ArbiterKind::FixedPriority, "fixed_priority"},
    {ArbiterKind::RoundRobin, "round_robin"},
};

class ArbiterPolicy {
public:
    virtual ~ArbiterPolicy() = default;
    /// `candidates`: initiator indices that are ready, ascending, never empty.
    /// Returns the position in `candidates` of the one granted.
    virtual size_t choose(const std::vector<int>& candidates) = 0;
};

std::unique_ptr<ArbiterPolicy> make_arbiter(ArbiterKind kind);

} // namespace emsim
