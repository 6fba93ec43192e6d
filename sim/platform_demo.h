#pragma once
// `emsim platform FILE`: a short, fixed workload on a platform (a CPU-like random stream over
// every bank and a DMA-like sequential stream into the first), then a readable summary: per-bank
// accesses, waits, time per power state and energy; per-initiator latency and contention.
// It is the first look at a platform file before scenarios drive the runtime on it.

#include "models/traffic_generator.h"
#include "sim/platform_config.h"

#include <ostream>

namespace emsim {

struct PlatformDemoOptions {
    TimingMode mode = TimingMode::At;
    uint64_t cpu_transactions = 20000;
    uint64_t dma_transactions = 5000;
    uint64_t seed = 1;
};

/// Runs the workload and prints the summary to `out`. Returns the number of error responses.
uint64_t run_platform_demo(const PlatformConfig& config, const PlatformDemoOptions& options,
                           std::ostream& out);

} // namespace emsim
