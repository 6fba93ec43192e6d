#pragma once
// TrafficGenerator owns an initiator that replays a list of requests in LT (with a quantum
// keeper, optionally through DMI) or AT (4-phase base protocol), one outstanding transaction at a
// time, and records when each one was issued and completed. It is the DMA/traffic initiator of a
// platform and the stimulus of tests and benchmarks. Patterns (sequential, random, fixed rate)
// are made by make_traffic(); the generator only replays.

#include "models/access_info.h"
#include "models/blocking_initiator.h"
#include "models/clock.h"
#include "models/payload_pool.h"
#include "models/units.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace emsim {

struct TrafficRequest {
    uint64_t address = 0;
    bool write = false;
    uint32_t length_bytes = 4;
    Cycles not_before_cycle = 0; ///< earliest issue; a later previous completion delays it
};

enum class TrafficPatternKind { Sequential, Random, FixedRate };

constexpr EnumName<TrafficPatternKind> TRAFFIC_PATTERN_NAMES[] = {
    {TrafficPatternKind::Sequential, "sequential"},
    {TrafficPatternKind::Random, "random"},
    {TrafficPatternKind::FixedRate, "fixed_rate"},
};

/// A stream over [base, base + size_bytes): Sequential walks it in bursts of `burst_bytes`
/// (wrapping), Random picks aligned bursts uniformly, FixedRate walks it like Sequential but
/// issues one burst every `period_cycles`. `write_percent` of the bursts are writes.
struct TrafficPattern {
    TrafficPatternKind kind = TrafficPatternKind::Sequential;
    uint64_t base = 0;
    uint64_t size_bytes = 4096;
    uint32_t burst_bytes = 4;
    uint64_t count = 1000;
    uint32_t write_percent = 50;
    Cycles period_cycles = 0;   ///< FixedRate only
    Cycles start_cycle = 0;     ///< first request's earliest issue
};

std::vector<TrafficRequest> make_traffic(const TrafficPattern& pattern, uint64_t seed);

struct TrafficRecord {
    Cycles issue_cycle = 0;
    Cycles end_cycle = 0;
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    AccessInfo info; ///< the models' breakdown (empty through DMI)
    bool via_dmi = false;
};

struct TrafficGeneratorParams {
    TimingMode mode = TimingMode::Lt;
    Cycles quantum_cycles = 1000; ///< LT temporal decoupling: sync at least this often
    bool keep_records = true;     ///< false for benchmarks: count only
};

class TrafficGenerator : public sc_core::sc_module {
    BlockingInitiator m_port; // first: `out` refers to its socket

public:
    tlm::tlm_initiator_socket<>& out; ///< bind to the interconnect

    SC_HAS_PROCESS(TrafficGenerator);
    TrafficGenerator(sc_core::sc_module_name name, const TrafficGeneratorParams& params,
                     const Clock& clock, std::vector<TrafficRequest> requests);

    const std::vector<TrafficRecord>& records() const { return m_records; }
    uint64_t completed() const { return m_completed; }
    uint64_t errors() const { return m_errors; }
    bool done() const { return m_done; }
    /// Cycle at which the last transaction completed.
    Cycles end_cycle() const { return m_end_cycle; }
    const sc_core::sc_event& done_event() const { return m_done_event; }

private:
    void run();
    void prepare(tlm::tlm_generic_payload& trans, const TrafficRequest& request);
    void record(const TrafficRequest& request, const tlm::tlm_generic_payload& trans,
                const sc_core::sc_time& issued, const sc_core::sc_time& ended, bool via_dmi);
    bool try_dmi(const TrafficRequest& request);

    void invalidate_direct_mem_ptr(uint64_t start, uint64_t end);

    struct DmiRegion {
        tlm::tlm_dmi dmi;
        uint64_t read_words = 0;
        uint64_t write_words = 0;
    };
    void report_dmi_usage(uint64_t start, DmiRegion& region);

    const TrafficGeneratorParams m_params;
    const Clock m_clock;
    const std::vector<TrafficRequest> m_requests;
    std::vector<TrafficRecord> m_records;
    std::vector<uint8_t> m_buffer;
    PayloadPool m_payloads;
    std::map<uint64_t, DmiRegion> m_dmi; ///< keyed by start address
    uint64_t m_completed = 0;
    uint64_t m_errors = 0;
    Cycles m_end_cycle = 0;
    bool m_done = false;
    sc_core::sc_event m_done_event;
};

} // namespace emsim
