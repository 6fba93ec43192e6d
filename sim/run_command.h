#pragma once
// `emsim run SCENARIO [--out DIR] [--mode lt|at] [--seed N] [--set key=value ...]`: assembles
// the platform, the DMA engines and the runtime host for a scenario, simulates it, writes the
// traces and prints the summary. Exit status: 0 all expectations passed, 1 one failed, 2 bad
// input (ConfigError, thrown to main).

#include <ostream>
#include <string>
#include <vector>

namespace emsim {

struct RunOptions {
    std::string scenario_file;
    std::string out_dir;            ///< empty: out/<scenario name>
    std::string mode;               ///< empty: the scenario's
    std::string seed;               ///< empty: the scenario's
    std::vector<std::string> overrides;
    bool quiet = false;             ///< no summary on stdout
};

int run_scenario(const RunOptions& options, std::ostream& out);

} // namespace emsim
