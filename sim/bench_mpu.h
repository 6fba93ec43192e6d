#pragma once
// `emsim bench mpu`: what memory protection costs, for PMSAv7 (8 regions, a Cortex-M3/M4) and
// PMSAv8 (8 regions, a Cortex-M33):
//  - switch_cycles: simulated cycles of the runtime's switch_domain between two domains of 6
//    regions each, run as scenario steps on the runtime host (the isolation manager's compute,
//    charged per the cpu section, plus its timed register stores through the MPU model, at
//    register_cycles = 1); switch_bus_cycles: the register stores alone (rt::apply on a bare core),
//
//  - plan_waste / naive_waste: bytes the MPU grants beyond what was asked, summed over a standard
//    set of 20 partitions from a firmware memory map (STANDARD_PARTITIONS in bench_mpu.cpp, with
//    where each size comes from), planned by the runtime's MpuPlanner versus each partition
//    rounded up to one power-of-two region; target plan/naive <= 0.25,
//  - lt_mpu_ratio: LT transactions per second of CPU time through the MPU (enabled, the 6
//    regions of a domain plus one over the traffic's bank) divided by the same traffic without
//    an MPU, measured in one run (best of interleaved repetitions); target >= 0.8.

#include <nlohmann/json.hpp>

#include <cstdint>

namespace emsim {

struct MpuBenchOptions {
    uint64_t transactions = 400000; ///< per LT run
    uint32_t repetitions = 5;       ///< LT runs per side, interleaved; the ratio uses the best
    uint32_t switches = 1000;       ///< domain switches simulated (alternating A, B)
};

nlohmann::json bench_mpu(const MpuBenchOptions& options = {});

} // namespace emsim
