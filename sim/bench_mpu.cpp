#include "sim/bench_mpu.h"

#include "models/blocking_initiator.h"
#include "models/interconnect.h"
#include "models/mpu.h"
#include "models/sim_context.h"
#include "models/sram_bank.h"
#include "models/traffic_generator.h"
#include "runtime/mpu_driver.h"
#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"

#include <systemc>
#include <tlm>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace emsim {

namespace {

using rt::MpuAccess;
using rt::MpuRequest;

const Clock BENCH_CLOCK(15625); // 64 MHz, as bench memsys
constexpr uint64_t SRAM_BASE = 0x20000000;
constexpr uint64_t BANK_BYTES = 64 * KiB;
constexpr Cycles QUANTUM_CYCLES = 1000;
constexpr uint32_t MPU_REGIONS = 8;

// ---- The standard partition set ---------------------------------------------------------------
// The RAM partitions of one firmware: a connected sensor node on a Cortex-M4 with 128 KiB of
// SRAM running FreeRTOS, lwIP and mbedTLS (the shape of an STM32CubeMX project with a TLS
// client). Sizes are the configuration values such firmware carries; where a library default
// gives the size it is named, the rest are the application's choices. They are laid out in this
// order from 0x20000000, each start rounded up to 32 bytes (the MPU granule), as a linker script
// placing one output section per partition with ALIGN(32) would. Values come from the projects'
// configuration headers as commonly shipped (quoted from memory, not re-checked against a
// specific release).
struct StandardPartition {
    const char* name;
    uint32_t size_bytes;
    const char* source;
};

constexpr StandardPartition STANDARD_PARTITIONS[] = {
    {"freertos_heap", 15360, "FreeRTOS configTOTAL_HEAP_SIZE as STM32CubeMX generates it (15 KiB)"},
    {"idle_stack", 512, "FreeRTOS configMINIMAL_STACK_SIZE 128 words"},
    {"timer_stack", 1024, "FreeRTOS configTIMER_TASK_STACK_DEPTH 256 words (2 x minimal)"},
    {"main_stack", 4096, "application main task, 1024 words"},
    {"tcpip_stack", 3072, "lwIP tcpip_thread, TCPIP_THREAD_STACKSIZE 768 words"},
    {"tls_stack", 6144, "TLS client task: an mbedTLS handshake peaks at 5-6 KiB of stack"},
    {"sensor_stack", 1536, "sensor task, 384 words"},
    {"cli_stack", 2048, "command-line task, 512 words"},
    {"lwip_heap", 1600, "lwIP MEM_SIZE default (opt.h)"},
    {"pbuf_pool", 24640, "lwIP PBUF_POOL_SIZE 16 x (PBUF_POOL_BUFSIZE 1524 + 16-byte pbuf header)"},
    {"eth_rx_buffers", 6096, "Ethernet DMA: 4 receive buffers of ETH_RX_BUF_SIZE 1524"},
    {"eth_dma_descriptors", 256, "Ethernet DMA: 4 RX + 4 TX enhanced descriptors of 32 bytes"},
    {"tls_in_buffer", 4429, "mbedTLS MBEDTLS_SSL_IN_CONTENT_LEN 4096 + header 13 + IV 16 + MAC 48 + padding 256"},
    {"tls_out_buffer", 4429, "mbedTLS MBEDTLS_SSL_OUT_CONTENT_LEN 4096 + the same record expansion"},
    {"usb_cdc_buffers", 1152, "USB CDC: 2 x 512-byte bulk + 2 x 64-byte control/notify buffers"},
    {"uart_rx_ring", 256, "UART receive ring"},
    {"log_ring", 2048, "deferred log ring buffer"},
    {"flash_page_buffer", 4096, "one 4 KiB QSPI flash sector for read-modify-write"},
    {"app_data", 2872, "the application's own .data + .bss, as a map file reports it"},
    {"sensor_samples", 3600, "300 samples x 6 axes x 2 bytes"},
};
constexpr uint32_t STANDARD_COUNT = sizeof(STANDARD_PARTITIONS) / sizeof(STANDARD_PARTITIONS[0]);
static_assert(STANDARD_COUNT == 20, "the issue's standard set has 20 partitions");

/// Each partition is one domain's read-write data: privileged and unprivileged RW, never executed.
rt::MpuPermissions data_rw() {
    rt::MpuPermissions p;
    p.privileged = MpuAccess::ReadWrite;
    p.unprivileged = MpuAccess::ReadWrite;
    p.execute_never = true;
    return p;
}

std::vector<MpuRequest> standard_layout() {
    std::vector<MpuRequest> out;
    uint64_t cursor = SRAM_BASE;
    for (const StandardPartition& p : STANDARD_PARTITIONS) {
        cursor = (cursor + 31) & ~uint64_t{31};
        out.push_back(MpuRequest{static_cast<rt::Address>(cursor), p.size_bytes, data_rw()});
        cursor += p.size_bytes;
    }
    return out;
}

rt::MpuArch arch_of(MpuFlavour flavour) {
    return flavour == MpuFlavour::Pmsav7 ? rt::MpuArch::Pmsav7 : rt::MpuArch::Pmsav8;
}

/// Each partition planned alone with `budget` regions (what a domain grants it), waste summed.
nlohmann::json waste_figures(MpuFlavour flavour, uint32_t budget) {
    const std::vector<MpuRequest> layout = standard_layout();
    rt::MpuConfig config;
    config.arch = arch_of(flavour);
    config.regions_total = MPU_REGIONS;
    config.region_budget = static_cast<uint8_t>(budget);
    rt::MpuPlanner planner(config);
    uint64_t plan = 0, naive = 0, regions = 0;
    nlohmann::json per = nlohmann::json::array();
    for (uint32_t i = 0; i < STANDARD_COUNT; ++i) {
        rt::MpuImage image;
        const rt::MpuPlanResult r = planner.plan(&layout[i], 1, image);
        if (!r.ok())
            throw std::runtime_error(std::string("bench mpu: the planner refused ") +
                                     STANDARD_PARTITIONS[i].name);
        plan += r.waste_bytes;
        naive += rt::naive_waste(&layout[i], 1);
        regions += r.regions_used;
        per.push_back({{"name", STANDARD_PARTITIONS[i].name},
                       {"start", layout[i].start},
                       {"size_bytes", layout[i].size_bytes},
                       {"regions", r.regions_used},
                       {"plan_waste", r.waste_bytes},
                       {"naive_waste", rt::naive_waste(&layout[i], 1)}});
    }
    nlohmann::json j;
    j["region_budget_per_partition"] = budget;
    j["plan_waste"] = plan;
    j["naive_waste"] = naive;
    j["ratio_plan_naive"] = naive ? double(plan) / double(naive) : 0.0;
    j["regions_used"] = regions;
    j["partitions"] = per;
    return j;
}

// ---- switch_cycles -----------------------------------------------------------------------------

/// Two domains of 6 regions each, disjoint 6-region sets of aligned power-of-two blocks (stack,
/// heap, buffers), planned into the whole 8-region window: a switch rewrites all 8 regions (the
/// 2 unused ones disabled), as Hubris and Tock do.
std::vector<MpuRequest> domain_requests(uint32_t which) {
    const rt::Address base = static_cast<rt::Address>(SRAM_BASE + which * 0x8000u);
    const uint32_t sizes[6] = {0x2000, 0x1000, 0x800, 0x400, 0x200, 0x100};
    std::vector<MpuRequest> out;
    rt::Address cursor = base;
    for (uint32_t size : sizes) {
        out.push_back(MpuRequest{cursor, size, data_rw()});
        cursor += size * 2; // a gap between blocks: each needs its own region
    }
    return out;
}

/// The memory system both measurements run on: one zero-wait bank at SRAM_BASE behind a bus.
/// Like every module here it is never deleted: its context is abandoned, not destroyed, by the
/// next fresh_simulation_context() (SystemC 2.3 cannot tear one down).
Interconnect* bus_with_one_bank() {
    auto* bus = new Interconnect("bus", InterconnectParams{}, BENCH_CLOCK);
    SramBankParams bank_params;
    bank_params.size_bytes = BANK_BYTES;
    auto* bank = new SramBank("ram", bank_params, BENCH_CLOCK);
    bus->map(0, SRAM_BASE, BANK_BYTES, "ram");
    bus->out.bind(bank->in);
    return bus;
}

/// The core that only switches domains: rt::apply() of the two precomputed images in turn,
/// each store one privileged word transaction through the MPU (LT, timed).
struct SwitchCore : sc_core::sc_module {
    BlockingInitiator port;
    rt::MpuImage images[2];
    uint32_t switches = 0;
    std::vector<uint64_t> cycles;
    uint32_t stores = 0;
    bool refused = false;
    tlm::tlm_generic_payload trans;
    AccessAttributes attributes; // privileged data: the kernel's own stores

    SC_HAS_PROCESS(SwitchCore);
    SwitchCore(sc_core::sc_module_name name, uint32_t switches_)
        : sc_module(name), port("out", TimingMode::Lt, BENCH_CLOCK), switches(switches_) {
        tlm_utils::tlm_quantumkeeper::set_global_quantum(BENCH_CLOCK.to_time(QUANTUM_CYCLES));
        trans.set_extension(&attributes);
        SC_THREAD(run);
    }
    ~SwitchCore() override { trans.clear_extension(&attributes); }

    void run() {
        for (uint32_t i = 0; i < switches; ++i) {
            const sc_core::sc_time start = port.now();
            stores = rt::apply(*this, images[i % 2]);
            cycles.push_back(BENCH_CLOCK.to_cycles(port.now() - start));
        }
        port.sync();
    }

    // The MPU driver's memory-access policy.
    void store32(rt::Address address, uint32_t value) {
        uint8_t data[4];
        std::memcpy(data, &value, 4);
        prepare_access(trans, true, address, data, 4);
        port.transport(trans);
        refused = refused || trans.get_response_status() != tlm::TLM_OK_RESPONSE;
    }
    uint32_t load32(rt::Address address) {
        uint8_t data[4] = {0, 0, 0, 0};
        prepare_access(trans, false, address, data, 4);
        port.transport(trans);
        refused = refused || trans.get_response_status() != tlm::TLM_OK_RESPONSE;
        uint32_t value = 0;
        std::memcpy(&value, data, 4);
        return value;
    }
};

nlohmann::json switch_figures(MpuFlavour flavour, uint32_t switches) {
    fresh_simulation_context();
    rt::MpuConfig config;
    config.arch = arch_of(flavour);
    config.regions_total = MPU_REGIONS;
    config.region_budget = MPU_REGIONS;
    rt::MpuPlanner planner(config);
    // Leaked on purpose: modules of an abandoned SystemC context are never destroyed.
    auto* core = new SwitchCore("core", switches);
    uint32_t regions[2] = {0, 0};
    for (uint32_t d = 0; d < 2; ++d) {
        const std::vector<MpuRequest> requests = domain_requests(d);
        const rt::MpuPlanResult r = planner.plan(requests.data(), 6, core->images[d]);
        if (!r.ok() || r.regions_used != 6)
            throw std::runtime_error("bench mpu: a domain did not plan into 6 regions");
        regions[d] = r.regions_used;
    }
    MpuParams params;
    params.flavour = flavour;
    params.regions = MPU_REGIONS;
    Interconnect* bus = bus_with_one_bank();
    auto* mpu = new Mpu("mpu", params, BENCH_CLOCK);
    core->port.socket.bind(mpu->in);
    mpu->out.bind(bus->in);
    sc_core::sc_start();
    // The last image loaded must be what the MPU now holds.
    const rt::MpuImage& last = core->images[(switches - 1) % 2];
    bool loaded = !core->refused && mpu->config().ctrl == last.ctrl;
    for (uint32_t j = 0; j < last.window; ++j) {
        const MpuRegionRegs& held = mpu->config().regions[last.first_region + j];
        const uint32_t second = flavour == MpuFlavour::Pmsav7 ? held.rasr : held.rlar;
        loaded = loaded && (held.rbar & ~0x1Fu) == (last.region[j].rbar & ~0x1Fu) &&
                 second == last.region[j].rasr_or_rlar;
    }
    if (!loaded) throw std::runtime_error("bench mpu: the MPU does not hold the last image");
    std::vector<uint64_t> sorted = core->cycles;
    std::sort(sorted.begin(), sorted.end());
    nlohmann::json j;
    j["switch_bus_cycles"] = sorted[sorted.size() / 2];
    j["stores_per_switch"] = core->stores;
    j["regions_per_domain"] = regions[0];
    j["window_regions"] = MPU_REGIONS;
    j["register_cycles"] = params.register_cycles;
    return j;
}

/// The runtime's switch_domain as a scenario runs it: two domains, each with its own partition
/// and 6 isolated allocations (6 regions), switched `switches` times on the runtime host; the
/// op latency includes the driver's compute (cpu section) and the register stores.
nlohmann::json hosted_switch_figures(MpuFlavour flavour, uint32_t switches) {
    fresh_simulation_context();
    Scenario scenario;
    scenario.name = "bench_mpu_switch";
    scenario.platform = parse_platform(std::string(R"(
name: bench_mpu
clock: {frequency_mhz: 64}
mpu: {flavour: )") + enum_name(MPU_FLAVOUR_NAMES, flavour) + R"(, regions: 8}
banks:
  - {name: ram, base: 0x20000000, size_kib: 64}
)", "bench_mpu platform");
    scenario.energy_window_cycles = 1000000;
    const char* names[2] = {"a", "b"};
    Step repeat;
    repeat.kind = StepKind::Repeat;
    repeat.count = switches / 2;
    for (uint32_t d = 0; d < 2; ++d) {
        Step domain;
        domain.kind = StepKind::Domain;
        domain.domain = names[d];
        scenario.steps.push_back(domain);
    }
    for (uint32_t d = 0; d < 2; ++d) {
        Step partition;
        partition.kind = StepKind::Partition;
        partition.partition = std::string("p") + names[d];
        partition.address = SRAM_BASE + d * 0x2000u;
        partition.bytes = 0x2000;
        partition.domain = names[d];
        scenario.steps.push_back(partition);
        for (uint32_t size : {1024u, 1024u, 512u, 512u, 256u, 256u}) {
            Step grant;
            grant.kind = StepKind::AllocateIsolated;
            grant.domain = names[d];
            grant.size_bytes = size;
            scenario.steps.push_back(grant);
        }
        Step to;
        to.kind = StepKind::SwitchDomain;
        to.domain = names[d];
        repeat.body.push_back(to);
    }
    scenario.steps.push_back(repeat);
    // Leaked on purpose: modules of an abandoned SystemC context are never destroyed.
    auto* platform = new Platform(scenario.platform);
    auto* host = new RuntimeHost("runtime", scenario, *platform, TimingMode::Lt, {});
    platform->bind_core(host->out);
    sc_core::sc_start();
    std::vector<uint64_t> cycles;
    for (const OpRecord& op : host->record().ops) {
        if (op.result != "ok")
            throw std::runtime_error("bench mpu: " + op.op + " " + op.name + " failed: " + op.result);
        if (op.op == "switch_domain") cycles.push_back(op.latency_cycles());
    }
    const DomainSwitchRecord& last = host->record().mpu->switches.back();
    // The MPU now holds the last domain's image: it must enable 6 regions, one per grant.
    uint32_t enabled = 0;
    for (uint32_t n = 0; n < MPU_REGIONS; ++n) {
        const MpuRegionRegs& r = platform->mpu()->config().regions[n];
        enabled += flavour == MpuFlavour::Pmsav7 ? (r.rasr & V7_RASR_ENABLE) : (r.rlar & V8_RLAR_EN);
    }
    if (enabled != 6) throw std::runtime_error("bench mpu: a domain image enables " + std::to_string(enabled) + " regions, not 6");
    std::sort(cycles.begin(), cycles.end());
    nlohmann::json j;
    j["switch_cycles"] = cycles[cycles.size() / 2];
    j["switch_cycles_min"] = cycles.front();
    j["switch_cycles_max"] = cycles.back();
    j["switch_stores"] = last.stores;
    j["switch_regions_enabled"] = enabled;
    j["switches"] = cycles.size();
    j["switch_compute_cycles"] = host->record().ops.back().compute_cycles;
    return j;
}

// ---- lt_mpu_ratio ------------------------------------------------------------------------------

/// Loads an image into the MPU before the first transaction, through the initiator's socket
/// with debug transport (as a boot loader that set up memory would: no simulated time), once
/// every binding is complete.
struct MpuBootLoader : sc_core::sc_module {
    tlm::tlm_initiator_socket<>* port = nullptr;
    rt::MpuImage image;
    explicit MpuBootLoader(sc_core::sc_module_name name) : sc_module(name) {}
    void start_of_simulation() override { rt::apply(*this, image); }

    // The MPU driver's memory-access policy, over debug transport: no time passes.
    void store32(rt::Address address, uint32_t value) {
        tlm::tlm_generic_payload trans;
        uint8_t data[4];
        std::memcpy(data, &value, 4);
        prepare_access(trans, true, address, data, 4);
        (*port)->transport_dbg(trans);
    }
};

/// CPU time of this process: on a machine shared with other jobs, wall time also counts the
/// time spent waiting for a core, which swamps a 10-20 % difference; CPU time does not.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

/// CPU seconds for `count` LT transactions (50 % writes, sequential words over one
/// bank) from one generator, through an enabled MPU holding domain 0's 6 regions or straight
/// into the bus.
double lt_seconds(uint64_t count, bool with_mpu, MpuFlavour flavour) {
    fresh_simulation_context();
    Interconnect* bus = bus_with_one_bank();
    TrafficGeneratorParams gen;
    gen.mode = TimingMode::Lt;
    gen.quantum_cycles = QUANTUM_CYCLES;
    gen.keep_records = false;
    TrafficPattern pattern;
    pattern.base = SRAM_BASE;
    pattern.size_bytes = BANK_BYTES;
    pattern.count = count;
    pattern.write_percent = 50;
    auto* generator = new TrafficGenerator("gen", gen, BENCH_CLOCK, make_traffic(pattern, 1));
    if (with_mpu) {
        MpuParams params;
        params.flavour = flavour;
        params.regions = MPU_REGIONS;
        auto* mpu = new Mpu("mpu", params, BENCH_CLOCK);
        generator->out.bind(mpu->in);
        mpu->out.bind(bus->in);
        // Domain 0's regions plus one covering the traffic's bank, so every access is allowed
        // by a region (the common case the check must make cheap).
        std::vector<MpuRequest> requests = domain_requests(0);
        requests.push_back(MpuRequest{static_cast<rt::Address>(SRAM_BASE), uint32_t(BANK_BYTES), data_rw()});
        rt::MpuConfig config;
        config.arch = arch_of(flavour);
        config.regions_total = MPU_REGIONS;
        config.region_budget = MPU_REGIONS;
        rt::MpuPlanner planner(config);
        auto* loader = new MpuBootLoader("boot");
        // v8 forbids overlap: there the bank region alone covers the traffic.
        const uint32_t n = flavour == MpuFlavour::Pmsav7 ? uint32_t(requests.size()) : 1u;
        const MpuRequest* first = flavour == MpuFlavour::Pmsav7 ? requests.data() : &requests.back();
        if (!planner.plan(first, n, loader->image).ok())
            throw std::runtime_error("bench mpu: the LT run's regions did not plan");
        loader->port = &generator->out;
    } else {
        generator->out.bind(bus->in);
    }
    const double start = cpu_seconds();
    sc_core::sc_start();
    return cpu_seconds() - start;
}

/// The best of the repetitions: noise from other processes only ever slows a run down, so
/// the fastest run is the closest to the cost of the code itself.
double best(const std::vector<double>& rates) { return *std::max_element(rates.begin(), rates.end()); }

nlohmann::json lt_figures(const MpuBenchOptions& o, MpuFlavour flavour) {
    std::vector<double> with, without;
    for (uint32_t i = 0; i < o.repetitions; ++i) {
        // Interleaved so machine noise hits both sides of the ratio alike.
        without.push_back(double(o.transactions) / lt_seconds(o.transactions, false, flavour));
        with.push_back(double(o.transactions) / lt_seconds(o.transactions, true, flavour));
    }
    nlohmann::json j;
    j["lt_without_mpu"] = best(without);
    j["lt_with_mpu"] = best(with);
    j["lt_mpu_ratio"] = best(with) / best(without);
    return j;
}

nlohmann::json flavour_figures(const MpuBenchOptions& o, MpuFlavour flavour) {
    nlohmann::json j = hosted_switch_figures(flavour, o.switches);
    j.update(switch_figures(flavour, o.switches));
    j["waste"] = waste_figures(flavour, 2);
    if (flavour == MpuFlavour::Pmsav7) j["waste_budget_4"] = waste_figures(flavour, 4);
    j["plan_waste"] = j["waste"]["plan_waste"];
    j["naive_waste"] = j["waste"]["naive_waste"];
    j["ratio_plan_naive"] = j["waste"]["ratio_plan_naive"];
    j.update(lt_figures(o, flavour));
    j["mpu_regions"] = MPU_REGIONS;
    return j;
}

} // namespace

nlohmann::json bench_mpu(const MpuBenchOptions& options) {
    nlohmann::json out;
    out["pmsav7"] = flavour_figures(options, MpuFlavour::Pmsav7);
    out["pmsav8"] = flavour_figures(options, MpuFlavour::Pmsav8);
    // The issue's figures, from the PMSAv7 platform (8 regions, a Cortex-M3/M4).
    for (const char* key : {"switch_cycles", "plan_waste", "naive_waste", "ratio_plan_naive", "lt_mpu_ratio"})
        out[key] = out["pmsav7"][key];
    nlohmann::json set = nlohmann::json::array();
    for (const StandardPartition& p : STANDARD_PARTITIONS)
        set.push_back({{"name", p.name}, {"size_bytes", p.size_bytes}, {"source", p.source}});
    out["standard_partitions"] = set;
    out["standard_set"] = "RAM partitions of a FreeRTOS + lwIP + mbedTLS sensor node (Cortex-M4, "
                          "128 KiB SRAM), laid out in order from 0x20000000 with 32-byte alignment";
    out["naive"] = "each partition rounded up to one power-of-two region, assumed aligned";
    out["transactions_per_lt_run"] = options.transactions;
    out["lt_repetitions"] = options.repetitions;
    out["unit_lt"] = "simulated transactions per second of process CPU time (best of the repetitions)";
    return out;
}

} // namespace emsim
