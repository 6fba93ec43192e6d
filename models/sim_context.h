#pragma once
// Owns the SystemC kernel context: SystemC elaborates once per context, so anything that builds
// several platforms in one process (tests, benchmarks, sweeps) starts each with a fresh one.

namespace emsim {

/// Replaces the current simulation context with a new, empty one. The old context is abandoned,
/// not destroyed (SystemC 2.3 cannot tear one down safely); call it between runs, never during.
void fresh_simulation_context();

} // namespace emsim
