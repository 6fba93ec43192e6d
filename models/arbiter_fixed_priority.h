#pragma once
// Fixed priority: the lowest initiator index wins (bind the most urgent initiator first).
// Can starve the others under sustained load; that is the point of choosing it.

#include "models/arbiter_policy.h"

namespace emsim {

class ArbiterFixedPriority : public ArbiterPolicy {
public:
    size_t choose(const std::vector<int>&) override { return 0; }
};

} // namespace emsim
