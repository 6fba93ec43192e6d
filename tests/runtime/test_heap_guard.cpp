// HeapGuard: the zero-dynamic-allocation policy, its violation log and the Guarded<> wrapper.
#include "runtime/heap_guard.h"

#include <gtest/gtest.h>

#include "runtime/fixed_pool.h"
#include "runtime/tlsf_heap.h"
#include "tests/runtime/target_arena.h"

namespace {

using emsim::rt::Address;
using emsim::rt::DirectMemory;
using emsim::rt::Guarded;
using emsim::rt::HeapGuard;
using emsim::rt::HeapOwner;
using emsim::rt::Result;
using emsim::rt::RtStatus;
using emsim::test::TARGET_BASE;
using emsim::test::TargetArena;

TEST(HeapGuard, AdmitsEverythingBeforeSealAndReportsNoViolation) {
    HeapGuard guard;
    EXPECT_FALSE(guard.sealed());
    for (uint32_t i = 0; i < 100; ++i)
        EXPECT_EQ(guard.admit(HeapOwner{"x", 1}, i), RtStatus::Ok);
    EXPECT_EQ(guard.admitted_count(), 100u);
    const auto report = guard.check_no_heap_violation();
    EXPECT_EQ(report.status, RtStatus::Ok);
    EXPECT_EQ(report.value.count, 0u);
    EXPECT_EQ(guard.violation(0), nullptr);
}

TEST(HeapGuard, RefusesAndRecordsWhoHowMuchAndWhenAfterSeal) {
    HeapGuard guard;
    guard.seal();
    guard.seal(); // idempotent
    guard.set_time(500);
    EXPECT_EQ(guard.admit(HeapOwner{"net", 4}, 128), RtStatus::Sealed);
    guard.set_time(501);
    EXPECT_EQ(guard.admit(HeapOwner{"log", 9}, 16), RtStatus::Sealed);
    const auto report = guard.check_no_heap_violation();
    EXPECT_EQ(report.status, RtStatus::Sealed);
    EXPECT_EQ(report.value.count, 2u);
    EXPECT_EQ(report.value.logged, 2u);
    EXPECT_EQ(report.value.overwritten, 0u);
    ASSERT_NE(guard.violation(0), nullptr);
    EXPECT_STREQ(guard.violation(0)->owner.name, "net");
    EXPECT_EQ(guard.violation(0)->owner.id, 4u);
    EXPECT_EQ(guard.violation(0)->size_bytes, 128u);
    EXPECT_EQ(guard.violation(0)->when, 500u);
    EXPECT_EQ(guard.violation(0)->sequence, 1u);
    EXPECT_EQ(guard.violation(1)->when, 501u);
    EXPECT_EQ(guard.violation(1)->sequence, 2u);
    EXPECT_EQ(guard.admitted_count(), 0u);
}

uint64_t fake_clock(void* context) {
    return ++*static_cast<uint64_t*>(context);
}

TEST(HeapGuard, ClockHookStampsViolations) {
    HeapGuard guard;
    uint64_t ticks = 41;
    guard.set_clock(&fake_clock, &ticks);
    guard.seal();
    (void)guard.admit(HeapOwner{}, 1);
    EXPECT_EQ(guard.violation(0)->when, 42u);
    EXPECT_EQ(guard.violation(0)->owner.name, nullptr);
}

TEST(HeapGuard, FullLogKeepsTheNewestAndCountsTheOverwritten) {
    HeapGuard guard;
    guard.seal();
    const uint32_t n = HeapGuard::LOG_CAPACITY + 5;
    for (uint32_t i = 0; i < n; ++i) {
        guard.set_time(i);
        (void)guard.admit(HeapOwner{"p", i}, i);
    }
    const auto report = guard.check_no_heap_violation();
    EXPECT_EQ(report.value.count, n);
    EXPECT_EQ(report.value.logged, HeapGuard::LOG_CAPACITY);
    EXPECT_EQ(report.value.overwritten, 5u);
    for (uint32_t i = 0; i < HeapGuard::LOG_CAPACITY; ++i) {
        ASSERT_NE(guard.violation(i), nullptr);
        EXPECT_EQ(guard.violation(i)->size_bytes, 5u + i) << "oldest first";
        EXPECT_EQ(guard.violation(i)->sequence, 6u + i);
    }
    EXPECT_EQ(guard.violation(HeapGuard::LOG_CAPACITY), nullptr);
}

/// A minimal allocator for Guarded<>: counts what reached it.
struct CountingAllocator {
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = 8) {
        ++allocations;
        last_align = align_bytes;
        return {RtStatus::Ok, 0x1000u + size_bytes};
    }
    Result<Address> reallocate(Address, uint32_t size_bytes) {
        ++reallocations;
        return {RtStatus::Ok, 0x2000u + size_bytes};
    }
    RtStatus free(Address) {
        ++frees;
        return RtStatus::Ok;
    }
    uint32_t allocations = 0, reallocations = 0, frees = 0, last_align = 0;
};

TEST(HeapGuard, GuardedWrapperStopsAllocationsAtTheSealButLetsFreesThrough) {
    HeapGuard guard;
    CountingAllocator inner;
    Guarded<CountingAllocator> heap(inner, &guard, HeapOwner{"heap", 5});
    EXPECT_TRUE(heap.allocate(10).ok());
    EXPECT_TRUE(heap.allocate(10, 64u).ok());
    EXPECT_EQ(inner.last_align, 64u) << "extra arguments are forwarded";
    EXPECT_TRUE(heap.reallocate(0x1000, 20).ok());
    guard.seal();
    EXPECT_EQ(heap.allocate(10).status, RtStatus::Sealed);
    EXPECT_EQ(heap.reallocate(0x1000, 40).status, RtStatus::Sealed);
    EXPECT_EQ(heap.free(0x1000), RtStatus::Ok);
    EXPECT_EQ(inner.allocations, 2u);
    EXPECT_EQ(inner.reallocations, 1u);
    EXPECT_EQ(inner.frees, 1u);
    EXPECT_EQ(guard.violation_count(), 2u);
    EXPECT_EQ(guard.violation(1)->size_bytes, 40u);
}

TEST(HeapGuard, UnguardedWrapperIsATransparentForwarder) {
    CountingAllocator inner;
    Guarded<CountingAllocator> heap(inner, nullptr, HeapOwner{});
    EXPECT_TRUE(heap.allocate(1).ok());
    EXPECT_EQ(inner.allocations, 1u);
}

TEST(HeapGuard, OneGuardPolicesSeveralAllocatorsAndNamesEach) {
    TargetArena arena(4096, TARGET_BASE, 0);
    DirectMemory mem = arena.mem();
    HeapGuard guard;
    emsim::rt::FixedPool<DirectMemory> a, b;
    ASSERT_EQ(a.init(mem, 0x20000100u, 0x20000000u, {16, 8, 4}, &guard, HeapOwner{"a", 1}),
              RtStatus::Ok);
    ASSERT_EQ(b.init(mem, 0x20000400u, 0x20000080u, {64, 4, 4}, &guard, HeapOwner{"b", 2}),
              RtStatus::Ok);
    ASSERT_TRUE(a.allocate().ok());
    ASSERT_TRUE(b.allocate().ok());
    guard.seal();
    EXPECT_EQ(b.allocate().status, RtStatus::Sealed);
    EXPECT_EQ(a.allocate().status, RtStatus::Sealed);
    EXPECT_EQ(guard.admitted_count(), 2u);
    ASSERT_EQ(guard.violation_count(), 2u);
    EXPECT_STREQ(guard.violation(0)->owner.name, "b");
    EXPECT_EQ(guard.violation(0)->size_bytes, 64u);
    EXPECT_STREQ(guard.violation(1)->owner.name, "a");
}

TEST(HeapGuard, GuardedTlsfHeapRefusesAfterSeal) {
    TargetArena arena(64 * 1024, TARGET_BASE, 0);
    DirectMemory mem = arena.mem();
    emsim::rt::TlsfHeap<DirectMemory> tlsf(mem);
    ASSERT_EQ(tlsf.add_region(0x20000000u, 64 * 1024), RtStatus::Ok);
    HeapGuard guard;
    Guarded<emsim::rt::TlsfHeap<DirectMemory>> heap(tlsf, &guard, HeapOwner{"tlsf", 10});
    const auto a = heap.allocate(100, 8u);
    ASSERT_TRUE(a.ok());
    guard.seal();
    EXPECT_EQ(heap.allocate(100, 8u).status, RtStatus::Sealed);
    EXPECT_EQ(heap.reallocate(a.value, 200).status, RtStatus::Sealed);
    EXPECT_EQ(heap.allocate_deterministic(100, 1000u).status, RtStatus::Sealed);
    EXPECT_EQ(heap.free(a.value), RtStatus::Ok);
    EXPECT_EQ(tlsf.check_integrity(), RtStatus::Ok);
    EXPECT_EQ(guard.check_no_heap_violation().value.count, 3u);
}

} // namespace
