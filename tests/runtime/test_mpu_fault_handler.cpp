// MpuFaultHandler: decode of every MMFSR bit, MMFAR read only under MMARVALID, write-one-to-
// clear of exactly the bits seen (a fault arriving meanwhile survives), attribution to the
// running domain and to the partition holding MMFAR, and both policies: LogAndContinue changes
// nothing but the log; TerminatePartition terminates the running domain's partition (grants
// revoked from every image, heap released) while the other domains keep allocating.
//
// The fault-status registers are a test double (FaultRegisterFile below): CFSR is W1C and MMFAR
// holds whatever the test put there. That is deliberate: this unit only runs the handler's
// register protocol; the MPU model that sets these registers on a real violation lives in
// models/ and is tested there (and against QEMU).
#include "runtime/mpu_fault_handler.h"

#include <stdint.h>
#include <string.h>

#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/runtime/target_arena.h"

namespace emsim::rt {
namespace {

using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

/// CFSR (W1C, 32 bits: MMFSR/BFSR/UFSR), MMFAR, and the MPU's registers as plain words. Logs
/// every access as (address, is_store).
struct FaultRegisterFile {
    uint32_t cfsr = 0;
    uint32_t mmfar = 0;
    /// Bits that become set right after the next CFSR load (a fault arriving mid-handler).
    uint32_t arrive_after_load = 0;
    std::map<Address, uint32_t> other;
    std::vector<std::pair<Address, bool>> log;

    uint32_t load32(Address a) {
        log.push_back({a, false});
        if (a == FaultReg::CFSR) {
            const uint32_t v = cfsr;
            cfsr |= arrive_after_load;
            arrive_after_load = 0;
            return v;
        }
        if (a == FaultReg::MMFAR)
            return mmfar;
        return other[a];
    }
    void store32(Address a, uint32_t v) {
        log.push_back({a, true});
        if (a == FaultReg::CFSR)
            cfsr &= ~v; // write-one-to-clear
        else if (a == FaultReg::MMFAR)
            mmfar = v;
        else
            other[a] = v;
    }
    // Narrow accesses never reach the SCB here (the handler and apply() use words only).
    uint8_t load8(Address a) { return uint8_t(load32(a)); }
    uint16_t load16(Address a) { return uint16_t(load32(a)); }
    void store8(Address a, uint8_t v) { store32(a, v); }
    void store16(Address a, uint16_t v) { store32(a, v); }
};

using Parts = PartitionManager<DirectMemory>;
using Iso = IsolationManager<DirectMemory, FaultRegisterFile>;
using Handler = MpuFaultHandler<DirectMemory, FaultRegisterFile>;

constexpr uint32_t PART_BYTES = 8192;
constexpr uint32_t BFSR_PRECISERR = 1u << 9; ///< a BusFault bit the handler must leave alone

struct Fixture : ::testing::Test {
    Fixture() : parts(mem, PartitionManagerParams{}), iso(parts, regs, MpuConfig{}) {
        for (uint32_t i = 0; i < 2; ++i) {
            part[i] = parts
                          .create_partition(TARGET_BASE + i * PART_BYTES, PART_BYTES,
                                            PartitionRights{MpuAccess::ReadWrite, 1u << i, 0}, 0)
                          .value;
            dom[i] = iso.create_isolation_domain(SecurityLevel::Normal).value;
            EXPECT_EQ(iso.attach_partition(dom[i], part[i]), RtStatus::Ok);
        }
    }
    /// Runs dom[i] (the MPU image loaded) and clears the register log.
    void run(uint32_t i) {
        ASSERT_TRUE(iso.switch_domain(iso.current(), dom[i]).ok());
        regs.log.clear();
    }

    TargetArena arena{4 * PART_BYTES};
    DirectMemory mem{arena.mem()};
    FaultRegisterFile regs;
    Parts parts;
    Iso iso;
    PartitionId part[2]{};
    DomainId dom[2]{};
};

using MpuFaultHandlerTest = Fixture;

TEST_F(MpuFaultHandlerTest, DataViolationReadsMmfarClearsWhatItSawAndNamesBothSides) {
    Handler h(iso, regs, FaultPolicy::LogAndContinue);
    run(0);
    const Address victim = TARGET_BASE + PART_BYTES + 0x40; // in partition 1
    regs.cfsr = FaultReg::DACCVIOL | FaultReg::MMARVALID | BFSR_PRECISERR;
    regs.mmfar = victim;
    const FaultReport r = h.handle();
    EXPECT_EQ(r.cfsr, FaultReg::DACCVIOL | FaultReg::MMARVALID | BFSR_PRECISERR);
    EXPECT_EQ(r.mmfsr, 0x82u);
    EXPECT_TRUE(r.daccviol);
    EXPECT_TRUE(r.mmarvalid);
    EXPECT_FALSE(r.iaccviol || r.mstkerr || r.munstkerr || r.mlsperr);
    EXPECT_EQ(r.mmfar, victim);
    EXPECT_EQ(r.domain, dom[0]);
    EXPECT_FALSE(r.kernel_fault);
    ASSERT_TRUE(r.has_partition);
    EXPECT_EQ(r.partition, part[1]);
    EXPECT_EQ(r.action, FaultAction::Logged);
    // Exactly: load CFSR, load MMFAR, store CFSR (= the MMFSR bits seen).
    const std::vector<std::pair<Address, bool>> want = {
        {FaultReg::CFSR, false}, {FaultReg::MMFAR, false}, {FaultReg::CFSR, true}};
    EXPECT_EQ(regs.log, want);
    EXPECT_EQ(regs.cfsr, BFSR_PRECISERR); // MMFSR cleared, BFSR untouched
    // Logged as a denied data access by dom[0]; nothing else changed.
    ASSERT_EQ(iso.access_log_size(), 1u);
    const AccessLogEntry& e = iso.access_log_entry(0);
    EXPECT_EQ(e.domain, dom[0]);
    EXPECT_EQ(e.address, victim);
    EXPECT_EQ(e.kind, AccessKind::Data);
    EXPECT_FALSE(e.allowed);
    EXPECT_TRUE(iso.live(dom[0]));
    EXPECT_TRUE(parts.is_live(part[0]));
    EXPECT_EQ(h.faults_handled(), 1u);
    EXPECT_EQ(h.terminations(), 0u);
}

TEST_F(MpuFaultHandlerTest, WithoutMmarvalidMmfarIsNeitherReadNorUsed) {
    Handler h(iso, regs, FaultPolicy::LogAndContinue);
    run(1);
    regs.cfsr = FaultReg::IACCVIOL;
    regs.mmfar = TARGET_BASE + 0x100; // stale: inside partition 0, must not be attributed
    const FaultReport r = h.handle();
    EXPECT_TRUE(r.iaccviol);
    EXPECT_FALSE(r.mmarvalid);
    EXPECT_EQ(r.mmfar, 0u);
    EXPECT_FALSE(r.has_partition);
    EXPECT_EQ(r.domain, dom[1]);
    const std::vector<std::pair<Address, bool>> want = {{FaultReg::CFSR, false},
                                                        {FaultReg::CFSR, true}};
    EXPECT_EQ(regs.log, want);
    EXPECT_EQ(regs.cfsr, 0u);
    EXPECT_EQ(iso.access_log_entry(0).kind, AccessKind::Execute);
}

TEST_F(MpuFaultHandlerTest, DecodesStackingAndLazyFpBits) {
    Handler h(iso, regs, FaultPolicy::LogAndContinue);
    run(0);
    regs.cfsr = FaultReg::MSTKERR | FaultReg::MLSPERR;
    FaultReport r = h.handle();
    EXPECT_TRUE(r.mstkerr);
    EXPECT_TRUE(r.mlsperr);
    EXPECT_FALSE(r.munstkerr || r.daccviol || r.iaccviol || r.mmarvalid);
    EXPECT_EQ(r.mmfsr, 0x30u);
    regs.cfsr = FaultReg::MUNSTKERR;
    r = h.handle();
    EXPECT_TRUE(r.munstkerr);
    EXPECT_FALSE(r.mstkerr);
    EXPECT_EQ(regs.cfsr, 0u);
}

TEST_F(MpuFaultHandlerTest, NoStatusIsOneLoadAndNoAction) {
    Handler h(iso, regs, FaultPolicy::TerminatePartition);
    run(0);
    regs.cfsr = BFSR_PRECISERR; // a BusFault is not the MemManage handler's
    const FaultReport r = h.handle();
    EXPECT_EQ(r.action, FaultAction::None);
    EXPECT_EQ(r.mmfsr, 0u);
    EXPECT_EQ(regs.log.size(), 1u);
    EXPECT_EQ(regs.cfsr, BFSR_PRECISERR);
    EXPECT_TRUE(iso.live(dom[0]));
    EXPECT_EQ(iso.access_log_size(), 0u);
    EXPECT_EQ(h.faults_handled(), 0u);
}

TEST_F(MpuFaultHandlerTest, AFaultArrivingMidHandlerIsNotCleared) {
    Handler h(iso, regs, FaultPolicy::LogAndContinue);
    run(0);
    regs.cfsr = FaultReg::IACCVIOL;
    regs.arrive_after_load = FaultReg::DACCVIOL | FaultReg::MMARVALID;
    const FaultReport r = h.handle();
    EXPECT_EQ(r.mmfsr, FaultReg::IACCVIOL);
    EXPECT_EQ(regs.cfsr, FaultReg::DACCVIOL | FaultReg::MMARVALID); // still pending
    const FaultReport next = h.handle();
    EXPECT_TRUE(next.daccviol);
    EXPECT_EQ(regs.cfsr, 0u);
}

TEST_F(MpuFaultHandlerTest, TerminatePartitionRevokesTheOffenderAndOthersKeepRunning) {
    Handler h(iso, regs, FaultPolicy::TerminatePartition);
    const Result<Address> own = iso.allocate_isolated_memory(dom[0], 256, IsolationType::Private);
    const Result<Address> lent = iso.allocate_isolated_memory(dom[0], 512, IsolationType::Shared,
                                                              domain_bit(dom[1]));
    const Result<Address> theirs =
        iso.allocate_isolated_memory(dom[1], 1024, IsolationType::Private);
    ASSERT_TRUE(own.ok() && lent.ok() && theirs.ok());
    EXPECT_EQ(iso.regions_used(dom[1]), 2u);
    const MpuImage dom1_alone_before = iso.image(dom[1]);
    run(0);
    regs.cfsr = FaultReg::DACCVIOL | FaultReg::MMARVALID;
    regs.mmfar = theirs.value + 8; // dom[0] touched dom[1]'s private block
    const FaultReport r = h.handle();
    EXPECT_EQ(r.domain, dom[0]);
    ASSERT_TRUE(r.has_partition);
    EXPECT_EQ(r.partition, part[1]);
    EXPECT_EQ(r.action, FaultAction::PartitionTerminated);
    EXPECT_EQ(r.status, RtStatus::Ok);
    ASSERT_TRUE(r.has_terminated_partition);
    EXPECT_EQ(r.terminated_partition, part[0]);
    EXPECT_FALSE(iso.live(dom[0]));
    EXPECT_FALSE(parts.is_live(part[0]));
    EXPECT_EQ(iso.regions_used(dom[0]), 0u);
    EXPECT_EQ(iso.regions_used(dom[1]), 1u); // the block dom[0] lent is revoked
    EXPECT_NE(memcmp(&iso.image(dom[1]), &dom1_alone_before, sizeof dom1_alone_before), 0);
    EXPECT_FALSE(iso.check_access(dom[1], lent.value, 4, AccessKind::Read));
    EXPECT_TRUE(iso.check_access(dom[1], theirs.value, 4, AccessKind::Write));
    // The kernel leaves the dead domain for a live one; dom[1] keeps allocating.
    ASSERT_TRUE(iso.switch_domain(dom[0], dom[1]).ok());
    EXPECT_TRUE(iso.allocate_isolated_memory(dom[1], 2048, IsolationType::Private).ok());
    EXPECT_EQ(parts.heap_of(part[1])->check_integrity(), RtStatus::Ok);
    EXPECT_EQ(h.terminations(), 1u);
}

TEST_F(MpuFaultHandlerTest, KernelFaultsAreLoggedNotPinnedOnAPartition) {
    Handler h(iso, regs, FaultPolicy::TerminatePartition);
    regs.cfsr = FaultReg::DACCVIOL | FaultReg::MMARVALID;
    regs.mmfar = TARGET_BASE + 0x40;
    const FaultReport r = h.handle();
    EXPECT_TRUE(r.kernel_fault);
    EXPECT_EQ(r.domain, NO_DOMAIN);
    EXPECT_EQ(r.action, FaultAction::Logged);
    EXPECT_TRUE(r.has_partition);
    EXPECT_EQ(r.partition, part[0]);
    EXPECT_TRUE(parts.is_live(part[0]));
    EXPECT_TRUE(iso.live(dom[0]));
}

} // namespace
} // namespace emsim::rt
