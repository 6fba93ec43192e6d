#include "sim/bench_host.h"

#include "models/sim_context.h"
#include "runtime/tlsf_heap.h"
#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"

#include <systemc>

#include <chrono>
#include <vector>

namespace emsim {

namespace {

constexpr uint32_t HEAP_BYTES = 64 * 1024;
constexpr uint32_t PAIR_BYTES = 64;

// One 128 KiB zero-wait-state bank at 64 MHz: the figures measure the host, not a slow memory.
constexpr const char* BENCH_PLATFORM = R"(
name: bench
clock: {frequency_mhz: 64}
banks:
  - {name: ram, base: 0x20000000, size_kib: 128}
)";

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double native_pairs_per_s(uint64_t pairs) {
    std::vector<uint8_t> arena(HEAP_BYTES);
    rt::DirectMemory direct(arena.data(), 0x20000000);
    rt::CountingMemory<rt::DirectMemory> counting(direct);
    rt::TlsfHeap<rt::CountingMemory<rt::DirectMemory>> heap(counting);
    heap.add_region(0x20000000, HEAP_BYTES);
    const auto start = std::chrono::steady_clock::now();
    uint64_t failures = 0;
    for (uint64_t i = 0; i < pairs; ++i) {
        const rt::Result<rt::Address> block = heap.allocate(PAIR_BYTES);
        failures += !block.ok() || heap.free(block.value) != rt::RtStatus::Ok;
    }
    const double s = seconds_since(start);
    return failures ? 0.0 : static_cast<double>(pairs) / s;
}

double hosted_pairs_per_s(uint64_t pairs, TimingMode mode) {
    fresh_simulation_context();
    Scenario scenario;
    scenario.name = "bench_host";
    scenario.platform = parse_platform(BENCH_PLATFORM, "bench_host platform");
    scenario.mode = mode;
    scenario.energy_window_cycles = 1000000;
    AllocatorSpec heap;
    heap.name = "heap";
    heap.kind = AllocatorKind::Tlsf;
    heap.bank = "ram";
    heap.base = 0x20000000;
    heap.size_bytes = HEAP_BYTES;
    scenario.allocators.push_back(heap);
    Step alloc, free, repeat;
    alloc.kind = StepKind::Alloc;
    alloc.heap = "heap";
    alloc.size_bytes = PAIR_BYTES;
    alloc.as = "block";
    free.kind = StepKind::Free;
    free.block = "block";
    free.heap = "heap";
    repeat.kind = StepKind::Repeat;
    repeat.count = pairs;
    repeat.body = {alloc, free};
    scenario.steps.push_back(repeat);

    // Leaked on purpose: modules of an abandoned SystemC context are never destroyed.
    auto* platform = new Platform(scenario.platform);
    auto* host = new RuntimeHost("runtime", scenario, *platform, mode, {});
    host->out.bind(platform->bus().in);
    const auto start = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double s = seconds_since(start);
    for (const OpRecord& op : host->record().ops)
        if (op.result != "ok") return 0.0; // a benchmark of failures measures nothing
    return static_cast<double>(pairs) / s;
}

} // namespace

nlohmann::json bench_host(const HostBenchOptions& options) {
    nlohmann::json out;
    out["native"] = native_pairs_per_s(options.native_pairs);
    out["lt"] = hosted_pairs_per_s(options.hosted_pairs, TimingMode::Lt);
    out["lt_dmi"] = hosted_pairs_per_s(options.hosted_pairs, TimingMode::LtDmi);
    out["at"] = hosted_pairs_per_s(options.hosted_pairs, TimingMode::At);
    out["ratio_lt"] = out["lt"].get<double>() / out["native"].get<double>();
    out["ratio_lt_dmi"] = out["lt_dmi"].get<double>() / out["native"].get<double>();
    out["ratio_at"] = out["at"].get<double>() / out["native"].get<double>();
    out["unit"] = "TLSF alloc+free pairs (64 bytes) per second of wall time";
    out["native_policy"] = "CountingMemory<DirectMemory>";
    out["hosted_pairs"] = options.hosted_pairs;
    out["native_pairs"] = options.native_pairs;
    return out;
}

} // namespace emsim
