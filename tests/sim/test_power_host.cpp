// Tests of the hosted power management: power regions on the platform's controller, the
// power_aware allocator driving it through the bus, the power steps and expectations, and the
// determinism of a power run. Each test runs a small scenario on the parser tests' power_banks
// platform (banks a..d, regions A always-on, B, CD) through Platform and RuntimeHost.

#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"
#include "sim/trace_writers.h"
#include "tests/support/systemc_test.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace emsim {
namespace {

namespace fs = std::filesystem;
const std::string DATA_DIR = std::string(EMSIM_TEST_DATA_DIR) + "/scenarios";
const std::string SOURCE_DIR = EMSIM_SOURCE_DIR;

class PowerHost : public test::SystemCTest {
protected:
    /// Runs `steps` (YAML list items, indented by 2) with a power_aware heap over b, c, d.
    const RunRecord& run(const std::string& steps, const std::string& policy = "pack_retention",
                         const std::vector<std::string>& overrides = {}) {
        const std::string text = "name: t\nplatform: platforms/power_banks.yaml\n"
                                 "allocators:\n"
                                 "  - {name: heap, kind: power_aware, banks: [b, c, d], policy: " +
                                 policy + "}\nsteps:\n" + steps;
        return run_scenario(parse_scenario(text, DATA_DIR + "/test.yaml", overrides));
    }
    const RunRecord& run_scenario(const Scenario& s) {
        scenario = std::make_unique<Scenario>(s);
        platform = std::make_unique<Platform>(scenario->platform);
        host = std::make_unique<RuntimeHost>("runtime", *scenario, *platform, scenario->mode,
                                             std::map<std::string, DmaEngine*>{});
        host->out.bind(platform->bus().in);
        sc_core::sc_start();
        EXPECT_TRUE(host->done());
        return host->record();
    }
    const OpRecord& op(const std::string& kind, size_t nth = 0) const {
        size_t seen = 0;
        for (const OpRecord& o : host->record().ops)
            if (o.op == kind && seen++ == nth) return o;
        ADD_FAILURE() << "no op " << kind << " #" << nth;
        return host->record().ops.front();
    }
    PowerState region_state(size_t region) const {
        return platform->power_controller().region_state(region);
    }

    std::unique_ptr<Scenario> scenario;
    std::unique_ptr<Platform> platform;
    std::unique_ptr<RuntimeHost> host;
};

TEST_F(PowerHost, PowerRequestIsOneStoreAndOneLoadOnTheBus) {
    // The heap keeps off B: a region it manages is switched by the heap alone.
    const RunRecord& r = run("  - power_request: {region: B, state: off}\n"
                             "  - wait: {cycles: 10}\n"
                             "  - power_request: {region: A, state: off}\n",
                             "pack_retention", {"allocators[heap].banks=[c, d]"});
    const OpRecord& request = op("power_request");
    EXPECT_EQ(request.stores, 1u);
    EXPECT_EQ(request.loads, 1u);
    EXPECT_EQ(request.result, "ok");
    EXPECT_GT(request.latency_cycles(), 0u) << "register accesses take simulated time";
    EXPECT_EQ(op("power_request", 1).result, "AccessDenied") << "A is always on";
    EXPECT_EQ(region_state(1), PowerState::Off);
    EXPECT_EQ(region_state(0), PowerState::Active);
    EXPECT_EQ(platform->power_controller().stats().register_writes, 2u);
    EXPECT_TRUE(r.faults.empty());
    EXPECT_EQ(r.region_banks.at("CD"), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(r.bank_owner.at("c"), "heap");
}

TEST_F(PowerHost, PackRetentionGatesEmptyRegionsAndRetainsLiveOnes) {
    const RunRecord& r = run("  - alloc: {heap: heap, size: 64, lifetime: long, as: table}\n"
                             "  - write: {block: table}\n"
                             "  - optimize_power: {}\n"
                             "  - wait: {cycles: 50}\n"
                             "  - expect: {region_state: {region: CD, state: off}}\n"
                             "  - expect: {region_state: {region: B, state: retention}}\n"
                             "  - read: {block: table}\n"          // wakes B through the manager
                             "  - read: {address: 0x20004000, bytes: 4}\n"); // CD is off: a fault
    for (const ExpectationResult& e : r.expectations) EXPECT_TRUE(e.passed) << e.what << ": " << e.detail;
    EXPECT_EQ(op("read").result, "ok");
    EXPECT_GT(op("read").loads, 16u) << "the wake's STATUS polls are loads too";
    EXPECT_EQ(op("read", 1).result, "bus_error");
    ASSERT_EQ(r.faults.size(), 1u);
    EXPECT_EQ(r.faults[0].reason, "powered_off");
    EXPECT_EQ(r.faults[0].bank, "c");
    EXPECT_EQ(region_state(1), PowerState::Active);
    EXPECT_GT(r.banks.at("c").time_ps_by_state.at("off"), 0u);
}

TEST_F(PowerHost, PolicyNoneGatesNothing) {
    const RunRecord& r = run("  - alloc: {heap: heap, size: 64, lifetime: long, as: table}\n"
                             "  - optimize_power: {}\n", "none");
    EXPECT_EQ(op("optimize_power").stores, 0u) << "every region is already Active";
    for (size_t region = 0; region < 3; ++region)
        EXPECT_EQ(region_state(region), PowerState::Active);
    EXPECT_TRUE(r.faults.empty());
}

TEST_F(PowerHost, SleepClockGatesActiveBanksAndOnlyLeakageAccrues) {
    const RunRecord& r = run("  - wait: {us: 1}\n"
                             "  - sleep: {us: 100}\n"
                             "  - expect: {region_state: {region: A, state: standby}}\n"
                             "  - expect: {energy_max_uj: 0.0, state: active, region: A}\n");
    EXPECT_EQ(op("sleep").latency_cycles(), 6400u) << "100 us at 64 MHz";
    EXPECT_EQ(op("sleep").loads + op("sleep").stores, 0u);
    EXPECT_TRUE(r.expectations[0].passed) << r.expectations[0].detail;
    EXPECT_FALSE(r.expectations[1].passed) << "A leaked while active before the sleep gated it";
    uint64_t dynamic = 0;
    for (const auto& [name, bank] : r.banks) dynamic += bank.dynamic_fj;
    EXPECT_EQ(dynamic, 0u);
    EXPECT_GT(r.banks.at("a").leakage_fj_by_state[index_of(PowerState::Standby)], 0u);
}

TEST_F(PowerHost, EnergyExpectationsFilterByRegionAndState) {
    const RunRecord& r = run("  - power_request: {region: CD, state: retention}\n"
                             "  - wait: {us: 50}\n"
                             "  - expect: {energy_max_uj: 1.0e-9, region: CD, state: standby}\n"
                             "  - expect: {energy_max_uj: 1.0e-9, region: CD, state: retention}\n",
                             "pack_retention", {"allocators[heap].banks=[b]"}); // CD unmanaged
    ASSERT_EQ(r.expectations.size(), 2u);
    EXPECT_TRUE(r.expectations[0].passed) << r.expectations[0].detail;
    EXPECT_FALSE(r.expectations[1].passed) << "CD leaked in retention: " << r.expectations[1].detail;
}

TEST_F(PowerHost, SameSeedGivesByteIdenticalOutputs) {
    // The IoT scenario, two wake-ups, twice: every output file is the same.
    const std::vector<std::string> overrides = {"steps[4].repeat.count=2"};
    std::vector<std::string> texts;
    for (int i = 0; i < 2; ++i) {
        if (i) fresh_simulation_context();
        const RunRecord& r =
            run_scenario(load_scenario(SOURCE_DIR + "/scenarios/iot_duty_cycle.yaml", overrides));
        const fs::path dir = fs::temp_directory_path() / ("emsim_power_det_" + std::to_string(i));
        write_run_outputs(r, dir.string());
        std::string all;
        for (const char* name : {"ops.csv", "energy.csv", "summary.json", "trace.json"}) {
            std::ifstream in(dir / name, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            all += text.str();
        }
        texts.push_back(all);
        fs::remove_all(dir);
        host.reset();
        platform.reset();
    }
    EXPECT_EQ(texts[0], texts[1]);
}

} // namespace
} // namespace emsim
