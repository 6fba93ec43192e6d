#include "sim/bench_power.h"

#include "models/sim_context.h"
#include "sim/config_error.h"
#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"
#include "sim/trace_writers.h"

#include <systemc>

#include <chrono>

namespace emsim {

namespace {

constexpr double FJ_PER_UJ = 1e9;
/// Issue 6's target: pack_retention cuts leakage by at least this fraction against none ...
constexpr double TARGET_LEAKAGE_CUT = 0.40;
/// ... with a p99 allocation latency at most this multiple of none's.
constexpr double TARGET_P99_RATIO = 2.0;

struct PolicyFigures {
    double energy_uj = 0;
    double dynamic_uj = 0;
    double leakage_uj = 0;
    double transition_uj = 0;
    LatencyStats alloc;
    uint64_t alloc_p999_cycles = 0;
    double alloc_wakes = 0;
    double wall_s = 0;
};

PolicyFigures run_policy(const PowerBenchOptions& options, const char* policy) {
    fresh_simulation_context();
    const Scenario scenario = load_scenario(
        options.scenario_file, {"allocators[" + options.heap + "].policy=" + policy});
    if (!scenario.dma.empty())
        throw ConfigError(scenario.file, 0, 0, "bench power: expected a scenario without DMA streams (the bench runs the runtime alone), got " + std::to_string(scenario.dma.size()));
    // Leaked on purpose: modules of an abandoned SystemC context are never destroyed.
    auto* platform = new Platform(scenario.platform);
    auto* host = new RuntimeHost("runtime", scenario, *platform, scenario.mode, {});
    host->out.bind(platform->bus().in);
    const auto start = std::chrono::steady_clock::now();
    sc_core::sc_start();
    PolicyFigures f;
    f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const RunRecord& record = host->record();
    if (host->failed_expectations() != 0)
        throw ConfigError(scenario.file, 0, 0, std::string("bench power: the scenario's expectations failed under policy ") + policy + ": a benchmark of a broken run measures nothing");
    uint64_t dynamic = 0, leakage = 0, transition = 0;
    for (const auto& [name, bank] : record.banks) {
        dynamic += bank.dynamic_fj;
        leakage += bank.leakage_fj;
        transition += bank.transition_fj;
    }
    f.dynamic_uj = static_cast<double>(dynamic) / FJ_PER_UJ;
    f.leakage_uj = static_cast<double>(leakage) / FJ_PER_UJ;
    f.transition_uj = static_cast<double>(transition) / FJ_PER_UJ;
    f.energy_uj = f.dynamic_uj + f.leakage_uj + f.transition_uj;
    std::vector<uint64_t> allocs;
    for (const OpRecord& op : record.ops)
        if (op.op == "alloc") allocs.push_back(op.latency_cycles());
    f.alloc = latency_stats(allocs);
    std::sort(allocs.begin(), allocs.end());
    // p99.9 by the same nearest rank, in per-mille.
    if (!allocs.empty())
        f.alloc_p999_cycles = allocs[std::min<size_t>(allocs.size() - 1, (allocs.size() * 999 + 999) / 1000 - 1)];
    const auto stats = record.allocators.find(options.heap);
    if (stats != record.allocators.end() && stats->second.count("alloc_wakes"))
        f.alloc_wakes = stats->second.at("alloc_wakes");
    return f;
}

} // namespace

std::string default_power_bench_scenario() {
    return std::string(EMSIM_SOURCE_DIR) + "/scenarios/iot_duty_cycle.yaml";
}

nlohmann::json bench_power(const PowerBenchOptions& options) {
    nlohmann::json out;
    const char* policies[] = {"none", "pack", "pack_retention"};
    std::map<std::string, PolicyFigures> figures;
    for (const char* policy : policies) {
        const PolicyFigures f = run_policy(options, policy);
        figures[policy] = f;
        out["energy_uj"][policy] = f.energy_uj;
        out["dynamic_uj"][policy] = f.dynamic_uj;
        out["leakage_uj"][policy] = f.leakage_uj;
        out["transition_uj"][policy] = f.transition_uj;
        out["p99_alloc_cycles"][policy] = f.alloc.p99_cycles;
        out["p50_alloc_cycles"][policy] = f.alloc.p50_cycles;
        out["p999_alloc_cycles"][policy] = f.alloc_p999_cycles;
        out["max_alloc_cycles"][policy] = f.alloc.max_cycles;
        out["allocs"][policy] = f.alloc.count;
        out["alloc_wakes"][policy] = f.alloc_wakes;
        out["wall_s"][policy] = f.wall_s;
    }
    const PolicyFigures& none = figures["none"];
    const PolicyFigures& best = figures["pack_retention"];
    const double cut = none.leakage_uj > 0 ? 1.0 - best.leakage_uj / none.leakage_uj : 0.0;
    const double ratio = none.alloc.p99_cycles
                             ? double(best.alloc.p99_cycles) / double(none.alloc.p99_cycles)
                             : 0.0;
    out["leakage_cut_pack_retention_vs_none"] = cut;
    out["p99_ratio_pack_retention_vs_none"] = ratio;
    out["target"] = {{"leakage_cut_min", TARGET_LEAKAGE_CUT},
                     {"p99_ratio_max", TARGET_P99_RATIO},
                     {"met", cut >= TARGET_LEAKAGE_CUT && ratio <= TARGET_P99_RATIO}};
    out["scenario"] = options.scenario_file;
    out["unit"] = "uJ over the whole scenario; alloc latencies in platform clock cycles, "
                  "nearest-rank percentiles, wake penalties included";
    return out;
}

} // namespace emsim
