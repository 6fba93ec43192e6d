#pragma once
// The runtime's only way to reach target memory. Owns the memory-access policy concept and its
// two native variants; the simulator adds a third (TLM-backed) in sim/.
//
// Every load and store of allocator metadata goes through a policy object `Mem` with explicit
// widths at 32-bit target addresses:
//
//     uint8_t  load8 (Address);   void store8 (Address, uint8_t);
//     uint16_t load16(Address);   void store16(Address, uint16_t);
//     uint32_t load32(Address);   void store32(Address, uint32_t);
//
// Addresses are target addresses (32-bit), never host pointers, so the runtime does not depend
// on the host's pointer size. Values are little-endian (Cortex-M and the simulator's banks).
// Accesses of width N must be N-byte aligned: the runtime keeps its metadata aligned, and real
// Cortex-M0 and MPU-protected targets fault on unaligned metadata anyway.

#include <stdint.h>
#include <string.h>

namespace emsim::rt {

using Address = uint32_t;

/// Direct access: target address `a` lives at host byte `host_base + (a - target_base)`.
/// Native tests give it a host buffer and any target base; firmware gives it the identity
/// mapping (host_base = 0 as a pointer, target_base = 0). No bounds check: the allocators only
/// touch addresses inside regions they were given, and an out-of-region access is their bug.
class DirectMemory {
public:
    DirectMemory(uint8_t* host_base, Address target_base)
        : m_host_base(host_base), m_target_base(target_base) {}

    uint8_t load8(Address a) const { return *at(a); }
    uint16_t load16(Address a) const { return load<uint16_t>(a); }
    uint32_t load32(Address a) const { return load<uint32_t>(a); }
    void store8(Address a, uint8_t v) { *at(a) = v; }
    void store16(Address a, uint16_t v) { store<uint16_t>(a, v); }
    void store32(Address a, uint32_t v) { store<uint32_t>(a, v); }

    /// Host view of a target address, for user-data access in native tests (not for metadata).
    uint8_t* host_pointer(Address a) const { return at(a); }

private:
    uint8_t* at(Address a) const { return m_host_base + (a - m_target_base); }
    // memcpy keeps strict aliasing happy; compilers turn it into one load/store.
    template <class T> T load(Address a) const {
        T v;
        memcpy(&v, at(a), sizeof v);
        return v;
    }
    template <class T> void store(Address a, T v) { memcpy(at(a), &v, sizeof v); }

    uint8_t* m_host_base;
    Address m_target_base;
};

/// The region check of allocators that keep a header of 32-bit words at the region's start
/// (StaticAllocator, StackAllocator): [base, base + bytes) is 4-aligned, holds the
/// `header_bytes` and does not wrap past 2^32.
constexpr bool region_holds_header(Address base, uint32_t bytes, uint32_t header_bytes) {
    return base % 4u == 0 && bytes >= header_bytes && uint64_t{base} + bytes <= 0x100000000ull;
}

/// Load/store counters, in accesses (one per call, whatever the width).
struct AccessCounts {
    uint32_t loads = 0;
    uint32_t stores = 0;
    constexpr uint32_t total() const { return loads + stores; }
};

/// Wraps another policy and counts its accesses; `reset()` between operations gives per-operation
/// figures for tests and benchmarks.
template <class Inner> class CountingMemory {
public:
    explicit CountingMemory(Inner& inner) : m_inner(inner) {}

    uint8_t load8(Address a) { return ++m_counts.loads, m_inner.load8(a); }
    uint16_t load16(Address a) { return ++m_counts.loads, m_inner.load16(a); }
    uint32_t load32(Address a) { return ++m_counts.loads, m_inner.load32(a); }
    void store8(Address a, uint8_t v) { ++m_counts.stores, m_inner.store8(a, v); }
    void store16(Address a, uint16_t v) { ++m_counts.stores, m_inner.store16(a, v); }
    void store32(Address a, uint32_t v) { ++m_counts.stores, m_inner.store32(a, v); }

    const AccessCounts& counts() const { return m_counts; }
    void reset() { m_counts = AccessCounts{}; }
    Inner& inner() { return m_inner; }

private:
    Inner& m_inner;
    AccessCounts m_counts;
};

} // namespace emsim::rt
