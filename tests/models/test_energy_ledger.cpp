// Energy bookkeeping: expected energies computed by hand for a short access stream and a few
// state changes, and the unit conversions.
#include "models/energy_ledger.h"
#include "models/sram_bank.h"
#include "tests/support/stimulus.h"
#include "tests/support/systemc_test.h"

using namespace emsim;
using emsim::test::Stimulus;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

TEST(EnergyUnits, LeakageOfOneMicrowattForOneMicrosecondIsOnePicojoule) {
    EXPECT_EQ(leakage_energy_fj(microwatts_to_pw(1.0), 1000000), 1000u); // 1 pJ = 1000 fJ
    EXPECT_EQ(leakage_energy_fj(microwatts_to_pw(1000.0), 3600ULL * 1000000000000ULL),
              3600ULL * 1000000000000ULL) << "1 mW for an hour = 3.6 J must not overflow";
    EXPECT_EQ(picojoules_to_fj(2.5), 2500u);
}

class EnergyTest : public emsim::test::SystemCTest {};

TEST_F(EnergyTest, ShortStreamWithStateChangesMatchesTheHandComputation) {
    // 100 MHz clock (10 ns). Read 7 pJ/word, write 9 pJ/word. Leakage: active 2 uW,
    // standby 1 uW, retention 0.5 uW, off 0. Transitions: enter-low-power 20 pJ,
    // retention wake 40 pJ, standby wake 10 pJ. Latencies: enter 2, retention wake 5, standby 3.
    SramBankParams p;
    p.read_energy_pj = 7;
    p.write_energy_pj = 9;
    p.leakage_active_uw = 2;
    p.leakage_standby_uw = 1;
    p.leakage_retention_uw = 0.5;
    p.leakage_off_uw = 0;
    p.enter_low_power_energy_pj = 20;
    p.retention_wake_energy_pj = 40;
    p.standby_wake_energy_pj = 10;
    p.enter_low_power_cycles = 2;
    p.retention_wake_cycles = 5;
    p.standby_wake_cycles = 3;
    Clock clock(10000);
    SramBank bank("bank", p, clock);
    EnergySnapshot at_end;
    Stimulus stim("stim", [&](Stimulus& s) {
        // t=0..: 3 one-word writes and one 8-byte (2-word) read, back to back: 5 words.
        sc_time delay = SC_ZERO_TIME;
        for (uint32_t i = 0; i < 3; ++i) s.write32(4 * i, i, delay);
        uint8_t buf[8];
        s.access(tlm::TLM_READ_COMMAND, 0, buf, 8, delay);
        wait(delay);                                    // t = 50 ns (5 cycles busy)
        wait(sc_time(50, sc_core::SC_NS));              // t = 100 ns, still active
        bank.request_power_state(PowerState::Retention); // 100..120 ns in transition
        wait(sc_time(1000, sc_core::SC_NS));            // t = 1100 ns
        bank.request_power_state(PowerState::Standby);  // retention->standby: a wake, 5 cycles
        wait(sc_time(950, sc_core::SC_NS));             // t = 2050 ns; standby since 1150
        uint32_t v;
        delay = SC_ZERO_TIME;
        s.read32(0, v, delay); // standby wake 3 cycles (30 ns, transition) then active
        wait(sc_time(950, sc_core::SC_NS));             // t = 3000 ns
        at_end = bank.energy();
    });
    stim.out.bind(bank.in);
    sc_core::sc_start();

    EXPECT_EQ(at_end.write_words, 3u);
    EXPECT_EQ(at_end.read_words, 3u) << "two words of the burst and one after the wake";
    EXPECT_EQ(at_end.dynamic_fj(), (3 * 9 + 3 * 7) * 1000u);
    EXPECT_EQ(at_end.transitions, 3u);
    EXPECT_EQ(at_end.transition_fj, (20 + 40 + 10) * 1000u);
    // Time: active 0..100 and 2080..3000 = 1020 ns; transition 100..120, 1100..1150,
    // 2050..2080 = 100 ns; retention 120..1100 = 980 ns; standby 1150..2050 = 900 ns.
    EXPECT_EQ(at_end.time_ps[index_of(PowerState::Active)], 1020000u);
    EXPECT_EQ(at_end.time_ps[TRANSITION_BUCKET], 100000u);
    EXPECT_EQ(at_end.time_ps[index_of(PowerState::Retention)], 980000u);
    EXPECT_EQ(at_end.time_ps[index_of(PowerState::Standby)], 900000u);
    // Leakage (transition time at active leakage): 2 uW x 1120 ns + 0.5 uW x 980 ns
    // + 1 uW x 900 ns = 2240 + 490 + 900 fJ.
    EXPECT_EQ(at_end.leakage_total_fj(), 2240u + 490u + 900u);
    EXPECT_EQ(at_end.total_fj(), 48000u + 70000u + 3630u);
}

TEST_F(EnergyTest, WindowsAreDifferencesOfSnapshots) {
    SramBankParams p;
    p.leakage_active_uw = 3;
    Clock clock(10000);
    SramBank bank("bank", p, clock);
    EnergySnapshot a, b;
    Stimulus stim("stim", [&](Stimulus&) {
        wait(sc_time(100, sc_core::SC_NS));
        a = bank.energy();
        wait(sc_time(200, sc_core::SC_NS));
        b = bank.energy();
    });
    stim.out.bind(bank.in);
    sc_core::sc_start();
    EXPECT_EQ(b.since(a).leakage_total_fj(), 600u) << "3 uW x 200 ns = 600 fJ";
    EXPECT_EQ(b.since(a).time_ps[0], 200000u);
}

} // namespace
