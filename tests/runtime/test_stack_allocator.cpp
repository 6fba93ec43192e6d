// StackAllocator: LIFO allocation, markers, scoped release, out-of-order and stale markers.
#include "runtime/stack_allocator.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "tests/runtime/target_arena.h"

namespace {

using emsim::rt::Address;
using emsim::rt::CountingMemory;
using emsim::rt::DirectMemory;
using emsim::rt::HeapGuard;
using emsim::rt::HeapOwner;
using emsim::rt::RtStatus;
using emsim::rt::StackAllocator;
using emsim::rt::StackMarker;
using emsim::rt::StackScope;
using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

struct Fixture : emsim::test::ArenaFixture {
    explicit Fixture(uint32_t size_bytes, HeapGuard* guard = nullptr) : ArenaFixture(size_bytes) {
        status = stack.init(mem, TARGET_BASE, size_bytes, guard, HeapOwner{"scratch", 2});
    }
    StackAllocator<DirectMemory> stack;
    RtStatus status;
};

constexpr uint32_t HDR = StackAllocator<DirectMemory>::HEADER_BYTES;

TEST(StackAllocator, InitRejectsRegionsThatCannotHoldTheHeader) {
    TargetArena arena(64);
    DirectMemory mem = arena.mem();
    StackAllocator<DirectMemory> s;
    EXPECT_EQ(s.init(mem, TARGET_BASE, HDR - 1), RtStatus::InvalidRegion);
    EXPECT_EQ(s.init(mem, TARGET_BASE + 1, 32), RtStatus::InvalidRegion);
    EXPECT_EQ(s.mark().status, RtStatus::Unsupported);
    EXPECT_EQ(s.init(mem, TARGET_BASE, HDR), RtStatus::Ok);
    EXPECT_EQ(s.mark().status, RtStatus::NoMemory);
    EXPECT_EQ(s.allocate(1, 1).status, RtStatus::NoMemory);
}

TEST(StackAllocator, ReleaseReturnsEverythingAllocatedAfterTheMarker) {
    Fixture f(256);
    ASSERT_EQ(f.status, RtStatus::Ok);
    const auto a = f.stack.allocate(10);
    EXPECT_EQ(a.value, TARGET_BASE + HDR);
    const uint32_t before = f.stack.used_bytes();
    const auto m = f.stack.mark();
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(f.stack.allocate(40).ok());
    ASSERT_TRUE(f.stack.allocate(7, 32).ok());
    EXPECT_EQ(f.stack.release(m.value), RtStatus::Ok);
    EXPECT_EQ(f.stack.used_bytes(), (before + 3u) & ~3u) << "top is back at the frame";
    EXPECT_EQ(f.stack.stats().live_markers, 0u);
    const auto again = f.stack.allocate(40);
    EXPECT_LE(again.value, TARGET_BASE + 32) << "released space is reused";
    EXPECT_EQ(f.stack.check_integrity(), RtStatus::Ok);
}

TEST(StackAllocator, OutOfOrderReleaseIsRefusedAndNothingChanges) {
    Fixture f(256);
    const auto outer = f.stack.mark().value;
    ASSERT_TRUE(f.stack.allocate(16).ok());
    const auto inner = f.stack.mark().value;
    ASSERT_TRUE(f.stack.allocate(16).ok());
    const auto image = f.arena.snapshot(256);
    EXPECT_EQ(f.stack.release(outer), RtStatus::OutOfOrder);
    EXPECT_EQ(f.arena.snapshot(256), image) << "refused release changed the stack";
    EXPECT_EQ(f.stack.stats().live_markers, 2u);
    EXPECT_EQ(f.stack.stats().rejected_releases, 1u);
    EXPECT_EQ(f.stack.release(inner), RtStatus::Ok);
    EXPECT_EQ(f.stack.release(outer), RtStatus::Ok);
    EXPECT_EQ(f.stack.used_bytes(), HDR);
}

TEST(StackAllocator, StaleMarkerIsBadPointerEvenWhenItsFrameWasReused) {
    Fixture f(256);
    const auto first = f.stack.mark().value;
    ASSERT_EQ(f.stack.release(first), RtStatus::Ok);
    EXPECT_EQ(f.stack.release(first), RtStatus::BadPointer) << "released twice";
    const auto second = f.stack.mark().value;
    ASSERT_EQ(second.frame, first.frame) << "test premise: same frame address";
    EXPECT_EQ(f.stack.release(first), RtStatus::BadPointer) << "stale marker released the new one";
    EXPECT_EQ(f.stack.stats().live_markers, 1u);
    EXPECT_EQ(f.stack.release(second), RtStatus::Ok);
}

TEST(StackAllocator, ForgedMarkersAreBadPointer) {
    Fixture f(256);
    const auto m = f.stack.mark().value;
    EXPECT_EQ(f.stack.release(StackMarker{}), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.release(StackMarker{m.frame + 1, m.serial}), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.release(StackMarker{m.frame + 4, m.serial}), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.release(StackMarker{m.frame, m.serial + 1}), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.release(StackMarker{TARGET_BASE + 1000, 1}), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.release(m), RtStatus::Ok);
}

TEST(StackAllocator, ScopesReleaseInLifoOrderAutomatically) {
    Fixture f(512);
    {
        StackScope<DirectMemory> outer(f.stack);
        ASSERT_EQ(outer.status(), RtStatus::Ok);
        ASSERT_TRUE(f.stack.allocate(100).ok());
        {
            StackScope<DirectMemory> inner(f.stack);
            ASSERT_TRUE(f.stack.allocate(200).ok());
            EXPECT_EQ(f.stack.stats().live_markers, 2u);
        }
        EXPECT_EQ(f.stack.stats().live_markers, 1u);
        EXPECT_LT(f.stack.used_bytes(), 200u);
    }
    EXPECT_EQ(f.stack.used_bytes(), HDR);
    EXPECT_EQ(f.stack.stats().peak_bytes, HDR + 8u + 100u + 8u + 200u);
}

TEST(StackAllocator, ScopeReleasedEarlyDoesNotReleaseTwice) {
    Fixture f(128);
    StackScope<DirectMemory> scope(f.stack);
    EXPECT_EQ(scope.release(), RtStatus::Ok);
    EXPECT_EQ(scope.release(), RtStatus::BadPointer);
    EXPECT_EQ(f.stack.stats().live_markers, 0u);
}

TEST(StackAllocator, ScopeThatCouldNotMarkReleasesNothing) {
    Fixture f(HDR + 4);
    ASSERT_TRUE(f.stack.allocate(4).ok());
    {
        StackScope<DirectMemory> scope(f.stack);
        EXPECT_EQ(scope.status(), RtStatus::NoMemory);
    }
    EXPECT_EQ(f.stack.used_bytes(), HDR + 4u);
}

TEST(StackAllocator, AllocationEdgeCasesAreRefusedWithoutMovingTop) {
    Fixture f(64);
    EXPECT_EQ(f.stack.allocate(0).status, RtStatus::InvalidSize);
    EXPECT_EQ(f.stack.allocate(4, 6).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(f.stack.allocate(0xFFFFFFFFu).status, RtStatus::NoMemory);
    EXPECT_EQ(f.stack.allocate(64 - HDR + 1).status, RtStatus::NoMemory);
    EXPECT_EQ(f.stack.used_bytes(), HDR);
    EXPECT_TRUE(f.stack.allocate(64 - HDR).ok());
    EXPECT_EQ(f.stack.remaining_bytes(), 0u);
}

TEST(StackAllocator, OperationCostsAreConstant) {
    TargetArena arena(4096);
    DirectMemory direct = arena.mem();
    CountingMemory<DirectMemory> mem(direct);
    StackAllocator<CountingMemory<DirectMemory>> s;
    ASSERT_EQ(s.init(mem, TARGET_BASE, 4096), RtStatus::Ok);
    for (int depth = 0; depth < 20; ++depth) {
        mem.reset();
        ASSERT_TRUE(s.allocate(24).ok());
        EXPECT_EQ(mem.counts().total(), 2u);
        mem.reset();
        ASSERT_TRUE(s.mark().ok());
        EXPECT_EQ(mem.counts().total(), 8u);
    }
    for (int depth = 0; depth < 20; ++depth) {
        mem.reset();
        StackMarker m;
        // The most recent marker is the "last" word; read it the way a caller would have kept it.
        m.frame = direct.load32(TARGET_BASE + 4);
        m.serial = direct.load32(m.frame + 4);
        ASSERT_EQ(s.release(m), RtStatus::Ok);
        EXPECT_EQ(mem.counts().total(), 5u);
    }
}

TEST(StackAllocator, SealedGuardRefusesAllocationsButNotMarksOrReleases) {
    HeapGuard guard;
    Fixture f(128, &guard);
    const auto m = f.stack.mark().value;
    guard.seal();
    EXPECT_EQ(f.stack.allocate(8).status, RtStatus::Sealed);
    EXPECT_EQ(f.stack.release(m), RtStatus::Ok);
    EXPECT_EQ(guard.violation_count(), 1u);
    EXPECT_STREQ(guard.violation(0)->owner.name, "scratch");
}

// Randomized nesting against a reference stack of (marker, top) pairs, with out-of-order and
// stale releases that must be refused; check_integrity() after every operation.
TEST(StackAllocator, RandomNestingAgreesWithAReferenceModel) {
    for (uint32_t seed = 201; seed <= 203; ++seed) {
        std::printf("[ seed ] StackAllocator random seed=%u ops=20000\n", seed);
        std::mt19937 rng(seed);
        Fixture f(4096);
        struct Open {
            StackMarker marker;
            uint32_t used_before;
        };
        std::vector<Open> open;
        std::vector<StackMarker> released;
        for (uint32_t op = 0; op < 20000; ++op) {
            const uint32_t dice = rng() % 100;
            if (dice < 45) {
                const uint32_t size = 1 + rng() % 200;
                const uint32_t align = 1u << (rng() % 6);
                const uint32_t used = f.stack.used_bytes();
                const auto r = f.stack.allocate(size, align);
                const uint64_t at =
                    ((uint64_t{TARGET_BASE} + used + align - 1) & ~uint64_t{align - 1});
                if (at + size > TARGET_BASE + 4096u) {
                    ASSERT_EQ(r.status, RtStatus::NoMemory) << op;
                } else {
                    ASSERT_TRUE(r.ok()) << op;
                    ASSERT_EQ(r.value, at) << op;
                }
            } else if (dice < 65) {
                const uint32_t used = f.stack.used_bytes();
                const auto m = f.stack.mark();
                if (m.ok())
                    open.push_back({m.value, used});
            } else if (dice < 92) {
                if (open.empty())
                    continue;
                ASSERT_EQ(f.stack.release(open.back().marker), RtStatus::Ok) << op;
                ASSERT_EQ(f.stack.used_bytes(), (open.back().used_before + 3u) & ~3u) << op;
                released.push_back(open.back().marker);
                open.pop_back();
            } else if (dice < 96) {
                if (open.size() < 2)
                    continue;
                const auto& older = open[rng() % (open.size() - 1)];
                ASSERT_EQ(f.stack.release(older.marker), RtStatus::OutOfOrder) << op;
            } else {
                if (released.empty())
                    continue;
                ASSERT_EQ(f.stack.release(released[rng() % released.size()]), RtStatus::BadPointer)
                    << op;
            }
            ASSERT_EQ(f.stack.check_integrity(), RtStatus::Ok) << op;
            ASSERT_EQ(f.stack.stats().live_markers, open.size()) << op;
        }
    }
}

} // namespace
