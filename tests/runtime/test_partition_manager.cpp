// PartitionManager against a target arena: geometry refusals (overlap, alignment, ranges the
// MPU cannot cover exactly on PMSAv7, the same ranges accepted on PMSAv8), the heap living in
// the partition, rights and quota refusals, ownership on free, the priority scheduler's order,
// termination (heap released, pending requests cancelled, stale ids refused, the others still
// allocating), and a randomized run against the invariants. Seeds are printed; rerun one with
// EMSIM_PARTITION_SEED=<n>.
#include "runtime/partition_manager.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <vector>

#include <gtest/gtest.h>

#include "tests/runtime/target_arena.h"
#include "tests/runtime/test_rng.h"

namespace emsim::rt {
namespace {

using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;
using Manager = PartitionManager<DirectMemory>;

constexpr DomainId D0 = DomainId(0);
constexpr DomainId D1 = DomainId(1);
constexpr DomainId D2 = DomainId(2);

PartitionRights rw(uint32_t allocators, uint32_t quota_bytes = 0) {
    return PartitionRights{MpuAccess::ReadWrite, allocators, quota_bytes};
}

PartitionManagerParams params(MpuArch arch, uint8_t regions_per_partition = 2) {
    PartitionManagerParams p;
    p.arch = arch;
    p.regions_per_partition = regions_per_partition;
    return p;
}

struct Fixture : ::testing::Test {
    TargetArena arena{64 * 1024};
    DirectMemory mem{arena.mem()};
};

using PartitionManagerTest = Fixture;

TEST_F(PartitionManagerTest, RefusesOverlapsAndAcceptsTouchingRanges) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const Result<PartitionId> a = pm.create_partition(TARGET_BASE, 4096, rw(1), 1);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(pm.create_partition(TARGET_BASE + 2048, 4096, rw(1), 1).status,
              RtStatus::AddressConflict);
    EXPECT_EQ(pm.create_partition(TARGET_BASE, 4096, rw(1), 1).status, RtStatus::AddressConflict);
    EXPECT_TRUE(pm.create_partition(TARGET_BASE + 4096, 4096, rw(1), 1).ok());
    EXPECT_EQ(pm.stats().created, 2u);
}

TEST_F(PartitionManagerTest, RefusesBadSizesAndMisalignment) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    EXPECT_EQ(pm.create_partition(TARGET_BASE, 0, rw(1), 0).status, RtStatus::InvalidSize);
    EXPECT_EQ(pm.create_partition(TARGET_BASE + 16, 4096, rw(1), 0).status,
              RtStatus::InvalidAlignment);
    EXPECT_EQ(pm.create_partition(TARGET_BASE, 4016, rw(1), 0).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(pm.create_partition(0xFFFFF000u, 0x2000, rw(1), 0).status, RtStatus::InvalidRegion);
    // Exactly coverable but too small for the heap's control structure + a block + sentinel.
    EXPECT_EQ(pm.create_partition(TARGET_BASE, 256, rw(1), 0).status, RtStatus::InvalidRegion);
    // One 128 KiB region, but a block of the default heap (max_block_log2 16) is < 64 KiB.
    // (Refused before the heap touches memory: the arena is only 64 KiB.)
    EXPECT_EQ(pm.create_partition(TARGET_BASE, 128 * 1024, rw(1), 0).status,
              RtStatus::InvalidRegion);
    EXPECT_EQ(pm.stats().created, 0u);
}

// [base + 32, +4 KiB) needs 4 regions on PMSAv7 (a 4 KiB region with subregions 1..7, a 512 B
// one with 1..7, and two 256 B regions for the 32 B granules at both ends).
TEST_F(PartitionManagerTest, Pmsav7RefusesRangesWithoutAnExactCoverInBudget) {
    const Address odd = TARGET_BASE + 0x8020;
    for (uint8_t budget = 1; budget <= 5; ++budget) {
        Manager pm(mem, params(MpuArch::Pmsav7, budget));
        const Result<PartitionId> p = pm.create_partition(odd, 4096, rw(1), 0);
        if (budget < 4) {
            EXPECT_EQ(p.status, RtStatus::InvalidRegion) << int(budget);
            EXPECT_EQ(pm.stats().created, 0u);
        } else {
            ASSERT_TRUE(p.ok()) << int(budget);
            EXPECT_EQ(pm.info(p.value).value.mpu_regions, 4u);
        }
    }
    // 12 KiB at a 16 KiB boundary is one region with 2 subregions off: accepted in budget 1;
    // at an 8 KiB offset across a 32 KiB boundary it needs 8 KiB + 4 KiB: refused in budget 1.
    Manager one(mem, params(MpuArch::Pmsav7, 1));
    const Result<PartitionId> p = one.create_partition(TARGET_BASE, 0x3000, rw(1), 0);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(one.info(p.value).value.mpu_regions, 1u);
    EXPECT_EQ(one.create_partition(TARGET_BASE + 0x6000, 0x3000, rw(1), 0).status,
              RtStatus::InvalidRegion);
}

TEST_F(PartitionManagerTest, Pmsav8AcceptsAny32ByteRangeAndRefusesTheRest) {
    Manager pm(mem, params(MpuArch::Pmsav8, 1));
    const Result<PartitionId> p = pm.create_partition(TARGET_BASE + 0x8020, 4096, rw(1), 0);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(pm.info(p.value).value.mpu_regions, 1u);
    EXPECT_EQ(pm.create_partition(TARGET_BASE + 0x1008, 4096, rw(1), 0).status,
              RtStatus::InvalidAlignment);
    EXPECT_EQ(pm.create_partition(TARGET_BASE + 0x1000, 4016, rw(1), 0).status,
              RtStatus::InvalidAlignment);
}

TEST_F(PartitionManagerTest, HeapMetadataLivesAtThePartitionStart) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const Address start = TARGET_BASE + 0x4000;
    const Result<PartitionId> p = pm.create_partition(start, 0x4000, rw(1), 0);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(mem.load32(start), TlsfHeap<DirectMemory>::TLSF_MAGIC);
    const Result<Address> b = pm.allocate_in_partition(p.value, D0, 100);
    ASSERT_TRUE(b.ok());
    EXPECT_GE(b.value, start + pm.heap_of(p.value)->control_size_bytes());
    EXPECT_LE(uint64_t(b.value) + 100, uint64_t(start) + 0x4000);
    EXPECT_EQ(pm.heap_of(p.value)->check_integrity(), RtStatus::Ok);
}

TEST_F(PartitionManagerTest, RightsAreCheckedPerDomainAndReadOnlyPartitionsRefuseAll) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId p = pm.create_partition(TARGET_BASE, 4096, rw(1u << 0), 0).value;
    const PartitionId ro =
        pm.create_partition(TARGET_BASE + 4096, 4096,
                            PartitionRights{MpuAccess::ReadOnly, 0xFFFFFFFFu, 0}, 0)
            .value;
    EXPECT_TRUE(pm.allocate_in_partition(p, D0, 64).ok());
    EXPECT_EQ(pm.allocate_in_partition(p, D1, 64).status, RtStatus::AccessDenied);
    EXPECT_EQ(pm.allocate_in_partition(p, DomainId(40), 64).status, RtStatus::AccessDenied);
    EXPECT_EQ(pm.allocate_in_partition(ro, D0, 64).status, RtStatus::AccessDenied);
    EXPECT_EQ(pm.allocate_in_partition(PartitionId(0x0707), D0, 64).status,
              RtStatus::InvalidRegion);
    EXPECT_EQ(pm.stats().denied, 3u);
    EXPECT_EQ(pm.info(ro).value.live_blocks, 0u);
}

TEST_F(PartitionManagerTest, QuotaIsPerDomainAndFreeIsOwnerOnly) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId p = pm.create_partition(TARGET_BASE, 8192, rw(0x3, 256), 0).value;
    const Result<Address> a = pm.allocate_in_partition(p, D0, 200);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(pm.allocate_in_partition(p, D0, 57).status, RtStatus::QuotaExceeded);
    const Result<Address> c = pm.allocate_in_partition(p, D0, 56); // exactly at the quota
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(pm.used_bytes(p, D0), 256u);
    EXPECT_TRUE(pm.allocate_in_partition(p, D1, 200).ok()); // D1 has its own quota
    EXPECT_EQ(pm.free_in_partition(p, D1, a.value), RtStatus::AccessDenied);
    EXPECT_EQ(pm.free_in_partition(p, D0, a.value + 8), RtStatus::BadPointer);
    EXPECT_EQ(pm.free_in_partition(p, D0, a.value), RtStatus::Ok);
    EXPECT_EQ(pm.free_in_partition(p, D0, a.value), RtStatus::BadPointer); // second free
    EXPECT_EQ(pm.used_bytes(p, D0), 56u);
    EXPECT_TRUE(pm.allocate_in_partition(p, D0, 200).ok());
    EXPECT_EQ(pm.stats().over_quota, 1u);
    EXPECT_EQ(pm.heap_of(p)->check_integrity(), RtStatus::Ok);
}

TEST_F(PartitionManagerTest, SchedulerServesHighestPriorityFirstFifoWithin) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId low = pm.create_partition(TARGET_BASE, 4096, rw(0x7), 1).value;
    const PartitionId hi_a = pm.create_partition(TARGET_BASE + 4096, 4096, rw(0x7), 5).value;
    const PartitionId hi_b = pm.create_partition(TARGET_BASE + 8192, 4096, rw(0x7), 5).value;
    const PartitionId order[] = {low, hi_a, hi_b, low, hi_a};
    for (uint32_t i = 0; i < 5; ++i) {
        const Result<uint32_t> t = pm.submit(order[i], D0, 32 + i);
        ASSERT_TRUE(t.ok());
        EXPECT_EQ(t.value, i);
    }
    // D2 lacks no rights (0x7), D1 is refused at serve time in this extra request:
    const PartitionId ro = pm.create_partition(TARGET_BASE + 12288, 4096, rw(0x1), 9).value;
    ASSERT_TRUE(pm.submit(ro, D1, 32).ok()); // ticket 5, served first, denied
    EXPECT_EQ(pm.pending(), 6u);
    const uint32_t expected_tickets[] = {5, 1, 2, 4, 0, 3};
    for (uint32_t want : expected_tickets) {
        ServedRequest s;
        ASSERT_TRUE(pm.serve_next(s));
        EXPECT_EQ(s.ticket, want);
        if (want == 5) {
            EXPECT_EQ(s.status, RtStatus::AccessDenied);
            continue;
        }
        EXPECT_EQ(s.status, RtStatus::Ok);
        EXPECT_EQ(s.partition, order[want]);
        const PartitionInfo info = pm.info(s.partition).value;
        EXPECT_GE(s.address, info.start);
        EXPECT_LT(s.address, info.start + info.size_bytes);
    }
    ServedRequest none;
    none.ticket = 77;
    EXPECT_FALSE(pm.serve_next(none));
    EXPECT_EQ(none.ticket, 77u);
    EXPECT_EQ(pm.stats().served, 6u);
}

TEST_F(PartitionManagerTest, SchedulerQueueIsBounded) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId p = pm.create_partition(TARGET_BASE, 4096, rw(1), 0).value;
    for (uint32_t i = 0; i < Manager::QUEUE_CAPACITY; ++i)
        ASSERT_TRUE(pm.submit(p, D0, 16).ok());
    EXPECT_EQ(pm.submit(p, D0, 16).status, RtStatus::QuotaExceeded);
    EXPECT_EQ(pm.submit(PartitionId(0x0303), D0, 16).status, RtStatus::InvalidRegion);
}

TEST_F(PartitionManagerTest, TerminateReleasesHeapCancelsRequestsAndOthersKeepRunning) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId a = pm.create_partition(TARGET_BASE, 8192, rw(0x3), 3).value;
    const PartitionId b = pm.create_partition(TARGET_BASE + 8192, 8192, rw(0x3), 1).value;
    for (uint32_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(pm.allocate_in_partition(a, D0, 100).ok());
        ASSERT_TRUE(pm.allocate_in_partition(b, D1, 100).ok());
    }
    ASSERT_TRUE(pm.submit(a, D0, 64).ok());
    ASSERT_TRUE(pm.submit(b, D1, 64).ok());
    const std::vector<uint8_t> b_bytes = arena.snapshot(TARGET_BASE + 8192, 8192);

    ASSERT_EQ(pm.terminate_partition(a), RtStatus::Ok);
    EXPECT_FALSE(pm.is_live(a));
    EXPECT_EQ(pm.heap_of(a), nullptr);
    EXPECT_EQ(pm.allocate_in_partition(a, D0, 16).status, RtStatus::InvalidRegion);
    EXPECT_EQ(pm.terminate_partition(a), RtStatus::InvalidRegion);
    EXPECT_EQ(pm.stats().blocks_released, 4u);
    EXPECT_EQ(pm.stats().cancelled, 1u);
    EXPECT_EQ(pm.block_count(), 4u);
    for (uint32_t i = 0; i < pm.block_count(); ++i)
        EXPECT_EQ(pm.block(i).partition, b);
    EXPECT_EQ(arena.snapshot(TARGET_BASE + 8192, 8192), b_bytes); // b untouched
    EXPECT_EQ(pm.find_partition(TARGET_BASE + 100).status, RtStatus::InvalidRegion);

    // b keeps serving, from the queue and directly.
    ServedRequest s;
    ASSERT_TRUE(pm.serve_next(s));
    EXPECT_EQ(s.partition, b);
    EXPECT_EQ(s.status, RtStatus::Ok);
    EXPECT_FALSE(pm.serve_next(s));
    EXPECT_TRUE(pm.allocate_in_partition(b, D1, 1000).ok());
    EXPECT_EQ(pm.heap_of(b)->check_integrity(), RtStatus::Ok);

    // The range is free again; the new tenant gets a new generation, the old id stays dead.
    const Result<PartitionId> again = pm.create_partition(TARGET_BASE, 8192, rw(0x1), 0);
    ASSERT_TRUE(again.ok());
    EXPECT_NE(again.value, a);
    EXPECT_FALSE(pm.is_live(a));
    EXPECT_EQ(pm.used_bytes(again.value, D0), 0u);
    EXPECT_EQ(pm.find_partition(TARGET_BASE + 100).value, again.value);
    EXPECT_EQ(pm.info(again.value).value.live_blocks, 0u);
}

TEST_F(PartitionManagerTest, CheckIntegrityFindsABrokenHeap) {
    Manager pm(mem, params(MpuArch::Pmsav7));
    const PartitionId p = pm.create_partition(TARGET_BASE, 4096, rw(1), 0).value;
    const Result<Address> b = pm.allocate_in_partition(p, D0, 64);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(pm.check_integrity(), RtStatus::Ok);
    mem.store32(b.value - 4, 0xFFFFFFF0u); // the block's size word, as an overflow below it would
    EXPECT_NE(pm.check_integrity(), RtStatus::Ok);
}

TEST_F(PartitionManagerTest, TableFullIsQuotaExceeded) {
    Manager pm(mem, params(MpuArch::Pmsav8, 1));
    for (uint32_t i = 0; i < Manager::MAX_PARTITIONS; ++i)
        ASSERT_TRUE(pm.create_partition(TARGET_BASE + i * 2048, 2048, rw(1), 0).ok());
    EXPECT_EQ(pm.create_partition(TARGET_BASE + 0x8000, 2048, rw(1), 0).status,
              RtStatus::QuotaExceeded);
}

// ---- randomized ------------------------------------------------------------------------------

uint64_t seed_from_env(const char* name, uint64_t fallback) {
    const char* s = getenv(name);
    return s != nullptr ? strtoull(s, nullptr, 0) : fallback;
}

void check_invariants(Manager& pm) {
    std::vector<PartitionInfo> live;
    std::vector<PartitionId> ids;
    for (uint32_t s = 0; s < Manager::MAX_PARTITIONS; ++s) {
        const Result<PartitionId> id = pm.partition_in_slot(s);
        if (!id.ok())
            continue;
        ids.push_back(id.value);
        live.push_back(pm.info(id.value).value);
        ASSERT_EQ(pm.heap_of(id.value)->check_integrity(), RtStatus::Ok);
    }
    for (size_t i = 0; i < live.size(); ++i)
        for (size_t j = i + 1; j < live.size(); ++j)
            ASSERT_TRUE(live[i].start + live[i].size_bytes <= live[j].start ||
                        live[j].start + live[j].size_bytes <= live[i].start)
                << "live partitions " << i << " and " << j << " overlap";
    std::vector<uint32_t> payload(live.size(), 0);
    for (uint32_t k = 0; k < pm.block_count(); ++k) {
        const PartitionBlock b = pm.block(k);
        size_t i = 0;
        while (i < ids.size() && ids[i] != b.partition)
            ++i;
        ASSERT_LT(i, ids.size()) << "block of a dead partition";
        ASSERT_GE(b.address, live[i].start);
        ASSERT_LE(uint64_t(b.address) + b.size_bytes, uint64_t(live[i].start) + live[i].size_bytes);
        payload[i] += b.size_bytes;
    }
    for (size_t i = 0; i < live.size(); ++i)
        ASSERT_EQ(payload[i], live[i].payload_bytes);
    ASSERT_EQ(pm.check_integrity(), RtStatus::Ok);
}

TEST_F(PartitionManagerTest, RandomizedOperationsKeepTheInvariants) {
    const uint64_t seed = seed_from_env("EMSIM_PARTITION_SEED", 0x5eed0005u);
    printf("EMSIM_PARTITION_SEED=%llu\n", static_cast<unsigned long long>(seed));
    test::TestRng rng(seed);
    for (MpuArch arch : {MpuArch::Pmsav7, MpuArch::Pmsav8}) {
        Manager pm(mem, params(arch, 2));
        uint32_t refusals = 0, allocations = 0, terminations = 0;
        for (uint32_t step = 0; step < 3000; ++step) {
            const uint32_t op = rng.below(10);
            if (op == 0) {
                // Stays inside the 64 KiB arena: starts below 48 KiB, sizes up to 16 KiB.
                const Address start = TARGET_BASE + rng.below(48) * 1024 + rng.below(4) * 32;
                const uint32_t size = (1u + rng.below(16)) * 1024 - rng.below(3) * 32;
                const Result<PartitionId> p = pm.create_partition(
                    start, size, rw(0x7, rng.below(2) * 2048), uint8_t(rng.below(4)));
                refusals += p.ok() ? 0 : 1;
                if (!p.ok()) {
                    ASSERT_TRUE(p.status == RtStatus::AddressConflict ||
                                p.status == RtStatus::InvalidRegion ||
                                p.status == RtStatus::QuotaExceeded)
                        << to_string(p.status);
                }
            } else if (op == 1) {
                const Result<PartitionId> p = pm.partition_in_slot(rng.below(Manager::MAX_PARTITIONS));
                if (p.ok() && rng.below(4) == 0) {
                    ASSERT_EQ(pm.terminate_partition(p.value), RtStatus::Ok);
                    ++terminations;
                }
            } else if (op <= 6) {
                const Result<PartitionId> p = pm.partition_in_slot(rng.below(Manager::MAX_PARTITIONS));
                if (!p.ok())
                    continue;
                const Result<Address> a =
                    pm.allocate_in_partition(p.value, DomainId(rng.below(4)), 1 + rng.below(600));
                allocations += a.ok() ? 1 : 0;
            } else if (pm.block_count() > 0) {
                const PartitionBlock b = pm.block(rng.below(pm.block_count()));
                ASSERT_EQ(pm.free_in_partition(b.partition, b.owner, b.address), RtStatus::Ok);
            }
            check_invariants(pm);
            if (HasFatalFailure())
                return;
        }
        EXPECT_GT(allocations, 100u);
        EXPECT_GT(refusals, 10u);
        EXPECT_GT(terminations, 5u);
    }
}

} // namespace
} // namespace emsim::rt
