#pragma once
// `emsim bench memsys`: simulated transactions per second of wall time for the memory system in
// LT (with and without DMI) and AT, on one initiator and on two contending ones, against bare
// SystemC LT and AT loops measured in the same run.

#include <nlohmann/json.hpp>

#include <cstdint>

namespace emsim {

struct MemsysBenchOptions {
    uint64_t transactions = 400000; ///< per run (split across initiators when contended)
};

nlohmann::json bench_memsys(const MemsysBenchOptions& options = {});

} // namespace emsim
