#pragma once
// TlsfHeap: a two-level segregated-fit allocator (Masmano et al., ECRTS 2004) over regions of
// target memory. Owns the block layout, the free lists, the bitmaps, the region table and the
// per-operation cost accounting; does not own the memory (the caller hands regions in), locking
// (the heap is not thread- or ISR-safe: wrap it), or the cycle cost of a step (the host charges).
//
// Everything the allocator decides on lives in target memory and is reached only through the
// access policy `Mem` (runtime/memory_access.h): block headers, free-list links, the first- and
// second-level bitmaps, the list heads and the region table. The C++ object holds configuration
// (derived once from TlsfParams) and statistics counters only, so under the TLM policy every
// metadata access is a bus transaction.
//
// Target memory layout
// --------------------
// The control structure sits at the start of the first region (8-byte aligned):
//
//     +0   magic            TLSF_MAGIC, checked by invariants_hold()
//     +4   region_count     regions added so far
//     +8   fl_bitmap        bit f set iff second-level bitmap f is non-zero
//     +12  sl_bitmap[FL]    bit s of word f set iff list (f, s) is non-empty
//     ...  head[FL][SL]     first free block of list (f, s), 0 = empty
//     ...  region[R]        {first_block, sentinel} per region
//
// Each region is a chain of blocks ending in a permanently used 8-byte sentinel, so every block
// has a physical successor and free() needs no "last block" case:
//
//     block b:  +0 prev_phys   address of the physically preceding block, 0 for a region's first
//               +4 size|flags  block bytes (header included, multiple of 8) | FREE | PREV_FREE
//               +8 next_free   } only while the block is free; the user's payload otherwise
//               +12 prev_free  }
//
// The header is 8 bytes and always valid (prev_phys is never overlaid by the predecessor's
// payload), which costs 4 bytes per block against Conte's TLSF but lets free() verify any pointer
// by a physical-neighbour round trip before touching anything.
//
// Size classes: block sizes below SMALL = 2^(sl_log2 + 3) form first-level class 0, split
// linearly in steps of 8 bytes; above, class f covers [2^(f + sl_log2 + 2), 2^(f + sl_log2 + 3))
// in 2^sl_log2 equal second-level lists. Inserting rounds the size down to its list; searching
// rounds the request up to the next list boundary, so any block found there fits without walking
// the list ("good fit").

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

/// Construction parameters. Control-structure bytes =
/// 12 + 4 * FL + 4 * FL * 2^sl_log2 + 8 * max_regions, rounded up to 8, where
/// FL = max_block_log2 - sl_log2 - 2 (first-level classes, including the linear class 0).
struct TlsfParams {
    /// Second-level lists per first-level class = 2^sl_log2; 1..5 (2..32 lists). More lists cut
    /// internal fragmentation of the good-fit search (RTS 2008: 3 % at 32) and cost control RAM.
    uint32_t sl_log2 = 4;
    /// Blocks are smaller than 2^max_block_log2 bytes (header included); sl_log2 + 4..31. The
    /// default 24 (16 MiB) covers any Cortex-M SRAM; 31 costs 1.7 KiB of control structure.
    uint32_t max_block_log2 = 24;
    /// No block is smaller than this (header included); multiple of 8, >= 16 (header + two free
    /// links). A remainder smaller than this is left in the allocated block instead of split off.
    uint32_t min_block_bytes = 16;
    /// Capacity of the region table; 1..16. free() scans the used part of it (O(regions)).
    uint32_t max_regions = 4;
};

/// Cost of one operation: algorithm steps and metadata accesses through `Mem` (user-data copies
/// of reallocate() included, since they also go through `Mem`).
struct TlsfCost {
    uint32_t steps = 0;  ///< loop iterations, list operations, bitmap scans
    uint32_t loads = 0;  ///< Mem load calls, any width
    uint32_t stores = 0; ///< Mem store calls, any width
    constexpr uint32_t accesses() const { return loads + stores; }
};

/// Largest cost seen so far for one first-level size class (of the requested block size).
struct TlsfObservedCost {
    uint32_t max_steps = 0;    ///< never decreases
    uint32_t max_accesses = 0; ///< loads + stores; never decreases
    uint32_t ops = 0;          ///< operations recorded in this class
};

/// Counters; all byte figures are block bytes with headers unless stated.
struct TlsfDiagnostics {
    uint32_t capacity_bytes =
        0; ///< bytes in the blocks of all regions (control and sentinels excluded)
    uint32_t control_bytes = 0;      ///< control structure at the start of the first region
    uint32_t used_bytes = 0;         ///< bytes in used blocks; <= capacity_bytes
    uint32_t free_bytes = 0;         ///< capacity_bytes - used_bytes
    uint32_t peak_used_bytes = 0;    ///< max of used_bytes so far; never decreases
    uint32_t peak_request_bytes = 0; ///< largest size ever passed to allocate/reallocate
    uint32_t allocation_count = 0;   ///< live allocations
    uint32_t free_block_count = 0;   ///< blocks in the free lists
    uint32_t total_allocations = 0;  ///< successful allocate() calls (and moves of reallocate())
    uint32_t total_frees = 0;        ///< successful free() calls
    uint32_t oom_count = 0;          ///< allocate/reallocate refused with NoMemory
    uint32_t bad_pointer_count = 0;  ///< free/reallocate refused with BadPointer
    uint32_t double_free_count = 0;  ///< free/reallocate refused with DoubleFree
    uint32_t deadline_refusals = 0; ///< allocate_deterministic refused with TimeConstraintViolation
    uint32_t realloc_in_place = 0;  ///< reallocate() served without moving
    uint32_t realloc_moved = 0;     ///< reallocate() that allocated, copied and freed
    uint32_t region_count = 0;      ///< regions added
};

/// O(1) fragmentation figures (see largest_free_block_exact() for the exact walk).
struct TlsfFragmentation {
    uint32_t free_bytes = 0; ///< sum of free block sizes, headers included
    /// Size of the head block of the highest non-empty list: a LOWER bound of the largest free
    /// block (lists are not sorted); exact whenever that list holds one block. 0 if none free.
    uint32_t largest_free_block_bytes = 0;
    /// Exclusive UPPER bound of any free block's size: the top of the highest non-empty list.
    uint32_t largest_free_limit_bytes = 0;
    uint32_t free_block_count = 0; ///< blocks in the free lists
};

template <class Mem> class TlsfHeap {
public:
    static constexpr uint32_t ALIGN_LOG2 = 3;
    static constexpr uint32_t ALIGN_BYTES =
        1u << ALIGN_LOG2;                       ///< every payload; AAPCS malloc alignment
    static constexpr uint32_t HEADER_BYTES = 8; ///< prev_phys + size|flags
    static constexpr uint32_t SENTINEL_BYTES = HEADER_BYTES;           ///< closes every region
    static constexpr uint32_t MIN_FREE_BLOCK_BYTES = HEADER_BYTES + 8; ///< header + 2 links
    static constexpr uint32_t MAX_ALIGN_BYTES = 1u << 16; ///< larger alignments: InvalidAlignment
    static constexpr uint32_t MAX_FL_COUNT = 32;          ///< one bit per class in fl_bitmap
    static constexpr uint32_t MAX_SL_LOG2 = 5;            ///< 32 lists: one sl_bitmap word
    static constexpr uint32_t MAX_REGIONS_LIMIT = 16;
    static constexpr uint32_t TLSF_MAGIC = 0x464c5354u; ///< "TSLF" little-endian
    static constexpr uint32_t FREE_BIT = 1u;
    static constexpr uint32_t PREV_FREE_BIT = 2u;
    static constexpr uint32_t FLAG_MASK = ALIGN_BYTES - 1;
    /// Written over the size word of a header that a merge absorbed, so a stale header can never
    /// pass free()'s checks again, and a second free of it reads as DoubleFree.
    static constexpr uint32_t ABSORBED_MARK = FREE_BIT;

    static_assert((ALIGN_BYTES & (ALIGN_BYTES - 1)) == 0, "alignment must be a power of two");
    static_assert(HEADER_BYTES % ALIGN_BYTES == 0, "payload must stay aligned after the header");
    static_assert(FLAG_MASK >= (FREE_BIT | PREV_FREE_BIT), "flags must fit below the alignment");
    static_assert(MIN_FREE_BLOCK_BYTES % ALIGN_BYTES == 0, "blocks are multiples of 8 bytes");

    /// Keeps a reference to `mem` and the parameters; no memory is touched until add_region().
    /// Bad parameters are reported by the first add_region() (Unsupported).
    explicit TlsfHeap(Mem& mem, const TlsfParams& params = TlsfParams{}) : m_mem(mem) {
        m_params_ok = params.sl_log2 >= 1 && params.sl_log2 <= MAX_SL_LOG2 &&
                      params.max_block_log2 >= params.sl_log2 + ALIGN_LOG2 + 1 &&
                      params.max_block_log2 <= 31 &&
                      params.max_block_log2 - params.sl_log2 - ALIGN_LOG2 + 1 <= MAX_FL_COUNT &&
                      params.min_block_bytes >= MIN_FREE_BLOCK_BYTES &&
                      params.min_block_bytes % ALIGN_BYTES == 0 &&
                      params.min_block_bytes < (1u << params.max_block_log2) / 2 &&
                      params.max_regions >= 1 && params.max_regions <= MAX_REGIONS_LIMIT;
        if (m_params_ok) {
            m_sl_log2 = params.sl_log2;
            m_sl_count = 1u << m_sl_log2;
            m_small_bytes = 1u << (m_sl_log2 + ALIGN_LOG2);
            m_fl_count = params.max_block_log2 - m_sl_log2 - ALIGN_LOG2 + 1;
            m_max_block_bytes = (1u << params.max_block_log2) - ALIGN_BYTES;
            m_min_block_bytes = params.min_block_bytes;
            m_max_regions = params.max_regions;
        }
    }

    TlsfHeap(const TlsfHeap&) = delete;
    TlsfHeap& operator=(const TlsfHeap&) = delete;

    // ---------------------------------------------------------------------------------------
    // Regions

    /// Hands [start, start + size_bytes) to the heap. The first call also places the control
    /// structure at the region's start. The range is trimmed to 8-byte boundaries.
    /// Returns Unsupported if the parameters were invalid; InvalidRegion if the trimmed range
    /// starts at 0, wraps, overlaps a region already added, cannot hold the control structure
    /// (first region) plus one minimum block and the sentinel, would form a block of
    /// 2^max_block_log2 bytes or more, or the region table is full. O(control bytes) for the first
    /// region (it zeroes the lists), O(regions) after.
    RtStatus add_region(Address start, uint32_t size_bytes) {
        begin_op();
        if (!m_params_ok)
            return RtStatus::Unsupported;
        const uint64_t raw_end = uint64_t(start) + size_bytes;
        if (raw_end > (uint64_t(1) << 32))
            return RtStatus::InvalidRegion;
        const uint64_t lo64 = (uint64_t(start) + FLAG_MASK) & ~uint64_t(FLAG_MASK);
        const uint64_t hi64 = raw_end & ~uint64_t(FLAG_MASK);
        if (lo64 == 0 || hi64 <= lo64)
            return RtStatus::InvalidRegion;
        if (hi64 > uint64_t(UINT32_MAX) + 1 - ALIGN_BYTES)
            return RtStatus::InvalidRegion;
        const Address lo = Address(lo64);
        const Address hi = Address(hi64);
        const bool first = m_control == 0;
        const uint32_t control_bytes = first ? control_size_bytes() : 0;
        if (hi - lo < control_bytes + m_min_block_bytes + SENTINEL_BYTES)
            return RtStatus::InvalidRegion;
        const Address block = lo + control_bytes;
        const Address sentinel = hi - SENTINEL_BYTES;
        const uint32_t block_bytes = sentinel - block;
        if (block_bytes > m_max_block_bytes)
            return RtStatus::InvalidRegion;
        if (!first) {
            const uint32_t count = ld(m_control + CTRL_REGION_COUNT);
            if (count >= m_max_regions)
                return RtStatus::InvalidRegion;
            for (uint32_t i = 0; i < count; ++i) {
                m_meter.add();
                const Address r = region_entry(i);
                // A region's extent is [first_block, sentinel + 8), the control structure being
                // part of region 0's range.
                const Address r_lo = i == 0 ? m_control : ld(r + 0);
                const Address r_hi = ld(r + 4) + SENTINEL_BYTES;
                if (lo < r_hi && r_lo < hi)
                    return RtStatus::InvalidRegion;
            }
        } else {
            m_control = lo;
            m_sl_bitmaps = m_control + CTRL_SL_BITMAPS;
            m_heads = m_sl_bitmaps + 4 * m_fl_count;
            m_regions = m_heads + 4 * m_fl_count * m_sl_count;
            st(m_control + CTRL_MAGIC, TLSF_MAGIC);
            st(m_control + CTRL_REGION_COUNT, 0);
            st(m_control + CTRL_FL_BITMAP, 0);
            for (uint32_t f = 0; f < m_fl_count; ++f)
                st(sl_bitmap_addr(f), 0);
            for (uint32_t i = 0; i < m_fl_count * m_sl_count; ++i)
                st(m_heads + 4 * i, 0);
            m_diag.control_bytes = control_bytes;
        }
        const uint32_t index = ld(m_control + CTRL_REGION_COUNT);
        st(region_entry(index) + 0, block);
        st(region_entry(index) + 4, sentinel);
        st(m_control + CTRL_REGION_COUNT, index + 1);

        // [ block: free, prev_phys 0 ........................ ][ sentinel: used, size 0 ]
        st(block + OFF_PREV_PHYS, 0);
        st(block + OFF_SIZE, block_bytes | FREE_BIT);
        st(sentinel + OFF_PREV_PHYS, block);
        st(sentinel + OFF_SIZE, 0 | PREV_FREE_BIT);
        insert_free(block, block_bytes);

        m_diag.region_count = index + 1;
        m_diag.capacity_bytes += block_bytes;
        m_diag.free_bytes += block_bytes;
        return RtStatus::Ok;
    }

    // ---------------------------------------------------------------------------------------
    // Allocation

    /// Allocates at least `size_bytes` bytes aligned to `align_bytes` (a power of two; values
    /// below 8 mean 8). Returns the payload address, or 0 with InvalidSize (0, or a block that
    /// could never exist: size + header >= 2^max_block_log2), InvalidAlignment (not a power of two,
    /// or > MAX_ALIGN_BYTES), NoMemory iff neither the good-fit search nor the probe of the
    /// request's own list head finds a block that fits.
    /// O(1): at most three bitmap scans, one list-head probe, one removal, one split (two with an
    /// over-alignment gap) and their insertions; see allocation_time_guarantee(). Does not zero
    /// memory (that would be O(size)).
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = ALIGN_BYTES) {
        begin_op();
        const Result<Address> r = allocate_core(size_bytes, align_bytes);
        end_op(m_alloc_observed, observed_class(size_bytes));
        return r;
    }

    /// allocate() unless the structural bound for this request (allocation_time_guarantee) exceeds
    /// `deadline_steps`: then TimeConstraintViolation and nothing is touched. O(1).
    Result<Address> allocate_deterministic(uint32_t size_bytes, uint32_t deadline_steps,
                                           uint32_t align_bytes = ALIGN_BYTES) {
        if (allocation_time_guarantee(size_bytes, align_bytes).steps > deadline_steps) {
            begin_op();
            ++m_diag.deadline_refusals;
            return {RtStatus::TimeConstraintViolation, 0};
        }
        return allocate(size_bytes, align_bytes);
    }

    /// Releases the allocation at `addr`. free(0) is a no-op returning Ok (as C's free(NULL)).
    /// Returns BadPointer, touching nothing, unless `addr` is 8-aligned, inside a region, and its
    /// header passes the neighbour round trip: size plausible, the next block's prev_phys points
    /// back, the previous block's size leads here and its FREE bit matches our PREV_FREE bit.
    /// Returns DoubleFree, touching nothing, if that block is free, or its header was absorbed by a
    /// merge (ABSORBED_MARK). Detection is exact for every pointer except one whose user data or
    /// stale free-list words forge a consistent header pair (as Zephyr's BASIC hardening).
    /// O(regions) for the region lookup, otherwise O(1): at most two removals (merging with both
    /// neighbours) and one insertion; see free_time_guarantee().
    RtStatus free(Address addr) {
        begin_op();
        UsedBlock u{};
        RtStatus s = RtStatus::Ok;
        if (addr != 0) {
            s = validate_used(addr, u);
            if (s == RtStatus::Ok) {
                free_core(u);
                ++m_diag.total_frees;
            }
        }
        end_op(m_free_observed, class_of_block(u.bytes));
        return s;
    }

    /// Resizes the allocation at `addr` to at least `size_bytes`, preserving the first
    /// min(old, new) payload bytes. In place when shrinking (the tail, if >= min_block_bytes, is
    /// split off and merged with a free successor) or when the physical successor is free and large
    /// enough; otherwise allocate + copy + free, the copy going word by word through Mem
    /// load32/store32 (one step per word). The moved block is 8-byte aligned whatever the
    /// original alignment was. reallocate(0, n) = allocate(n). On any error the old block is
    /// untouched: InvalidSize (0 or too large), BadPointer/DoubleFree (as free()), NoMemory.
    /// O(1) in place; O(min(old, new) / 4) when moving; see reallocation_time_guarantee().
    Result<Address> reallocate(Address addr, uint32_t size_bytes) {
        begin_op();
        Result<Address> r{};
        UsedBlock u{};
        if (addr == 0) {
            r = allocate_core(size_bytes, ALIGN_BYTES);
        } else if (!request_size_ok(size_bytes)) {
            r = {RtStatus::InvalidSize, 0};
        } else {
            note_request(size_bytes);
            const RtStatus s = validate_used(addr, u);
            r = s == RtStatus::Ok ? reallocate_core(u, size_bytes) : Result<Address>{s, 0};
        }
        end_op(m_realloc_observed, observed_class(size_bytes));
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Bounds derived from the code's worst path (not from history)

    /// Upper bound on steps, loads and stores of allocate(size_bytes, align_bytes), whatever the
    /// heap's size, content or history. Sum of the worst case of each phase on the longest path:
    ///   search  : map + SL scan + FL scan + SL scan (or the list-head probe):  4 steps,
    ///             loads sl_bitmap, fl_bitmap, sl_bitmap, head, block size      5 loads
    ///   remove  : unlink the head; list, SL word and FL bit become empty:     1 step, 3 L, 3 S
    ///   gap     : (align > 8 only) split a leading free block + insert:       2 steps, 3 L, 7 S
    ///   split   : write remainder header + successor's prev_phys + insert:    2 steps, 3 L, 8 S
    ///             (the no-split branch costs 1 step, 1 L, 2 S: covered)
    ///   header  : store the block's size word:                                1 S
    /// => align <= 8: 7 steps, 11 loads, 12 stores (23 accesses); align > 8: 9, 14, 19 (33).
    /// Invalid sizes and alignments return before any access.
    TlsfCost allocation_time_guarantee(uint32_t size_bytes,
                                       uint32_t align_bytes = ALIGN_BYTES) const {
        (void)size_bytes; // every valid size takes the same worst path
        TlsfCost c{};
        c.steps = SEARCH_STEPS + REMOVE_HEAD_STEPS + SPLIT_STEPS + INSERT_STEPS;
        c.loads = SEARCH_LOADS + REMOVE_HEAD_LOADS + INSERT_LOADS;
        c.stores = REMOVE_HEAD_STORES + SPLIT_STORES + INSERT_STORES + HEADER_STORES;
        if (align_bytes > ALIGN_BYTES) {
            c.steps += GAP_STEPS + INSERT_STEPS;
            c.loads += INSERT_LOADS;
            c.stores += GAP_STORES + INSERT_STORES;
        }
        return c;
    }

    /// Upper bound on free(): region lookup R steps, 1 + 2R loads (R = regions added);
    /// validation 1 step, 4 loads; merge with predecessor: removal (1 step, 4 L, 3 S) + absorb
    /// mark (1 S); successor's size word 1 L; merge with successor: removal (1 step, 4 L, 3 S) +
    /// absorb mark + successor's successor prev_phys (2 S), the non-merge branch costs 2 S too;
    /// header 1 S; insertion 1 step, 3 L, 5 S.
    /// => R + 4 steps, 17 + 2R loads, 15 stores (34 accesses with one region).
    TlsfCost free_time_guarantee() const {
        const TlsfCost v = validation_cost();
        const TlsfCost f = free_core_cost();
        TlsfCost c{};
        c.steps = v.steps + f.steps;
        c.loads = v.loads + f.loads;
        c.stores = v.stores + f.stores;
        return c;
    }

    /// Upper bound on reallocate(addr, new_size_bytes) of a block whose payload is
    /// old_payload_bytes: validation + the successor probe (1 L) + the worse of the in-place paths
    /// and the move path (allocation + copy of min(old, new) rounded up to words, 1 step + 1 L +
    /// 1 S per word + re-reading the old header and predecessor (3 L) + the free without its
    /// validation). The move path dominates (in place: 3 steps, 8 L, 13 S after validation).
    TlsfCost reallocation_time_guarantee(uint32_t old_payload_bytes,
                                         uint32_t new_size_bytes) const {
        const uint32_t copy_bytes =
            old_payload_bytes < new_size_bytes ? old_payload_bytes : new_size_bytes;
        const uint32_t words = (copy_bytes + 3) / 4;
        const TlsfCost v = validation_cost();
        const TlsfCost a = allocation_time_guarantee(new_size_bytes);
        const TlsfCost f = free_core_cost();
        TlsfCost c{};
        c.steps = v.steps + a.steps + words + f.steps;
        c.loads = v.loads + 1 + a.loads + words + 3 + f.loads;
        c.stores = a.stores + words + f.stores;
        return c;
    }

    /// Observed worst case per first-level class (see class_of_block): allocate() and
    /// reallocate() record under the block size of the request (allocate_deterministic under
    /// allocate when it proceeds), free() under the freed block. Invalid requests are recorded in
    /// class MAX_FL_COUNT - 1. History only: the guarantees never consult these tables.
    /// All zero in firmware builds (EMSIM_RT_COUNT_STEPS = 0).
    const TlsfObservedCost& observed_alloc(uint32_t fl_class) const {
        return m_alloc_observed[fl_class < MAX_FL_COUNT ? fl_class : MAX_FL_COUNT - 1];
    }
    const TlsfObservedCost& observed_free(uint32_t fl_class) const {
        return m_free_observed[fl_class < MAX_FL_COUNT ? fl_class : MAX_FL_COUNT - 1];
    }
    const TlsfObservedCost& observed_reallocate(uint32_t fl_class) const {
        return m_realloc_observed[fl_class < MAX_FL_COUNT ? fl_class : MAX_FL_COUNT - 1];
    }

    /// Steps of the last public operation, queries included (0 in firmware builds:
    /// EMSIM_RT_COUNT_STEPS = 0). Queries count no steps, only their loads.
    uint32_t last_op_steps() const { return m_meter.steps(); }
    /// Steps, loads and stores of the last public operation as counted by the heap itself (the
    /// loads and stores equal a CountingMemory's figures; 0 in firmware builds).
    TlsfCost last_op_cost() const {
        TlsfCost c{};
        c.steps = m_meter.steps();
        c.loads = m_op_loads;
        c.stores = m_op_stores;
        return c;
    }

    // ---------------------------------------------------------------------------------------
    // Monitoring

    const TlsfDiagnostics& diagnostics() const { return m_diag; }
    uint32_t fl_count() const { return m_fl_count; }
    uint32_t sl_count() const { return m_sl_count; }
    /// Bytes of the control structure for these parameters (placed at the first region's start).
    uint32_t control_size_bytes() const {
        const uint32_t raw =
            CTRL_SL_BITMAPS + 4 * m_fl_count + 4 * m_fl_count * m_sl_count + 8 * m_max_regions;
        return (raw + FLAG_MASK) & ~FLAG_MASK;
    }
    /// Largest request size_bytes that could ever be served (with 8-byte alignment).
    uint32_t max_request_bytes() const { return m_max_block_bytes - HEADER_BYTES; }
    /// First-level class of a block of block_bytes bytes (for observed_alloc/observed_free).
    uint32_t class_of_block(uint32_t block_bytes) const {
        if (block_bytes < MIN_FREE_BLOCK_BYTES || block_bytes > m_max_block_bytes)
            return 0;
        uint32_t f = 0, s = 0;
        mapping_insert(block_bytes, f, s);
        return f;
    }
    /// Block bytes that a request of size_bytes occupies (header and rounding included).
    uint32_t block_bytes_for(uint32_t size_bytes) const {
        uint32_t need = (size_bytes + HEADER_BYTES + FLAG_MASK) & ~FLAG_MASK;
        return need < m_min_block_bytes ? m_min_block_bytes : need;
    }

    /// O(1): two bitmap loads, one head load and its size word (4 loads).
    TlsfFragmentation fragmentation() {
        begin_op();
        TlsfFragmentation f{};
        f.free_bytes = m_diag.free_bytes;
        f.free_block_count = m_diag.free_block_count;
        if (m_control == 0)
            return f;
        const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
        if (fl_map == 0)
            return f;
        const uint32_t fl = fls32(fl_map);
        const uint32_t sl = fls32(ld(sl_bitmap_addr(fl)));
        const Address head = ld(head_addr(fl, sl));
        f.largest_free_block_bytes = ld(head + OFF_SIZE) & ~FLAG_MASK;
        f.largest_free_limit_bytes = class_limit_bytes(fl, sl);
        return f;
    }

    /// The exact largest free block (bytes, header included): walks the highest non-empty list,
    /// O(length of that list). 0 if nothing is free.
    uint32_t largest_free_block_exact() {
        begin_op();
        if (m_control == 0)
            return 0;
        const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
        if (fl_map == 0)
            return 0;
        const uint32_t fl = fls32(fl_map);
        const uint32_t sl = fls32(ld(sl_bitmap_addr(fl)));
        uint32_t best = 0;
        for (Address b = ld(head_addr(fl, sl)); b != 0; b = ld(b + OFF_NEXT_FREE)) {
            const uint32_t sz = ld(b + OFF_SIZE) & ~FLAG_MASK;
            if (sz > best)
                best = sz;
        }
        return best;
    }

    /// 1 - largest_free / free_bytes, from the O(1) lower bound of largest_free, so this is an
    /// upper bound of the true external fragmentation (exact when the top list has one block).
    /// 0 when nothing is free. O(1).
    double external_fragmentation() {
        const TlsfFragmentation f = fragmentation();
        if (f.free_bytes == 0)
            return 0.0;
        return 1.0 - double(f.largest_free_block_bytes) / double(f.free_bytes);
    }

    /// O(1) sanity check for periodic use: the control magic, no first-level bit beyond the
    /// configured classes, the first-level bitmap empty iff nothing is free, and the counters
    /// consistent (used + free = capacity, peak >= used). 2 loads.
    bool invariants_hold() {
        begin_op();
        const TlsfDiagnostics& d = m_diag;
        if (d.used_bytes + d.free_bytes != d.capacity_bytes)
            return false;
        if (d.peak_used_bytes < d.used_bytes)
            return false;
        if ((d.free_bytes == 0) != (d.free_block_count == 0))
            return false;
        if (m_control == 0)
            return d.capacity_bytes == 0;
        if (ld(m_control + CTRL_MAGIC) != TLSF_MAGIC)
            return false;
        const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
        if (m_fl_count < 32 && (fl_map >> m_fl_count) != 0)
            return false;
        return (fl_map == 0) == (d.free_block_count == 0);
    }

    /// O(blocks + control) walk of every region and every list. Returns Corrupt on the first
    /// broken invariant, else Ok:
    ///  - each region: blocks tile [first_block, sentinel) exactly, each size a multiple of 8
    ///  within
    ///    [min_block, max_block], prev_phys of each block (and of the sentinel) points at the
    ///    previous block (0 for the first), PREV_FREE equals the predecessor's FREE bit, no two
    ///    physically adjacent blocks are free, the sentinel is used with size 0;
    ///  - each list (f, s): its SL bit is set iff it is non-empty, the FL bit iff the SL word is
    ///    non-zero, every node is a free block inside a region that maps to (f, s), prev_free links
    ///    mirror next_free links;
    ///  - the free blocks counted in the lists are exactly those of the physical walk (count and
    ///    bytes), and the counters (free, used, allocation count) agree with the walk.
    RtStatus check_integrity() {
        begin_op();
        if (m_control == 0)
            return m_diag.capacity_bytes == 0 ? RtStatus::Ok : RtStatus::Corrupt;
        if (ld(m_control + CTRL_MAGIC) != TLSF_MAGIC)
            return RtStatus::Corrupt;
        const uint32_t count = ld(m_control + CTRL_REGION_COUNT);
        if (count != m_diag.region_count || count > m_max_regions)
            return RtStatus::Corrupt;
        uint32_t free_blocks = 0, free_bytes = 0, used_blocks = 0, used_bytes = 0;
        for (uint32_t i = 0; i < count; ++i) {
            const Address first = ld(region_entry(i) + 0);
            const Address sentinel = ld(region_entry(i) + 4);
            if (first == 0 || sentinel <= first || ((first | sentinel) & FLAG_MASK) != 0)
                return RtStatus::Corrupt;
            Address prev = 0;
            bool prev_free = false;
            Address b = first;
            while (b != sentinel) {
                if (b > sentinel || sentinel - b < m_min_block_bytes)
                    return RtStatus::Corrupt;
                const uint32_t w = ld(b + OFF_SIZE);
                const uint32_t sz = w & ~FLAG_MASK;
                const bool is_free = (w & FREE_BIT) != 0;
                if (sz < m_min_block_bytes || sz > m_max_block_bytes || sz > sentinel - b)
                    return RtStatus::Corrupt;
                if (ld(b + OFF_PREV_PHYS) != prev)
                    return RtStatus::Corrupt;
                if (((w & PREV_FREE_BIT) != 0) != prev_free)
                    return RtStatus::Corrupt;
                if (is_free && prev_free)
                    return RtStatus::Corrupt;
                if (is_free) {
                    ++free_blocks;
                    free_bytes += sz;
                } else {
                    ++used_blocks;
                    used_bytes += sz;
                }
                prev = b;
                prev_free = is_free;
                b += sz;
            }
            const uint32_t sw = ld(sentinel + OFF_SIZE);
            if ((sw & ~PREV_FREE_BIT) != 0 || ((sw & PREV_FREE_BIT) != 0) != prev_free)
                return RtStatus::Corrupt;
            if (ld(sentinel + OFF_PREV_PHYS) != prev)
                return RtStatus::Corrupt;
        }
        // Lists against bitmaps.
        const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
        if (m_fl_count < 32 && (fl_map >> m_fl_count) != 0)
            return RtStatus::Corrupt;
        uint32_t listed_blocks = 0, listed_bytes = 0;
        for (uint32_t f = 0; f < m_fl_count; ++f) {
            const uint32_t sl_map = ld(sl_bitmap_addr(f));
            if (m_sl_count < 32 && (sl_map >> m_sl_count) != 0)
                return RtStatus::Corrupt;
            if (((fl_map >> f) & 1u) != (sl_map != 0 ? 1u : 0u))
                return RtStatus::Corrupt;
            for (uint32_t s = 0; s < m_sl_count; ++s) {
                Address node = ld(head_addr(f, s));
                if (((sl_map >> s) & 1u) != (node != 0 ? 1u : 0u))
                    return RtStatus::Corrupt;
                Address back = 0;
                while (node != 0) {
                    if (listed_blocks >= free_blocks)
                        return RtStatus::Corrupt; // cycle or stray
                    const Address limit = sentinel_of(node, count);
                    if (limit == 0 || (node & FLAG_MASK) != 0)
                        return RtStatus::Corrupt;
                    const uint32_t w = ld(node + OFF_SIZE);
                    const uint32_t sz = w & ~FLAG_MASK;
                    if ((w & FREE_BIT) == 0 || sz < m_min_block_bytes || sz > limit - node)
                        return RtStatus::Corrupt;
                    uint32_t ff = 0, ss = 0;
                    mapping_insert(sz, ff, ss);
                    if (ff != f || ss != s)
                        return RtStatus::Corrupt;
                    if (ld(node + OFF_PREV_FREE) != back)
                        return RtStatus::Corrupt;
                    // A real block start: its successor points back.
                    if (ld(node + sz + OFF_PREV_PHYS) != node)
                        return RtStatus::Corrupt;
                    ++listed_blocks;
                    listed_bytes += sz;
                    back = node;
                    node = ld(node + OFF_NEXT_FREE);
                }
            }
        }
        if (listed_blocks != free_blocks || listed_bytes != free_bytes)
            return RtStatus::Corrupt;
        const TlsfDiagnostics& d = m_diag;
        if (d.free_bytes != free_bytes || d.used_bytes != used_bytes ||
            d.free_block_count != free_blocks || d.allocation_count != used_blocks ||
            d.capacity_bytes != free_bytes + used_bytes)
            return RtStatus::Corrupt;
        return RtStatus::Ok;
    }

    /// Block bytes (header included) of the live allocation at payload `addr`, validated as in
    /// free(); 0 if it is not one. For tests and tooling; O(regions).
    uint32_t block_size_of(Address addr) {
        begin_op();
        UsedBlock u{};
        return validate_used_impl(addr, u) == RtStatus::Ok ? u.bytes : 0;
    }

    /// Calls visit(block_address, block_bytes, is_free) for every block of region `index` in
    /// address order (sentinel excluded). For tests and dumps; O(blocks). Returns false if the
    /// region does not exist.
    template <class Visit> bool for_each_block(uint32_t index, Visit&& visit) {
        begin_op();
        if (m_control == 0 || index >= m_diag.region_count)
            return false;
        const Address first = ld(region_entry(index) + 0);
        const Address sentinel = ld(region_entry(index) + 4);
        for (Address b = first; b < sentinel;) {
            const uint32_t w = ld(b + OFF_SIZE);
            const uint32_t sz = w & ~FLAG_MASK;
            if (sz == 0)
                return false;
            visit(b, sz, (w & FREE_BIT) != 0);
            b += sz;
        }
        return true;
    }

private:
    // Header field offsets inside a block.
    static constexpr uint32_t OFF_PREV_PHYS = 0;
    static constexpr uint32_t OFF_SIZE = 4;
    static constexpr uint32_t OFF_NEXT_FREE = 8;
    static constexpr uint32_t OFF_PREV_FREE = 12;
    // Control structure offsets.
    static constexpr uint32_t CTRL_MAGIC = 0;
    static constexpr uint32_t CTRL_REGION_COUNT = 4;
    static constexpr uint32_t CTRL_FL_BITMAP = 8;
    static constexpr uint32_t CTRL_SL_BITMAPS = 12;

    // Worst-case cost of each phase; each constant sits next to (and must match) the code that
    // the comment in front of the helper counts. Tests check the sums against CountingMemory.
    static constexpr uint32_t SEARCH_STEPS = 4, SEARCH_LOADS = 5;
    static constexpr uint32_t REMOVE_HEAD_STEPS = 1, REMOVE_HEAD_LOADS = 3, REMOVE_HEAD_STORES = 3;
    static constexpr uint32_t REMOVE_STEPS = 1, REMOVE_LOADS = 4, REMOVE_STORES = 3;
    static constexpr uint32_t INSERT_STEPS = 1, INSERT_LOADS = 3, INSERT_STORES = 5;
    static constexpr uint32_t SPLIT_STEPS = 1, SPLIT_STORES = 3;
    static constexpr uint32_t GAP_STEPS = 1, GAP_STORES = 2;
    static constexpr uint32_t HEADER_STORES = 1;

    // --- access wrappers: the only place that touches Mem --------------------------------------
    uint32_t ld(Address a) {
#if EMSIM_RT_COUNT_STEPS
        ++m_op_loads;
#endif
        EMSIM_RT_ASSERT((a & 3u) == 0);
        return m_mem.load32(a);
    }
    void st(Address a, uint32_t v) {
#if EMSIM_RT_COUNT_STEPS
        ++m_op_stores;
#endif
        EMSIM_RT_ASSERT((a & 3u) == 0);
        m_mem.store32(a, v);
    }

    void begin_op() {
        m_meter.begin();
        m_op_loads = 0;
        m_op_stores = 0;
    }
    void end_op(TlsfObservedCost* table, uint32_t fl_class) {
#if EMSIM_RT_COUNT_STEPS
        TlsfObservedCost& o = table[fl_class < MAX_FL_COUNT ? fl_class : MAX_FL_COUNT - 1];
        const uint32_t acc = m_op_loads + m_op_stores;
        if (m_meter.steps() > o.max_steps)
            o.max_steps = m_meter.steps();
        if (acc > o.max_accesses)
            o.max_accesses = acc;
        ++o.ops;
#else
        (void)table;
        (void)fl_class;
#endif
    }

    static uint32_t ctz32(uint32_t x) {
        return uint32_t(__builtin_ctz(x));
    }
    static uint32_t fls32(uint32_t x) {
        return 31u - uint32_t(__builtin_clz(x));
    }

    Address sl_bitmap_addr(uint32_t fl) const {
        return m_sl_bitmaps + 4 * fl;
    }
    Address head_addr(uint32_t fl, uint32_t sl) const {
        return m_heads + 4 * (fl * m_sl_count + sl);
    }
    Address region_entry(uint32_t i) const {
        return m_regions + 8 * i;
    }

    bool request_size_ok(uint32_t size_bytes) const {
        return m_params_ok && size_bytes != 0 && size_bytes <= m_max_block_bytes - HEADER_BYTES;
    }
    void note_request(uint32_t size_bytes) {
        if (size_bytes > m_diag.peak_request_bytes)
            m_diag.peak_request_bytes = size_bytes;
    }
    uint32_t observed_class(uint32_t size_bytes) const {
        if (!m_params_ok || !request_size_ok(size_bytes))
            return MAX_FL_COUNT - 1;
        return class_of_block(block_bytes_for(size_bytes));
    }

    /// Insertion mapping: the list whose range contains size_bytes (rounds down).
    void mapping_insert(uint32_t size_bytes, uint32_t& fl, uint32_t& sl) const {
        if (size_bytes < m_small_bytes) {
            fl = 0;
            sl = size_bytes >> ALIGN_LOG2;
        } else {
            const uint32_t f = fls32(size_bytes);
            sl = (size_bytes >> (f - m_sl_log2)) ^ m_sl_count;
            fl = f - (m_sl_log2 + ALIGN_LOG2) + 1;
        }
    }
    /// Search mapping: the first list whose every block is >= size_bytes (rounds up). Returns
    /// false when no such list exists (the request is in the top list).
    bool mapping_search(uint32_t size_bytes, uint32_t& fl, uint32_t& sl) const {
        if (size_bytes >= m_small_bytes) {
            const uint32_t round = (1u << (fls32(size_bytes) - m_sl_log2)) - 1;
            size_bytes += round; // < 2^31 + 2^27: no wrap
            if (size_bytes > m_max_block_bytes)
                return false;
        }
        mapping_insert(size_bytes, fl, sl);
        return true;
    }
    /// Exclusive upper bound of block sizes in list (fl, sl).
    uint32_t class_limit_bytes(uint32_t fl, uint32_t sl) const {
        if (fl == 0)
            return (sl + 1) << ALIGN_LOG2;
        const uint32_t f = fl + m_sl_log2 + ALIGN_LOG2 - 1;
        const uint64_t lim = (uint64_t(m_sl_count + sl + 1)) << (f - m_sl_log2);
        return lim > UINT32_MAX ? UINT32_MAX : uint32_t(lim);
    }

    /// The sentinel of the region whose blocks contain `a`, 0 if none.
    Address sentinel_of(Address a, uint32_t count) {
        for (uint32_t i = 0; i < count; ++i) {
            const Address first = ld(region_entry(i) + 0);
            const Address sentinel = ld(region_entry(i) + 4);
            if (a >= first && a < sentinel)
                return sentinel;
        }
        return 0;
    }

    // --- free lists ------------------------------------------------------------------------------

    /// Pushes a free block on the head of its list. Worst case (list, SL word and FL bit empty):
    /// 1 step, 3 loads (head, SL word, FL word), 5 stores (next, prev, head, SL, FL). A non-empty
    /// list implies its bits are set, so that branch touches no bitmap (1 load, 4 stores).
    void insert_free(Address block, uint32_t size_bytes) {
        m_meter.add();
        uint32_t fl = 0, sl = 0;
        mapping_insert(size_bytes, fl, sl);
        const Address head = ld(head_addr(fl, sl));
        st(block + OFF_NEXT_FREE, head);
        st(block + OFF_PREV_FREE, 0);
        if (head != 0) {
            st(head + OFF_PREV_FREE, block);
        } else {
            const uint32_t sl_map = ld(sl_bitmap_addr(fl));
            st(sl_bitmap_addr(fl), sl_map | (1u << sl));
            if (sl_map == 0) {
                const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
                st(m_control + CTRL_FL_BITMAP, fl_map | (1u << fl));
            }
        }
        st(head_addr(fl, sl), block);
        ++m_diag.free_block_count;
    }

    /// Clears list (fl, sl)'s bit, and the FL bit if the SL word empties: 2 L, 2 S at most.
    void clear_list_bit(uint32_t fl, uint32_t sl) {
        const uint32_t sl_map = ld(sl_bitmap_addr(fl)) & ~(1u << sl);
        st(sl_bitmap_addr(fl), sl_map);
        if (sl_map == 0) {
            const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP);
            st(m_control + CTRL_FL_BITMAP, fl_map & ~(1u << fl));
        }
    }

    /// Unlinks the head `block` of list (fl, sl). Worst case (list empties): 1 step, 3 loads
    /// (next, SL, FL), 3 stores (head, SL, FL); otherwise 1 load, 2 stores.
    void remove_head(Address block, uint32_t fl, uint32_t sl) {
        m_meter.add();
        const Address next = ld(block + OFF_NEXT_FREE);
        if (next != 0)
            st(next + OFF_PREV_FREE, 0);
        st(head_addr(fl, sl), next);
        if (next == 0)
            clear_list_bit(fl, sl);
        --m_diag.free_block_count;
    }

    /// Unlinks any free block. Worst case (it is the only one of its list): 1 step, 4 loads
    /// (next, prev, SL, FL), 3 stores (head, SL, FL); a middle node costs 2 L, 2 S.
    void remove_free(Address block, uint32_t size_bytes) {
        m_meter.add();
        uint32_t fl = 0, sl = 0;
        mapping_insert(size_bytes, fl, sl);
        const Address next = ld(block + OFF_NEXT_FREE);
        const Address prev = ld(block + OFF_PREV_FREE);
        if (next != 0)
            st(next + OFF_PREV_FREE, prev);
        if (prev != 0) {
            st(prev + OFF_NEXT_FREE, next);
        } else {
            st(head_addr(fl, sl), next);
            if (next == 0)
                clear_list_bit(fl, sl);
        }
        --m_diag.free_block_count;
    }

    // --- operations ------------------------------------------------------------------------------

    Result<Address> allocate_core(uint32_t size_bytes, uint32_t align_bytes) {
        if (!m_params_ok || !request_size_ok(size_bytes))
            return {RtStatus::InvalidSize, 0};
        if (align_bytes == 0 || (align_bytes & (align_bytes - 1)) != 0 ||
            align_bytes > MAX_ALIGN_BYTES)
            return {RtStatus::InvalidAlignment, 0};
        note_request(size_bytes);
        const uint32_t need = block_bytes_for(size_bytes);
        // Over-alignment: room for a leading free gap of >= min_block bytes before the aligned
        // payload (gap <= min_block + align - 8, as payloads are 8-aligned).
        const uint32_t pad = align_bytes > ALIGN_BYTES ? m_min_block_bytes + align_bytes - 8 : 0;
        if (pad >= m_max_block_bytes || need > m_max_block_bytes - pad || m_control == 0) {
            ++m_diag.oom_count;
            return {RtStatus::NoMemory, 0};
        }
        const uint32_t search_bytes = need + pad;

        // Search (SEARCH_*): 4 steps, at most 5 loads.
        m_meter.add(); // mapping
        uint32_t fl = 0, sl = 0;
        Address block = 0;
        uint32_t block_word = 0;
        if (mapping_search(search_bytes, fl, sl)) {
            m_meter.add(); // SL scan
            uint32_t sl_map = ld(sl_bitmap_addr(fl)) & (~0u << sl);
            if (sl_map == 0) {
                m_meter.add(); // FL scan
                const uint32_t above = fl + 1 < 32 ? (~0u << (fl + 1)) : 0u;
                const uint32_t fl_map = ld(m_control + CTRL_FL_BITMAP) & above;
                if (fl_map != 0) {
                    m_meter.add(); // SL scan of the class found
                    fl = ctz32(fl_map);
                    sl_map = ld(sl_bitmap_addr(fl));
                    EMSIM_RT_ASSERT(sl_map != 0);
                }
            }
            if (sl_map != 0) {
                sl = ctz32(sl_map);
                block = ld(head_addr(fl, sl));
                EMSIM_RT_ASSERT(block != 0);
                block_word = ld(block + OFF_SIZE);
            }
        }
        if (block == 0) {
            // Probe the head of the request's own list: its blocks may or may not fit (the list
            // spans sizes below and above the request). Rescues the last allocations of a nearly
            // full heap at the cost of one step and two loads.
            m_meter.add();
            mapping_insert(search_bytes, fl, sl);
            const Address head = ld(head_addr(fl, sl));
            if (head != 0) {
                const uint32_t w = ld(head + OFF_SIZE);
                if ((w & ~FLAG_MASK) >= search_bytes) {
                    block = head;
                    block_word = w;
                }
            }
        }
        if (block == 0) {
            ++m_diag.oom_count;
            return {RtStatus::NoMemory, 0};
        }
        EMSIM_RT_ASSERT((block_word & FREE_BIT) != 0 && (block_word & PREV_FREE_BIT) == 0);
        uint32_t block_bytes = block_word & ~FLAG_MASK;
        EMSIM_RT_ASSERT(block_bytes >= search_bytes);
        remove_head(block, fl, sl);

        uint32_t prev_free_flag = 0;
        bool moved_start = false;
        if (align_bytes > ALIGN_BYTES) {
            // [ gap: free ][ block: aligned payload ......... ]
            const Address payload = block + HEADER_BYTES;
            Address aligned = (payload + align_bytes - 1) & ~(align_bytes - 1);
            if (aligned != payload && aligned - payload < m_min_block_bytes)
                aligned = (payload + m_min_block_bytes + align_bytes - 1) & ~(align_bytes - 1);
            const uint32_t gap = aligned - payload;
            if (gap != 0) {
                m_meter.add(); // GAP_*
                st(block + OFF_SIZE, gap | FREE_BIT);
                insert_free(block, gap);
                const Address moved = block + gap;
                st(moved + OFF_PREV_PHYS, block);
                block = moved;
                block_bytes -= gap;
                prev_free_flag = PREV_FREE_BIT;
                moved_start = true;
            }
        }
        EMSIM_RT_ASSERT(block_bytes >= need);
        split_off_tail(block, block_bytes, need, true, moved_start);
        st(block + OFF_SIZE, block_bytes | prev_free_flag); // HEADER_STORES
        account_alloc(block_bytes);
        return {RtStatus::Ok, block + HEADER_BYTES};
    }

    /// Shrinks `block` (currently block_bytes) to `need`, inserting the tail as a free block if
    /// it is >= min_block; `succ_was_free_pred` = the successor's PREV_FREE bit is currently set
    /// (the block was free); `repoint_next` = the successor's prev_phys does not yet point at
    /// `block` (the block start moved or absorbed a neighbour). Does not write the block's own
    /// size word. Updates block_bytes.
    ///   [ block ........................ ][ next ]   before
    ///   [ block: need ][ tail: free ...... ][ next ]   split (tail >= min_block)
    /// SPLIT: 1 step, 3 stores + insertion; no split: 1 step, 1 L, 2 S (clear next's PREV_FREE,
    /// repoint it), which the split branch dominates.
    void split_off_tail(Address block, uint32_t& block_bytes, uint32_t need,
                        bool succ_was_free_pred, bool repoint_next) {
        m_meter.add();
        const Address next = block + block_bytes;
        const uint32_t rest = block_bytes - need;
        if (rest >= m_min_block_bytes) {
            const Address tail = block + need;
            st(tail + OFF_PREV_PHYS, block);
            st(tail + OFF_SIZE, rest | FREE_BIT);
            st(next + OFF_PREV_PHYS, tail);
            if (!succ_was_free_pred) {
                const uint32_t nw = ld(next + OFF_SIZE);
                st(next + OFF_SIZE, nw | PREV_FREE_BIT);
            }
            insert_free(tail, rest);
            block_bytes = need;
        } else {
            if (succ_was_free_pred) {
                const uint32_t nw = ld(next + OFF_SIZE);
                st(next + OFF_SIZE, nw & ~PREV_FREE_BIT);
            }
            if (repoint_next)
                st(next + OFF_PREV_PHYS, block);
        }
    }

    void account_alloc(uint32_t block_bytes) {
        m_diag.used_bytes += block_bytes;
        m_diag.free_bytes -= block_bytes;
        if (m_diag.used_bytes > m_diag.peak_used_bytes)
            m_diag.peak_used_bytes = m_diag.used_bytes;
        ++m_diag.allocation_count;
        ++m_diag.total_allocations;
    }

    /// Cost of free_core(): merge with the predecessor = removal + absorb mark (1 S); the
    /// successor's size word (1 L); merge with it = removal + absorb mark + prev_phys of the block
    /// after it (2 S), the non-merging branch also 2 S; the merged header (1 S); insertion.
    static constexpr TlsfCost free_core_cost() {
        TlsfCost c{};
        c.steps = 2 * REMOVE_STEPS + INSERT_STEPS;
        c.loads = 2 * REMOVE_LOADS + 1 + INSERT_LOADS;
        c.stores = 2 * REMOVE_STORES + 1 + 2 + HEADER_STORES + INSERT_STORES;
        return c;
    }

    /// Cost of validate_used(): R steps and 1 + 2R loads for the region lookup, 1 step and 4
    /// loads for the header checks (R = regions added).
    TlsfCost validation_cost() const {
        TlsfCost c{};
        c.steps = m_diag.region_count + 1;
        c.loads = 1 + 2 * m_diag.region_count + 4;
        return c;
    }

    /// A used block as validate_used() found it: the header words it loaded, reused by free_core
    /// so that free() loads each of them once.
    struct UsedBlock {
        Address block = 0;
        uint32_t bytes = 0;
        uint32_t word = 0;      ///< size|flags
        Address prev = 0;       ///< prev_phys
        uint32_t prev_word = 0; ///< predecessor's size|flags (0 for a region's first block)
    };

    /// Re-reads a used block's header and predecessor (3 loads): after an allocation, a free
    /// predecessor may have been split, so cached values are stale.
    UsedBlock reload(Address block) {
        UsedBlock u{};
        u.block = block;
        u.word = ld(block + OFF_SIZE);
        u.bytes = u.word & ~FLAG_MASK;
        u.prev = ld(block + OFF_PREV_PHYS);
        u.prev_word = u.prev != 0 ? ld(u.prev + OFF_SIZE) : 0;
        return u;
    }

    /// Checks that `addr` is the payload of a used block (see free()). Touches nothing on error.
    RtStatus validate_used(Address addr, UsedBlock& out) {
        RtStatus s = validate_used_impl(addr, out);
        if (s == RtStatus::BadPointer)
            ++m_diag.bad_pointer_count;
        if (s == RtStatus::DoubleFree)
            ++m_diag.double_free_count;
        return s;
    }
    RtStatus validate_used_impl(Address addr, UsedBlock& out) {
        if (m_control == 0 || (addr & FLAG_MASK) != 0 || addr < HEADER_BYTES)
            return RtStatus::BadPointer;
        const Address block = addr - HEADER_BYTES;
        // Region lookup: R steps, 1 + 2R loads.
        const uint32_t count = ld(m_control + CTRL_REGION_COUNT);
        EMSIM_RT_ASSERT(count == m_diag.region_count);
        Address first = 0, sentinel = 0;
        bool found = false;
        for (uint32_t i = 0; i < count && i < m_max_regions; ++i) {
            m_meter.add();
            first = ld(region_entry(i) + 0);
            sentinel = ld(region_entry(i) + 4);
            if (block >= first && block < sentinel) {
                found = true;
                break;
            }
        }
        if (!found)
            return RtStatus::BadPointer;
        // Header checks: 1 step, at most 4 loads.
        m_meter.add();
        const uint32_t w = ld(block + OFF_SIZE);
        if (w == ABSORBED_MARK)
            return RtStatus::DoubleFree;
        const uint32_t size_bytes = w & ~FLAG_MASK;
        if (size_bytes < m_min_block_bytes || size_bytes > sentinel - block)
            return RtStatus::BadPointer;
        if (ld(block + size_bytes + OFF_PREV_PHYS) != block)
            return RtStatus::BadPointer;
        const Address prev = ld(block + OFF_PREV_PHYS);
        uint32_t pw = 0;
        if (block == first) {
            if (prev != 0 || (w & PREV_FREE_BIT) != 0)
                return RtStatus::BadPointer;
        } else {
            if (prev < first || prev >= block || (prev & FLAG_MASK) != 0 ||
                block - prev < m_min_block_bytes)
                return RtStatus::BadPointer;
            pw = ld(prev + OFF_SIZE);
            if (prev + (pw & ~FLAG_MASK) != block)
                return RtStatus::BadPointer;
            if (((pw & FREE_BIT) != 0) != ((w & PREV_FREE_BIT) != 0))
                return RtStatus::BadPointer;
            if ((pw & FREE_BIT) != 0 && (w & FREE_BIT) != 0)
                return RtStatus::BadPointer;
        }
        if ((w & FREE_BIT) != 0)
            return RtStatus::DoubleFree;
        out.block = block;
        out.bytes = size_bytes;
        out.word = w;
        out.prev = prev;
        out.prev_word = pw;
        return RtStatus::Ok;
    }

    /// Frees a validated used block, merging with free neighbours.
    ///   [ prev: free ][ block ][ next: free ][ after ]
    ///   [ merged: free ................... ][ after ]   (absorbed headers get ABSORBED_MARK)
    /// Cost (FREE_CORE_*): 3 steps, 12 loads, 15 stores at most.
    void free_core(const UsedBlock& u) {
        const Address block = u.block;
        const uint32_t size_bytes = u.bytes;
        m_diag.used_bytes -= size_bytes;
        m_diag.free_bytes += size_bytes;
        --m_diag.allocation_count;
        Address merged = block;
        uint32_t merged_bytes = size_bytes;
        if ((u.word & PREV_FREE_BIT) != 0) {
            const Address prev = u.prev;
            const uint32_t prev_bytes = u.prev_word & ~FLAG_MASK;
            EMSIM_RT_ASSERT((u.prev_word & FREE_BIT) != 0);
            remove_free(prev, prev_bytes);
            st(block + OFF_SIZE, ABSORBED_MARK);
            merged = prev;
            merged_bytes += prev_bytes;
        }
        const Address next = block + size_bytes;
        const uint32_t nw = ld(next + OFF_SIZE);
        if ((nw & FREE_BIT) != 0) {
            const uint32_t next_bytes = nw & ~FLAG_MASK;
            remove_free(next, next_bytes);
            st(next + OFF_SIZE, ABSORBED_MARK);
            merged_bytes += next_bytes;
            st(next + next_bytes + OFF_PREV_PHYS, merged); // its PREV_FREE stays set
        } else {
            st(next + OFF_SIZE, nw | PREV_FREE_BIT);
            st(next + OFF_PREV_PHYS, merged);
        }
        st(merged + OFF_SIZE, merged_bytes | FREE_BIT); // a free block's predecessor is used
        insert_free(merged, merged_bytes);
    }

    Result<Address> reallocate_core(const UsedBlock& u, uint32_t size_bytes) {
        const Address block = u.block;
        uint32_t block_bytes = u.bytes;
        const uint32_t need = block_bytes_for(size_bytes);
        const uint32_t w = u.word;
        const uint32_t own_flags = w & PREV_FREE_BIT;
        const Address next = block + block_bytes;
        if (need <= block_bytes) {
            // Shrink in place; a free successor absorbs the tail:
            //   [ block: need ][ tail ][ next: free ]  ->  [ block: need ][ free .......... ]
            m_meter.add();
            const uint32_t nw = ld(next + OFF_SIZE);
            const uint32_t rest = block_bytes - need;
            if ((nw & FREE_BIT) != 0 && rest != 0) {
                const uint32_t next_bytes = nw & ~FLAG_MASK;
                remove_free(next, next_bytes);
                st(next + OFF_SIZE, ABSORBED_MARK);
                const Address tail = block + need;
                st(tail + OFF_PREV_PHYS, block);
                st(tail + OFF_SIZE, (rest + next_bytes) | FREE_BIT);
                st(next + next_bytes + OFF_PREV_PHYS, tail);
                insert_free(tail, rest + next_bytes);
                block_bytes = need;
            } else if (rest >= m_min_block_bytes) {
                const Address tail = block + need;
                st(tail + OFF_PREV_PHYS, block);
                st(tail + OFF_SIZE, rest | FREE_BIT);
                st(next + OFF_PREV_PHYS, tail);
                st(next + OFF_SIZE, nw | PREV_FREE_BIT);
                insert_free(tail, rest);
                block_bytes = need;
            }
            const uint32_t freed = (w & ~FLAG_MASK) - block_bytes;
            st(block + OFF_SIZE, block_bytes | own_flags);
            m_diag.used_bytes -= freed;
            m_diag.free_bytes += freed;
            ++m_diag.realloc_in_place;
            return {RtStatus::Ok, block + HEADER_BYTES};
        }
        const uint32_t nw = ld(next + OFF_SIZE);
        if ((nw & FREE_BIT) != 0 && block_bytes + (nw & ~FLAG_MASK) >= need) {
            // Grow in place into the free successor:
            //   [ block ][ next: free ...... ]  ->  [ block: need ....... ][ tail: free ]
            const uint32_t next_bytes = nw & ~FLAG_MASK;
            remove_free(next, next_bytes);
            st(next + OFF_SIZE, ABSORBED_MARK);
            uint32_t total = block_bytes + next_bytes;
            // The block after `next` had PREV_FREE set and prev_phys = next; split_off_tail either
            // puts a free tail before it or clears the bit and repoints it at `block`.
            split_off_tail(block, total, need, true, true);
            st(block + OFF_SIZE, total | own_flags);
            const uint32_t grown = total - block_bytes;
            m_diag.used_bytes += grown;
            m_diag.free_bytes -= grown;
            if (m_diag.used_bytes > m_diag.peak_used_bytes)
                m_diag.peak_used_bytes = m_diag.used_bytes;
            ++m_diag.realloc_in_place;
            return {RtStatus::Ok, block + HEADER_BYTES};
        }
        // Move: allocate, copy, free. The old block stays intact if allocation fails.
        const Result<Address> fresh = allocate_core(size_bytes, ALIGN_BYTES);
        if (!fresh.ok())
            return fresh;
        const uint32_t old_payload = block_bytes - HEADER_BYTES;
        const uint32_t copy_bytes = old_payload < size_bytes ? old_payload : size_bytes;
        const Address src = block + HEADER_BYTES;
        for (uint32_t off = 0; off < copy_bytes; off += 4) {
            m_meter.add();
            st(fresh.value + off, ld(src + off));
        }
        free_core(reload(block));
        --m_diag.total_allocations; // the move is one allocation in the caller's eyes
        ++m_diag.realloc_moved;
        return fresh;
    }

    Mem& m_mem;
    bool m_params_ok = false;
    // Configuration derived from the parameters (constant after construction).
    uint32_t m_sl_log2 = 0;
    uint32_t m_sl_count = 0;
    uint32_t m_small_bytes = 0;
    uint32_t m_fl_count = 0;
    uint32_t m_max_block_bytes = 0;
    uint32_t m_min_block_bytes = 0;
    uint32_t m_max_regions = 0;
    // Placement of the control structure (set once by the first add_region()).
    Address m_control = 0;
    Address m_sl_bitmaps = 0;
    Address m_heads = 0;
    Address m_regions = 0;
    // Statistics (not consulted by any allocation decision).
    TlsfDiagnostics m_diag{};
    StepMeter m_meter{};
    uint32_t m_op_loads = 0;
    uint32_t m_op_stores = 0;
    TlsfObservedCost m_alloc_observed[MAX_FL_COUNT]{};
    TlsfObservedCost m_free_observed[MAX_FL_COUNT]{};
    TlsfObservedCost m_realloc_observed[MAX_FL_COUNT]{};
};

} // namespace emsim::rt
