#pragma once
// The trace writers: turn a RunRecord into the files of `emsim run --out DIR` and the short human
// summary on stdout. They own the file formats and nothing else: the record is filled by the
// runtime host, and whether the run passed (the exit status) is main's decision.
//
// Every output is a pure function of the record: no pointers, no wall-clock time, no unordered
// iteration, and numbers are printed from integers or rounded to a fixed number of decimals, so
// equal records give byte-identical files (the regression goldens depend on it).

#include "sim/run_record.h"

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace emsim {

/// Writes ops.csv, energy.csv, faults.jsonl, summary.json and trace.json into out_dir (created,
/// with its parents, if missing; existing files of those names are replaced). Throws
/// std::runtime_error naming the path if a file cannot be written.
void write_run_outputs(const RunRecord& record, const std::string& out_dir);

/// The human summary for stdout: op latency table, energy per bank, faults, expectations.
void print_run_summary(const RunRecord& record, std::ostream& out);

// The pieces below are public so the tests (and later writers) can use them directly.

/// Latency statistics of one op kind. Percentiles are nearest-rank: pN is the smallest sample
/// such that at least N % of the samples are <= it (sorted[ceil(N/100 * count) - 1]), so it is
/// always an observed latency and needs no interpolation.
struct LatencyStats {
    uint64_t count = 0;
    uint64_t min_cycles = 0;
    double mean_cycles = 0; ///< rounded to 6 decimals
    uint64_t p50_cycles = 0;
    uint64_t p99_cycles = 0;
    uint64_t max_cycles = 0;
};

/// Statistics of the given samples (in any order); all zero when empty.
LatencyStats latency_stats(std::vector<uint64_t> samples);

/// Nearest-rank percentile of sorted samples, percent in 1..100; 0 when empty.
uint64_t nearest_rank(const std::vector<uint64_t>& sorted, unsigned percent);

/// Latency statistics per op kind ("alloc", "free", ...), over every op of that kind whatever
/// its result: a failed allocation costs the caller time too.
std::map<std::string, LatencyStats> latency_by_op(const RunRecord& record);

/// An unsigned integer divided by 10^shift_digits, printed with exactly `decimals` decimals,
/// rounded half up, using integer arithmetic only: fixed_decimal(1234567, 3, 3) == "1234.567".
std::string fixed_decimal(uint64_t value, unsigned shift_digits, unsigned decimals);

/// Femtojoules as picojoules with 3 decimals (exact).
inline std::string fj_to_pj_text(uint64_t fj) {
    return fixed_decimal(fj, 3, 3);
}

/// The counter value trace.json gives a bank power state: active 3, standby 2, retention 1,
/// off 0, transition 0.5 (between levels, so a change is visible as a step through it), and -1
/// for a name the writer does not know (which would be a host bug).
double power_state_level(const std::string& state);

} // namespace emsim
