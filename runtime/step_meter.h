#pragma once
// Counts the algorithm steps (loop iterations, list hops, bitmap scans) of the last runtime
// operation, so a host can charge `base + per_step * steps` compute cycles. With
// EMSIM_RT_COUNT_STEPS = 0 (firmware) it is an empty object and every call compiles away.

#include <stdint.h>

#include "runtime/config.h"

namespace emsim::rt {

class StepMeter {
public:
#if EMSIM_RT_COUNT_STEPS
    void begin() { m_steps = 0; }
    void add(uint32_t steps = 1) { m_steps += steps; }
    uint32_t steps() const { return m_steps; }

private:
    uint32_t m_steps = 0;
#else
    void begin() {}
    void add(uint32_t = 1) {}
    uint32_t steps() const { return 0; }
#endif
};

} // namespace emsim::rt
