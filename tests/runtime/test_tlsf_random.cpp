// Randomized model check of TlsfHeap: random allocate / free / reallocate / bogus free against a
// map of live blocks, with check_integrity() after every operation, payload patterns verified on
// every free and move, and every operation's counted loads, stores and steps checked against the
// structural guarantee. Seeds are printed; rerun one with EMSIM_TLSF_SEED=<n>.
#include "tests/runtime/test_rng.h"
#include "runtime/tlsf_heap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/memory_access.h"
#include "tests/runtime/target_arena.h"

namespace emsim::rt {
namespace {

constexpr Address BASE = test::TARGET_BASE;

struct RegionSpec {
    uint32_t offset_bytes; ///< from BASE
    uint32_t size_bytes;
};

struct Config {
    const char* name;
    TlsfParams params;
    uint32_t buffer_bytes;
    std::vector<RegionSpec> regions;
    uint32_t max_size_bytes; ///< largest request drawn
};

struct Live {
    uint32_t size_bytes;
    uint8_t seed;
};

using Rng = emsim::test::TestRng;

uint8_t pattern(uint8_t seed, uint32_t i) {
    return uint8_t(seed + i * 31u + (i >> 8));
}

class RandomRun {
public:
    RandomRun(const Config& cfg, uint64_t seed)
        : m_cfg(cfg), m_rng(seed), m_arena(cfg.buffer_bytes, BASE, 0x5A), m_buffer(m_arena.storage),
          m_direct(m_arena.mem()), m_counting(m_direct), m_heap(m_counting, cfg.params) {}

    /// Runs `ops` operations; returns false after the first failed expectation.
    bool run(uint32_t ops) {
        for (const RegionSpec& r : m_cfg.regions) {
            if (m_heap.add_region(BASE + r.offset_bytes, r.size_bytes) != RtStatus::Ok) {
                ADD_FAILURE() << "add_region failed";
                return false;
            }
        }
        if (!check("setup"))
            return false;
        for (m_op = 0; m_op < ops; ++m_op) {
            const uint32_t dice = m_rng.below(100);
            if (m_op % 5000 == 4999) {
                drain();
            } else if (dice < 45 || m_live.empty()) {
                do_allocate();
            } else if (dice < 80) {
                do_free();
            } else if (dice < 93) {
                do_reallocate();
            } else {
                do_bogus_free();
            }
            if (::testing::Test::HasFailure() || !check("after op"))
                return false;
        }
        drain();
        return check("final") && !::testing::Test::HasFailure();
    }

private:
    bool check(const char* where) {
        const RtStatus s = m_heap.check_integrity();
        if (s != RtStatus::Ok) {
            ADD_FAILURE() << where << ": check_integrity() = " << to_string(s) << " at op " << m_op;
            return false;
        }
        if (!m_heap.invariants_hold()) {
            ADD_FAILURE() << where << ": invariants_hold() false at op " << m_op;
            return false;
        }
        if (m_heap.diagnostics().allocation_count != m_live.size()) {
            ADD_FAILURE() << where << ": allocation_count " << m_heap.diagnostics().allocation_count
                          << " != model " << m_live.size() << " at op " << m_op;
            return false;
        }
        return true;
    }

    uint32_t draw_size() {
        const uint32_t d = m_rng.below(100);
        if (d < 2)
            return 0; // invalid
        if (d < 70)
            return 1 + m_rng.below(256); // small
        if (d < 95)
            return 1 + m_rng.below(2048);             // medium
        return 1 + m_rng.below(m_cfg.max_size_bytes); // up to the configured max
    }

    bool inside_a_region(Address a, uint32_t bytes) const {
        for (const RegionSpec& r : m_cfg.regions) {
            const Address lo = BASE + r.offset_bytes;
            if (a >= lo && uint64_t(a) + bytes <= uint64_t(lo) + r.size_bytes)
                return true;
        }
        return false;
    }

    void fill(Address a, const Live& l) {
        uint8_t* p = m_direct.host_pointer(a);
        for (uint32_t i = 0; i < l.size_bytes; ++i)
            p[i] = pattern(l.seed, i);
    }
    void verify(Address a, const Live& l, uint32_t bytes, const char* what) {
        const uint8_t* p = m_direct.host_pointer(a);
        for (uint32_t i = 0; i < bytes; ++i) {
            if (p[i] != pattern(l.seed, i)) {
                ADD_FAILURE() << what << ": payload byte " << i << " of 0x" << std::hex << a
                              << std::dec << " changed at op " << m_op;
                return;
            }
        }
    }

    void expect_within(const TlsfCost& bound, const char* what) {
        const AccessCounts& c = m_counting.counts();
        const TlsfCost own = m_heap.last_op_cost();
        EXPECT_LE(c.loads, bound.loads) << what << " loads at op " << m_op;
        EXPECT_LE(c.stores, bound.stores) << what << " stores at op " << m_op;
        EXPECT_LE(m_heap.last_op_steps(), bound.steps) << what << " steps at op " << m_op;
        EXPECT_EQ(own.loads, c.loads) << what << ": heap's own load count at op " << m_op;
        EXPECT_EQ(own.stores, c.stores) << what << ": heap's own store count at op " << m_op;
    }

    void record_new(Address a, uint32_t size, uint32_t align) {
        EXPECT_EQ(a % (align < 8 ? 8 : align), 0u) << "misaligned at op " << m_op;
        EXPECT_TRUE(inside_a_region(a, size)) << "outside every region at op " << m_op;
        EXPECT_GE(m_heap.block_size_of(a), size + 8)
            << "block too small at op " << m_op << " align " << align << " size " << size;
        // No overlap with the neighbours in the model.
        auto next = m_live.lower_bound(a);
        if (next != m_live.end()) {
            EXPECT_GE(next->first, a + size) << "overlaps a live block at op " << m_op;
        }
        if (next != m_live.begin()) {
            auto prev = std::prev(next);
            EXPECT_LE(prev->first + prev->second.size_bytes, a)
                << "overlaps a live block at op " << m_op;
        }
        const Live l{size, uint8_t(m_rng.next())};
        m_live[a] = l;
        fill(a, l);
    }

    Address random_live() {
        auto it = m_live.lower_bound(BASE + m_rng.below(m_cfg.buffer_bytes));
        if (it == m_live.end())
            it = m_live.begin();
        return it->first;
    }

    void do_allocate() {
        const uint32_t size = draw_size();
        const uint32_t align = m_rng.below(100) < 85 ? 8 : (16u << m_rng.below(7));
        m_counting.reset();
        const Result<Address> r = m_heap.allocate(size, align);
        expect_within(m_heap.allocation_time_guarantee(size, align), "allocate");
        if (size == 0) {
            EXPECT_EQ(r.status, RtStatus::InvalidSize);
            return;
        }
        if (!r.ok()) {
            EXPECT_EQ(r.status, RtStatus::NoMemory) << "op " << m_op;
            return;
        }
        record_new(r.value, size, align);
    }

    void do_free() {
        const Address a = random_live();
        const Live l = m_live[a];
        verify(a, l, l.size_bytes, "free");
        m_counting.reset();
        EXPECT_EQ(m_heap.free(a), RtStatus::Ok) << "op " << m_op;
        expect_within(m_heap.free_time_guarantee(), "free");
        m_live.erase(a);
        // A second free of the same pointer must be refused and change nothing.
        if (m_rng.below(10) == 0) {
            const RtStatus s = m_heap.free(a);
            EXPECT_TRUE(s == RtStatus::DoubleFree || s == RtStatus::BadPointer)
                << "second free returned " << to_string(s) << " at op " << m_op;
        }
    }

    void do_reallocate() {
        const Address a = random_live();
        const Live l = m_live[a];
        const uint32_t old_payload = m_heap.block_size_of(a) - 8;
        uint32_t size = draw_size();
        m_counting.reset();
        const Result<Address> r = m_heap.reallocate(a, size);
        expect_within(m_heap.reallocation_time_guarantee(old_payload, size), "reallocate");
        if (size == 0) {
            EXPECT_EQ(r.status, RtStatus::InvalidSize);
            verify(a, l, l.size_bytes, "refused reallocate");
            return;
        }
        if (!r.ok()) {
            EXPECT_EQ(r.status, RtStatus::NoMemory) << "op " << m_op;
            verify(a, l, l.size_bytes, "failed reallocate");
            return;
        }
        const uint32_t keep = l.size_bytes < size ? l.size_bytes : size;
        verify(r.value, l, keep, "reallocate");
        m_live.erase(a);
        record_new(r.value, size, 8);
    }

    void do_bogus_free() {
        // A random aligned address anywhere in the buffer (regions, gaps, control structure)
        // that is not a live payload: refused, and no byte of target memory changes.
        Address p = 0;
        do {
            p = BASE + (m_rng.below(m_cfg.buffer_bytes) & ~7u);
        } while (m_live.count(p) != 0);
        m_snapshot = m_buffer;
        const TlsfDiagnostics before = m_heap.diagnostics();
        const RtStatus s = m_rng.below(2) ? m_heap.free(p) : m_heap.reallocate(p, 64).status;
        EXPECT_TRUE(s == RtStatus::BadPointer || s == RtStatus::DoubleFree)
            << "bogus free of 0x" << std::hex << p << std::dec << " returned " << to_string(s)
            << " at op " << m_op;
        EXPECT_TRUE(m_snapshot == m_buffer)
            << "bogus free of 0x" << std::hex << p << std::dec << " modified memory at op " << m_op;
        EXPECT_EQ(m_heap.diagnostics().allocation_count, before.allocation_count);
    }

    void drain() {
        while (!m_live.empty()) {
            auto it = m_live.begin();
            verify(it->first, it->second, it->second.size_bytes, "drain");
            EXPECT_EQ(m_heap.free(it->first), RtStatus::Ok);
            m_live.erase(it);
        }
        // Empty heap: exactly one free block per region.
        for (uint32_t i = 0; i < m_cfg.regions.size(); ++i) {
            uint32_t blocks = 0;
            m_heap.for_each_block(i, [&](Address, uint32_t, bool is_free) {
                ++blocks;
                EXPECT_TRUE(is_free);
            });
            EXPECT_EQ(blocks, 1u) << "region " << i << " not coalesced after drain";
        }
    }

    const Config& m_cfg;
    Rng m_rng;
    test::TargetArena m_arena;
    std::vector<uint8_t>& m_buffer; ///< all host bytes, for "changed no byte" checks
    std::vector<uint8_t> m_snapshot;
    DirectMemory m_direct;
    CountingMemory<DirectMemory> m_counting;
    TlsfHeap<CountingMemory<DirectMemory>> m_heap;
    std::map<Address, Live> m_live;
    uint32_t m_op = 0;
};

/// Runs `seeds` seeds of `ops` operations each (or only EMSIM_TLSF_SEED if set).
void run_config(const Config& cfg, uint64_t first_seed, uint32_t seeds, uint32_t ops) {
    const char* forced = getenv("EMSIM_TLSF_SEED");
    for (uint32_t i = 0; i < seeds; ++i) {
        const uint64_t seed = forced ? strtoull(forced, nullptr, 0) : first_seed + i;
        printf("[ seed     ] %s: seed %llu, %u operations\n", cfg.name,
               static_cast<unsigned long long>(seed), ops);
        fflush(stdout);
        SCOPED_TRACE(::testing::Message() << cfg.name << " seed " << seed);
        RandomRun run(cfg, seed);
        if (!run.run(ops))
            return;
        if (forced)
            return;
    }
}

// 3 configurations x 5 seeds x 70,000 operations = 1,050,000 operations, each followed by
// check_integrity().
constexpr uint32_t SEEDS = 5;
constexpr uint32_t OPS_PER_SEED = 70000;

TEST(TlsfHeapRandom, DefaultParamsOneRegionMatchesTheModel) {
    const Config cfg{"default/1 region", TlsfParams{}, 16384, {{0, 16384}}, 8192};
    run_config(cfg, 1000, SEEDS, OPS_PER_SEED);
}

TEST(TlsfHeapRandom, ThirtyTwoListsThreeRegionsMatchesTheModel) {
    const Config cfg{"sl32/3 regions",
                     TlsfParams{5, 16, 16, 3},
                     0xC000,
                     {{0, 8192}, {0x4000 + 40, 4096 + 3}, {0x8000, 6144}},
                     4096};
    run_config(cfg, 2000, SEEDS, OPS_PER_SEED);
}

TEST(TlsfHeapRandom, FourListsMinBlock32TwoRegionsMatchesTheModel) {
    const Config cfg{"sl4/min32/2 regions",
                     TlsfParams{2, 20, 32, 2},
                     0x8000,
                     {{0, 12288}, {0x4000, 0x4000}},
                     6000};
    run_config(cfg, 3000, SEEDS, OPS_PER_SEED);
}

} // namespace
} // namespace emsim::rt
