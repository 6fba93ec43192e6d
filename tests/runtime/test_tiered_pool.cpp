// TieredPool: class choice, the fallback/waste limit, the huge path, per-tier statistics and a
// randomized run against a reference model.
#include "runtime/tiered_pool.h"

#include <gtest/gtest.h>

// The huge path runs against the real TLSF heap, and against FakeHuge (below) for the unit tests
// that need to steer the huge allocator's answers.
#include "runtime/tlsf_heap.h"
#include "tests/runtime/target_arena.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace {

using emsim::rt::Address;
using emsim::rt::CountingMemory;
using emsim::rt::DirectMemory;
using emsim::rt::HeapGuard;
using emsim::rt::HeapOwner;
using emsim::rt::Result;
using emsim::rt::RtStatus;
using emsim::rt::SizeTier;
using emsim::rt::TieredPool;
using emsim::rt::TieredPoolConfig;
using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

constexpr Address HUGE_BASE = 0x30000000u;

/// Test double for the huge path: hands out addresses from its own range, checks frees against the
/// set it handed out, optionally refuses everything.
struct FakeHuge {
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes) {
        ++allocations;
        last_align = align_bytes;
        if (refuse || size_bytes == 0)
            return {RtStatus::NoMemory, 0};
        next = (next + align_bytes - 1) & ~(align_bytes - 1);
        const Address a = next;
        next += size_bytes;
        live.insert(a);
        return {RtStatus::Ok, a};
    }
    RtStatus free(Address a) { return live.erase(a) == 1 ? RtStatus::Ok : RtStatus::BadPointer; }
    Address next = HUGE_BASE;
    std::set<Address> live;
    uint32_t allocations = 0;
    uint32_t last_align = 0;
    bool refuse = false;
};

template <class Huge = FakeHuge> struct Tiered : emsim::test::ArenaFixture {
    explicit Tiered(const TieredPoolConfig& config, Huge* huge = nullptr,
                    HeapGuard* guard = nullptr)
        : ArenaFixture(TieredPool<DirectMemory, Huge>::required_bytes(config).value) {
        status = pool.init(mem, TARGET_BASE,
                           TieredPool<DirectMemory, Huge>::required_bytes(config).value, config,
                           huge, guard, HeapOwner{"tiered", 3});
    }
    TieredPool<DirectMemory, Huge> pool;
    RtStatus status;
};

TieredPoolConfig small_config(uint32_t count = 2) {
    TieredPoolConfig c;
    c.classes[0] = {16, count};
    c.classes[1] = {32, count};
    c.classes[2] = {64, count};
    c.classes[3] = {128, count};
    c.class_count = 4;
    return c;
}

TEST(TieredPool, DefaultConfigHasTenClassesInThreeTiers) {
    const TieredPoolConfig c = emsim::rt::default_tiered_pool_config();
    ASSERT_EQ(c.class_count, 10u);
    const auto need = TieredPool<DirectMemory>::required_bytes(c);
    ASSERT_TRUE(need.ok());
    EXPECT_EQ(need.value, 136704u + 10u * (4u + 4u)) << "blocks + 10 x (head + one bitmap word)";
    Tiered<> t(c);
    ASSERT_EQ(t.status, RtStatus::Ok);
    EXPECT_EQ(t.pool.class_tier(0), SizeTier::Small);
    EXPECT_EQ(t.pool.class_tier(2), SizeTier::Small);
    EXPECT_EQ(t.pool.class_tier(3), SizeTier::Medium);
    EXPECT_EQ(t.pool.class_tier(6), SizeTier::Medium);
    EXPECT_EQ(t.pool.class_tier(7), SizeTier::Large);
    EXPECT_EQ(t.pool.class_tier(9), SizeTier::Large);
    EXPECT_EQ(t.pool.check_integrity(), RtStatus::Ok);
}

TEST(TieredPool, RequestsTakeTheSmallestClassThatFits) {
    Tiered<> t(emsim::rt::default_tiered_pool_config());
    const std::pair<uint32_t, uint32_t> cases[] = {{1, 16},      {16, 16},       {17, 32},
                                                   {64, 64},     {65, 128},      {1000, 1024},
                                                   {1025, 4096}, {16385, 65536}, {16384, 16384}};
    for (auto [size, block] : cases) {
        const uint32_t c = t.pool.best_fit(size);
        ASSERT_NE(c, TieredPool<DirectMemory>::NO_CLASS) << size;
        EXPECT_EQ(t.pool.pool(c).block_bytes(), block) << size;
        const auto r = t.pool.allocate(size);
        ASSERT_TRUE(r.ok()) << size;
        EXPECT_TRUE(t.pool.pool(c).is_allocated(r.value)) << size;
        EXPECT_EQ(r.value % 8u, 0u);
    }
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Small).served_best_fit, 4u);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Medium).served_best_fit, 2u);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Large).served_best_fit, 3u);
    EXPECT_EQ(t.pool.allocate(65536).status, RtStatus::NoMemory)
        << "the only 64 KiB block is taken";
}

TEST(TieredPool, ZeroSizeIsInvalidSize) {
    Tiered<> t(small_config());
    EXPECT_EQ(t.pool.allocate(0).status, RtStatus::InvalidSize);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Small).failed, 1u);
}

TEST(TieredPool, RequestBeyondEveryClassIsInvalidSizeWithoutHugeAllocator) {
    Tiered<> t(small_config());
    EXPECT_EQ(t.pool.allocate(129).status, RtStatus::InvalidSize);
    EXPECT_EQ(t.pool.allocate(0xFFFFFFFFu).status, RtStatus::InvalidSize);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).failed, 1u);
}

TEST(TieredPool, HugeRequestsGoToTheHugeAllocatorAndComeBackOnFree) {
    FakeHuge huge;
    Tiered<> t(emsim::rt::default_tiered_pool_config(), &huge);
    const auto r = t.pool.allocate(65537);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value, HUGE_BASE);
    EXPECT_EQ(huge.last_align, 8u) << "huge path got the pool's default alignment";
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).served_huge, 1u);
    EXPECT_EQ(t.pool.free(r.value), RtStatus::Ok);
    EXPECT_EQ(t.pool.free(r.value), RtStatus::BadPointer)
        << "huge allocator's verdict passes through";
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).frees, 1u);
    huge.refuse = true;
    EXPECT_EQ(t.pool.allocate(100000).status, RtStatus::NoMemory);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).failed, 1u);
}

TEST(TieredPool, ExhaustedClassFallsBackOnlyWithinTheWasteRatio) {
    TieredPoolConfig c = small_config(1);
    c.max_fallback_ratio = 4;
    c.max_fallback_steps = 3;
    Tiered<> t(c);
    ASSERT_EQ(t.status, RtStatus::Ok);
    ASSERT_TRUE(t.pool.allocate(16).ok()); // the only 16 B block
    // 16 B request: 32 (2x) and 64 (4x) are allowed fallbacks, 128 (8x) is not.
    const auto a = t.pool.allocate(16);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(t.pool.pool(1).is_allocated(a.value));
    const auto b = t.pool.allocate(16);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(t.pool.pool(2).is_allocated(b.value));
    const auto d = t.pool.allocate(16);
    EXPECT_EQ(d.status, RtStatus::NoMemory) << "16 B request silently took a 128 B block";
    EXPECT_EQ(t.pool.pool(3).stats().used_blocks, 0u);
    const auto& s = t.pool.tier_stats(SizeTier::Small);
    EXPECT_EQ(s.served_best_fit, 1u);
    EXPECT_EQ(s.served_fallback, 2u);
    EXPECT_EQ(s.waste_limited, 1u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_EQ(s.requested_bytes, 48u);
    EXPECT_EQ(s.granted_bytes, 16u + 32u + 64u);
    // A 40 B request may still take the 128 B block (3.2x).
    EXPECT_TRUE(t.pool.allocate(40).ok());
}

TEST(TieredPool, FallbackStopsAfterMaxFallbackSteps) {
    TieredPoolConfig c = small_config(1);
    c.max_fallback_ratio = 100;
    c.max_fallback_steps = 1;
    Tiered<> t(c);
    ASSERT_TRUE(t.pool.allocate(16).ok());
    ASSERT_TRUE(t.pool.allocate(16).ok()); // -> 32
    EXPECT_EQ(t.pool.allocate(16).status, RtStatus::NoMemory) << "went two classes up";
    c.max_fallback_steps = 0;
    Tiered<> strict(c);
    ASSERT_TRUE(strict.pool.allocate(16).ok());
    EXPECT_EQ(strict.pool.allocate(16).status, RtStatus::NoMemory);
}

TEST(TieredPool, RefusedRequestGoesHugeOnlyWhenConfigured) {
    FakeHuge huge;
    TieredPoolConfig c = small_config(1);
    c.max_fallback_steps = 0;
    Tiered<> off(c, &huge);
    ASSERT_TRUE(off.pool.allocate(16).ok());
    EXPECT_EQ(off.pool.allocate(16).status, RtStatus::NoMemory);
    EXPECT_EQ(huge.allocations, 0u);
    c.huge_on_exhaustion = true;
    Tiered<> on(c, &huge);
    ASSERT_TRUE(on.pool.allocate(16).ok());
    const auto r = on.pool.allocate(16);
    ASSERT_TRUE(r.ok());
    EXPECT_GE(r.value, HUGE_BASE);
    EXPECT_EQ(on.pool.tier_stats(SizeTier::Small).served_huge, 1u);
    EXPECT_EQ(on.pool.free(r.value), RtStatus::Ok);
}

TEST(TieredPool, OveralignedRequestsNeedTheHugePath) {
    FakeHuge huge;
    Tiered<> without(small_config());
    EXPECT_EQ(without.pool.allocate(16, 64).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(without.pool.allocate(16, 3).status, RtStatus::InvalidAlignment);
    EXPECT_TRUE(without.pool.allocate(16, 8).ok());
    Tiered<> with(small_config(), &huge);
    const auto r = with.pool.allocate(16, 64);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value % 64u, 0u);
    EXPECT_EQ(huge.last_align, 64u);
}

TEST(TieredPool, FreeFindsTheOwningPoolAndRejectsForeignAndDoubleFrees) {
    Tiered<> t(emsim::rt::default_tiered_pool_config());
    std::vector<Address> got;
    for (uint32_t size : {8u, 30u, 60u, 100u, 200u, 500u, 1000u, 3000u, 10000u, 60000u})
        got.push_back(t.pool.allocate(size).value);
    for (uint32_t c = 0; c < 10; ++c)
        EXPECT_EQ(t.pool.pool(c).stats().used_blocks, 1u) << c;
    EXPECT_EQ(t.pool.free(got[3] + 8), RtStatus::BadPointer);
    EXPECT_EQ(t.pool.free(TARGET_BASE), RtStatus::BadPointer) << "control area is not a block";
    EXPECT_EQ(t.pool.free(0x10000000u), RtStatus::BadPointer);
    for (Address a : got)
        EXPECT_EQ(t.pool.free(a), RtStatus::Ok);
    EXPECT_EQ(t.pool.free(got[5]), RtStatus::DoubleFree);
    EXPECT_EQ(t.pool.check_integrity(), RtStatus::Ok);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Small).frees, 3u);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Medium).frees, 4u);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Large).frees, 3u);
}

TEST(TieredPool, InitRejectsBadTablesAndSmallRegions) {
    TargetArena arena(1 << 20);
    DirectMemory mem = arena.mem();
    TieredPool<DirectMemory> pool;
    TieredPoolConfig c = small_config();
    std::swap(c.classes[1], c.classes[2]);
    EXPECT_EQ(pool.init(mem, TARGET_BASE, 1 << 20, c), RtStatus::InvalidSize) << "unsorted";
    c = small_config();
    c.classes[1] = {12, 2}; // rounds to 16 == class 0
    EXPECT_EQ(pool.init(mem, TARGET_BASE, 1 << 20, c), RtStatus::InvalidSize) << "duplicate";
    c = small_config();
    c.class_count = 0;
    EXPECT_EQ(pool.init(mem, TARGET_BASE, 1 << 20, c), RtStatus::InvalidSize);
    c = small_config();
    c.classes[2].block_count = 0;
    EXPECT_EQ(pool.init(mem, TARGET_BASE, 1 << 20, c), RtStatus::InvalidSize);
    c = small_config();
    c.align_bytes = 6;
    EXPECT_EQ(pool.init(mem, TARGET_BASE, 1 << 20, c), RtStatus::InvalidAlignment);
    c = small_config();
    const uint32_t need = TieredPool<DirectMemory>::required_bytes(c).value;
    EXPECT_EQ(pool.init(mem, TARGET_BASE, need - 1, c), RtStatus::InvalidRegion);
    EXPECT_EQ(pool.allocate(16).status, RtStatus::Unsupported);
    EXPECT_EQ(pool.init(mem, TARGET_BASE, need, c), RtStatus::Ok);
}

TEST(TieredPool, SealedGuardRefusesBeforeAnyClassIsTried) {
    HeapGuard guard;
    Tiered<> t(small_config(), nullptr, &guard);
    ASSERT_TRUE(t.pool.allocate(20).ok());
    guard.set_time(1234);
    guard.seal();
    EXPECT_EQ(t.pool.allocate(20).status, RtStatus::Sealed);
    EXPECT_EQ(t.pool.pool(1).stats().used_blocks, 1u);
    EXPECT_EQ(t.pool.pool(1).stats().failed_allocations, 0u) << "a pool was asked after seal";
    ASSERT_EQ(guard.violation_count(), 1u);
    EXPECT_STREQ(guard.violation(0)->owner.name, "tiered");
    EXPECT_EQ(guard.violation(0)->size_bytes, 20u);
    EXPECT_EQ(guard.violation(0)->when, 1234u);
}

TEST(TieredPool, AllocationAccessesAreBoundedByTheFallbackLimit) {
    TieredPoolConfig c = small_config(1);
    c.max_fallback_steps = 3;
    c.max_fallback_ratio = 1000;
    TargetArena arena(TieredPool<CountingMemory<DirectMemory>>::required_bytes(c).value);
    DirectMemory direct = arena.mem();
    CountingMemory<DirectMemory> mem(direct);
    TieredPool<CountingMemory<DirectMemory>> pool;
    ASSERT_EQ(pool.init(mem, TARGET_BASE, arena.storage.size() - 64, c), RtStatus::Ok);
    uint32_t worst = 0;
    for (int i = 0; i < 5; ++i) {
        mem.reset();
        (void)pool.allocate(16);
        worst = std::max(worst, mem.counts().total());
    }
    // Best case 5; each exhausted class tried before costs one load (its head).
    EXPECT_EQ(worst, 5u + 3u) << "worst alloc = hit + 3 exhausted heads";
}

TEST(TieredPool, StepsCountTheClassScanAndEveryPoolAttempt) {
    TieredPoolConfig c = small_config(1);
    c.max_fallback_ratio = 1000;
    c.max_fallback_steps = 3;
    Tiered<> t(c);
    ASSERT_TRUE(t.pool.allocate(16).ok());
    EXPECT_EQ(t.pool.last_op_steps(), 1u + 1u) << "scan 1 class, 1 attempt";
    ASSERT_TRUE(t.pool.allocate(16).ok());
    EXPECT_EQ(t.pool.last_op_steps(), 1u + 2u) << "scan 1 class, 2 attempts";
    ASSERT_TRUE(t.pool.allocate(100).ok());
    EXPECT_EQ(t.pool.last_op_steps(), 4u + 1u) << "scan 4 classes, 1 attempt";
    const Address last = t.pool.pool(3).blocks_base();
    ASSERT_EQ(t.pool.free(last), RtStatus::Ok);
    EXPECT_EQ(t.pool.last_op_steps(), 4u) << "4 ranges compared";
}

// Randomized: sizes across all tiers (and huge), live-block map with fill patterns, checked
// before free; check_integrity() after every operation.
template <class Huge> void run_random(uint32_t seed, uint32_t ops, Huge& huge, const char* name) {
    std::printf("[ seed ] TieredPool random seed=%u ops=%u huge=%s\n", seed, ops, name);
    std::mt19937 rng(seed);
    TieredPoolConfig c = emsim::rt::default_tiered_pool_config();
    c.huge_on_exhaustion = seed % 2 == 0;
    Tiered<Huge> t(c, &huge);
    ASSERT_EQ(t.status, RtStatus::Ok);
    struct Live {
        uint32_t size;
        uint8_t fill;
    };
    std::map<Address, Live> live;
    uint32_t served = 0, refused = 0;
    for (uint32_t op = 0; op < ops; ++op) {
        const uint32_t alloc_pct = (op / 500) % 2 ? 35 : 60;
        const bool do_alloc = live.empty() || rng() % 100 < alloc_pct;
        if (do_alloc) {
            const uint32_t pick = rng() % 100;
            uint32_t size = pick < 60   ? 1 + rng() % 64
                            : pick < 90 ? 65 + rng() % 960
                            : pick < 99 ? 1025 + rng() % 64512
                                        : 65537 + rng() % 4096;
            const auto r = t.pool.allocate(size);
            if (!r.ok()) {
                ASSERT_EQ(r.status, RtStatus::NoMemory) << "op " << op;
                ++refused;
            } else {
                ++served;
                ASSERT_EQ(live.count(r.value), 0u) << "op " << op;
                const bool in_huge = r.value >= HUGE_BASE;
                if (!in_huge) {
                    // The block must hold the request and not waste beyond the ratio on fallback.
                    bool owned = false;
                    for (uint32_t k = 0; k < t.pool.class_count(); ++k) {
                        const auto& p = t.pool.pool(k);
                        if (!p.contains(r.value))
                            continue;
                        owned = true;
                        ASSERT_GE(p.block_bytes(), size);
                        if (k != t.pool.best_fit(size)) {
                            ASSERT_LE(p.block_bytes(), c.max_fallback_ratio * size) << "op " << op;
                        }
                    }
                    ASSERT_TRUE(owned);
                    const auto fill = static_cast<uint8_t>(rng());
                    memset(t.arena.at(r.value), fill, size);
                    live[r.value] = {size, fill};
                } else {
                    live[r.value] = {0, 0};
                }
            }
        } else {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % live.size()));
            for (uint32_t i = 0; i < it->second.size; ++i)
                ASSERT_EQ(t.arena.at(it->first)[i], it->second.fill) << "op " << op;
            const Address freed = it->first;
            ASSERT_EQ(t.pool.free(freed), RtStatus::Ok) << "op " << op;
            live.erase(it);
            if (rng() % 50 == 0) {
                const RtStatus again = t.pool.free(freed);
                if (freed >= HUGE_BASE) {
                    ASSERT_NE(again, RtStatus::Ok) << "huge double free accepted, op " << op;
                } else {
                    ASSERT_EQ(again, RtStatus::DoubleFree) << "op " << op;
                }
                ASSERT_EQ(t.pool.free(freed + 4), RtStatus::BadPointer);
            }
        }
        ASSERT_EQ(t.pool.check_integrity(), RtStatus::Ok) << "op " << op;
    }
    std::printf("[ seed ]   %u served, %u refused (NoMemory)\n", served, refused);
}

TEST(TieredPool, RandomOperationsAgreeWithAReferenceModel) {
    // 6 seeds x 30,000 ops = 180,000 tiered-pool operations.
    for (uint32_t seed = 101; seed <= 106; ++seed) {
        // Huge path = the real TLSF heap on its own 1 MiB arena at HUGE_BASE.
        TargetArena tlsf_arena(1u << 20, HUGE_BASE);
        DirectMemory tlsf_mem = tlsf_arena.mem();
        emsim::rt::TlsfHeap<DirectMemory> huge(tlsf_mem);
        ASSERT_EQ(huge.add_region(HUGE_BASE, 1u << 20), RtStatus::Ok);
        run_random(seed, 30000, huge, "TlsfHeap");
        if (HasFatalFailure())
            return;
        EXPECT_EQ(huge.check_integrity(), RtStatus::Ok);
    }
}

TEST(TieredPool, HugeRequestsAreServedByTheTlsfHeap) {
    TargetArena tlsf_arena(256u << 10, HUGE_BASE);
    DirectMemory tlsf_mem = tlsf_arena.mem();
    emsim::rt::TlsfHeap<DirectMemory> tlsf(tlsf_mem);
    ASSERT_EQ(tlsf.add_region(HUGE_BASE, 256u << 10), RtStatus::Ok);
    TieredPoolConfig c = small_config(1);
    c.huge_on_exhaustion = true;
    c.max_fallback_steps = 0;
    Tiered<emsim::rt::TlsfHeap<DirectMemory>> t(c, &tlsf);
    ASSERT_EQ(t.status, RtStatus::Ok);
    const auto big = t.pool.allocate(100000);
    ASSERT_TRUE(big.ok());
    EXPECT_GE(big.value, HUGE_BASE);
    const auto aligned = t.pool.allocate(100, 256);
    ASSERT_TRUE(aligned.ok());
    EXPECT_EQ(aligned.value % 256u, 0u);
    ASSERT_TRUE(t.pool.allocate(16).ok());
    const auto overflow = t.pool.allocate(16); // class full, no fallback allowed -> TLSF
    ASSERT_TRUE(overflow.ok());
    EXPECT_GE(overflow.value, HUGE_BASE);
    EXPECT_EQ(t.pool.free(big.value), RtStatus::Ok);
    EXPECT_EQ(t.pool.free(big.value), RtStatus::DoubleFree);
    EXPECT_EQ(t.pool.free(aligned.value), RtStatus::Ok);
    EXPECT_EQ(t.pool.free(overflow.value), RtStatus::Ok);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).served_huge, 1u);
    EXPECT_EQ(t.pool.tier_stats(SizeTier::Huge).frees, 3u) << "huge-path frees count as huge";
    EXPECT_EQ(tlsf.check_integrity(), RtStatus::Ok);
}

} // namespace
