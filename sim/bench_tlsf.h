#pragma once
// The TLSF part of `emsim bench runtime --json`: per-operation metadata accesses and algorithm
// steps on an o1heap-like random workload, native throughput, and heap efficiency. Owns the
// workload and the figures; the CLI and the JSON envelope belong to the caller.

#include <nlohmann/json.hpp>

namespace emsim {

/// Runs the TLSF benchmark (deterministic except `ops_per_s`) and returns
/// {
///   "workload": {...},                 // sizes, seed, operation count, live-block cap
///   "params": {...}, "control_bytes",  // TlsfParams used for every figure below
///   "alloc": {max_accesses, mean_accesses, max_steps, mean_steps, count, failed,
///             bound_accesses, bound_steps},
///   "free":  {same},                   // 64 KiB arena, CountingMemory
///   "ops_per_s", "ops_per_s_policy",   // native, DirectMemory
///   "efficiency", "efficiency_min", "efficiency_definition", "efficiency_occupied",
///   "efficiency_by_params": [...],     // the same fill with control structures sized for 64 KiB
///   "arenas": {"16384": {alloc, free}, "65536": {...}, "1048576": {...}}
/// }
nlohmann::json bench_tlsf();

} // namespace emsim
