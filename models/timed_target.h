#pragma once
// TimedTarget owns how an emsim target answers in LT and AT once it knows, for a request, when it
// starts serving it and when it is done: b_transport returns `done - now` as the delay; in AT,
// END_REQ goes out at `start` and BEGIN_RESP at `done`, one BEGIN_RESP at a time on the socket
// (a response that falls due while another awaits END_RESP queues behind it). It owns no timing
// and no data: the target's serve function does both. The SRAM bank and the power controller
// answer through it.

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

namespace emsim {

/// When a target serves one request, absolute picoseconds.
struct TimedService {
    uint64_t start_ps = 0; ///< service begins: END_REQ
    uint64_t done_ps = 0;  ///< data transferred: BEGIN_RESP
};

class TimedTarget {
public:
    /// Serves `trans` (moves data, sets the response status, books statistics) for a request
    /// that arrives at `arrival_ps`; `now_ps` is kernel time.
    using ServeFn =
        std::function<TimedService(tlm::tlm_generic_payload&, uint64_t arrival_ps, uint64_t now_ps)>;

    /// `socket` is the owner's target socket (its backward path carries the AT responses);
    /// `owner` names the model in error reports. Construct during elaboration.
    TimedTarget(const std::string& owner, tlm::tlm_target_socket<>& socket, ServeFn serve);

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
        lt_transport(trans, delay, m_serve);
    }
    /// The LT answer for any serve callable: `delay` becomes done - now. A target calls it with
    /// its own serve function directly, so the per-access path makes no std::function call.
    template <class Serve>
    static void lt_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, Serve&& serve) {
        const uint64_t now_ps = sc_core::sc_time_stamp().value();
        const TimedService service = serve(trans, now_ps + delay.value(), now_ps);
        delay = sc_core::sc_time::from_value(service.done_ps - now_ps);
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);

private:
    void on_response_due(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase);
    void send_response(tlm::tlm_generic_payload& trans);
    /// The response of `trans` is finished (END_RESP, explicit or implied): send the next one.
    void response_done(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay);

    const std::string m_owner;
    tlm::tlm_target_socket<>& m_socket;
    const ServeFn m_serve;
    tlm_utils::peq_with_cb_and_phase<TimedTarget> m_response_peq;
    std::deque<tlm::tlm_generic_payload*> m_responses_waiting;
    tlm::tlm_generic_payload* m_response_in_flight = nullptr;
};

} // namespace emsim
