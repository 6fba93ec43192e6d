#include "models/sram_bank.h"

#include "models/random.h"

#include <algorithm>
#include <cstring>

namespace emsim {

using sc_core::sc_time;

namespace {

EnergyCoefficients coefficients_of(const SramBankParams& p) {
    EnergyCoefficients c;
    c.read_fj_per_word = picojoules_to_fj(p.read_energy_pj);
    c.write_fj_per_word = picojoules_to_fj(p.write_energy_pj);
    c.leakage_pw[index_of(PowerState::Active)] = microwatts_to_pw(p.leakage_active_uw);
    c.leakage_pw[index_of(PowerState::Standby)] = microwatts_to_pw(p.leakage_standby_uw);
    c.leakage_pw[index_of(PowerState::Retention)] = microwatts_to_pw(p.leakage_retention_uw);
    c.leakage_pw[index_of(PowerState::Off)] = microwatts_to_pw(p.leakage_off_uw);
    return c;
}

/// FNV-1a: a stable seed from the bank's hierarchical name, so garbage differs between banks.
uint64_t hash_name(const char* name) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *name; ++name) h = (h ^ static_cast<uint8_t>(*name)) * 0x100000001b3ULL;
    return h;
}

tlm::tlm_response_status status_of(Refusal refusal) {
    switch (refusal) {
    case Refusal::None: return tlm::TLM_OK_RESPONSE;
    case Refusal::Unmapped:
    case Refusal::OutOfRange: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    case Refusal::Unsupported: return tlm::TLM_BURST_ERROR_RESPONSE;
    case Refusal::PoweredOff:
    case Refusal::Retention:
    case Refusal::InTransition: return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    return tlm::TLM_GENERIC_ERROR_RESPONSE;
}

/// Depth order used for transition latency and energy: deeper = less power, slower to wake.
int depth(PowerState s) { return static_cast<int>(s); }

} // namespace

SramBank::SramBank(sc_core::sc_module_name name, const SramBankParams& params, const Clock& clock)
    : sc_module(name), in("in"), m_params(params), m_clock(clock),
      m_coefficients(coefficients_of(params)), m_storage(params.size_bytes),
      m_ledger(m_coefficients, params.initial_state), m_state(params.initial_state),
      m_traced_state(static_cast<int>(index_of(params.initial_state))),
      m_timed(this->name(), in, [this](tlm::tlm_generic_payload& trans, uint64_t arrival_ps,
                               uint64_t now_ps) { return serve_timed(trans, arrival_ps, now_ps); }) {
    if (m_params.word_bytes == 0 || (m_params.word_bytes & (m_params.word_bytes - 1)) != 0 ||
        m_params.size_bytes == 0 || m_params.read_cycles == 0 || m_params.write_cycles == 0)
        SC_REPORT_ERROR(this->name(), "invalid SramBankParams: word_bytes must be a power of two, "
                                      "size_bytes and read/write cycles non-zero");
    while ((uint64_t{1} << m_word_shift) < m_params.word_bytes) ++m_word_shift;
    in.register_b_transport(this, &SramBank::b_transport);
    in.register_nb_transport_fw(this, &SramBank::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &SramBank::get_direct_mem_ptr);
    in.register_transport_dbg(this, &SramBank::transport_dbg);
    SC_METHOD(on_transition_end);
    sensitive << m_transition_event;
    dont_initialize();
    // Real SRAM powers up holding noise; so does ours, deterministically.
    scramble_contents();
}

// ---------------------------------------------------------------------------------------------
// Serving an access (LT and AT share this).

Refusal SramBank::check(const tlm::tlm_generic_payload& trans, uint64_t at_ps) const {
    const auto cmd = trans.get_command();
    if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) return Refusal::Unsupported;
    const uint64_t length = trans.get_data_length();
    const uint64_t width = trans.get_streaming_width();
    if (length == 0 || width == 0 || trans.get_data_ptr() == nullptr) return Refusal::Unsupported;
    if (trans.get_byte_enable_ptr() && trans.get_byte_enable_length() == 0)
        return Refusal::Unsupported;
    const uint64_t span = std::min(length, width);
    const uint64_t address = trans.get_address();
    if (address >= m_params.size_bytes || span > m_params.size_bytes - address)
        return Refusal::OutOfRange;
    if (m_transition_pending && at_ps < m_transition_end.value()) return Refusal::InTransition;
    if (m_state == PowerState::Retention) return Refusal::Retention;
    if (m_state == PowerState::Off) return Refusal::PoweredOff;
    return Refusal::None;
}

uint32_t SramBank::beats_of(const tlm::tlm_generic_payload& trans) const {
    // word_bytes is a power of two (checked at construction): masks and shifts, no division.
    const uint64_t word_mask = m_params.word_bytes - 1;
    const uint64_t length = trans.get_data_length();
    const uint64_t span = std::min<uint64_t>(length, trans.get_streaming_width());
    const uint64_t words_per_pass = ((trans.get_address() & word_mask) + span + word_mask) >> m_word_shift;
    const uint64_t passes = span == length ? 1 : (length + span - 1) / span;
    return static_cast<uint32_t>(words_per_pass * passes);
}

SramBank::Plan SramBank::serve(tlm::tlm_generic_payload& trans, uint64_t arrival_ps,
                               uint64_t now_ps) {
    settle(arrival_ps);
    Plan plan;
    const uint64_t edge_ps = m_clock.edge_at_or_after_ps(arrival_ps);

    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
        if (const DmiUsage* usage = trans.get_extension<DmiUsage>()) record_dmi_usage(*usage);
        plan.start_ps = plan.done_ps = edge_ps;
        return plan;
    }

    plan.refusal = check(trans, arrival_ps);
    plan.status = status_of(plan.refusal);
    if (plan.refusal != Refusal::None) {
        ++m_stats.refused;
        plan.start_ps = plan.done_ps = edge_ps;
        return plan;
    }

    plan.beats = beats_of(trans);
    const bool is_read = trans.get_command() == tlm::TLM_READ_COMMAND;
    const Cycles first_beat = is_read ? m_params.read_cycles : m_params.write_cycles;
    const Cycles next_beat = m_params.pipelined ? 1 : first_beat;
    plan.access_cycles = first_beat + (plan.beats - 1) * next_beat;
    const Cycles occupancy = m_params.pipelined ? plan.beats : plan.beats * first_beat;
    if (m_state == PowerState::Standby) plan.wake_cycles = m_params.standby_wake_cycles;

    m_busy.forget_before(now_ps);
    const uint64_t held_ps = m_clock.to_ps(plan.wake_cycles + occupancy);
    uint64_t start_ps = m_busy.earliest_fit(edge_ps, held_ps);
    m_busy.reserve(start_ps, held_ps);
    plan.wait_cycles = start_ps == edge_ps ? 0 : (start_ps - edge_ps) / m_clock.period_ps();
    m_stats.busy_wait_cycles += plan.wait_cycles;

    if (plan.wake_cycles) {
        // Clock gating lifts on demand: the access waits for the wake and leaves the bank Active.
        m_ledger.enter_bucket(TRANSITION_BUCKET, sc_time::from_value(start_ps));
        m_ledger.add_transition_energy(transition_energy_fj(PowerState::Standby, PowerState::Active));
        start_ps += m_clock.to_ps(plan.wake_cycles);
        m_state = PowerState::Active;
        set_state_bucket(index_of(PowerState::Active), sc_time::from_value(start_ps));
        ++m_stats.standby_wakes;
    }
    plan.start_ps = start_ps;
    plan.done_ps = start_ps + m_clock.to_ps(plan.access_cycles);

    copy_data(trans);
    trans.set_dmi_allowed(true); // Active and served: a DMI request would be granted now
    ++m_traced_accesses;
    if (is_read) {
        ++m_stats.reads;
        m_ledger.count_reads(plan.beats);
    } else {
        ++m_stats.writes;
        m_ledger.count_writes(plan.beats);
    }
    return plan;
}

void SramBank::copy_data(tlm::tlm_generic_payload& trans) {
    const uint64_t address = trans.get_address();
    const unsigned length = trans.get_data_length();
    const unsigned width = trans.get_streaming_width();
    unsigned char* data = trans.get_data_ptr();
    const unsigned char* enables = trans.get_byte_enable_ptr();
    const unsigned enable_length = trans.get_byte_enable_length();
    const bool is_read = trans.get_command() == tlm::TLM_READ_COMMAND;
    uint8_t* array = m_storage.data() + address;

    if (!enables && width >= length) { // the common case: one contiguous copy
        // Bus words (the runtime's loads and stores) get a fixed-size copy the compiler inlines.
        uint8_t* to = is_read ? data : array;
        const uint8_t* from = is_read ? array : data;
        switch (length) {
        case 1: *to = *from; break;
        case 2: std::memcpy(to, from, 2); break;
        case 4: std::memcpy(to, from, 4); break;
        case 8: std::memcpy(to, from, 8); break;
        default: std::memcpy(to, from, length); break;
        }
        return;
    }
    for (unsigned i = 0; i < length; ++i) {
        if (enables && enables[i % enable_length] != TLM_BYTE_ENABLED) continue;
        uint8_t& cell = array[i % width];
        if (is_read)
            data[i] = cell;
        else
            cell = data[i];
    }
}

void SramBank::record_dmi_usage(const DmiUsage& usage) {
    m_stats.dmi_read_words += usage.read_words;
    m_stats.dmi_write_words += usage.write_words;
    m_ledger.count_reads(usage.read_words);
    m_ledger.count_writes(usage.write_words);
}

// ---------------------------------------------------------------------------------------------
// LT

void SramBank::annotate(tlm::tlm_generic_payload& trans, const Plan& plan) {
    AccessInfo* info = trans.get_extension<AccessInfo>();
    if (!info) return;
    info->bank_wait_cycles += plan.wait_cycles;
    info->wake_cycles += plan.wake_cycles;
    info->access_cycles += plan.access_cycles;
    info->beats += plan.beats;
    info->accepted_at_ps = plan.start_ps;
    if (plan.refusal != Refusal::None) info->refusal = plan.refusal;
}

void SramBank::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    TimedTarget::lt_transport(trans, delay, [this](tlm::tlm_generic_payload& t, uint64_t arrival_ps,
                                                   uint64_t now_ps) { return serve_timed(t, arrival_ps, now_ps); });
}

// ---------------------------------------------------------------------------------------------
// AT: END_REQ when service starts, BEGIN_RESP when it is done (TimedTarget).

tlm::tlm_sync_enum SramBank::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                             sc_time& delay) {
    return m_timed.nb_transport_fw(trans, phase, delay);
}

TimedService SramBank::serve_timed(tlm::tlm_generic_payload& trans, uint64_t arrival_ps,
                                   uint64_t now_ps) {
    const Plan plan = serve(trans, arrival_ps, now_ps);
    trans.set_response_status(plan.status);
    annotate(trans, plan);
    return TimedService{plan.start_ps, plan.done_ps};
}

// ---------------------------------------------------------------------------------------------
// DMI and debug

bool SramBank::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    settle(sc_core::sc_time_stamp().value());
    dmi.set_start_address(0);
    dmi.set_end_address(m_params.size_bytes - 1);
    const bool usable = m_state == PowerState::Active && !m_transition_pending &&
                        trans.get_address() < m_params.size_bytes;
    if (!usable) {
        dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
        return false;
    }
    dmi.set_dmi_ptr(m_storage.data());
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(m_clock.to_time(m_params.read_cycles));
    dmi.set_write_latency(m_clock.to_time(m_params.write_cycles));
    m_dmi_granted = true;
    ++m_stats.dmi_grants;
    return true;
}

unsigned int SramBank::transport_dbg(tlm::tlm_generic_payload& trans) {
    const auto cmd = trans.get_command();
    if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) return 0;
    const uint64_t address = trans.get_address();
    if (address >= m_params.size_bytes) return 0;
    const unsigned length = static_cast<unsigned>(
        std::min<uint64_t>(trans.get_data_length(), m_params.size_bytes - address));
    if (cmd == tlm::TLM_READ_COMMAND)
        std::memcpy(trans.get_data_ptr(), m_storage.data() + address, length);
    else
        std::memcpy(m_storage.data() + address, trans.get_data_ptr(), length);
    return length;
}

void SramBank::invalidate_dmi() {
    if (!m_dmi_granted) return;
    m_dmi_granted = false;
    ++m_stats.dmi_invalidations;
    in->invalidate_direct_mem_ptr(0, m_params.size_bytes - 1);
}

// ---------------------------------------------------------------------------------------------
// Power states

Cycles SramBank::transition_cycles(PowerState from, PowerState to) const {
    if (from == to) return 0;
    if (from == PowerState::Off) return m_params.off_wake_cycles;
    if (depth(to) > depth(from)) return m_params.enter_low_power_cycles;
    return from == PowerState::Standby ? m_params.standby_wake_cycles
                                       : m_params.retention_wake_cycles;
}

uint64_t SramBank::transition_energy_fj(PowerState from, PowerState to) const {
    double pj = 0.0;
    if (from == to)
        pj = 0.0;
    else if (from == PowerState::Off)
        pj = m_params.off_wake_energy_pj;
    else if (depth(to) > depth(from))
        pj = m_params.enter_low_power_energy_pj;
    else
        pj = from == PowerState::Standby ? m_params.standby_wake_energy_pj
                                         : m_params.retention_wake_energy_pj;
    return picojoules_to_fj(pj);
}

bool SramBank::request_power_state(PowerState target, const sc_time& offset) {
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time at = now + offset;
    settle(at.value());
    if (m_transition_pending) return false;
    if (target == m_state) return true;

    const sc_time start = sc_time::from_value(
        std::max(m_clock.edge_at_or_after_ps(at.value()), m_busy.last_end()));
    m_transition_from = m_state;
    m_transition_pending = true;
    m_transition_end = start + m_clock.to_time(transition_cycles(m_state, target));
    m_ledger.add_transition_energy(transition_energy_fj(m_state, target));
    set_state_bucket(TRANSITION_BUCKET, start);
    m_state = target;
    if (target == PowerState::Off) scramble_contents(); // the array loses its charge
    invalidate_dmi();
    m_transition_event.notify(m_transition_end - now);
    return true;
}

void SramBank::settle(uint64_t t_ps) {
    if (!m_transition_pending || t_ps < m_transition_end.value()) return;
    m_transition_pending = false;
    set_state_bucket(index_of(m_state), m_transition_end);
    if (m_transition_from == PowerState::Off) ++m_stats.power_ups;
}

void SramBank::on_transition_end() { settle(sc_core::sc_time_stamp().value()); }

void SramBank::set_state_bucket(size_t bucket, const sc_time& at) {
    m_ledger.enter_bucket(bucket, at);
    m_traced_state = static_cast<int>(bucket);
}

void SramBank::scramble_contents() {
    // A fresh pattern per power cycle: the seed mixes in how often the bank has lost power.
    SplitMix64 noise((m_params.garbage_seed ? m_params.garbage_seed : hash_name(name())) ^
                     (m_scrambles++ * 0x9e3779b97f4a7c15ULL));
    size_t i = 0;
    for (; i + 8 <= m_storage.size(); i += 8) {
        const uint64_t word = noise.next();
        std::memcpy(&m_storage[i], &word, 8);
    }
    for (; i < m_storage.size(); ++i) m_storage[i] = static_cast<uint8_t>(noise.next());
}

EnergySnapshot SramBank::energy() const { return m_ledger.snapshot(sc_core::sc_time_stamp()); }

} // namespace emsim
