#pragma once
// `emsim bench host`: TLSF alloc/free pairs per second of wall time with the runtime hosted on
// the simulated memory system (LT and AT), against the same runtime native with the counting
// policy, measured in the same run.

#include <nlohmann/json.hpp>

#include <cstdint>

namespace emsim {

struct HostBenchOptions {
    uint64_t hosted_pairs = 20000;
    uint64_t native_pairs = 1000000;
};

nlohmann::json bench_host(const HostBenchOptions& options = {});

} // namespace emsim
