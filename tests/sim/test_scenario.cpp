// Tests of the scenario parser: a scenario that uses every step kind and expectation parses into
// the exact resolved structs, defaults and unit conversions hold, `--set` overrides reach the
// scenario and its platform, and every broken file in data/scenarios fails at its exact line with
// a message that says what was expected.

#include "sim/scenario.h"

#include "sim/config_error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace emsim {
namespace {

const std::string DATA_DIR = std::string(EMSIM_TEST_DATA_DIR) + "/scenarios";
const std::string ALL_STEPS = DATA_DIR + "/valid/all_steps.yaml";
const std::string MINIMAL = DATA_DIR + "/valid/minimal.yaml";
const uint64_t PERIOD_PS = 15625; ///< the test platform's 64 MHz

/// The ConfigError that loading `path` with `overrides` throws; fails the test if none is.
ConfigError error_of(const std::string& path, const std::vector<std::string>& overrides = {}) {
    try {
        load_scenario(path, overrides);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError for " << path;
    return ConfigError("", 0, 0, "");
}

/// The same for a scenario given as text, named `test.yaml` inside data/scenarios (so its
/// `platform:` resolves like a file's there).
ConfigError text_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_scenario(text, DATA_DIR + "/test.yaml", overrides);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError for:\n" << text;
    return ConfigError("", 0, 0, "");
}

bool contains(const std::string& text, const std::string& fragment) {
    return text.find(fragment) != std::string::npos;
}

// ---- A valid scenario, all of it -----------------------------------------------------------

TEST(Scenario, TopLevelValuesAndThePlatformAreResolved) {
    const Scenario s = load_scenario(ALL_STEPS);
    EXPECT_EQ(s.file, ALL_STEPS);
    EXPECT_EQ(s.name, "all_steps");
    EXPECT_EQ(s.platform_file, DATA_DIR + "/platforms/two_banks.yaml")
        << "platform: is relative to the scenario's folder, and the path is normalised";
    EXPECT_EQ(s.platform.name, "two_banks");
    EXPECT_EQ(s.platform.clock.period_ps(), PERIOD_PS);
    EXPECT_EQ(s.platform.cpu.op_base_cycles, 10u);
    EXPECT_EQ(s.seed, 7u);
    EXPECT_EQ(s.mode, TimingMode::At);
    EXPECT_EQ(s.energy_window_cycles, 500u);
}

TEST(Scenario, AllocatorsKeepTheirOrderKeysAndResolvedBases) {
    const Scenario s = load_scenario(ALL_STEPS);
    ASSERT_EQ(s.allocators.size(), 5u);
    const AllocatorSpec& heap = s.allocators[0];
    EXPECT_EQ(heap.name, "heap");
    EXPECT_EQ(heap.kind, AllocatorKind::Tlsf);
    EXPECT_EQ(heap.bank, "ram0");
    EXPECT_EQ(heap.offset_bytes, 0u);
    EXPECT_EQ(heap.size_bytes, 8192u);
    EXPECT_EQ(heap.base, 0x20000000u);
    EXPECT_TRUE(heap.guarded) << "guarded defaults to true";
    EXPECT_EQ(heap.line, 9);

    const AllocatorSpec& msgs = s.allocators[1];
    EXPECT_EQ(msgs.kind, AllocatorKind::Pool);
    EXPECT_EQ(msgs.offset_bytes, 0x2000u);
    EXPECT_EQ(msgs.base, 0x20002000u) << "bank base + offset";
    EXPECT_EQ(msgs.block_size_bytes, 64u);
    EXPECT_FALSE(msgs.guarded);

    const AllocatorSpec& tiers = s.allocators[2];
    EXPECT_EQ(tiers.kind, AllocatorKind::Tiered);
    EXPECT_EQ(tiers.base, 0x20004000u);
    EXPECT_EQ(tiers.classes, (std::vector<uint32_t>{16, 32, 64}));
    EXPECT_EQ(tiers.huge, "heap");
    EXPECT_EQ(tiers.max_waste_ratio, 2u);

    EXPECT_EQ(s.allocators[3].kind, AllocatorKind::Static);
    EXPECT_EQ(s.allocators[3].base, 0x20006000u);
    EXPECT_EQ(s.allocators[3].line, 27);
    EXPECT_EQ(s.allocators[4].kind, AllocatorKind::Stack);
    EXPECT_EQ(s.allocators[4].base, 0x20006400u);
}

TEST(Scenario, DmaStreamsKeepTheirKeysAndDefaults) {
    const Scenario s = load_scenario(ALL_STEPS);
    ASSERT_EQ(s.dma.size(), 2u);
    const DmaSpec& rx = s.dma[0];
    EXPECT_EQ(rx.name, "rx");
    EXPECT_EQ(rx.pattern, TrafficPatternKind::FixedRate);
    EXPECT_EQ(rx.bank, "ram1");
    EXPECT_EQ(rx.base, 0x20007000u);
    EXPECT_EQ(rx.size_bytes, 4096u);
    EXPECT_EQ(rx.burst_bytes, 32u);
    EXPECT_EQ(rx.period_cycles, 8u);
    EXPECT_EQ(rx.write_percent, 75u);
    EXPECT_EQ(rx.line, 30);
    const DmaSpec& scan = s.dma[1];
    EXPECT_EQ(scan.pattern, TrafficPatternKind::Random);
    EXPECT_EQ(scan.burst_bytes, 16u) << "burst defaults to 16 bytes";
    EXPECT_EQ(scan.write_percent, 100u) << "write_percent defaults to 100";
    EXPECT_EQ(scan.period_cycles, 0u);
}

TEST(Scenario, StepsAreInFileOrderWithTheirLines) {
    const Scenario s = load_scenario(ALL_STEPS);
    const std::vector<StepKind> kinds = {
        StepKind::Alloc,   StepKind::Alloc,  StepKind::Alloc,   StepKind::Alloc,
        StepKind::Write,   StepKind::Read,   StepKind::Read,    StepKind::Realloc,
        StepKind::Free,    StepKind::Mark,   StepKind::Alloc,   StepKind::Release,
        StepKind::Repeat,  StepKind::Free,   StepKind::RandomWorkload, StepKind::Wait,
        StepKind::Wait,    StepKind::Wait,   StepKind::Dma,     StepKind::Dma,
        StepKind::Power,   StepKind::Check,  StepKind::Seal,    StepKind::Alloc,
        StepKind::Expect,  StepKind::Dma,    StepKind::Expect,  StepKind::Expect,
        StepKind::Seal,    StepKind::Expect};
    ASSERT_EQ(s.steps.size(), kinds.size());
    for (size_t i = 0; i < kinds.size(); ++i) {
        EXPECT_EQ(s.steps[i].kind, kinds[i]) << "step " << i;
        EXPECT_EQ(s.steps[i].column, 5) << "step " << i << ": the column of its kind key";
    }
    EXPECT_EQ(s.steps[0].line, 40);
    EXPECT_EQ(s.steps[12].line, 52);
    EXPECT_EQ(s.steps[13].line, 57);
    EXPECT_EQ(s.steps[29].line, 81);
}

TEST(Scenario, AllocationStepsCarryTheirArguments) {
    const Scenario s = load_scenario(ALL_STEPS);
    const Step& a = s.steps[0];
    EXPECT_EQ(a.heap, "heap");
    EXPECT_EQ(a.size_bytes, 100u);
    EXPECT_EQ(a.align_bytes, 16u);
    EXPECT_EQ(a.as, "buf");
    EXPECT_FALSE(a.deadline_steps.has_value());
    EXPECT_EQ(s.steps[1].deadline_steps, 40u);
    EXPECT_EQ(s.steps[1].align_bytes, 0u) << "0 = the allocator's default";
    EXPECT_EQ(s.steps[3].heap, "boot") << "alloc on a static allocator";

    const Step& realloc = s.steps[7];
    EXPECT_EQ(realloc.block, "buf");
    EXPECT_EQ(realloc.heap, "heap") << "the allocator the block came from";
    EXPECT_EQ(realloc.size_bytes, 200u);
    EXPECT_EQ(s.steps[8].block, "m1");
    EXPECT_EQ(s.steps[8].heap, "msgs");

    EXPECT_EQ(s.steps[9].heap, "frames");
    EXPECT_EQ(s.steps[9].as, "top");
    EXPECT_EQ(s.steps[11].heap, "frames");
    EXPECT_EQ(s.steps[11].marker, "top");
    EXPECT_EQ(s.steps[21].heap, "heap") << "check";
    EXPECT_EQ(s.steps[23].size_bytes, 16u);
    EXPECT_TRUE(s.steps[23].as.empty());
}

TEST(Scenario, DataTrafficStepsNameABlockOrARawRange) {
    const Scenario s = load_scenario(ALL_STEPS);
    const Step& write = s.steps[4];
    EXPECT_EQ(write.block, "buf");
    EXPECT_FALSE(write.bytes.has_value()) << "absent bytes: the whole block";
    EXPECT_FALSE(write.address.has_value());
    EXPECT_EQ(s.steps[5].bytes, 8u);
    const Step& raw = s.steps[6];
    EXPECT_TRUE(raw.block.empty());
    EXPECT_EQ(raw.address, 0x20004000u);
    EXPECT_EQ(raw.bytes, 16u);
}

TEST(Scenario, RepeatBodyIsNestedAndItsNamesStayBoundAfter) {
    const Scenario s = load_scenario(ALL_STEPS);
    const Step& r = s.steps[12];
    EXPECT_EQ(r.count, 3u);
    ASSERT_EQ(r.body.size(), 2u);
    EXPECT_EQ(r.body[0].kind, StepKind::Alloc);
    EXPECT_EQ(r.body[0].as, "t");
    EXPECT_EQ(r.body[0].line, 55);
    EXPECT_EQ(r.body[0].column, 11);
    EXPECT_EQ(r.body[1].kind, StepKind::Free);
    EXPECT_EQ(s.steps[13].block, "t") << "t, bound inside the repeat, is still bound after it";
    EXPECT_EQ(s.steps[13].heap, "tiers");
}

TEST(Scenario, RandomWorkloadCarriesItsDistributions) {
    const Step& w = load_scenario(ALL_STEPS).steps[14];
    EXPECT_EQ(w.heap, "heap");
    EXPECT_EQ(w.count, 50u);
    EXPECT_EQ(w.size_range.min_bytes, 8u);
    EXPECT_EQ(w.size_range.max_bytes, 256u);
    EXPECT_EQ(w.lifetime.min_bytes, 0u);
    EXPECT_EQ(w.lifetime.max_bytes, 4u);
    EXPECT_EQ(w.as, "rw");
}

TEST(Scenario, WaitIsConvertedToPicosecondsOnce) {
    const Scenario s = load_scenario(ALL_STEPS);
    EXPECT_EQ(s.steps[15].wait_ps, 100 * PERIOD_PS) << "cycles x the platform clock period";
    EXPECT_EQ(s.steps[16].wait_ps, 250000u) << "250 ns";
    EXPECT_EQ(s.steps[17].wait_ps, 2000000u) << "2 us";
}

TEST(Scenario, DmaAndPowerStepsNameTheirStreamAndBank) {
    const Scenario s = load_scenario(ALL_STEPS);
    EXPECT_EQ(s.steps[18].dma, "rx");
    EXPECT_TRUE(s.steps[18].dma_start);
    EXPECT_EQ(s.steps[18].count, 64u);
    EXPECT_EQ(s.steps[19].count, 0u) << "no count: until stopped";
    EXPECT_FALSE(s.steps[25].dma_start);
    EXPECT_EQ(s.steps[20].bank, "ram1");
    EXPECT_EQ(s.steps[20].state, PowerState::Retention);
}

TEST(Scenario, ExpectationsAreOnePerKeyWithTheirFiltersAndPositions) {
    const Scenario s = load_scenario(ALL_STEPS);
    ASSERT_EQ(s.steps[24].expectations.size(), 1u);
    const Expectation& sealed = s.steps[24].expectations[0];
    EXPECT_EQ(sealed.kind, ExpectKind::Result);
    EXPECT_EQ(sealed.status, "Sealed");
    EXPECT_FALSE(sealed.at_end);
    EXPECT_EQ(sealed.line, 68);

    const std::vector<Expectation>& x = s.steps[26].expectations;
    ASSERT_EQ(x.size(), 4u) << "max_latency_cycles, no_faults, energy_max_uj, heap_free_min";
    EXPECT_EQ(x[0].kind, ExpectKind::MaxLatencyCycles);
    EXPECT_EQ(x[0].value, 400u);
    EXPECT_EQ(x[0].op, "alloc");
    EXPECT_EQ(x[0].heap, "heap");
    EXPECT_EQ(x[0].line, 71);
    EXPECT_EQ(x[0].column, 7);
    EXPECT_EQ(x[1].kind, ExpectKind::NoFaults);
    EXPECT_EQ(x[1].line, 74);
    EXPECT_EQ(x[2].kind, ExpectKind::EnergyMaxUj);
    EXPECT_DOUBLE_EQ(x[2].energy_uj, 1.5);
    EXPECT_EQ(x[2].bank, "ram0");
    EXPECT_TRUE(x[2].heap.empty()) << "heap: filters latency and heap_free_min, not energy";
    EXPECT_EQ(x[3].kind, ExpectKind::HeapFreeMin);
    EXPECT_EQ(x[3].value, 1024u);
    EXPECT_EQ(x[3].heap, "heap");
    for (const Expectation& e : x) EXPECT_TRUE(e.at_end) << "at: end applies to the whole map";

    ASSERT_EQ(s.steps[27].expectations.size(), 1u);
    const Expectation& fault = s.steps[27].expectations[0];
    EXPECT_EQ(fault.kind, ExpectKind::Fault);
    EXPECT_EQ(fault.fault_kind, "bus_error");
    EXPECT_EQ(fault.address, 0x20004000u);
    EXPECT_EQ(fault.bank, "ram1");
    EXPECT_EQ(fault.fault_count, 2u);
    EXPECT_FALSE(fault.domain) << "no domain filter unless given";

    const Expectation& ok = s.steps[29].expectations.at(0);
    EXPECT_EQ(ok.status, "ok") << "spelled as OpRecord::result spells success";
    EXPECT_TRUE(ok.at_end);
}

// ---- The MPU steps ---------------------------------------------------------------------------

TEST(Scenario, MpuStepsResolveRegisterNamesWithOrWithoutThePrefix) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - mpu_write: {reg: RBAR, value: 0x20000010}
  - mpu_write: {reg: MPU_RASR_A3, value: 0x0300001B}
  - mpu_write: {address: 0xE000ED94, value: 5}
  - mpu_read: {reg: CFSR, expect: 0x82}
  - mpu_read: {reg: MMFAR}
  - access: {addr: 0x2000_4000}
  - access: {addr: 0x20000000, size: 64, kind: write, privileged: false}
  - access: {addr: 0x20000000, size: 2, kind: exec, privileged: true}
  - expect: {fault: {kind: mpu_fault, address: 0x20000000, domain: 3, count: 0}}
)", DATA_DIR + "/t.yaml");
    ASSERT_EQ(s.steps.size(), 9u);
    EXPECT_EQ(s.steps[0].kind, StepKind::MpuWrite);
    EXPECT_EQ(s.steps[0].register_address, 0xE000ED9Cu);
    EXPECT_EQ(s.steps[0].value, 0x20000010u);
    EXPECT_EQ(s.steps[1].register_address, 0xE000EDB8u) << "RASR_A3";
    EXPECT_EQ(s.steps[2].register_address, 0xE000ED94u);
    EXPECT_EQ(s.steps[3].kind, StepKind::MpuRead);
    EXPECT_EQ(s.steps[3].register_address, 0xE000ED28u);
    EXPECT_EQ(s.steps[3].expect_value, 0x82u);
    EXPECT_EQ(s.steps[4].register_address, 0xE000ED34u);
    EXPECT_FALSE(s.steps[4].expect_value);
    EXPECT_EQ(s.steps[5].kind, StepKind::Access);
    EXPECT_EQ(s.steps[5].address, 0x20004000u);
    EXPECT_EQ(s.steps[5].bytes, 4u) << "size ? = 4";
    EXPECT_EQ(s.steps[5].access_kind, AccessKind::Read) << "kind ? = read";
    EXPECT_FALSE(s.steps[5].privileged) << "absent: the host decides (privileged, or the domain's)";
    EXPECT_EQ(s.steps[6].bytes, 64u);
    EXPECT_EQ(s.steps[6].access_kind, AccessKind::Write);
    EXPECT_EQ(s.steps[6].privileged, false);
    EXPECT_EQ(s.steps[7].access_kind, AccessKind::Fetch);
    EXPECT_EQ(s.steps[7].privileged, true);
    const Expectation& none = s.steps[8].expectations.at(0);
    EXPECT_EQ(none.fault_kind, "mpu_fault");
    EXPECT_EQ(none.address, 0x20000000u);
    EXPECT_EQ(none.domain, 3u);
    EXPECT_EQ(none.fault_count, 0u) << "count: 0 requires the fault's absence";
}

TEST(Scenario, IsolationStepsResolveTheirNamesAndDefaults) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - domain: {name: sensor}
  - domain: {name: radio, security_level: trusted}
  - partition: {name: sram, bank: ram1, offset: 0x1000, size: 4096, owner: sensor, quota: 512, priority: 3}
  - partition: {name: consts, start: 0x20000000, size: 1024, rights: read_only}
  - allocate_isolated: {domain: sensor, size: 100, isolation: shared_ro, peers: [radio], as: buf}
  - switch_domain: {to: kernel}
  - as_domain:
      domain: radio
      steps:
        - allocate_isolated: {size: 64, as: rx}
        - read: {block: buf, bytes: 8}
        - access: {addr: 0x20005000, kind: write}
  - expect: {fault: {kind: mpu_fault, domain: radio}}
)", DATA_DIR + "/t.yaml");
    ASSERT_EQ(s.steps.size(), 8u);
    EXPECT_EQ(s.steps[0].kind, StepKind::Domain);
    EXPECT_EQ(s.steps[0].domain, "sensor");
    EXPECT_EQ(s.steps[0].security_level, 1u) << "security_level ? = normal";
    EXPECT_EQ(s.steps[1].security_level, 2u);
    const Step& part = s.steps[2];
    EXPECT_EQ(part.kind, StepKind::Partition);
    EXPECT_EQ(part.partition, "sram");
    EXPECT_EQ(part.address, 0x20005000u) << "bank ram1 + offset";
    EXPECT_EQ(part.bytes, 4096u);
    EXPECT_EQ(part.domain, "sensor") << "the owner";
    EXPECT_EQ(part.quota_bytes, 512u);
    EXPECT_EQ(part.priority, 3u);
    EXPECT_FALSE(part.read_only) << "rights ? = read_write";
    EXPECT_TRUE(s.steps[3].read_only);
    EXPECT_EQ(s.steps[3].address, 0x20000000u);
    const Step& iso = s.steps[4];
    EXPECT_EQ(iso.domain, "sensor");
    EXPECT_EQ(iso.size_bytes, 100u);
    EXPECT_EQ(iso.isolation, 1u);
    EXPECT_EQ(iso.peers, std::vector<std::string>{"radio"});
    EXPECT_EQ(iso.as, "buf");
    EXPECT_EQ(s.steps[5].domain, "kernel");
    const Step& as = s.steps[6];
    EXPECT_EQ(as.domain, "radio");
    ASSERT_EQ(as.body.size(), 3u);
    EXPECT_EQ(as.body[0].domain, "radio") << "inside as_domain the domain defaults to its own";
    EXPECT_EQ(as.body[1].block, "buf");
    EXPECT_EQ(as.body[1].heap, "sram") << "an isolated block's heap is its partition";
    EXPECT_FALSE(as.body[2].privileged) << "the host makes it unprivileged inside as_domain";
    EXPECT_EQ(s.steps[7].expectations.at(0).domain, 2u) << "a domain name filter is its id";
}

TEST(Scenario, PartitionAllocAndFreeOfMpuBlocksNameTheirRequester) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
allocators:
  - {name: kheap, kind: tlsf, bank: ram0, size: 4096}
steps:
  - domain: {name: sensor}
  - domain: {name: radio}
  - partition: {name: sram, bank: ram1, size: 4096, owner: sensor, quota: 512}
  - alloc: {partition: sram, size: 48, as: cfg}
  - alloc: {partition: sram, size: 64, domain: sensor, as: k}
  - allocate_isolated: {domain: sensor, size: 100, as: buf}
  - as_domain:
      domain: radio
      steps:
        - alloc: {partition: sram, size: 16, as: rx}
        - free: {block: buf}
  - free: {block: buf}
  - alloc: {heap: kheap, size: 8, as: k}
  - free: {block: k}
)", DATA_DIR + "/t.yaml");
    ASSERT_EQ(s.steps.size(), 10u);
    EXPECT_EQ(s.steps[3].kind, StepKind::Alloc);
    EXPECT_EQ(s.steps[3].partition, "sram");
    EXPECT_EQ(s.steps[3].domain, "") << "at the top level without domain: the kernel asks";
    EXPECT_EQ(s.steps[3].size_bytes, 48u);
    EXPECT_EQ(s.steps[4].domain, "sensor");
    EXPECT_EQ(s.steps[4].heap, "") << "no allocator";
    const Step& as = s.steps[6];
    EXPECT_EQ(as.body[0].domain, "radio") << "inside as_domain the domain asks";
    EXPECT_EQ(as.body[1].kind, StepKind::Free);
    EXPECT_EQ(as.body[1].partition, "sram") << "an isolated block's free goes to the MPU host";
    EXPECT_EQ(as.body[1].domain, "radio") << "the asking domain (the runtime checks ownership)";
    EXPECT_EQ(s.steps[7].domain, "") << "top level: the kernel frees for the owner";
    EXPECT_EQ(s.steps[7].partition, "sram");
    EXPECT_EQ(s.steps[8].heap, "kheap") << "k rebound to an allocator block";
    EXPECT_EQ(s.steps[9].partition, "") << "so its free is the allocator's";
    EXPECT_EQ(s.steps[9].heap, "kheap");
}

TEST(Scenario, SubmitAndServeBindNamesInTheSchedulersOrder) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
allocators:
  - {name: kheap, kind: tlsf, bank: ram0, size: 4096}
steps:
  - domain: {name: sensor}
  - partition: {name: lo, bank: ram1, size: 4096, owner: sensor, priority: 1}
  - partition: {name: hi, bank: ram1, offset: 0x2000, size: 4096, owner: sensor, priority: 4}
  - alloc: {heap: kheap, size: 8, as: b}
  - submit: {partition: lo, size: 32, domain: sensor, as: a}
  - submit: {partition: hi, size: 16, domain: sensor, as: b}
  - as_domain:
      domain: sensor
      steps:
        - submit: {partition: lo, size: 48, as: c}
  - write: {block: b}
  - serve: {count: 1}
  - write: {block: b}
  - serve: {}
  - free: {block: c}
)", DATA_DIR + "/t.yaml");
    ASSERT_EQ(s.steps.size(), 12u);
    const Step& submit = s.steps[4];
    EXPECT_EQ(submit.kind, StepKind::Submit);
    EXPECT_EQ(submit.partition, "lo");
    EXPECT_EQ(submit.domain, "sensor");
    EXPECT_EQ(submit.size_bytes, 32u);
    EXPECT_EQ(submit.as, "a");
    EXPECT_EQ(s.steps[6].body[0].domain, "sensor") << "inside as_domain the domain asks";
    EXPECT_EQ(s.steps[7].heap, "kheap") << "b is still the allocator's block until served";
    EXPECT_EQ(s.steps[8].kind, StepKind::Serve);
    EXPECT_EQ(s.steps[8].count, 1u);
    EXPECT_EQ(s.steps[9].heap, "hi") << "serve {count: 1} served hi's request (priority 4) first";
    EXPECT_EQ(s.steps[10].count, 0u) << "serve without count: every pending request";
    EXPECT_EQ(s.steps[11].partition, "lo") << "c was served: its free goes to the partition";
}

TEST(Scenario, Pmsav8RegistersAreNamedByThePmsav8Table) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - mpu_write: {reg: RLAR_A2, value: 0x2000001F}
  - mpu_write: {reg: MAIR0, value: 0xFF}
)", DATA_DIR + "/t.yaml", {"platform.mpu.flavour=pmsav8"});
    EXPECT_EQ(s.steps[0].register_address, 0xE000EDB0u);
    EXPECT_EQ(s.steps[1].register_address, 0xE000EDC0u);
}

TEST(Scenario, OverrideOfAnMpuRegisterFormReplacesTheOtherForm) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - mpu_write: {reg: CTRL, value: 5}
)", DATA_DIR + "/t.yaml", {"steps[0].mpu_write.address=0xE000ED98", "steps[0].mpu_write.value=3"});
    EXPECT_EQ(s.steps[0].register_address, 0xE000ED98u);
    EXPECT_EQ(s.steps[0].value, 3u);
}

TEST(Scenario, AbsentOptionalKeysTakeTheDocumentedDefaults) {
    const Scenario s = load_scenario(MINIMAL);
    EXPECT_EQ(s.seed, 1u);
    EXPECT_EQ(s.mode, TimingMode::Lt);
    EXPECT_EQ(s.energy_window_cycles, 10000u);
    EXPECT_EQ(s.allocators.at(1).max_waste_ratio, 4u);
    EXPECT_TRUE(s.allocators.at(1).huge.empty());
    EXPECT_EQ(s.dma.at(0).burst_bytes, 16u);
}

TEST(Scenario, ParsingTwiceGivesTheSameScenario) {
    const Scenario a = load_scenario(ALL_STEPS);
    const Scenario b = load_scenario(ALL_STEPS);
    ASSERT_EQ(a.steps.size(), b.steps.size());
    for (size_t i = 0; i < a.steps.size(); ++i) {
        EXPECT_EQ(a.steps[i].kind, b.steps[i].kind);
        EXPECT_EQ(a.steps[i].line, b.steps[i].line);
        EXPECT_EQ(a.steps[i].wait_ps, b.steps[i].wait_ps);
    }
}

TEST(Scenario, HexWithSeparatorsIsReadLikeThePlatformReadsIt) {
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks.yaml
seed: 0xDEAD_BEEF
steps:
  - read: {address: 0x2000_0010, bytes: 0x10}
)", DATA_DIR + "/t.yaml");
    EXPECT_EQ(s.seed, 0xDEADBEEFu);
    EXPECT_EQ(s.steps.at(0).address, 0x20000010u);
    EXPECT_EQ(s.steps.at(0).bytes, 16u);
}

const std::string POWER = DATA_DIR + "/valid/power.yaml";

TEST(Scenario, PowerAwareAllocatorResolvesItsBanksRegionsAndSpan) {
    const Scenario s = load_scenario(POWER);
    ASSERT_EQ(s.allocators.size(), 1u);
    const AllocatorSpec& a = s.allocators[0];
    EXPECT_EQ(a.kind, AllocatorKind::PowerAware);
    EXPECT_EQ(a.power.banks, (std::vector<std::string>{"b", "c", "d"}));
    EXPECT_EQ(a.power.regions, (std::vector<size_t>{1, 2})); // B and CD, controller order
    EXPECT_EQ(a.power.policy, PowerPolicyKind::Pack);
    EXPECT_EQ(a.power.wake_budget_cycles, 500u);
    EXPECT_EQ(a.base, 0x20002000u);   // its span, for the other allocators' overlap check
    EXPECT_EQ(a.size_bytes, 0x6000u);
}

TEST(Scenario, PowerStepsCarryTheirArguments) {
    const Scenario s = load_scenario(POWER);
    EXPECT_TRUE(s.steps[0].long_lived);
    EXPECT_FALSE(s.steps[1].long_lived);
    EXPECT_EQ(s.steps[4].kind, StepKind::OptimizePower);
    EXPECT_EQ(s.steps[4].heap, "heap"); // the only power_aware allocator
    EXPECT_EQ(s.steps[4].wake_budget_cycles, std::optional<uint32_t>(100));
    EXPECT_FALSE(s.steps[5].wake_budget_cycles.has_value());
    EXPECT_EQ(s.steps[6].kind, StepKind::PowerRequest);
    EXPECT_EQ(s.steps[6].region, "A");
    EXPECT_EQ(s.steps[6].state, PowerState::Off);
    EXPECT_EQ(s.steps[8].kind, StepKind::Sleep);
    EXPECT_EQ(s.steps[8].wait_ps, 2000000000u);
    EXPECT_EQ(s.steps[9].wait_ps, 3000000u);
    EXPECT_EQ(s.steps[10].wait_ps, 4 * PERIOD_PS);
    const Expectation& region = s.steps[11].expectations.at(0);
    EXPECT_EQ(region.kind, ExpectKind::RegionState);
    EXPECT_EQ(region.region, "CD");
    EXPECT_EQ(region.power_state, PowerState::Off);
    const Expectation& energy = s.steps[12].expectations.at(0);
    EXPECT_EQ(energy.kind, ExpectKind::EnergyMaxUj);
    EXPECT_EQ(energy.region, "B");
    EXPECT_EQ(energy.power_state, PowerState::Standby);
    EXPECT_TRUE(energy.at_end);
}

TEST(Scenario, PolicyAndSleepAreSettableByOverride) {
    const Scenario s = load_scenario(POWER, {"allocators[heap].policy=pack_retention",
                                             "steps[8].sleep.us=7"});
    EXPECT_EQ(s.allocators[0].power.policy, PowerPolicyKind::PackRetention);
    EXPECT_EQ(s.steps[8].wait_ps, 7000000u); // us replaced ms
    const ConfigError e = error_of(POWER, {"allocators[heap].policy=fastest"});
    EXPECT_EQ(e.file(), "--set allocators[heap].policy=fastest");
    EXPECT_NE(std::string(e.what()).find("expected one of none, pack or pack_retention"),
              std::string::npos) << e.what();
}

TEST(Scenario, ShippedScenariosLoad) {
    // Every scenario the repository ships must parse (the executor's tests run them).
    const std::string dir = std::string(EMSIM_SOURCE_DIR) + "/scenarios";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") continue;
        if (entry.path().parent_path().filename() == "platforms") continue;
        try {
            load_scenario(entry.path().string());
        } catch (const ConfigError& e) {
            ADD_FAILURE() << e.what();
        }
    }
}

// ---- Overrides -----------------------------------------------------------------------------

TEST(Scenario, OverridesSetTopLevelValues) {
    const Scenario s = load_scenario(MINIMAL, {"seed=9", "mode=at", "name=renamed",
                                               "energy_window_cycles=250"});
    EXPECT_EQ(s.seed, 9u);
    EXPECT_EQ(s.mode, TimingMode::At);
    EXPECT_EQ(s.name, "renamed");
    EXPECT_EQ(s.energy_window_cycles, 250u);
}

TEST(Scenario, OverridesSetAllocatorAndDmaKeysByNameOrIndex) {
    const Scenario s = load_scenario(ALL_STEPS, {"allocators[heap].size=4096",
                                                 "allocators[1].block_size=32",
                                                 "dma[rx].period_cycles=20", "dma[1].burst=64"});
    EXPECT_EQ(s.allocators[0].size_bytes, 4096u);
    EXPECT_EQ(s.allocators[1].block_size_bytes, 32u);
    EXPECT_EQ(s.dma[0].period_cycles, 20u);
    EXPECT_EQ(s.dma[1].burst_bytes, 64u);
}

TEST(Scenario, OverridesSetStepArgumentsByTopLevelIndex) {
    const Scenario s = load_scenario(ALL_STEPS, {"steps[0].alloc.size=48",
                                                 "steps[15].wait.us=3",
                                                 "steps[14].random_workload.size.max=128",
                                                 "steps[12].repeat.count=5"});
    EXPECT_EQ(s.steps[0].size_bytes, 48u);
    EXPECT_EQ(s.steps[15].wait_ps, 3000000u) << "us replaces the file's cycles";
    EXPECT_EQ(s.steps[14].size_range.max_bytes, 128u);
    EXPECT_EQ(s.steps[12].count, 5u);
}

TEST(Scenario, PlatformOverridesGoToThePlatform) {
    const Scenario s = load_scenario(MINIMAL, {"platform.banks[ram1].read_cycles=3",
                                               "platform.cpu.per_step_cycles=5"});
    EXPECT_EQ(s.platform.banks[1].params.read_cycles, 3u);
    EXPECT_EQ(s.platform.cpu.per_step_cycles, 5u);
}

TEST(Scenario, OverridesApplyInOrderSoTheLastOneWins) {
    EXPECT_EQ(load_scenario(MINIMAL, {"seed=2", "seed=3"}).seed, 3u);
}

TEST(Scenario, OverrideWithAnUnknownPathIsRejectedByName) {
    ConfigError e = error_of(MINIMAL, {"sed=3"});
    EXPECT_EQ(e.file(), "--set sed=3");
    EXPECT_TRUE(contains(e.what(), "sed: unknown setting (did you mean seed?); settable paths are name, platform, seed")) << e.what();
    e = error_of(MINIMAL, {"allocators[heap].sise=3"});
    EXPECT_TRUE(contains(e.what(), "allocators[heap].sise: unknown setting (did you mean size?)")) << e.what();
    e = error_of(MINIMAL, {"steps[0].alloc.algn=8"});
    EXPECT_TRUE(contains(e.what(), "steps[0].alloc.algn: unknown setting (did you mean align?); the keys of step alloc are heap, size, align, as, deadline_steps")) << e.what();
    e = error_of(MINIMAL, {"steps[0].allok.size=8"});
    EXPECT_TRUE(contains(e.what(), "allok is not a step kind (did you mean alloc?)")) << e.what();
    e = error_of(MINIMAL, {"steps.alloc.size=8"});
    EXPECT_TRUE(contains(e.what(), "steps.alloc.size: unknown setting")) << e.what();
}

TEST(Scenario, OverrideOfAMissingItemNamesTheItemsThatExist) {
    ConfigError e = error_of(MINIMAL, {"allocators[pool].size=8"});
    EXPECT_TRUE(contains(e.what(), "allocators[pool].size: no such allocator; expected an index from 0 to 1 or one of the names heap, tiers, got pool")) << e.what();
    e = error_of(MINIMAL, {"steps[4].alloc.size=8"});
    EXPECT_TRUE(contains(e.what(), "steps[4].alloc.size: no such step; expected an index from 0 to 0")) << e.what();
    e = error_of(MINIMAL, {"steps[0].wait.cycles=8"});
    EXPECT_TRUE(contains(e.what(), "steps[0].wait.cycles: steps[0] is a step of kind alloc (line 10), not wait")) << e.what();
}

TEST(Scenario, BadOverrideValueIsBlamedOnTheOverrideNotTheFile) {
    ConfigError e = error_of(MINIMAL, {"steps[0].alloc.heap=nope"});
    EXPECT_EQ(e.file(), "--set steps[0].alloc.heap=nope");
    EXPECT_EQ(e.line(), 0);
    EXPECT_TRUE(contains(e.what(), "steps[0].alloc.heap: expected an allocator (heap, tiers), got undefined heap 'nope'")) << e.what();
    e = error_of(MINIMAL, {"mode=fast"});
    EXPECT_STREQ(e.what(), "--set mode=fast: mode: expected one of lt, lt_dmi or at, got fast");
}

TEST(Scenario, BadPlatformOverrideNamesThePlatformPrefix) {
    ConfigError e = error_of(MINIMAL, {"platform.banks[0].read_cycles=0"});
    EXPECT_EQ(e.file(), "--set platform.banks[0].read_cycles=0");
    EXPECT_STREQ(e.what(), "--set platform.banks[0].read_cycles=0: platform.banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got 0");
    e = error_of(MINIMAL, {"platform.clocks.frequency_mhz=3"});
    EXPECT_TRUE(contains(e.what(), "--set platform.clocks.frequency_mhz=3: platform.clocks.frequency_mhz: unknown setting")) << e.what();
}

TEST(Scenario, OverrideWithoutEqualsSignIsRejected) {
    ConfigError e = error_of(MINIMAL, {"seed"});
    EXPECT_TRUE(contains(e.what(), "expected key.path=value, got seed")) << e.what();
    e = error_of(MINIMAL, {"platform.name"});
    EXPECT_TRUE(contains(e.what(), "expected key.path=value, got platform.name")) << e.what();
}

TEST(Scenario, OverrideOfThePlatformFileResolvesLikeTheKey) {
    ConfigError e = error_of(MINIMAL, {"platform=../platforms/broken_platform.yaml"});
    EXPECT_EQ(e.file(), DATA_DIR + "/platforms/broken_platform.yaml");
    EXPECT_EQ(e.line(), 8);
}

// ---- Rules the broken files do not cover ---------------------------------------------------

TEST(Scenario, AllocSizeZeroIsLeftToTheRuntimeToRefuse) {
    // `expect: {result: InvalidSize}` must be writable, so size 0 is not a parse error.
    const Scenario s = parse_scenario(R"(name: t
platform: platforms/two_banks.yaml
allocators: [{name: heap, kind: tlsf, bank: ram0, size: 4096}]
steps:
  - alloc: {heap: heap, size: 0}
  - expect: {result: InvalidSize}
)", DATA_DIR + "/t.yaml");
    EXPECT_EQ(s.steps.at(1).expectations.at(0).status, "InvalidSize");
}

TEST(Scenario, MarkerSetOnAnotherStackIsNamedInTheError) {
    ConfigError e = text_error(R"(name: t
platform: platforms/two_banks.yaml
allocators:
  - {name: s1, kind: stack, bank: ram0, size: 1024}
  - {name: s2, kind: stack, bank: ram1, size: 1024}
steps:
  - mark: {heap: s1, as: m}
  - release: {heap: s2, marker: m}
)");
    EXPECT_EQ(e.line(), 8);
    EXPECT_TRUE(contains(e.what(), "got undefined marker 'm' (it was marked on 's1')")) << e.what();
}

TEST(Scenario, TieredWithoutHugeCannotServeAWorkloadAboveItsLargestClass) {
    ConfigError e = text_error(R"(name: t
platform: platforms/two_banks.yaml
allocators: [{name: t, kind: tiered, bank: ram0, size: 4096, classes: [16, 32]}]
steps:
  - random_workload: {heap: t, count: 4, size: {min: 8, max: 64}, lifetime: {min: 0, max: 1}}
)");
    EXPECT_EQ(e.line(), 5);
    EXPECT_TRUE(contains(e.what(), "expected at most the largest class of 't' (32), which has no huge allocator, got 64")) << e.what();
}

TEST(Scenario, ReadingBothABlockAndAnAddressIsRejected) {
    ConfigError e = text_error(R"(name: t
platform: platforms/two_banks.yaml
allocators: [{name: heap, kind: tlsf, bank: ram0, size: 4096}]
steps:
  - alloc: {heap: heap, size: 16, as: b}
  - read: {block: b, address: 0x20000000}
)");
    EXPECT_EQ(e.line(), 6);
    EXPECT_TRUE(contains(e.what(), "steps[1].read.address: expected one of block and address, got both")) << e.what();
}

TEST(Scenario, MergeKeysAreRejected) {
    ConfigError e = text_error(R"(name: t
platform: platforms/two_banks.yaml
allocators:
  - &h {name: heap, kind: tlsf, bank: ram0, size: 4096}
  - {<<: *h, name: heap2, offset: 4096}
steps:
  - check: {heap: heap}
)");
    EXPECT_EQ(e.line(), 5);
    EXPECT_TRUE(contains(e.what(), "allocators[1].<<: expected a key, got a YAML merge key")) << e.what();
}

TEST(Scenario, MissingScenarioFileCannotBeOpened) {
    ConfigError e = error_of(DATA_DIR + "/no_such_scenario.yaml");
    EXPECT_TRUE(contains(e.what(), "no_such_scenario.yaml: cannot open")) << e.what();
    e = error_of(DATA_DIR);
    EXPECT_TRUE(contains(e.what(), "cannot open: it is a directory")) << e.what();
}

/// Every prefix of a valid file either loads or throws ConfigError: truncation never crashes,
/// aborts or escapes as another exception type.
TEST(Scenario, EveryTruncationOfAValidFileEndsInAConfigErrorOrALoad) {
    std::ifstream in(ALL_STEPS);
    std::stringstream text;
    text << in.rdbuf();
    const std::string full = text.str();
    ASSERT_GT(full.size(), 1000u);
    size_t errors = 0;
    for (size_t n = 0; n < full.size(); n += 3) {
        try {
            parse_scenario(full.substr(0, n), ALL_STEPS);
        } catch (const ConfigError&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0u);
}

/// The same with any one line removed: a missing key, a list item or a step never crashes.
TEST(Scenario, EveryFileWithOneLineRemovedEndsInAConfigErrorOrALoad) {
    std::ifstream in(ALL_STEPS);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_GT(lines.size(), 60u);
    size_t errors = 0;
    for (size_t skip = 0; skip < lines.size(); ++skip) {
        std::string text;
        for (size_t i = 0; i < lines.size(); ++i)
            if (i != skip) text += lines[i] + "\n";
        try {
            parse_scenario(text, ALL_STEPS);
        } catch (const ConfigError& e) {
            ++errors;
            EXPECT_GT(e.line(), 0) << "an error in the file has a line: " << e.what();
        }
    }
    EXPECT_GT(errors, 10u);
}

// ---- Broken files: each fails at its exact line, saying what was expected ------------------

struct BrokenScenario {
    const char* fact;       ///< the test name
    const char* file;       ///< in tests/sim/data/scenarios
    int line;               ///< 1-based, 0 = no line
    const char* fragment;   ///< a part of the message
    const char* error_file; ///< the file the error names, if not the scenario itself
};

const BrokenScenario BROKEN_SCENARIOS[] = {
    {"UnknownTopLevelKeySuggestsTheKnownOne", "unknown_top_key.yaml", 12,
     "allocator: unknown key (did you mean allocators?); expected one of name, platform, seed, mode, energy_window_cycles, allocators, dma, steps", nullptr},
    {"UnknownStepKindListsTheKinds", "unknown_step_kind.yaml", 12,
     "steps[1].allok: unknown step kind (did you mean alloc?); expected one of alloc, free, realloc, read, write, mark, release, seal, repeat, random_workload, wait, dma, power, check, expect", nullptr},
    {"UnknownStepArgumentListsTheArguments", "unknown_step_argument.yaml", 14,
     "steps[0].alloc.algn: unknown key (did you mean align?); expected one of heap, size, align, as, deadline_steps", nullptr},
    {"WrongTypeIsRejected", "wrong_type.yaml", 11,
     "steps[0].alloc.size: expected a whole number of bytes from 0 to 2^32 - 1 (0 asks the runtime for InvalidSize), got big", nullptr},
    {"QuotedNumberIsAStringNotANumber", "quoted_number.yaml", 12,
     "seed: expected a whole number >= 0, got the string \"7\"", nullptr},
    {"FractionalCyclesAreRejected", "fractional_cycles.yaml", 11,
     "steps[0].wait.cycles: expected a whole number of cycles from 0 to 64000000000000 (10^18 ps), got 1.5", nullptr},
    {"UndefinedBlockIsRejected", "undefined_block.yaml", 12,
     "steps[1].free.block: expected a block bound by an earlier alloc with as: (buf), got undefined block 'bfu' (did you mean buf?)", nullptr},
    {"BlockUsedBeforeItIsBoundIsUndefined", "used_before_bound.yaml", 11,
     "steps[0].free.block: expected a block bound by an earlier alloc with as: (none is bound yet), got undefined block 'buf'", nullptr},
    {"UndefinedHeapIsRejected", "undefined_heap.yaml", 11,
     "steps[0].alloc.heap: expected an allocator (heap, msgs, frames), got undefined heap 'hep' (did you mean heap?)", nullptr},
    {"UndefinedBankInAStepIsRejected", "undefined_bank.yaml", 11,
     "steps[0].power.bank: expected one of the banks of platform two_banks (ram0, ram1), got undefined bank 'ram9'", nullptr},
    {"UndefinedBankOfAnAllocatorIsRejected", "undefined_allocator_bank.yaml", 7,
     "allocators[0].bank: expected one of the banks of platform two_banks (ram0, ram1), got undefined bank 'sram1' (did you mean ram1?)", nullptr},
    {"UndefinedDmaStreamIsRejected", "undefined_dma.yaml", 11,
     "steps[0].dma.name: expected one of the DMA streams under dma: (rx), got undefined dma stream 'tx'", nullptr},
    {"UndefinedMarkerIsRejected", "undefined_marker.yaml", 12,
     "steps[1].release.marker: expected a marker set on 'frames' by an earlier mark (top), got undefined marker 'tpo' (did you mean top?)", nullptr},
    {"ReallocOnAPoolBlockIsRejected", "realloc_on_pool.yaml", 12,
     "steps[1].realloc.block: expected a block from a tlsf allocator (realloc is tlsf only), got 'm' from 'msgs', a pool allocator", nullptr},
    {"ReallocOfABlockARepeatRebindsIsRejected", "realloc_after_rebinding.yaml", 15,
     "steps[1].repeat.steps[0].realloc.block: expected a block from a tlsf allocator (realloc is tlsf only), got 'm' from 'msgs', a pool allocator, as the previous iteration of the repeat rebinds it", nullptr},
    {"MarkOnATlsfHeapIsRejected", "mark_on_tlsf.yaml", 11,
     "steps[0].mark.heap: expected a stack allocator (frames), got 'heap', a tlsf allocator", nullptr},
    {"DeadlineOnAPoolIsRejected", "deadline_on_pool.yaml", 11,
     "steps[0].alloc.deadline_steps: expected deadline_steps only on a tlsf allocator, got it on 'msgs', a pool allocator", nullptr},
    {"RandomWorkloadOnAStackIsRejected", "random_workload_on_stack.yaml", 11,
     "steps[0].random_workload.heap: expected a tlsf, pool or tiered allocator (heap, msgs), got 'frames', a stack allocator", nullptr},
    {"OverlappingAllocatorRegionsNameBoth", "overlapping_allocators.yaml", 12,
     "allocators[1].offset: expected a region that overlaps no other allocator, got \"pool\" [0x20000800, 0x20001800) overlapping \"heap\" [0x20000000, 0x20001000) (allocators[0], line 5)", nullptr},
    {"RegionPastTheBankEndIsRejected", "region_past_bank_end.yaml", 9,
     "allocators[0].size: expected a region inside bank ram1 [0x20004000, 0x20008000) of 16384 bytes, got offset 12288 + size 8192 = 20480, past the bank's end", nullptr},
    {"DmaRangePastTheBankEndIsRejected", "dma_past_bank_end.yaml", 9,
     "dma[0].size: expected a region inside bank ram0 [0x20000000, 0x20004000) of 16384 bytes, got offset 16000 + size 1024 = 17024", nullptr},
    {"MisalignedRegionIsRejected", "misaligned_region.yaml", 5,
     "allocators[0].offset: expected a region that starts on a multiple of 8 bytes (the runtime's block alignment), got base 0x20000000 + offset 4 = 0x20000004", nullptr},
    {"SizeMinAboveMaxIsRejected", "min_greater_than_max.yaml", 14,
     "steps[0].random_workload.size.max: expected max >= min (64), got 16", nullptr},
    {"WorkloadLargerThanThePoolBlockIsRejected", "workload_larger_than_pool_block.yaml", 14,
     "steps[0].random_workload.size.max: expected at most the block_size of pool 'msgs' (32), got 64", nullptr},
    {"FixedRateWithoutPeriodIsRejected", "fixed_rate_without_period.yaml", 5,
     "dma[0].period_cycles: expected the cycles between two bursts (pattern fixed_rate needs period_cycles), got nothing (the key is missing)", nullptr},
    {"PeriodOnASequentialStreamIsRejected", "period_on_sequential.yaml", 5,
     "dma[0].period_cycles: expected period_cycles only with pattern fixed_rate, got it with pattern sequential", nullptr},
    {"WritePercentAbove100IsRejected", "write_percent_over_100.yaml", 5,
     "dma[0].write_percent: expected a whole number from 0 to 100, got 150", nullptr},
    {"BadModeListsTheModes", "bad_mode.yaml", 4, "mode: expected one of lt, lt_dmi or at, got fast", nullptr},
    {"BadResultStatusListsTheStatuses", "bad_result_status.yaml", 12,
     "steps[1].expect.result: expected ok, bus_error, mpu_fault, terminated, unbound or an RtStatus name (ok, NoMemory, InvalidSize, InvalidAlignment, BadPointer, DoubleFree, Corrupt, TimeConstraintViolation, Sealed, OutOfOrder, InvalidRegion, AccessDenied, AddressConflict, QuotaExceeded, Unsupported, bus_error, mpu_fault, terminated, unbound), got NoMem", nullptr},
    {"ResultBeforeAnyOperationIsRejected", "result_before_any_op.yaml", 12,
     "steps[1].expect.result: expected an operation before this step (result checks the previous one), got none", nullptr},
    {"OpFilterWithoutLatencyIsRejected", "op_without_latency.yaml", 12,
     "steps[1].expect.op: expected op beside max_latency_cycles (it filters that expectation), got it alone", nullptr},
    {"HeapFreeMinWithoutHeapIsRejected", "heap_free_min_without_heap.yaml", 12,
     "steps[1].expect.heap: expected the allocator whose free bytes heap_free_min checks, got nothing (the key is missing)", nullptr},
    {"UnknownFaultKindIsRejected", "bad_fault_kind.yaml", 12,
     "steps[1].expect.fault.kind: expected one of bus_error, runtime_invariant or mpu_fault, got bus_eror (did you mean bus_error?)", nullptr},
    {"YamlSyntaxErrorKeepsTheParsersPosition", "yaml_syntax.yaml", 12,
     "yaml_syntax.yaml:12:9: YAML syntax error: end of map flow not found", nullptr},
    {"MissingPlatformFileIsReportedAtThePlatformKey", "missing_platform_file.yaml", 3,
     "platform: expected a platform file that can be read, got platforms/no_such_platform.yaml (", nullptr},
    {"BadPlatformIsReportedInThePlatformFile", "bad_platform.yaml", 8,
     "platforms/broken_platform.yaml:8:5: banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got 0",
     "platforms/broken_platform.yaml"},
    {"WaitWithTwoUnitsIsRejected", "wait_two_units.yaml", 11,
     "steps[0].wait.us: expected one of cycles, ns and us, got both cycles and us", nullptr},
    {"HugeThatIsNotTlsfIsRejected", "huge_not_tlsf.yaml", 11,
     "allocators[1].huge: expected the name of a tlsf allocator defined above (none is defined), got 'msgs', a pool allocator", nullptr},
    {"TieredClassesMustAscend", "classes_not_ascending.yaml", 5,
     "allocators[0].classes[2]: expected a block size larger than the class before it (64): classes are strictly ascending, got 32", nullptr},
    {"PoolKeyOnATlsfAllocatorIsRejected", "block_size_on_tlsf.yaml", 9,
     "allocators[0].block_size: not a key of a tlsf allocator (block_size is for pool); expected one of name, kind, bank, offset, size, guarded", nullptr},
    {"DuplicateAllocatorNameIsRejected", "duplicate_allocator_name.yaml", 6,
     "allocators[1].name: expected a name no other allocator has, got \"heap\" again (first at allocators[0], line 5)", nullptr},
    {"RepeatCountZeroIsRejected", "repeat_zero_count.yaml", 12,
     "steps[0].repeat.count: expected a whole number from 1 to 10^9, got 0", nullptr},
    {"UnknownPowerStateListsTheStates", "bad_power_state.yaml", 11,
     "steps[0].power.state: expected one of active, standby, retention or off, got sleep", nullptr},
    {"MpuWriteNeedsAnMpu", "mpu_write_without_mpu.yaml", 5,
     "steps[0].mpu_write: expected a platform with an mpu: section (mpu_write programs the MPU), got platform two_banks without one", nullptr},
    {"UnknownMpuRegisterListsTheFlavoursRegisters", "mpu_unknown_register.yaml", 5,
     "steps[0].mpu_write.reg: expected a register of pmsav7 (CFSR, MMFAR, TYPE, CTRL, RNR, RBAR, RASR, RBAR_A1, RASR_A1, RBAR_A2, RASR_A2, RBAR_A3, RASR_A3), with or without the MPU_ prefix, got RASR_A4 (did you mean RASR_A1?)", nullptr},
    {"Pmsav8RegisterOnAPmsav7MpuIsRejected", "mpu_v8_register_on_v7.yaml", 5,
     "steps[0].mpu_write.reg: expected a register of pmsav7", nullptr},
    {"MpuRegisterAndAddressAreOneArgument", "mpu_reg_and_address.yaml", 5,
     "steps[0].mpu_write.address: expected one of reg and address, got both", nullptr},
    {"MpuWriteNeedsItsValue", "mpu_write_without_value.yaml", 5,
     "steps[0].mpu_write.value: expected an integer from 0 to 0xFFFFFFFF, got nothing (the key is missing)", nullptr},
    {"MpuValueIsOneWord", "mpu_value_too_large.yaml", 5,
     "steps[0].mpu_write.value: expected an integer from 0 to 0xFFFFFFFF, got 0x1_0000_0000", nullptr},
    {"MpuReadExpectIsAWord", "mpu_read_bad_expect.yaml", 5,
     "steps[0].mpu_read.expect: expected an integer from 0 to 0xFFFFFFFF, got DACCVIOL", nullptr},
    {"UnknownAccessKindListsTheKinds", "access_bad_kind.yaml", 5,
     "steps[0].access.kind: expected one of read, write or exec, got fetch", nullptr},
    {"AccessOfZeroBytesIsRejected", "access_zero_size.yaml", 5,
     "steps[0].access.size: expected a whole number of bytes from 1 to 65536 (1, 2 or 4: one access; more: one burst), got 0", nullptr},
    {"AccessPastTheAddressSpaceIsRejected", "access_past_address_space.yaml", 5,
     "steps[0].access.addr: expected an access that ends at or below 2^32, got 0xFFFFFFFE + 4 bytes", nullptr},
    {"AccessPrivilegedIsAFlag", "access_privileged_not_flag.yaml", 5,
     "steps[0].access.privileged: expected true or false, got 0", nullptr},
    {"AccessNeedsItsAddress", "access_without_addr.yaml", 5,
     "steps[0].access.addr: expected an address (an integer below 2^32, e.g. 0x20000000), got nothing (the key is missing)", nullptr},
    {"FaultDomainIsASixteenBitId", "fault_domain_too_large.yaml", 6,
     "steps[1].expect.fault.domain: expected a domain defined by an earlier domain step, or a domain id from 0 (the runtime) to 65535, got 70000", nullptr},
    {"AsDomainAllocatesForAnother", "as_domain_allocates_for_another.yaml", 10,
     "steps[2].as_domain.steps[0].allocate_isolated.domain: expected the domain this as_domain runs as (a), got b", nullptr},
    {"AsDomainNested", "as_domain_nested.yaml", 10,
     "steps[2].as_domain.steps[0].as_domain: expected as_domain outside another as_domain, got it inside as_domain a", nullptr},
    {"AsDomainRunsAlloc", "as_domain_runs_alloc.yaml", 9,
     "steps[1].as_domain.steps[0].seal: expected a step a domain runs (access, read, write, allocate_isolated, alloc, submit, free, wait or expect), got seal", nullptr},
    {"DomainBadSecurityLevel", "domain_bad_security_level.yaml", 5,
     "steps[0].domain.security_level: expected one of untrusted, normal or trusted, got high", nullptr},
    {"DomainDefinedTwice", "domain_defined_twice.yaml", 6,
     "steps[1].domain.name: expected a name no other domain has, got a", nullptr},
    {"DomainInsideRepeat", "domain_inside_repeat.yaml", 5,
     "steps[0].repeat.steps[0].domain: expected domain at the top level of steps (it is created once), got it inside another step", nullptr},
    {"DomainNamedKernel", "domain_named_kernel.yaml", 5,
     "steps[0].domain.name: expected a domain name other than kernel (kernel names no domain), got kernel", nullptr},
    {"DomainWithoutMpu", "domain_without_mpu.yaml", 5,
     "steps[0].domain: expected a platform with an mpu: section (domain uses the MPU), got platform two_banks without one", nullptr},
    {"ReallocIsolatedBlock", "realloc_isolated_block.yaml", 8,
     "steps[3].realloc.block: expected a block bound by an alloc from an allocator (heap:), got 'x', a block of partition p (read, write and free take it; realloc does not)", nullptr},
    {"AllocPartitionWithoutMpu", "alloc_partition_without_mpu.yaml", 5,
     "steps[0].alloc.partition: expected a platform with an mpu: section (alloc from a partition uses the runtime's partition manager), got platform two_banks without one", nullptr},
    {"AllocUndefinedPartition", "alloc_undefined_partition.yaml", 7,
     "steps[2].alloc.partition: expected a partition defined by an earlier partition step (pa), got undefined partition 'pb' (did you mean pa?)", nullptr},
    {"AllocHeapAndPartition", "alloc_heap_and_partition.yaml", 10,
     "steps[2].alloc.heap: expected one of heap and partition, got both", nullptr},
    {"AllocPartitionAlign", "alloc_partition_align.yaml", 7,
     "steps[2].alloc.align: expected align only on an alloc from an allocator (heap:), got it with partition:", nullptr},
    {"SubmitWithoutMpu", "submit_without_mpu.yaml", 5,
     "steps[0].submit.partition: expected a platform with an mpu: section (submit from a partition uses the runtime's partition manager), got platform two_banks without one", nullptr},
    {"SubmitUndefinedPartition", "submit_undefined_partition.yaml", 7,
     "steps[2].submit.partition: expected a partition defined by an earlier partition step (pa), got undefined partition 'pb' (did you mean pa?)", nullptr},
    {"ServeWithoutMpu", "serve_without_mpu.yaml", 5,
     "steps[0].serve: expected a platform with an mpu: section (serve uses the MPU), got platform two_banks without one", nullptr},
    {"ServeWithoutPartition", "serve_without_partition.yaml", 6,
     "steps[1].serve: expected serve after a partition step (it serves requests submitted to partitions), got it with no partition defined", nullptr},
    {"ServeZeroCount", "serve_zero_count.yaml", 8,
     "steps[3].serve.count: expected a whole number of requests from 1 to 16 (the scheduler's queue, EMSIM_RT_PARTITION_QUEUE; leave it out to serve every pending request), got 0", nullptr},
    {"ServeCountBeyondTheQueue", "serve_count_beyond_queue.yaml", 7,
     "steps[2].serve.count: expected a whole number of requests from 1 to 16", nullptr},
    {"ReadBeforeServe", "read_before_serve.yaml", 8,
     "steps[3].write.block: expected a block bound by an earlier alloc with as: or a served request, got 'x', a request to partition pa (submit at line 7) that no serve has served yet", nullptr},
    {"ServeCountLeavesTheLowerPriorityRequest", "serve_count_leaves_request.yaml", 12,
     "steps[7].free.block: expected a block bound by an earlier alloc with as: or a served request, got 'low', a request to partition lo (submit at line 8) that no serve has served yet", nullptr},
    {"ServeInsideAsDomain", "serve_inside_as_domain.yaml", 11,
     "steps[2].as_domain.steps[1].serve: expected a step a domain runs (access, read, write, allocate_isolated, alloc, submit, free, wait or expect), got serve", nullptr},
    {"AsDomainAllocsFromHeap", "as_domain_allocs_from_heap.yaml", 11,
     "steps[1].as_domain.steps[0].alloc: expected alloc with partition: (a domain allocates from partitions, not from the kernel's allocators), got alloc from heap kheap", nullptr},
    {"IsolatedBadIsolation", "isolated_bad_isolation.yaml", 6,
     "steps[1].allocate_isolated.isolation: expected one of private, shared_ro or shared, got public", nullptr},
    {"IsolatedPeersNotAList", "isolated_peers_not_a_list.yaml", 7,
     "steps[2].allocate_isolated.peers: expected a list of domain names, got b", nullptr},
    {"IsolatedUndefinedDomain", "isolated_undefined_domain.yaml", 6,
     "steps[1].allocate_isolated.domain: expected a domain defined by an earlier domain step (a), got undefined domain 'b' (did you mean a?)", nullptr},
    {"IsolatedWithoutDomain", "isolated_without_domain.yaml", 6,
     "steps[1].allocate_isolated.domain: expected a domain defined by an earlier domain step, got nothing (the key is missing)", nullptr},
    {"IsolatedZeroSize", "isolated_zero_size.yaml", 6,
     "steps[1].allocate_isolated.size: expected a whole number of bytes from 1 to 2^31, got 0", nullptr},
    {"PartitionBadRights", "partition_bad_rights.yaml", 5,
     "steps[0].partition.rights: expected one of read_write or read_only, got rwx", nullptr},
    {"PartitionDefinedTwice", "partition_defined_twice.yaml", 6,
     "steps[1].partition.name: expected a name no other partition has, got p", nullptr},
    {"PartitionMisalignedStart", "partition_misaligned_start.yaml", 6,
     "steps[1].partition.start: expected a start on a multiple of 32 bytes (the MPU granule), got 0x20000010", nullptr},
    {"PartitionOffsetWithStart", "partition_offset_with_start.yaml", 5,
     "steps[0].partition.offset: expected offset only with bank, got it with start", nullptr},
    {"PartitionOutsideBanks", "partition_outside_banks.yaml", 5,
     "steps[0].partition.size: expected a partition inside one bank, got [0x20003C00, 0x20004400)", nullptr},
    {"PartitionPriorityTooLarge", "partition_priority_too_large.yaml", 5,
     "steps[0].partition.priority: expected a whole number from 0 to 255 (larger is served first), got 300", nullptr},
    {"PartitionSizeNotGranule", "partition_size_not_granule.yaml", 6,
     "steps[1].partition.size: expected a whole number of bytes from 32 to 2^32, a multiple of 32 (the MPU granule), got 100", nullptr},
    {"PartitionStartAndBank", "partition_start_and_bank.yaml", 5,
     "steps[0].partition.bank: expected one of start and bank (+ offset), got both", nullptr},
    {"PartitionUndefinedBank", "partition_undefined_bank.yaml", 5,
     "steps[0].partition.bank: expected one of the banks of platform two_banks_mpu (ram0, ram1), got undefined bank 'ram9' (did you mean ram0?)", nullptr},
    {"PartitionUndefinedOwner", "partition_undefined_owner.yaml", 5,
     "steps[0].partition.owner: expected a domain defined by an earlier domain step (none is defined), got undefined domain 'b'", nullptr},
    {"PartitionZeroQuota", "partition_zero_quota.yaml", 6,
     "steps[1].partition.quota: expected a whole number of bytes from 1 to 2^32 - 1 (leave it out for no quota), got 0", nullptr},
    {"SwitchDomainUndefined", "switch_domain_undefined.yaml", 6,
     "steps[1].switch_domain.to: expected a domain defined by an earlier domain step or kernel (a), got undefined domain 'b' (did you mean a?)", nullptr},
    {"IsolatedBadBlockName", "isolated_bad_block_name.yaml", 6,
     "steps[1].allocate_isolated.as: expected a name of letters, digits and '_' that does not start with a digit, got 2buf", nullptr},
    {"AsDomainUndefinedDomain", "as_domain_undefined_domain.yaml", 6,
     "steps[1].as_domain.domain: expected a domain defined by an earlier domain step (a), got undefined domain 'z' (did you mean a?)", nullptr},
    {"AsDomainStepsNotAList", "as_domain_steps_not_a_list.yaml", 6,
     "steps[1].as_domain.steps: expected a list of at least one step (each a map with one key naming its kind), got 3", nullptr},
    {"StepWithTwoKeysIsRejected", "step_with_two_keys.yaml", 11,
     "steps[0]: expected a map with one key naming the step (alloc, free, realloc, read, write, mark, release, seal, repeat, random_workload, wait, dma, power, check, expect, power_request, optimize_power, sleep, mpu_write, mpu_read, access, domain, partition, allocate_isolated, switch_domain, as_domain, submit, serve), got a map of 2 keys", nullptr},
    {"BlockNameMustBeAnIdentifier", "bad_block_name.yaml", 11,
     "steps[0].alloc.as: expected a name of letters, digits and '_' that does not start with a digit, got 1buf", nullptr},
    {"SealTakesNoArguments", "seal_with_arguments.yaml", 11,
     "steps[0].seal: expected nothing or {} (seal takes no arguments), got a map", nullptr},
    {"EmptyStepListIsRejected", "empty_steps.yaml", 4,
     "steps: expected a list of at least one step (each a map with one key naming its kind), got an empty list", nullptr},
    {"ScenarioWithoutNameIsRejected", "missing_name.yaml", 2,
     "name: expected a top-level key (a scenario needs name, platform and steps), got nothing (the key is missing)", nullptr},
    {"EmptyFileIsRejected", "empty.yaml", 0, "got an empty document", nullptr},
    {"RawRangeWithoutBytesIsRejected", "raw_range_without_bytes.yaml", 11,
     "steps[0].read.bytes: expected a whole number of bytes from 1 to 2^32 - 1 (a raw range needs its length), got nothing (the key is missing)", nullptr},
    {"DmaCountOnStopIsRejected", "dma_count_on_stop.yaml", 12,
     "steps[1].dma.count: expected count only with action: start, got it with action: stop", nullptr},
    {"PowerAwareTakesBanksNotBank", "power_aware_with_bank.yaml", 5,
     "allocators[0].bank: not a key of a power_aware allocator (bank is for every kind but power_aware, which takes banks); expected one of name, kind, banks, policy, wake_budget_cycles", nullptr},
    {"PowerAwareTakesWholeRegions", "power_aware_partial_region.yaml", 5,
     "allocators[0].banks: expected every bank of power region CD (the manager switches whole regions), got no d", nullptr},
    {"PowerAwareBanksAscend", "power_aware_descending_banks.yaml", 5,
     "allocators[0].banks[2]: expected banks in ascending address order without repeats, got b (0x20002000) after d (0x20006000)", nullptr},
    {"UnknownPolicyListsThePolicies", "power_aware_bad_policy.yaml", 5,
     "allocators[0].policy: expected one of none, pack or pack_retention, got greedy", nullptr},
    {"PowerAwareBankSharedWithAnotherAllocatorIsRejected", "power_aware_shares_bank.yaml", 6,
     "allocators[1].banks: expected banks no other allocator lives in, got bank b shared with \"tlsf\" (allocators[0], line 5)", nullptr},
    {"WakeBudgetBeyondTheTimeBaseIsRejected", "power_aware_budget_too_large.yaml", 5,
     "allocators[0].wake_budget_cycles: expected a whole number of cycles from 0 to 10^9, got 2000000000", nullptr},
    {"LifetimeOnATlsfHeapIsRejected", "lifetime_on_tlsf.yaml", 7,
     "steps[0].alloc.lifetime: expected lifetime only on a power_aware allocator, got it on 'tlsf', a tlsf allocator", nullptr},
    {"UnknownLifetimeListsTheLifetimes", "bad_lifetime.yaml", 7,
     "steps[0].alloc.lifetime: expected one of short or long, got forever", nullptr},
    {"PowerRequestToAnUndefinedRegionListsTheRegions", "power_request_undefined_region.yaml", 7,
     "steps[0].power_request.region: expected one of the power regions of platform power_banks (A, B, CD), got undefined region 'C'", nullptr},
    {"PowerRequestNeedsAState", "power_request_without_state.yaml", 7,
     "steps[0].power_request.state: expected one of active, standby, retention or off, got nothing (the key is missing)", nullptr},
    {"OptimizePowerNeedsAPowerAwareHeap", "optimize_power_without_power_heap.yaml", 7,
     "steps[0].optimize_power.heap: expected the power_aware allocator to optimize (none is defined), got nothing (the key is missing)", nullptr},
    {"OptimizePowerOfATlsfHeapIsRejected", "optimize_power_wrong_heap.yaml", 8,
     "steps[0].optimize_power.heap: expected a power_aware allocator (heap), got 'tlsf'", nullptr},
    {"SleepWithTwoUnitsIsRejected", "sleep_two_units.yaml", 7,
     "steps[0].sleep.us: expected one of cycles, us and ms, got both ms and us", nullptr},
    {"SleepOfNothingIsRejected", "sleep_zero.yaml", 7,
     "steps[0].sleep.ms: expected a whole number of ms from 1 to 1000000000 (10^18 ps), got 0", nullptr},
    {"RegionStateNeedsAState", "region_state_without_state.yaml", 7,
     "steps[0].expect.region_state.state: expected one of active, standby, retention or off, got nothing (the key is missing)", nullptr},
    {"StateFilterWithoutEnergyIsRejected", "energy_state_alone.yaml", 7,
     "steps[0].expect.state: expected state beside energy_max_uj (it filters that expectation), got it alone", nullptr},
    {"EnergyOfAnUndefinedRegionListsTheRegions", "energy_undefined_region.yaml", 7,
     "steps[0].expect.region: expected one of the power regions of platform power_banks (A, B, CD), got undefined region 'Z'", nullptr},
    {"PowerRequestOnAManagedRegionIsRefused", "power_request_on_managed_region.yaml", 7,
     "steps[0].power_request.region: expected a region no power_aware allocator manages (heap manages bank c of region CD: switch it with optimize_power), got CD", nullptr},
    {"PowerStepOnAManagedBankIsRefused", "power_on_managed_bank.yaml", 7,
     "steps[0].power.bank: expected a bank no power_aware allocator manages (heap manages b: switch it with optimize_power), got b", nullptr},
};

/// Names the case by its file in test output instead of a byte dump.
void PrintTo(const BrokenScenario& c, std::ostream* os) { *os << c.file; }

class BrokenScenarioFile : public ::testing::TestWithParam<BrokenScenario> {};

TEST_P(BrokenScenarioFile, FailsAtItsLineSayingWhatWasExpected) {
    const BrokenScenario& c = GetParam();
    const std::string path = DATA_DIR + "/" + c.file;
    const std::string error_path = c.error_file ? DATA_DIR + "/" + c.error_file : path;
    try {
        load_scenario(path);
        FAIL() << c.file << " loaded without an error";
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.file(), error_path);
        EXPECT_EQ(e.line(), c.line) << what;
        const std::string where = error_path + (c.line ? ":" + std::to_string(c.line) + ":" : ":");
        EXPECT_EQ(what.rfind(where, 0), 0u) << "message does not start with " << where << ": " << what;
        EXPECT_NE(what.find(c.fragment), std::string::npos) << "missing \"" << c.fragment << "\" in: " << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << "a message is one line: " << what;
    }
}

INSTANTIATE_TEST_SUITE_P(Scenario, BrokenScenarioFile, ::testing::ValuesIn(BROKEN_SCENARIOS),
                         [](const ::testing::TestParamInfo<BrokenScenario>& info) {
                             return std::string(info.param.fact);
                         });

TEST(Scenario, EveryBrokenFileInTheDataDirectoryIsCoveredByATableCase) {
    // A file added to data/scenarios without a table row would never be tested. Valid
    // scenarios live in valid/ and platforms in platforms/.
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DATA_DIR)) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        bool covered = false;
        for (const BrokenScenario& c : BROKEN_SCENARIOS)
            covered = covered || entry.path().filename() == c.file;
        EXPECT_TRUE(covered) << entry.path().filename() << " has no row in BROKEN_SCENARIOS";
    }
    EXPECT_EQ(files, std::size(BROKEN_SCENARIOS));
}

TEST(Scenario, EveryValidFileLoads) {
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DATA_DIR + "/valid")) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        EXPECT_NO_THROW(load_scenario(entry.path().string())) << entry.path();
    }
    EXPECT_GE(files, 2u);
}

} // namespace
} // namespace emsim
