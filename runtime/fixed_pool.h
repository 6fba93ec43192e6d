#pragma once
// FixedPool: a pool of equal-size blocks with O(1) allocate/free. Owns the block area and a
// separate control area (free-list head + allocation bitmap), both in target memory and reached
// only through the memory-access policy `Mem`. It does not own the memory itself (the caller
// places both ranges), does not choose block sizes for requests (TieredPool does) and is not
// interrupt-safe (callers add their own critical section).
//
// Design (Zephyr k_mem_slab's intrusive free list + sys_mem_blocks' outside bitmap):
//
//   control_base: [ head ][ bitmap word 0 ][ bitmap word 1 ] ...     bit i = block i allocated
//   blocks_base:  [ blk 0 ][ blk 1 ][ blk 2 ] ... [ blk n-1 ]
//                    |  next  ^        (a free block's first word links to the next free block)
//                    +--------+
//
// - The free list gives O(1) allocate and free without any search.
// - The bitmap lives OUTSIDE the blocks, so a stray write into a freed block cannot hide a double
//   free, double free and foreign pointers are detected in O(1) (one bitmap word), and the block
//   area holds no bookkeeping an allocated block's owner could overwrite except the link of
//   *free* blocks. A side effect worth having: when every block is free, the block area holds no
//   state that must survive, so it can be power-gated (only the links must be rebuilt: reinit()).
//
// Cost per operation (loads + stores through Mem, counted by the tests):
//   allocate: 3 loads (head, bitmap word, next link) + 2 stores (bitmap word, head) = 5
//   free:     2 loads (bitmap word, head)            + 3 stores (bitmap, link, head) = 5
// independent of block count and history. Host-side members are configuration constants and
// statistics counters only.

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/heap_guard.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

/// Parameters of one pool. Each field is the request; the pool reports the rounded values.
struct FixedPoolParams {
    uint32_t block_size_bytes = 32; ///< payload per block, >= 1; rounded up to align_bytes (>= 4)
    uint32_t block_count = 0;       ///< >= 1
    uint32_t align_bytes = 4;       ///< power of two >= 4; blocks_base must be a multiple of it
};

/// Statistics, in blocks unless named otherwise.
struct FixedPoolStats {
    uint32_t total_blocks = 0;       ///< fixed at init
    uint32_t used_blocks = 0;        ///< allocated now; used + free == total
    uint32_t free_blocks = 0;        ///< on the free list now
    uint32_t high_water_blocks = 0;  ///< max used_blocks since init; never decreases
    uint32_t failed_allocations = 0; ///< allocations refused (NoMemory, Sealed, Corrupt, ...)
    uint32_t rejected_frees = 0;     ///< frees refused (BadPointer, DoubleFree)
};

template <class Mem> class FixedPool {
public:
    /// Free-list terminator. Never a block address: blocks are >= 4-byte aligned.
    static constexpr Address NIL = 0xFFFFFFFFu;
    static constexpr uint32_t MIN_BLOCK_BYTES = 4; ///< one free-list link
    static constexpr uint32_t MIN_ALIGN_BYTES = 4; ///< links are 32-bit, accessed aligned
    static constexpr uint32_t HEAD_BYTES = 4;      ///< control area: the head word, then bitmap
    static_assert(MIN_BLOCK_BYTES >= sizeof(Address), "a free block must hold its next link");
    static_assert((MIN_ALIGN_BYTES & (MIN_ALIGN_BYTES - 1u)) == 0, "alignment is a power of 2");
    static_assert(NIL % MIN_ALIGN_BYTES != 0, "NIL must never equal an (aligned) block address");

    /// Bytes of control area (head + bitmap) a pool of `block_count` blocks needs, 4-aligned.
    static constexpr uint32_t control_bytes(uint32_t block_count) {
        return HEAD_BYTES + 4u * ((block_count + 31u) / 32u);
    }
    /// Block size after rounding: max(size, 4) rounded up to align (align a power of two >= 4).
    static constexpr uint32_t rounded_block_bytes(uint32_t size_bytes, uint32_t align_bytes) {
        const uint32_t s = size_bytes < MIN_BLOCK_BYTES ? MIN_BLOCK_BYTES : size_bytes;
        return (s + align_bytes - 1u) & ~(align_bytes - 1u);
    }

    FixedPool() = default;

    /// Places the pool: blocks at [blocks_base, blocks_base + rounded size * count), control at
    /// [control_base, control_base + control_bytes(count)), links every block into the free list
    /// (ascending, so the first allocations return ascending addresses) and clears the bitmap.
    /// Returns InvalidSize (block_size_bytes or block_count is 0, or the rounded size overflows),
    /// InvalidAlignment (align not a power of two >= 4), InvalidRegion (blocks_base not a
    /// multiple of align, control_base not 4-aligned, or a range wraps past 2^32),
    /// AddressConflict (the two ranges overlap); on error the pool stays unusable.
    /// O(n): one store per block and per bitmap word (init only; not a real-time operation).
    RtStatus init(Mem& mem, Address blocks_base, Address control_base,
                  const FixedPoolParams& params, HeapGuard* guard = nullptr, HeapOwner owner = {}) {
        m_mem = nullptr;
        m_stats = FixedPoolStats{};
        m_steps.begin();
        if (params.align_bytes < MIN_ALIGN_BYTES ||
            (params.align_bytes & (params.align_bytes - 1u)))
            return RtStatus::InvalidAlignment;
        if (params.block_size_bytes == 0 || params.block_count == 0)
            return RtStatus::InvalidSize;
        if (params.block_size_bytes > 0x80000000u)
            return RtStatus::InvalidSize;
        const uint32_t block_bytes =
            rounded_block_bytes(params.block_size_bytes, params.align_bytes);
        if (block_bytes == 0)
            return RtStatus::InvalidSize; // rounding wrapped
        if (blocks_base % params.align_bytes != 0 || control_base % 4u != 0)
            return RtStatus::InvalidRegion;
        const uint64_t span = uint64_t{block_bytes} * params.block_count;
        const uint64_t ctl_span = control_bytes_64(params.block_count);
        if (span >= 0x100000000ull || uint64_t{blocks_base} + span > 0x100000000ull ||
            uint64_t{control_base} + ctl_span > 0x100000000ull)
            return RtStatus::InvalidRegion;
        if (uint64_t{blocks_base} < uint64_t{control_base} + ctl_span &&
            uint64_t{control_base} < uint64_t{blocks_base} + span)
            return RtStatus::AddressConflict;

        m_mem = &mem;
        m_guard = guard;
        m_owner = owner;
        m_blocks_base = blocks_base;
        m_span_bytes = static_cast<uint32_t>(span); // < 2^32: checked above
        m_control_base = control_base;
        m_block_bytes = block_bytes;
        m_block_count = params.block_count;
        m_align_bytes = params.align_bytes;
        reinit();
        return RtStatus::Ok;
    }

    /// Frees every block at once: rebuilds the free list and clears the bitmap (statistics other
    /// than used/free are kept). For start-up and after the block area was powered down.
    /// O(n). Precondition: init() succeeded.
    void reinit() {
        EMSIM_RT_ASSERT(m_mem != nullptr);
        m_steps.begin();
        const uint32_t words = (m_block_count + 31u) / 32u;
        for (uint32_t w = 0; w < words; ++w) {
            m_mem->store32(bitmap_word(w), 0u);
            m_steps.add();
        }
        for (uint32_t i = 0; i < m_block_count; ++i) {
            const Address next = i + 1u < m_block_count ? block_address(i + 1u) : NIL;
            m_mem->store32(block_address(i), next);
            m_steps.add();
        }
        m_mem->store32(m_control_base, block_address(0));
        m_stats.total_blocks = m_block_count;
        m_stats.used_blocks = 0;
        m_stats.free_blocks = m_block_count;
    }

    /// Takes the first free block. Returns its address (aligned to align_bytes(), block_bytes()
    /// usable bytes, contents unspecified: not zeroed, that would be O(size)) or
    ///   Sealed      the guard is sealed (recorded there),
    ///   NoMemory    no free block,
    ///   Corrupt     the head or the popped block's link is not a free block of this pool (a
    ///               write after free clobbered it); the pool is left unchanged,
    ///   Unsupported the pool was never initialised.
    /// O(1): one list hop, 5 accesses.
    Result<Address> allocate() {
        m_steps.begin();
        if (m_mem == nullptr)
            return fail(RtStatus::Unsupported);
        const RtStatus admitted = guard_admit(m_guard, m_owner, m_block_bytes);
        if (admitted != RtStatus::Ok)
            return fail(admitted);
        m_steps.add();
        const Address head = m_mem->load32(m_control_base);
        if (head == NIL)
            return fail(RtStatus::NoMemory);
        if (!is_block_address(head))
            return fail(RtStatus::Corrupt);
        const uint32_t index = index_of(head);
        const Address word_at = bitmap_word(index / 32u);
        const uint32_t bit = 1u << (index % 32u);
        const uint32_t word = m_mem->load32(word_at);
        if (word & bit)
            return fail(RtStatus::Corrupt); // a listed block marked allocated
        const Address next = m_mem->load32(head);
        if (next != NIL && !is_block_address(next))
            return fail(RtStatus::Corrupt);
        m_mem->store32(word_at, word | bit);
        m_mem->store32(m_control_base, next);
        ++m_stats.used_blocks;
        --m_stats.free_blocks;
        if (m_stats.used_blocks > m_stats.high_water_blocks)
            m_stats.high_water_blocks = m_stats.used_blocks;
        return Result<Address>{RtStatus::Ok, head};
    }

    /// allocate() for callers that speak (size, align), e.g. as a TieredPool huge allocator or
    /// under Guarded<>. InvalidSize if size is 0 or > block_bytes(); InvalidAlignment if align is
    /// not a power of two or > align_bytes() (0 means "any"); otherwise allocate().
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = 0) {
        m_steps.begin();
        if (size_bytes == 0 || size_bytes > m_block_bytes)
            return fail(RtStatus::InvalidSize);
        if ((align_bytes & (align_bytes - 1u)) != 0 || align_bytes > m_align_bytes)
            return fail(RtStatus::InvalidAlignment);
        return allocate();
    }

    /// Returns a block. Ok, or
    ///   BadPointer  `block` is outside the block area or not on a block boundary,
    ///   DoubleFree  the block is already free (its bitmap bit is clear),
    /// and on either error nothing in the pool changes. Unsupported if never initialised.
    /// O(1): 5 accesses.
    RtStatus free(Address block) {
        m_steps.begin();
        if (m_mem == nullptr)
            return RtStatus::Unsupported;
        m_steps.add();
        if (!is_block_address(block))
            return reject(RtStatus::BadPointer);
        const uint32_t index = index_of(block);
        const Address word_at = bitmap_word(index / 32u);
        const uint32_t bit = 1u << (index % 32u);
        const uint32_t word = m_mem->load32(word_at);
        if (!(word & bit))
            return reject(RtStatus::DoubleFree);
        m_mem->store32(word_at, word & ~bit);
        const Address head = m_mem->load32(m_control_base);
        m_mem->store32(block, head);
        m_mem->store32(m_control_base, block);
        EMSIM_RT_ASSERT(m_stats.used_blocks > 0); // the bitmap said allocated
        --m_stats.used_blocks;
        ++m_stats.free_blocks;
        return RtStatus::Ok;
    }

    /// True iff `a` lies in the block area (any byte of it). O(1), no memory access.
    bool contains(Address a) const {
        return m_mem != nullptr && a >= m_blocks_base && a - m_blocks_base < m_span_bytes;
    }
    /// True iff `a` is the start of a block of this pool. O(1), no memory access.
    bool is_block_address(Address a) const {
        return contains(a) && (a - m_blocks_base) % m_block_bytes == 0;
    }
    /// True iff `block` is a block address and its bitmap bit says allocated. O(1), 1 load.
    bool is_allocated(Address block) const {
        if (!is_block_address(block))
            return false;
        const uint32_t index = index_of(block);
        return (m_mem->load32(bitmap_word(index / 32u)) >> (index % 32u)) & 1u;
    }

    /// O(1) sanity check for periodic use: the counters agree with each other and the head word
    /// is NIL exactly when nothing is free and otherwise a free block of this pool. 1 load (head)
    /// + 1 load (its bitmap word).
    bool invariants_hold() const {
        if (m_mem == nullptr)
            return false;
        const FixedPoolStats& s = m_stats;
        if (s.used_blocks + s.free_blocks != s.total_blocks || s.total_blocks != m_block_count ||
            s.high_water_blocks < s.used_blocks)
            return false;
        const Address head = m_mem->load32(m_control_base);
        if (head == NIL)
            return s.free_blocks == 0;
        return s.free_blocks != 0 && is_block_address(head) && !is_allocated(head);
    }

    /// O(n) walk for tests and fault handlers: every free-list node is a block of this pool whose
    /// bitmap bit is clear; the list ends (no cycle: at most free_blocks hops) after exactly
    /// free_blocks nodes; the bitmap has exactly used_blocks bits set and none beyond
    /// block_count. Since a terminating singly linked list visits distinct nodes, list and bitmap
    /// then describe the same partition. Ok or Corrupt (Unsupported if never initialised).
    RtStatus check_integrity() const {
        if (m_mem == nullptr)
            return RtStatus::Unsupported;
        if (m_stats.used_blocks + m_stats.free_blocks != m_block_count)
            return RtStatus::Corrupt;
        uint32_t listed = 0;
        for (Address at = m_mem->load32(m_control_base); at != NIL; at = m_mem->load32(at)) {
            if (listed == m_stats.free_blocks)
                return RtStatus::Corrupt; // too long or a cycle
            if (!is_block_address(at) || is_allocated(at))
                return RtStatus::Corrupt;
            ++listed;
        }
        if (listed != m_stats.free_blocks)
            return RtStatus::Corrupt;
        const uint32_t words = (m_block_count + 31u) / 32u;
        uint32_t set_bits = 0;
        for (uint32_t w = 0; w < words; ++w) {
            uint32_t word = m_mem->load32(bitmap_word(w));
            const uint32_t valid = m_block_count - w * 32u;
            if (valid < 32u && (word >> valid) != 0)
                return RtStatus::Corrupt;
            for (; word != 0; word &= word - 1u)
                ++set_bits;
        }
        return set_bits == m_stats.used_blocks ? RtStatus::Ok : RtStatus::Corrupt;
    }

    /// True iff no block is allocated: the block area then holds no state that must survive
    /// (only free-list links, rebuilt by reinit()), so it may be power-gated. O(1), no access.
    bool block_area_idle() const { return m_mem != nullptr && m_stats.used_blocks == 0; }

    const FixedPoolStats& stats() const { return m_stats; }
    uint32_t last_op_steps() const { return m_steps.steps(); }
    bool initialized() const { return m_mem != nullptr; }
    uint32_t block_bytes() const { return m_block_bytes; }
    uint32_t block_count() const { return m_block_count; }
    uint32_t align_bytes() const { return m_align_bytes; }
    Address blocks_base() const { return m_blocks_base; }
    uint32_t blocks_span_bytes() const { return m_span_bytes; }
    Address control_base() const { return m_control_base; }

private:
    static constexpr uint64_t control_bytes_64(uint32_t block_count) {
        return HEAD_BYTES + 4ull * ((uint64_t{block_count} + 31u) / 32u);
    }
    Address block_address(uint32_t index) const { return m_blocks_base + index * m_block_bytes; }
    uint32_t index_of(Address block) const { return (block - m_blocks_base) / m_block_bytes; }
    Address bitmap_word(uint32_t word) const { return m_control_base + HEAD_BYTES + 4u * word; }
    Result<Address> fail(RtStatus status) {
        ++m_stats.failed_allocations;
        return Result<Address>{status, 0};
    }
    RtStatus reject(RtStatus status) {
        ++m_stats.rejected_frees;
        return status;
    }

    Mem* m_mem = nullptr; ///< nullptr until init() succeeds
    HeapGuard* m_guard = nullptr;
    HeapOwner m_owner;
    Address m_blocks_base = 0;
    uint32_t m_span_bytes = 0; ///< block_bytes * block_count
    Address m_control_base = 0;
    uint32_t m_block_bytes = 0; ///< rounded; a multiple of m_align_bytes
    uint32_t m_block_count = 0;
    uint32_t m_align_bytes = 0;
    FixedPoolStats m_stats;
    StepMeter m_steps;
};

} // namespace emsim::rt
