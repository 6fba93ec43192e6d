#include "models/dma_engine.h"

#include <algorithm>

namespace emsim {

using sc_core::sc_time;

DmaEngine::DmaEngine(sc_core::sc_module_name name, TimingMode mode, const Clock& clock,
                     const TrafficPattern& pattern, uint64_t seed)
    : sc_module(name), m_port("out", mode, clock), out(m_port.socket), m_clock(clock),
      m_pattern(pattern) {
    // One pass over the window (at least one burst per slot for sequential patterns).
    TrafficPattern pass = pattern;
    pass.start_cycle = 0;
    pass.count = std::max<uint64_t>(1, pattern.size_bytes / std::max<uint32_t>(1, pattern.burst_bytes));
    m_requests = make_traffic(pass, seed);
    m_buffer.assign(std::max<uint32_t>(4, pattern.burst_bytes), 0xd5);
    SC_THREAD(run);
}

void DmaEngine::start(uint64_t count, const sc_time& offset) {
    if (m_running) return;
    m_running = true;
    m_stop_requested = false;
    m_remaining = count;
    m_start_event.notify(offset);
}

void DmaEngine::stop(const sc_time& offset) {
    if (!m_running) return;
    m_stop_requested = true;
    m_stop_at = sc_core::sc_time_stamp() + offset;
}

void DmaEngine::run() {
    for (;;) {
        wait(m_start_event);
        const uint64_t span_start = m_clock.to_cycles(m_port.now());
        sc_time next_issue = m_port.now();
        const bool bounded = m_remaining != 0;
        while (!(bounded && m_remaining == 0)) {
            if (next_issue > m_port.now()) m_port.advance(next_issue - m_port.now());
            if (m_stop_requested && m_port.now() >= m_stop_at) break;
            issue(m_requests[m_next % m_requests.size()]);
            ++m_next;
            if (bounded) --m_remaining;
            if (m_pattern.kind == TrafficPatternKind::FixedRate)
                next_issue += m_clock.to_time(std::max<Cycles>(1, m_pattern.period_cycles));
            else
                next_issue = m_port.now();
        }
        m_port.sync();
        m_running = false;
        m_spans.emplace_back(span_start, m_clock.to_cycles(sc_core::sc_time_stamp()));
    }
}

void DmaEngine::issue(const TrafficRequest& request) {
    tlm::tlm_generic_payload& trans = m_payloads.allocate();
    prepare_access(trans, request.write, request.address, m_buffer.data(), request.length_bytes);
    const sc_time issued = m_port.now();
    m_active = true;
    m_port.transport(trans);
    m_active = false;
    ++m_stats.bursts;
    if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) ++m_stats.errors;
    m_stats.latency_cycles += m_clock.to_cycles(m_port.now() - issued);
    trans.release();
}

} // namespace emsim
