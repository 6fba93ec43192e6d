// Tests of the platform loader: the shipped platforms load, defaults and bank_defaults inherit,
// per-KiB leakage converts once, overrides apply, and every broken file in data/ fails with the
// exact line and a message that says what was expected.

#include "sim/platform_config.h"

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

const std::string DATA_DIR = EMSIM_TEST_DATA_DIR;
const std::string SOURCE_DIR = EMSIM_SOURCE_DIR;

/// The ConfigError that parsing `text` throws; fails the test if none is thrown.
ConfigError error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_platform(text, "test.yaml", overrides);
    } catch (const ConfigError& e) {
        return e;
    }
    ADD_FAILURE() << "no ConfigError for:\n" << text;
    return ConfigError("", 0, 0, "");
}

const char* const ONE_BANK = R"(name: one
clock: { frequency_mhz: 64 }
banks:
  - { name: ram0, base: 0x20000000, size_kib: 16 }
)";

const char* const TWO_BANKS = R"(name: two
clock: { frequency_hz: 64000000 }
bank_defaults:
  read_cycles: 2
  size_kib: 8
  leakage_retention_uw_per_kib: 0.5
banks:
  - name: ram0
    base: 0x2000_0000
  - name: ram1
    base: 0x2000_2000
    size_bytes: 16384
    read_cycles: 3
    leakage_retention_uw: 7.0
)";

// ---- The shipped platforms ---------------------------------------------------------------

TEST(PlatformConfig, Stm32l4LikePlatformLoadsWithItsDatasheetLayout) {
    const std::string path = SOURCE_DIR + "/scenarios/platforms/stm32l4_like.yaml";
    PlatformConfig p = load_platform(path);
    EXPECT_EQ(p.file, path);
    EXPECT_EQ(p.name, "stm32l4_like");
    EXPECT_EQ(p.clock_frequency_hz, 80000000u);
    EXPECT_EQ(p.clock.period_ps(), 12500u) << "80 MHz is an exact 12.5 ns period";
    EXPECT_EQ(p.interconnect.arbitration, ArbiterKind::RoundRobin);
    ASSERT_EQ(p.banks.size(), 2u);
    EXPECT_EQ(p.banks[0].name, "sram1");
    EXPECT_EQ(p.banks[0].base, 0x20000000u);
    EXPECT_EQ(p.banks[0].params.size_bytes, 96 * KiB);
    EXPECT_EQ(p.banks[1].name, "sram2");
    EXPECT_EQ(p.banks[1].base, 0x10000000u);
    EXPECT_EQ(p.banks[1].params.size_bytes, 32 * KiB);
    for (const BankConfig& b : p.banks) {
        EXPECT_EQ(b.params.read_cycles, 1u) << b.name << ": STM32L4 SRAM is zero-wait-state";
        EXPECT_EQ(b.params.word_bytes, 4u) << b.name;
        EXPECT_GT(b.line, 0) << b.name;
    }
    EXPECT_NEAR(p.banks[1].params.leakage_retention_uw, 0.0056 * 32, 1e-9)
        << "per-KiB retention leakage was not scaled to SRAM2's 32 KiB";
}

TEST(PlatformConfig, MinimalPlatformLoadsThreeBanksAt64Mhz) {
    PlatformConfig p = load_platform(SOURCE_DIR + "/scenarios/platforms/minimal.yaml");
    EXPECT_EQ(p.clock_frequency_hz, 64000000u);
    EXPECT_EQ(p.clock.period_ps(), 15625u);
    ASSERT_EQ(p.banks.size(), 3u);
    EXPECT_EQ(p.banks[2].params.read_cycles, 2u);
    EXPECT_DOUBLE_EQ(p.banks[0].params.leakage_active_uw, 1.6) << "0.1 uW/KiB x 16 KiB";
}

// ---- Defaults, inheritance, units ----------------------------------------------------------

TEST(PlatformConfig, AbsentKeysTakeTheModelDefaults) {
    PlatformConfig p = parse_platform(ONE_BANK, "one.yaml");
    const SramBankParams defaults;
    const SramBankParams& got = p.banks.at(0).params;
    EXPECT_EQ(got.word_bytes, defaults.word_bytes);
    EXPECT_EQ(got.read_cycles, defaults.read_cycles);
    EXPECT_EQ(got.write_cycles, defaults.write_cycles);
    EXPECT_EQ(got.pipelined, defaults.pipelined);
    EXPECT_EQ(got.initial_state, defaults.initial_state);
    EXPECT_EQ(got.off_wake_cycles, defaults.off_wake_cycles);
    EXPECT_EQ(got.read_energy_pj, defaults.read_energy_pj);
    EXPECT_EQ(got.leakage_retention_uw, defaults.leakage_retention_uw);
    EXPECT_EQ(got.garbage_seed, defaults.garbage_seed);
    EXPECT_EQ(p.interconnect.arbitration, InterconnectParams{}.arbitration);
    EXPECT_EQ(p.interconnect.hop_cycles, InterconnectParams{}.hop_cycles);
    EXPECT_EQ(p.quantum_cycles, DEFAULT_QUANTUM_CYCLES);
    EXPECT_EQ(p.file, "one.yaml");
}

TEST(PlatformConfig, SizeKibIsConvertedToBytes) {
    EXPECT_EQ(parse_platform(ONE_BANK, "one.yaml").banks.at(0).params.size_bytes, 16384u);
}

TEST(PlatformConfig, BanksInheritBankDefaultsAndTheirOwnValuesWin) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml");
    ASSERT_EQ(p.banks.size(), 2u);
    EXPECT_EQ(p.banks[0].params.read_cycles, 2u) << "inherited from bank_defaults";
    EXPECT_EQ(p.banks[1].params.read_cycles, 3u) << "the bank's own value";
    EXPECT_EQ(p.banks[0].params.size_bytes, 8 * KiB) << "size_kib inherited";
    EXPECT_EQ(p.banks[1].params.size_bytes, 16 * KiB) << "the bank's size_bytes replaces size_kib";
}

TEST(PlatformConfig, PerKibLeakageIsScaledByEachBanksSize) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml");
    EXPECT_DOUBLE_EQ(p.banks[0].params.leakage_retention_uw, 4.0) << "0.5 uW/KiB x 8 KiB";
    EXPECT_DOUBLE_EQ(p.banks[1].params.leakage_retention_uw, 7.0)
        << "a per-bank value in the bank replaces the per-KiB default";
}

TEST(PlatformConfig, PerKibLeakageUsesTheBanksOwnSizeNotTheDefaultSize) {
    PlatformConfig p = parse_platform(R"(name: p
clock: { frequency_mhz: 64 }
bank_defaults: { size_kib: 4, leakage_active_uw_per_kib: 0.25 }
banks:
  - { name: a, base: 0, size_kib: 32 }
)", "p.yaml");
    EXPECT_DOUBLE_EQ(p.banks[0].params.leakage_active_uw, 8.0);
}

TEST(PlatformConfig, EveryBankKeyReachesItsParameter) {
    PlatformConfig p = parse_platform(R"(name: p
clock: { frequency_mhz: 2.097152 }
interconnect: { arbitration: fixed_priority, hop_cycles: 0 }
simulation: { quantum_cycles: 250 }
banks:
  - name: b
    base: 0x1000
    size_bytes: 2048
    word_bytes: 8
    read_cycles: 3
    write_cycles: 4
    pipelined: true
    initial_state: retention
    standby_wake_cycles: 5
    enter_low_power_cycles: 6
    retention_wake_cycles: 7
    off_wake_cycles: 8
    read_energy_pj: 1.5
    write_energy_pj: 2.5
    leakage_active_uw: 3.5
    leakage_standby_uw: 4.5
    leakage_retention_uw: 5.5
    leakage_off_uw: 0.5
    enter_low_power_energy_pj: 6.5
    standby_wake_energy_pj: 7.5
    retention_wake_energy_pj: 8.5
    off_wake_energy_pj: 9.5
    garbage_seed: 0xDEADBEEF
)", "p.yaml");
    EXPECT_EQ(p.clock_frequency_hz, 2097152u) << "fractional MHz converts exactly";
    EXPECT_EQ(p.clock.period_ps(), Clock::from_frequency_hz(2097152).period_ps());
    EXPECT_EQ(p.interconnect.arbitration, ArbiterKind::FixedPriority);
    EXPECT_EQ(p.interconnect.hop_cycles, 0u);
    EXPECT_EQ(p.quantum_cycles, 250u);
    const BankConfig& b = p.banks.at(0);
    EXPECT_EQ(b.base, 0x1000u);
    EXPECT_EQ(b.line, 6);
    const SramBankParams& q = b.params;
    EXPECT_EQ(q.size_bytes, 2048u);
    EXPECT_EQ(q.word_bytes, 8u);
    EXPECT_EQ(q.read_cycles, 3u);
    EXPECT_EQ(q.write_cycles, 4u);
    EXPECT_TRUE(q.pipelined);
    EXPECT_EQ(q.initial_state, PowerState::Retention);
    EXPECT_EQ(q.standby_wake_cycles, 5u);
    EXPECT_EQ(q.enter_low_power_cycles, 6u);
    EXPECT_EQ(q.retention_wake_cycles, 7u);
    EXPECT_EQ(q.off_wake_cycles, 8u);
    EXPECT_EQ(q.read_energy_pj, 1.5);
    EXPECT_EQ(q.write_energy_pj, 2.5);
    EXPECT_EQ(q.leakage_active_uw, 3.5);
    EXPECT_EQ(q.leakage_standby_uw, 4.5);
    EXPECT_EQ(q.leakage_retention_uw, 5.5);
    EXPECT_EQ(q.leakage_off_uw, 0.5);
    EXPECT_EQ(q.enter_low_power_energy_pj, 6.5);
    EXPECT_EQ(q.standby_wake_energy_pj, 7.5);
    EXPECT_EQ(q.retention_wake_energy_pj, 8.5);
    EXPECT_EQ(q.off_wake_energy_pj, 9.5);
    EXPECT_EQ(q.garbage_seed, 0xDEADBEEFu);
}

TEST(PlatformConfig, AdjacentWindowsDoNotOverlapAndTheTopOfTheAddressSpaceIsUsable) {
    PlatformConfig p = parse_platform(R"(name: p
clock: { frequency_mhz: 64 }
banks:
  - { name: a, base: 0xFFFF0000, size_kib: 64 }
  - { name: b, base: 0xFFFE0000, size_kib: 64 }
)", "p.yaml");
    EXPECT_EQ(p.banks.size(), 2u);
}

// ---- The cpu section -----------------------------------------------------------------------

TEST(PlatformConfig, CpuSectionIsOptionalAndDefaultsToTwelvePlusFourPerStep) {
    PlatformConfig p = parse_platform(ONE_BANK, "one.yaml");
    EXPECT_EQ(p.cpu.op_base_cycles, 12u);
    EXPECT_EQ(p.cpu.per_step_cycles, 4u);
}

TEST(PlatformConfig, CpuSectionValuesReachTheConfig) {
    PlatformConfig p = parse_platform(std::string(ONE_BANK) + "cpu: { op_base_cycles: 0, per_step_cycles: 0x10 }\n", "one.yaml");
    EXPECT_EQ(p.cpu.op_base_cycles, 0u) << "0 is allowed: a free call";
    EXPECT_EQ(p.cpu.per_step_cycles, 16u);
}

TEST(PlatformConfig, ShippedPlatformsGiveTheDocumentedCpuCosts) {
    for (const char* name : {"minimal.yaml", "stm32l4_like.yaml"}) {
        PlatformConfig p = load_platform(SOURCE_DIR + "/scenarios/platforms/" + name);
        EXPECT_EQ(p.cpu.op_base_cycles, 12u) << name;
        EXPECT_EQ(p.cpu.per_step_cycles, 4u) << name;
    }
}

TEST(PlatformConfig, OverrideSetsACpuCost) {
    PlatformConfig p = parse_platform(ONE_BANK, "one.yaml", {"cpu.per_step_cycles=7"});
    EXPECT_EQ(p.cpu.per_step_cycles, 7u);
    EXPECT_EQ(p.cpu.op_base_cycles, 12u);
    ConfigError e = error_of(ONE_BANK, {"cpu.op_base_cycle=3"});
    EXPECT_NE(std::string(e.what()).find("cpu.op_base_cycle: unknown setting (did you mean op_base_cycles?)"), std::string::npos) << e.what();
    e = error_of(ONE_BANK, {"cpu.op_base_cycles=-1"});
    EXPECT_STREQ(e.what(), "--set cpu.op_base_cycles=-1: cpu.op_base_cycles: expected a whole number of cycles from 0 to 10^9, got -1");
}

// ---- Overrides -----------------------------------------------------------------------------

TEST(PlatformConfig, OverrideSetsABankKeyByIndex) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml", {"banks[1].read_cycles=5"});
    EXPECT_EQ(p.banks[1].params.read_cycles, 5u);
    EXPECT_EQ(p.banks[0].params.read_cycles, 2u);
}

TEST(PlatformConfig, OverrideSetsABankKeyByName) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml", {"banks[ram0].pipelined=true"});
    EXPECT_TRUE(p.banks[0].params.pipelined);
}

TEST(PlatformConfig, OverrideOfBankDefaultsReachesEveryBankThatInherits) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml", {"bank_defaults.read_cycles=4"});
    EXPECT_EQ(p.banks[0].params.read_cycles, 4u);
    EXPECT_EQ(p.banks[1].params.read_cycles, 3u) << "the bank's own value still wins";
}

TEST(PlatformConfig, OverrideOfOneFormReplacesTheOtherForm) {
    PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml",
                                      {"clock.frequency_mhz=48", "banks[1].size_kib=32",
                                       "banks[ram1].leakage_retention_uw_per_kib=0.25"});
    EXPECT_EQ(p.clock_frequency_hz, 48000000u) << "frequency_hz in the file was replaced";
    EXPECT_EQ(p.banks[1].params.size_bytes, 32 * KiB) << "size_bytes in the file was replaced";
    EXPECT_DOUBLE_EQ(p.banks[1].params.leakage_retention_uw, 8.0);
}

TEST(PlatformConfig, OverrideCreatesAnAbsentSection) {
    PlatformConfig p = parse_platform(ONE_BANK, "one.yaml",
                                      {"interconnect.arbitration=fixed_priority",
                                       "simulation.quantum_cycles=10", "name=renamed"});
    EXPECT_EQ(p.interconnect.arbitration, ArbiterKind::FixedPriority);
    EXPECT_EQ(p.quantum_cycles, 10u);
    EXPECT_EQ(p.name, "renamed");
}

TEST(PlatformConfig, OverridesApplyInOrderSoTheLastOneWins) {
    PlatformConfig p = parse_platform(ONE_BANK, "one.yaml",
                                      {"banks[0].read_cycles=2", "banks[0].read_cycles=9"});
    EXPECT_EQ(p.banks[0].params.read_cycles, 9u);
}

TEST(PlatformConfig, LoadPlatformAppliesOverridesToAFile) {
    PlatformConfig p = load_platform(SOURCE_DIR + "/scenarios/platforms/minimal.yaml",
                                     {"banks[2].read_cycles=3"});
    EXPECT_EQ(p.banks[2].params.read_cycles, 3u);
}

TEST(PlatformConfig, OverrideWithAnUnknownPathIsRejectedByName) {
    ConfigError e = error_of(ONE_BANK, {"banks[0].raed_cycles=3"});
    EXPECT_EQ(e.file(), "--set banks[0].raed_cycles=3");
    EXPECT_NE(std::string(e.what()).find("banks[0].raed_cycles: unknown setting (did you mean read_cycles?)"), std::string::npos) << e.what();

    e = error_of(ONE_BANK, {"clocks.frequency_mhz=3"});
    EXPECT_NE(std::string(e.what()).find("clocks.frequency_mhz: unknown setting"), std::string::npos) << e.what();
    e = error_of(ONE_BANK, {"banks.read_cycles=3"});
    EXPECT_NE(std::string(e.what()).find("banks.read_cycles: unknown setting"), std::string::npos) << e.what();
    e = error_of(ONE_BANK, {"clock=3"});
    EXPECT_NE(std::string(e.what()).find("clock: unknown setting"), std::string::npos) << e.what();
}

TEST(PlatformConfig, OverrideOfAMissingBankNamesTheBanksThatExist) {
    ConfigError e = error_of(TWO_BANKS, {"banks[2].read_cycles=3"});
    EXPECT_NE(std::string(e.what()).find("banks[2].read_cycles: no such bank; expected an index from 0 to 1 or one of the names ram0, ram1, got 2"), std::string::npos) << e.what();
    e = error_of(TWO_BANKS, {"banks[ram9].read_cycles=3"});
    EXPECT_NE(std::string(e.what()).find("got ram9"), std::string::npos) << e.what();
}

TEST(PlatformConfig, OverrideWithoutEqualsSignIsRejected) {
    ConfigError e = error_of(ONE_BANK, {"banks[0].read_cycles"});
    EXPECT_NE(std::string(e.what()).find("expected key.path=value"), std::string::npos) << e.what();
}

TEST(PlatformConfig, BadOverrideValueIsBlamedOnTheOverrideNotTheFile) {
    ConfigError e = error_of(ONE_BANK, {"banks[0].read_cycles=0"});
    EXPECT_EQ(e.file(), "--set banks[0].read_cycles=0");
    EXPECT_EQ(e.line(), 0);
    EXPECT_STREQ(e.what(), "--set banks[0].read_cycles=0: banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got 0");
    e = error_of(ONE_BANK, {"interconnect.arbitration=lottery"});
    EXPECT_NE(std::string(e.what()).find("expected one of fixed_priority or round_robin, got lottery"), std::string::npos) << e.what();
}

TEST(PlatformConfig, LatencyBeyondTheTimeBaseIsRejected) {
    ConfigError e = error_of(ONE_BANK, {"banks[0].off_wake_cycles=1000000001"});
    EXPECT_NE(std::string(e.what()).find("banks[0].off_wake_cycles: expected a whole number of cycles from 0 to 10^9, got 1000000001"), std::string::npos) << e.what();
}

TEST(PlatformConfig, IntegerTooLargeForSixtyFourBitsIsRejectedNotWrapped) {
    ConfigError e = error_of(ONE_BANK, {"banks[0].garbage_seed=18446744073709551616"});
    EXPECT_NE(std::string(e.what()).find("expected a whole number >= 0, got 18446744073709551616"), std::string::npos) << e.what();
}

TEST(PlatformConfig, OverrideValueThatIsNotYamlIsRejected) {
    ConfigError e = error_of(ONE_BANK, {"name=[unclosed"});
    EXPECT_EQ(e.file(), "--set name=[unclosed");
    EXPECT_NE(std::string(e.what()).find("name: expected a YAML value, got [unclosed"), std::string::npos) << e.what();
}

TEST(PlatformConfig, YamlMergeKeyPointsToBankDefaults) {
    ConfigError e = error_of(R"(name: p
clock: { frequency_mhz: 64 }
banks:
  - &first { name: a, base: 0, size_kib: 4 }
  - { <<: *first, name: b, base: 0x1000 }
)");
    EXPECT_EQ(e.line(), 5);
    EXPECT_NE(std::string(e.what()).find("banks[1].<<: expected a key, got a YAML merge key"), std::string::npos) << e.what();
}

// ---- Power regions and the power controller -------------------------------------------------

TEST(PlatformConfig, WithoutPowerRegionsEachBankIsARegionOfItsOwn) {
    const PlatformConfig p = parse_platform(TWO_BANKS, "two.yaml");
    ASSERT_EQ(p.power_regions.size(), 2u);
    EXPECT_EQ(p.power_regions[1].name, "ram1");
    EXPECT_EQ(p.power_regions[1].banks, std::vector<size_t>{1});
    EXPECT_FALSE(p.power_regions[1].always_on);
    EXPECT_TRUE(p.power_regions[1].retention);
    EXPECT_EQ(p.power_controller.base, DEFAULT_POWER_CONTROLLER_BASE);
    EXPECT_EQ(p.power_controller.register_cycles, 1u);
}

const char* const REGIONS = R"(name: regions
clock: { frequency_mhz: 64 }
banks:
  - { name: a, base: 0x20000000, size_kib: 8 }
  - { name: b, base: 0x20002000, size_kib: 8 }
  - { name: c, base: 0x20004000, size_kib: 8 }
power_controller: { base: 0x50000000, register_cycles: 3 }
power_regions:
  - { name: boot, banks: [a], always_on: true }
  - { name: pair, banks: [c, b], retention: false }
)";

TEST(PlatformConfig, PowerRegionsAndControllerReachTheConfig) {
    const PlatformConfig p = parse_platform(REGIONS, "regions.yaml");
    ASSERT_EQ(p.power_regions.size(), 2u);
    EXPECT_EQ(p.power_regions[0].name, "boot");
    EXPECT_TRUE(p.power_regions[0].always_on);
    EXPECT_EQ(p.power_regions[1].banks, (std::vector<size_t>{1, 2})); // sorted bank indices
    EXPECT_FALSE(p.power_regions[1].retention);
    EXPECT_EQ(p.power_regions[1].line, 10);
    EXPECT_EQ(p.power_controller.base, 0x50000000u);
    EXPECT_EQ(p.power_controller.register_cycles, 3u);
    const PowerControllerParams params = power_controller_params(p.power_regions, p.power_controller);
    ASSERT_EQ(params.regions.size(), 2u);
    EXPECT_FALSE(params.regions[1].retention_capable);
    EXPECT_TRUE(params.regions[0].always_on);
    EXPECT_EQ(params.register_cycles, 3u);
}

TEST(PlatformConfig, OverridesReachRegionsAndTheController) {
    const PlatformConfig p = parse_platform(
        REGIONS, "regions.yaml",
        {"power_regions[pair].retention=true", "power_regions[0].always_on=false",
         "power_controller.register_cycles=5", "power_regions[1].banks=[b, c]"});
    EXPECT_TRUE(p.power_regions[1].retention);
    EXPECT_FALSE(p.power_regions[0].always_on);
    EXPECT_EQ(p.power_controller.register_cycles, 5u);
    ConfigError e = error_of(REGIONS, {"power_regions[2].retention=true"});
    EXPECT_NE(std::string(e.what()).find("no such power region"), std::string::npos) << e.what();
    e = error_of(REGIONS, {"power_regions[pair].banks=[a]"});
    EXPECT_NE(std::string(e.what()).find("already in region boot"), std::string::npos) << e.what();
    e = error_of(ONE_BANK, {"power_regions[0].always_on=true"});
    EXPECT_NE(std::string(e.what()).find("the platform has no power_regions"), std::string::npos)
        << e.what();
    e = error_of(REGIONS, {"power_controller.bsae=1"});
    EXPECT_NE(std::string(e.what()).find("unknown setting"), std::string::npos) << e.what();
    e = error_of(REGIONS, {"power_controller.base=0x20000000"});
    EXPECT_EQ(e.file(), "--set power_controller.base=0x20000000");
}

TEST(PlatformConfig, PresetsDeclareTheirPowerRegions) {
    const PlatformConfig nrf =
        load_platform(SOURCE_DIR + "/scenarios/platforms/nrf52840_like.yaml");
    ASSERT_EQ(nrf.power_regions.size(), 14u);
    EXPECT_EQ(nrf.power_regions[0].name, "RAM0");
    EXPECT_TRUE(nrf.power_regions[0].always_on);
    EXPECT_EQ(nrf.power_regions[13].name, "RAM8_S5");
    EXPECT_EQ(nrf.power_controller.base, 0x40000000u);
    const PlatformConfig stm =
        load_platform(SOURCE_DIR + "/scenarios/platforms/stm32l4_like.yaml");
    ASSERT_EQ(stm.power_regions.size(), 2u);
    EXPECT_TRUE(stm.power_regions[0].always_on);  // SRAM1
    EXPECT_FALSE(stm.power_regions[1].always_on); // SRAM2: RRS
    EXPECT_TRUE(stm.power_regions[1].retention);
}

// ---- The mpu: section -------------------------------------------------------------------------

const char* const MPU_PLATFORM = R"(name: p
clock: { frequency_mhz: 64 }
banks:
  - { name: ram0, base: 0x20000000, size_kib: 16 }
)";

TEST(PlatformConfig, WithoutAnMpuSectionThereIsNoMpu) {
    EXPECT_FALSE(parse_platform(MPU_PLATFORM, "p.yaml").mpu);
    EXPECT_FALSE(load_platform(SOURCE_DIR + "/scenarios/platforms/minimal.yaml").mpu);
}

TEST(PlatformConfig, MpuSectionWithOnlyItsFlavourTakesTheDocumentedDefaults) {
    const PlatformConfig c = parse_platform(std::string(MPU_PLATFORM) + "mpu: { flavour: pmsav8 }\n", "p.yaml");
    ASSERT_TRUE(c.mpu);
    EXPECT_EQ(c.mpu->params.flavour, MpuFlavour::Pmsav8);
    EXPECT_EQ(c.mpu->params.regions, 8u);
    EXPECT_EQ(c.mpu->params.check_cycles, 0u);
    EXPECT_EQ(c.mpu->params.register_cycles, 1u);
    EXPECT_EQ(c.mpu->fault_policy, MpuFaultPolicy::Log);
    EXPECT_EQ(c.mpu->line, 5);
}

TEST(PlatformConfig, EveryMpuKeyReachesItsParameter) {
    const PlatformConfig c = parse_platform(std::string(MPU_PLATFORM) +
                                                "mpu:\n  flavour: pmsav7\n  regions: 16\n  check_cycles: 2\n"
                                                "  register_cycles: 3\n  fault_policy: terminate_partition\n",
                                            "p.yaml");
    ASSERT_TRUE(c.mpu);
    EXPECT_EQ(c.mpu->params.flavour, MpuFlavour::Pmsav7);
    EXPECT_EQ(c.mpu->params.regions, 16u);
    EXPECT_EQ(c.mpu->params.check_cycles, 2u);
    EXPECT_EQ(c.mpu->params.register_cycles, 3u);
    EXPECT_EQ(c.mpu->fault_policy, MpuFaultPolicy::TerminatePartition);
}

TEST(PlatformConfig, Pmsav7AllowsNoRegionsAndPmsav8AllowsTwelve) {
    EXPECT_EQ(parse_platform(std::string(MPU_PLATFORM) + "mpu: { flavour: pmsav7, regions: 0 }\n", "p.yaml").mpu->params.regions, 0u);
    EXPECT_EQ(parse_platform(std::string(MPU_PLATFORM) + "mpu: { flavour: pmsav8, regions: 12 }\n", "p.yaml").mpu->params.regions, 12u);
}

TEST(PlatformConfig, OverrideSetsAnMpuKeyAndCanCreateTheSection) {
    const PlatformConfig c = parse_platform(std::string(MPU_PLATFORM) + "mpu: { flavour: pmsav7 }\n", "p.yaml",
                                            {"mpu.regions=16", "mpu.fault_policy=terminate_partition"});
    EXPECT_EQ(c.mpu->params.regions, 16u);
    EXPECT_EQ(c.mpu->fault_policy, MpuFaultPolicy::TerminatePartition);
    const PlatformConfig created = parse_platform(MPU_PLATFORM, "p.yaml", {"mpu.flavour=pmsav8"});
    ASSERT_TRUE(created.mpu);
    EXPECT_EQ(created.mpu->params.flavour, MpuFlavour::Pmsav8);
}

TEST(PlatformConfig, BadMpuOverrideIsBlamedOnTheOverride) {
    try {
        parse_platform(std::string(MPU_PLATFORM) + "mpu: { flavour: pmsav7 }\n", "p.yaml", {"mpu.regions=12"});
        FAIL() << "12 regions on pmsav7 accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), "--set mpu.regions=12");
        EXPECT_NE(std::string(e.what()).find("mpu.regions: expected a region count of 0, 8 or 16 (pmsav7), got 12"), std::string::npos) << e.what();
    }
    try {
        parse_platform(MPU_PLATFORM, "p.yaml", {"mpu.flavor=pmsav7"});
        FAIL() << "a misspelt mpu key accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("mpu.flavor: unknown setting (did you mean flavour?)"), std::string::npos) << e.what();
    }
}

// ---- Broken files: each fails at its exact line, saying what was expected ------------------

struct BrokenFile {
    const char* fact;     ///< the test name
    const char* file;     ///< in tests/sim/data
    int line;             ///< 1-based, 0 = no line
    const char* fragment; ///< a part of the message
};

const BrokenFile BROKEN_FILES[] = {
    {"OverlappingWindowsNameBothBanksAtTheSecond", "overlap.yaml", 9,
     "banks[1].base: expected a window that overlaps no other bank, got bank \"high\" [0x20004000, 0x2000C000) overlapping bank \"low\" [0x20000000, 0x20008000) (banks[0], line 5)"},
    {"UnknownBankKeySuggestsTheKnownOne", "unknown_bank_key.yaml", 7,
     "banks[0].raed_cycles: unknown key (did you mean read_cycles?); expected one of name, base, size_bytes"},
    {"UnknownTopLevelKeyListsTheAllowedKeys", "unknown_top_key.yaml", 3,
     "bank_default: unknown key (did you mean bank_defaults?); expected one of name, clock, interconnect, simulation, bank_defaults, banks"},
    {"StringWhereIntegerIsExpectedIsRejected", "string_for_integer.yaml", 7,
     "banks[0].write_cycles: expected a whole number of cycles from 1 to 10^9, got fast"},
    {"QuotedIntegerIsAStringNotANumber", "quoted_integer.yaml", 7,
     "banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got the string \"2\""},
    {"NegativeEnergyIsRejected", "negative_energy.yaml", 7,
     "banks[0].write_energy_pj: expected a number of pJ >= 0, got -1.5"},
    {"FractionalCyclesAreRejected", "fractional_cycles.yaml", 7,
     "banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got 1.5"},
    {"PipelinedMustBeTrueOrFalse", "non_boolean_pipelined.yaml", 7,
     "banks[0].pipelined: expected true or false, got yes"},
    {"UnknownPowerStateListsTheStates", "bad_power_state.yaml", 7,
     "banks[0].initial_state: expected one of active, standby, retention or off, got sleep"},
    {"UnknownArbitrationListsThePolicies", "bad_arbitration.yaml", 4,
     "interconnect.arbitration: expected one of fixed_priority or round_robin, got lottery"},
    {"BankWithoutBaseIsRejectedAtTheBank", "missing_base.yaml", 7,
     "banks[1].base: expected an address (an integer below 2^32, e.g. 0x20000000), got nothing (the key is missing)"},
    {"BankWithoutSizeIsRejected", "missing_size.yaml", 4,
     "banks[0].size_bytes: expected a whole number of bytes from 1 to 2^32, got nothing (neither size_bytes nor size_kib is given, here or in bank_defaults)"},
    {"BankWithoutNameIsRejected", "missing_bank_name.yaml", 4,
     "banks[0].name: expected a name of letters, digits and '_' that does not start with a digit, got nothing (the key is missing)"},
    {"PlatformWithoutNameIsRejected", "missing_platform_name.yaml", 2,
     "name: expected a top-level key (a platform needs name, clock and banks), got nothing"},
    {"PlatformWithoutBanksIsRejected", "missing_banks.yaml", 1, "banks: expected a top-level key"},
    {"EmptyBankListIsRejected", "empty_banks.yaml", 3,
     "banks: expected a list of at least one bank, got an empty list"},
    {"YamlSyntaxErrorKeepsTheParsersPosition", "yaml_syntax.yaml", 3,
     "yaml_syntax.yaml:3:6: YAML syntax error: end of map flow not found"},
    {"TabIndentationIsASyntaxError", "tab_indentation.yaml", 4, "YAML syntax error"},
    {"DuplicateBankNameIsRejectedAtTheSecond", "duplicate_bank_name.yaml", 7,
     "banks[1].name: expected a unique bank name, got \"ram0\" again (first at banks[0], line 4)"},
    {"RepeatedKeyIsRejected", "duplicate_key.yaml", 8,
     "banks[0].read_cycles: expected each key once, got it again (first at line 7)"},
    {"ZeroReadCyclesAreRejected", "zero_read_cycles.yaml", 7,
     "banks[0].read_cycles: expected a whole number of cycles from 1 to 10^9, got 0"},
    {"BothSizeFormsInOneBankAreRejected", "both_size_forms.yaml", 7,
     "banks[0].size_kib: expected one of size_bytes and size_kib, got both (size_bytes at line 6)"},
    {"BothLeakageFormsInOneMapAreRejected", "both_leakage_forms.yaml", 5,
     "bank_defaults.leakage_retention_uw_per_kib: expected one of leakage_retention_uw and leakage_retention_uw_per_kib, got both"},
    {"SizeThatIsNotAWholeNumberOfWordsIsRejected", "size_not_word_multiple.yaml", 6,
     "banks[0].size_bytes: expected a multiple of word_bytes (4), got 1002 bytes"},
    {"WordBytesMustBeAPowerOfTwo", "word_not_power_of_two.yaml", 7,
     "banks[0].word_bytes: expected a power of two number of bytes, got 3"},
    {"ZeroClockIsRejected", "zero_clock.yaml", 3, "clock.frequency_mhz: expected a number of MHz above 0"},
    {"BothClockFormsAreRejected", "both_clock_forms.yaml", 4,
     "clock.frequency_hz: expected one of frequency_mhz and frequency_hz, got both"},
    {"ClockMustBeAMap", "clock_not_a_map.yaml", 2,
     "clock: expected a map with keys frequency_mhz, frequency_hz, got 64"},
    {"WindowPastTwoToThe32IsRejected", "window_wraps.yaml", 5,
     "banks[0].base: expected the window to end at or below 2^32 (0x100000000), got [0xFFFF8000, 0x100008000)"},
    {"BaseNotAlignedToTheWordIsRejected", "misaligned_base.yaml", 5,
     "banks[0].base: expected a multiple of word_bytes (4), got 0x20000002"},
    {"BankNameMustBeAnIdentifier", "bad_bank_name.yaml", 4, "banks[0].name: expected a name of letters, digits and '_'"},
    {"BankEntryMustBeAMap", "bank_not_a_map.yaml", 5, "banks[1]: expected a map, got ram1"},
    {"BankDefaultsCannotGiveABase", "base_in_bank_defaults.yaml", 5,
     "bank_defaults.base: unknown key; expected one of size_bytes"},
    {"BadValueInBankDefaultsIsReportedAtBankDefaults", "bad_value_in_bank_defaults.yaml", 4,
     "bank_defaults.write_cycles: expected a whole number of cycles from 1 to 10^9, got 0"},
    {"UnknownCpuKeySuggestsTheKnownOne", "cpu_unknown_key.yaml", 6,
     "cpu.per_step_cylces: unknown key (did you mean per_step_cycles?); expected one of op_base_cycles, per_step_cycles"},
    {"CpuCostBeyondTheTimeBaseIsRejected", "cpu_too_large.yaml", 5,
     "cpu.op_base_cycles: expected a whole number of cycles from 0 to 10^9, got 2000000000"},
    {"ZeroQuantumIsRejected", "zero_quantum.yaml", 4,
     "simulation.quantum_cycles: expected a whole number of cycles from 1 to 10^9, got 0"},
    {"SecondYamlDocumentIsRejected", "two_documents.yaml", 6, "expected one YAML document, got 2"},
    {"EmptyFileIsRejected", "empty.yaml", 0, "got an empty document"},
    {"KeyWithoutValueIsRejected", "missing_value.yaml", 6,
     "banks[0].size_kib: expected a whole number of KiB from 1 to 4194304 (2^32 bytes), got nothing"},
    {"SizeAboveTheAddressSpaceIsRejected", "size_too_large.yaml", 6,
     "banks[0].size_bytes: expected a whole number of bytes from 1 to 2^32, got 8589934592"},
    {"RegionAlwaysOnMustBeTrueOrFalse", "region_always_on_not_bool.yaml", 9,
     "power_regions[0].always_on: expected true or false, got yes please"},
    {"RegionRetentionMustBeTrueOrFalse", "region_retention_not_bool.yaml", 9,
     "power_regions[0].retention: expected true or false, got 1"},
    {"BankInTwoRegionsIsRejectedAtTheSecond", "region_bank_twice.yaml", 9,
     "power_regions[1].banks[1]: expected a bank in no other region (a bank switches with one region), got bank ram0 again (already in region R0)"},
    {"DuplicateRegionNameIsRejected", "region_duplicate_name.yaml", 9,
     "power_regions[1].name: expected a unique region name, got \"R0\" again (first at line 8)"},
    {"RegionWithoutBanksIsRejected", "region_empty_banks.yaml", 7,
     "power_regions[0].banks: expected a non-empty list of bank names (ram0), got an empty list"},
    {"BankInNoRegionIsRejected", "region_missing_bank.yaml", 7,
     "power_regions: expected every bank in a power region, got bank ram1 in none"},
    {"RegionBanksMustStartInOneState", "region_mixed_initial_states.yaml", 9,
     "power_regions[0].banks: expected banks that start in the same initial_state (they switch together), got ram0 active and ram1 off"},
    {"RegionNamingAnUnknownBankSuggestsOne", "region_unknown_bank.yaml", 7,
     "power_regions[0].banks[0]: expected one of the banks (ram0), got undefined bank 'ram1' (did you mean ram0?)"},
    {"UnknownRegionKeySuggestsTheKnownOne", "region_unknown_key.yaml", 7,
     "power_regions[0].alway_on: unknown key (did you mean always_on?); expected one of name, banks, always_on, retention"},
    {"RegionWithoutNameIsRejected", "region_without_name.yaml", 7, "power_regions[0].name: expected a name"},
    {"PowerRegionsMustBeAList", "regions_not_a_list.yaml", 6,
     "power_regions: expected a list of power regions (maps with name, banks, always_on, retention), got a map"},
    {"ControllerOverABankIsRejected", "controller_overlaps_bank.yaml", 7,
     "power_controller.base: expected a register window [0x20001000, 0x20001200) that overlaps no bank, got bank \"ram0\" [0x20000000, 0x20002000)"},
    {"BankAtTheDefaultControllerBaseSaysToSetIt", "controller_default_overlaps_bank.yaml", 2,
     "(the default base; set power_controller.base)"},
    {"ControllerBaseMustBeWordAligned", "controller_misaligned.yaml", 7,
     "power_controller.base: expected a multiple of 4 (the registers are words), got 0x40000002"},
    {"ControllerWindowPastTheAddressSpaceIsRejected", "controller_past_address_space.yaml", 7,
     "power_controller.base: expected the controller's 512-byte window to end at or below 2^32, got [0xFFFFFF00, 0x100000100)"},
    {"UnknownControllerKeySuggestsTheKnownOne", "controller_unknown_key.yaml", 7,
     "power_controller.bsae: unknown key (did you mean base?); expected one of base, register_cycles"},
    {"ZeroRegisterCyclesAreRejected", "controller_zero_cycles.yaml", 7,
     "power_controller.register_cycles: expected a whole number of cycles from 1 to 10^9, got 0"},
    {"MpuSectionNeedsItsFlavour", "mpu_missing_flavour.yaml", 5,
     "mpu.flavour: expected one of pmsav7 or pmsav8 (an mpu section needs its flavour), got nothing (the key is missing)"},
    {"UnknownMpuFlavourListsTheFlavours", "mpu_bad_flavour.yaml", 6,
     "mpu.flavour: expected one of pmsav7 or pmsav8, got pmsav6"},
    {"Pmsav8RegionCountMustBeAMultipleOfFour", "mpu_regions_not_offered.yaml", 7,
     "mpu.regions: expected a region count of 4, 8, 12 or 16 (pmsav8), got 6"},
    {"Pmsav7OffersOnlyEightOrSixteenRegions", "mpu_v7_twelve_regions.yaml", 7,
     "mpu.regions: expected a region count of 0, 8 or 16 (pmsav7), got 12"},
    {"UnknownFaultPolicyListsThePolicies", "mpu_bad_fault_policy.yaml", 7,
     "mpu.fault_policy: expected one of log or terminate_partition, got reboot"},
    {"UnknownMpuKeySuggestsTheKnownOne", "mpu_unknown_key.yaml", 7,
     "mpu.check_cylces: unknown key (did you mean check_cycles?); expected one of flavour, regions, check_cycles, register_cycles, fault_policy"},
    {"MpuRegisterCostBeyondTheTimeBaseIsRejected", "mpu_register_cycles_too_large.yaml", 7,
     "mpu.register_cycles: expected a whole number of cycles from 0 to 10^9, got 2000000000"},
    {"NegativeMpuCheckCyclesAreRejected", "mpu_negative_check_cycles.yaml", 7,
     "mpu.check_cycles: expected a whole number of cycles from 0 to 10^9, got -1"},
    {"MpuSectionMustBeAMap", "mpu_not_a_map.yaml", 5,
     "mpu: expected a map with keys flavour, regions, check_cycles, register_cycles, fault_policy, got pmsav7"},
};

/// Names the case by its file in test output instead of a byte dump.
void PrintTo(const BrokenFile& c, std::ostream* os) { *os << c.file; }

class BrokenPlatformFile : public ::testing::TestWithParam<BrokenFile> {};

TEST_P(BrokenPlatformFile, FailsAtItsLineSayingWhatWasExpected) {
    const BrokenFile& c = GetParam();
    const std::string path = DATA_DIR + "/" + c.file;
    try {
        load_platform(path);
        FAIL() << c.file << " loaded without an error";
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.file(), path);
        EXPECT_EQ(e.line(), c.line) << what;
        const std::string where = path + (c.line ? ":" + std::to_string(c.line) + ":" : ":");
        EXPECT_EQ(what.rfind(where, 0), 0u) << "message does not start with " << where << ": " << what;
        EXPECT_NE(what.find(c.fragment), std::string::npos) << "missing \"" << c.fragment << "\" in: " << what;
    }
}

INSTANTIATE_TEST_SUITE_P(PlatformConfig, BrokenPlatformFile, ::testing::ValuesIn(BROKEN_FILES),
                         [](const ::testing::TestParamInfo<BrokenFile>& info) {
                             return std::string(info.param.fact);
                         });

TEST(PlatformConfig, MissingFileCannotBeOpened) {
    try {
        load_platform(DATA_DIR + "/no_such_file.yaml");
        FAIL() << "a missing file loaded";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_file.yaml: cannot open"), std::string::npos) << e.what();
    }
}

TEST(PlatformConfig, DirectoryCannotBeOpened) {
    try {
        load_platform(DATA_DIR);
        FAIL() << "a directory loaded";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
    }
}

TEST(PlatformConfig, EveryBrokenFileInTheDataDirectoryIsCoveredByATableCase) {
    // A file added to data/ without a table row would never be tested.
    size_t rows = std::size(BROKEN_FILES);
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(DATA_DIR)) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        bool covered = false;
        for (const BrokenFile& c : BROKEN_FILES) covered = covered || entry.path().filename() == c.file;
        EXPECT_TRUE(covered) << entry.path().filename() << " has no row in BROKEN_FILES";
    }
    EXPECT_EQ(files, rows);
}

/// Every prefix of a valid file either loads or throws ConfigError: truncation never crashes,
/// aborts or escapes as another exception type.
TEST(PlatformConfig, EveryTruncationOfAValidFileEndsInAConfigErrorOrALoad) {
    std::ifstream in(SOURCE_DIR + "/scenarios/platforms/stm32l4_like.yaml");
    std::stringstream text;
    text << in.rdbuf();
    const std::string full = text.str();
    ASSERT_GT(full.size(), 1000u);
    size_t errors = 0;
    for (size_t n = 0; n < full.size(); ++n) {
        try {
            parse_platform(full.substr(0, n), "cut.yaml");
        } catch (const ConfigError&) {
            ++errors;
        }
    }
    EXPECT_GT(errors, 0u);
}

} // namespace
} // namespace emsim
