#pragma once
// Interconnect owns the address map, the per-target-port arbitration and the contention
// accounting of a bus matrix with N initiators and M targets (AHB-lite multi-layer style: two
// initiators reach two different banks in parallel, and queue only for the same one). It owns no
// memory timing: a port is held from grant until its target accepts the request (END_REQ), and
// the target decides when that is.
//
// Timing, identical in LT and AT for a single initiator:
//   eligible = first clock edge >= arrival
//   grant    = the first edge >= eligible at which the target port is free and the arbiter picks
//              this initiator; arbitration_cycles = grant - eligible
//   the request reaches the target hop_cycles after the grant.
// Responses go straight back (no response-path latency); an initiator that has not finished its
// previous response gets the next one queued, in order.
// LT differs only where temporally decoupled initiators call out of time order: LT places each
// call in the earliest gap of the port's and bank's reservations (BusyTimeline), while AT serves
// in arrival order; README "LT vs AT" gives the measured bound.

#include "models/access_info.h"
#include "models/arbiter_policy.h"
#include "models/busy_timeline.h"
#include "models/clock.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/peq_with_cb_and_phase.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace emsim {

struct InterconnectParams {
    ArbiterKind arbitration = ArbiterKind::RoundRobin;
    Cycles hop_cycles = 1; ///< request path traversal, per transaction
};

/// One window of the address map: global [base, base + size) goes to target port `port` at
/// local offset 0.
struct AddressRoute {
    int port = 0;
    uint64_t base = 0;
    uint64_t size = 0;
    std::string label;
    uint64_t end() const { return base + size; }
};

/// Per-initiator counters; cycles in the interconnect's clock.
struct InitiatorStats {
    uint64_t transactions = 0;
    uint64_t contention_cycles = 0;   ///< summed arbitration wait
    uint64_t max_contention_cycles = 0;
    uint64_t unmapped = 0;            ///< answered with an address error
};

class Interconnect : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Interconnect> in;
    tlm_utils::multi_passthrough_initiator_socket<Interconnect> out;

    SC_HAS_PROCESS(Interconnect);
    Interconnect(sc_core::sc_module_name name, const InterconnectParams& params, const Clock& clock);

    /// Maps [base, base + size) to the target bound to out[port]. Throws std::invalid_argument
    /// when the window is empty, wraps or overlaps an existing one (the config loader reports the
    /// same with file and line first; this is the model's own guard).
    void map(int port, uint64_t base, uint64_t size, const std::string& label);

    const std::vector<AddressRoute>& routes() const { return m_routes; }
    /// The route that holds `address`, or nullptr.
    const AddressRoute* decode(uint64_t address) const;
    const InitiatorStats& initiator_stats(int initiator) const;
    int initiator_count() const { return static_cast<int>(m_initiators.size()); }

private:
    struct Waiting {
        tlm::tlm_generic_payload* trans;
        int initiator;
        sc_core::sc_time eligible;
    };
    struct Port {
        std::deque<Waiting> waiting;
        tlm::tlm_generic_payload* in_flight = nullptr; ///< granted, not yet accepted (END_REQ)
        BusyTimeline held;                             ///< LT: from grant until accepted
        std::unique_ptr<ArbiterPolicy> arbiter;
    };
    struct InitiatorSide {
        InitiatorStats stats;
        std::deque<tlm::tlm_generic_payload*> responses; ///< behind an unanswered BEGIN_RESP
        tlm::tlm_generic_payload* response_in_flight = nullptr;
    };
    struct Route {
        int initiator;
        const AddressRoute* route;
        uint64_t global_address;
    };

    // Initiator side.
    void b_transport(int initiator, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_sync_enum nb_transport_fw(int initiator, tlm::tlm_generic_payload& trans,
                                       tlm::tlm_phase& phase, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(int initiator, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(int initiator, tlm::tlm_generic_payload& trans);
    // Target side.
    tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& trans,
                                       tlm::tlm_phase& phase, sc_core::sc_time& delay);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

    void end_of_elaboration() override;
    void on_event(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
    void arbitrate();
    void grant(Port& port, size_t waiting_index);
    void accepted(tlm::tlm_generic_payload& trans);
    void respond(tlm::tlm_generic_payload& trans);
    void send_next_response(int initiator);
    void finish(tlm::tlm_generic_payload& trans);
    void record_contention(int initiator, Cycles cycles) {
        InitiatorStats& s = side(initiator).stats;
        ++s.transactions;
        s.contention_cycles += cycles;
        s.max_contention_cycles = std::max<uint64_t>(s.max_contention_cycles, cycles);
    }
    InitiatorSide& side(int initiator) {
        if (initiator >= static_cast<int>(m_initiators.size())) m_initiators.resize(initiator + 1);
        return m_initiators[initiator];
    }

    const InterconnectParams m_params;
    const Clock m_clock;
    std::vector<AddressRoute> m_routes; ///< sorted by base
    /// decode()'s last hit: accesses cluster in one window, so most decodes skip the search.
    /// Reset by map(), which may move routes.
    mutable const AddressRoute* m_last_route = nullptr;
    std::vector<Port> m_ports;
    std::vector<InitiatorSide> m_initiators;
    std::unordered_map<tlm::tlm_generic_payload*, Route> m_in_flight;
    tlm_utils::peq_with_cb_and_phase<Interconnect> m_peq;
    sc_core::sc_event m_arbitrate_event;
    AccessInfo m_scratch_info; ///< LT: attached when the initiator did not bring one
    std::vector<std::pair<int, size_t>> m_ready; ///< arbitrate(): (initiator, waiting index)
    std::vector<int> m_ready_initiators;
};

} // namespace emsim
