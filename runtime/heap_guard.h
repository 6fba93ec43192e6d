#pragma once
// HeapGuard: the zero-dynamic-allocation policy. Owns the sealed flag and a fixed-capacity log of
// refused allocations; it does not own any allocator. Allocators that take a `HeapGuard*` ask it
// (`admit`) before every allocation: before `seal()` everything is admitted, after it every
// allocation is refused with RtStatus::Sealed and recorded (who, how many bytes, when).
//
// The policy it implements (seed 2.2): allocate everything at init (static allocator, pools,
// heap), then seal; from then on any heap or pool allocation from a guarded allocator is a
// violation that `check_no_heap_violation()` reports. Frees stay allowed (releasing init scratch
// memory allocates nothing). Guarding is opt-in per allocator: a pool meant for run-time use is
// simply constructed without a guard. FixedPool, TieredPool, StaticAllocator and StackAllocator
// take the guard directly; any other allocator (TlsfHeap) is wrapped in `Guarded<Allocator>`.
//
// The guard is a host/firmware object, not allocator metadata: it holds no target addresses and
// is never reached through the memory-access policy. Not interrupt-safe by itself; callers that
// allocate from ISRs wrap allocator calls in their own critical section.

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"

namespace emsim::rt {

/// Who allocates: a stable id plus an optional static name for reports ("net_rx_pool").
/// `name` must outlive the guard (a string literal); nullptr means "unnamed".
struct HeapOwner {
    const char* name = nullptr;
    uint32_t id = 0;
};

/// One refused allocation.
struct HeapViolation {
    HeapOwner owner;     ///< the guarded allocator that was asked
    uint32_t size_bytes; ///< the request as the caller gave it (0 for "a block" if unknown)
    uint64_t when;       ///< caller time: set_time() or the clock hook, unit chosen by caller
    uint32_t sequence;   ///< 1-based violation number since construction; strictly increasing
};

/// What check_no_heap_violation() returns next to its status.
struct HeapViolationSummary {
    uint32_t count;       ///< violations since construction (saturates at UINT32_MAX)
    uint32_t logged;      ///< entries retrievable with violation(i); <= LOG_CAPACITY
    uint32_t overwritten; ///< count - logged: the oldest entries the ring lost
};

class HeapGuard {
public:
    static constexpr uint32_t LOG_CAPACITY = EMSIM_RT_GUARD_LOG_ENTRIES;
    static_assert(LOG_CAPACITY >= 1, "the log keeps at least the newest violation");

    /// Optional time source: called once per violation; `context` is passed through.
    using ClockFn = uint64_t (*)(void* context);

    /// Ends the init phase. Idempotent and one-way: there is no unseal (a guard that could be
    /// reopened would not prove anything).
    void seal() { m_sealed = true; }
    bool sealed() const { return m_sealed; }

    /// Caller-supplied "now" for violations recorded without a clock hook (e.g. a tick count or
    /// a simulator cycle). Unit is the caller's; the guard only stores it.
    void set_time(uint64_t when) { m_now = when; }
    /// A clock hook instead of set_time(); nullptr removes it.
    void set_clock(ClockFn clock, void* context) {
        m_clock = clock;
        m_clock_context = context;
    }

    /// The one question allocators ask before allocating. Returns Ok before seal() (and counts
    /// the admission); after it returns Sealed and records {owner, size_bytes, now}. O(1).
    RtStatus admit(const HeapOwner& owner, uint32_t size_bytes) {
        if (!m_sealed) {
            ++m_admitted;
            return RtStatus::Ok;
        }
        if (m_count != UINT32_MAX)
            ++m_count;
        HeapViolation& slot = m_log[m_next];
        slot.owner = owner;
        slot.size_bytes = size_bytes;
        slot.when = m_clock != nullptr ? m_clock(m_clock_context) : m_now;
        slot.sequence = m_count;
        m_next = (m_next + 1) % LOG_CAPACITY;
        if (m_logged < LOG_CAPACITY)
            ++m_logged;
        return RtStatus::Sealed;
    }

    /// Ok iff no guarded allocation was attempted after seal(); otherwise Sealed, and `value`
    /// tells how many (entries via violation()). O(1).
    Result<HeapViolationSummary> check_no_heap_violation() const {
        Result<HeapViolationSummary> r;
        r.value = HeapViolationSummary{m_count, m_logged, m_count - m_logged};
        r.status = m_count == 0 ? RtStatus::Ok : RtStatus::Sealed;
        return r;
    }

    /// The i-th retained violation, oldest first (i < logged); nullptr beyond. O(1).
    const HeapViolation* violation(uint32_t i) const {
        if (i >= m_logged)
            return nullptr;
        const uint32_t oldest = (m_next + LOG_CAPACITY - m_logged) % LOG_CAPACITY;
        return &m_log[(oldest + i) % LOG_CAPACITY];
    }

    uint32_t violation_count() const { return m_count; }
    /// Allocations admitted before seal(); a statistic, never decreases.
    uint32_t admitted_count() const { return m_admitted; }

private:
    bool m_sealed = false;
    uint64_t m_now = 0;
    ClockFn m_clock = nullptr;
    void* m_clock_context = nullptr;
    uint32_t m_admitted = 0;
    uint32_t m_count = 0;
    uint32_t m_logged = 0;
    uint32_t m_next = 0; ///< ring slot the next violation goes to
    HeapViolation m_log[LOG_CAPACITY] = {};
};

/// Admits through `guard` if there is one; Ok when unguarded. The helper every allocator uses.
inline RtStatus guard_admit(HeapGuard* guard, const HeapOwner& owner, uint32_t size_bytes) {
    return guard == nullptr ? RtStatus::Ok : guard->admit(owner, size_bytes);
}

/// What StaticAllocator and StackAllocator check before an allocate(size, align) touches memory,
/// in this order: the guard (a refusal is recorded), InvalidSize (0), InvalidAlignment (0 or not
/// a power of two). Ok if the request may go ahead.
inline RtStatus admit_request(HeapGuard* guard, const HeapOwner& owner, uint32_t size_bytes,
                              uint32_t align_bytes) {
    const RtStatus admitted = guard_admit(guard, owner, size_bytes);
    if (admitted != RtStatus::Ok)
        return admitted;
    if (size_bytes == 0)
        return RtStatus::InvalidSize;
    if (align_bytes == 0 || (align_bytes & (align_bytes - 1u)))
        return RtStatus::InvalidAlignment;
    return RtStatus::Ok;
}

/// Puts any allocator with `Result<Address> allocate(size, ...)` and `RtStatus free(Address)`
/// (TlsfHeap, FixedPool, ...) under a HeapGuard. allocate, allocate_deterministic and reallocate
/// are admitted first (reallocate counts as an allocation: it may grow or move); free passes
/// straight through. Members the inner allocator lacks are simply never instantiated.
/// Everything else is reached through inner().
template <class Allocator> class Guarded {
public:
    Guarded(Allocator& inner, HeapGuard* guard, HeapOwner owner)
        : m_inner(&inner), m_guard(guard), m_owner(owner) {}

    /// Sealed (recorded) after seal(); otherwise whatever the inner allocator returns.
    template <class... Rest> Result<Address> allocate(uint32_t size_bytes, Rest... rest) {
        const RtStatus admitted = guard_admit(m_guard, m_owner, size_bytes);
        if (admitted != RtStatus::Ok)
            return Result<Address>{admitted, 0};
        return m_inner->allocate(size_bytes, rest...);
    }
    template <class... Rest>
    Result<Address> reallocate(Address block, uint32_t size_bytes, Rest... rest) {
        const RtStatus admitted = guard_admit(m_guard, m_owner, size_bytes);
        if (admitted != RtStatus::Ok)
            return Result<Address>{admitted, 0};
        return m_inner->reallocate(block, size_bytes, rest...);
    }
    /// For allocators with a deadline-bounded allocate (TlsfHeap::allocate_deterministic).
    template <class... Rest>
    Result<Address> allocate_deterministic(uint32_t size_bytes, Rest... rest) {
        const RtStatus admitted = guard_admit(m_guard, m_owner, size_bytes);
        if (admitted != RtStatus::Ok) return Result<Address>{admitted, 0};
        return m_inner->allocate_deterministic(size_bytes, rest...);
    }
    RtStatus free(Address block) { return m_inner->free(block); }

    Allocator& inner() { return *m_inner; }
    const Allocator& inner() const { return *m_inner; }
    const HeapOwner& owner() const { return m_owner; }

private:
    Allocator* m_inner;
    HeapGuard* m_guard;
    HeapOwner m_owner;
};

} // namespace emsim::rt
