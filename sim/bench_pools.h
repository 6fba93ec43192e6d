#pragma once
// The pool part of `emsim bench runtime --json`: per-operation metadata accesses and algorithm
// steps of FixedPool and TieredPool on random workloads, native throughput, fill efficiency, and
// the same figures on 16 KiB / 64 KiB / 1 MiB arenas to show the maxima do not depend on size.
// Owns the workloads and the figures; the CLI and the JSON envelope belong to the caller.

#include <nlohmann/json.hpp>

namespace emsim {

/// Runs both pool benchmarks (deterministic except `ops_per_s`) and returns the FixedPool figures
/// at the top level (the caller stores them as "pool", so `pool.alloc.max_accesses` etc. line up
/// with `tlsf.*`) and the TieredPool figures under "tiered":
/// {
///   "workload": {...},              // FixedPool, 64 B blocks: seed, operations, alloc probability
///   "alloc": {count, failed, max_accesses, mean_accesses, max_steps, mean_steps,
///             bound_accesses},      // bound = the structural constant from fixed_pool.h
///   "free":  {same},                // 64 KiB arena (control + blocks), CountingMemory
///   "ops_per_s",                    // native, DirectMemory, same operation sequence
///   "efficiency", "efficiency_definition",
///   "arenas": {"16384": {alloc, free}, "65536": {...}, "1048576": {...}},
///   "tiered": {                     // TieredPool, 16..1024 B uniform requests, o1heap-like mix
///     ... the same fields, plus "config" (classes per arena) and "tiers" (per-tier counters)
///   }
/// }
nlohmann::json bench_pools();

} // namespace emsim
