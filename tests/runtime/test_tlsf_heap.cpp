// Unit tests of TlsfHeap: layouts, edge cases, error paths, bounds. The randomized model check and
// the bound-versus-observation sweep are in test_tlsf_random.cpp.
#include "runtime/tlsf_heap.h"

#include <stdint.h>
#include <string.h>

#include <ostream>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/memory_access.h"
#include "tests/runtime/target_arena.h"

namespace emsim::rt {
namespace {

constexpr Address BASE = test::TARGET_BASE;

enum class Kind { Used, Free };
struct BlockView {
    Kind kind;
    uint32_t bytes;
    bool operator==(const BlockView& o) const { return kind == o.kind && bytes == o.bytes; }
};
std::ostream& operator<<(std::ostream& os, const BlockView& b) {
    return os << "{" << (b.kind == Kind::Used ? "Used" : "Free") << ", " << b.bytes << "}";
}
constexpr Kind Used = Kind::Used;
constexpr Kind Free = Kind::Free;

using Heap = TlsfHeap<CountingMemory<DirectMemory>>;

/// A heap over a host buffer seen as target memory at BASE (the buffer may be larger than the
/// first region, for tests that add more regions behind it).
struct Rig {
    explicit Rig(uint32_t buffer_bytes, const TlsfParams& params = TlsfParams{})
        : arena(buffer_bytes), buffer(arena.storage), direct(arena.mem()), counting(direct),
          heap(counting, params) {}

    std::vector<BlockView> layout(uint32_t region = 0) {
        std::vector<BlockView> out;
        heap.for_each_block(region, [&](Address, uint32_t bytes, bool is_free) {
            out.push_back({is_free ? Free : Used, bytes});
        });
        return out;
    }
    uint8_t* host(Address a) { return direct.host_pointer(a); }

    test::TargetArena arena;
    std::vector<uint8_t>& buffer; ///< all host bytes, for "changed no byte" checks
    DirectMemory direct;
    CountingMemory<DirectMemory> counting;
    Heap heap;
};

/// One region of `bytes` at BASE; returns the size of its initial free block.
uint32_t init_one(Rig& rig, uint32_t bytes) {
    EXPECT_EQ(rig.heap.add_region(BASE, bytes), RtStatus::Ok);
    return bytes - rig.heap.control_size_bytes() - Heap::SENTINEL_BYTES;
}

Address alloc_ok(Heap& heap, uint32_t size, uint32_t align = 8) {
    const Result<Address> r = heap.allocate(size, align);
    EXPECT_EQ(r.status, RtStatus::Ok) << "allocate(" << size << ", " << align << ") failed";
    return r.value;
}

TEST(TlsfHeap, DefaultControlStructureSizeFollowsTheDocumentedFormula) {
    Rig rig(4096);
    // FL = 24 - 4 - 2 = 18; 12 + 4*18 + 4*18*16 + 8*4 = 1268, rounded up to 8.
    EXPECT_EQ(rig.heap.fl_count(), 18u);
    EXPECT_EQ(rig.heap.sl_count(), 16u);
    EXPECT_EQ(rig.heap.control_size_bytes(), 1272u);
    Rig small(4096, TlsfParams{3, 16, 16, 1});
    // FL = 16 - 3 - 2 = 11; 12 + 44 + 352 + 8 = 416.
    EXPECT_EQ(small.heap.control_size_bytes(), 416u);
}

TEST(TlsfHeap, FirstRegionHoldsControlStructureThenOneFreeBlock) {
    Rig rig(8192);
    const uint32_t free_bytes = init_one(rig, 8192);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, free_bytes}}));
    EXPECT_EQ(rig.heap.diagnostics().capacity_bytes, free_bytes);
    EXPECT_EQ(rig.heap.diagnostics().free_bytes, free_bytes);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
    EXPECT_TRUE(rig.heap.invariants_hold());
}

TEST(TlsfHeap, AllocateSplitsFrontBlockAndReturnsAlignedPayload) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 100); // 100 + 8 header -> 112
    EXPECT_EQ(a % 8, 0u);
    EXPECT_EQ(a, BASE + rig.heap.control_size_bytes() + 8);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Used, 112}, {Free, total - 112}}));
    EXPECT_EQ(rig.heap.diagnostics().used_bytes, 112u);
    EXPECT_EQ(rig.heap.diagnostics().allocation_count, 1u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, SmallRequestsRoundUpToMinimumBlock) {
    Rig rig(8192, TlsfParams{4, 24, 32, 4});
    const uint32_t total = init_one(rig, 8192);
    alloc_ok(rig.heap, 1);
    alloc_ok(rig.heap, 24);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Used, 32}, {Used, 32}, {Free, total - 64}}));
}

TEST(TlsfHeap, TailSmallerThanMinimumBlockStaysInTheAllocation) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    // Leave exactly 8 bytes: too small for a free block, so the allocation takes them.
    const Address a = alloc_ok(rig.heap, total - 8 - 8);
    EXPECT_NE(a, 0u);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Used, total}}));
    EXPECT_EQ(rig.heap.diagnostics().free_bytes, 0u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, FreeCoalescesWithBothNeighbours) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 56);
    const Address b = alloc_ok(rig.heap, 120);
    const Address c = alloc_ok(rig.heap, 248);
    const Address d = alloc_ok(rig.heap, 24);
    (void)d;
    ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    ASSERT_EQ(rig.heap.free(c), RtStatus::Ok);
    EXPECT_EQ(rig.layout(),
              (std::vector<BlockView>{
                  {Free, 64}, {Used, 128}, {Free, 256}, {Used, 32}, {Free, total - 480}}));
    ASSERT_EQ(rig.heap.free(b), RtStatus::Ok);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, 448}, {Used, 32}, {Free, total - 480}}));
    EXPECT_EQ(rig.heap.diagnostics().free_block_count, 2u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, FreeCoalescesWithPredecessorOnlyAndSuccessorOnly) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 56);
    const Address b = alloc_ok(rig.heap, 56);
    const Address c = alloc_ok(rig.heap, 56);
    const Address d = alloc_ok(rig.heap, 56);
    ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    ASSERT_EQ(rig.heap.free(b), RtStatus::Ok); // merges into a
    EXPECT_EQ(rig.layout(),
              (std::vector<BlockView>{{Free, 128}, {Used, 64}, {Used, 64}, {Free, total - 256}}));
    ASSERT_EQ(rig.heap.free(d), RtStatus::Ok); // merges with the tail
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, 128}, {Used, 64}, {Free, total - 192}}));
    ASSERT_EQ(rig.heap.free(c), RtStatus::Ok);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, total}}));
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ZeroSizeIsInvalidSizeAndTouchesNothing) {
    Rig rig(4096);
    init_one(rig, 4096);
    rig.counting.reset();
    const Result<Address> r = rig.heap.allocate(0);
    EXPECT_EQ(r.status, RtStatus::InvalidSize);
    EXPECT_EQ(r.value, 0u);
    EXPECT_EQ(rig.counting.counts().total(), 0u) << "an invalid size reached memory";
}

TEST(TlsfHeap, HugeSizeIsInvalidSizeAndArenaSizedIsNoMemory) {
    Rig rig(4096);
    const uint32_t total = init_one(rig, 4096);
    EXPECT_EQ(rig.heap.allocate(0xFFFFFFFFu).status, RtStatus::InvalidSize);
    EXPECT_EQ(rig.heap.allocate(rig.heap.max_request_bytes() + 1).status, RtStatus::InvalidSize);
    EXPECT_EQ(rig.heap.allocate(rig.heap.max_request_bytes()).status, RtStatus::NoMemory);
    EXPECT_EQ(rig.heap.allocate(total).status, RtStatus::NoMemory);
    EXPECT_EQ(rig.heap.diagnostics().oom_count, 2u);
    EXPECT_EQ(rig.heap.diagnostics().peak_request_bytes, rig.heap.max_request_bytes());
    // The largest request that fits: the whole block minus its header.
    const Address a = alloc_ok(rig.heap, total - 8);
    EXPECT_NE(a, 0u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, BadAlignmentIsInvalidAlignment) {
    Rig rig(4096);
    init_one(rig, 4096);
    EXPECT_EQ(rig.heap.allocate(16, 3).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(rig.heap.allocate(16, 0).status, RtStatus::InvalidAlignment);
    EXPECT_EQ(rig.heap.allocate(16, Heap::MAX_ALIGN_BYTES * 2).status, RtStatus::InvalidAlignment);
    // Alignments below 8 are served at 8.
    const Address a = alloc_ok(rig.heap, 5, 1);
    EXPECT_EQ(a % 8, 0u);
}

TEST(TlsfHeap, OverAlignedRequestsAreAlignedAndLeaveTheGapFree) {
    Rig rig(1u << 18);
    init_one(rig, 1u << 18);
    for (uint32_t align = 16; align <= Heap::MAX_ALIGN_BYTES; align <<= 1) {
        const Address a = alloc_ok(rig.heap, 40, align);
        EXPECT_EQ(a % align, 0u) << "align " << align;
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok) << "align " << align;
    }
    // Everything back: one free block again.
    std::vector<Address> live;
    rig.heap.for_each_block(0, [&](Address b, uint32_t, bool is_free) {
        if (!is_free)
            live.push_back(b + 8);
    });
    for (Address a : live)
        EXPECT_EQ(rig.heap.free(a), RtStatus::Ok);
    EXPECT_EQ(rig.layout().size(), 1u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, OverAlignedRequestFromAnExactHoleKeepsEveryNeighbourLinked) {
    // Holes of every size; an over-aligned request that takes a hole whole after splitting off
    // the alignment gap must still leave the successor's prev_phys pointing at the moved block.
    uint32_t served = 0;
    for (uint32_t hole = 64; hole <= 512; hole += 8) {
        for (uint32_t align : {16u, 32u, 64u, 128u}) {
            for (uint32_t size = 8; size + 8 + 16 + align <= hole; size += 8) {
                for (uint32_t shift : {8u, 16u, 24u, 32u}) { // moves the hole's alignment
                    Rig rig(8192);
                    init_one(rig, 8192);
                    alloc_ok(rig.heap, shift);
                    const Address h = alloc_ok(rig.heap, hole - 8);
                    alloc_ok(rig.heap, 8);
                    alloc_ok(rig.heap,
                             rig.layout().back().bytes - 8); // no tail: the hole must serve
                    ASSERT_EQ(rig.heap.free(h), RtStatus::Ok);
                    const Result<Address> r = rig.heap.allocate(size, align);
                    if (!r.ok())
                        continue; // the hole's list is above the request's: not this case
                    ++served;
                    EXPECT_EQ(r.value % align, 0u);
                    EXPECT_GE(rig.heap.block_size_of(r.value), size + 8)
                        << "hole " << hole << " align " << align << " size " << size;
                    ASSERT_EQ(rig.heap.check_integrity(), RtStatus::Ok)
                        << "hole " << hole << " align " << align << " size " << size;
                    ASSERT_EQ(rig.heap.free(r.value), RtStatus::Ok);
                    ASSERT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
                }
            }
        }
    }
    EXPECT_GT(served, 1000u);
}

TEST(TlsfHeap, MaxAlignmentLargerThanArenaIsNoMemory) {
    Rig rig(8192);
    init_one(rig, 8192);
    EXPECT_EQ(rig.heap.allocate(8, Heap::MAX_ALIGN_BYTES).status, RtStatus::NoMemory);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ExhaustingAndRefillingRestoresTheSameLayout) {
    Rig rig(16384);
    const uint32_t total = init_one(rig, 16384);
    for (int round = 0; round < 3; ++round) {
        std::vector<Address> live;
        for (;;) {
            const Result<Address> r = rig.heap.allocate(40);
            if (!r.ok()) {
                EXPECT_EQ(r.status, RtStatus::NoMemory);
                break;
            }
            live.push_back(r.value);
        }
        EXPECT_EQ(live.size(), total / 48) << "round " << round;
        EXPECT_LT(rig.heap.diagnostics().free_bytes, 48u);
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
        // Free every other block first (no merges), then the rest (all merges).
        for (size_t i = 0; i < live.size(); i += 2)
            ASSERT_EQ(rig.heap.free(live[i]), RtStatus::Ok);
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
        for (size_t i = 1; i < live.size(); i += 2)
            ASSERT_EQ(rig.heap.free(live[i]), RtStatus::Ok);
        EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, total}})) << "round " << round;
    }
    EXPECT_EQ(rig.heap.diagnostics().allocation_count, 0u);
    EXPECT_EQ(rig.heap.diagnostics().peak_used_bytes, total / 48 * 48);
}

TEST(TlsfHeap, LastBlockOfANearlyFullHeapIsFoundByTheListHeadProbe) {
    // The good-fit search rounds 1000 up past a free block of 1016 bytes in the same list; the
    // probe of the request's own list head still serves it.
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, total - 1016 - 8);
    (void)a;
    ASSERT_EQ(rig.layout().back(), (BlockView{Free, 1016}));
    const Address b = alloc_ok(rig.heap, 1000);
    EXPECT_NE(b, 0u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, MultipleRegionsServeRequestsAndStaySeparate) {
    Rig rig(3 * 0x10000);
    init_one(rig, 8192);
    const Address second = BASE + 0x10000;
    ASSERT_EQ(rig.heap.add_region(second, 4096), RtStatus::Ok);
    EXPECT_EQ(rig.heap.diagnostics().region_count, 2u);
    EXPECT_EQ(rig.layout(1), (std::vector<BlockView>{{Free, 4096 - 8}}));
    // Fill the first region exactly; the next request must come from the second.
    const uint32_t first_free = rig.layout(0)[0].bytes;
    const Address big = alloc_ok(rig.heap, first_free - 8);
    EXPECT_LT(big, BASE + 8192);
    EXPECT_EQ(rig.heap.allocate(5000).status, RtStatus::NoMemory) << "fits in no region";
    const Address in_second = alloc_ok(rig.heap, 3000);
    EXPECT_GE(in_second, second);
    EXPECT_LT(in_second, second + 4096);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
    EXPECT_EQ(rig.heap.free(in_second), RtStatus::Ok);
    EXPECT_EQ(rig.layout(1), (std::vector<BlockView>{{Free, 4096 - 8}}));
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, AdjacentRegionsNeverMergeAcrossTheirSentinel) {
    Rig rig(16384);
    init_one(rig, 8192);
    ASSERT_EQ(rig.heap.add_region(BASE + 8192, 8192), RtStatus::Ok);
    std::vector<Address> live;
    for (Result<Address> r = rig.heap.allocate(100); r.ok(); r = rig.heap.allocate(100))
        live.push_back(r.value);
    for (Address a : live)
        ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    EXPECT_EQ(rig.layout(1), (std::vector<BlockView>{{Free, 8192 - 8}}));
    EXPECT_EQ(rig.layout(0).size(), 1u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, RegionBoundariesAreTrimmedAndBadRegionsRefused) {
    Rig rig(3 * 0x10000, TlsfParams{4, 16, 16, 2});
    EXPECT_EQ(rig.heap.add_region(0, 4096), RtStatus::InvalidRegion) << "address 0";
    EXPECT_EQ(rig.heap.add_region(BASE, 64), RtStatus::InvalidRegion) << "too small";
    EXPECT_EQ(rig.heap.add_region(0xFFFFF000u, 0x2000), RtStatus::InvalidRegion) << "wraps";
    EXPECT_EQ(rig.heap.add_region(BASE, 0x10000 + 1024), RtStatus::InvalidRegion)
        << "a block of 2^16 bytes or more with max_block_log2 = 16";
    // Unaligned start and end are trimmed to 8 bytes.
    ASSERT_EQ(rig.heap.add_region(BASE + 3, 8192 - 6), RtStatus::Ok);
    const uint32_t ctrl = rig.heap.control_size_bytes();
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Free, (8192 - 16) - ctrl - 8}}));
    EXPECT_EQ(rig.heap.add_region(BASE + 4096, 8192), RtStatus::InvalidRegion) << "overlap";
    EXPECT_EQ(rig.heap.add_region(BASE - 16, 32 + 8), RtStatus::InvalidRegion) << "too small";
    ASSERT_EQ(rig.heap.add_region(BASE + 0x10000, 4096), RtStatus::Ok);
    EXPECT_EQ(rig.heap.add_region(BASE + 0x20000, 4096), RtStatus::InvalidRegion) << "table full";
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, InvalidParametersAreReportedByAddRegion) {
    std::vector<uint8_t> buf(4096);
    DirectMemory mem(buf.data(), BASE);
    for (TlsfParams p :
         {TlsfParams{0, 24, 16, 4}, TlsfParams{6, 24, 16, 4}, TlsfParams{4, 32, 16, 4},
          TlsfParams{4, 24, 8, 4}, TlsfParams{4, 24, 20, 4}, TlsfParams{4, 24, 16, 0},
          TlsfParams{4, 7, 16, 4}}) {
        TlsfHeap<DirectMemory> heap(mem, p);
        EXPECT_EQ(heap.add_region(BASE, 4096), RtStatus::Unsupported)
            << p.sl_log2 << " " << p.max_block_log2 << " " << p.min_block_bytes;
        EXPECT_EQ(heap.allocate(16).status, RtStatus::InvalidSize);
    }
}

TEST(TlsfHeap, AllocateBeforeAnyRegionIsNoMemory) {
    Rig rig(4096);
    EXPECT_EQ(rig.heap.allocate(16).status, RtStatus::NoMemory);
    EXPECT_EQ(rig.heap.free(BASE + 64), RtStatus::BadPointer);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
    EXPECT_TRUE(rig.heap.invariants_hold());
}

TEST(TlsfHeap, FreeOfNullIsANoOp) {
    Rig rig(4096);
    init_one(rig, 4096);
    rig.counting.reset();
    EXPECT_EQ(rig.heap.free(0), RtStatus::Ok);
    EXPECT_EQ(rig.counting.counts().total(), 0u);
}

TEST(TlsfHeap, ForeignPointersAreBadPointerAndChangeNoByte) {
    Rig rig(8192 + 4096);
    init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 200);
    const Address b = alloc_ok(rig.heap, 64);
    (void)b;
    const std::vector<uint8_t> before = rig.buffer;
    for (Address p : {a + 4, a + 8, a + 16, a - 8, BASE, BASE + 8, BASE + 8192 + 64, 0x10000000u,
                      0xFFFFFFF8u, 8u, a + 200}) {
        EXPECT_EQ(rig.heap.free(p), RtStatus::BadPointer) << std::hex << p;
        EXPECT_EQ(rig.heap.reallocate(p, 10).status, RtStatus::BadPointer) << std::hex << p;
    }
    EXPECT_TRUE(rig.buffer == before) << "a refused free modified memory";
    EXPECT_EQ(rig.heap.diagnostics().bad_pointer_count, 22u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ForgedHeaderInsidePayloadIsRefused) {
    Rig rig(8192);
    init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 512);
    alloc_ok(rig.heap, 64);
    // A plausible size word inside a's payload, but no block points back at it.
    const uint32_t fake_size = 64;
    memcpy(rig.host(a + 64 + 4), &fake_size, 4);
    const std::vector<uint8_t> before = rig.buffer;
    EXPECT_EQ(rig.heap.free(a + 64 + 8), RtStatus::BadPointer);
    EXPECT_TRUE(rig.buffer == before);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, DoubleFreeIsDetectedWithoutCorruption) {
    Rig rig(8192);
    init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 64);
    const Address b = alloc_ok(rig.heap, 64);
    const Address c = alloc_ok(rig.heap, 64);
    (void)c;
    ASSERT_EQ(rig.heap.free(b), RtStatus::Ok); // b stays a free block of its own
    std::vector<uint8_t> before = rig.buffer;
    EXPECT_EQ(rig.heap.free(b), RtStatus::DoubleFree);
    EXPECT_EQ(rig.heap.reallocate(b, 8).status, RtStatus::DoubleFree);
    EXPECT_TRUE(rig.buffer == before);
    // Now a merges with b: b's header is absorbed and marked.
    ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    before = rig.buffer;
    EXPECT_EQ(rig.heap.free(b), RtStatus::DoubleFree);
    EXPECT_EQ(rig.heap.free(a), RtStatus::DoubleFree);
    EXPECT_TRUE(rig.buffer == before);
    EXPECT_EQ(rig.heap.diagnostics().double_free_count, 4u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateShrinksInPlaceAndReturnsTheTail) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 500);
    const Address guard = alloc_ok(rig.heap, 16);
    (void)guard;
    for (uint32_t i = 0; i < 100; ++i)
        rig.host(a)[i] = uint8_t(i);
    const Result<Address> r = rig.heap.reallocate(a, 100);
    ASSERT_EQ(r.status, RtStatus::Ok);
    EXPECT_EQ(r.value, a);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{
                                {Used, 112}, {Free, 512 - 112}, {Used, 24}, {Free, total - 536}}));
    for (uint32_t i = 0; i < 100; ++i)
        ASSERT_EQ(rig.host(a)[i], uint8_t(i));
    EXPECT_EQ(rig.heap.diagnostics().realloc_in_place, 1u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateShrinkMergesTheTailWithAFreeSuccessor) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 500);
    const Result<Address> r = rig.heap.reallocate(a, 496); // tail of 8 bytes joins the free block
    ASSERT_EQ(r.value, a);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Used, 504}, {Free, total - 504}}));
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateGrowsInPlaceIntoAFreeSuccessor) {
    Rig rig(8192);
    const uint32_t total = init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 100);
    const Address b = alloc_ok(rig.heap, 300);
    alloc_ok(rig.heap, 16);
    for (uint32_t i = 0; i < 100; ++i)
        rig.host(a)[i] = uint8_t(3 * i);
    ASSERT_EQ(rig.heap.free(b), RtStatus::Ok);
    const Result<Address> r = rig.heap.reallocate(a, 250);
    ASSERT_EQ(r.status, RtStatus::Ok);
    EXPECT_EQ(r.value, a) << "grew by moving although the successor was free";
    EXPECT_EQ(rig.layout(),
              (std::vector<BlockView>{
                  {Used, 264}, {Free, 112 + 312 - 264}, {Used, 24}, {Free, total - 448}}));
    // Grow so far that the whole successor is absorbed.
    const Result<Address> r2 = rig.heap.reallocate(a, 112 + 312 - 8 - 8);
    ASSERT_EQ(r2.value, a);
    EXPECT_EQ(rig.layout(), (std::vector<BlockView>{{Used, 424}, {Used, 24}, {Free, total - 448}}));
    for (uint32_t i = 0; i < 100; ++i)
        ASSERT_EQ(rig.host(a)[i], uint8_t(3 * i));
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateMovesWhenTheSuccessorIsUsedAndKeepsTheData) {
    Rig rig(8192);
    init_one(rig, 8192);
    const Address a = alloc_ok(rig.heap, 100);
    alloc_ok(rig.heap, 16);
    for (uint32_t i = 0; i < 100; ++i)
        rig.host(a)[i] = uint8_t(7 * i + 1);
    const Result<Address> r = rig.heap.reallocate(a, 1000);
    ASSERT_EQ(r.status, RtStatus::Ok);
    EXPECT_NE(r.value, a);
    for (uint32_t i = 0; i < 100; ++i)
        ASSERT_EQ(rig.host(r.value)[i], uint8_t(7 * i + 1));
    EXPECT_EQ(rig.layout().front(), (BlockView{Free, 112}));
    EXPECT_EQ(rig.heap.diagnostics().realloc_moved, 1u);
    EXPECT_EQ(rig.heap.diagnostics().allocation_count, 2u);
    EXPECT_EQ(rig.heap.free(a), RtStatus::DoubleFree);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateThatCannotMoveLeavesTheOldBlockIntact) {
    Rig rig(4096);
    init_one(rig, 4096);
    const Address a = alloc_ok(rig.heap, 100);
    alloc_ok(rig.heap, 16);
    for (uint32_t i = 0; i < 100; ++i)
        rig.host(a)[i] = uint8_t(i);
    EXPECT_EQ(rig.heap.reallocate(a, 4000).status, RtStatus::NoMemory);
    EXPECT_EQ(rig.heap.reallocate(a, 0).status, RtStatus::InvalidSize);
    for (uint32_t i = 0; i < 100; ++i)
        ASSERT_EQ(rig.host(a)[i], uint8_t(i));
    EXPECT_EQ(rig.heap.free(a), RtStatus::Ok);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, ReallocateOfNullAllocates) {
    Rig rig(4096);
    init_one(rig, 4096);
    const Result<Address> r = rig.heap.reallocate(0, 64);
    ASSERT_EQ(r.status, RtStatus::Ok);
    EXPECT_EQ(rig.heap.block_size_of(r.value), 72u);
}

TEST(TlsfHeap, AllocateDeterministicRefusesWhenTheBoundExceedsTheDeadline) {
    Rig rig(8192);
    init_one(rig, 8192);
    const uint32_t bound = rig.heap.allocation_time_guarantee(64).steps;
    rig.counting.reset();
    const Result<Address> refused = rig.heap.allocate_deterministic(64, bound - 1);
    EXPECT_EQ(refused.status, RtStatus::TimeConstraintViolation);
    EXPECT_EQ(rig.counting.counts().total(), 0u) << "a refused request touched memory";
    EXPECT_EQ(rig.heap.diagnostics().deadline_refusals, 1u);
    EXPECT_EQ(rig.heap.diagnostics().allocation_count, 0u);
    const Result<Address> served = rig.heap.allocate_deterministic(64, bound);
    EXPECT_EQ(served.status, RtStatus::Ok);
    EXPECT_LE(rig.heap.last_op_steps(), bound);
    // Over-aligned requests have a larger bound.
    EXPECT_EQ(rig.heap.allocate_deterministic(64, bound, 64).status,
              RtStatus::TimeConstraintViolation);
}

TEST(TlsfHeap, AllocationBoundIsReachedExactlyOnAFreshHeap) {
    // One free block: the search misses the request's class (SL, FL, SL, head, size), the removal
    // empties list, SL word and FL bit, the remainder goes to an empty class of an empty FL word.
    Rig rig(65536);
    init_one(rig, 65536);
    rig.counting.reset();
    alloc_ok(rig.heap, 100);
    const TlsfCost bound = rig.heap.allocation_time_guarantee(100);
    EXPECT_EQ(rig.counting.counts().loads, bound.loads);
    EXPECT_EQ(rig.counting.counts().stores, bound.stores);
    EXPECT_EQ(rig.heap.last_op_steps(), bound.steps);
    EXPECT_EQ(bound.accesses(), 23u);
}

TEST(TlsfHeap, FreeBoundIsReachedExactlyWhenMergingTwoLoneNeighbours) {
    Rig rig(65536);
    init_one(rig, 65536);
    alloc_ok(rig.heap, 16);
    const Address p = alloc_ok(rig.heap, 200); // class [128, 256)
    const Address b = alloc_ok(rig.heap, 16);
    const Address n = alloc_ok(rig.heap, 600); // class [512, 1024)
    alloc_ok(rig.heap, 16);
    ASSERT_EQ(rig.heap.free(p), RtStatus::Ok);
    ASSERT_EQ(rig.heap.free(n), RtStatus::Ok);
    rig.counting.reset();
    ASSERT_EQ(rig.heap.free(b), RtStatus::Ok); // merged 208+24+608 = 840: class [512,1024) empty
    const TlsfCost bound = rig.heap.free_time_guarantee();
    EXPECT_EQ(rig.counting.counts().loads, bound.loads);
    EXPECT_EQ(rig.counting.counts().stores, bound.stores);
    EXPECT_EQ(rig.heap.last_op_steps(), bound.steps);
    EXPECT_EQ(bound.accesses(), 34u);
    EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
}

TEST(TlsfHeap, HeapCountsItsOwnAccessesExactly) {
    Rig rig(16384);
    init_one(rig, 16384);
    rig.counting.reset();
    const Address a = alloc_ok(rig.heap, 300);
    EXPECT_EQ(rig.heap.last_op_cost().loads, rig.counting.counts().loads);
    EXPECT_EQ(rig.heap.last_op_cost().stores, rig.counting.counts().stores);
    rig.counting.reset();
    alloc_ok(rig.heap, 40, 64);
    EXPECT_EQ(rig.heap.last_op_cost().loads, rig.counting.counts().loads);
    EXPECT_EQ(rig.heap.last_op_cost().stores, rig.counting.counts().stores);
    rig.counting.reset();
    ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    EXPECT_EQ(rig.heap.last_op_cost().loads, rig.counting.counts().loads);
    EXPECT_EQ(rig.heap.last_op_cost().stores, rig.counting.counts().stores);
}

TEST(TlsfHeap, FragmentationMonitorBoundsTheLargestFreeBlock) {
    Rig rig(16384);
    const uint32_t total = init_one(rig, 16384);
    TlsfFragmentation f = rig.heap.fragmentation();
    EXPECT_EQ(f.free_bytes, total);
    EXPECT_EQ(f.largest_free_block_bytes, total);
    EXPECT_GT(f.largest_free_limit_bytes, total);
    EXPECT_DOUBLE_EQ(rig.heap.external_fragmentation(), 0.0);
    // Holes of 64, 128, 256 and the tail.
    std::vector<Address> keep, drop;
    for (uint32_t s : {56u, 120u, 248u}) {
        drop.push_back(alloc_ok(rig.heap, s));
        keep.push_back(alloc_ok(rig.heap, 16));
    }
    const Address filler = alloc_ok(rig.heap, total - 448 - 72 - 8 - 1000);
    (void)filler;
    for (Address a : drop)
        ASSERT_EQ(rig.heap.free(a), RtStatus::Ok);
    f = rig.heap.fragmentation();
    const uint32_t exact = rig.heap.largest_free_block_exact();
    EXPECT_EQ(f.free_bytes, 64u + 128u + 256u + 1000u);
    EXPECT_EQ(exact, 1000u);
    EXPECT_LE(f.largest_free_block_bytes, exact);
    EXPECT_GT(f.largest_free_limit_bytes, exact);
    EXPECT_EQ(f.free_block_count, 4u);
    EXPECT_NEAR(rig.heap.external_fragmentation(), 1.0 - 1000.0 / 1448.0, 1e-12);
}

TEST(TlsfHeap, IntegrityCheckFindsCorruptedHeadersLinksAndBitmaps) {
    auto make = [](Rig& rig, std::vector<Address>& live) {
        init_one(rig, 8192);
        for (int i = 0; i < 6; ++i)
            live.push_back(alloc_ok(rig.heap, 40));
        ASSERT_EQ(rig.heap.free(live[1]), RtStatus::Ok);
        ASSERT_EQ(rig.heap.free(live[3]), RtStatus::Ok);
        ASSERT_EQ(rig.heap.check_integrity(), RtStatus::Ok);
    };
    auto poke = [](Rig& rig, Address a, uint32_t v) { memcpy(rig.host(a), &v, 4); };
    auto peek = [](Rig& rig, Address a) {
        uint32_t v;
        memcpy(&v, rig.host(a), 4);
        return v;
    };
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        poke(rig, live[2] - 4, peek(rig, live[2] - 4) + 8); // size of a used block
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        poke(rig, live[2] - 8, 0x1234); // prev_phys
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        poke(rig, live[1], 0); // next_free link of a free block (both holes share a list)
        poke(rig, live[3], 0);
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        poke(rig, BASE + 8, peek(rig, BASE + 8) ^ 1u); // FL bitmap bit 0
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        poke(rig, live[4] - 4, peek(rig, live[4] - 4) | Heap::FREE_BIT); // free bit, no list
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
    {
        Rig rig(8192);
        std::vector<Address> live;
        make(rig, live);
        EXPECT_TRUE(rig.heap.invariants_hold());
        poke(rig, BASE, 0); // magic
        EXPECT_FALSE(rig.heap.invariants_hold());
        EXPECT_EQ(rig.heap.check_integrity(), RtStatus::Corrupt);
    }
}

TEST(TlsfHeap, ObservedWorstCasePerClassNeverExceedsTheGuarantee) {
    Rig rig(65536);
    init_one(rig, 65536);
    std::vector<Address> live;
    for (uint32_t i = 0; i < 200; ++i) {
        const Result<Address> r = rig.heap.allocate(16 + (i * 37) % 1000);
        if (r.ok())
            live.push_back(r.value);
        if (i % 3 == 2) {
            ASSERT_EQ(rig.heap.free(live[(i * 7) % live.size()]), RtStatus::Ok);
            live.erase(live.begin() + long((i * 7) % live.size()));
        }
    }
    const TlsfCost ab = rig.heap.allocation_time_guarantee(16);
    const TlsfCost fb = rig.heap.free_time_guarantee();
    uint32_t classes_seen = 0;
    for (uint32_t f = 0; f < rig.heap.fl_count(); ++f) {
        const TlsfObservedCost& oa = rig.heap.observed_alloc(f);
        const TlsfObservedCost& of = rig.heap.observed_free(f);
        if (oa.ops != 0)
            ++classes_seen;
        EXPECT_LE(oa.max_steps, ab.steps) << "class " << f;
        EXPECT_LE(oa.max_accesses, ab.accesses()) << "class " << f;
        EXPECT_LE(of.max_steps, fb.steps) << "class " << f;
        EXPECT_LE(of.max_accesses, fb.accesses()) << "class " << f;
    }
    EXPECT_GE(classes_seen, 4u);
    // Reallocations are recorded apart (a move copies data, so its bound is larger).
    const Address a = live.back();
    ASSERT_TRUE(rig.heap.reallocate(a, 40).ok());
    EXPECT_EQ(rig.heap.observed_reallocate(rig.heap.class_of_block(48)).ops, 1u);
}

} // namespace
} // namespace emsim::rt
