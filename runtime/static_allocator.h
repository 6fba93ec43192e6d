#pragma once
// StaticAllocator: a bump allocator for init-time ("static") objects that live until reset.
// Owns one region and its cursor; never frees (that is the point: no fragmentation, no free-path
// bugs, the RAM budget is fixed once init is over). Not interrupt-safe.
//
//   region_base: [ cursor ][ obj A ][pad][ obj B ] ......... free ......... ]
//                  offset of the first free byte from region_base, in target memory
//
// The cursor is allocator state, so it lives in target memory and is reached through `Mem` like
// all metadata (one load + one store per allocation). It hands out target address ranges; for the
// DirectMemory case (native tests, firmware) construct<T>() also builds a typed object in place
// through the policy's host_pointer().

#include <stddef.h>
#include <stdint.h>

#include "runtime/placement_new.h"

#include "runtime/config.h"
#include "runtime/heap_guard.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

struct StaticAllocatorStats {
    uint32_t allocations = 0;        ///< successful allocations; never decreases
    uint32_t failed_allocations = 0; ///< refused ones (NoMemory, Sealed, InvalidSize, ...)
    uint32_t padding_bytes = 0;      ///< bytes skipped for alignment; never decreases
};

template <class Mem> class StaticAllocator {
public:
    static constexpr uint32_t HEADER_BYTES = 4; ///< the cursor word at region_base

    StaticAllocator() = default;

    /// Takes [region_base, region_base + region_bytes); the first HEADER_BYTES hold the cursor.
    /// InvalidRegion if region_base is not 4-aligned, the region is smaller than the header or
    /// wraps past 2^32. O(1): one store.
    RtStatus init(Mem& mem, Address region_base, uint32_t region_bytes, HeapGuard* guard = nullptr,
                  HeapOwner owner = {}) {
        m_mem = nullptr;
        if (!region_holds_header(region_base, region_bytes, HEADER_BYTES))
            return RtStatus::InvalidRegion;
        m_mem = &mem;
        m_base = region_base;
        m_region_bytes = region_bytes;
        m_guard = guard;
        m_owner = owner;
        m_stats = StaticAllocatorStats{};
        m_mem->store32(m_base, HEADER_BYTES);
        return RtStatus::Ok;
    }

    /// Bumps the cursor: returns the first address >= cursor that is a multiple of align_bytes,
    /// with size_bytes usable bytes, not zeroed. Errors (cursor unchanged): Sealed (guard sealed,
    /// recorded), InvalidSize (size 0), InvalidAlignment (not a power of two; 0 is not allowed),
    /// NoMemory (does not fit in what remains), Unsupported (not initialised). O(1): 1 load + 1
    /// store.
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = 4) {
        m_steps.begin();
        if (m_mem == nullptr)
            return fail(RtStatus::Unsupported);
        const RtStatus admitted = admit_request(m_guard, m_owner, size_bytes, align_bytes);
        if (admitted != RtStatus::Ok)
            return fail(admitted);
        m_steps.add();
        const uint32_t cursor = m_mem->load32(m_base);
        EMSIM_RT_ASSERT(cursor >= HEADER_BYTES && cursor <= m_region_bytes);
        const uint64_t at = uint64_t{m_base} + cursor;
        const uint64_t aligned = (at + align_bytes - 1u) & ~uint64_t{align_bytes - 1u};
        const uint64_t end = aligned + size_bytes;
        if (end > uint64_t{m_base} + m_region_bytes)
            return fail(RtStatus::NoMemory);
        m_mem->store32(m_base, static_cast<uint32_t>(end - m_base));
        ++m_stats.allocations;
        m_stats.padding_bytes += static_cast<uint32_t>(aligned - at);
        return Result<Address>{RtStatus::Ok, static_cast<Address>(aligned)};
    }

    /// Allocates sizeof(T) at alignof(T) and constructs a T there from `args`; nullptr on any
    /// allocate() error (see last_status()). Only for policies with host_pointer() (DirectMemory):
    /// the object is a host object. Precondition (asserted): the policy maps target alignment to
    /// host alignment (host buffer aligned at least as strictly as T). Never destroyed.
    template <class T, class... Args> T* construct(Args&&... args) {
        static_assert(alignof(T) <= 0x80000000u, "alignment fits a target address");
        const Result<Address> r =
            allocate(static_cast<uint32_t>(sizeof(T)), static_cast<uint32_t>(alignof(T)));
        m_last_status = r.status;
        if (!r.ok())
            return nullptr;
        void* host = m_mem->host_pointer(r.value);
        EMSIM_RT_ASSERT(reinterpret_cast<uintptr_t>(host) % alignof(T) == 0);
        return ::new (host) T(static_cast<Args&&>(args)...);
    }
    /// The status of the last construct<T>() (Ok after a success).
    RtStatus last_status() const { return m_last_status; }

    /// Bytes after the cursor (an allocation with alignment padding may get fewer). 1 load.
    uint32_t remaining_bytes() const {
        return m_mem == nullptr ? 0 : m_region_bytes - m_mem->load32(m_base);
    }
    /// Bytes before the cursor, header and padding included. 1 load.
    uint32_t used_bytes() const { return m_mem == nullptr ? 0 : m_mem->load32(m_base); }
    uint32_t capacity_bytes() const { return m_region_bytes; }
    Address region_base() const { return m_base; }

    /// O(1): the cursor lies within [HEADER_BYTES, region_bytes]. 1 load.
    bool invariants_hold() const {
        if (m_mem == nullptr)
            return false;
        const uint32_t cursor = m_mem->load32(m_base);
        return cursor >= HEADER_BYTES && cursor <= m_region_bytes;
    }
    /// Ok or Corrupt (there is nothing more to walk than invariants_hold() checks).
    RtStatus check_integrity() const {
        if (m_mem == nullptr)
            return RtStatus::Unsupported;
        return invariants_hold() ? RtStatus::Ok : RtStatus::Corrupt;
    }

    const StaticAllocatorStats& stats() const { return m_stats; }
    uint32_t last_op_steps() const { return m_steps.steps(); }

private:
    Result<Address> fail(RtStatus status) {
        ++m_stats.failed_allocations;
        return Result<Address>{status, 0};
    }

    Mem* m_mem = nullptr;
    Address m_base = 0;
    uint32_t m_region_bytes = 0;
    HeapGuard* m_guard = nullptr;
    HeapOwner m_owner;
    StaticAllocatorStats m_stats;
    RtStatus m_last_status = RtStatus::Ok;
    StepMeter m_steps;
};

} // namespace emsim::rt
