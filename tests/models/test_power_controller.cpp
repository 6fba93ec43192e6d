// PowerController: register map and reset values, region transitions through the banks' own
// latencies, the refusal rules, what the banks do to data and accesses, register timing in LT and
// AT with the base-protocol checker, debug access and the dump. Two rigs:
//   bus rig:    initiator -> checker -> Interconnect -> {PowerController @0x40000000,
//                                                        5 SramBanks @0x20000000 + 4 KB * k}
//   direct rig: Stimulus -> checker -> PowerController (exact register timing, window errors)
// Regions: 0 "main" = banks 0 and 1 (bank 1 slower), 1 "always" = bank 2 (always-on),
//          2 "scratch" = bank 3 (not retention-capable); bank 4 belongs to no region.
#include "models/blocking_initiator.h"
#include "models/interconnect.h"
#include "models/payload_pool.h"
#include "models/power_controller.h"
#include "models/sram_bank.h"
#include "models/traffic_generator.h"
#include "tests/support/protocol_checker.h"
#include "tests/support/stimulus.h"
#include "tests/support/systemc_test.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace emsim;
using emsim::test::ProtocolChecker;
using emsim::test::Stimulus;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr uint64_t PWR = 0x40000000;
constexpr uint64_t SRAM = 0x20000000;
constexpr uint64_t BANK_BYTES = 4 * KiB;
constexpr size_t BANKS = 5;
constexpr uint32_t INFO = 0x100;

constexpr uint32_t ctrl(size_t region) { return static_cast<uint32_t>(8 * region); }
constexpr uint32_t status(size_t region) { return static_cast<uint32_t>(8 * region + 4); }
constexpr uint64_t bank_address(size_t bank) { return SRAM + bank * BANK_BYTES; }

constexpr uint32_t ACTIVE = 0, STANDBY = 1, RETENTION = 2, OFF = 3;
constexpr uint32_t err(PowerRequestError e) {
    return static_cast<uint32_t>(e) << PWR_STATUS_ERR_SHIFT;
}
constexpr uint32_t state_field(uint32_t status_value) {
    return (status_value & PWR_STATUS_STATE_MASK) >> PWR_STATUS_STATE_SHIFT;
}

// Bank latencies (cycles): entering a low-power state 2 (bank 1: 6), Retention -> Active 10,
// Off -> Active 100 (bank 1: 130).
SramBankParams bank_params(size_t k, PowerState initial = PowerState::Active) {
    SramBankParams p;
    p.size_bytes = BANK_BYTES;
    p.enter_low_power_cycles = k == 1 ? 6 : 2;
    p.retention_wake_cycles = 10;
    p.off_wake_cycles = k == 1 ? 130 : 100;
    p.initial_state = initial;
    return p;
}

PowerControllerParams three_regions(Cycles register_cycles = 1) {
    PowerControllerParams p;
    p.register_cycles = register_cycles;
    p.regions.push_back({"main", {0, 1}, false, true});
    p.regions.push_back({"always", {2}, true, true});
    p.regions.push_back({"scratch", {3}, false, false});
    return p;
}

std::vector<std::unique_ptr<SramBank>> make_banks(const Clock& clock) {
    std::vector<std::unique_ptr<SramBank>> banks;
    for (size_t k = 0; k < BANKS; ++k)
        banks.push_back(std::make_unique<SramBank>(("bank" + std::to_string(k)).c_str(),
                                                   bank_params(k), clock));
    return banks;
}

std::vector<SramBank*> pointers(const std::vector<std::unique_ptr<SramBank>>& banks) {
    std::vector<SramBank*> out;
    for (const auto& b : banks) out.push_back(b.get());
    return out;
}

/// checker -> bus -> {controller, banks}; the initiator binds to checker.in.
struct BusRig {
    std::vector<std::unique_ptr<SramBank>> banks;
    Interconnect bus;
    PowerController pwr;
    ProtocolChecker checker;

    BusRig(const Clock& clock, const PowerControllerParams& params)
        : banks(make_banks(clock)), bus("bus", {}, clock),
          pwr("pwr", params, clock, pointers(banks)), checker("checker") {
        bus.map(0, PWR, POWER_CONTROLLER_WINDOW_BYTES, "pwr");
        bus.out.bind(pwr.in);
        for (size_t k = 0; k < BANKS; ++k) {
            bus.map(static_cast<int>(k + 1), bank_address(k), BANK_BYTES,
                    "bank" + std::to_string(k));
            bus.out.bind(banks[k]->in);
        }
        checker.out.bind(bus.in);
    }
    SramBank& bank(size_t k) { return *banks[k]; }
};

/// checker -> controller; the banks' sockets go to idle initiators.
struct DirectRig {
    std::vector<std::unique_ptr<SramBank>> banks;
    PowerController pwr;
    ProtocolChecker checker;
    std::vector<std::unique_ptr<Stimulus>> idle;

    DirectRig(const Clock& clock, const PowerControllerParams& params)
        : banks(make_banks(clock)), pwr("pwr", params, clock, pointers(banks)), checker("checker") {
        checker.out.bind(pwr.in);
        for (size_t k = 0; k < BANKS; ++k) {
            idle.push_back(std::make_unique<Stimulus>(("idle" + std::to_string(k)).c_str(),
                                                      [](Stimulus&) {}));
            idle.back()->out.bind(banks[k]->in);
        }
    }
};

/// A core for the AT path (and the same script in LT): a BlockingInitiator with a payload pool.
class Core : public sc_core::sc_module {
public:
    BlockingInitiator port;

    SC_HAS_PROCESS(Core);
    Core(sc_core::sc_module_name name, TimingMode mode, const Clock& clock,
         std::function<void(Core&)> body)
        : sc_module(name), port("out", mode, clock), m_body(std::move(body)) {
        SC_THREAD(run);
    }

    tlm::tlm_response_status access(bool write, uint64_t address, uint32_t& value) {
        tlm::tlm_generic_payload& trans = m_pool.allocate();
        prepare_access(trans, write, address, reinterpret_cast<uint8_t*>(&value), 4);
        port.transport(trans);
        const tlm::tlm_response_status status = trans.get_response_status();
        trans.release();
        return status;
    }

private:
    void run() { m_body(*this); }
    PayloadPool m_pool;
    std::function<void(Core&)> m_body;
};

class PowerControllerTest : public emsim::test::SystemCTest {
protected:
    Clock clock{10000}; // 100 MHz: one cycle = 10 ns
    sc_time cycles(Cycles n) const { return clock.to_time(n); }
    Cycles now_cycle() const { return clock.to_cycles(sc_core::sc_time_stamp()); }

    /// run_bus/run_direct may be called more than once per test: each gets its own kernel.
    static void fresh_run() {
        emsim::fresh_simulation_context();
        sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
    }
    void run_bus(const PowerControllerParams& params,
                 std::function<void(Stimulus&, BusRig&)> body) {
        fresh_run();
        auto rig = std::make_unique<BusRig>(clock, params);
        Stimulus stim("stim", [&](Stimulus& s) { body(s, *rig); });
        stim.out.bind(rig->checker.in);
        sc_core::sc_start();
        EXPECT_TRUE(rig->checker.violations.empty()) << rig->checker.violations.front();
    }
    void run_direct(const PowerControllerParams& params,
                    std::function<void(Stimulus&, DirectRig&)> body) {
        fresh_run();
        auto rig = std::make_unique<DirectRig>(clock, params);
        Stimulus stim("stim", [&](Stimulus& s) { body(s, *rig); });
        stim.out.bind(rig->checker.in);
        sc_core::sc_start();
        EXPECT_TRUE(rig->checker.violations.empty()) << rig->checker.violations.front();
    }

    // Bus rig helpers: one access from now, waited for (kernel time = its completion).
    uint32_t reg(Stimulus& s, uint32_t offset) {
        uint32_t value = 0xBAADF00D;
        sc_time delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(PWR + offset, value, delay), tlm::TLM_OK_RESPONSE) << offset;
        wait(delay);
        return value;
    }
    void set(Stimulus& s, uint32_t offset, uint32_t value) {
        sc_time delay = SC_ZERO_TIME;
        EXPECT_EQ(s.write32(PWR + offset, value, delay), tlm::TLM_OK_RESPONSE) << offset;
        wait(delay);
    }
    /// Reads `offset` so that the read completes (and samples) exactly at cycle `done`: through
    /// the bus a register read takes hop 1 + register 1, so it is issued at done - 2 and the
    /// kernel stays there (the next reg_at may sample one cycle later).
    uint32_t reg_at(Stimulus& s, uint32_t offset, Cycles done) {
        EXPECT_GE(done, now_cycle() + 2);
        wait(cycles(done - 2) - sc_core::sc_time_stamp());
        uint32_t value = 0xBAADF00D;
        sc_time delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(PWR + offset, value, delay), tlm::TLM_OK_RESPONSE) << offset;
        EXPECT_EQ(sc_core::sc_time_stamp() + delay, cycles(done));
        return value;
    }
    void wait_until(Cycles cycle) { wait(cycles(cycle) - sc_core::sc_time_stamp()); }
    tlm::tlm_response_status read_bank(Stimulus& s, uint64_t address, uint32_t& value) {
        sc_time delay = SC_ZERO_TIME;
        const tlm::tlm_response_status st = s.read32(address, value, delay);
        wait(delay);
        return st;
    }
    tlm::tlm_response_status write_bank(Stimulus& s, uint64_t address, uint32_t value) {
        sc_time delay = SC_ZERO_TIME;
        const tlm::tlm_response_status st = s.write32(address, value, delay);
        wait(delay);
        return st;
    }
};

// ---------------------------------------------------------------------------------------------
// Registers

TEST_F(PowerControllerTest, ResetValuesShowEachRegionsStateCapabilitiesAndTheRegionCount) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig&) {
        for (size_t i = 0; i < 3; ++i) EXPECT_EQ(reg(s, ctrl(i)), ACTIVE) << "CTRL " << i;
        EXPECT_EQ(reg(s, status(0)), ACTIVE | PWR_STATUS_RETENTION_CAPABLE);
        EXPECT_EQ(reg(s, status(1)),
                  ACTIVE | PWR_STATUS_ALWAYS_ON | PWR_STATUS_RETENTION_CAPABLE);
        EXPECT_EQ(reg(s, status(2)), ACTIVE) << "not retention-capable, not always-on";
        EXPECT_EQ(reg(s, INFO), 3u | (PWR_INFO_VERSION << 8) | (PWR_INFO_ID << 16));
    });
}

TEST_F(PowerControllerTest, CtrlAndStatusResetToTheStateTheRegionsBanksStartIn) {
    SramBank a("a", bank_params(0, PowerState::Retention), clock);
    SramBank b("b", bank_params(0, PowerState::Retention), clock);
    PowerControllerParams p;
    p.regions.push_back({"ret", {0, 1}, false, true});
    PowerController pwr("pwr", p, clock, {&a, &b});
    EXPECT_EQ(pwr.peek_register(ctrl(0)), RETENTION);
    EXPECT_EQ(pwr.peek_register(status(0)), RETENTION | PWR_STATUS_RETENTION_CAPABLE);
    EXPECT_EQ(pwr.region_state(0), PowerState::Retention);
    EXPECT_EQ(pwr.region_request(0), PowerState::Retention);
    EXPECT_FALSE(pwr.peek_register(ctrl(1)).has_value()) << "a second region that does not exist";
}

TEST_F(PowerControllerTest, RegisterDumpListsEveryRegisterOfEveryRegion) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(2), OFF);
        const std::string dump = rig.pwr.register_dump();
        std::vector<std::string> lines;
        std::istringstream in(dump);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        ASSERT_EQ(lines.size(), 7u) << dump;
        EXPECT_EQ(lines[0], "CTRL[0] @0x000 = 0x00000000 (main)");
        EXPECT_EQ(lines[2], "CTRL[2] @0x010 = 0x00000003 (scratch)");
        EXPECT_EQ(lines[3], "STATUS[0] @0x004 = 0x00020000 (main)");
        EXPECT_EQ(lines[4], "STATUS[1] @0x00C = 0x00030000 (always)");
        EXPECT_EQ(lines[5], "STATUS[2] @0x014 = 0x00000010 (scratch)") << "Active, busy";
        EXPECT_EQ(lines[6], "INFO @0x100 = 0x50570103");
        for (const PowerRegDesc& r : POWER_CONTROLLER_REGS)
            EXPECT_NE(dump.find(r.name), std::string::npos) << r.name;
    });
}

// ---------------------------------------------------------------------------------------------
// Transitions

TEST_F(PowerControllerTest, CtrlWriteStartsTheTransitionOfExactlyTheRegionsBanks) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), RETENTION); // done at cycle 2
        EXPECT_EQ(now_cycle(), 2u);
        for (size_t k : {0, 1}) {
            EXPECT_TRUE(rig.bank(k).in_transition()) << "bank " << k;
            EXPECT_EQ(rig.bank(k).power_state(), PowerState::Retention) << "bank " << k;
        }
        EXPECT_EQ(rig.bank(0).transition_end(), cycles(2 + 2)) << "bank 0's own latency";
        EXPECT_EQ(rig.bank(1).transition_end(), cycles(2 + 6)) << "bank 1's own latency";
        for (size_t k : {2, 3, 4}) {
            EXPECT_FALSE(rig.bank(k).in_transition()) << "bank " << k << " is in another region";
            EXPECT_EQ(rig.bank(k).power_state(), PowerState::Active) << "bank " << k;
            EXPECT_EQ(rig.bank(k).energy().transitions, 0u) << "bank " << k;
        }
        EXPECT_EQ(reg(s, ctrl(0)), RETENTION);
        EXPECT_EQ(rig.pwr.region_stats(0).accepted, 1u);
        EXPECT_EQ(rig.pwr.region_stats(0).transitions, 1u);
    });
}

TEST_F(PowerControllerTest, StatusIsBusyUntilTheSlowestBankArrivesThenShowsTheNewState) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), OFF); // takes effect at cycle 2: bank 0 off at 4, bank 1 at 8
        const uint32_t cap = PWR_STATUS_RETENTION_CAPABLE;
        EXPECT_EQ(reg_at(s, status(0), 4), ACTIVE | PWR_STATUS_BUSY | cap)
            << "bank 0 is off, bank 1 still leaving Active";
        EXPECT_TRUE(rig.pwr.region_busy(0));
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Active);
        EXPECT_EQ(reg_at(s, status(0), 7), ACTIVE | PWR_STATUS_BUSY | cap);
        EXPECT_EQ(reg_at(s, status(0), 8), OFF | cap) << "bank 1 arrived at cycle 8";
        wait_until(7);
        EXPECT_TRUE(rig.pwr.region_busy(0));
        wait_until(8);
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Off);
        EXPECT_FALSE(rig.pwr.region_busy(0));

        set(s, ctrl(0), ACTIVE); // issued at 8, effect at 10: bank 0 up at 110, bank 1 at 140
        EXPECT_EQ(reg_at(s, status(0), 109), OFF | PWR_STATUS_BUSY | cap);
        EXPECT_EQ(reg_at(s, status(0), 110), OFF | PWR_STATUS_BUSY | cap)
            << "bank 0 is up, bank 1 still waking from Off";
        EXPECT_EQ(reg_at(s, status(0), 139), OFF | PWR_STATUS_BUSY | cap);
        EXPECT_EQ(reg_at(s, status(0), 140), ACTIVE | cap);
        wait_until(140);
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Active);
    });
}

TEST_F(PowerControllerTest, OffForAnAlwaysOnRegionIsRefusedWithErrAndTheBanksAreUntouched) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        const uint32_t caps = PWR_STATUS_ALWAYS_ON | PWR_STATUS_RETENTION_CAPABLE;
        set(s, ctrl(1), OFF);
        EXPECT_EQ(reg(s, status(1)), ACTIVE | caps | err(PowerRequestError::AlwaysOn));
        EXPECT_EQ(reg(s, status(1)), ACTIVE | caps | err(PowerRequestError::AlwaysOn))
            << "ERR is sticky: reading STATUS does not clear it";
        EXPECT_EQ(reg(s, ctrl(1)), ACTIVE) << "a refused request must not reach CTRL";
        EXPECT_FALSE(rig.bank(2).in_transition());
        EXPECT_EQ(rig.bank(2).power_state(), PowerState::Active);
        EXPECT_EQ(rig.bank(2).energy().transitions, 0u);
        EXPECT_EQ(rig.pwr.region_error(1), PowerRequestError::AlwaysOn);
        EXPECT_EQ(rig.pwr.region_stats(1).refused, 1u);
        EXPECT_EQ(rig.pwr.region_stats(1).refused_by[1], 1u);

        set(s, ctrl(1), RETENTION); // allowed for an always-on region: contents are kept
        EXPECT_EQ(reg(s, status(1)) & PWR_STATUS_ERR_MASK, 0u) << "the next CTRL write clears ERR";
        EXPECT_EQ(rig.bank(2).power_state(), PowerState::Retention);
    });
}

TEST_F(PowerControllerTest, RetentionOnARegionThatIsNotRetentionCapableIsRefused) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(2), RETENTION);
        EXPECT_EQ(reg(s, status(2)), ACTIVE | err(PowerRequestError::NoRetention));
        EXPECT_EQ(reg(s, ctrl(2)), ACTIVE);
        EXPECT_FALSE(rig.bank(3).in_transition());
        EXPECT_EQ(rig.bank(3).energy().transitions, 0u);
        EXPECT_EQ(rig.pwr.region_stats(2).refused_by[2], 1u);
        set(s, ctrl(2), OFF);
        EXPECT_EQ(reg(s, ctrl(2)), OFF) << "Off is fine for a region that may lose its contents";
        EXPECT_EQ(rig.bank(3).power_state(), PowerState::Off);
    });
}

TEST_F(PowerControllerTest, ARequestWhileBusyIsRefusedAndTheRunningTransitionContinues) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), OFF);    // effect at 2, bank 1 arrives at 8
        set(s, ctrl(0), ACTIVE); // effect at 4: busy
        const uint32_t cap = PWR_STATUS_RETENTION_CAPABLE;
        EXPECT_EQ(reg(s, status(0)), ACTIVE | PWR_STATUS_BUSY | cap | err(PowerRequestError::Busy));
        EXPECT_EQ(reg(s, ctrl(0)), OFF) << "CTRL keeps the request that was accepted";
        EXPECT_EQ(rig.bank(0).power_state(), PowerState::Off);
        EXPECT_EQ(rig.bank(1).transition_end(), cycles(8))
            << "the running transition was disturbed";
        EXPECT_EQ(reg_at(s, status(0), 10), OFF | cap | err(PowerRequestError::Busy));
        set(s, ctrl(0), ACTIVE); // idle now: accepted, ERR cleared
        EXPECT_EQ(reg(s, status(0)), OFF | PWR_STATUS_BUSY | cap);
        const PowerRegionStats& st = rig.pwr.region_stats(0);
        EXPECT_EQ(st.requested, 3u);
        EXPECT_EQ(st.accepted, 2u);
        EXPECT_EQ(st.refused_by[3], 1u);
    });
}

TEST_F(PowerControllerTest, WritingTheCurrentStateIsAcceptedAndMovesNothing) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), ACTIVE);
        EXPECT_FALSE(rig.bank(0).in_transition());
        EXPECT_EQ(rig.pwr.region_stats(0).accepted, 1u);
        EXPECT_EQ(rig.pwr.region_stats(0).transitions, 0u);
        EXPECT_EQ(rig.bank(0).energy().transitions + rig.bank(1).energy().transitions, 0u);
    });
}

// ---------------------------------------------------------------------------------------------
// What the banks do

TEST_F(PowerControllerTest, DataSurvivesRetentionAndIsGarbageAfterOffThenActive) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        ASSERT_EQ(write_bank(s, bank_address(0) + 0x10, 0x5a5a5a5a), tlm::TLM_OK_RESPONSE);
        ASSERT_EQ(write_bank(s, bank_address(1) + 0x20, 0xc0ffee11), tlm::TLM_OK_RESPONSE);
        set(s, ctrl(0), RETENTION);
        wait(cycles(6));
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Retention);
        EXPECT_EQ(s.peek32(bank_address(0) + 0x10), 0x5a5a5a5au) << "debug read in Retention";
        set(s, ctrl(0), ACTIVE);
        wait(cycles(10));
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Active);
        EXPECT_EQ(s.peek32(bank_address(0) + 0x10), 0x5a5a5a5au) << "Retention lost bank 0's data";
        EXPECT_EQ(s.peek32(bank_address(1) + 0x20), 0xc0ffee11u) << "Retention lost bank 1's data";
        uint32_t v = 0;
        EXPECT_EQ(read_bank(s, bank_address(1) + 0x20, v), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(v, 0xc0ffee11u);

        set(s, ctrl(0), OFF);
        wait(cycles(6));
        set(s, ctrl(0), ACTIVE);
        wait(cycles(130));
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Active);
        EXPECT_NE(s.peek32(bank_address(0) + 0x10), 0x5a5a5a5au) << "contents survived Off";
        EXPECT_NE(s.peek32(bank_address(1) + 0x20), 0xc0ffee11u) << "contents survived Off";
        EXPECT_EQ(rig.bank(0).stats().power_ups, 1u);
        EXPECT_EQ(rig.bank(1).stats().power_ups, 1u);
    });
}

TEST_F(PowerControllerTest, AnAccessToABankOfARegionOffOrInTransitionIsABusError) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), OFF); // effect at 2; bank 0 off at 4
        uint32_t v = 0;
        EXPECT_EQ(read_bank(s, bank_address(0), v), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::InTransition) << "arrives at cycle 3";
        EXPECT_EQ(write_bank(s, bank_address(0), 1), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::PoweredOff) << "arrives at cycle 5";
        EXPECT_EQ(read_bank(s, bank_address(1), v), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::InTransition) << "bank 1 is off at 8 only";
        EXPECT_EQ(read_bank(s, bank_address(4), v), tlm::TLM_OK_RESPONSE) << "no region";
        EXPECT_EQ(read_bank(s, bank_address(2), v), tlm::TLM_OK_RESPONSE) << "another region";

        set(s, ctrl(2), RETENTION); // refused: bank 3 stays accessible
        EXPECT_EQ(read_bank(s, bank_address(3), v), tlm::TLM_OK_RESPONSE);
        set(s, ctrl(1), RETENTION);
        wait(cycles(2));
        EXPECT_EQ(read_bank(s, bank_address(2), v), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::Retention);
        EXPECT_GE(rig.bank(0).stats().refused, 2u);
    });
}

TEST_F(PowerControllerTest, RegionStatisticsCountTimeInEachStateFromTheBanksLedgers) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(2), OFF); // effect at 2: transition 2..4, Off from 4
        wait(cycles(10) - sc_core::sc_time_stamp());
        const auto t = rig.pwr.region_time_ps(2);
        EXPECT_EQ(t[index_of(PowerState::Active)], clock.to_ps(2));
        EXPECT_EQ(t[TRANSITION_BUCKET], clock.to_ps(2));
        EXPECT_EQ(t[index_of(PowerState::Off)], clock.to_ps(6));
        EXPECT_EQ(rig.pwr.region_energy(2).total_fj(), rig.bank(3).energy().total_fj());

        set(s, ctrl(0), STANDBY); // effect at 12: bank 0 2 cycles, bank 1 6 cycles
        wait(cycles(20) - sc_core::sc_time_stamp());
        const auto m = rig.pwr.region_time_ps(0);
        EXPECT_EQ(m[index_of(PowerState::Active)], clock.to_ps(12));
        EXPECT_EQ(m[TRANSITION_BUCKET], clock.to_ps(4)) << "mean of 2 and 6";
        EXPECT_EQ(m[index_of(PowerState::Standby)], clock.to_ps(4)) << "mean of 6 and 2";
        const EnergySnapshot e = rig.pwr.region_energy(0);
        EXPECT_EQ(e.transitions, 2u);
        EXPECT_EQ(e.total_fj(), rig.bank(0).energy().total_fj() + rig.bank(1).energy().total_fj());
    });
}

TEST_F(PowerControllerTest, AStandbyBankWokenByAnAccessMakesTheRegionReadActive) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(0), STANDBY);
        wait(cycles(6));
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Standby);
        uint32_t v = 0;
        EXPECT_EQ(read_bank(s, bank_address(0), v), tlm::TLM_OK_RESPONSE) << "Standby serves";
        EXPECT_EQ(rig.pwr.region_state(0), PowerState::Active) << "bank 0 woke up";
        EXPECT_EQ(state_field(reg(s, status(0))), ACTIVE);
        set(s, ctrl(0), STANDBY); // moves bank 0 only
        EXPECT_TRUE(rig.bank(0).in_transition());
        EXPECT_FALSE(rig.bank(1).in_transition());
    });
}

// ---------------------------------------------------------------------------------------------
// Accesses: timing, errors, debug

TEST_F(PowerControllerTest, RegisterAccessesCostRegisterCyclesExactlyInLt) {
    run_direct(three_regions(3), [&](Stimulus& s, DirectRig&) {
        uint32_t v = 0;
        sc_time delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(INFO, v, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(3));
        EXPECT_EQ(s.write32(ctrl(1), STANDBY, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(6)) << "the incoming delay is kept";
        delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(status(1), v, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(9)) << "one access at a time: waits for the register file";
        delay = cycles(20) + sc_time(1, sc_core::SC_NS);
        s.read32(status(0), v, delay);
        EXPECT_EQ(delay, cycles(24)) << "starts at the next clock edge";
        delay = cycles(30);
        EXPECT_EQ(s.read32(0x1FC, v, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(delay, cycles(33)) << "an error costs the same";
    });
    run_bus(three_regions(1), [&](Stimulus& s, BusRig&) {
        uint32_t v = 0;
        sc_time delay = SC_ZERO_TIME;
        s.read32(PWR + INFO, v, delay);
        EXPECT_EQ(delay, cycles(2)) << "hop 1 + register 1";
    });
}

TEST_F(PowerControllerTest, SubWordAccessesAreBurstErrorsAndChangeNothing) {
    run_direct(three_regions(), [&](Stimulus& s, DirectRig& rig) {
        uint8_t data[8] = {OFF, 0, 0, 0, 0, 0, 0, 0};
        sc_time d = SC_ZERO_TIME;
        EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, ctrl(0), data, 1, d),
                  tlm::TLM_BURST_ERROR_RESPONSE)
            << "byte";
        EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, ctrl(0), data, 2, d),
                  tlm::TLM_BURST_ERROR_RESPONSE)
            << "halfword";
        EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, ctrl(0), data, 8, d),
                  tlm::TLM_BURST_ERROR_RESPONSE)
            << "two words";
        EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, ctrl(0), data, 4, d, nullptr, 0, 2),
                  tlm::TLM_BURST_ERROR_RESPONSE)
            << "streaming width 2";
        const uint8_t lanes[4] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED,
                                  TLM_BYTE_ENABLED};
        EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, ctrl(0), data, 4, d, lanes, 4),
                  tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::Unsupported);
        EXPECT_EQ(rig.pwr.peek_register(ctrl(0)), ACTIVE) << "an erroneous write reached CTRL";
        EXPECT_FALSE(rig.banks[0]->in_transition());
        EXPECT_EQ(rig.pwr.region_stats(0).requested, 0u);
        EXPECT_EQ(rig.pwr.stats().register_errors, 5u);
        const uint8_t all[4] = {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_ENABLED,
                                TLM_BYTE_ENABLED};
        EXPECT_EQ(s.access(tlm::TLM_WRITE_COMMAND, ctrl(0), data, 4, d, all, 4),
                  tlm::TLM_OK_RESPONSE)
            << "all four lanes enabled is a word write";
        EXPECT_EQ(rig.pwr.peek_register(ctrl(0)), OFF);
    });
}

TEST_F(PowerControllerTest, AddressesOutsideTheWindowOrWithoutARegisterAreAddressErrors) {
    run_direct(three_regions(), [&](Stimulus& s, DirectRig& rig) {
        uint32_t v = 0;
        sc_time d = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(POWER_CONTROLLER_WINDOW_BYTES, v, d), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "past the window";
        EXPECT_EQ(s.last_info.refusal, Refusal::OutOfRange);
        uint8_t byte = 0;
        EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0x1000, &byte, 1, d),
                  tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "the window check comes before the size check";
        EXPECT_EQ(s.read32(POWER_CONTROLLER_WINDOW_BYTES - 2, v, d),
                  tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "straddles the end";
        EXPECT_EQ(s.read32(ctrl(3), v, d), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "no region 3";
        EXPECT_EQ(s.write32(status(3), OFF, d), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "no region 3";
        EXPECT_EQ(s.read32(0x0FC, v, d), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "hole";
        EXPECT_EQ(s.read32(0x104, v, d), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "hole after INFO";
        EXPECT_EQ(s.write32(ctrl(0) + 2, OFF, d), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "unaligned";
        EXPECT_FALSE(rig.banks[0]->in_transition());
        EXPECT_EQ(rig.pwr.stats().register_errors, 8u);
        EXPECT_EQ(rig.pwr.stats().register_reads + rig.pwr.stats().register_writes, 0u);
    });
}

TEST_F(PowerControllerTest, WritesToReadOnlyRegistersAreIgnored) {
    run_direct(three_regions(), [&](Stimulus& s, DirectRig& rig) {
        sc_time d = SC_ZERO_TIME;
        EXPECT_EQ(s.write32(status(0), 0xFFFFFFFF, d), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(s.write32(INFO, 0, d), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(rig.pwr.peek_register(status(0)), ACTIVE | PWR_STATUS_RETENTION_CAPABLE);
        EXPECT_EQ(rig.pwr.peek_register(INFO), 0x50570103u);
        EXPECT_EQ(s.write32(ctrl(0), 0xFFFFFFF0 | STANDBY, d), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(rig.pwr.peek_register(ctrl(0)), STANDBY) << "reserved CTRL bits read as zero";
    });
}

TEST_F(PowerControllerTest, DebugAccessReadsAndWritesRegistersWithoutStartingATransition) {
    run_bus(three_regions(), [&](Stimulus& s, BusRig& rig) {
        set(s, ctrl(1), OFF); // refused: ERR 1
        const sc_time before = sc_core::sc_time_stamp();
        EXPECT_EQ(s.peek32(PWR + INFO), 0x50570103u);
        EXPECT_EQ(s.peek32(PWR + status(1)), reg(s, status(1)));

        uint32_t value = OFF;
        tlm::tlm_generic_payload trans;
        trans.set_command(tlm::TLM_WRITE_COMMAND);
        trans.set_address(PWR + ctrl(0));
        trans.set_data_ptr(reinterpret_cast<uint8_t*>(&value));
        trans.set_data_length(4);
        EXPECT_EQ(s.out->transport_dbg(trans), 4u);
        EXPECT_EQ(rig.pwr.peek_register(ctrl(0)), OFF) << "debug write sets the register";
        EXPECT_FALSE(rig.bank(0).in_transition()) << "a debug write started a transition";
        EXPECT_EQ(rig.bank(0).power_state(), PowerState::Active);
        EXPECT_EQ(rig.pwr.region_stats(0).requested, 0u);

        value = 0; // STATUS is read-only, also for a debugger
        trans.set_address(PWR + status(1));
        EXPECT_EQ(s.out->transport_dbg(trans), 4u);
        EXPECT_EQ(rig.pwr.region_error(1), PowerRequestError::AlwaysOn);

        std::vector<uint8_t> window(POWER_CONTROLLER_WINDOW_BYTES, 0xEE);
        trans.set_command(tlm::TLM_READ_COMMAND);
        trans.set_address(PWR);
        trans.set_data_ptr(window.data());
        trans.set_data_length(POWER_CONTROLLER_WINDOW_BYTES);
        EXPECT_EQ(s.out->transport_dbg(trans), POWER_CONTROLLER_WINDOW_BYTES);
        EXPECT_EQ(window[ctrl(0)], OFF);
        EXPECT_EQ(window[0x0F0], 0u) << "holes read as zero";
        trans.set_address(PWR + 2);
        trans.set_data_length(4);
        EXPECT_EQ(s.out->transport_dbg(trans), 0u) << "unaligned debug access";
        EXPECT_EQ(sc_core::sc_time_stamp(), before + cycles(2)) << "only the bus read took time";
        EXPECT_EQ(rig.pwr.stats().register_reads, 1u);
    });
}

TEST_F(PowerControllerTest, DmiIsNeverGrantedForTheRegisters) {
    run_direct(three_regions(), [&](Stimulus& s, DirectRig&) {
        tlm::tlm_dmi dmi;
        EXPECT_FALSE(s.dmi(ctrl(0), dmi));
        EXPECT_EQ(dmi.get_start_address(), 0u);
        EXPECT_EQ(dmi.get_end_address(), POWER_CONTROLLER_WINDOW_BYTES - 1);
    });
}

// ---------------------------------------------------------------------------------------------
// AT

struct Step {
    Cycles done;
    tlm::tlm_response_status status;
    uint32_t value;
    bool operator==(const Step& o) const {
        return done == o.done && status == o.status && value == o.value;
    }
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
    return os << "{done " << s.done << ", status " << s.status << ", value 0x" << std::hex
              << s.value << std::dec << "}";
}

/// A region wake through registers, with a bus error in the middle; every step's completion.
std::vector<Step> power_script(Core& c, const Clock& clock) {
    std::vector<Step> steps;
    const auto step = [&](bool write, uint64_t address, uint32_t value) {
        const tlm::tlm_response_status st = c.access(write, address, value);
        steps.push_back({clock.to_cycles(c.port.now()), st, value});
        return value;
    };
    step(true, PWR + ctrl(0), OFF);
    while (step(false, PWR + status(0), 0) & PWR_STATUS_BUSY) {
    }
    step(true, PWR + ctrl(0), ACTIVE);
    step(false, bank_address(0), 0);      // in transition: bus error
    step(true, PWR + ctrl(0), OFF);       // busy: refused
    while (step(false, PWR + status(0), 0) & PWR_STATUS_BUSY) {
    }
    step(true, bank_address(1), 0x1234);  // up again
    step(false, PWR + INFO, 0);
    return steps;
}

std::vector<Step> run_script(TimingMode mode, std::vector<std::string>& violations) {
    emsim::fresh_simulation_context();
    sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
    const Clock clock(10000);
    tlm_utils::tlm_quantumkeeper::set_global_quantum(clock.to_time(1000));
    BusRig rig(clock, three_regions());
    std::vector<Step> steps;
    Core core("core", mode, clock, [&](Core& c) { steps = power_script(c, clock); });
    core.port.socket.bind(rig.checker.in);
    sc_core::sc_start();
    violations = rig.checker.violations;
    return steps;
}

TEST(PowerControllerAt, LtAndAtAgreeOnEveryCycleStatusAndValueOfAPowerScript) {
    std::vector<std::string> lt_violations, at_violations;
    const std::vector<Step> lt = run_script(TimingMode::Lt, lt_violations);
    const std::vector<Step> at = run_script(TimingMode::At, at_violations);
    EXPECT_TRUE(lt_violations.empty()) << lt_violations.front();
    EXPECT_TRUE(at_violations.empty()) << at_violations.front();
    const uint32_t cap = PWR_STATUS_RETENTION_CAPABLE;
    const auto busy = PWR_STATUS_BUSY;
    const auto OK = tlm::TLM_OK_RESPONSE;
    // Off at 2 (bank 1 arrives at 8); polls every 2 cycles; Active at 10 (bank 1 up at 140).
    std::vector<Step> expected = {
        {2, OK, OFF},
        {4, OK, ACTIVE | busy | cap},
        {6, OK, ACTIVE | busy | cap},
        {8, OK, OFF | cap},
        {10, OK, ACTIVE},
        {11, tlm::TLM_GENERIC_ERROR_RESPONSE, 0},
        {13, OK, OFF},
    };
    for (Cycles t = 15; t < 140; t += 2)
        expected.push_back({t, OK, OFF | busy | cap | err(PowerRequestError::Busy)});
    expected.push_back({141, OK, ACTIVE | cap | err(PowerRequestError::Busy)});
    expected.push_back({143, OK, 0x1234});
    expected.push_back({145, OK, 0x50570103});
    ASSERT_EQ(lt.size(), expected.size());
    ASSERT_EQ(at.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(lt[i], expected[i]) << "LT step " << i;
        EXPECT_EQ(at[i], expected[i]) << "AT step " << i;
    }
}

/// Register traffic (reads, CTRL writes of Active, holes, sub-word) from `generators` AT or LT
/// initiators, each through its own checker.
struct StreamResult {
    std::vector<std::vector<TrafficRecord>> records;
    std::vector<std::string> violations;
    uint64_t register_reads = 0, register_writes = 0, register_errors = 0;
};

StreamResult register_stream(TimingMode mode, int generators) {
    emsim::fresh_simulation_context();
    sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
    const Clock clock(10000);
    std::vector<std::unique_ptr<SramBank>> banks = make_banks(clock);
    Interconnect bus("bus", {}, clock);
    PowerController pwr("pwr", three_regions(2), clock, pointers(banks));
    bus.map(0, PWR, POWER_CONTROLLER_WINDOW_BYTES, "pwr");
    bus.out.bind(pwr.in);
    for (size_t k = 0; k < BANKS; ++k) {
        bus.map(static_cast<int>(k + 1), bank_address(k), BANK_BYTES, "bank" + std::to_string(k));
        bus.out.bind(banks[k]->in);
    }
    std::vector<TrafficRequest> stream;
    const uint32_t offsets[] = {ctrl(0), status(0), ctrl(1), status(1), INFO, status(2),
                                ctrl(2), 0x0F0 /* hole */};
    for (int i = 0; i < 200; ++i) {
        TrafficRequest r;
        r.address = PWR + offsets[i % 8];
        r.write = i % 3 == 0; // CTRL writes carry address bytes: REQ = 0 (Active), a no-op
        r.length_bytes = i % 17 == 5 ? 2 : 4;
        r.not_before_cycle = static_cast<Cycles>(i) * 3 / 2;
        stream.push_back(r);
    }
    std::vector<std::unique_ptr<TrafficGenerator>> gens;
    std::vector<std::unique_ptr<ProtocolChecker>> checkers;
    TrafficGeneratorParams gp;
    gp.mode = mode;
    gp.quantum_cycles = 50;
    for (int g = 0; g < generators; ++g) {
        gens.push_back(std::make_unique<TrafficGenerator>(("gen" + std::to_string(g)).c_str(), gp,
                                                          clock, stream));
        checkers.push_back(
            std::make_unique<ProtocolChecker>(("checker" + std::to_string(g)).c_str()));
        gens.back()->out.bind(checkers.back()->in);
        checkers.back()->out.bind(bus.in);
    }
    sc_core::sc_start();
    StreamResult result;
    for (int g = 0; g < generators; ++g) {
        result.records.push_back(gens[g]->records());
        result.violations.insert(result.violations.end(), checkers[g]->violations.begin(),
                                 checkers[g]->violations.end());
    }
    result.register_reads = pwr.stats().register_reads;
    result.register_writes = pwr.stats().register_writes;
    result.register_errors = pwr.stats().register_errors;
    return result;
}

TEST(PowerControllerAt, ARegisterStreamKeepsTheBaseProtocolAndLtTimingInAt) {
    const StreamResult lt = register_stream(TimingMode::Lt, 1);
    const StreamResult at = register_stream(TimingMode::At, 1);
    EXPECT_TRUE(at.violations.empty()) << at.violations.front();
    EXPECT_TRUE(lt.violations.empty()) << lt.violations.front();
    ASSERT_EQ(lt.records[0].size(), 200u);
    ASSERT_EQ(at.records[0].size(), 200u);
    for (size_t i = 0; i < 200; ++i) {
        ASSERT_EQ(at.records[0][i].issue_cycle, lt.records[0][i].issue_cycle) << i;
        ASSERT_EQ(at.records[0][i].end_cycle, lt.records[0][i].end_cycle) << i;
        ASSERT_EQ(at.records[0][i].status, lt.records[0][i].status) << i;
    }
    EXPECT_EQ(at.register_errors, lt.register_errors);
    EXPECT_GT(at.register_errors, 0u);
    EXPECT_EQ(at.records[0][7].status, tlm::TLM_ADDRESS_ERROR_RESPONSE) << "the hole";
    EXPECT_EQ(at.records[0][5].status, tlm::TLM_BURST_ERROR_RESPONSE) << "a halfword";
}

TEST(PowerControllerAt, TwoAtInitiatorsShareTheRegisterFileOneAccessAtATime) {
    const StreamResult at = register_stream(TimingMode::At, 2);
    EXPECT_TRUE(at.violations.empty()) << at.violations.front();
    ASSERT_EQ(at.records.size(), 2u);
    for (const auto& records : at.records) ASSERT_EQ(records.size(), 200u);
    EXPECT_EQ(at.register_reads + at.register_writes + at.register_errors, 400u);
    // The register file serves 2 cycles per access: 400 accesses need at least 800 cycles.
    const Cycles last = std::max(at.records[0].back().end_cycle, at.records[1].back().end_cycle);
    EXPECT_GE(last, 800u);
}

/// A raw AT initiator that keeps two requests outstanding and holds the first response open
/// (END_RESP 4 cycles late), so the controller must queue the second BEGIN_RESP.
class HoldingInitiator : public sc_core::sc_module, public tlm::tlm_bw_transport_if<> {
public:
    tlm::tlm_initiator_socket<> out;
    std::vector<std::pair<int, Cycles>> responses; ///< (transaction, BEGIN_RESP cycle)
    std::vector<std::string> problems;

    SC_HAS_PROCESS(HoldingInitiator);
    HoldingInitiator(sc_core::sc_module_name name, const Clock& clock)
        : sc_module(name), out("out"), m_clock(clock) {
        out.bind(*this);
        SC_THREAD(run);
    }

    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_time&) override {
        const int which = &trans == &m_trans[0] ? 0 : 1;
        if (phase != tlm::BEGIN_RESP) problems.push_back("unexpected backward phase");
        responses.push_back({which, m_clock.to_cycles(sc_core::sc_time_stamp())});
        if (which == 0) return tlm::TLM_ACCEPTED; // END_RESP comes later, from run()
        phase = tlm::END_RESP;
        return tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}

private:
    void run() {
        const uint32_t offsets[2] = {INFO, status(0)};
        for (int i = 0; i < 2; ++i) {
            prepare_access(m_trans[i], false, offsets[i], reinterpret_cast<uint8_t*>(&m_data[i]),
                           4);
            tlm::tlm_phase phase = tlm::BEGIN_REQ;
            sc_time delay = SC_ZERO_TIME;
            const tlm::tlm_sync_enum reply = out->nb_transport_fw(m_trans[i], phase, delay);
            if (reply != tlm::TLM_UPDATED || phase != tlm::END_REQ)
                problems.push_back("BEGIN_REQ not answered with END_REQ");
            wait(delay); // END_REQ: the next request may go
        }
        wait(m_clock.to_time(5) - sc_core::sc_time_stamp());
        tlm::tlm_phase phase = tlm::END_RESP;
        sc_time delay = SC_ZERO_TIME;
        if (out->nb_transport_fw(m_trans[0], phase, delay) != tlm::TLM_COMPLETED)
            problems.push_back("END_RESP not completed");
    }

    const Clock m_clock;
    tlm::tlm_generic_payload m_trans[2];
    uint32_t m_data[2] = {0, 0};
};

TEST_F(PowerControllerTest, AtResponsesWaitForTheInitiatorsEndRespOneAtATime) {
    fresh_run();
    DirectRig rig(clock, three_regions());
    HoldingInitiator init("init", clock);
    init.out.bind(rig.checker.in);
    sc_core::sc_start();
    EXPECT_TRUE(init.problems.empty()) << init.problems.front();
    EXPECT_TRUE(rig.checker.violations.empty()) << rig.checker.violations.front();
    // Request 0 is served 0..1, request 1 at 1..2; its response waits for END_RESP at 5.
    const std::vector<std::pair<int, Cycles>> expected = {{0, 1}, {1, 5}};
    EXPECT_EQ(init.responses, expected);
}

// ---------------------------------------------------------------------------------------------
// Configuration

TEST_F(PowerControllerTest, InvalidRegionConfigurationsAreRejectedWithAClearMessage) {
    auto banks = make_banks(clock);
    const auto rejects = [&](const char* name, const PowerControllerParams& p, const char* words) {
        try {
            PowerController pwr(name, p, clock, pointers(banks));
            ADD_FAILURE() << name << ": accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(words), std::string::npos)
                << name << ": " << e.what();
        }
    };
    PowerControllerParams p;
    p.regions = {{"a", {0, 7}, false, true}};
    rejects("index", p, "bank index 7 is out of range");
    p.regions = {{"a", {0, 1}, false, true}, {"b", {1}, false, true}};
    rejects("twice", p, "already belongs to power region 0");
    p.regions = {{"a", {}, false, true}};
    rejects("empty", p, "has no banks");
    p.regions.assign(33, {"", {0}, false, true});
    rejects("many", p, "at most 32");
    std::vector<SramBank*> with_null = pointers(banks);
    with_null.push_back(nullptr);
    p.regions = {{"a", {0}, false, true}};
    EXPECT_THROW(PowerController("null", p, clock, with_null), std::invalid_argument);

    SramBank ret("ret", bank_params(0, PowerState::Retention), clock);
    SramBank off("off", bank_params(0, PowerState::Off), clock);
    std::vector<SramBank*> mixed = {banks[0].get(), &ret, &off};
    p.regions = {{"a", {0, 1}, false, true}};
    try {
        PowerController pwr("mixed", p, clock, mixed);
        ADD_FAILURE() << "mixed initial states accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("start in different power states"), std::string::npos)
            << e.what();
    }
    p.regions = {{"a", {2}, true, true}};
    EXPECT_THROW(PowerController("always_off", p, clock, mixed), std::invalid_argument);
    p.regions = {{"a", {1}, false, false}};
    EXPECT_THROW(PowerController("no_ret", p, clock, mixed), std::invalid_argument);
    p.regions = {{"a", {0}, false, true}};
    EXPECT_NO_THROW(PowerController("fine", p, clock, mixed)) << "banks outside regions are fine";
}

TEST_F(PowerControllerTest, RequestRegionStateActsLikeACtrlWriteWithoutTheBus) {
    run_bus(three_regions(), [&](Stimulus&, BusRig& rig) {
        EXPECT_EQ(rig.pwr.request_region_state(1, PowerState::Off), PowerRequestError::AlwaysOn);
        EXPECT_EQ(rig.pwr.request_region_state(0, PowerState::Retention, cycles(3)),
                  PowerRequestError::None);
        EXPECT_EQ(rig.bank(0).transition_end(), cycles(3 + 2));
        EXPECT_EQ(rig.pwr.request_region_state(0, PowerState::Active, cycles(4)),
                  PowerRequestError::Busy);
        EXPECT_EQ(rig.pwr.request_region_state(0, PowerState::Active, cycles(9)),
                  PowerRequestError::None)
            << "bank 1 arrived at 9";
        EXPECT_THROW(rig.pwr.request_region_state(3, PowerState::Off), std::out_of_range);
    });
}

} // namespace
