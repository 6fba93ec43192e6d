// SramBank: storage, timing, byte enables, power states, DMI and debug through its real socket.
#include "models/sram_bank.h"
#include "tests/support/stimulus.h"
#include "tests/support/systemc_test.h"

using namespace emsim;
using emsim::test::Stimulus;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

class SramBankTest : public emsim::test::SystemCTest {
protected:
    Clock clock{10000}; // 100 MHz: one cycle = 10 ns
    sc_time cycles(Cycles n) const { return clock.to_time(n); }

    /// Builds a bank and a stimulus running `body`, simulates to the end.
    void run(const SramBankParams& params, std::function<void(Stimulus&, SramBank&)> body) {
        SramBank bank("bank", params, clock);
        Stimulus stim("stim", [&](Stimulus& s) { body(s, bank); });
        stim.out.bind(bank.in);
        sc_core::sc_start();
    }
};

TEST_F(SramBankTest, WrittenDataReadsBack) {
    run({}, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        ASSERT_EQ(s.write32(0x40, 0xdeadbeef, delay), tlm::TLM_OK_RESPONSE);
        uint32_t value = 0;
        ASSERT_EQ(s.read32(0x40, value, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(value, 0xdeadbeefu) << "a written word did not read back";
    });
}

TEST_F(SramBankTest, WaitStatesSetTheLatencyOfOneWord) {
    SramBankParams p;
    p.read_cycles = 3;
    p.write_cycles = 2;
    run(p, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        uint32_t value = 0;
        s.read32(0, value, delay);
        EXPECT_EQ(delay, cycles(3)) << "a one-word read took the wrong time";
        s.write32(0, 1, delay);
        EXPECT_EQ(delay, cycles(5)) << "a one-word write after the read took the wrong time";
    });
}

TEST_F(SramBankTest, UnpipelinedBurstPaysTheAccessTimeForEveryBeat) {
    SramBankParams p;
    p.read_cycles = 2;
    run(p, [&](Stimulus& s, SramBank&) {
        uint8_t data[16];
        sc_time delay = SC_ZERO_TIME;
        s.access(tlm::TLM_READ_COMMAND, 0, data, 16, delay);
        EXPECT_EQ(delay, cycles(8)) << "4 beats x 2 cycles";
        EXPECT_EQ(s.last_info.beats, 4u);
    });
}

TEST_F(SramBankTest, PipelinedBurstStreamsOneBeatPerCycle) {
    SramBankParams p;
    p.read_cycles = 2;
    p.pipelined = true;
    run(p, [&](Stimulus& s, SramBank&) {
        uint8_t data[16];
        sc_time delay = SC_ZERO_TIME;
        s.access(tlm::TLM_READ_COMMAND, 0, data, 16, delay);
        EXPECT_EQ(delay, cycles(5)) << "2 cycles for the first beat, 1 for each of 3 more";
    });
}

TEST_F(SramBankTest, UnalignedAccessCountsEveryWordItTouches) {
    run({}, [&](Stimulus& s, SramBank&) {
        uint8_t data[4];
        sc_time delay = SC_ZERO_TIME;
        s.access(tlm::TLM_READ_COMMAND, 2, data, 4, delay);
        EXPECT_EQ(s.last_info.beats, 2u) << "bytes 2..5 span two words";
    });
}

TEST_F(SramBankTest, AccessArrivingWhileBusyWaitsForTheBank) {
    SramBankParams p;
    p.read_cycles = 4;
    run(p, [&](Stimulus& s, SramBank& bank) {
        uint32_t value = 0;
        sc_time first = SC_ZERO_TIME;
        s.read32(0, value, first);
        sc_time second = cycles(1); // arrives while the first still occupies the bank
        s.read32(4, value, second);
        EXPECT_EQ(s.last_info.bank_wait_cycles, 3u);
        EXPECT_EQ(second, cycles(8)) << "starts at 4, done at 8";
        EXPECT_EQ(bank.stats().busy_wait_cycles, 3u);
    });
}

TEST_F(SramBankTest, ByteEnablesMaskWrittenBytes) {
    run({}, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        s.write32(0, 0x11223344, delay);
        uint32_t value = 0xaabbccdd;
        const uint8_t enables[4] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED,
                                    TLM_BYTE_DISABLED};
        s.access(tlm::TLM_WRITE_COMMAND, 0, reinterpret_cast<uint8_t*>(&value), 4, delay, enables, 4);
        EXPECT_EQ(s.peek32(0), 0x11bb33ddu) << "disabled bytes were written";
    });
}

TEST_F(SramBankTest, ByteEnablesMaskReadBytes) {
    run({}, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        s.write32(0, 0x11223344, delay);
        uint32_t value = 0;
        const uint8_t enables[2] = {TLM_BYTE_DISABLED, TLM_BYTE_ENABLED}; // pattern repeats
        s.access(tlm::TLM_READ_COMMAND, 0, reinterpret_cast<uint8_t*>(&value), 4, delay, enables, 2);
        EXPECT_EQ(value, 0x11003300u) << "disabled bytes were read";
    });
}

TEST_F(SramBankTest, StreamingWidthRepeatsTheSameAddresses) {
    run({}, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        s.access(tlm::TLM_WRITE_COMMAND, 0x10, data, 8, delay, nullptr, 0, 4);
        EXPECT_EQ(s.peek32(0x10), 0x08070605u) << "the second pass must overwrite the first";
        EXPECT_EQ(s.peek32(0x14), s.peek32(0x14)); // untouched, whatever it holds
        EXPECT_EQ(s.last_info.beats, 2u);
    });
}

TEST_F(SramBankTest, OutOfRangeAccessAnswersAddressError) {
    SramBankParams p;
    p.size_bytes = 1024;
    run(p, [&](Stimulus& s, SramBank& bank) {
        sc_time delay = SC_ZERO_TIME;
        uint32_t value = 0;
        EXPECT_EQ(s.read32(1022, value, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "an access straddling the end was served";
        EXPECT_EQ(s.read32(4096, value, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(bank.stats().refused, 2u);
    });
}

TEST_F(SramBankTest, MalformedPayloadsAnswerBurstError) {
    run({}, [&](Stimulus& s, SramBank&) {
        sc_time delay = SC_ZERO_TIME;
        uint8_t data[4];
        EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, data, 0, delay), tlm::TLM_BURST_ERROR_RESPONSE)
            << "zero-length access";
        const uint8_t no_enables[1] = {0};
        EXPECT_EQ(s.access(tlm::TLM_READ_COMMAND, 0, data, 4, delay, no_enables, 0),
                  tlm::TLM_BURST_ERROR_RESPONSE)
            << "byte enable pointer with zero length";
    });
}

TEST_F(SramBankTest, OffLosesContentsAndRefusesAccess) {
    SramBankParams p;
    p.enter_low_power_cycles = 2;
    p.off_wake_cycles = 20;
    run(p, [&](Stimulus& s, SramBank& bank) {
        sc_time delay = SC_ZERO_TIME;
        s.write32(0, 0xcafef00d, delay);
        wait(delay);
        ASSERT_TRUE(bank.request_power_state(PowerState::Off));
        wait(cycles(2));
        EXPECT_EQ(bank.power_state(), PowerState::Off);
        EXPECT_FALSE(bank.in_transition());
        uint32_t value = 0;
        delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(0, value, delay), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::PoweredOff);
        ASSERT_TRUE(bank.request_power_state(PowerState::Active));
        wait(cycles(20));
        delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(0, value, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_NE(value, 0xcafef00du) << "contents survived power-off";
        EXPECT_EQ(bank.stats().power_ups, 1u);
    });
}

TEST_F(SramBankTest, GarbageAfterPowerUpIsDeterministic) {
    SramBankParams p;
    p.garbage_seed = 42;
    SramBank a("a", p, clock), b("b", p, clock);
    Stimulus sa("sa", [&](Stimulus&) {
        a.request_power_state(PowerState::Off);
        b.request_power_state(PowerState::Off);
    });
    Stimulus sb("sb", [](Stimulus&) {});
    sa.out.bind(a.in);
    sb.out.bind(b.in);
    sc_core::sc_start();
    for (uint64_t addr = 0; addr < 64; addr += 4) EXPECT_EQ(sa.peek32(addr), sb.peek32(addr));
}

TEST_F(SramBankTest, RetentionKeepsContentsButRefusesAccessUntilWoken) {
    SramBankParams p;
    p.retention_wake_cycles = 7;
    run(p, [&](Stimulus& s, SramBank& bank) {
        sc_time delay = SC_ZERO_TIME;
        s.write32(8, 0x5a5a5a5a, delay);
        wait(delay);
        bank.request_power_state(PowerState::Retention);
        wait(cycles(p.enter_low_power_cycles));
        uint32_t value = 0;
        delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(8, value, delay), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::Retention);
        bank.request_power_state(PowerState::Active);
        wait(cycles(7));
        delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(8, value, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(value, 0x5a5a5a5au) << "retention lost the contents";
    });
}

TEST_F(SramBankTest, AccessDuringATransitionIsRefused) {
    SramBankParams p;
    p.retention_wake_cycles = 10;
    p.initial_state = PowerState::Retention;
    run(p, [&](Stimulus& s, SramBank& bank) {
        ASSERT_TRUE(bank.request_power_state(PowerState::Active));
        EXPECT_FALSE(bank.request_power_state(PowerState::Off)) << "second transition accepted";
        uint32_t value = 0;
        sc_time delay = cycles(9);
        EXPECT_EQ(s.read32(0, value, delay), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(s.last_info.refusal, Refusal::InTransition);
        delay = cycles(10);
        EXPECT_EQ(s.read32(0, value, delay), tlm::TLM_OK_RESPONSE) << "refused after the wake";
    });
}

TEST_F(SramBankTest, StandbyChargesTheWakePenaltyToTheFirstAccessOnly) {
    SramBankParams p;
    p.initial_state = PowerState::Standby;
    p.standby_wake_cycles = 3;
    run(p, [&](Stimulus& s, SramBank& bank) {
        uint32_t value = 0;
        sc_time delay = SC_ZERO_TIME;
        EXPECT_EQ(s.read32(0, value, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(4)) << "3 wake + 1 access";
        EXPECT_EQ(s.last_info.wake_cycles, 3u);
        EXPECT_EQ(bank.power_state(), PowerState::Active);
        const sc_time before = delay;
        s.read32(0, value, delay);
        EXPECT_EQ(delay - before, cycles(1)) << "second access paid the wake again";
        EXPECT_EQ(bank.stats().standby_wakes, 1u);
    });
}

TEST_F(SramBankTest, DmiIsGrantedWhenActiveAndInvalidatedOnAPowerChange) {
    SramBankParams p;
    p.read_cycles = 2;
    run(p, [&](Stimulus& s, SramBank& bank) {
        tlm::tlm_dmi dmi;
        ASSERT_TRUE(s.dmi(0, dmi));
        EXPECT_EQ(dmi.get_start_address(), 0u);
        EXPECT_EQ(dmi.get_end_address(), p.size_bytes - 1);
        EXPECT_EQ(dmi.get_read_latency(), cycles(2));
        EXPECT_TRUE(dmi.is_read_write_allowed());
        bank.request_power_state(PowerState::Standby);
        ASSERT_EQ(s.invalidations.size(), 1u) << "DMI survived a state change";
        EXPECT_EQ(s.invalidations[0].first, 0u);
        EXPECT_EQ(s.invalidations[0].second, p.size_bytes - 1);
        wait(cycles(p.enter_low_power_cycles));
        EXPECT_FALSE(s.dmi(0, dmi)) << "DMI granted in Standby, where the wake penalty applies";
    });
}

TEST_F(SramBankTest, DebugTransportCostsNoTimeAndNoEnergy) {
    run({}, [&](Stimulus& s, SramBank& bank) {
        const EnergySnapshot before = bank.energy();
        (void)s.peek32(0);
        const EnergySnapshot after = bank.energy();
        EXPECT_EQ(after.dynamic_fj(), before.dynamic_fj());
        EXPECT_EQ(bank.stats().reads, 0u);
        EXPECT_EQ(sc_core::sc_time_stamp(), SC_ZERO_TIME);
    });
}

TEST_F(SramBankTest, DmiUsageReportReachesTheLedger) {
    run({}, [&](Stimulus& s, SramBank& bank) {
        tlm::tlm_generic_payload trans;
        DmiUsage usage;
        usage.read_words = 10;
        usage.write_words = 3;
        trans.set_command(tlm::TLM_IGNORE_COMMAND);
        trans.set_data_length(0);
        trans.set_extension(&usage);
        sc_time delay = SC_ZERO_TIME;
        s.out->b_transport(trans, delay);
        trans.clear_extension(&usage);
        EXPECT_EQ(trans.get_response_status(), tlm::TLM_OK_RESPONSE);
        const EnergySnapshot e = bank.energy();
        EXPECT_EQ(e.read_words, 10u);
        EXPECT_EQ(e.write_words, 3u);
        EXPECT_EQ(bank.stats().dmi_read_words, 10u);
        EXPECT_EQ(bank.stats().dmi_write_words, 3u);
    });
}

} // namespace
