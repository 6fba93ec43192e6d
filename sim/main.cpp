// The emsim command line. Subcommands:
//   emsim run SCENARIO [--out DIR] [--mode lt|at] [--seed N] [--set key=value ...]
//   emsim platform FILE [--mode lt|lt_dmi|at] [--seed N] [--set key=value ...]
//   emsim bench memsys [--json]
//   emsim bench runtime [--json]
//   emsim bench host [--json]
//   emsim bench power [--json] [--scenario FILE]
//   emsim bench mpu [--json]
// Exit status: 0 success, 1 a run or expectation failed, 2 bad input (platform, scenario, CLI).
#include "sim/bench_host.h"
#include "sim/bench_memsys.h"
#include "sim/bench_mpu.h"
#include "sim/bench_pools.h"
#include "sim/bench_power.h"
#include "sim/bench_tlsf.h"
#include "sim/config_error.h"
#include "sim/platform_config.h"
#include "sim/platform_demo.h"
#include "sim/run_command.h"

#include <boost/program_options.hpp>
#include <systemc>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

/// Parses a subcommand's `args`: `options` plus one positional word into `positional`. Returns
/// true to go on; false after printing `usage` and the options (for --help, exit 0; for a
/// missing positional, exit 2), with the status in `exit_status`.
bool parse_subcommand(const std::vector<std::string>& args, const po::options_description& options,
                      std::string& positional, const std::string& usage, int& exit_status) {
    po::options_description hidden;
    hidden.add_options()("positional", po::value<std::string>(&positional));
    po::positional_options_description order;
    order.add("positional", 1);
    po::options_description all;
    all.add(options).add(hidden);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(order).run(), vm);
    po::notify(vm);
    if (!vm.count("help") && !positional.empty()) return true;
    std::cout << usage << options;
    exit_status = vm.count("help") ? 0 : 2;
    return false;
}

int run_run(const std::vector<std::string>& args) {
    po::options_description options("emsim run SCENARIO options");
    emsim::RunOptions run;
    options.add_options()("help,h", "show this help")(
        "out", po::value<std::string>(&run.out_dir),
        "output folder (default out/<scenario name>)")(
        "mode", po::value<std::string>(&run.mode), "timing style: lt, lt_dmi (fast, no contention) or at (default: the scenario's)")(
        "seed", po::value<std::string>(&run.seed), "random seed (default: the scenario's)")(
        "set", po::value<std::vector<std::string>>(&run.overrides)->composing(),
        "override a parameter by path, repeatable: seed=7, allocators[heap].size=4096, "
        "steps[3].alloc.size=64, platform.banks[0].read_cycles=2")(
        "quiet,q", po::bool_switch(&run.quiet), "no summary on stdout");
    int status = 0;
    if (!parse_subcommand(args, options, run.scenario_file,
                          "usage: emsim run SCENARIO [options]\n"
                          "writes ops.csv, energy.csv, faults.jsonl, summary.json, trace.vcd and "
                          "trace.json;\nexit status 0 when every expectation holds, 1 when one "
                          "fails, 2 on bad input\n",
                          status))
        return status;
    return emsim::run_scenario(run, std::cout);
}

int run_platform(const std::vector<std::string>& args) {
    po::options_description options("emsim platform FILE options");
    std::string mode_name = "at";
    emsim::PlatformDemoOptions demo;
    std::vector<std::string> overrides;
    options.add_options()("help,h", "show this help")(
        "mode", po::value<std::string>(&mode_name)->default_value("at"),
        "timing style: lt, lt_dmi or at (the cycle reference)")(
        "seed", po::value<uint64_t>(&demo.seed)->default_value(1), "traffic seed")(
        "set", po::value<std::vector<std::string>>(&overrides)->composing(),
        "override a platform parameter by path, e.g. banks[0].read_cycles=2 (repeatable)");
    std::string file;
    int status = 0;
    if (!parse_subcommand(args, options, file, "usage: emsim platform FILE [options]\n", status))
        return status;
    const auto mode = emsim::parse_enum(emsim::TIMING_MODE_NAMES, mode_name);
    if (!mode)
        throw emsim::ConfigError("command line", 0, 0,
                                 "--mode: expected " + emsim::enum_choices(emsim::TIMING_MODE_NAMES) +
                                     ", got '" + mode_name + "'");
    demo.mode = *mode;
    const emsim::PlatformConfig config = emsim::load_platform(file, overrides);
    return emsim::run_platform_demo(config, demo, std::cout) == 0 ? 0 : 1;
}

int run_bench(const std::vector<std::string>& args) {
    po::options_description options("emsim bench {memsys|runtime|host|power|mpu} options");
    bool json = false;
    uint64_t transactions = 400000;
    std::string power_scenario = emsim::default_power_bench_scenario();
    options.add_options()("help,h", "show this help")("json", po::bool_switch(&json),
                                                      "print one JSON object (the default too)")(
        "transactions", po::value<uint64_t>(&transactions)->default_value(400000),
        "memsys, mpu: simulated transactions per run")(
        "scenario", po::value<std::string>(&power_scenario),
        "power: the scenario run under each policy (default: the source tree's "
        "scenarios/iot_duty_cycle.yaml)");
    std::string which;
    int status = 0;
    if (!parse_subcommand(args, options, which, "usage: emsim bench {memsys|runtime|host|power|mpu} [--json]\n",
                          status))
        return status;
    if (which == "power") {
        emsim::PowerBenchOptions o;
        o.scenario_file = power_scenario;
        std::cout << emsim::bench_power(o).dump(2) << "\n";
        return 0;
    }
    (void)json; // JSON is the only output format; the flag documents intent in scripts
    if (which == "runtime") {
        nlohmann::json out;
        out["tlsf"] = emsim::bench_tlsf();
        out["pool"] = emsim::bench_pools();
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    if (which == "host") {
        std::cout << emsim::bench_host().dump(2) << "\n";
        return 0;
    }
    if (which == "memsys") {
        emsim::MemsysBenchOptions o;
        o.transactions = transactions;
        std::cout << emsim::bench_memsys(o).dump(2) << "\n";
        return 0;
    }
    if (which == "mpu") {
        emsim::MpuBenchOptions o;
        o.transactions = transactions;
        std::cout << emsim::bench_mpu(o).dump(2) << "\n";
        return 0;
    }
    throw emsim::ConfigError("command line", 0, 0,
                             "bench: expected memsys, runtime, host, power or mpu, got '" + which + "'");
}

} // namespace

int sc_main(int argc, char* argv[]) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // Kernel chatter ("simulation stopped by user", trace timescale) is not for the user.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h") {
            std::cout << "usage: emsim <command> [options]\n"
                         "commands:\n"
                         "  run SCENARIO [options]          run a scenario, write its traces\n"
                         "  platform FILE [options]         run a short workload on a platform\n"
                         "  bench memsys|runtime|host|power|mpu  benchmarks, JSON on stdout\n";
            return args.empty() ? 2 : 0;
        }
        const std::string command = args[0];
        args.erase(args.begin());
        if (command == "run") return run_run(args);
        if (command == "platform") return run_platform(args);
        if (command == "bench") return run_bench(args);
        throw emsim::ConfigError("command line", 0, 0,
                                 "expected a command (run, platform or bench), got '" + command + "'");
    } catch (const emsim::ConfigError& e) {
        std::cerr << "emsim: " << e.what() << "\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "emsim: command line: " << e.what() << "\n";
        return 2;
    } catch (const sc_core::sc_report& e) {
        // Simulated faults are data and bad input is a ConfigError, so this is emsim's own bug:
        // its own status, never 1 (a failed expectation) or 2 (bad input).
        std::cerr << "emsim: internal error (please report it with the scenario): " << e.what() << "\n";
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "emsim: internal error (please report it with the scenario): " << e.what() << "\n";
        return 3;
    }
}

// emsim's own entry: SystemC prints its banner when the kernel starts, before sc_main runs, and a
// tool's output should start with the tool's answer. The variable is SystemC's documented switch.
int main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
