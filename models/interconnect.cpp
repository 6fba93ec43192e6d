#include "models/interconnect.h"

#include <algorithm>
#include <stdexcept>

namespace emsim {

using sc_core::sc_time;

Interconnect::Interconnect(sc_core::sc_module_name name, const InterconnectParams& params,
                           const Clock& clock)
    : sc_module(name), in("in"), out("out"), m_params(params), m_clock(clock),
      m_peq(this, &Interconnect::on_event) {
    in.register_b_transport(this, &Interconnect::b_transport);
    in.register_nb_transport_fw(this, &Interconnect::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &Interconnect::get_direct_mem_ptr);
    in.register_transport_dbg(this, &Interconnect::transport_dbg);
    out.register_nb_transport_bw(this, &Interconnect::nb_transport_bw);
    out.register_invalidate_direct_mem_ptr(this, &Interconnect::invalidate_direct_mem_ptr);
    SC_METHOD(arbitrate);
    sensitive << m_arbitrate_event;
    dont_initialize();
}

void Interconnect::map(int port, uint64_t base, uint64_t size, const std::string& label) {
    if (size == 0 || base + size < base)
        throw std::invalid_argument(label + ": address window is empty or wraps around");
    for (const AddressRoute& r : m_routes)
        if (base < r.end() && r.base < base + size)
            throw std::invalid_argument(label + ": address window overlaps " + r.label);
    m_last_route = nullptr;
    m_routes.push_back(AddressRoute{port, base, size, label});
    std::sort(m_routes.begin(), m_routes.end(),
              [](const AddressRoute& a, const AddressRoute& b) { return a.base < b.base; });
}

const AddressRoute* Interconnect::decode(uint64_t address) const {
    if (m_last_route && address >= m_last_route->base && address < m_last_route->end())
        return m_last_route;
    auto it = std::upper_bound(m_routes.begin(), m_routes.end(), address,
                               [](uint64_t a, const AddressRoute& r) { return a < r.base; });
    if (it == m_routes.begin()) return nullptr;
    --it;
    if (address >= it->end()) return nullptr;
    m_last_route = &*it;
    return m_last_route;
}

void Interconnect::end_of_elaboration() {
    m_ports.resize(out.size());
    for (Port& port : m_ports) port.arbiter = make_arbiter(m_params.arbitration);
    m_initiators.resize(in.size());
    for (const AddressRoute& r : m_routes)
        if (r.port < 0 || r.port >= static_cast<int>(out.size()))
            SC_REPORT_ERROR(name(), ("route " + r.label + " names an unbound target port").c_str());
}

const InitiatorStats& Interconnect::initiator_stats(int initiator) const {
    static const InitiatorStats none;
    return initiator < static_cast<int>(m_initiators.size()) ? m_initiators[initiator].stats : none;
}

// ---------------------------------------------------------------------------------------------
// LT: arbitration resolved inline against the port's reservation.

void Interconnect::b_transport(int initiator, tlm::tlm_generic_payload& trans, sc_time& delay) {
    const uint64_t global = trans.get_address();
    const AddressRoute* route = decode(global);
    if (!route) {
        ++side(initiator).stats.unmapped;
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        if (AccessInfo* info = trans.get_extension<AccessInfo>()) info->refusal = Refusal::Unmapped;
        return;
    }
    const uint64_t now_ps = sc_core::sc_time_stamp().value();
    Port& port = m_ports[route->port];
    const uint64_t eligible_ps = m_clock.edge_at_or_after_ps(now_ps + delay.value());
    port.held.forget_before(now_ps);
    const uint64_t hop_ps = m_clock.to_ps(m_params.hop_cycles);
    // A request holds the port at least for its hop (1 ps when there is none).
    const uint64_t granted_ps = port.held.earliest_fit(eligible_ps, std::max<uint64_t>(hop_ps, 1));
    const Cycles waited = granted_ps == eligible_ps ? 0 : (granted_ps - eligible_ps) / m_clock.period_ps();
    record_contention(initiator, waited);

    AccessInfo* info = trans.get_extension<AccessInfo>();
    const bool scratch = info == nullptr;
    if (scratch) {
        m_scratch_info.reset();
        info = &m_scratch_info;
        trans.set_extension(info);
    }
    info->arbitration_cycles += waited;
    info->hop_cycles += m_params.hop_cycles;
    info->target_index = route->port;
    const uint64_t arrival_ps = granted_ps + hop_ps;
    info->accepted_at_ps = arrival_ps;

    delay = sc_time::from_value(arrival_ps - now_ps);
    trans.set_address(global - route->base);
    out[route->port]->b_transport(trans, delay);
    trans.set_address(global);
    port.held.reserve(granted_ps, std::max(arrival_ps, info->accepted_at_ps) - granted_ps);
    if (scratch) trans.clear_extension(info);
}

// ---------------------------------------------------------------------------------------------
// AT: requests queue per target port; one SC_METHOD grants on clock edges when a port frees.

tlm::tlm_sync_enum Interconnect::nb_transport_fw(int initiator, tlm::tlm_generic_payload& trans,
                                                 tlm::tlm_phase& phase, sc_time& delay) {
    if (phase == tlm::BEGIN_REQ) {
        const uint64_t global = trans.get_address();
        const AddressRoute* route = decode(global);
        if (!route) {
            ++side(initiator).stats.unmapped;
            trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            if (AccessInfo* info = trans.get_extension<AccessInfo>())
                info->refusal = Refusal::Unmapped;
            return tlm::TLM_COMPLETED;
        }
        if (trans.has_mm()) trans.acquire();
        m_in_flight[&trans] = Route{initiator, route, global};
        if (delay == sc_core::SC_ZERO_TIME)
            on_event(trans, phase); // queue now; arbitration still waits a delta for its peers
        else
            m_peq.notify(trans, phase, delay);
        return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::END_RESP) {
        InitiatorSide& s = side(initiator);
        if (s.response_in_flight != &trans) {
            SC_REPORT_ERROR(name(), "END_RESP for a transaction with no response in flight");
            return tlm::TLM_COMPLETED;
        }
        s.response_in_flight = nullptr;
        finish(trans);
        send_next_response(initiator);
        return tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR(name(), "illegal phase on the forward path from an initiator");
    return tlm::TLM_COMPLETED;
}

tlm::tlm_sync_enum Interconnect::nb_transport_bw(int, tlm::tlm_generic_payload& trans,
                                                 tlm::tlm_phase& phase, sc_time& delay) {
    if (phase == tlm::END_REQ) {
        m_peq.notify(trans, phase, delay);
        return tlm::TLM_ACCEPTED;
    }
    if (phase == tlm::BEGIN_RESP) {
        // The interconnect takes every response at once and buffers it per initiator, so a
        // slow initiator never holds up a target.
        m_peq.notify(trans, phase, delay);
        return tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR(name(), "illegal phase on the backward path from a target");
    return tlm::TLM_COMPLETED;
}

void Interconnect::on_event(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
    if (phase == tlm::BEGIN_REQ) {
        const Route& r = m_in_flight.at(&trans);
        const sc_time now = sc_core::sc_time_stamp();
        const sc_time eligible = m_clock.edge_at_or_after(now);
        m_ports[r.route->port].waiting.push_back(Waiting{&trans, r.initiator, eligible});
        m_arbitrate_event.notify(eligible - now);
    } else if (phase == tlm::END_REQ) {
        accepted(trans);
    } else if (phase == tlm::BEGIN_RESP) {
        accepted(trans); // BEGIN_RESP implies END_REQ when the target skipped it
        respond(trans);
    }
}

void Interconnect::arbitrate() {
    const sc_time now = sc_core::sc_time_stamp();
    sc_time next_eligible = sc_core::SC_ZERO_TIME;
    bool more = false;
    for (Port& port : m_ports) {
        if (port.waiting.empty()) continue;
        if (!port.in_flight) {
            // At most one request per initiator waits at a port (END_REQ gates the next), so
            // the candidates sorted by initiator are unique; the policy wants them ascending.
            m_ready.clear();
            for (size_t i = 0; i < port.waiting.size(); ++i)
                if (port.waiting[i].eligible <= now) m_ready.push_back({port.waiting[i].initiator, i});
            if (!m_ready.empty()) {
                std::sort(m_ready.begin(), m_ready.end());
                m_ready_initiators.clear();
                for (const auto& [initiator, position] : m_ready) m_ready_initiators.push_back(initiator);
                grant(port, m_ready[port.arbiter->choose(m_ready_initiators)].second);
            }
        }
        // Whatever still waits for a later edge needs a wake-up then (a busy port wakes us
        // through END_REQ instead).
        for (const Waiting& w : port.waiting)
            if (w.eligible > now && (!more || w.eligible < next_eligible)) {
                next_eligible = w.eligible;
                more = true;
            }
    }
    if (more) m_arbitrate_event.notify(next_eligible - now);
}

void Interconnect::grant(Port& port, size_t waiting_index) {
    const Waiting w = port.waiting[waiting_index];
    port.waiting.erase(port.waiting.begin() + static_cast<std::ptrdiff_t>(waiting_index));
    port.in_flight = w.trans;
    const sc_time now = sc_core::sc_time_stamp();
    const Cycles waited = m_clock.to_cycles(now - w.eligible);
    record_contention(w.initiator, waited);
    const Route& r = m_in_flight.at(w.trans);
    if (AccessInfo* info = w.trans->get_extension<AccessInfo>()) {
        info->arbitration_cycles += waited;
        info->hop_cycles += m_params.hop_cycles;
        info->target_index = r.route->port;
    }
    w.trans->set_address(r.global_address - r.route->base);
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = m_clock.to_time(m_params.hop_cycles);
    const tlm::tlm_sync_enum reply = out[r.route->port]->nb_transport_fw(*w.trans, phase, delay);
    switch (reply) {
    case tlm::TLM_ACCEPTED: break; // END_REQ comes on the backward path
    case tlm::TLM_UPDATED:
        if (phase == tlm::END_REQ || phase == tlm::BEGIN_RESP)
            m_peq.notify(*w.trans, phase, delay);
        else
            SC_REPORT_ERROR(name(), "target answered BEGIN_REQ with an illegal phase");
        break;
    case tlm::TLM_COMPLETED: m_peq.notify(*w.trans, tlm::BEGIN_RESP, delay); break;
    }
}

void Interconnect::accepted(tlm::tlm_generic_payload& trans) {
    const Route& r = m_in_flight.at(&trans);
    Port& port = m_ports[r.route->port];
    if (port.in_flight != &trans) return; // already accepted
    port.in_flight = nullptr;
    tlm::tlm_phase phase = tlm::END_REQ;
    sc_time delay = sc_core::SC_ZERO_TIME;
    trans.set_address(r.global_address);
    in[r.initiator]->nb_transport_bw(trans, phase, delay);
    trans.set_address(r.global_address - r.route->base);
    m_arbitrate_event.notify(sc_core::SC_ZERO_TIME);
}

void Interconnect::respond(tlm::tlm_generic_payload& trans) {
    const Route& r = m_in_flight.at(&trans);
    trans.set_address(r.global_address);
    side(r.initiator).responses.push_back(&trans);
    send_next_response(r.initiator);
}

void Interconnect::send_next_response(int initiator) {
    InitiatorSide& s = side(initiator);
    while (!s.response_in_flight && !s.responses.empty()) {
        tlm::tlm_generic_payload* trans = s.responses.front();
        s.responses.pop_front();
        s.response_in_flight = trans;
        tlm::tlm_phase phase = tlm::BEGIN_RESP;
        sc_time delay = sc_core::SC_ZERO_TIME;
        const tlm::tlm_sync_enum reply = in[initiator]->nb_transport_bw(*trans, phase, delay);
        if (reply == tlm::TLM_ACCEPTED) return; // END_RESP will come on the forward path
        if (reply == tlm::TLM_UPDATED && phase != tlm::END_RESP) {
            SC_REPORT_ERROR(name(), "initiator answered BEGIN_RESP with an illegal phase");
            return;
        }
        s.response_in_flight = nullptr;
        finish(*trans);
    }
}

void Interconnect::finish(tlm::tlm_generic_payload& trans) {
    m_in_flight.erase(&trans);
    if (trans.has_mm()) trans.release();
}

// ---------------------------------------------------------------------------------------------
// DMI and debug: forwarded with address translation.

bool Interconnect::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t global = trans.get_address();
    const AddressRoute* route = decode(global);
    if (!route) {
        dmi.set_start_address(global);
        dmi.set_end_address(global);
        return false;
    }
    trans.set_address(global - route->base);
    const bool granted = out[route->port]->get_direct_mem_ptr(trans, dmi);
    trans.set_address(global);
    dmi.set_start_address(route->base + std::min<uint64_t>(dmi.get_start_address(), route->size - 1));
    dmi.set_end_address(route->base + std::min<uint64_t>(dmi.get_end_address(), route->size - 1));
    const sc_time hop = m_clock.to_time(m_params.hop_cycles);
    dmi.set_read_latency(dmi.get_read_latency() + hop);
    dmi.set_write_latency(dmi.get_write_latency() + hop);
    return granted;
}

unsigned int Interconnect::transport_dbg(int, tlm::tlm_generic_payload& trans) {
    const uint64_t global = trans.get_address();
    const AddressRoute* route = decode(global);
    if (!route) return 0;
    trans.set_address(global - route->base);
    const unsigned int count = out[route->port]->transport_dbg(trans);
    trans.set_address(global);
    return count;
}

void Interconnect::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (const AddressRoute& r : m_routes) {
        if (r.port != port || start >= r.size) continue;
        const uint64_t last = std::min<uint64_t>(end, r.size - 1);
        for (unsigned i = 0; i < in.size(); ++i)
            in[i]->invalidate_direct_mem_ptr(r.base + start, r.base + last);
    }
}

} // namespace emsim
