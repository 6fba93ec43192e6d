#pragma once
// Owns the cycle <-> sc_time conversion for one clock. Every model latency is configured in
// cycles of the clock that owns the model; only this class turns cycles into time. Edges sit at
// integer multiples of the period from time zero.

#include <systemc>

#include <cstdint>

namespace emsim {

using Cycles = uint64_t;

class Clock {
public:
    /// period_ps: the clock period in picoseconds (the kernel's default resolution), >= 1.
    explicit Clock(uint64_t period_ps = 15625);

    /// The period is rounded to a whole picosecond: 64 MHz is exact (15 625 ps), 48 MHz becomes
    /// 20 833 ps (0.0016 % slow). Cycle counts are unaffected; only wall time in traces is.
    static Clock from_frequency_hz(uint64_t frequency_hz);

    sc_core::sc_time period() const { return m_period; }
    uint64_t period_ps() const { return m_period_ps; }
    uint64_t frequency_hz() const { return 1000000000000ULL / m_period_ps; }

    // emsim keeps the kernel's default resolution of 1 ps, so sc_time::value() counts
    // picoseconds and every conversion is exact integer arithmetic. Inline: per-access path.
    sc_core::sc_time to_time(Cycles cycles) const {
        return sc_core::sc_time::from_value(cycles * m_period_ps);
    }
    /// Whole cycles in `t`, rounded down.
    Cycles to_cycles(const sc_core::sc_time& t) const { return t.value() / m_period_ps; }
    /// Cycles in `t`, rounded up (a partial cycle costs a whole one).
    Cycles to_cycles_ceil(const sc_core::sc_time& t) const {
        return (t.value() + m_period_ps - 1) / m_period_ps;
    }
    /// The first clock edge at or after `t`.
    sc_core::sc_time edge_at_or_after(const sc_core::sc_time& t) const {
        const uint64_t ps = t.value();
        return ps % m_period_ps == 0 ? t : sc_core::sc_time::from_value(edge_at_or_after_ps(ps));
    }
    /// The same in picoseconds: the per-access path computes in integers and builds one sc_time
    /// at the end (sc_time construction is a call into the kernel library).
    uint64_t edge_at_or_after_ps(uint64_t ps) const {
        const uint64_t rem = ps % m_period_ps;
        return rem == 0 ? ps : ps - rem + m_period_ps;
    }
    uint64_t to_ps(Cycles cycles) const { return cycles * m_period_ps; }
    /// The cycle number of the first edge at or after `t`.
    Cycles cycle_at_or_after(const sc_core::sc_time& t) const { return to_cycles_ceil(t); }

private:
    uint64_t m_period_ps;
    sc_core::sc_time m_period;
};

} // namespace emsim
