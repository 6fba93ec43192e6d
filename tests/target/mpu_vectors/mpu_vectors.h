#pragma once
// The MPU ground-truth vectors: deterministic MPU configurations plus probe accesses, generated
// identically by the probe firmware (on QEMU mps2-an385 / mps2-an505) and by the host tool that
// runs the same vectors through emsim's Mpu model. Freestanding: no allocation, no libc beyond
// <stdint.h>; the random stream is models/random.h's SplitMix64 (the firmware build gives it a
// <cstdint> shim, see tests/target/mpu_probe/shim/cstdint).
//
// A vector is: MPU_CTRL, the 8 region slots (PMSAv7 RBAR/RASR or PMSAv8 RBAR/RLAR), MAIR0/1
// (PMSAv8) and up to MAX_PROBES probes. Every probe runs privileged and then unprivileged.
//
// Harness region: the firmware's code, data and stack live in one block (Board::harness_base,
// HARNESS_BYTES) that slot HARNESS_SLOT (7) opens to everyone, RW and executable. It is part of
// the configuration both sides apply, so the comparison is exact; it leaves slots 0..6 (1..7
// regions) to the random part. On PMSAv7 slot 7 is the highest priority, so random regions may
// cover anything, including the harness block. On PMSAv8 overlaps fault, so random regions are
// kept inside the probe window (far from the harness block). Probes stay inside the probe window
// (Board::ram_base, ram_bytes), memory the firmware never uses.
//
// Probes are naturally aligned (QEMU checks only the first byte of an unaligned access, the
// architecture every byte): reads and writes of 1, 2 or 4 bytes, and exec probes of 2 bytes (the
// firmware places `bx lr` there and branches to it). Write probes store the `bx lr` pattern
// (probe_store_value) so that memory under any exec probe always holds `bx lr`.
//
// Vector i < hand_picked_count() is a hand-picked edge case; the rest are random, each from its
// own SplitMix64 seeded with (SEED + i), so any one vector can be regenerated alone.

#include <stdint.h>

#include "models/random.h"

namespace emsim::mpuvec {

enum class Flavour : uint8_t { Pmsav7, Pmsav8 };
enum ProbeKind : uint8_t { PROBE_READ = 0, PROBE_WRITE = 1, PROBE_EXEC = 2 };

constexpr uint32_t SLOTS = 8;
constexpr uint32_t HARNESS_SLOT = 7;
constexpr uint32_t HARNESS_BYTES = 128 * 1024;
constexpr uint32_t MAX_PROBES = 24;
constexpr uint64_t SEED = 0x5EED0000000005ull; // issue 5

constexpr uint32_t V7_VECTORS = 2200;
constexpr uint32_t V8_VECTORS = 600;

struct Board {
    Flavour flavour;
    const char* machine;
    uint32_t harness_base; ///< firmware code, data and stack (linker script origin)
    uint32_t ram_base;     ///< the probe window
    uint32_t ram_bytes;
};

/// mps2-an385: code SSRAM1 at 0 (the firmware), SSRAM2/3 at 0x20000000, 4 MB (the probes).
constexpr Board AN385{Flavour::Pmsav7, "mps2-an385", 0x00000000u, 0x20000000u, 4u << 20};
/// mps2-an505 (Secure): ssram-0 S alias at 0x10000000 (the firmware), ssram-1/-2 S alias at
/// 0x38000000, 2 + 2 MB (the probes).
constexpr Board AN505{Flavour::Pmsav8, "mps2-an505", 0x10000000u, 0x38000000u, 4u << 20};

struct Probe {
    uint32_t address;
    uint8_t size; ///< bytes: 1, 2, 4 (exec: 2)
    uint8_t kind; ///< ProbeKind
};

struct Vector {
    uint32_t ctrl = 0;
    uint32_t rbar[SLOTS] = {};
    uint32_t rasr_rlar[SLOTS] = {}; ///< PMSAv7 RASR, PMSAv8 RLAR
    uint32_t mair0 = 0, mair1 = 0;  ///< PMSAv8 only
    uint32_t probe_count = 0;
    Probe probes[MAX_PROBES] = {};
};

/// The value a write probe stores: `bx lr` (0x4770) in every halfword, little-endian.
inline uint32_t probe_store_value(uint32_t address, uint32_t size) {
    if (size == 1) return (address & 1u) ? 0x47u : 0x70u;
    return size == 2 ? 0x4770u : 0x47704770u;
}

inline char probe_kind_char(uint8_t kind) {
    return kind == PROBE_READ ? 'r' : kind == PROBE_WRITE ? 'w' : 'x';
}

// ---------------------------------------------------------------------------------------------
// Field helpers

constexpr uint32_t CTRL_ENABLE = 1u, CTRL_PRIVDEFENA = 4u;

inline uint32_t v7_rasr(uint32_t size_field, uint32_t ap, bool xn, uint32_t srd, bool enable,
                        uint32_t texscb = 0) {
    return (xn ? 1u << 28 : 0u) | ((ap & 7u) << 24) | ((texscb & 0x3Fu) << 16) |
           ((srd & 0xFFu) << 8) | ((size_field & 0x1Fu) << 1) | (enable ? 1u : 0u);
}
inline uint32_t v8_rbar(uint32_t base, uint32_t ap, bool xn, uint32_t sh = 0) {
    return (base & ~0x1Fu) | ((sh & 3u) << 3) | ((ap & 3u) << 1) | (xn ? 1u : 0u);
}
/// `last`: the region's last byte (inclusive limit).
inline uint32_t v8_rlar(uint32_t last, bool enable, uint32_t attr_index = 0) {
    return (last & ~0x1Fu) | ((attr_index & 7u) << 1) | (enable ? 1u : 0u);
}

/// log2 of a power of two up to 2^31 (no CLZ dependence: the generator must be portable).
inline uint32_t log2_exact(uint64_t value) {
    uint32_t n = 0;
    while ((1ull << n) < value) ++n;
    return n;
}

/// A short list of addresses or offsets for range-for (no <initializer_list> on bare metal).
struct U32List {
    uint32_t values[9];
    uint32_t count;
    const uint32_t* begin() const { return values; }
    const uint32_t* end() const { return values + count; }
};
template <typename... T> U32List u32s(T... values) {
    static_assert(sizeof...(T) <= 9, "U32List holds 9 values");
    return U32List{{static_cast<uint32_t>(values)...}, sizeof...(T)};
}

// ---------------------------------------------------------------------------------------------
// Probe selection

/// Collects probes, keeping those inside the window, aligned, without duplicates.
class ProbeSet {
public:
    ProbeSet(Vector& v, const Board& board) : m_v(v), m_board(board) { m_v.probe_count = 0; }

    bool full() const { return m_v.probe_count >= MAX_PROBES; }
    uint32_t count() const { return m_v.probe_count; }

    /// Adds a probe of `kind`/`size` covering `address` (aligned down to the size); false when
    /// it falls outside the window, duplicates one, or the set is full.
    bool add(uint64_t address, uint8_t kind, uint8_t size) {
        if (kind == PROBE_EXEC) size = 2;
        address &= ~uint64_t(size - 1u);
        if (full() || address < m_board.ram_base ||
            address + size > uint64_t(m_board.ram_base) + m_board.ram_bytes)
            return false;
        for (uint32_t i = 0; i < m_v.probe_count; ++i) {
            const Probe& p = m_v.probes[i];
            if (p.address == address && p.kind == kind && p.size == size) return false;
        }
        m_v.probes[m_v.probe_count++] = Probe{static_cast<uint32_t>(address), size, kind};
        return true;
    }

    /// A random kind and size at `address`.
    bool add_random_kind(SplitMix64& rng, uint64_t address) {
        // 40 % reads, 40 % writes, 20 % instruction fetches.
        const uint64_t k = rng.uniform(0, 9);
        const uint8_t kind = k < 4 ? PROBE_READ : k < 8 ? PROBE_WRITE : PROBE_EXEC;
        const uint8_t size = static_cast<uint8_t>(1u << rng.uniform(0, 2));
        return add(address, kind, size);
    }

    /// First and last byte, the bytes just outside, and one or two subregion boundaries.
    void add_edges(SplitMix64& rng, uint64_t base, uint64_t bytes, bool subregions) {
        add_random_kind(rng, base);
        add_random_kind(rng, base + bytes - 1);
        add_random_kind(rng, base + bytes);
        if (base > 0) add_random_kind(rng, base - 1);
        if (subregions && bytes >= 256) {
            const uint64_t sub = bytes / 8;
            const uint64_t k = rng.uniform(1, 7);
            add_random_kind(rng, base + k * sub);
            add_random_kind(rng, base + k * sub - 1);
        }
    }

    void add_random(SplitMix64& rng) {
        add_random_kind(rng, m_board.ram_base + rng.uniform(0, m_board.ram_bytes - 1));
    }

    /// Read and write of `size` bytes and an exec probe at one address.
    void add_all_kinds(uint64_t address, uint8_t size) {
        add(address, PROBE_READ, size);
        add(address, PROBE_WRITE, size);
        add(address, PROBE_EXEC, 2);
    }

private:
    Vector& m_v;
    const Board& m_board;
};

// ---------------------------------------------------------------------------------------------
// Random fields. Every draw is its own statement: the order in which function arguments or the
// operands of `|` are evaluated is unspecified, and the firmware's compiler and the host's need
// not agree (they did not: GCC for x86-64 and for Arm evaluate arguments in different orders).

/// ENABLE most of the time (otherwise everything is allowed), PRIVDEFENA half the time.
inline uint32_t random_ctrl(SplitMix64& rng) {
    const uint32_t enable = rng.chance(9, 10) ? CTRL_ENABLE : 0u;
    const uint32_t privdefena = rng.chance(1, 2) ? CTRL_PRIVDEFENA : 0u;
    return enable | privdefena;
}

/// The random part's regions, the same on both flavours: how many of slots 0..6 hold one (1..7,
/// spread over the slots at random), where a region's base starts (half the time near an earlier
/// region's, to make overlaps), and the probes around the regions once they are placed.
class RandomRegions {
public:
    RandomRegions(SplitMix64& rng, const Board& board)
        : m_rng(rng), m_board(board), m_wanted(static_cast<uint32_t>(rng.uniform(1, 7))) {}

    /// Whether `slot` gets one of the wanted regions (slots left free are disabled).
    bool use_slot(uint32_t slot) {
        const uint32_t slots_left = HARNESS_SLOT - slot;
        return m_placed < m_wanted && m_rng.uniform(0, slots_left - 1) < m_wanted - m_placed;
    }

    /// A base before alignment: within `overlap_span_bytes` above an earlier region's base, or
    /// anywhere in the probe window.
    uint64_t pick_base(uint64_t overlap_span_bytes) {
        if (m_placed > 0 && m_rng.chance(1, 2)) {
            const uint32_t other = m_bases[m_rng.uniform(0, m_placed - 1)];
            return other + m_rng.uniform(0, overlap_span_bytes - 1);
        }
        return m_board.ram_base + m_rng.uniform(0, m_board.ram_bytes - 1);
    }

    /// Records the base a used slot ended up with (pick_base draws near these).
    void placed(uint64_t base) { m_bases[m_placed++] = static_cast<uint32_t>(base); }

    /// A region whose edges (and, with `subregions`, subregion boundaries) get probes.
    void add_edge(uint64_t base, uint64_t bytes, bool subregions) {
        m_edges[m_edge_count++] = Edge{base, bytes, subregions};
    }

    /// The edge probes of every region, then 3..6 more at random addresses: around a region
    /// (often) or anywhere in the window.
    void add_probes(ProbeSet& probes) {
        for (uint32_t i = 0; i < m_edge_count; ++i)
            probes.add_edges(m_rng, m_edges[i].base, m_edges[i].bytes, m_edges[i].subregions);
        const uint32_t target = probes.count() + static_cast<uint32_t>(m_rng.uniform(3, 6));
        for (uint32_t tries = 0; probes.count() < target && tries < 64; ++tries) {
            if (m_edge_count && m_rng.chance(2, 3)) {
                const Edge& e = m_edges[m_rng.uniform(0, m_edge_count - 1)];
                probes.add_random_kind(m_rng, e.base + m_rng.uniform(0, e.bytes > 0x10000
                                                                            ? 0xFFFF
                                                                            : e.bytes - 1));
            } else {
                probes.add_random(m_rng);
            }
        }
    }

private:
    struct Edge {
        uint64_t base, bytes;
        bool subregions;
    };
    SplitMix64& m_rng;
    const Board& m_board;
    const uint32_t m_wanted;
    uint32_t m_placed = 0;
    uint32_t m_bases[SLOTS] = {};
    Edge m_edges[SLOTS] = {};
    uint32_t m_edge_count = 0;
};

/// The number of hand-picked vectors: the first index `hand_picked` refuses.
template <class HandPicked> uint32_t count_hand_picked(HandPicked&& hand_picked, const Board& b) {
    Vector v;
    uint32_t n = 0;
    while (hand_picked(n, v, b)) ++n;
    return n;
}

// ---------------------------------------------------------------------------------------------
// PMSAv7

/// The harness slot: the firmware's block, AP=011 (full access), executable.
inline void v7_harness(Vector& v, const Board& board) {
    v.rbar[HARNESS_SLOT] = board.harness_base;
    v.rasr_rlar[HARNESS_SLOT] = v7_rasr(log2_exact(HARNESS_BYTES) - 1, 3, false, 0, true);
}

/// Hand-picked PMSAv7 cases; returns false past the last one.
inline bool v7_hand_picked(uint32_t index, Vector& v, const Board& b) {
    v = Vector{};
    v7_harness(v, b);
    ProbeSet probes(v, b);
    const uint32_t r = b.ram_base;
    const uint32_t en = CTRL_ENABLE;
    // 0..15: AP 0..7 x XN off/on on a 1 KB region, background off; probes inside, at both
    // edges and just outside.
    if (index < 16) {
        v.ctrl = en;
        v.rbar[0] = r + 0x1000;
        v.rasr_rlar[0] = v7_rasr(9, index % 8, index >= 8, 0, true);
        for (uint32_t a : u32s(r + 0x1000, r + 0x1200, r + 0x13FE))
            probes.add_all_kinds(a, 2);
        probes.add_all_kinds(r + 0x0FFC, 4);
        probes.add_all_kinds(r + 0x1400, 4);
        return true;
    }
    index -= 16;
    switch (index) {
    case 0: // MPU off: everything allowed whatever the regions say
        v.ctrl = 0;
        v.rbar[0] = r;
        v.rasr_rlar[0] = v7_rasr(21, 0, true, 0, true);
        break;
    case 1: // on, no region, no background: everything in the window faults
        v.ctrl = en;
        break;
    case 2: // on, no region, background: privileged allowed, unprivileged faults
        v.ctrl = en | CTRL_PRIVDEFENA;
        break;
    case 3: // subregions: 2 KB full access with every other subregion off over a 4 KB RO region
    case 4: // the same without the region beneath: the holes hit the background (privileged)
        v.ctrl = en | CTRL_PRIVDEFENA;
        v.rbar[2] = r + 0x2000;
        v.rasr_rlar[2] = v7_rasr(10, 3, false, 0x55, true);
        if (index == 3) {
            v.rbar[1] = r + 0x2000;
            v.rasr_rlar[1] = v7_rasr(11, 6, false, 0, true);
        }
        for (uint32_t k = 0; k <= 8; ++k) {
            probes.add(r + 0x2000 + k * 256, PROBE_WRITE, 4);
            probes.add(r + 0x2000 + k * 256 - 1, PROBE_READ, 1);
        }
        probes.add(r + 0x2100, PROBE_EXEC, 2);
        break;
    case 5: // 128-byte region: SRD ignored
        v.ctrl = en;
        v.rbar[0] = r + 0x3000;
        v.rasr_rlar[0] = v7_rasr(6, 3, false, 0xFF, true);
        probes.add_all_kinds(r + 0x3000, 4);
        probes.add_all_kinds(r + 0x307C, 4);
        probes.add_all_kinds(r + 0x3080, 4);
        break;
    case 6: // base misaligned to the size (UNPREDICTABLE; QEMU ignores the region)
    case 7: // the same region aligned
        v.ctrl = en;
        v.rbar[3] = r + (index == 6 ? 0x4800 : 0x4000);
        v.rasr_rlar[3] = v7_rasr(11, 3, false, 0, true); // 4 KB
        for (uint32_t a : u32s(0x4000u, 0x47FCu, 0x4800u, 0x4FFCu, 0x5000u, 0x57FCu))
            probes.add(r + a, PROBE_READ, 4);
        break;
    case 8: // overlap, higher wins: 5 denies inside 1's full access
    case 9: // overlap, higher wins: 5 allows inside 1's no access
        v.ctrl = en;
        v.rbar[1] = r + 0x8000;
        v.rasr_rlar[1] = v7_rasr(14, index == 8 ? 3 : 0, false, 0, true); // 32 KB
        v.rbar[5] = r + 0x9000;
        v.rasr_rlar[5] = v7_rasr(11, index == 8 ? 0 : 3, false, 0, true); // 4 KB
        for (uint32_t a : u32s(0x8000u, 0x8FFCu, 0x9000u, 0x9FFCu, 0xA000u, 0xFFFCu))
            probes.add_all_kinds(r + a, 4);
        break;
    case 10: // 4 GB region (SIZE=31) read-only for everyone, executable
        v.ctrl = en;
        v.rasr_rlar[0] = v7_rasr(31, 6, false, 0, true);
        probes.add_all_kinds(r, 4);
        probes.add_all_kinds(r + b.ram_bytes - 4, 4);
        break;
    case 11: // SIZE = 1, 2, 3 (below the 32-byte minimum)
        v.ctrl = en | CTRL_PRIVDEFENA;
        for (uint32_t s = 1; s <= 3; ++s) {
            v.rbar[s] = r + 0x10000 * s;
            v.rasr_rlar[s] = v7_rasr(s, 3, false, 0, true);
            for (uint32_t off : u32s(0u, 4u, 8u, 12u, 16u, 32u))
                probes.add(r + 0x10000 * s + off, off & 4 ? PROBE_WRITE : PROBE_READ, 4);
        }
        break;
    case 12: // SIZE = 0 with ENABLE: the region is ignored
        v.ctrl = en | CTRL_PRIVDEFENA;
        v.rbar[0] = r;
        v.rasr_rlar[0] = v7_rasr(0, 3, false, 0, true);
        probes.add_all_kinds(r, 4);
        break;
    case 13: // disabled regions with arbitrary fields under an enabled full-access region
        v.ctrl = en;
        v.rbar[0] = r;
        v.rasr_rlar[0] = v7_rasr(21, 3, false, 0, true);
        for (uint32_t s = 1; s < 7; ++s) {
            v.rbar[s] = r + 0x1000 * s;
            v.rasr_rlar[s] = 0x163FFF3Eu; // everything but ENABLE
        }
        probes.add_all_kinds(r + 0x1000, 4);
        probes.add_all_kinds(r + 0x6000, 4);
        break;
    case 14: // seven stacked regions of doubling size at one base: each size edge decides
        v.ctrl = en;
        for (uint32_t s = 0; s < 7; ++s) {
            v.rbar[s] = r;
            v.rasr_rlar[s] = v7_rasr(14 - s, s % 4, s % 2, 0, true); // 32 KB .. 512 B
        }
        for (uint32_t s = 0; s < 7; ++s) {
            probes.add(r + (0x8000u >> s) - 4, PROBE_WRITE, 4);
            probes.add(r + (0x8000u >> s) - 2, PROBE_EXEC, 2);
        }
        break;
    case 15: // every subregion disabled: the region is invisible; background for privileged
        v.ctrl = en | CTRL_PRIVDEFENA;
        v.rbar[4] = r + 0x20000;
        v.rasr_rlar[4] = v7_rasr(12, 0, false, 0xFF, true);
        probes.add_all_kinds(r + 0x20000, 4);
        probes.add_all_kinds(r + 0x21FFC, 4);
        break;
    default: return false;
    }
    return true;
}

inline void v7_random(SplitMix64& rng, Vector& v, const Board& b) {
    v = Vector{};
    v7_harness(v, b);
    v.ctrl = random_ctrl(rng);
    RandomRegions regions(rng, b);
    ProbeSet probes(v, b);
    for (uint32_t slot = 0; slot < HARNESS_SLOT; ++slot) {
        if (!regions.use_slot(slot)) {
            if (rng.chance(1, 4)) { // disabled, with garbage in the other fields
                v.rbar[slot] = static_cast<uint32_t>(rng.next()) & ~0x1Fu;
                v.rasr_rlar[slot] = static_cast<uint32_t>(rng.next()) & ~1u;
            }
            continue;
        }
        // SIZE: mostly 32 B .. 64 KB, sometimes up to 4 MB, rarely huge, below-minimum or zero.
        uint32_t size_field;
        const uint64_t pick = rng.uniform(0, 99);
        if (pick < 70) size_field = static_cast<uint32_t>(rng.uniform(4, 15));
        else if (pick < 90) size_field = static_cast<uint32_t>(rng.uniform(16, 21));
        else if (pick < 96) size_field = static_cast<uint32_t>(rng.uniform(22, 31));
        else size_field = static_cast<uint32_t>(rng.uniform(0, 3));
        const uint64_t bytes = 1ull << (size_field + 1);
        uint64_t base = regions.pick_base(0x4000);
        base &= ~(bytes - 1);            // aligned to the size ...
        if (rng.chance(1, 20)) base |= (rng.uniform(1, 63) << 5) & (bytes > 32 ? bytes - 1 : 0);
        base &= 0xFFFFFFE0u;             // ... occasionally misaligned (32-byte granular)
        regions.placed(base);
        const uint32_t srd = rng.chance(1, 2) ? static_cast<uint32_t>(rng.uniform(1, 255)) : 0u;
        v.rbar[slot] = static_cast<uint32_t>(base);
        const uint32_t ap = static_cast<uint32_t>(rng.uniform(0, 7));
        const bool xn = rng.chance(1, 2);
        const bool enable = rng.chance(19, 20);
        const uint32_t texscb = static_cast<uint32_t>(rng.uniform(0, 63));
        v.rasr_rlar[slot] = v7_rasr(size_field, ap, xn, srd, enable, texscb);
        if (size_field >= 1) regions.add_edge(base, bytes, srd != 0);
    }
    regions.add_probes(probes);
}

// ---------------------------------------------------------------------------------------------
// PMSAv8

inline void v8_harness(Vector& v, const Board& board) {
    v.rbar[HARNESS_SLOT] = v8_rbar(board.harness_base, 1, false);
    v.rasr_rlar[HARNESS_SLOT] = v8_rlar(board.harness_base + HARNESS_BYTES - 1, true);
}

inline bool v8_hand_picked(uint32_t index, Vector& v, const Board& b) {
    v = Vector{};
    v8_harness(v, b);
    ProbeSet probes(v, b);
    const uint32_t r = b.ram_base;
    const uint32_t en = CTRL_ENABLE;
    v.mair0 = 0x44FF0400u;
    // 0..7: AP 0..3 x XN on a 96-byte region (3 granules: not a power of two).
    if (index < 8) {
        v.ctrl = en;
        v.rbar[0] = v8_rbar(r + 0x1020, index % 4, index >= 4);
        v.rasr_rlar[0] = v8_rlar(r + 0x107F, true, 1);
        for (uint32_t a : u32s(0x1020u, 0x1050u, 0x107Cu, 0x101Cu, 0x1080u))
            probes.add_all_kinds(r + a, 4);
        return true;
    }
    index -= 8;
    switch (index) {
    case 0: // MPU off
        v.ctrl = 0;
        v.rbar[0] = v8_rbar(r, 2, true);
        v.rasr_rlar[0] = v8_rlar(r + 0xFFFF, true);
        probes.add_all_kinds(r, 4);
        break;
    case 1: // no region, no background
        v.ctrl = en;
        probes.add_all_kinds(r, 4);
        break;
    case 2: // no region, background for privileged
        v.ctrl = en | CTRL_PRIVDEFENA;
        probes.add_all_kinds(r + 0x100, 4);
        break;
    case 3: // two identical full-access regions: overlap faults (both privilege levels)
    case 4: // partial overlap: only the shared granule faults
        v.ctrl = en | CTRL_PRIVDEFENA;
        v.rbar[1] = v8_rbar(r + 0x2000, 1, false);
        v.rasr_rlar[1] = v8_rlar(r + 0x20FF, true);
        v.rbar[4] = v8_rbar(index == 3 ? r + 0x2000 : r + 0x20E0, 1, false);
        v.rasr_rlar[4] = v8_rlar(index == 3 ? r + 0x20FF : r + 0x21FF, true);
        for (uint32_t a : u32s(0x2000u, 0x20DCu, 0x20E0u, 0x20FCu, 0x2100u, 0x21FCu, 0x2200u))
            probes.add_all_kinds(r + a, 4);
        break;
    case 5: // adjacent regions (limit + 1 = next base): no overlap
        v.ctrl = en;
        v.rbar[2] = v8_rbar(r + 0x3000, 1, false);
        v.rasr_rlar[2] = v8_rlar(r + 0x301F, true);
        v.rbar[3] = v8_rbar(r + 0x3020, 3, true);
        v.rasr_rlar[3] = v8_rlar(r + 0x303F, true);
        for (uint32_t a : u32s(0x2FFCu, 0x3000u, 0x301Cu, 0x3020u, 0x303Cu, 0x3040u))
            probes.add_all_kinds(r + a, 4);
        break;
    case 6: // limit below base: the region matches nothing
        v.ctrl = en | CTRL_PRIVDEFENA;
        v.rbar[0] = v8_rbar(r + 0x4100, 1, false);
        v.rasr_rlar[0] = v8_rlar(r + 0x40FF, true);
        probes.add_all_kinds(r + 0x40FC, 4);
        probes.add_all_kinds(r + 0x4100, 4);
        break;
    case 7: // a disabled region overlapping an enabled one: no overlap fault
        v.ctrl = en;
        v.rbar[0] = v8_rbar(r + 0x5000, 1, false);
        v.rasr_rlar[0] = v8_rlar(r + 0x5FFF, true);
        v.rbar[6] = v8_rbar(r + 0x5000, 0, true);
        v.rasr_rlar[6] = v8_rlar(r + 0x5FFF, false);
        probes.add_all_kinds(r + 0x5800, 4);
        break;
    case 8: // the whole window, one region per 1/4, AP 0..3
        v.ctrl = en;
        for (uint32_t q = 0; q < 4; ++q) {
            v.rbar[q] = v8_rbar(r + q * (b.ram_bytes / 4), q, q % 2);
            v.rasr_rlar[q] = v8_rlar(r + (q + 1) * (b.ram_bytes / 4) - 1, true);
            probes.add_all_kinds(r + q * (b.ram_bytes / 4), 4);
        }
        break;
    default: return false;
    }
    return true;
}

inline void v8_random(SplitMix64& rng, Vector& v, const Board& b) {
    v = Vector{};
    v8_harness(v, b);
    v.ctrl = random_ctrl(rng);
    v.mair0 = static_cast<uint32_t>(rng.next());
    v.mair1 = static_cast<uint32_t>(rng.next());
    RandomRegions regions(rng, b);
    ProbeSet probes(v, b);
    // Regions stay inside [window - 1 MB, window + 5 MB): far from the harness block.
    const uint64_t lo = b.ram_base - (1u << 20);
    const uint64_t hi = uint64_t(b.ram_base) + b.ram_bytes + (1u << 20);
    for (uint32_t slot = 0; slot < HARNESS_SLOT; ++slot) {
        if (!regions.use_slot(slot)) {
            if (rng.chance(1, 4)) { // disabled, other fields arbitrary (inside the bounds)
                v.rbar[slot] = static_cast<uint32_t>(lo + rng.uniform(0, hi - lo - 1)) & ~0x1Eu;
                v.rasr_rlar[slot] = static_cast<uint32_t>(lo + rng.uniform(0, hi - lo - 1)) & ~1u;
            }
            continue;
        }
        // Size in 32-byte granules: log-uniform 32 B .. 4 MB.
        const uint32_t order = static_cast<uint32_t>(rng.uniform(0, 17));
        uint64_t granules = rng.uniform(order == 0 ? 1 : 1ull << (order - 1), 1ull << order);
        uint64_t base = regions.pick_base(0x1000);
        base &= ~0x1Full;
        if (base + granules * 32 > hi) granules = (hi - base) / 32;
        if (granules == 0) granules = 1;
        uint64_t last = base + granules * 32 - 1;
        if (rng.chance(1, 40)) last = base - 32; // limit below base
        regions.placed(base);
        const uint32_t ap = static_cast<uint32_t>(rng.uniform(0, 3));
        const bool xn = rng.chance(1, 2);
        const uint32_t sh = static_cast<uint32_t>(rng.uniform(0, 3));
        const bool enable = rng.chance(19, 20);
        const uint32_t attr_index = static_cast<uint32_t>(rng.uniform(0, 7));
        v.rbar[slot] = v8_rbar(static_cast<uint32_t>(base), ap, xn, sh);
        v.rasr_rlar[slot] = v8_rlar(static_cast<uint32_t>(last), enable, attr_index);
        regions.add_edge(base, granules * 32, false);
    }
    regions.add_probes(probes);
}

// ---------------------------------------------------------------------------------------------
// Register programming and read-back: one sequence for the firmware (volatile stores), the
// host replay (TLM stores) and the scenario emitter (mpu_write steps).

constexpr uint32_t REG_TYPE = 0xE000ED90;
constexpr uint32_t REG_CTRL = 0xE000ED94;
constexpr uint32_t REG_RNR = 0xE000ED98;
constexpr uint32_t REG_RBAR = 0xE000ED9C;
constexpr uint32_t REG_RASR_RLAR = 0xE000EDA0; ///< RASR on PMSAv7, RLAR on PMSAv8
constexpr uint32_t REG_MAIR0 = 0xE000EDC0;
constexpr uint32_t REG_MAIR1 = 0xE000EDC4;
/// RBAR_An / RASR_An (RLAR_An): alias 0 is RBAR / RASR itself.
constexpr uint32_t reg_rbar_alias(uint32_t k) { return REG_RBAR + 8 * k; }
constexpr uint32_t reg_rasr_rlar_alias(uint32_t k) { return REG_RASR_RLAR + 8 * k; }
constexpr uint32_t V7_RBAR_VALID = 1u << 4;

/// How a vector's regions are written, so the register paths are compared too:
///  0: RNR = n, RBAR, RASR/RLAR (three stores per region);
///  1: PMSAv7: RBAR with VALID|REGION = n (sets RNR), RASR; PMSAv8: RNR = n & ~3, then
///     RBAR_A(n&3), RLAR_A(n&3);
///  2: the alias batches: PMSAv7: RBAR_A(n%4) with VALID|REGION, RASR_A(n%4); PMSAv8: RNR once
///     per group of four, then the group's four alias pairs (what one STM of 8 words does).
inline uint32_t programming_style(uint32_t vector_index) { return vector_index % 3; }

/// Writes the vector's configuration with MPU_CTRL = 0 (the probes enable it): MAIR0/1 on
/// PMSAv8, then every implemented slot (slots from SLOTS up are cleared).
template <class Store>
void program(Flavour f, const Vector& v, uint32_t dregion, uint32_t style, Store&& store) {
    store(REG_CTRL, 0u);
    if (f == Flavour::Pmsav8) {
        store(REG_MAIR0, v.mair0);
        store(REG_MAIR1, v.mair1);
    }
    for (uint32_t n = 0; n < dregion; ++n) {
        const uint32_t rbar = n < SLOTS ? v.rbar[n] : 0u;
        const uint32_t second = n < SLOTS ? v.rasr_rlar[n] : 0u;
        const uint32_t k = n & 3u;
        if (style == 0) {
            store(REG_RNR, n);
            store(REG_RBAR, rbar);
            store(REG_RASR_RLAR, second);
        } else if (f == Flavour::Pmsav7) {
            const uint32_t alias = style == 1 ? 0u : k;
            store(reg_rbar_alias(alias), rbar | V7_RBAR_VALID | n);
            store(reg_rasr_rlar_alias(alias), second);
        } else {
            if (style == 1 || k == 0) store(REG_RNR, n & ~3u);
            store(reg_rbar_alias(k), rbar);
            store(reg_rasr_rlar_alias(k), second);
        }
    }
}

/// Words read_back() produces for `dregion` regions.
constexpr uint32_t read_back_words(uint32_t dregion) { return 5 + 2 * dregion; }

/// Reads MPU_TYPE, MPU_CTRL, RNR (as programming left it), MAIR0/1 (0 on PMSAv7: no such
/// registers there) and every region's RBAR and RASR/RLAR (selected through RNR) into `out`.
template <class Store, class Load>
void read_back(Flavour f, uint32_t dregion, uint32_t* out, Store&& store, Load&& load) {
    out[0] = load(REG_TYPE);
    out[1] = load(REG_CTRL);
    out[2] = load(REG_RNR);
    out[3] = f == Flavour::Pmsav8 ? load(REG_MAIR0) : 0u;
    out[4] = f == Flavour::Pmsav8 ? load(REG_MAIR1) : 0u;
    for (uint32_t n = 0; n < dregion; ++n) {
        store(REG_RNR, n);
        out[5 + 2 * n] = load(REG_RBAR);
        out[6 + 2 * n] = load(REG_RASR_RLAR);
    }
}

// ---------------------------------------------------------------------------------------------
// Entry points

inline const Board& board_of(Flavour f) { return f == Flavour::Pmsav7 ? AN385 : AN505; }
inline uint32_t vector_count(Flavour f) { return f == Flavour::Pmsav7 ? V7_VECTORS : V8_VECTORS; }
inline uint32_t hand_picked_count(Flavour f) {
    return f == Flavour::Pmsav7 ? count_hand_picked(v7_hand_picked, AN385)
                                : count_hand_picked(v8_hand_picked, AN505);
}

/// Vector `index` of flavour `f` (index < vector_count(f)).
inline void make_vector(Flavour f, uint32_t index, Vector& v) {
    const Board& b = board_of(f);
    if (f == Flavour::Pmsav7 ? v7_hand_picked(index, v, b) : v8_hand_picked(index, v, b)) return;
    SplitMix64 rng(SEED + index);
    if (f == Flavour::Pmsav7)
        v7_random(rng, v, b);
    else
        v8_random(rng, v, b);
}

} // namespace emsim::mpuvec
