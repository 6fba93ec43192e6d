#pragma once
// BlockingInitiator owns an initiator socket and the one way emsim's initiators make a blocking
// access: the calling SC_THREAD issues a transaction and continues when it is complete. In LT
// that is b_transport with temporal decoupling (a tlm_quantumkeeper: local time runs ahead of
// kernel time by up to the global quantum); in AT it is the 4-phase base protocol with one
// transaction outstanding. It is a member of an initiator module, not a module itself; the
// module binds `socket` to the interconnect.

#include "models/clock.h"
#include "models/timing_mode.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>

namespace emsim {

/// Fills `trans` for a plain read or write of `length` bytes at `address` from/to `data`:
/// streaming width = length, no byte enables, no DMI hint, status incomplete. Extensions stay.
void prepare_access(tlm::tlm_generic_payload& trans, bool write, uint64_t address, uint8_t* data,
                    unsigned length);

class BlockingInitiator : public tlm::tlm_bw_transport_if<> {
public:
    tlm::tlm_initiator_socket<> socket;

    /// Must be constructed during elaboration (as a member of a module).
    BlockingInitiator(const char* socket_name, TimingMode mode, const Clock& clock);

    /// Performs `trans` and returns when it is complete. In AT the payload must have a memory
    /// manager (the interconnect holds it across calls). In LT the completion time is the local
    /// time (now()); the kernel is synchronised when the quantum is used up.
    void transport(tlm::tlm_generic_payload& trans);

    /// The initiator's notion of the current time: local time in LT, kernel time in AT.
    sc_core::sc_time now() const;
    /// Lets `duration` pass (compute, a wait step): LT adds it to local time, AT waits.
    void advance(const sc_core::sc_time& duration);
    /// LT: brings kernel time up to local time (before acting on other modules directly, e.g.
    /// a power request, so it happens at the right kernel time). AT: nothing to do.
    void sync();

    TimingMode mode() const { return m_mode; }

    /// Hands the words moved through DMI to the bank behind `address` (a DmiUsage extension on a
    /// TLM_IGNORE_COMMAND, no time), so its energy ledger and statistics stay exact.
    void report_dmi_usage(uint64_t address, uint64_t read_words, uint64_t write_words);
    /// Called on invalidate_direct_mem_ptr (LT+DMI users keep their DMI table).
    std::function<void(uint64_t, uint64_t)> on_invalidate;

    // tlm_bw_transport_if
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

private:
    const TimingMode m_mode;
    const Clock m_clock;
    tlm_utils::tlm_quantumkeeper m_quantum;
    sc_core::sc_event m_response_event;
    sc_core::sc_time m_response_time;
    bool m_response_arrived = false;
};

} // namespace emsim
