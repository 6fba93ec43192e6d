#pragma once
// `emsim bench power`: the duty-cycled IoT scenario (scenarios/iot_duty_cycle.yaml, nRF52840-like
// preset) run under each power policy of its power_aware heap, reporting total and leakage
// energy and the allocation latency percentiles (wake penalties included, as the ops record
// them), and whether pack_retention meets issue 6's target against none.

#include <nlohmann/json.hpp>

#include <string>

namespace emsim {

struct PowerBenchOptions {
    std::string scenario_file;     ///< default: the source tree's scenarios/iot_duty_cycle.yaml
    std::string heap = "heap";     ///< the power_aware allocator whose policy is varied
};

/// The default scenario file (compiled in from the source tree).
std::string default_power_bench_scenario();

nlohmann::json bench_power(const PowerBenchOptions& options);

} // namespace emsim
