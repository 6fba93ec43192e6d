#pragma once
// A pass-through module that checks the TLM-2.0 base-protocol rules emsim's models must keep,
// on the hop where it is inserted:
//  - the response status is set when a transaction completes (b_transport or nb);
//  - phases of a transaction come in legal order (BEGIN_REQ, [END_REQ], BEGIN_RESP, [END_RESP]);
//  - no BEGIN_REQ before the previous request on this hop got END_REQ (or its response);
//  - no BEGIN_RESP before the previous response on this hop got END_RESP;
//  - a granted DMI range contains the address it was requested for.
// Violations are collected as text so tests can assert there are none.

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <map>
#include <string>
#include <vector>

namespace emsim::test {

class ProtocolChecker : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<ProtocolChecker> in;
    tlm_utils::simple_initiator_socket<ProtocolChecker> out;
    std::vector<std::string> violations;
    uint64_t transactions = 0;

    explicit ProtocolChecker(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
        in.register_b_transport(this, &ProtocolChecker::b_transport);
        in.register_nb_transport_fw(this, &ProtocolChecker::nb_transport_fw);
        in.register_get_direct_mem_ptr(this, &ProtocolChecker::get_direct_mem_ptr);
        in.register_transport_dbg(this, &ProtocolChecker::transport_dbg);
        out.register_nb_transport_bw(this, &ProtocolChecker::nb_transport_bw);
        out.register_invalidate_direct_mem_ptr(this, &ProtocolChecker::invalidate);
    }

private:
    enum class Stage { Requested, RequestEnded, Responding };

    void fail(const std::string& what) {
        violations.push_back(std::string(name()) + " @" + sc_core::sc_time_stamp().to_string() +
                             ": " + what);
    }

    void check_status(const tlm::tlm_generic_payload& trans, const char* where) {
        if (trans.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE)
            fail(std::string("response status not set at ") + where);
    }

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
        ++transactions;
        out->b_transport(trans, delay);
        check_status(trans, "b_transport return");
    }

    // Forward path.
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay) {
        if (phase == tlm::BEGIN_REQ) {
            ++transactions;
            if (m_request_open) fail("BEGIN_REQ before END_REQ of the previous request");
            if (m_stage.count(&trans)) fail("BEGIN_REQ for a transaction already in flight");
            m_stage[&trans] = Stage::Requested;
            m_request_open = &trans;
        } else if (phase == tlm::END_RESP) {
            if (m_response_open != &trans) fail("END_RESP without an open BEGIN_RESP");
            m_response_open = nullptr;
            m_stage.erase(&trans);
        } else {
            fail("illegal phase on the forward path");
        }
        const tlm::tlm_sync_enum reply = out->nb_transport_fw(trans, phase, delay);
        after_reply(trans, phase, reply);
        return reply;
    }

    // Backward path.
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay) {
        auto it = m_stage.find(&trans);
        if (it == m_stage.end()) {
            fail("backward call for an unknown transaction");
            return in->nb_transport_bw(trans, phase, delay);
        }
        if (phase == tlm::END_REQ) {
            if (it->second != Stage::Requested) fail("END_REQ out of order");
            it->second = Stage::RequestEnded;
            if (m_request_open == &trans) m_request_open = nullptr;
        } else if (phase == tlm::BEGIN_RESP) {
            begin_response(trans);
        } else {
            fail("illegal phase on the backward path");
        }
        const tlm::tlm_sync_enum reply = in->nb_transport_bw(trans, phase, delay);
        if (phase == tlm::BEGIN_RESP &&
            (reply == tlm::TLM_COMPLETED || (reply == tlm::TLM_UPDATED && phase == tlm::END_RESP))) {
            m_response_open = nullptr;
            m_stage.erase(&trans);
        }
        return reply;
    }

    void begin_response(tlm::tlm_generic_payload& trans) {
        if (m_response_open) fail("BEGIN_RESP before END_RESP of the previous response");
        if (m_request_open == &trans) m_request_open = nullptr; // BEGIN_RESP implies END_REQ
        check_status(trans, "BEGIN_RESP");
        m_stage[&trans] = Stage::Responding;
        m_response_open = &trans;
    }

    void after_reply(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                     tlm::tlm_sync_enum reply) {
        if (reply == tlm::TLM_COMPLETED) {
            check_status(trans, "TLM_COMPLETED");
            if (m_request_open == &trans) m_request_open = nullptr;
            if (m_response_open == &trans) m_response_open = nullptr;
            m_stage.erase(&trans);
        } else if (reply == tlm::TLM_UPDATED) {
            if (phase == tlm::END_REQ) {
                m_stage[&trans] = Stage::RequestEnded;
                if (m_request_open == &trans) m_request_open = nullptr;
            } else if (phase == tlm::BEGIN_RESP) {
                begin_response(trans);
            } else {
                fail("TLM_UPDATED with an illegal phase");
            }
        }
    }

    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
        const uint64_t address = trans.get_address();
        const bool granted = out->get_direct_mem_ptr(trans, dmi);
        if (granted && (address < dmi.get_start_address() || address > dmi.get_end_address()))
            fail("granted DMI range does not contain the requested address");
        return granted;
    }

    unsigned int transport_dbg(tlm::tlm_generic_payload& trans) { return out->transport_dbg(trans); }
    void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { in->invalidate_direct_mem_ptr(start, end); }

    std::map<const tlm::tlm_generic_payload*, Stage> m_stage;
    const tlm::tlm_generic_payload* m_request_open = nullptr;
    const tlm::tlm_generic_payload* m_response_open = nullptr;
};

} // namespace emsim::test
