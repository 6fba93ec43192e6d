#include "models/arbiter_policy.h"

#include "models/arbiter_fixed_priority.h"
#include "models/arbiter_round_robin.h"

namespace emsim {

std::unique_ptr<ArbiterPolicy> make_arbiter(ArbiterKind kind) {
    switch (kind) {
    case ArbiterKind::FixedPriority: return std::make_unique<ArbiterFixedPriority>();
    case ArbiterKind::RoundRobin: return std::make_unique<ArbiterRoundRobin>();
    }
    return std::make_unique<ArbiterRoundRobin>();
}

} // namespace emsim
