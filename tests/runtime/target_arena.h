#pragma once
// Target memory for the native runtime tests: a host buffer that the allocators see, through
// DirectMemory, as target addresses [target_base, target_base + size). One definition for every
// test_*.cpp here, so they all put memory at the same base with the same fill and alignment.

#include <stdint.h>

#include <vector>

#include "runtime/memory_access.h"

namespace emsim::test {

/// Where the tests put target memory: an SRAM address of a Cortex-M, not 0, so an address that
/// forgot its base does not land in the arena by accident.
constexpr rt::Address TARGET_BASE = 0x20000000u;

/// Host bytes for target [target_base, target_base + size_bytes), 64-byte aligned so target
/// alignment equals host alignment. Every byte starts as `fill` (0xA5 by default: not zero, so
/// an allocator that relies on zeroed memory fails).
struct TargetArena {
    explicit TargetArena(uint32_t size_bytes, rt::Address target = TARGET_BASE, uint8_t fill = 0xA5)
        : storage(size_bytes + 64u, fill), target_base(target) {
        const auto host = reinterpret_cast<uintptr_t>(storage.data());
        base = storage.data() + ((64u - host % 64u) % 64u);
    }
    rt::DirectMemory mem() const { return rt::DirectMemory(base, target_base); }
    /// Host byte of target address `a`.
    uint8_t* at(rt::Address a) { return base + (a - target_base); }
    /// Copy of target bytes [a, a + n), to show an operation changed nothing.
    std::vector<uint8_t> snapshot(rt::Address a, uint32_t n) { return {at(a), at(a) + n}; }
    /// Copy of the first `n` target bytes.
    std::vector<uint8_t> snapshot(uint32_t n) { return snapshot(target_base, n); }

    std::vector<uint8_t> storage; ///< the whole host buffer: size_bytes + 64 bytes of slack
    uint8_t* base;                ///< host byte of `target_base`
    rt::Address target_base;
};

/// An arena and the DirectMemory over it: what every allocator fixture starts with.
struct ArenaFixture {
    explicit ArenaFixture(uint32_t size_bytes) : arena(size_bytes), mem(arena.mem()) {}
    TargetArena arena;
    rt::DirectMemory mem;
};

} // namespace emsim::test
