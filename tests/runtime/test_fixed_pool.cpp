// FixedPool: contract tests and a randomized run against a reference model (set of live blocks).
#include "runtime/fixed_pool.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "tests/runtime/target_arena.h"

namespace {

using emsim::rt::Address;
using emsim::rt::CountingMemory;
using emsim::rt::DirectMemory;
using emsim::rt::FixedPool;
using emsim::rt::FixedPoolParams;
using emsim::rt::HeapGuard;
using emsim::rt::HeapOwner;
using emsim::rt::RtStatus;
using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

constexpr Address CONTROL = TARGET_BASE;          // control area first
constexpr Address BLOCKS = TARGET_BASE + 0x1000u; // blocks after it

struct PoolFixture : emsim::test::ArenaFixture {
    explicit PoolFixture(uint32_t block_size, uint32_t count, uint32_t align = 4)
        : ArenaFixture(0x1000u + block_size * count + 4096u) {
        status = pool.init(mem, BLOCKS, CONTROL, FixedPoolParams{block_size, count, align});
    }
    FixedPool<DirectMemory> pool;
    RtStatus status;
};

TEST(FixedPool, InitRejectsZeroBlockSizeAndZeroCount) {
    TargetArena arena(0x2000);
    DirectMemory mem = arena.mem();
    FixedPool<DirectMemory> pool;
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL, {0, 4, 4}), RtStatus::InvalidSize);
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL, {16, 0, 4}), RtStatus::InvalidSize);
    EXPECT_FALSE(pool.initialized());
    EXPECT_EQ(pool.allocate().status, RtStatus::Unsupported)
        << "uninitialised pool handed out memory";
    EXPECT_EQ(pool.free(BLOCKS), RtStatus::Unsupported);
}

TEST(FixedPool, InitRejectsNonPowerOfTwoOrTooSmallAlignment) {
    TargetArena arena(0x2000);
    DirectMemory mem = arena.mem();
    FixedPool<DirectMemory> pool;
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL, {16, 4, 12}), RtStatus::InvalidAlignment);
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL, {16, 4, 2}), RtStatus::InvalidAlignment);
    EXPECT_EQ(pool.init(mem, BLOCKS + 4, CONTROL, {16, 4, 8}), RtStatus::InvalidRegion);
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL + 2, {16, 4, 4}), RtStatus::InvalidRegion);
}

TEST(FixedPool, InitRejectsOverlappingControlAndBlocks) {
    TargetArena arena(0x2000);
    DirectMemory mem = arena.mem();
    FixedPool<DirectMemory> pool;
    // 64 blocks need 4 + 8 control bytes; put the control area inside the last block.
    EXPECT_EQ(pool.init(mem, BLOCKS, BLOCKS + 63 * 16, {16, 64, 4}), RtStatus::AddressConflict);
    EXPECT_EQ(pool.init(mem, BLOCKS, BLOCKS - 8, {16, 64, 4}), RtStatus::AddressConflict);
    EXPECT_EQ(pool.init(mem, BLOCKS, BLOCKS - 12, {16, 64, 4}), RtStatus::Ok);
}

TEST(FixedPool, InitRejectsRangesWrappingPast4GiB) {
    TargetArena arena(0x2000);
    DirectMemory mem = arena.mem();
    FixedPool<DirectMemory> pool;
    EXPECT_EQ(pool.init(mem, 0xFFFFF000u, CONTROL, {4096, 2, 4}), RtStatus::InvalidRegion);
    EXPECT_EQ(pool.init(mem, 0, CONTROL, {0x80000000u, 2, 4}), RtStatus::InvalidRegion);
    EXPECT_EQ(pool.init(mem, BLOCKS, CONTROL, {0xFFFFFFFFu, 1, 4}), RtStatus::InvalidSize);
}

TEST(FixedPool, BlockSizeIsRoundedUpToAlignmentAndOneLink) {
    EXPECT_EQ(FixedPool<DirectMemory>::rounded_block_bytes(1, 4), 4u);
    EXPECT_EQ(FixedPool<DirectMemory>::rounded_block_bytes(5, 4), 8u);
    EXPECT_EQ(FixedPool<DirectMemory>::rounded_block_bytes(17, 16), 32u);
    EXPECT_EQ(FixedPool<DirectMemory>::control_bytes(1), 8u);
    EXPECT_EQ(FixedPool<DirectMemory>::control_bytes(32), 8u);
    EXPECT_EQ(FixedPool<DirectMemory>::control_bytes(33), 12u);
    PoolFixture f(10, 3, 8);
    ASSERT_EQ(f.status, RtStatus::Ok);
    EXPECT_EQ(f.pool.block_bytes(), 16u);
    EXPECT_EQ(f.pool.blocks_span_bytes(), 48u);
}

TEST(FixedPool, FirstAllocationsAreAscendingAlignedBlocks) {
    PoolFixture f(24, 5, 8);
    ASSERT_EQ(f.status, RtStatus::Ok);
    for (uint32_t i = 0; i < 5; ++i) {
        const auto r = f.pool.allocate();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r.value, BLOCKS + i * 24u);
        EXPECT_EQ(r.value % 8u, 0u);
    }
}

TEST(FixedPool, ExhaustionReturnsNoMemoryThenRefillServesEveryBlockAgain) {
    PoolFixture f(16, 40);
    ASSERT_EQ(f.status, RtStatus::Ok);
    std::vector<Address> got;
    for (int round = 0; round < 3; ++round) {
        got.clear();
        for (uint32_t i = 0; i < 40; ++i) {
            const auto r = f.pool.allocate();
            ASSERT_TRUE(r.ok()) << "round " << round << " block " << i;
            got.push_back(r.value);
        }
        EXPECT_EQ(f.pool.allocate().status, RtStatus::NoMemory);
        EXPECT_EQ(f.pool.stats().free_blocks, 0u);
        EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
        for (Address a : got)
            ASSERT_EQ(f.pool.free(a), RtStatus::Ok);
        EXPECT_EQ(f.pool.stats().used_blocks, 0u);
        EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
    }
    EXPECT_EQ(f.pool.stats().failed_allocations, 3u);
    EXPECT_EQ(f.pool.stats().high_water_blocks, 40u);
}

TEST(FixedPool, BlockAreaCanBeGatedWhenIdleAndReinitRestoresIt) {
    PoolFixture f(16, 8);
    EXPECT_TRUE(f.pool.block_area_idle());
    const Address a = f.pool.allocate().value;
    EXPECT_FALSE(f.pool.block_area_idle());
    ASSERT_EQ(f.pool.free(a), RtStatus::Ok);
    EXPECT_TRUE(f.pool.block_area_idle());
    // Power the block area off (contents lost: here, garbage) and back on: reinit() rebuilds.
    memset(f.arena.at(BLOCKS), 0x5A, 16 * 8);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Corrupt);
    f.pool.reinit();
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
    EXPECT_EQ(f.pool.allocate().value, BLOCKS);
    EXPECT_EQ(f.pool.stats().high_water_blocks, 1u) << "statistics survive reinit()";
}

TEST(FixedPool, FreedBlockIsReusedFirst) {
    PoolFixture f(32, 8);
    const Address a = f.pool.allocate().value;
    const Address b = f.pool.allocate().value;
    ASSERT_EQ(f.pool.free(a), RtStatus::Ok);
    EXPECT_EQ(f.pool.allocate().value, a) << "free list is not LIFO";
    ASSERT_EQ(f.pool.free(b), RtStatus::Ok);
    EXPECT_EQ(f.pool.allocate().value, b);
}

TEST(FixedPool, DoubleFreeIsRejectedAndPoolUnchanged) {
    PoolFixture f(16, 8);
    const Address a = f.pool.allocate().value;
    (void)f.pool.allocate();
    ASSERT_EQ(f.pool.free(a), RtStatus::Ok);
    const auto control = f.arena.snapshot(CONTROL, 8);
    const auto blocks = f.arena.snapshot(BLOCKS, 16 * 8);
    const auto stats = f.pool.stats();
    EXPECT_EQ(f.pool.free(a), RtStatus::DoubleFree);
    EXPECT_EQ(f.arena.snapshot(CONTROL, 8), control) << "double free changed the control area";
    EXPECT_EQ(f.arena.snapshot(BLOCKS, 16 * 8), blocks) << "double free changed a block";
    EXPECT_EQ(f.pool.stats().used_blocks, stats.used_blocks);
    EXPECT_EQ(f.pool.stats().rejected_frees, 1u);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
}

TEST(FixedPool, NeverAllocatedBlockFreeIsDoubleFree) {
    PoolFixture f(16, 8);
    EXPECT_EQ(f.pool.free(BLOCKS + 5 * 16), RtStatus::DoubleFree);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
}

TEST(FixedPool, ForeignPointersAreBadPointerAndPoolUnchanged) {
    PoolFixture f(16, 8);
    const Address a = f.pool.allocate().value;
    const auto control = f.arena.snapshot(CONTROL, 8);
    for (Address bad : {Address{0}, BLOCKS - 16, BLOCKS - 1, BLOCKS + 8 * 16, BLOCKS + 1, a + 4,
                        a + 15, Address{0xFFFFFFFFu}, CONTROL}) {
        EXPECT_EQ(f.pool.free(bad), RtStatus::BadPointer) << std::hex << bad;
    }
    EXPECT_EQ(f.arena.snapshot(CONTROL, 8), control);
    EXPECT_EQ(f.pool.stats().rejected_frees, 9u);
    EXPECT_EQ(f.pool.free(a), RtStatus::Ok);
}

TEST(FixedPool, AllocateAndFreeCostFiveAccessesWhateverTheCount) {
    for (uint32_t count : {1u, 31u, 1000u, 65536u}) {
        TargetArena arena(0x1000u + count * 16u + 16384u);
        DirectMemory direct = arena.mem();
        CountingMemory<DirectMemory> mem(direct);
        FixedPool<CountingMemory<DirectMemory>> pool;
        const Address control = TARGET_BASE;
        const Address blocks = TARGET_BASE + 16384u;
        ASSERT_EQ(pool.init(mem, blocks, control, {16, count, 4}), RtStatus::Ok);
        mem.reset();
        const auto r = pool.allocate();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(mem.counts().loads, 3u);
        EXPECT_EQ(mem.counts().stores, 2u);
        EXPECT_EQ(pool.last_op_steps(), 1u);
        mem.reset();
        ASSERT_EQ(pool.free(r.value), RtStatus::Ok);
        EXPECT_EQ(mem.counts().loads, 2u);
        EXPECT_EQ(mem.counts().stores, 3u);
        mem.reset();
        EXPECT_EQ(pool.free(blocks + 3), RtStatus::BadPointer);
        EXPECT_EQ(mem.counts().total(), 0u) << "range check touched memory";
    }
}

/// Records every address the pool touches, to show where its metadata lives.
struct RecordingMemory {
    DirectMemory inner;
    std::vector<Address> touched;
    uint8_t load8(Address a) { return touched.push_back(a), inner.load8(a); }
    uint16_t load16(Address a) { return touched.push_back(a), inner.load16(a); }
    uint32_t load32(Address a) { return touched.push_back(a), inner.load32(a); }
    void store8(Address a, uint8_t v) { touched.push_back(a), inner.store8(a, v); }
    void store16(Address a, uint16_t v) { touched.push_back(a), inner.store16(a, v); }
    void store32(Address a, uint32_t v) { touched.push_back(a), inner.store32(a, v); }
};

TEST(FixedPool, OperationsTouchOnlyTheControlAreaAndTheBlockInHand) {
    // allocate may read the link of the block it pops; free writes the link of the block it
    // pushes; nothing else outside the control area - in particular no other allocated block.
    TargetArena arena(0x2000);
    RecordingMemory mem{arena.mem(), {}};
    FixedPool<RecordingMemory> pool;
    const uint32_t count = 40;
    ASSERT_EQ(pool.init(mem, BLOCKS, CONTROL, {16, count, 4}), RtStatus::Ok);
    const Address control_end = CONTROL + FixedPool<RecordingMemory>::control_bytes(count);
    std::mt19937 rng(7);
    std::vector<Address> live;
    for (int op = 0; op < 2000; ++op) {
        mem.touched.clear();
        Address in_hand;
        if (live.empty() || (live.size() < count && rng() % 2)) {
            const auto r = pool.allocate();
            ASSERT_TRUE(r.ok());
            in_hand = r.value;
            live.push_back(r.value);
        } else {
            const size_t k = rng() % live.size();
            in_hand = live[k];
            ASSERT_EQ(pool.free(in_hand), RtStatus::Ok);
            live.erase(live.begin() + static_cast<long>(k));
        }
        for (Address a : mem.touched) {
            const bool control = a >= CONTROL && a < control_end;
            ASSERT_TRUE(control || a == in_hand)
                << "op " << op << " touched 0x" << std::hex << a << " holding 0x" << in_hand;
        }
    }
}

TEST(FixedPool, WriteAfterFreeClobberingTheLinkIsReportedAsCorruptNotFollowed) {
    PoolFixture f(16, 4);
    const Address a = f.pool.allocate().value;
    ASSERT_EQ(f.pool.free(a), RtStatus::Ok);
    // The user keeps writing into the freed block: the link now points into the wild.
    memset(f.arena.at(a), 0x42, 4);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Corrupt);
    const auto control = f.arena.snapshot(CONTROL, 8);
    EXPECT_EQ(f.pool.allocate().status, RtStatus::Corrupt);
    EXPECT_EQ(f.arena.snapshot(CONTROL, 8), control) << "a corrupt pop changed the pool";
}

TEST(FixedPool, CheckIntegrityFindsACycleInTheFreeList) {
    PoolFixture f(16, 4);
    // Link block 1 back to block 0: 0 -> 1 -> 0 -> ...
    const uint32_t link = BLOCKS;
    memcpy(f.arena.at(BLOCKS + 16), &link, 4);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Corrupt);
}

TEST(FixedPool, CheckIntegrityFindsABitmapThatDisagreesWithTheList) {
    PoolFixture f(16, 40);
    EXPECT_TRUE(f.pool.invariants_hold());
    f.arena.at(CONTROL + 4)[0] |= 0x02; // mark free block 1 allocated
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Corrupt);
    f.arena.at(CONTROL + 4)[0] &= 0xFD;
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok);
    f.arena.at(CONTROL + 8)[3] |= 0x80; // bit 63: beyond block_count
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Corrupt);
}

TEST(FixedPool, UserDataFillingWholeBlocksLeavesTheBookkeepingIntact) {
    PoolFixture f(16, 16);
    std::vector<Address> got;
    for (int i = 0; i < 16; ++i)
        got.push_back(f.pool.allocate().value);
    for (Address a : got)
        memset(f.arena.at(a), 0xFF, 16);
    EXPECT_EQ(f.pool.check_integrity(), RtStatus::Ok) << "metadata lives in the blocks";
    for (Address a : got)
        EXPECT_EQ(f.pool.free(a), RtStatus::Ok);
    EXPECT_EQ(f.pool.free(got[3]), RtStatus::DoubleFree);
}

TEST(FixedPool, SizedAllocateRejectsZeroOversizeAndOveralignedRequests) {
    PoolFixture f(16, 4, 8);
    EXPECT_EQ(f.pool.allocate(0, 0).status, RtStatus::InvalidSize);
    EXPECT_EQ(f.pool.allocate(17, 0).status, RtStatus::InvalidSize);
    EXPECT_EQ(f.pool.allocate(0xFFFFFFFFu, 0).status, RtStatus::InvalidSize);
    EXPECT_EQ(f.pool.allocate(8, 16).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(f.pool.allocate(8, 3).status, RtStatus::InvalidAlignment);
    EXPECT_TRUE(f.pool.allocate(16, 8).ok());
    EXPECT_TRUE(f.pool.allocate(1, 0).ok());
    EXPECT_EQ(f.pool.stats().used_blocks, 2u);
}

TEST(FixedPool, SingleBlockPoolAlternatesBetweenFullAndEmpty) {
    PoolFixture f(4, 1);
    for (int i = 0; i < 5; ++i) {
        const auto r = f.pool.allocate();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(f.pool.allocate().status, RtStatus::NoMemory);
        EXPECT_TRUE(f.pool.invariants_hold());
        ASSERT_EQ(f.pool.free(r.value), RtStatus::Ok);
        EXPECT_TRUE(f.pool.invariants_hold());
    }
}

TEST(FixedPool, PoolEndingAtTheTopOf4GiBWorks) {
    // The block area may end exactly at 2^32; all address math must stay in range.
    std::vector<uint8_t> host(4096 + 64, 0);
    DirectMemory mem(host.data(), 0xFFFFF000u);
    FixedPool<DirectMemory> pool;
    ASSERT_EQ(pool.init(mem, 0xFFFFF800u, 0xFFFFF000u, {256, 8, 4}), RtStatus::Ok);
    std::vector<Address> got;
    for (int i = 0; i < 8; ++i)
        got.push_back(pool.allocate().value);
    EXPECT_EQ(got.back(), 0xFFFFFF00u);
    EXPECT_EQ(pool.allocate().status, RtStatus::NoMemory);
    EXPECT_EQ(pool.free(0xFFFFFFFCu), RtStatus::BadPointer);
    for (Address a : got)
        EXPECT_EQ(pool.free(a), RtStatus::Ok);
    EXPECT_EQ(pool.check_integrity(), RtStatus::Ok);
}

TEST(FixedPool, SealedGuardRefusesAllocationsButAllowsFrees) {
    TargetArena arena(0x2000);
    DirectMemory mem = arena.mem();
    HeapGuard guard;
    FixedPool<DirectMemory> pool;
    ASSERT_EQ(pool.init(mem, BLOCKS, CONTROL, {16, 4, 4}, &guard, HeapOwner{"rx", 7}),
              RtStatus::Ok);
    const Address a = pool.allocate().value;
    guard.seal();
    EXPECT_EQ(pool.allocate().status, RtStatus::Sealed);
    EXPECT_EQ(pool.stats().used_blocks, 1u);
    EXPECT_EQ(pool.free(a), RtStatus::Ok);
    ASSERT_EQ(guard.violation_count(), 1u);
    EXPECT_EQ(guard.violation(0)->owner.id, 7u);
    EXPECT_EQ(guard.violation(0)->size_bytes, 16u);
}

// Randomized: allocate/free mix against a map of live blocks, each block filled with a
// per-block byte pattern that is checked before free (overlaps would break it), with occasional
// double and foreign frees that must be refused without changing anything; check_integrity()
// after every operation.
void run_random(uint32_t seed, uint32_t block_size, uint32_t count, uint32_t ops) {
    std::printf("[ seed ] FixedPool random seed=%u block=%u count=%u ops=%u\n", seed, block_size,
                count, ops);
    std::mt19937 rng(seed);
    PoolFixture f(block_size, count);
    ASSERT_EQ(f.status, RtStatus::Ok);
    const uint32_t block = f.pool.block_bytes();
    std::map<Address, uint8_t> live; // address -> fill byte
    std::vector<Address> freed;      // recently freed, for double frees
    uint32_t high_water = 0;
    uint32_t allocations = 0;
    for (uint32_t op = 0; op < ops; ++op) {
        // Alternate filling and draining phases so both ends (empty, full) are visited.
        const uint32_t alloc_pct = (op / 1000) % 2 ? 30 : 62;
        uint32_t dice = rng() % 100;
        if (live.empty())
            dice = 0;                                   // must allocate
        if (live.size() == count && dice < alloc_pct) { // full: free, sometimes probe NoMemory
            dice = dice < 5 ? 0 : alloc_pct;
        }
        if (dice < alloc_pct) {
            const auto r = f.pool.allocate();
            if (live.size() == count) {
                ASSERT_EQ(r.status, RtStatus::NoMemory) << "op " << op;
            } else {
                ASSERT_TRUE(r.ok()) << "op " << op << " " << emsim::rt::to_string(r.status);
                ASSERT_GE(r.value, BLOCKS);
                ASSERT_EQ((r.value - BLOCKS) % block, 0u);
                ASSERT_LT(r.value, BLOCKS + block * count);
                ASSERT_EQ(live.count(r.value), 0u) << "handed out a live block";
                const auto fill = static_cast<uint8_t>(rng());
                memset(f.arena.at(r.value), fill, block);
                live[r.value] = fill;
                ++allocations;
                high_water = std::max(high_water, static_cast<uint32_t>(live.size()));
            }
        } else if (dice < 96) {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % live.size()));
            for (uint32_t i = 0; i < block; ++i)
                ASSERT_EQ(f.arena.at(it->first)[i], it->second) << "block overwritten, op " << op;
            ASSERT_EQ(f.pool.free(it->first), RtStatus::Ok) << "op " << op;
            freed.push_back(it->first);
            if (freed.size() > 8)
                freed.erase(freed.begin());
            live.erase(it);
        } else {
            const auto control = f.arena.snapshot(CONTROL, 4 + 4 * ((count + 31) / 32));
            Address bad;
            RtStatus expect;
            if (dice < 98 && !freed.empty() && !live.count(freed.back())) {
                bad = freed.back();
                expect = RtStatus::DoubleFree;
            } else {
                bad = BLOCKS + static_cast<Address>(rng() % (block * count + 64)) - 32;
                const bool boundary =
                    bad >= BLOCKS && (bad - BLOCKS) % block == 0 && bad < BLOCKS + block * count;
                if (boundary)
                    continue;
                expect = RtStatus::BadPointer;
            }
            ASSERT_EQ(f.pool.free(bad), expect) << "op " << op;
            ASSERT_EQ(f.arena.snapshot(CONTROL, static_cast<uint32_t>(control.size())), control);
        }
        ASSERT_EQ(f.pool.check_integrity(), RtStatus::Ok) << "op " << op;
        ASSERT_TRUE(f.pool.invariants_hold()) << "op " << op;
        ASSERT_EQ(f.pool.stats().used_blocks, live.size());
        ASSERT_EQ(f.pool.stats().high_water_blocks, high_water);
    }
    std::printf("[ seed ]   %u successful allocations, high water %u of %u\n", allocations,
                high_water, count);
}

TEST(FixedPool, RandomOperationsAgreeWithAReferenceModel) {
    // 8 seeds x 60,000 ops = 480,000 pool operations, each followed by check_integrity().
    const uint32_t shapes[][2] = {{4, 1},   {16, 7},  {24, 33}, {32, 64},
                                  {8, 100}, {64, 31}, {12, 50}, {16, 96}};
    for (uint32_t seed = 1; seed <= 8; ++seed) {
        run_random(seed, shapes[seed - 1][0], shapes[seed - 1][1], 60000);
        if (HasFatalFailure())
            return;
    }
}

} // namespace
