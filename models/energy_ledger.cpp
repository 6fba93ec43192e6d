#include "models/energy_ledger.h"

#include <cmath>

namespace emsim {

uint64_t leakage_energy_fj(uint64_t power_pw, uint64_t time_ps) {
    const unsigned __int128 product = static_cast<unsigned __int128>(power_pw) * time_ps;
    return static_cast<uint64_t>(product / 1000000000u);
}

uint64_t picojoules_to_fj(double energy_pj) {
    return static_cast<uint64_t>(std::llround(energy_pj * 1000.0));
}

uint64_t microwatts_to_pw(double power_uw) {
    return static_cast<uint64_t>(std::llround(power_uw * 1e6));
}

uint64_t EnergySnapshot::leakage_total_fj() const {
    uint64_t sum = 0;
    for (uint64_t fj : leakage_fj) sum += fj;
    return sum;
}

EnergySnapshot EnergySnapshot::since(const EnergySnapshot& earlier) const {
    EnergySnapshot d;
    d.read_words = read_words - earlier.read_words;
    d.write_words = write_words - earlier.write_words;
    d.transitions = transitions - earlier.transitions;
    d.dynamic_read_fj = dynamic_read_fj - earlier.dynamic_read_fj;
    d.dynamic_write_fj = dynamic_write_fj - earlier.dynamic_write_fj;
    d.transition_fj = transition_fj - earlier.transition_fj;
    for (size_t b = 0; b < TIME_BUCKET_COUNT; ++b) {
        d.time_ps[b] = time_ps[b] - earlier.time_ps[b];
        d.leakage_fj[b] = leakage_fj[b] - earlier.leakage_fj[b];
    }
    return d;
}

EnergyLedger::EnergyLedger(const EnergyCoefficients& coefficients, PowerState initial_state)
    : m_coefficients(coefficients), m_bucket(index_of(initial_state)) {}

void EnergyLedger::enter_bucket(size_t bucket, const sc_core::sc_time& at) {
    const uint64_t at_ps = std::max<uint64_t>(at.value(), m_since_ps);
    m_closed_time_ps[m_bucket] += at_ps - m_since_ps;
    m_since_ps = at_ps;
    m_bucket = bucket;
}

void EnergyLedger::add_transition_energy(uint64_t energy_fj) {
    ++m_transitions;
    m_transition_fj += energy_fj;
}

EnergySnapshot EnergyLedger::snapshot(const sc_core::sc_time& now) const {
    EnergySnapshot s;
    s.read_words = m_read_words;
    s.write_words = m_write_words;
    s.transitions = m_transitions;
    s.transition_fj = m_transition_fj;
    s.dynamic_read_fj = m_read_words * m_coefficients.read_fj_per_word;
    s.dynamic_write_fj = m_write_words * m_coefficients.write_fj_per_word;
    s.time_ps = m_closed_time_ps;
    if (now.value() > m_since_ps) s.time_ps[m_bucket] += now.value() - m_since_ps;
    for (size_t b = 0; b < TIME_BUCKET_COUNT; ++b) {
        const uint64_t power_pw = m_coefficients.leakage_pw[b == TRANSITION_BUCKET ? 0 : b];
        s.leakage_fj[b] = leakage_energy_fj(power_pw, s.time_ps[b]);
    }
    return s;
}

} // namespace emsim
