#pragma once
// Round robin: the first ready initiator after the one granted last, wrapping around.
// No initiator waits more than (initiators - 1) grants.

#include "models/arbiter_policy.h"

namespace emsim {

class ArbiterRoundRobin : public ArbiterPolicy {
public:
    size_t choose(const std::vector<int>& candidates) override {
        size_t pick = 0;
        for (size_t i = 0; i < candidates.size(); ++i)
            if (candidates[i] > m_last) {
                pick = i;
                break;
            }
        m_last = candidates[pick];
        return pick;
    }

private:
    int m_last = -1;
};

} // namespace emsim
