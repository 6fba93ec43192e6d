#pragma once
// StackAllocator: LIFO scratch memory with markers. Owns one region, its top and a chain of
// markers; it does not know object types (callers construct in place if they want to). Memory
// comes back only by releasing a marker, which returns everything allocated after it at once.
// Not interrupt-safe.
//
//   region_base: [ top | last | serial ][ a ][ frame1 ][ b ][ c ][ frame2 ][ d ] .... free ....
//                  header (target memory)        |                 |
//                                     frame = [ prev frame | serial ], last -> frame2 -> frame1
//
// mark() pushes a frame; release(marker) pops it only if it is the most recent one. Markers carry
// the frame's serial number, so a stale marker whose frame address was reused by a later mark()
// is told apart from the live one. All state (top, last frame, serial, frames) is in target
// memory behind `Mem`; host members are configuration and statistics only.

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/heap_guard.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

/// A position to release to. Compare only by value; obtained from mark().
struct StackMarker {
    Address frame = 0xFFFFFFFFu; ///< target address of the marker's frame
    uint32_t serial = 0;         ///< must match the frame's serial word
};

struct StackAllocatorStats {
    uint32_t allocations = 0;        ///< successful allocate() calls; never decreases
    uint32_t failed_allocations = 0; ///< refused allocate()/mark() calls
    uint32_t rejected_releases = 0;  ///< release() calls refused (OutOfOrder, BadPointer)
    uint32_t live_markers = 0;       ///< marks not yet released (nesting depth)
    uint32_t peak_bytes = 0;         ///< max top offset from region_base, header included
};

template <class Mem> class StackAllocator {
public:
    static constexpr Address NIL = 0xFFFFFFFFu;
    static constexpr uint32_t HEADER_BYTES = 12; ///< top offset, last frame, next serial
    static constexpr uint32_t FRAME_BYTES = 8;   ///< previous frame, serial
    static_assert(HEADER_BYTES == 3 * sizeof(uint32_t) && FRAME_BYTES == 2 * sizeof(uint32_t),
                  "header and frame are arrays of 32-bit words accessed aligned");

    StackAllocator() = default;

    /// Takes [region_base, region_base + region_bytes). InvalidRegion if region_base is not
    /// 4-aligned, the region cannot hold the header, or it wraps past 2^32. O(1): 3 stores.
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
        m_stats = StackAllocatorStats{};
        m_stats.peak_bytes = HEADER_BYTES;
        m_mem->store32(top_at(), HEADER_BYTES);
        m_mem->store32(last_at(), NIL);
        m_mem->store32(serial_at(), 1u);
        return RtStatus::Ok;
    }

    /// Pushes size_bytes at the next multiple of align_bytes. Errors (nothing changes): Sealed
    /// (guard sealed, recorded), InvalidSize (0), InvalidAlignment (not a power of two),
    /// NoMemory (does not fit), Unsupported (not initialised). Not zeroed. O(1): 1 load + 1 store.
    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes = 4) {
        m_steps.begin();
        if (m_mem == nullptr)
            return fail(RtStatus::Unsupported);
        const RtStatus admitted = admit_request(m_guard, m_owner, size_bytes, align_bytes);
        if (admitted != RtStatus::Ok)
            return fail(admitted);
        m_steps.add();
        const uint64_t at = uint64_t{m_base} + m_mem->load32(top_at());
        const uint64_t aligned = (at + align_bytes - 1u) & ~uint64_t{align_bytes - 1u};
        if (aligned + size_bytes > uint64_t{m_base} + m_region_bytes)
            return fail(RtStatus::NoMemory);
        set_top(aligned + size_bytes);
        ++m_stats.allocations;
        return Result<Address>{RtStatus::Ok, static_cast<Address>(aligned)};
    }

    /// Records the current top: pushes an 8-byte frame (4-aligned). NoMemory if the frame does not
    /// fit (nothing changes). Not guarded: a marker allocates nothing for the caller.
    /// O(1): 3 loads + 5 stores.
    Result<StackMarker> mark() {
        m_steps.begin();
        if (m_mem == nullptr)
            return Result<StackMarker>{RtStatus::Unsupported, {}};
        m_steps.add();
        const uint64_t frame = (uint64_t{m_base} + m_mem->load32(top_at()) + 3u) & ~uint64_t{3u};
        if (frame + FRAME_BYTES > uint64_t{m_base} + m_region_bytes) {
            ++m_stats.failed_allocations;
            return Result<StackMarker>{RtStatus::NoMemory, {}};
        }
        const Address f = static_cast<Address>(frame);
        const uint32_t serial = m_mem->load32(serial_at());
        m_mem->store32(f, m_mem->load32(last_at()));
        m_mem->store32(f + 4u, serial);
        m_mem->store32(last_at(), f);
        m_mem->store32(serial_at(), serial + 1u == 0 ? 1u : serial + 1u);
        set_top(frame + FRAME_BYTES);
        ++m_stats.live_markers;
        return Result<StackMarker>{RtStatus::Ok, StackMarker{f, serial}};
    }

    /// Pops back to where `marker` was taken, releasing everything allocated since. Ok iff
    /// `marker` is the most recent unreleased marker (O(1): 3 loads + 2 stores). Otherwise
    /// nothing changes and the result is
    ///   OutOfOrder  `marker` is live but a newer marker is still unreleased,
    ///   BadPointer  `marker` was already released, never existed, or is not from this stack.
    /// Telling the two apart walks the marker chain: O(live markers), error path only.
    RtStatus release(StackMarker marker) {
        m_steps.begin();
        if (m_mem == nullptr)
            return RtStatus::Unsupported;
        m_steps.add();
        const Address last = m_mem->load32(last_at());
        if (!is_frame_address(marker.frame))
            return reject(RtStatus::BadPointer);
        if (marker.frame == last && m_mem->load32(last + 4u) == marker.serial) {
            m_mem->store32(last_at(), m_mem->load32(last));
            set_top(last);
            EMSIM_RT_ASSERT(m_stats.live_markers > 0);
            --m_stats.live_markers;
            return RtStatus::Ok;
        }
        // Frames are chained newest (highest address) first; stop once below the marker.
        for (Address f = last; f != NIL && f >= marker.frame; f = m_mem->load32(f)) {
            m_steps.add();
            if (f == marker.frame)
                return reject(m_mem->load32(f + 4u) == marker.serial ? RtStatus::OutOfOrder
                                                                     : RtStatus::BadPointer);
        }
        return reject(RtStatus::BadPointer);
    }

    /// Releases everything, markers included. O(1): 2 stores.
    void release_all() {
        EMSIM_RT_ASSERT(m_mem != nullptr);
        m_mem->store32(last_at(), NIL);
        m_mem->store32(top_at(), HEADER_BYTES);
        m_stats.live_markers = 0;
    }

    /// Bytes used (header, frames and padding included) and left. 1 load each.
    uint32_t used_bytes() const { return m_mem == nullptr ? 0 : m_mem->load32(top_at()); }
    uint32_t remaining_bytes() const {
        return m_mem == nullptr ? 0 : m_region_bytes - used_bytes();
    }
    uint32_t capacity_bytes() const { return m_region_bytes; }

    /// O(1): top within the region and the last frame below top (or NIL iff no live marker).
    bool invariants_hold() const {
        if (m_mem == nullptr)
            return false;
        const uint32_t top = m_mem->load32(top_at());
        const Address last = m_mem->load32(last_at());
        if (top < HEADER_BYTES || top > m_region_bytes)
            return false;
        if (last == NIL)
            return m_stats.live_markers == 0;
        return m_stats.live_markers != 0 && is_frame_address(last) &&
               uint64_t{last} + FRAME_BYTES <= uint64_t{m_base} + top;
    }
    /// O(live markers): invariants_hold(), and the chain of frames descends strictly, stays
    /// inside the used part, carries strictly decreasing serials and has live_markers frames.
    RtStatus check_integrity() const {
        if (m_mem == nullptr)
            return RtStatus::Unsupported;
        if (!invariants_hold())
            return RtStatus::Corrupt;
        uint32_t count = 0;
        uint64_t limit = uint64_t{m_base} + m_mem->load32(top_at());
        uint32_t previous_serial = 0;
        for (Address f = m_mem->load32(last_at()); f != NIL; f = m_mem->load32(f)) {
            if (!is_frame_address(f) || uint64_t{f} + FRAME_BYTES > limit)
                return RtStatus::Corrupt;
            const uint32_t serial = m_mem->load32(f + 4u);
            if (count > 0 && serial >= previous_serial)
                return RtStatus::Corrupt;
            if (++count > m_stats.live_markers)
                return RtStatus::Corrupt;
            previous_serial = serial;
            limit = f;
        }
        return count == m_stats.live_markers ? RtStatus::Ok : RtStatus::Corrupt;
    }

    const StackAllocatorStats& stats() const { return m_stats; }
    uint32_t last_op_steps() const { return m_steps.steps(); }

private:
    Address top_at() const { return m_base; }
    Address last_at() const { return m_base + 4u; }
    Address serial_at() const { return m_base + 8u; }
    bool is_frame_address(Address a) const {
        return a % 4u == 0 && a >= m_base + HEADER_BYTES &&
               uint64_t{a} + FRAME_BYTES <= uint64_t{m_base} + m_region_bytes;
    }
    void set_top(uint64_t end) {
        const uint32_t top = static_cast<uint32_t>(end - m_base);
        m_mem->store32(top_at(), top);
        if (top > m_stats.peak_bytes)
            m_stats.peak_bytes = top;
    }
    Result<Address> fail(RtStatus status) {
        ++m_stats.failed_allocations;
        return Result<Address>{status, 0};
    }
    RtStatus reject(RtStatus status) {
        ++m_stats.rejected_releases;
        return status;
    }

    Mem* m_mem = nullptr;
    Address m_base = 0;
    uint32_t m_region_bytes = 0;
    HeapGuard* m_guard = nullptr;
    HeapOwner m_owner;
    StackAllocatorStats m_stats;
    StepMeter m_steps;
};

/// RAII scope: marks on construction and releases on destruction (unless released early).
/// If mark() failed, status() says why and the scope releases nothing. A release refused at
/// destruction (a nested marker was left live by hand) is counted in the stack's
/// rejected_releases; call release() explicitly to see the status.
template <class Mem> class StackScope {
public:
    explicit StackScope(StackAllocator<Mem>& stack) : m_stack(&stack) {
        const Result<StackMarker> r = stack.mark();
        m_status = r.status;
        m_marker = r.value;
        m_live = r.ok();
    }
    ~StackScope() {
        if (m_live)
            (void)m_stack->release(m_marker);
    }
    StackScope(const StackScope&) = delete;
    StackScope& operator=(const StackScope&) = delete;

    /// Releases now; Ok once, then BadPointer (already released) like a stale marker.
    RtStatus release() {
        if (!m_live)
            return m_status == RtStatus::Ok ? RtStatus::BadPointer : m_status;
        const RtStatus s = m_stack->release(m_marker);
        if (s == RtStatus::Ok)
            m_live = false;
        return s;
    }
    /// Ok iff the scope's mark() succeeded.
    RtStatus status() const { return m_status; }
    const StackMarker& marker() const { return m_marker; }

private:
    StackAllocator<Mem>* m_stack;
    StackMarker m_marker;
    RtStatus m_status;
    bool m_live;
};

} // namespace emsim::rt
