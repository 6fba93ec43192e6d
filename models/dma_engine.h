#pragma once
// DmaEngine owns a second initiator that a scenario starts and stops: while running it issues the
// bursts of a TrafficPattern (one outstanding, LT or AT like TrafficGenerator) and records the
// spans during which it was active. It creates contention for the runtime host; it owns no data
// semantics (the bytes it writes are a pattern).

#include "models/access_info.h"
#include "models/blocking_initiator.h"
#include "models/clock.h"
#include "models/payload_pool.h"
#include "models/traffic_generator.h"

#include <systemc>
#include <tlm>

#include <cstdint>
#include <utility>
#include <vector>

namespace emsim {

struct DmaEngineStats {
    uint64_t bursts = 0;
    uint64_t errors = 0;          ///< bursts answered with an error response
    uint64_t latency_cycles = 0;  ///< summed issue-to-completion
};

class DmaEngine : public sc_core::sc_module {
    BlockingInitiator m_port; // first: `out` refers to its socket

public:
    tlm::tlm_initiator_socket<>& out; ///< bind to the interconnect

    SC_HAS_PROCESS(DmaEngine);
    /// `pattern.count` is ignored: start() says how many bursts.
    DmaEngine(sc_core::sc_module_name name, TimingMode mode, const Clock& clock,
              const TrafficPattern& pattern, uint64_t seed);

    /// Starts at kernel time + offset: `count` bursts, or until stop() when 0. Ignored while
    /// running. Call from a process whose local time is synchronised (BlockingInitiator::sync).
    void start(uint64_t count, const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME);
    /// Stops before the first burst that would issue at or after kernel time + offset.
    void stop(const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME);

    bool running() const { return m_running; }
    const DmaEngineStats& stats() const { return m_stats; }
    /// [start_cycle, end_cycle) of each active span, in order.
    const std::vector<std::pair<uint64_t, uint64_t>>& spans() const { return m_spans; }
    /// 1 while a burst is in flight: traced in the VCD as the DMA's activity.
    const bool& traced_active() const { return m_active; }

private:
    void run();
    void issue(const TrafficRequest& request);

    const Clock m_clock;
    TrafficPattern m_pattern;
    std::vector<TrafficRequest> m_requests; ///< one pass over the pattern, replayed cyclically
    uint64_t m_next = 0;
    uint64_t m_remaining = 0;   ///< 0 = until stop()
    bool m_running = false;
    bool m_stop_requested = false;
    sc_core::sc_time m_stop_at;
    sc_core::sc_event m_start_event;
    bool m_active = false;
    std::vector<uint8_t> m_buffer;
    PayloadPool m_payloads;
    DmaEngineStats m_stats;
    std::vector<std::pair<uint64_t, uint64_t>> m_spans;
};

} // namespace emsim
