#include "models/traffic_generator.h"

#include "models/blocking_initiator.h"
#include "models/random.h"

#include <algorithm>
#include <cstring>

namespace emsim {

using sc_core::sc_time;

std::vector<TrafficRequest> make_traffic(const TrafficPattern& p, uint64_t seed) {
    std::vector<TrafficRequest> out;
    out.reserve(p.count);
    SplitMix64 rng(seed);
    const uint64_t bursts = std::max<uint64_t>(1, p.size_bytes / std::max<uint32_t>(1, p.burst_bytes));
    for (uint64_t i = 0; i < p.count; ++i) {
        TrafficRequest r;
        r.length_bytes = p.burst_bytes;
        const uint64_t slot = p.kind == TrafficPatternKind::Random ? rng.uniform(0, bursts - 1)
                                                                   : i % bursts;
        r.address = p.base + slot * p.burst_bytes;
        r.write = rng.chance(p.write_percent, 100);
        r.not_before_cycle =
            p.start_cycle + (p.kind == TrafficPatternKind::FixedRate ? i * p.period_cycles : 0);
        out.push_back(r);
    }
    return out;
}

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name,
                                   const TrafficGeneratorParams& params, const Clock& clock,
                                   std::vector<TrafficRequest> requests)
    : sc_module(name), m_port("out", params.mode, clock), out(m_port.socket), m_params(params), m_clock(clock), m_requests(std::move(requests)) {
    m_port.on_invalidate = [this](uint64_t start, uint64_t end) {
        invalidate_direct_mem_ptr(start, end);
    };
    uint32_t longest = 4;
    for (const TrafficRequest& r : m_requests) longest = std::max(longest, r.length_bytes);
    m_buffer.assign(longest, 0);
    if (m_params.keep_records) m_records.reserve(m_requests.size());
    // The global quantum is one per simulation; every initiator of a platform shares the value.
    tlm_utils::tlm_quantumkeeper::set_global_quantum(clock.to_time(params.quantum_cycles));
    SC_THREAD(run);
}

void TrafficGenerator::prepare(tlm::tlm_generic_payload& trans, const TrafficRequest& request) {
    prepare_access(trans, request.write, request.address, m_buffer.data(), request.length_bytes);
    if (request.write)
        for (uint32_t i = 0; i < request.length_bytes; ++i)
            m_buffer[i] = static_cast<uint8_t>(request.address + i);
    AccessInfo* info = trans.get_extension<AccessInfo>();
    if (!info) {
        info = new AccessInfo; // owned by the payload from here on
        trans.set_extension(info);
    }
    info->reset();
}

void TrafficGenerator::record(const TrafficRequest&, const tlm::tlm_generic_payload& trans,
                              const sc_time& issued, const sc_time& ended, bool via_dmi) {
    ++m_completed;
    if (trans.get_response_status() != tlm::TLM_OK_RESPONSE) ++m_errors;
    m_end_cycle = m_clock.to_cycles(ended);
    if (!m_params.keep_records) return;
    TrafficRecord rec;
    rec.issue_cycle = m_clock.to_cycles(issued);
    rec.end_cycle = m_end_cycle;
    rec.status = trans.get_response_status();
    rec.via_dmi = via_dmi;
    if (const AccessInfo* info = trans.get_extension<AccessInfo>()) rec.info = *info;
    m_records.push_back(rec);
}

void TrafficGenerator::run() {
    for (const TrafficRequest& request : m_requests) {
        const sc_time not_before = m_clock.to_time(request.not_before_cycle);
        if (not_before > m_port.now()) m_port.advance(not_before - m_port.now());
        const sc_time issued = m_port.now();
        tlm::tlm_generic_payload& trans = m_payloads.allocate();
        bool via_dmi = false;
        if (m_params.mode == TimingMode::LtDmi && try_dmi(request)) {
            via_dmi = true;
            trans.set_response_status(tlm::TLM_OK_RESPONSE);
        } else {
            prepare(trans, request);
            m_port.transport(trans);
            if (m_params.mode == TimingMode::LtDmi && trans.is_dmi_allowed() &&
                trans.get_response_status() == tlm::TLM_OK_RESPONSE) {
                DmiRegion region;
                if (out->get_direct_mem_ptr(trans, region.dmi))
                    m_dmi[region.dmi.get_start_address()] = region;
            }
        }
        record(request, trans, issued, m_port.now(), via_dmi);
        trans.release();
    }
    for (auto& [start, region] : m_dmi) report_dmi_usage(start, region);
    m_port.sync();
    m_done = true;
    m_done_event.notify(sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------------------------------------
// LT + DMI

bool TrafficGenerator::try_dmi(const TrafficRequest& request) {
    auto it = m_dmi.upper_bound(request.address);
    if (it == m_dmi.begin()) return false;
    --it;
    DmiRegion& region = it->second;
    const uint64_t last = request.address + request.length_bytes - 1;
    if (request.address < region.dmi.get_start_address() || last > region.dmi.get_end_address())
        return false;
    if (request.write ? !region.dmi.is_write_allowed() : !region.dmi.is_read_allowed())
        return false;
    uint8_t* memory = region.dmi.get_dmi_ptr() + (request.address - region.dmi.get_start_address());
    const uint64_t words = (request.address % 4 + request.length_bytes + 3) / 4;
    if (request.write) {
        for (uint32_t i = 0; i < request.length_bytes; ++i)
            m_buffer[i] = static_cast<uint8_t>(request.address + i);
        std::memcpy(memory, m_buffer.data(), request.length_bytes);
        region.write_words += words;
        m_port.advance(region.dmi.get_write_latency() * static_cast<double>(words));
    } else {
        std::memcpy(m_buffer.data(), memory, request.length_bytes);
        region.read_words += words;
        m_port.advance(region.dmi.get_read_latency() * static_cast<double>(words));
    }
    return true;
}

void TrafficGenerator::report_dmi_usage(uint64_t start, DmiRegion& region) {
    // DMI skipped the banks' transport path; hand them the counts so their ledgers stay exact.
    m_port.report_dmi_usage(start, region.read_words, region.write_words);
    region.read_words = region.write_words = 0;
}

void TrafficGenerator::invalidate_direct_mem_ptr(uint64_t start, uint64_t end) {
    for (auto it = m_dmi.begin(); it != m_dmi.end();) {
        const tlm::tlm_dmi& dmi = it->second.dmi;
        if (dmi.get_end_address() < start || dmi.get_start_address() > end) {
            ++it;
            continue;
        }
        report_dmi_usage(it->first, it->second); // the counts outlive the region
        it = m_dmi.erase(it);
    }
}

} // namespace emsim
