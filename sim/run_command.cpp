#include "sim/run_command.h"

#include "models/dma_engine.h"
#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"
#include "sim/trace_writers.h"

#include <systemc>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace emsim {

namespace {

/// SystemC writes the wall-clock date into a VCD header; replace it so equal runs give equal
/// files.
void make_vcd_deterministic(const std::string& path) {
    std::ifstream in(path);
    if (!in) return;
    std::stringstream text;
    text << in.rdbuf();
    std::string vcd = text.str();
    const size_t date = vcd.find("$date");
    const size_t end = date == std::string::npos ? date : vcd.find("$end", date);
    if (date != std::string::npos && end != std::string::npos)
        vcd.replace(date, end - date, "$date\n    (emsim: no wall-clock date, for reproducible traces)\n");
    std::ofstream(path, std::ios::trunc) << vcd;
}

TrafficPattern pattern_of(const DmaSpec& spec) {
    TrafficPattern p;
    p.kind = spec.pattern;
    p.base = spec.base;
    p.size_bytes = spec.size_bytes;
    p.burst_bytes = spec.burst_bytes;
    p.period_cycles = spec.period_cycles;
    p.write_percent = spec.write_percent;
    return p;
}

} // namespace

int run_scenario(const RunOptions& options, std::ostream& out) {
    std::vector<std::string> overrides = options.overrides;
    if (!options.seed.empty()) overrides.push_back("seed=" + options.seed);
    if (!options.mode.empty()) overrides.push_back("mode=" + options.mode);
    const Scenario scenario = load_scenario(options.scenario_file, overrides);
    const std::string out_dir =
        options.out_dir.empty() ? "out/" + scenario.name : options.out_dir;
    std::filesystem::create_directories(out_dir);

    Platform platform(scenario.platform);
    std::vector<std::unique_ptr<DmaEngine>> engines;
    std::map<std::string, DmaEngine*> by_name;
    for (size_t i = 0; i < scenario.dma.size(); ++i) {
        const DmaSpec& spec = scenario.dma[i];
        engines.push_back(std::make_unique<DmaEngine>(("dma_" + spec.name).c_str(), scenario.mode,
                                                      scenario.platform.clock, pattern_of(spec),
                                                      scenario.seed + 1 + i));
        engines.back()->out.bind(platform.bus().in);
        by_name[spec.name] = engines.back().get();
    }
    RuntimeHost host("runtime", scenario, platform, scenario.mode, by_name);
    platform.bind_core(host.out);

    sc_core::sc_trace_file* vcd = sc_core::sc_create_vcd_trace_file((out_dir + "/trace").c_str());
    vcd->set_time_unit(1, sc_core::SC_PS);
    for (const auto& bank : platform.banks()) {
        sc_core::sc_trace(vcd, bank->traced_state(), std::string(bank->basename()) + ".power_state");
        sc_core::sc_trace(vcd, bank->traced_accesses(), std::string(bank->basename()) + ".accesses");
    }
    sc_core::sc_trace(vcd, host.traced_busy(), "runtime.busy");
    for (const auto& engine : engines)
        sc_core::sc_trace(vcd, engine->traced_active(), std::string(engine->basename()) + ".active");

    sc_core::sc_start();
    sc_core::sc_close_vcd_trace_file(vcd);
    make_vcd_deterministic(out_dir + "/trace.vcd");

    const RunRecord& record = host.record();
    write_run_outputs(record, out_dir);
    if (!options.quiet) {
        print_run_summary(record, out);
        out << "outputs in " << out_dir << "/ (ops.csv, energy.csv, faults.jsonl, summary.json, "
            << "trace.vcd, trace.json)\n";
    }
    for (const ExpectationResult& e : record.expectations)
        if (!e.passed)
            std::cerr << scenario.file << ":" << e.line << ": expectation failed: " << e.what
                      << " (" << e.detail << ")\n";
    return host.failed_expectations() == 0 ? 0 : 1;
}

} // namespace emsim
