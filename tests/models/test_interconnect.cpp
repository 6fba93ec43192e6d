// Interconnect: decode, translation, arbitration, contention accounting, DMI and debug
// forwarding; and the LT == AT timing contract on whole streams, with the base-protocol checker
// on every hop.
#include "models/interconnect.h"
#include "models/random.h"
#include "models/sram_bank.h"
#include "models/traffic_generator.h"
#include "tests/support/protocol_checker.h"
#include "tests/support/stimulus.h"
#include "tests/support/systemc_test.h"

#include <memory>

using namespace emsim;
using emsim::test::ProtocolChecker;
using emsim::test::Stimulus;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

class InterconnectTest : public emsim::test::SystemCTest {
protected:
    Clock clock{10000};
    sc_time cycles(Cycles n) const { return clock.to_time(n); }
};

TEST_F(InterconnectTest, OverlappingWindowsAreRejected) {
    Interconnect bus("bus", {}, clock);
    bus.map(0, 0x20000000, 0x1000, "sram0");
    EXPECT_THROW(bus.map(1, 0x20000800, 0x1000, "sram1"), std::invalid_argument);
    EXPECT_THROW(bus.map(1, 0x30000000, 0, "empty"), std::invalid_argument);
    EXPECT_NO_THROW(bus.map(1, 0x20001000, 0x1000, "sram1")) << "adjacent windows must be legal";
    ASSERT_NE(bus.decode(0x20001000), nullptr);
    EXPECT_EQ(bus.decode(0x20001000)->label, "sram1");
    EXPECT_EQ(bus.decode(0x20002000), nullptr);
    EXPECT_EQ(bus.decode(0x1fffffff), nullptr);
}

/// Two banks behind the bus, one stimulus in front.
struct TwoBanks {
    SramBank bank0, bank1;
    Interconnect bus;
    Stimulus stim;
    TwoBanks(const Clock& clock, const InterconnectParams& bus_params, std::function<void(Stimulus&)> body)
        : bank0("bank0", {}, clock), bank1("bank1", {}, clock), bus("bus", bus_params, clock),
          stim("stim", std::move(body)) {
        bus.map(0, 0x20000000, bank0.params().size_bytes, "bank0");
        bus.map(1, 0x20010000, bank1.params().size_bytes, "bank1");
        stim.out.bind(bus.in);
        bus.out.bind(bank0.in);
        bus.out.bind(bank1.in);
    }
};

TEST_F(InterconnectTest, AddressesAreTranslatedToTargetOffsets) {
    InterconnectParams params;
    params.hop_cycles = 2;
    std::unique_ptr<TwoBanks> sys;
    sys = std::make_unique<TwoBanks>(clock, params, [&](Stimulus& s) {
        sc_time delay = SC_ZERO_TIME;
        s.write32(0x20010010, 0x12345678, delay);
        EXPECT_EQ(delay, cycles(3)) << "2 hop + 1 access";
        EXPECT_EQ(s.last_info.target_index, 1);
        uint32_t value = 0;
        tlm::tlm_generic_payload probe; // debug read straight from the bank's offset
        EXPECT_EQ(s.peek32(0x20010010), 0x12345678u);
        EXPECT_EQ(sys->bank1.stats().writes, 1u);
        EXPECT_EQ(sys->bank0.stats().writes, 0u);
        EXPECT_EQ(s.read32(0x20020000, value, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "an unmapped address was served";
        EXPECT_EQ(s.last_info.refusal, Refusal::Unmapped);
    });
    sc_core::sc_start();
}

TEST_F(InterconnectTest, DmiRangesComeBackInGlobalAddresses) {
    std::unique_ptr<TwoBanks> sys;
    sys = std::make_unique<TwoBanks>(clock, InterconnectParams{}, [&](Stimulus& s) {
        tlm::tlm_dmi dmi;
        ASSERT_TRUE(s.dmi(0x20010040, dmi));
        EXPECT_EQ(dmi.get_start_address(), 0x20010000u);
        EXPECT_EQ(dmi.get_end_address(), 0x20010000u + sys->bank1.params().size_bytes - 1);
        EXPECT_EQ(dmi.get_read_latency(), cycles(2)) << "hop + access";
        sys->bank1.request_power_state(PowerState::Off);
        ASSERT_EQ(s.invalidations.size(), 1u);
        EXPECT_EQ(s.invalidations[0].first, 0x20010000u);
    });
    sc_core::sc_start();
}

/// Two LT stimuli on one bank, both at time 0: the second waits for the port.
TEST_F(InterconnectTest, ContentionIsRecordedPerInitiator) {
    SramBankParams slow;
    slow.read_cycles = 5;
    SramBank bank("bank", slow, clock);
    Interconnect bus("bus", {}, clock);
    bus.map(0, 0, bank.params().size_bytes, "bank");
    sc_time first_done, second_done;
    Stimulus a("a", [&](Stimulus& s) {
        uint32_t v;
        sc_time d = SC_ZERO_TIME;
        s.read32(0, v, d);
        first_done = d;
    });
    Stimulus b("b", [&](Stimulus& s) {
        uint32_t v;
        sc_time d = SC_ZERO_TIME;
        s.read32(4, v, d);
        second_done = d;
    });
    a.out.bind(bus.in);
    b.out.bind(bus.in);
    bus.out.bind(bank.in);
    sc_core::sc_start();
    EXPECT_EQ(first_done, cycles(6)) << "hop 1 + read 5";
    EXPECT_EQ(second_done, cycles(11))
        << "granted at 1 (after the first hop), at the bank at 2, waits for it until 6, done at 11";
    EXPECT_EQ(bus.initiator_stats(0).contention_cycles + bus.initiator_stats(1).contention_cycles, 1u)
        << "the second waited one cycle for the port (the first request's hop)";
}

// ---------------------------------------------------------------------------------------------
// Whole streams through generator -> checker -> bus -> checker -> banks.

struct StreamPlatform {
    std::vector<std::unique_ptr<SramBank>> banks;
    std::vector<std::unique_ptr<ProtocolChecker>> checkers;
    std::unique_ptr<Interconnect> bus;
    std::vector<std::unique_ptr<TrafficGenerator>> generators;

    StreamPlatform(const Clock& clock, ArbiterKind arbitration, TimingMode mode, Cycles quantum,
                   const std::vector<std::vector<TrafficRequest>>& streams) {
        InterconnectParams bus_params;
        bus_params.arbitration = arbitration;
        bus = std::make_unique<Interconnect>("bus", bus_params, clock);
        SramBankParams plain, piped, slow;
        piped.pipelined = true;
        piped.read_cycles = 2;
        slow.read_cycles = 3;
        slow.write_cycles = 2;
        slow.initial_state = PowerState::Standby;
        slow.standby_wake_cycles = 4;
        const SramBankParams* params[] = {&plain, &piped, &slow};
        for (int i = 0; i < 3; ++i) {
            banks.push_back(std::make_unique<SramBank>(("bank" + std::to_string(i)).c_str(),
                                                       *params[i], clock));
            bus->map(i, 0x20000000 + i * 0x10000, params[i]->size_bytes, "bank" + std::to_string(i));
            auto checker = std::make_unique<ProtocolChecker>(("tgt_check" + std::to_string(i)).c_str());
            bus->out.bind(checker->in);
            checker->out.bind(banks.back()->in);
            checkers.push_back(std::move(checker));
        }
        TrafficGeneratorParams gen;
        gen.mode = mode;
        gen.quantum_cycles = quantum;
        for (size_t i = 0; i < streams.size(); ++i) {
            generators.push_back(std::make_unique<TrafficGenerator>(
                ("gen" + std::to_string(i)).c_str(), gen, clock, streams[i]));
            auto checker = std::make_unique<ProtocolChecker>(("ini_check" + std::to_string(i)).c_str());
            generators.back()->out.bind(checker->in);
            checker->out.bind(bus->in);
            checkers.push_back(std::move(checker));
        }
    }

    std::vector<std::string> violations() const {
        std::vector<std::string> all;
        for (const auto& c : checkers) all.insert(all.end(), c->violations.begin(), c->violations.end());
        return all;
    }
};

/// Random requests over all three banks: lengths 1..16 bytes, gaps, reads and writes.
std::vector<TrafficRequest> random_stream(uint64_t seed, size_t count, uint64_t bank_mask = 7,
                                          uint64_t max_length = 16) {
    SplitMix64 rng(seed);
    std::vector<TrafficRequest> out;
    Cycles at = 0;
    for (size_t i = 0; i < count; ++i) {
        TrafficRequest r;
        uint64_t bank;
        do bank = rng.uniform(0, 2);
        while (!((bank_mask >> bank) & 1));
        r.length_bytes = static_cast<uint32_t>(rng.uniform(1, max_length));
        r.address = 0x20000000 + bank * 0x10000 + rng.uniform(0, 0x1000 - 16);
        r.write = rng.chance(1, 2);
        at += rng.uniform(0, 6);
        r.not_before_cycle = at;
        out.push_back(r);
    }
    return out;
}

std::vector<TrafficRecord> run_stream(TimingMode mode, const std::vector<TrafficRequest>& stream,
                                      std::vector<std::string>* violations) {
    emsim::fresh_simulation_context();
    sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
    Clock clock(10000);
    StreamPlatform p(clock, ArbiterKind::RoundRobin, mode, 50, {stream});
    sc_core::sc_start();
    *violations = p.violations();
    return p.generators[0]->records();
}

TEST_F(InterconnectTest, SingleInitiatorLtAndAtAgreeOnEveryTransaction) {
    for (uint64_t seed : {1u, 2u, 3u}) {
        const auto stream = random_stream(seed, 3000);
        std::vector<std::string> lt_violations, at_violations;
        const auto lt = run_stream(TimingMode::Lt, stream, &lt_violations);
        const auto at = run_stream(TimingMode::At, stream, &at_violations);
        ASSERT_EQ(lt.size(), stream.size());
        ASSERT_EQ(at.size(), stream.size());
        EXPECT_TRUE(lt_violations.empty()) << lt_violations.front();
        EXPECT_TRUE(at_violations.empty()) << at_violations.front();
        for (size_t i = 0; i < stream.size(); ++i) {
            ASSERT_EQ(lt[i].issue_cycle, at[i].issue_cycle) << "seed " << seed << " transaction " << i;
            ASSERT_EQ(lt[i].end_cycle, at[i].end_cycle) << "seed " << seed << " transaction " << i;
            ASSERT_EQ(lt[i].status, at[i].status);
            ASSERT_EQ(lt[i].info.bank_wait_cycles, at[i].info.bank_wait_cycles);
            ASSERT_EQ(lt[i].info.wake_cycles, at[i].info.wake_cycles);
        }
    }
}

TEST_F(InterconnectTest, LtWithDmiKeepsSingleWordTimingAndEnergy) {
    // Word-aligned single-word accesses to the plain bank: DMI must cost what b_transport costs.
    std::vector<TrafficRequest> stream;
    for (uint32_t i = 0; i < 200; ++i)
        stream.push_back({0x20000000 + 4 * (i % 64), (i % 3) == 0, 4, 0});
    uint64_t energy[2];
    Cycles end[2];
    for (int dmi = 0; dmi < 2; ++dmi) {
        emsim::fresh_simulation_context();
        sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
        Clock clock(10000);
        StreamPlatform p(clock, ArbiterKind::RoundRobin, dmi ? TimingMode::LtDmi : TimingMode::Lt,
                         50, {stream});
        sc_core::sc_start();
        energy[dmi] = p.banks[0]->energy().dynamic_fj();
        end[dmi] = p.generators[0]->end_cycle();
        if (dmi) {
            size_t via = 0;
            for (const auto& r : p.generators[0]->records()) via += r.via_dmi;
            EXPECT_GT(via, 150u) << "DMI was hardly used";
        }
    }
    EXPECT_EQ(energy[1], energy[0]) << "DMI under-reported energy";
    EXPECT_EQ(end[1], end[0]) << "DMI changed the timing of single-word accesses";
}

/// The stated bound (README, "LT vs AT"): two initiators, single-word random traffic on one bank
/// loaded to about two thirds: with a 10-cycle quantum each initiator's completion time in LT
/// stays within 15 % of AT. (It grows with the quantum: LT serves calls in the order the kernel
/// runs the initiators, which acts like fixed priority within a quantum.)
TEST_F(InterconnectTest, ContendedLtStaysWithinTheStatedBoundOfAt) {
    const auto a = random_stream(11, 3000, 1, 4);
    const auto b = random_stream(12, 3000, 1, 4);
    Cycles finish[2][2];
    for (int m = 0; m < 2; ++m) {
        emsim::fresh_simulation_context();
        sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
        Clock clock(10000);
        StreamPlatform p(clock, ArbiterKind::RoundRobin, m ? TimingMode::At : TimingMode::Lt, 10,
                         {a, b});
        sc_core::sc_start();
        EXPECT_TRUE(p.violations().empty());
        finish[m][0] = p.generators[0]->end_cycle();
        finish[m][1] = p.generators[1]->end_cycle();
    }
    for (int g = 0; g < 2; ++g) {
        const double lt = static_cast<double>(finish[0][g]), at = static_cast<double>(finish[1][g]);
        EXPECT_NEAR(lt / at, 1.0, 0.15) << "initiator " << g << ": LT " << lt << " vs AT " << at;
    }
}

TEST(ArbiterPolicy, FixedPriorityAlwaysPicksTheLowestIndex) {
    auto arbiter = make_arbiter(ArbiterKind::FixedPriority);
    for (int round = 0; round < 3; ++round) EXPECT_EQ(arbiter->choose({0, 2, 5}), 0u);
}

TEST(ArbiterPolicy, RoundRobinRotatesPastTheLastGrant) {
    auto arbiter = make_arbiter(ArbiterKind::RoundRobin);
    EXPECT_EQ(arbiter->choose({0, 1, 2}), 0u);
    EXPECT_EQ(arbiter->choose({0, 1, 2}), 1u);
    EXPECT_EQ(arbiter->choose({0, 2}), 1u) << "2 comes after 1";
    EXPECT_EQ(arbiter->choose({0, 1, 2}), 0u) << "wraps around";
}

TEST_F(InterconnectTest, SimultaneousRequestsAreGrantedByThePolicy) {
    // Both initiators request the same bank on the same edge every 20 cycles: fixed priority
    // makes initiator 1 wait every round. Round robin grants 0 first too, because the last grant
    // of each round went to 1 (the rotation itself is checked on the policy above); either way
    // exactly one cycle per round is lost by someone.
    std::vector<TrafficRequest> rounds;
    for (uint32_t i = 0; i < 100; ++i) rounds.push_back({0x20000000 + 4 * i, false, 4, i * 20});
    uint64_t waited[2][2];
    for (int rr = 0; rr < 2; ++rr) {
        emsim::fresh_simulation_context();
        sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
        Clock clock(10000);
        StreamPlatform p(clock, rr ? ArbiterKind::RoundRobin : ArbiterKind::FixedPriority,
                         TimingMode::At, 50, {rounds, rounds});
        sc_core::sc_start();
        EXPECT_TRUE(p.violations().empty());
        for (int g = 0; g < 2; ++g) waited[rr][g] = p.bus->initiator_stats(g).contention_cycles;
    }
    EXPECT_EQ(waited[0][0], 0u) << "fixed priority made initiator 0 wait";
    EXPECT_EQ(waited[0][1], 100u) << "initiator 1 waits one cycle (the winner's hop) per round";
    EXPECT_EQ(waited[1][0] + waited[1][1], 100u);
}

} // namespace
