#include "sim/platform_demo.h"

#include "models/random.h"
#include "models/traffic_generator.h"
#include "sim/platform.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace emsim {

namespace {

/// Random 1..16-byte accesses over the low 4 KiB of every bank, with 0..7 idle cycles between.
std::vector<TrafficRequest> cpu_stream(const PlatformConfig& config, uint64_t count, uint64_t seed) {
    SplitMix64 rng(seed);
    std::vector<TrafficRequest> out;
    Cycles at = 0;
    for (uint64_t i = 0; i < count; ++i) {
        const BankConfig& bank = config.banks[rng.uniform(0, config.banks.size() - 1)];
        const uint64_t window = std::min<uint64_t>(bank.params.size_bytes, 4096);
        TrafficRequest r;
        r.length_bytes = static_cast<uint32_t>(rng.uniform(1, 4)) * 4;
        r.address = bank.base + rng.uniform(0, window / 4 - 4) * 4;
        r.write = rng.chance(1, 3);
        at += rng.uniform(0, 7);
        r.not_before_cycle = at;
        out.push_back(r);
    }
    return out;
}

std::string format(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

} // namespace

uint64_t run_platform_demo(const PlatformConfig& config, const PlatformDemoOptions& options,
                           std::ostream& out) {
    Platform platform(config);
    TrafficGeneratorParams gen;
    gen.mode = options.mode;
    gen.quantum_cycles = config.quantum_cycles;
    TrafficGenerator cpu("cpu", gen, config.clock,
                         cpu_stream(config, options.cpu_transactions, options.seed));
    TrafficPattern dma_pattern;
    dma_pattern.kind = TrafficPatternKind::FixedRate;
    dma_pattern.base = config.banks.front().base;
    dma_pattern.size_bytes = std::min<uint64_t>(config.banks.front().params.size_bytes, 8192);
    dma_pattern.burst_bytes = 16;
    dma_pattern.count = options.dma_transactions;
    dma_pattern.write_percent = 100;
    dma_pattern.period_cycles = 8;
    TrafficGenerator dma("dma", gen, config.clock, make_traffic(dma_pattern, options.seed + 1));
    cpu.out.bind(platform.bus().in);
    dma.out.bind(platform.bus().in);
    sc_core::sc_start();

    const double seconds = sc_core::sc_time_stamp().to_seconds();
    out << "platform " << config.name << " (" << config.file << "): " << config.banks.size()
        << " banks, " << config.clock_frequency_hz / 1000000.0 << " MHz, mode "
        << enum_name(TIMING_MODE_NAMES, options.mode) << "\n";
    out << "simulated " << config.clock.to_cycles(sc_core::sc_time_stamp()) << " cycles ("
        << format("%.1f", seconds * 1e6) << " us)\n\n";

    char line[256];
    std::snprintf(line, sizeof line, "%-10s %9s %9s %10s %12s %12s %12s\n", "bank", "reads",
                  "writes", "wait_cyc", "dynamic_pJ", "leakage_pJ", "total_pJ");
    out << line;
    double total_pj = 0;
    for (const auto& bank : platform.banks()) {
        const EnergySnapshot e = bank->energy();
        total_pj += fj_to_pj(e.total_fj());
        std::snprintf(line, sizeof line, "%-10s %9llu %9llu %10llu %12.1f %12.1f %12.1f\n",
                      bank->basename(), static_cast<unsigned long long>(bank->stats().reads),
                      static_cast<unsigned long long>(bank->stats().writes),
                      static_cast<unsigned long long>(bank->stats().busy_wait_cycles),
                      fj_to_pj(e.dynamic_fj()), fj_to_pj(e.leakage_total_fj()),
                      fj_to_pj(e.total_fj()));
        out << line;
    }
    std::snprintf(line, sizeof line, "%-10s %66.1f\n\n", "total", total_pj);
    out << line;

    std::snprintf(line, sizeof line, "%-10s %9s %12s %12s %14s\n", "initiator", "accesses",
                  "mean_cycles", "max_cycles", "contention_cyc");
    out << line;
    uint64_t errors = 0;
    const TrafficGenerator* generators[] = {&cpu, &dma};
    for (int i = 0; i < 2; ++i) {
        const auto& records = generators[i]->records();
        uint64_t sum = 0, max = 0;
        for (const TrafficRecord& r : records) {
            sum += r.end_cycle - r.issue_cycle;
            max = std::max<uint64_t>(max, r.end_cycle - r.issue_cycle);
        }
        errors += generators[i]->errors();
        std::snprintf(line, sizeof line, "%-10s %9zu %12.2f %12llu %14llu\n",
                      generators[i]->basename(), records.size(),
                      records.empty() ? 0.0 : static_cast<double>(sum) / records.size(),
                      static_cast<unsigned long long>(max),
                      static_cast<unsigned long long>(
                          platform.bus().initiator_stats(i).contention_cycles));
        out << line;
    }
    if (errors) out << "\n" << errors << " accesses answered with an error\n";
    return errors;
}

} // namespace emsim
