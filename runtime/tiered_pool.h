#pragma once
// TieredPool: size classes over FixedPools plus a huge-request path. Owns the choice of a block
// size for a request, the fallback rule and per-tier statistics; the blocks and their metadata
// belong to the FixedPools (one per class, all carved out of one region given at init) and huge
// requests to an external allocator (`Huge`, normally TlsfHeap<Mem>). Not interrupt-safe.
//
// Tiers and classes (defaults; all configurable through TieredPoolConfig, a fixed-capacity table):
//
//   Small  <= 64 B    : 16, 32, 64
//   Medium <= 1 KiB   : 128, 256, 512, 1024
//   Large  <= 64 KiB  : 4096, 16384, 65536
//   Huge   beyond the largest class, or any size the classes cannot serve : Huge allocator
//
// allocate(size): the best fit is the smallest class with block >= size (a scan of at most
// MAX_CLASSES host-side constants, no memory access). If that pool is exhausted the request may
// fall back to the next larger classes, but only while
//     fallback steps <= max_fallback_steps   and   block_size <= max_fallback_ratio * size,
// so a 20 B request never silently takes a 1 KiB block: once the limit is hit the request fails
// with NoMemory (counted in waste_limited) or, with huge_on_exhaustion, goes to the huge
// allocator. Cost: at most 1 + max_fallback_steps pool attempts; an exhausted pool costs 1 load.
//
// free(address): the owning pool is found by address range (a scan of class_count ranges, no
// memory access); an address in no pool goes to the huge allocator, or is a BadPointer.

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/fixed_pool.h"
#include "runtime/heap_guard.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

enum class SizeTier : uint8_t { Small = 0, Medium, Large, Huge };
constexpr uint32_t SIZE_TIER_COUNT = 4;

constexpr const char* to_string(SizeTier tier) {
    switch (tier) {
    case SizeTier::Small:
        return "small";
    case SizeTier::Medium:
        return "medium";
    case SizeTier::Large:
        return "large";
    case SizeTier::Huge:
        return "huge";
    }
    return "unknown";
}

/// One size class: a FixedPool of `block_count` blocks of `block_size_bytes`.
struct TierClass {
    uint32_t block_size_bytes = 0; ///< rounded up to TieredPoolConfig::align_bytes
    uint32_t block_count = 0;      ///< >= 1
};

struct TieredPoolConfig {
    static constexpr uint32_t MAX_CLASSES = EMSIM_RT_TIERED_MAX_CLASSES;
    TierClass classes[MAX_CLASSES] = {}; ///< strictly ascending block sizes (after rounding)
    uint32_t class_count = 0;            ///< 1..MAX_CLASSES
    uint32_t small_max_bytes = 64;       ///< requests <= this are tier Small
    uint32_t medium_max_bytes = 1024;    ///< <= this: Medium
    uint32_t large_max_bytes = 65536;    ///< <= this: Large; beyond: Huge (never from a class)
    uint32_t align_bytes = 8;            ///< every class block is aligned to this; power of 2 >= 4
    uint32_t max_fallback_ratio = 4;     ///< a fallback block is at most ratio * request; >= 1
    uint32_t max_fallback_steps = 2;     ///< larger classes tried after the best fit is exhausted
    bool huge_on_exhaustion = false;     ///< classes refused -> try the huge allocator (if any)
};

/// The default table: 3 tiers, 10 classes, 136,704 bytes of blocks + 80 bytes of control.
constexpr TieredPoolConfig default_tiered_pool_config() {
    TieredPoolConfig c;
    const TierClass table[] = {{16, 32}, {32, 32},  {64, 32},  {128, 16},  {256, 16},
                               {512, 8}, {1024, 8}, {4096, 4}, {16384, 2}, {65536, 1}};
    for (const TierClass& k : table)
        c.classes[c.class_count++] = k;
    return c;
}

/// Per-tier statistics. A request belongs to the tier of its size, whichever class serves it.
struct TierStats {
    uint32_t requests = 0;        ///< allocate() calls of this tier
    uint32_t served_best_fit = 0; ///< from the smallest class that fits
    uint32_t served_fallback = 0; ///< from a larger class (best fit exhausted, within limits)
    uint32_t served_huge = 0;     ///< by the huge allocator
    uint32_t failed = 0;          ///< requests that returned an error (any status)
    uint32_t waste_limited = 0;   ///< fallbacks stopped by max_fallback_ratio (then failed/huge)
    uint32_t frees = 0; ///< successful frees of blocks of this tier's classes (huge: huge)
    uint64_t requested_bytes = 0; ///< sum of served request sizes
    uint64_t granted_bytes = 0;   ///< sum of block sizes given for them (huge: request size);
                                  ///< granted - requested = internal fragmentation
};

/// The huge path when none is configured: refuses everything.
struct NoHugeAllocator {
    Result<Address> allocate(uint32_t, uint32_t) {
        return Result<Address>{RtStatus::Unsupported, 0};
    }
    RtStatus free(Address) { return RtStatus::BadPointer; }
};

/// `Huge` must offer `Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes)` and
/// `RtStatus free(Address)` (TlsfHeap<Mem>, or Guarded<TlsfHeap<Mem>>).
template <class Mem, class Huge = NoHugeAllocator> class TieredPool {
public:
    static constexpr uint32_t MAX_CLASSES = TieredPoolConfig::MAX_CLASSES;
    static constexpr uint32_t NO_CLASS = 0xFFFFFFFFu;

    /// Bytes of region init() needs for `config` when the region base is aligned to
    /// config.align_bytes (add align_bytes - 1 otherwise). status != Ok for an invalid config.
    static Result<uint32_t> required_bytes(const TieredPoolConfig& config) {
        const RtStatus s = validate(config);
        if (s != RtStatus::Ok)
            return Result<uint32_t>{s, 0};
        const uint64_t end = layout_end(config, 0);
        if (end > 0xFFFFFFFFull)
            return Result<uint32_t>{RtStatus::InvalidSize, 0};
        return Result<uint32_t>{RtStatus::Ok, static_cast<uint32_t>(end)};
    }

    TieredPool() = default;

    /// Lays out the classes in [region_base, region_base + region_bytes): first every pool's
    /// control area (head + bitmap), then, aligned to align_bytes, every pool's blocks in class
    /// order. `huge` (may be nullptr: no huge path) must outlive the pool. Errors: the config's
    /// (InvalidSize: class count 0 or > MAX, sizes not strictly ascending, zero counts, tier
    /// limits not ascending, ratio 0; InvalidAlignment), InvalidRegion (does not fit or wraps).
    /// O(total blocks) (FixedPool::init).
    RtStatus init(Mem& mem, Address region_base, uint32_t region_bytes,
                  const TieredPoolConfig& config, Huge* huge = nullptr, HeapGuard* guard = nullptr,
                  HeapOwner owner = {}) {
        m_ready = false;
        const RtStatus s = validate(config);
        if (s != RtStatus::Ok)
            return s;
        if (layout_end(config, region_base) > uint64_t{region_base} + region_bytes)
            return RtStatus::InvalidRegion;
        m_config = config;
        m_huge = huge;
        m_guard = guard;
        m_owner = owner;
        for (TierStats& t : m_tier_stats)
            t = TierStats{};
        Address control = region_base;
        uint64_t blocks = layout_blocks_start(config, region_base);
        for (uint32_t i = 0; i < config.class_count; ++i) {
            const FixedPoolParams p{config.classes[i].block_size_bytes,
                                    config.classes[i].block_count, config.align_bytes};
            const RtStatus r = m_pools[i].init(mem, static_cast<Address>(blocks), control, p);
            if (r != RtStatus::Ok)
                return r; // layout_end() said it fits: only a wrap gets here
            control += FixedPool<Mem>::control_bytes(p.block_count);
            blocks += m_pools[i].blocks_span_bytes();
        }
        m_ready = true;
        return RtStatus::Ok;
    }

    /// Allocates `size_bytes` aligned to `align_bytes` (0 = config.align_bytes). Result:
    ///   Ok           from the best-fit class, a permitted fallback class, or the huge allocator;
    ///   Sealed       the guard is sealed (recorded there; nothing else is tried);
    ///   InvalidSize  size 0, or larger than every class and no huge allocator;
    ///   InvalidAlignment  align not a power of two, or above align_bytes and no huge allocator;
    ///   NoMemory     the best fit and the permitted fallbacks are exhausted (and the huge path,
    ///                if tried, failed) - a fallback beyond max_fallback_ratio is never taken;
    ///   other        the huge allocator's or a pool's status (Corrupt).
    /// O(MAX_CLASSES) host-side compares + at most 1 + max_fallback_steps O(1) pool attempts.
    /// Steps: classes scanned + pool attempts (+ 1 for a huge-path call).
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = 0) {
        m_steps.begin();
        if (!m_ready)
            return Result<Address>{RtStatus::Unsupported, 0};
        TierStats& tier = m_tier_stats[static_cast<uint32_t>(tier_of(size_bytes))];
        ++tier.requests;
        const RtStatus admitted = guard_admit(m_guard, m_owner, size_bytes);
        if (admitted != RtStatus::Ok)
            return failed(tier, admitted);
        if (size_bytes == 0)
            return failed(tier, RtStatus::InvalidSize);
        if (align_bytes == 0)
            align_bytes = m_config.align_bytes;
        if (align_bytes & (align_bytes - 1u))
            return failed(tier, RtStatus::InvalidAlignment);

        const uint32_t best = best_fit(size_bytes);
        m_steps.add(best == NO_CLASS ? m_config.class_count : best + 1); // the class scan
        if (best == NO_CLASS || align_bytes > m_config.align_bytes) {
            const RtStatus why =
                best == NO_CLASS ? RtStatus::InvalidSize : RtStatus::InvalidAlignment;
            return huge_or(tier, size_bytes, align_bytes, why);
        }
        RtStatus why = RtStatus::NoMemory;
        for (uint32_t step = 0; step <= m_config.max_fallback_steps; ++step) {
            const uint32_t c = best + step;
            if (c >= m_config.class_count)
                break;
            const uint32_t block = m_pools[c].block_bytes();
            if (step > 0 && uint64_t{block} > uint64_t{m_config.max_fallback_ratio} * size_bytes) {
                ++tier.waste_limited;
                break;
            }
            m_steps.add();
            const Result<Address> r = m_pools[c].allocate();
            if (r.ok()) {
                ++(step == 0 ? tier.served_best_fit : tier.served_fallback);
                tier.requested_bytes += size_bytes;
                tier.granted_bytes += block;
                return r;
            }
            if (r.status != RtStatus::NoMemory) { // Corrupt: report, do not paper over it
                why = r.status;
                break;
            }
        }
        if (why == RtStatus::NoMemory && m_config.huge_on_exhaustion)
            return huge_or(tier, size_bytes, align_bytes, why);
        return failed(tier, why);
    }

    /// Returns a block to its pool, or a huge block to the huge allocator. Ok, or BadPointer (in
    /// no pool and no huge allocator, or not a block boundary), DoubleFree, or the huge
    /// allocator's status; on error nothing changes. O(class_count) range compares + O(1).
    /// Steps: ranges compared (+ the pool's one).
    RtStatus free(Address block) {
        m_steps.begin();
        if (!m_ready)
            return RtStatus::Unsupported;
        for (uint32_t c = 0; c < m_config.class_count; ++c) {
            m_steps.add();
            if (!m_pools[c].contains(block))
                continue;
            const RtStatus s = m_pools[c].free(block);
            if (s == RtStatus::Ok)
                ++m_tier_stats[static_cast<uint32_t>(class_tier(c))].frees;
            return s;
        }
        if (m_huge == nullptr)
            return RtStatus::BadPointer;
        const RtStatus s = m_huge->free(block);
        if (s == RtStatus::Ok)
            ++m_tier_stats[static_cast<uint32_t>(SizeTier::Huge)].frees;
        return s;
    }

    /// The tier a request of `size_bytes` belongs to (by the config's limits; 0 counts as Small).
    SizeTier tier_of(uint32_t size_bytes) const {
        if (size_bytes <= m_config.small_max_bytes)
            return SizeTier::Small;
        if (size_bytes <= m_config.medium_max_bytes)
            return SizeTier::Medium;
        if (size_bytes <= m_config.large_max_bytes)
            return SizeTier::Large;
        return SizeTier::Huge;
    }
    /// The tier of class `c` (by its block size).
    SizeTier class_tier(uint32_t c) const { return tier_of(m_pools[c].block_bytes()); }
    /// Smallest class whose block holds size_bytes, or NO_CLASS (also for sizes beyond the
    /// Large tier: those always take the huge path). O(class_count), no memory access.
    uint32_t best_fit(uint32_t size_bytes) const {
        if (size_bytes > m_config.large_max_bytes)
            return NO_CLASS;
        for (uint32_t c = 0; c < m_config.class_count; ++c)
            if (m_pools[c].block_bytes() >= size_bytes)
                return c;
        return NO_CLASS;
    }

    /// O(class_count) sum of the pools' O(1) checks.
    bool invariants_hold() const {
        if (!m_ready)
            return false;
        for (uint32_t c = 0; c < m_config.class_count; ++c)
            if (!m_pools[c].invariants_hold())
                return false;
        return true;
    }
    /// O(total blocks): every pool's check_integrity(). Ok or Corrupt.
    RtStatus check_integrity() const {
        if (!m_ready)
            return RtStatus::Unsupported;
        for (uint32_t c = 0; c < m_config.class_count; ++c) {
            const RtStatus s = m_pools[c].check_integrity();
            if (s != RtStatus::Ok)
                return s;
        }
        return RtStatus::Ok;
    }

    uint32_t class_count() const { return m_config.class_count; }
    const FixedPool<Mem>& pool(uint32_t c) const { return m_pools[c]; }
    const TierStats& tier_stats(SizeTier tier) const {
        return m_tier_stats[static_cast<uint32_t>(tier)];
    }
    const TieredPoolConfig& config() const { return m_config; }
    uint32_t last_op_steps() const { return m_steps.steps(); }

private:
    static RtStatus validate(const TieredPoolConfig& c) {
        if (c.align_bytes < FixedPool<Mem>::MIN_ALIGN_BYTES ||
            (c.align_bytes & (c.align_bytes - 1u)))
            return RtStatus::InvalidAlignment;
        if (c.class_count == 0 || c.class_count > MAX_CLASSES || c.max_fallback_ratio == 0)
            return RtStatus::InvalidSize;
        if (!(c.small_max_bytes <= c.medium_max_bytes && c.medium_max_bytes <= c.large_max_bytes))
            return RtStatus::InvalidSize;
        uint32_t previous = 0;
        for (uint32_t i = 0; i < c.class_count; ++i) {
            const TierClass& k = c.classes[i];
            if (k.block_size_bytes == 0 || k.block_count == 0 || k.block_size_bytes > 0x80000000u)
                return RtStatus::InvalidSize;
            const uint32_t rounded =
                FixedPool<Mem>::rounded_block_bytes(k.block_size_bytes, c.align_bytes);
            if (rounded <= previous)
                return RtStatus::InvalidSize;
            previous = rounded;
        }
        return RtStatus::Ok;
    }
    static uint64_t layout_blocks_start(const TieredPoolConfig& c, Address base) {
        uint64_t at = base;
        for (uint32_t i = 0; i < c.class_count; ++i)
            at += FixedPool<Mem>::control_bytes(c.classes[i].block_count);
        return (at + c.align_bytes - 1u) & ~uint64_t{c.align_bytes - 1u};
    }
    static uint64_t layout_end(const TieredPoolConfig& c, Address base) {
        uint64_t at = layout_blocks_start(c, base);
        for (uint32_t i = 0; i < c.class_count; ++i)
            at += uint64_t{FixedPool<Mem>::rounded_block_bytes(c.classes[i].block_size_bytes,
                                                               c.align_bytes)} *
                  c.classes[i].block_count;
        return at;
    }
    Result<Address> failed(TierStats& tier, RtStatus status) {
        ++tier.failed;
        return Result<Address>{status, 0};
    }
    Result<Address> huge_or(TierStats& tier, uint32_t size_bytes, uint32_t align_bytes,
                            RtStatus otherwise) {
        if (m_huge == nullptr)
            return failed(tier, otherwise);
        m_steps.add();
        const Result<Address> r = m_huge->allocate(size_bytes, align_bytes);
        if (!r.ok())
            return failed(tier, r.status);
        ++tier.served_huge;
        tier.requested_bytes += size_bytes;
        tier.granted_bytes += size_bytes;
        return r;
    }

    FixedPool<Mem> m_pools[MAX_CLASSES];
    TieredPoolConfig m_config;
    Huge* m_huge = nullptr;
    HeapGuard* m_guard = nullptr;
    HeapOwner m_owner;
    TierStats m_tier_stats[SIZE_TIER_COUNT];
    StepMeter m_steps;
    bool m_ready = false;
};

} // namespace emsim::rt
