#pragma once
// SramBank owns one SRAM array: its storage, access timing (wait states, pipelining, busy model),
// power state with transitions, and the energy ledger. Address decode and arbitration belong to
// the interconnect; who may access what belongs to the MPU; when to change power state belongs
// to the power controller or the host.
//
// Timing, identical in LT and AT (AT is the reference, LT computes the same formula inline):
//   arrival  = time the request reaches the bank
//   start    = the first clock edge >= arrival at which the array is free for the whole
//              occupancy (for in-order arrivals: max(edge, end of the previous access))
//              [+ Standby wake penalty]
//   done     = start + first_beat_cycles + (beats - 1) * beat_cycles
//   occupancy: a pipelined bank is occupied one cycle per beat, an unpipelined bank the full
//              access time per beat (see BusyTimeline for why reservations are intervals).
// END_REQ is sent at `start` (the bank accepts the request when it begins serving it) and
// BEGIN_RESP at `done`.

#include "models/access_info.h"
#include "models/busy_timeline.h"
#include "models/clock.h"
#include "models/energy_ledger.h"
#include "models/power_state.h"
#include "models/timed_target.h"
#include "models/units.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace emsim {

/// Parameters of one bank. Each field name is its config key and its report name.
struct SramBankParams {
    uint64_t size_bytes = 64 * KiB;
    uint32_t word_bytes = 4;   ///< bus word: the unit of beats, wait states and access energy
    Cycles read_cycles = 1;    ///< cycles of one word read (1 = zero wait states)
    Cycles write_cycles = 1;   ///< cycles of one word write
    bool pipelined = false;    ///< back-to-back beats every cycle instead of every access time
    PowerState initial_state = PowerState::Active;

    Cycles standby_wake_cycles = 1;    ///< penalty paid by the first access in Standby
    Cycles enter_low_power_cycles = 2; ///< Active/Standby/Retention -> a lower state
    Cycles retention_wake_cycles = 10; ///< Retention -> Active
    Cycles off_wake_cycles = 100;      ///< Off -> any powered state (contents are garbage)

    double read_energy_pj = 5.0;  ///< per word read
    double write_energy_pj = 5.5; ///< per word written
    double leakage_active_uw = 1.0;
    double leakage_standby_uw = 0.6;
    double leakage_retention_uw = 0.1;
    double leakage_off_uw = 0.0;
    double enter_low_power_energy_pj = 10.0;
    double standby_wake_energy_pj = 5.0;
    double retention_wake_energy_pj = 50.0;
    double off_wake_energy_pj = 500.0;

    /// Seed of the deterministic garbage an Off bank holds; 0 derives it from the bank's name.
    uint64_t garbage_seed = 0;
};

/// Counters for reports; all "cycles" are in this bank's clock.
struct SramBankStats {
    uint64_t reads = 0;            ///< read transactions served
    uint64_t writes = 0;           ///< write transactions served
    uint64_t refused = 0;          ///< transactions answered with an error
    uint64_t busy_wait_cycles = 0; ///< summed wait for earlier accesses (bank conflicts)
    uint64_t standby_wakes = 0;
    uint64_t power_ups = 0;        ///< Off -> powered transitions (each one scrambles contents)
    uint64_t dmi_read_words = 0;  ///< reported by DMI users (DmiUsage); also in the ledger
    uint64_t dmi_write_words = 0;
    uint64_t dmi_grants = 0;
    uint64_t dmi_invalidations = 0;
};

class SramBank : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<SramBank> in;

    SC_HAS_PROCESS(SramBank);
    SramBank(sc_core::sc_module_name name, const SramBankParams& params, const Clock& clock);

    const SramBankParams& params() const { return m_params; }
    const Clock& clock() const { return m_clock; }
    const SramBankStats& stats() const { return m_stats; }
    const EnergyLedger& ledger() const { return m_ledger; }

    /// The state the bank is in, or is heading to while a transition is in progress.
    PowerState power_state() const { return m_state; }
    bool in_transition() const { return m_transition_pending; }
    /// Absolute time the current transition ends (meaningful while in_transition()).
    sc_core::sc_time transition_end() const { return m_transition_end; }
    /// The state the current transition started from (meaningful while in_transition()).
    PowerState transition_from() const { return m_transition_from; }

    /// Starts a transition to `target` at sc_time_stamp() + offset (after any access in flight).
    /// Returns false, changing nothing, while another transition is still in progress.
    /// Requesting the current state is a no-op that returns true.
    bool request_power_state(PowerState target,
                             const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME);

    /// Transition latency from `from` to `to`, in cycles.
    Cycles transition_cycles(PowerState from, PowerState to) const;

    /// Snapshot of the energy ledger at the current simulation time.
    EnergySnapshot energy() const;

    /// Traced values (for sc_trace): power state code (0 Active .. 3 Off, 4 in transition).
    const int& traced_state() const { return m_traced_state; }
    /// Accesses served so far (reads + writes): each change in a VCD is the bank being used.
    const uint64_t& traced_accesses() const { return m_traced_accesses; }

private:
    struct Plan {
        tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
        Refusal refusal = Refusal::None;
        uint64_t start_ps = 0; ///< absolute: service begins (END_REQ)
        uint64_t done_ps = 0;  ///< absolute: data transferred (BEGIN_RESP)
        Cycles wait_cycles = 0;
        Cycles wake_cycles = 0;
        Cycles access_cycles = 0;
        uint32_t beats = 0;
    };

    // TLM interface.
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

    /// Times the access, applies the Standby wake, moves the data and books energy: the single
    /// place where a transaction is served, for LT and AT alike.
    Plan serve(tlm::tlm_generic_payload& trans, uint64_t arrival_ps, uint64_t now_ps);
    /// Adds the plan's breakdown to the payload's AccessInfo, if it carries one.
    static void annotate(tlm::tlm_generic_payload& trans, const Plan& plan);
    Refusal check(const tlm::tlm_generic_payload& trans, uint64_t at_ps) const;
    uint32_t beats_of(const tlm::tlm_generic_payload& trans) const;
    /// Copies data honouring byte enables and streaming width. `count_bytes` false: debug.
    void copy_data(tlm::tlm_generic_payload& trans);
    void record_dmi_usage(const DmiUsage& usage);

    /// Completes a pending transition whose end is at or before `t_ps` (absolute).
    void settle(uint64_t t_ps);
    void on_transition_end();
    void scramble_contents();
    void set_state_bucket(size_t bucket, const sc_core::sc_time& at);
    void invalidate_dmi();
    uint64_t transition_energy_fj(PowerState from, PowerState to) const;

    /// serve() plus status and AccessInfo: what TimedTarget calls for LT and AT alike.
    TimedService serve_timed(tlm::tlm_generic_payload& trans, uint64_t arrival_ps, uint64_t now_ps);

    const SramBankParams m_params;
    unsigned m_word_shift = 0; ///< log2(word_bytes): beats_of() shifts instead of dividing
    const Clock m_clock;
    const EnergyCoefficients m_coefficients;
    std::vector<uint8_t> m_storage;
    SramBankStats m_stats;
    EnergyLedger m_ledger;

    BusyTimeline m_busy; ///< when the array is serving accesses
    PowerState m_state;
    PowerState m_transition_from = PowerState::Active;
    bool m_transition_pending = false;
    sc_core::sc_time m_transition_end;
    sc_core::sc_event m_transition_event;
    int m_traced_state = 0;
    uint64_t m_traced_accesses = 0;
    bool m_dmi_granted = false;
    uint64_t m_scrambles = 0; ///< power cycles so far; each one gets its own garbage

    TimedTarget m_timed; ///< LT delay and AT phases from serve_timed()
};

} // namespace emsim
