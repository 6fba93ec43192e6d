#pragma once
// Owns the exact energy bookkeeping of one bank: access counts, time in each power state and
// transition energy, all as integers. Energy is computed from these events and intervals, never
// sampled. Owns no timing and no power-state policy: the bank tells it what happened and when.

#include "models/power_state.h"

#include <systemc>

#include <array>
#include <cstdint>

namespace emsim {

/// Per-bank energy coefficients, already converted to integer units.
struct EnergyCoefficients {
    uint64_t read_fj_per_word = 0;  ///< dynamic energy of one bus-word read
    uint64_t write_fj_per_word = 0; ///< dynamic energy of one bus-word write
    std::array<uint64_t, POWER_STATE_COUNT> leakage_pw{}; ///< leakage power per state
};

/// Time buckets: the four states, plus the time spent in a transition (charged at Active leakage
/// because the array stays powered while it changes state; the transition's own energy is extra).
constexpr size_t TRANSITION_BUCKET = POWER_STATE_COUNT;
constexpr size_t TIME_BUCKET_COUNT = POWER_STATE_COUNT + 1;

/// A snapshot of everything the ledger knows up to one instant. Differences of two snapshots give
/// a window. All energies in femtojoules.
struct EnergySnapshot {
    uint64_t read_words = 0;
    uint64_t write_words = 0;
    uint64_t transitions = 0;
    std::array<uint64_t, TIME_BUCKET_COUNT> time_ps{};
    uint64_t dynamic_read_fj = 0;
    uint64_t dynamic_write_fj = 0;
    std::array<uint64_t, TIME_BUCKET_COUNT> leakage_fj{};
    uint64_t transition_fj = 0;

    uint64_t dynamic_fj() const { return dynamic_read_fj + dynamic_write_fj; }
    uint64_t leakage_total_fj() const;
    uint64_t total_fj() const { return dynamic_fj() + leakage_total_fj() + transition_fj; }
    /// this - earlier, field by field (a window between two snapshots).
    EnergySnapshot since(const EnergySnapshot& earlier) const;
};

class EnergyLedger {
public:
    EnergyLedger(const EnergyCoefficients& coefficients, PowerState initial_state);

    void count_reads(uint64_t words) { m_read_words += words; }
    void count_writes(uint64_t words) { m_write_words += words; }

    /// From `at` on, time accrues in `bucket` (a state index or TRANSITION_BUCKET). Times before
    /// the last change are clamped to it, so out-of-order LT calls never make time run backwards.
    void enter_bucket(size_t bucket, const sc_core::sc_time& at);
    void add_transition_energy(uint64_t energy_fj);

    /// Everything up to `now`, including the open interval of the current bucket.
    EnergySnapshot snapshot(const sc_core::sc_time& now) const;

    size_t current_bucket() const { return m_bucket; }

private:
    EnergyCoefficients m_coefficients;
    uint64_t m_read_words = 0;
    uint64_t m_write_words = 0;
    uint64_t m_transitions = 0;
    uint64_t m_transition_fj = 0;
    std::array<uint64_t, TIME_BUCKET_COUNT> m_closed_time_ps{};
    size_t m_bucket;
    uint64_t m_since_ps = 0;
};

/// pW x ps = 1e-24 J; the product is taken in 128 bits so a milliwatt over hours cannot overflow.
uint64_t leakage_energy_fj(uint64_t power_pw, uint64_t time_ps);

/// Unit conversions applied once, when parameters are resolved.
uint64_t picojoules_to_fj(double energy_pj);
uint64_t microwatts_to_pw(double power_uw);
constexpr double fj_to_pj(uint64_t energy_fj) { return static_cast<double>(energy_fj) / 1000.0; }

} // namespace emsim
