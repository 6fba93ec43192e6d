#include "models/clock.h"

namespace emsim {

Clock::Clock(uint64_t period_ps)
    : m_period_ps(period_ps == 0 ? 1 : period_ps),
      m_period(sc_core::sc_time::from_value(m_period_ps)) {}

Clock Clock::from_frequency_hz(uint64_t frequency_hz) {
    if (frequency_hz == 0) frequency_hz = 1;
    return Clock((1000000000000ULL + frequency_hz / 2) / frequency_hz);
}

} // namespace emsim
