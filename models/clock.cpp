#include "models/clock.h"

namespace emsim {

// emsim keeps the kernel's default time resolution of 1 ps, so sc_time::value() counts
// picoseconds and every conversion below is exact integer arithmetic.

Clock::Clock(uint64_t period_ps)
    : m_period_ps(period_ps == 0 ? 1 : period_ps),
      m_period(sc_core::sc_time::from_value(m_period_ps)) {}

Clock Clock::from_frequency_hz(uint64_t frequency_hz) {
    if (frequency_hz == 0) frequency_hz = 1;
    return Clock((1000000000000ULL + frequency_hz / 2) / frequency_hz);
}

sc_core::sc_time Clock::to_time(Cycles cycles) const {
    return sc_core::sc_time::from_value(cycles * m_period_ps);
}

Cycles Clock::to_cycles(const sc_core::sc_time& t) const { return t.value() / m_period_ps; }

Cycles Clock::to_cycles_ceil(const sc_core::sc_time& t) const {
    return (t.value() + m_period_ps - 1) / m_period_ps;
}

sc_core::sc_time Clock::edge_at_or_after(const sc_core::sc_time& t) const {
    return to_time(to_cycles_ceil(t));
}

} // namespace emsim
