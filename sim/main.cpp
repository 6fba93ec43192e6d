// The emsim command line. Subcommands:
//   emsim bench memsys [--json]
//   emsim bench runtime [--json]
// Exit status: 0 success, 1 a run or expectation failed, 2 bad input (platform, scenario, CLI).
#include "sim/bench_memsys.h"
#include "sim/config_error.h"

#include <boost/program_options.hpp>
#include <systemc>

#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

int run_bench(const std::vector<std::string>& args) {
    po::options_description options("emsim bench {memsys|runtime} options");
    bool json = false;
    uint64_t transactions = 400000;
    options.add_options()("help,h", "show this help")("json", po::bool_switch(&json),
                                                      "print one JSON object (the default too)")(
        "transactions", po::value<uint64_t>(&transactions)->default_value(400000),
        "memsys: simulated transactions per run");
    po::options_description hidden;
    std::string which;
    hidden.add_options()("which", po::value<std::string>(&which));
    po::positional_options_description positional;
    positional.add("which", 1);
    po::options_description all;
    all.add(options).add(hidden);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help") || which.empty()) {
        std::cout << "usage: emsim bench {memsys|runtime} [--json]\n" << options;
        return which.empty() && !vm.count("help") ? 2 : 0;
    }
    (void)json; // JSON is the only output format; the flag documents intent in scripts
    if (which == "memsys") {
        emsim::MemsysBenchOptions o;
        o.transactions = transactions;
        std::cout << emsim::bench_memsys(o).dump(2) << "\n";
        return 0;
    }
    throw emsim::ConfigError("command line", 0, 0,
                             "bench: expected memsys or runtime, got '" + which + "'");
}

} // namespace

int sc_main(int argc, char* argv[]) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h") {
            std::cout << "usage: emsim <command> [options]\n"
                         "commands:\n"
                         "  bench memsys|runtime [--json]   benchmarks, JSON on stdout\n";
            return args.empty() ? 2 : 0;
        }
        const std::string command = args[0];
        args.erase(args.begin());
        if (command == "bench") return run_bench(args);
        throw emsim::ConfigError("command line", 0, 0,
                                 "expected a command (bench), got '" + command + "'");
    } catch (const emsim::ConfigError& e) {
        std::cerr << "emsim: " << e.what() << "\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "emsim: command line: " << e.what() << "\n";
        return 2;
    }
}
