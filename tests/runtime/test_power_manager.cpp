// PowerAwareHeap and MmioPowerControl: placement (pack vs first fit), the gating plan (Off only
// when empty, Retention only when capable and within budget, always-on never Off), wakes before
// any access to a gated bank, adjust_for_power_state's safety, the exact CTRL/STATUS accesses,
// and randomized runs against a shadow model. The fake controller garbles a bank when it goes Off
// (as the simulator's bank does) and GatedMemory counts every metadata access to a bank that is
// not serving accesses (a bus fault in the simulator). Seeds are printed; rerun one with
// EMSIM_POWER_SEED=<n>.
#include "runtime/power_manager.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/runtime/target_arena.h"
#include "tests/runtime/test_rng.h"

namespace emsim::rt {
namespace {

using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;
using PS = PowerState;

constexpr uint32_t BANK_BYTES = 4096;
constexpr uint32_t WAKE_RET = 10;
constexpr uint32_t WAKE_OFF = 100;

/// 4 banks of 4 KiB at TARGET_BASE, one region each, all retention-capable.
PowerLayout four_banks() {
    PowerLayout l;
    l.bank_count = 4;
    l.region_count = 4;
    for (uint32_t b = 0; b < 4; ++b) {
        l.banks[b].base = TARGET_BASE + b * BANK_BYTES;
        l.banks[b].size_bytes = BANK_BYTES;
        l.banks[b].region = b;
        l.banks[b].retention_capable = true;
        l.banks[b].wake_from_standby_cycles = 1;
        l.banks[b].wake_from_retention_cycles = WAKE_RET;
        l.banks[b].wake_from_off_cycles = WAKE_OFF;
    }
    return l;
}

PowerManagerParams params(PowerPolicy policy) {
    PowerManagerParams p;
    p.policy = policy;
    p.heap.sl_log2 = 3;
    p.heap.max_block_log2 = 13;
    p.heap.max_regions = 1;
    return p;
}

/// The controller as the manager sees it: records requests, refuses what the model refuses,
/// reports BUSY for `busy_polls` reads after each accepted request, and fills a bank with garbage
/// when its region goes Off.
struct FakePower {
    FakePower(TargetArena& a, const PowerLayout& l) : arena(a), layout(l) {}

    PowerRefusal request(uint32_t r, PS s) {
        log.push_back({r, s});
        if (s == PS::Off && always_on[r])
            return PowerRefusal::AlwaysOn;
        if (s == PS::Retention && !retention[r])
            return PowerRefusal::NoRetention;
        if (busy_left[r] > 0)
            return PowerRefusal::Busy;
        if (s == PS::Off && live_in_region && live_in_region(r))
            ++off_with_live_data;
        state_of[r] = s;
        busy_left[r] = busy_polls;
        if (s == PS::Off)
            for (uint32_t b = 0; b < layout.bank_count; ++b)
                if (layout.banks[b].region == r)
                    memset(arena.at(layout.banks[b].base), 0xDB, layout.banks[b].size_bytes);
        return PowerRefusal::None;
    }
    PowerRegionStatus state(uint32_t r) {
        ++reads;
        PowerRegionStatus st;
        st.state = state_of[r];
        st.busy = busy_left[r] > 0;
        if (busy_left[r] > 0)
            --busy_left[r];
        return st;
    }
    /// The region holding target address a serves accesses now.
    bool accessible(Address a) const {
        for (uint32_t b = 0; b < layout.bank_count; ++b) {
            const PowerBankDesc& d = layout.banks[b];
            if (a >= d.base && a - d.base < d.size_bytes)
                return power_serves_access(state_of[d.region]) && busy_left[d.region] == 0;
        }
        return true;
    }

    TargetArena& arena;
    PowerLayout layout;
    PS state_of[PowerLayout::MAX_REGIONS]{};
    bool always_on[PowerLayout::MAX_REGIONS]{};
    bool retention[PowerLayout::MAX_REGIONS] = {true, true, true, true, true, true, true, true,
                                                true, true, true, true, true, true, true, true};
    uint32_t busy_left[PowerLayout::MAX_REGIONS]{};
    uint32_t busy_polls = 0;
    std::vector<std::pair<uint32_t, PS>> log;
    uint32_t reads = 0;
    uint32_t off_with_live_data = 0;
    bool (*live_in_region)(uint32_t) = nullptr;
};

/// DirectMemory that counts accesses to banks that do not serve accesses (bus faults).
struct GatedMemory {
    GatedMemory(DirectMemory m, const FakePower& p) : inner(m), power(p) {}
    uint8_t load8(Address a) { return check(a), inner.load8(a); }
    uint16_t load16(Address a) { return check(a), inner.load16(a); }
    uint32_t load32(Address a) { return check(a), inner.load32(a); }
    void store8(Address a, uint8_t v) { check(a), inner.store8(a, v); }
    void store16(Address a, uint16_t v) { check(a), inner.store16(a, v); }
    void store32(Address a, uint32_t v) { check(a), inner.store32(a, v); }
    void check(Address a) {
        if (!power.accessible(a))
            ++faults;
    }
    DirectMemory inner;
    const FakePower& power;
    uint32_t faults = 0;
};

using Manager = PowerAwareHeap<GatedMemory, FakePower>;

struct Rig {
    explicit Rig(PowerPolicy policy, PowerLayout l = four_banks())
        : arena(l.bank_count * BANK_BYTES), power(arena, l), mem(arena.mem(), power),
          pm(mem, power, l, params(policy)) {}
    TargetArena arena;
    FakePower power;
    GatedMemory mem;
    Manager pm;
};

uint32_t bank_index(Address a) {
    return (a - TARGET_BASE) / BANK_BYTES;
}

// ---- MmioPowerControl -------------------------------------------------------------------------

/// A register file: records stores, answers loads from a table.
struct FakeRegisters {
    uint8_t load8(Address) { return 0; }
    uint16_t load16(Address) { return 0; }
    uint32_t load32(Address a) {
        loads.push_back(a);
        return regs[a];
    }
    void store8(Address, uint8_t) { ADD_FAILURE() << "byte store to a register"; }
    void store16(Address, uint16_t) { ADD_FAILURE() << "halfword store to a register"; }
    void store32(Address a, uint32_t v) { stores.push_back({a, v}); }
    std::map<Address, uint32_t> regs;
    std::vector<Address> loads;
    std::vector<std::pair<Address, uint32_t>> stores;
};

TEST(MmioPowerControl, RequestWritesTheStateCodeToCtrlAndReadsErrBack) {
    FakeRegisters regs;
    constexpr Address BASE = 0x40001000u;
    MmioPowerControl<FakeRegisters> pc(regs, BASE);
    // models/power_controller.h: CTRL[i] at 8*i, STATUS[i] at 8*i + 4, REQ[1:0], BUSY bit 4,
    // ERR[9:8].
    regs.regs[BASE + 0x14] = 1u << 8; // STATUS[2]: ERR 1 (always-on)
    EXPECT_EQ(pc.request(2, PS::Off), PowerRefusal::AlwaysOn);
    ASSERT_EQ(regs.stores.size(), 1u);
    EXPECT_EQ(regs.stores[0].first, BASE + 0x10);
    EXPECT_EQ(regs.stores[0].second, 3u) << "Off is REQ 3";
    ASSERT_EQ(regs.loads.size(), 1u);
    EXPECT_EQ(regs.loads[0], BASE + 0x14);

    regs.regs[BASE + 0x04] = 0;
    EXPECT_EQ(pc.request(0, PS::Retention), PowerRefusal::None);
    EXPECT_EQ(regs.stores[1], (std::pair<Address, uint32_t>{BASE + 0x00, 2u}));
    EXPECT_EQ(pc.request(0, PS::Standby), PowerRefusal::None);
    EXPECT_EQ(regs.stores[2], (std::pair<Address, uint32_t>{BASE + 0x00, 1u}));
    EXPECT_EQ(pc.request(7, PS::Active), PowerRefusal::None);
    EXPECT_EQ(regs.stores[3], (std::pair<Address, uint32_t>{BASE + 0x38, 0u}));
    regs.regs[BASE + 0x3C] = 3u << 8;
    EXPECT_EQ(pc.request(7, PS::Active), PowerRefusal::Busy);
    regs.regs[BASE + 0x3C] = 2u << 8;
    EXPECT_EQ(pc.request(7, PS::Retention), PowerRefusal::NoRetention);
}

TEST(MmioPowerControl, StateDecodesStateBusyAndErrFromStatus) {
    FakeRegisters regs;
    MmioPowerControl<FakeRegisters> pc(regs, 0x50000000u);
    regs.regs[0x5000000Cu] = 0x3u | (1u << 4) | (1u << 16) | (1u << 17); // STATUS[1]
    const PowerRegionStatus s = pc.state(1);
    EXPECT_EQ(s.state, PS::Off);
    EXPECT_TRUE(s.busy);
    EXPECT_EQ(s.error, PowerRefusal::None);
    EXPECT_TRUE(regs.stores.empty()) << "a state read wrote a register";
    regs.regs[0x5000000Cu] = 0x2u | (3u << 8);
    EXPECT_EQ(pc.state(1).state, PS::Retention);
    EXPECT_FALSE(pc.state(1).busy);
    EXPECT_EQ(pc.state(1).error, PowerRefusal::Busy);
}

// ---- init -------------------------------------------------------------------------------------

TEST(PowerAwareHeap, InitRejectsBadLayoutsAndTouchesNoBank) {
    {
        Rig rig(PowerPolicy::Pack);
        const auto before = rig.arena.snapshot(4 * BANK_BYTES);
        EXPECT_EQ(rig.pm.init(), RtStatus::Ok);
        EXPECT_EQ(rig.arena.snapshot(4 * BANK_BYTES), before) << "init touched bank memory";
        EXPECT_TRUE(rig.power.log.empty());
    }
    {
        PowerLayout l = four_banks();
        std::swap(l.banks[1].base, l.banks[2].base);
        Rig rig(PowerPolicy::Pack, l);
        EXPECT_EQ(rig.pm.init(), RtStatus::InvalidRegion) << "banks out of address order";
    }
    {
        PowerLayout l = four_banks();
        l.banks[3].region = 2; // region 3 has no bank
        Rig rig(PowerPolicy::Pack, l);
        EXPECT_EQ(rig.pm.init(), RtStatus::InvalidRegion);
    }
    {
        PowerLayout l = four_banks();
        l.banks[1].size_bytes = 64; // cannot hold the control structure
        Rig rig(PowerPolicy::Pack, l);
        EXPECT_EQ(rig.pm.init(), RtStatus::InvalidRegion);
    }
    {
        Rig rig(PowerPolicy::Pack);
        EXPECT_EQ(rig.pm.allocate(16).status, RtStatus::Unsupported) << "used before init";
    }
}

// ---- placement --------------------------------------------------------------------------------

/// L S L S of 1.5 KiB, then the short ones freed: which banks still hold data.
std::vector<uint32_t> banks_live_after_mixed_burst(PowerPolicy policy) {
    Rig rig(policy);
    EXPECT_EQ(rig.pm.init(), RtStatus::Ok);
    std::vector<Address> shorts;
    for (int i = 0; i < 2; ++i) {
        const PowerOpResult l = rig.pm.allocate(1500, Lifetime::Long);
        const PowerOpResult s = rig.pm.allocate(1500, Lifetime::Short);
        EXPECT_TRUE(l.ok() && s.ok());
        shorts.push_back(s.address);
    }
    for (Address a : shorts)
        EXPECT_TRUE(rig.pm.free(a).ok());
    std::vector<uint32_t> live;
    for (uint32_t b = 0; b < 4; ++b)
        if (rig.pm.live_allocations(b) != 0)
            live.push_back(b);
    EXPECT_EQ(rig.pm.check_integrity(), RtStatus::Ok);
    return live;
}

TEST(PowerAwareHeap, NoneSpreadsFirstFitSoShortLivedHolesPinTwoBanks) {
    EXPECT_EQ(banks_live_after_mixed_burst(PowerPolicy::None), (std::vector<uint32_t>{0, 1}));
}

TEST(PowerAwareHeap, PackKeepsLongLivedTogetherSoTheShortLivedBankEmpties) {
    EXPECT_EQ(banks_live_after_mixed_burst(PowerPolicy::Pack), (std::vector<uint32_t>{0}));
}

TEST(PowerAwareHeap, PackSendsShortLivedToTheHighestActiveBankAndLongLivedToTheLowest) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    const PowerOpResult s = rig.pm.allocate(100, Lifetime::Short);
    const PowerOpResult l = rig.pm.allocate(100, Lifetime::Long);
    ASSERT_TRUE(s.ok() && l.ok());
    EXPECT_EQ(s.bank, 3u);
    EXPECT_EQ(bank_index(s.address), 3u);
    EXPECT_EQ(l.bank, 0u);
    EXPECT_EQ(s.cost.wakes + l.cost.wakes, 0u) << "all banks were Active";
    EXPECT_EQ(s.cost.formats, 1u) << "first use of a bank builds its heap";
}

TEST(PowerAwareHeap, PackPrefersAnActiveBankOverWakingOneForShortLivedData) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    ASSERT_TRUE(rig.pm.allocate(100, Lifetime::Long).ok()); // bank 0
    const PowerPlan plan = rig.pm.optimize_for_power(0);    // 1..3 Off
    EXPECT_EQ(plan.regions_off, 3u);
    const PowerOpResult s = rig.pm.allocate(100, Lifetime::Short);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.bank, 0u) << "a short-lived block woke a bank while bank 0 had room";
    EXPECT_EQ(s.cost.wakes, 0u);
}

TEST(PowerAwareHeap, ShortLivedWakesARetainedBankWithDataBeforeAnEmptyOffOne) {
    Rig rig(PowerPolicy::PackRetention);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    ASSERT_TRUE(rig.pm.allocate(100, Lifetime::Long).ok()); // bank 0
    rig.pm.optimize_for_power(1000);                        // 0 Retention, 1..3 Off
    ASSERT_EQ(rig.pm.region_state(0), PS::Retention);
    const PowerOpResult s = rig.pm.allocate(100, Lifetime::Short); // wakes the top bank
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.bank, 0u) << "class 1 (retained, holds data) before class 2 (empty, Off)";
    EXPECT_EQ(s.woke_from, PS::Retention);
    EXPECT_EQ(s.cost.wake_cycles, WAKE_RET);
}

// ---- the gating plan --------------------------------------------------------------------------

TEST(PowerAwareHeap, OptimizeGatesExactlyTheEmptyBanksOff) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    const PowerOpResult a = rig.pm.allocate(100, Lifetime::Long);  // bank 0
    const PowerOpResult b = rig.pm.allocate(100, Lifetime::Short); // bank 3
    ASSERT_TRUE(a.ok() && b.ok());
    const PowerPlan plan = rig.pm.optimize_for_power(1u << 30);
    EXPECT_EQ(plan.target[0], PS::Active);
    EXPECT_EQ(plan.target[1], PS::Off);
    EXPECT_EQ(plan.target[2], PS::Off);
    EXPECT_EQ(plan.target[3], PS::Active) << "Pack never uses Retention";
    EXPECT_EQ(rig.power.log, (std::vector<std::pair<uint32_t, PS>>{{1, PS::Off}, {2, PS::Off}}));
    EXPECT_EQ(plan.cost.requests, 2u);
    EXPECT_EQ(rig.pm.stats().gating_actions, 2u);
    EXPECT_EQ(rig.pm.banks_in_state(PS::Off), 2u);
    EXPECT_EQ(rig.pm.banks_in_state(PS::Active), 2u);
    // Free bank 3's block: now bank 3 goes Off too, and a second optimize asks for nothing else.
    ASSERT_TRUE(rig.pm.free(b.address).ok());
    rig.power.log.clear();
    rig.pm.optimize_for_power(0);
    EXPECT_EQ(rig.power.log, (std::vector<std::pair<uint32_t, PS>>{{3, PS::Off}}));
    rig.power.log.clear();
    rig.pm.optimize_for_power(0);
    EXPECT_TRUE(rig.power.log.empty()) << "a plan already in place issued requests";
    EXPECT_EQ(rig.mem.faults, 0u);
}

TEST(PowerAwareHeap, NonePolicyGatesNothing) {
    Rig rig(PowerPolicy::None);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    const PowerPlan plan = rig.pm.optimize_for_power(1u << 30);
    EXPECT_EQ(plan.regions_active, 4u);
    EXPECT_TRUE(rig.power.log.empty());
}

TEST(PowerAwareHeap, RetentionOnlyWhenCapableAndWithinTheWakeBudget) {
    PowerLayout l = four_banks();
    l.banks[1].retention_capable = false;
    l.banks[2].wake_from_retention_cycles = 500;
    Rig rig(PowerPolicy::PackRetention, l);
    rig.power.retention[1] = false;
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    // Fill banks 0..2 with long-lived data (each too big for two per bank).
    for (uint32_t i = 0; i < 3; ++i) {
        const PowerOpResult r = rig.pm.allocate(2500, Lifetime::Long);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.bank, i);
    }
    PowerPlan plan = rig.pm.plan_for_power(100);
    EXPECT_EQ(plan.target[0], PS::Retention);
    EXPECT_EQ(plan.target[1], PS::Active) << "not retention-capable";
    EXPECT_EQ(plan.target[2], PS::Active) << "wake 500 cycles > budget 100";
    EXPECT_EQ(plan.target[3], PS::Off);
    plan = rig.pm.optimize_for_power(500);
    EXPECT_EQ(plan.target[2], PS::Retention) << "wake 500 cycles <= budget 500";
    EXPECT_EQ(plan.refused, 0u);
    EXPECT_EQ(rig.pm.region_state(0), PS::Retention);
    EXPECT_EQ(rig.pm.region_state(1), PS::Active);
    EXPECT_EQ(rig.pm.region_state(2), PS::Retention);
    EXPECT_EQ(rig.pm.region_state(3), PS::Off);
    for (const auto& req : rig.power.log)
        EXPECT_NE(req, (std::pair<uint32_t, PS>{1, PS::Retention}));
    // A smaller budget later brings bank 2 back to Active.
    plan = rig.pm.optimize_for_power(100);
    EXPECT_EQ(rig.pm.region_state(2), PS::Active);
    EXPECT_EQ(plan.cost.wakes, 1u);
    EXPECT_EQ(plan.cost.wake_cycles, 500u);
    EXPECT_EQ(rig.mem.faults, 0u);
}

TEST(PowerAwareHeap, AlwaysOnRegionIsNeverRequestedOff) {
    PowerLayout l = four_banks();
    l.regions[0].always_on = true;
    Rig rig2(PowerPolicy::Pack, l);
    rig2.power.always_on[0] = true;
    ASSERT_EQ(rig2.pm.init(), RtStatus::Ok);
    PowerPlan plan = rig2.pm.optimize_for_power(0);
    EXPECT_EQ(plan.target[0], PS::Active) << "empty but always-on";
    EXPECT_EQ(plan.regions_off, 3u);
    EXPECT_EQ(plan.refused, 0u);
    plan = rig2.pm.adjust_for_power_state(PS::Off);
    EXPECT_EQ(plan.target[0], PS::Retention);
    EXPECT_EQ(plan.refused, 0u);
    for (const auto& req : rig2.power.log)
        EXPECT_NE(req, (std::pair<uint32_t, PS>{0, PS::Off}));
}

TEST(PowerAwareHeap, AdjustForPowerStateGoesNoDeeperThanContentsAllow) {
    PowerLayout l = four_banks();
    l.banks[1].retention_capable = false;
    Rig rig(PowerPolicy::Pack, l);
    rig.power.retention[1] = false;
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    ASSERT_EQ(rig.pm.allocate(2500, Lifetime::Long).bank, 0u);
    ASSERT_EQ(rig.pm.allocate(2500, Lifetime::Long).bank, 1u);
    // Banks 2, 3 empty.
    PowerPlan plan = rig.pm.adjust_for_power_state(PS::Off);
    EXPECT_EQ(plan.target[0], PS::Retention);
    EXPECT_EQ(plan.target[1], PS::Standby) << "live data, no retention: Standby keeps it";
    EXPECT_EQ(plan.target[2], PS::Off);
    EXPECT_EQ(plan.target[3], PS::Off);
    EXPECT_EQ(plan.refused, 0u);
    plan = rig.pm.adjust_for_power_state(PS::Retention);
    EXPECT_EQ(plan.target[2], PS::Retention) << "never deeper than the target";
    EXPECT_EQ(plan.target[1], PS::Standby);
    plan = rig.pm.adjust_for_power_state(PS::Standby);
    for (uint32_t r = 0; r < 4; ++r)
        EXPECT_EQ(plan.target[r], PS::Standby);
    plan = rig.pm.adjust_for_power_state(PS::Active);
    for (uint32_t r = 0; r < 4; ++r)
        EXPECT_EQ(rig.pm.region_state(r), PS::Active);
    EXPECT_EQ(rig.power.off_with_live_data, 0u);
    EXPECT_EQ(rig.pm.check_integrity(), RtStatus::Ok);
    EXPECT_EQ(rig.mem.faults, 0u);
}

// ---- wakes ------------------------------------------------------------------------------------

TEST(PowerAwareHeap, AllocationIntoAGatedBankWakesItBeforeTouchingIt) {
    Rig rig(PowerPolicy::PackRetention);
    rig.power.busy_polls = 3; // every transition is visible for 3 STATUS reads
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    rig.pm.optimize_for_power(1000); // everything empty: all Off
    ASSERT_EQ(rig.pm.banks_in_state(PS::Off), 4u);
    rig.power.log.clear();
    const PowerOpResult r = rig.pm.allocate(64, Lifetime::Long);
    ASSERT_TRUE(r.ok()) << to_string(r.status);
    EXPECT_EQ(r.bank, 0u);
    EXPECT_EQ(r.woke_from, PS::Off);
    EXPECT_EQ(r.cost.wakes, 1u);
    EXPECT_EQ(r.cost.wake_cycles, WAKE_OFF);
    EXPECT_EQ(r.cost.formats, 1u) << "a bank back from Off gets a fresh heap";
    EXPECT_GE(r.cost.polls, 4u) << "3 busy reads and one that sees Active";
    ASSERT_FALSE(rig.power.log.empty());
    EXPECT_EQ(rig.power.log.front(), (std::pair<uint32_t, PS>{0, PS::Active}));
    EXPECT_EQ(rig.mem.faults, 0u) << "heap metadata touched while the bank was off or waking";
    EXPECT_EQ(rig.pm.stats().alloc_wakes, 1u);

    // Retention, then a free: woken first, charged the retention latency.
    rig.pm.optimize_for_power(1000);
    ASSERT_EQ(rig.pm.region_state(0), PS::Retention);
    const PowerOpResult f = rig.pm.free(r.address);
    ASSERT_TRUE(f.ok()) << to_string(f.status);
    EXPECT_EQ(f.woke_from, PS::Retention);
    EXPECT_EQ(f.cost.wake_cycles, WAKE_RET);
    EXPECT_EQ(rig.mem.faults, 0u);
    EXPECT_EQ(rig.pm.check_integrity(), RtStatus::Ok);
}

TEST(PowerAwareHeap, BusyRefusalIsRetriedAfterTheRegionSettles) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    rig.power.busy_left[3] = 2; // someone else's transition is still running
    const PowerPlan plan = rig.pm.optimize_for_power(0);
    EXPECT_EQ(plan.refused, 0u);
    EXPECT_EQ(plan.status, RtStatus::Ok);
    EXPECT_EQ(rig.pm.region_state(3), PS::Off);
    EXPECT_EQ(rig.pm.stats().refusals, 1u);
}

TEST(PowerAwareHeap, WakeThatNeverSettlesFailsWithTimeConstraintViolation) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    rig.pm.optimize_for_power(0);
    rig.power.busy_polls = 1u << 30;
    const PowerOpResult r = rig.pm.allocate(64, Lifetime::Short);
    EXPECT_EQ(r.status, RtStatus::TimeConstraintViolation);
    EXPECT_EQ(r.address, 0u);
    EXPECT_EQ(rig.mem.faults, 0u);
    EXPECT_EQ(rig.pm.region_state(3), PS::Off) << "a wake that never arrived counts as Active";
    // Once the controller settles, the next allocation asks again and succeeds.
    for (uint32_t i = 0; i < 4; ++i)
        rig.power.busy_left[i] = 0;
    rig.power.busy_polls = 0;
    const PowerOpResult again = rig.pm.allocate(64, Lifetime::Short);
    ASSERT_TRUE(again.ok()) << to_string(again.status);
    EXPECT_EQ(again.cost.wakes, 1u);
    EXPECT_EQ(rig.mem.faults, 0u);
    EXPECT_EQ(rig.pm.check_integrity(), RtStatus::Ok);
}

TEST(PowerAwareHeap, SyncStatesDetectsABankCutBehindItsBack) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    const PowerOpResult r = rig.pm.allocate(64, Lifetime::Long);
    ASSERT_TRUE(r.ok());
    rig.power.request(0, PS::Off); // a scenario step, not the manager
    EXPECT_EQ(rig.pm.sync_states(), RtStatus::Corrupt);
    EXPECT_EQ(rig.pm.stats().contents_lost, 1u);
    EXPECT_EQ(rig.pm.free(r.address).status, RtStatus::BadPointer);
    rig.pm.optimize_for_power(0); // 1..3 Off too: the lowest bank is the one to wake
    const PowerOpResult again = rig.pm.allocate(64, Lifetime::Long);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.bank, 0u);
    EXPECT_EQ(again.woke_from, PS::Off);
    EXPECT_EQ(rig.pm.check_integrity(), RtStatus::Ok) << "fresh heap over the garbage";
}

TEST(PowerAwareHeap, RefusedRequestKeepsTheCachedState) {
    Rig rig(PowerPolicy::PackRetention);
    rig.power.retention[0] = false; // the controller disagrees with the layout
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    ASSERT_TRUE(rig.pm.allocate(64, Lifetime::Long).ok());
    const PowerPlan plan = rig.pm.optimize_for_power(1000);
    EXPECT_EQ(plan.refused, 1u);
    EXPECT_EQ(plan.status, RtStatus::Unsupported);
    EXPECT_EQ(rig.pm.region_state(0), PS::Active);
    EXPECT_EQ(rig.pm.region_state(1), PS::Off) << "the other regions are still applied";
}

TEST(PowerAwareHeap, StepsCountTheBankScanHeapWorkAndPolls) {
    Rig rig(PowerPolicy::Pack);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    rig.pm.optimize_for_power(0); // all Off
    rig.power.busy_polls = 5;
    const PowerOpResult r = rig.pm.allocate(64, Lifetime::Long);
    ASSERT_TRUE(r.ok());
#if EMSIM_RT_COUNT_STEPS
    // At least: 4 banks ranked, 1 request, 6 polls, the heap's format and allocation.
    EXPECT_GE(rig.pm.last_op_steps(), 4u + 1u + 6u + 2u);
    const uint32_t with_wake = rig.pm.last_op_steps();
    ASSERT_TRUE(rig.pm.allocate(64, Lifetime::Long).ok());
    EXPECT_LT(rig.pm.last_op_steps(), with_wake) << "no wake, no format: fewer steps";
#endif
    EXPECT_EQ(r.cost.polls, 6u);
}

// ---- regions of several banks, and the manager over the register interface -------------------

TEST(PowerAwareHeap, ARegionOfTwoBanksIsGatedOnlyWhenBothAreEmpty) {
    PowerLayout l = four_banks();
    l.region_count = 2; // banks 0, 1 -> region 0; banks 2, 3 -> region 1
    l.banks[0].region = l.banks[1].region = 0;
    l.banks[2].region = l.banks[3].region = 1;
    l.banks[3].wake_from_off_cycles = 250; // the region wakes as slowly as its slowest bank
    Rig rig(PowerPolicy::Pack, l);
    ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
    const PowerOpResult s = rig.pm.allocate(100, Lifetime::Short);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.bank, 3u);
    PowerPlan plan = rig.pm.optimize_for_power(0);
    EXPECT_EQ(plan.target[0], PS::Off);
    EXPECT_EQ(plan.target[1], PS::Active) << "bank 3 holds data, bank 2 is empty";
    EXPECT_EQ(rig.pm.banks_in_state(PS::Off), 2u);
    ASSERT_TRUE(rig.pm.free(s.address).ok());
    plan = rig.pm.optimize_for_power(0);
    EXPECT_EQ(plan.target[1], PS::Off);
    const PowerOpResult again = rig.pm.allocate(100, Lifetime::Short);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.bank, 3u);
    EXPECT_EQ(again.cost.wake_cycles, 250u);
    EXPECT_EQ(rig.pm.region_state(1), PS::Active);
    EXPECT_EQ(rig.pm.bank_info(2).state, PS::Active) << "bank 2 woke with its region";
    EXPECT_EQ(rig.mem.faults, 0u);
}

/// The power controller's register file, reduced to what the manager uses: a CTRL write moves
/// the region at once (never busy), Off for an always-on region is refused with ERR 1.
struct FakeController {
    static constexpr Address BASE = 0x40020000u;
    uint8_t load8(Address) { return 0; }
    uint16_t load16(Address) { return 0; }
    void store8(Address, uint8_t) { ADD_FAILURE() << "byte store to the power controller"; }
    void store16(Address, uint16_t) { ADD_FAILURE() << "halfword store to the power controller"; }
    uint32_t load32(Address a) {
        EXPECT_EQ((a - BASE) % 8, 4u) << "the manager only reads STATUS";
        const uint32_t r = (a - BASE) / 8;
        return state[r] | (err[r] << 8);
    }
    void store32(Address a, uint32_t v) {
        stores.push_back({a, v});
        EXPECT_EQ((a - BASE) % 8, 0u) << "the manager only writes CTRL";
        const uint32_t r = (a - BASE) / 8;
        if (v == 3 && always_on[r]) {
            err[r] = 1;
            return;
        }
        err[r] = 0;
        state[r] = v;
    }
    uint32_t state[8]{};
    uint32_t err[8]{};
    bool always_on[8]{};
    std::vector<std::pair<Address, uint32_t>> stores;
};

TEST(PowerAwareHeap, OverMmioTheGatingPlanIsExactlyTheseCtrlWrites) {
    TargetArena arena(4 * BANK_BYTES);
    DirectMemory mem = arena.mem();
    FakeController regs;
    regs.always_on[0] = true;
    MmioPowerControl<FakeController> pc(regs, FakeController::BASE);
    PowerLayout l = four_banks();
    l.regions[0].always_on = true;
    PowerAwareHeap<DirectMemory, MmioPowerControl<FakeController>> pm(
        mem, pc, l, params(PowerPolicy::PackRetention));
    ASSERT_EQ(pm.init(), RtStatus::Ok);
    ASSERT_TRUE(pm.allocate(100, Lifetime::Long).ok());  // bank 0
    ASSERT_TRUE(pm.allocate(100, Lifetime::Short).ok()); // bank 3
    EXPECT_TRUE(regs.stores.empty()) << "allocating into Active banks wrote CTRL";
    PowerPlan plan = pm.optimize_for_power(1000);
    using W = std::pair<Address, uint32_t>;
    const Address B = FakeController::BASE;
    EXPECT_EQ(regs.stores,
              (std::vector<W>{{B + 0x00, 2}, {B + 0x08, 3}, {B + 0x10, 3}, {B + 0x18, 2}}));
    EXPECT_EQ(plan.refused, 0u);
    // Waking bank 1 for a long-lived block that does not fit the retained bank 0 needs no wait
    // here (never busy): one CTRL write of REQ 0 and one STATUS poll.
    regs.stores.clear();
    const PowerOpResult r = pm.allocate(3700, Lifetime::Long);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.bank, 1u);
    EXPECT_EQ(regs.stores, (std::vector<W>{{B + 0x08, 0}}));
    EXPECT_EQ(r.cost.requests, 1u);
    EXPECT_EQ(r.cost.polls, 1u);
    EXPECT_EQ(r.cost.wake_cycles, WAKE_OFF);
    // adjust(Off) on the always-on region 0: Retention (capable), never an Off write.
    regs.stores.clear();
    pm.adjust_for_power_state(PS::Off);
    for (const W& w : regs.stores)
        EXPECT_NE(w, (W{B + 0x00, 3u}));
    EXPECT_EQ(pm.check_integrity(), RtStatus::Ok);
}

// ---- randomized -------------------------------------------------------------------------------

uint64_t base_seed() {
    const char* env = getenv("EMSIM_POWER_SEED");
    return env ? strtoull(env, nullptr, 0) : 20261127u;
}

struct Live {
    uint32_t size;
    uint32_t bank;
    uint8_t fill;
};

std::map<Address, Live>* g_shadow = nullptr;

bool shadow_live_in_region(uint32_t r) { // one region per bank in four_banks()
    for (const auto& kv : *g_shadow)
        if (kv.second.bank == r)
            return true;
    return false;
}

TEST(PowerAwareHeap, RandomOpsNeverCutLiveDataAndKeepEveryHeapIntact) {
    const uint64_t seed0 = base_seed();
    for (uint64_t run = 0; run < 12; ++run) {
        const uint64_t seed = seed0 + run;
        const PowerPolicy policy = static_cast<PowerPolicy>(run % 3);
        printf("power random run: seed %llu policy %s\n", static_cast<unsigned long long>(seed),
               to_string(policy));
        SCOPED_TRACE(seed);
        emsim::test::TestRng rng(seed);
        PowerLayout l = four_banks();
        l.banks[1].retention_capable = false;
        l.regions[2].always_on = true;
        l.banks[3].wake_from_retention_cycles = 300;
        Rig rig(policy, l);
        rig.power.retention[1] = false;
        rig.power.always_on[2] = true;
        rig.power.busy_polls = rng.below(3);
        std::map<Address, Live> shadow;
        g_shadow = &shadow;
        rig.power.live_in_region = shadow_live_in_region;
        ASSERT_EQ(rig.pm.init(), RtStatus::Ok);
        for (uint32_t op = 0; op < 1500; ++op) {
            const uint32_t kind = rng.below(100);
            if (kind < 45) {
                const uint32_t size = 1 + rng.below(rng.below(4) == 0 ? 1800 : 200);
                const Lifetime lt = rng.below(4) == 0 ? Lifetime::Long : Lifetime::Short;
                const PowerOpResult r = rig.pm.allocate(size, lt);
                if (r.ok()) {
                    ASSERT_EQ(bank_index(r.address), r.bank);
                    ASSERT_EQ(rig.pm.region_state(r.bank), PS::Active);
                    const uint8_t fill = static_cast<uint8_t>(rng.next());
                    memset(rig.arena.at(r.address), fill, size);
                    ASSERT_TRUE(shadow.emplace(r.address, Live{size, r.bank, fill}).second);
                } else {
                    ASSERT_EQ(r.status, RtStatus::NoMemory);
                }
            } else if (kind < 85 && !shadow.empty()) {
                auto it = shadow.begin();
                std::advance(it, rng.below(static_cast<uint32_t>(shadow.size())));
                const uint8_t* p = rig.arena.at(it->first);
                for (uint32_t i = 0; i < it->second.size; ++i)
                    ASSERT_EQ(p[i], it->second.fill) << "live data lost at " << it->first;
                const PowerOpResult f = rig.pm.free(it->first);
                ASSERT_EQ(f.status, RtStatus::Ok);
                ASSERT_EQ(f.bank, it->second.bank);
                shadow.erase(it);
            } else if (kind < 93) {
                const uint32_t budget = rng.below(2) ? 1000 : 50;
                const PowerPlan plan = rig.pm.optimize_for_power(budget);
                ASSERT_EQ(plan.refused, 0u);
                for (uint32_t r = 0; r < 4; ++r) {
                    if (plan.target[r] == PS::Off) {
                        ASSERT_FALSE(shadow_live_in_region(r) || r == 2);
                    }
                    if (plan.target[r] == PS::Retention) {
                        ASSERT_TRUE(r != 1 && policy == PowerPolicy::PackRetention &&
                                    (r != 3 || budget >= 300));
                    }
                    if (policy == PowerPolicy::None) {
                        ASSERT_EQ(plan.target[r], PS::Active);
                    }
                }
            } else if (kind < 98) {
                const PS target = static_cast<PS>(rng.below(4));
                const PowerPlan plan = rig.pm.adjust_for_power_state(target);
                ASSERT_EQ(plan.refused, 0u);
                for (uint32_t r = 0; r < 4; ++r)
                    ASSERT_LE(static_cast<int>(plan.target[r]), static_cast<int>(target));
            } else if (!shadow.empty()) {
                const PowerOpResult a = rig.pm.prepare_access(shadow.begin()->first);
                ASSERT_TRUE(a.ok());
                ASSERT_EQ(rig.pm.region_state(a.bank), PS::Active);
            }
            // Every heap (whatever its state: the arena is always readable here) and the
            // manager's own laws; live figures against the shadow.
            ASSERT_EQ(rig.power.off_with_live_data, 0u) << "op " << op;
            ASSERT_EQ(rig.mem.faults, 0u) << "op " << op;
            for (uint32_t b = 0; b < 4; ++b) {
                uint32_t count = 0;
                for (const auto& kv : shadow)
                    count += kv.second.bank == b ? 1u : 0u;
                ASSERT_EQ(rig.pm.live_allocations(b), count);
                if (Manager::Heap* h = rig.pm.bank_heap(b)) {
                    ASSERT_NE(rig.pm.region_state(b), PS::Off);
                    const uint32_t faults = rig.mem.faults;
                    ASSERT_EQ(h->check_integrity(), RtStatus::Ok) << "bank " << b << " op " << op;
                    rig.mem.faults = faults; // the test's own walk of a retained bank
                }
                if (l.regions[b].always_on) {
                    ASSERT_NE(rig.pm.region_state(b), PS::Off);
                }
            }
            ASSERT_TRUE(rig.pm.invariants_hold());
        }
        const PowerManagerStats& st = rig.pm.stats();
        printf("  requests %u gating %u wakes %u (alloc %u, free %u) formats %u dropped %u "
               "polls %u oom %u live %zu\n",
               st.requests, st.gating_actions, st.wakes, st.alloc_wakes, st.free_wakes, st.formats,
               st.heaps_dropped, st.status_polls, st.oom_count, shadow.size());
        g_shadow = nullptr;
    }
}

} // namespace
} // namespace emsim::rt
