#include "models/timed_target.h"

namespace emsim {

using sc_core::sc_time;

TimedTarget::TimedTarget(const std::string& owner, tlm::tlm_target_socket<>& socket, ServeFn serve)
    : m_owner(owner), m_socket(socket), m_serve(std::move(serve)),
      m_response_peq(this, &TimedTarget::on_response_due) {}

tlm::tlm_sync_enum TimedTarget::nb_transport_fw(tlm::tlm_generic_payload& trans,
                                                tlm::tlm_phase& phase, sc_time& delay) {
    const uint64_t now_ps = sc_core::sc_time_stamp().value();
    if (phase == tlm::BEGIN_REQ) {
        if (trans.has_mm()) trans.acquire();
        const TimedService service = m_serve(trans, now_ps + delay.value(), now_ps);
        m_response_peq.notify(trans, tlm::BEGIN_RESP, sc_time::from_value(service.done_ps - now_ps));
        phase = tlm::END_REQ;
        delay = sc_time::from_value(service.start_ps - now_ps);
        return tlm::TLM_UPDATED;
    }
    if (phase == tlm::END_RESP) {
        if (&trans != m_response_in_flight) {
            SC_REPORT_ERROR(m_owner.c_str(), "END_RESP for a transaction that has no response in flight");
            return tlm::TLM_COMPLETED;
        }
        response_done(trans, delay);
        return tlm::TLM_COMPLETED;
    }
    // END_REQ and BEGIN_RESP travel backwards only; anything else is not base protocol.
    SC_REPORT_ERROR(m_owner.c_str(), "illegal phase on the forward path");
    return tlm::TLM_COMPLETED;
}

void TimedTarget::on_response_due(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
    if (phase != tlm::BEGIN_RESP) {
        SC_REPORT_ERROR(m_owner.c_str(), "unexpected phase in the response queue");
        return;
    }
    if (m_response_in_flight) {
        m_responses_waiting.push_back(&trans); // one BEGIN_RESP at a time per socket
        return;
    }
    send_response(trans);
}

void TimedTarget::send_response(tlm::tlm_generic_payload& trans) {
    m_response_in_flight = &trans;
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum reply = m_socket->nb_transport_bw(trans, phase, delay);
    switch (reply) {
    case tlm::TLM_ACCEPTED: return; // END_RESP will come on the forward path
    case tlm::TLM_UPDATED:
        if (phase != tlm::END_RESP) {
            SC_REPORT_ERROR(m_owner.c_str(),
                            "initiator answered BEGIN_RESP with a phase other than END_RESP");
            return;
        }
        [[fallthrough]];
    case tlm::TLM_COMPLETED: break;
    }
    response_done(trans, delay);
}

void TimedTarget::response_done(tlm::tlm_generic_payload& trans, const sc_time& delay) {
    m_response_in_flight = nullptr;
    if (trans.has_mm()) trans.release();
    if (m_responses_waiting.empty()) return;
    tlm::tlm_generic_payload* next = m_responses_waiting.front();
    m_responses_waiting.pop_front();
    m_response_peq.notify(*next, tlm::BEGIN_RESP, delay); // the socket is free again
}

} // namespace emsim
