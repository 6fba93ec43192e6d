// StaticAllocator: bump allocation, alignment, typed in-place construction, never-free budget.
#include "runtime/static_allocator.h"

#include <gtest/gtest.h>

#include "tests/runtime/target_arena.h"

namespace {

using emsim::rt::Address;
using emsim::rt::CountingMemory;
using emsim::rt::DirectMemory;
using emsim::rt::HeapGuard;
using emsim::rt::HeapOwner;
using emsim::rt::RtStatus;
using emsim::rt::StaticAllocator;
using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

struct Fixture : emsim::test::ArenaFixture {
    explicit Fixture(uint32_t size_bytes, HeapGuard* guard = nullptr) : ArenaFixture(size_bytes) {
        status = alloc.init(mem, TARGET_BASE, size_bytes, guard, HeapOwner{"static", 1});
    }
    StaticAllocator<DirectMemory> alloc;
    RtStatus status;
};

TEST(StaticAllocator, InitRejectsMisalignedTinyAndWrappingRegions) {
    TargetArena arena(64);
    DirectMemory mem = arena.mem();
    StaticAllocator<DirectMemory> a;
    EXPECT_EQ(a.init(mem, TARGET_BASE + 2, 60), RtStatus::InvalidRegion);
    EXPECT_EQ(a.init(mem, TARGET_BASE, 3), RtStatus::InvalidRegion);
    EXPECT_EQ(a.init(mem, 0xFFFFFFF0u, 32), RtStatus::InvalidRegion);
    EXPECT_EQ(a.allocate(4).status, RtStatus::Unsupported);
    EXPECT_EQ(a.remaining_bytes(), 0u);
    EXPECT_EQ(a.init(mem, TARGET_BASE, 4), RtStatus::Ok);
    EXPECT_EQ(a.remaining_bytes(), 0u) << "a header-only region has no room";
}

TEST(StaticAllocator, AllocationsBumpUpwardWithAlignmentPadding) {
    Fixture f(256);
    ASSERT_EQ(f.status, RtStatus::Ok);
    EXPECT_EQ(f.alloc.remaining_bytes(), 252u);
    const auto a = f.alloc.allocate(3, 1);
    EXPECT_EQ(a.value, TARGET_BASE + 4);
    const auto b = f.alloc.allocate(8, 8);
    EXPECT_EQ(b.value, TARGET_BASE + 8);
    const auto c = f.alloc.allocate(1, 64);
    EXPECT_EQ(c.value, TARGET_BASE + 64);
    EXPECT_EQ(f.alloc.used_bytes(), 65u);
    EXPECT_EQ(f.alloc.remaining_bytes(), 256u - 65u);
    EXPECT_EQ(f.alloc.stats().allocations, 3u);
    EXPECT_EQ(f.alloc.stats().padding_bytes, 1u + 48u);
}

TEST(StaticAllocator, ZeroSizeAndBadAlignmentAreRefusedWithoutMovingTheCursor) {
    Fixture f(64);
    EXPECT_EQ(f.alloc.allocate(0).status, RtStatus::InvalidSize);
    EXPECT_EQ(f.alloc.allocate(4, 0).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(f.alloc.allocate(4, 12).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(f.alloc.used_bytes(), 4u);
    EXPECT_EQ(f.alloc.stats().failed_allocations, 3u);
}

TEST(StaticAllocator, ExhaustionIsNoMemoryAndTheRestStaysUsable) {
    Fixture f(64);
    EXPECT_EQ(f.alloc.allocate(61).status, RtStatus::NoMemory);
    EXPECT_EQ(f.alloc.allocate(0xFFFFFFFFu).status, RtStatus::NoMemory);
    EXPECT_EQ(f.alloc.allocate(60, 0x80000000u).status, RtStatus::NoMemory);
    const auto all = f.alloc.allocate(60);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all.value, TARGET_BASE + 4);
    EXPECT_EQ(f.alloc.remaining_bytes(), 0u);
    EXPECT_EQ(f.alloc.allocate(1, 1).status, RtStatus::NoMemory);
    EXPECT_EQ(f.alloc.check_integrity(), RtStatus::Ok);
}

TEST(StaticAllocator, AllocationCostsOneLoadAndOneStore) {
    TargetArena arena(1024);
    DirectMemory direct = arena.mem();
    CountingMemory<DirectMemory> mem(direct);
    StaticAllocator<CountingMemory<DirectMemory>> a;
    ASSERT_EQ(a.init(mem, TARGET_BASE, 1024), RtStatus::Ok);
    for (int i = 0; i < 10; ++i) {
        mem.reset();
        ASSERT_TRUE(a.allocate(17, 16).ok());
        EXPECT_EQ(mem.counts().loads, 1u);
        EXPECT_EQ(mem.counts().stores, 1u);
    }
}

struct Sensor {
    Sensor(int id_, double gain_) : id(id_), gain(gain_) {}
    int id;
    double gain;
    alignas(16) uint8_t fifo[48] = {};
};

TEST(StaticAllocator, ConstructBuildsTypedObjectsInPlaceAtTheirAlignment) {
    Fixture f(512);
    Sensor* s = f.alloc.construct<Sensor>(7, 1.5);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->id, 7);
    EXPECT_EQ(s->gain, 1.5);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s) % alignof(Sensor), 0u);
    EXPECT_EQ(reinterpret_cast<uint8_t*>(s), f.arena.base + 16) << "placed after the header";
    uint32_t* word = f.alloc.construct<uint32_t>(0xC0FFEEu);
    ASSERT_NE(word, nullptr);
    EXPECT_EQ(*word, 0xC0FFEEu);
    EXPECT_EQ(reinterpret_cast<uint8_t*>(word), f.arena.base + 16 + sizeof(Sensor));
    while (f.alloc.construct<Sensor>(1, 2.0) != nullptr) {
    }
    EXPECT_EQ(f.alloc.last_status(), RtStatus::NoMemory);
    EXPECT_EQ(s->id, 7) << "a later failure touched an earlier object";
}

TEST(StaticAllocator, SealedGuardRefusesAndRecordsLateStaticAllocations) {
    HeapGuard guard;
    Fixture f(128, &guard);
    ASSERT_TRUE(f.alloc.allocate(16).ok()); // init phase: fine
    guard.seal();
    guard.set_time(99);
    EXPECT_EQ(f.alloc.allocate(16).status, RtStatus::Sealed);
    EXPECT_EQ(f.alloc.construct<uint32_t>(1u), nullptr);
    EXPECT_EQ(f.alloc.last_status(), RtStatus::Sealed);
    EXPECT_EQ(f.alloc.used_bytes(), 20u);
    const auto report = guard.check_no_heap_violation();
    EXPECT_EQ(report.status, RtStatus::Sealed);
    EXPECT_EQ(report.value.count, 2u);
    EXPECT_EQ(guard.violation(1)->size_bytes, 4u);
    EXPECT_EQ(guard.violation(1)->when, 99u);
}

TEST(StaticAllocator, CorruptCursorIsFoundByTheIntegrityCheck) {
    Fixture f(64);
    EXPECT_TRUE(f.alloc.invariants_hold());
    const uint32_t bad = 1000;
    memcpy(f.arena.base, &bad, 4);
    EXPECT_FALSE(f.alloc.invariants_hold());
    EXPECT_EQ(f.alloc.check_integrity(), RtStatus::Corrupt);
}

} // namespace
