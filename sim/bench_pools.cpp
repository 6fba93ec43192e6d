#include "sim/bench_pools.h"

#include <stdint.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "runtime/fixed_pool.h"
#include "runtime/memory_access.h"
#include "runtime/tiered_pool.h"

namespace emsim {
namespace {

using rt::Address;
using rt::CountingMemory;
using rt::DirectMemory;
using rt::FixedPool;
using rt::TieredPool;
using rt::TieredPoolConfig;
using Counting = CountingMemory<DirectMemory>;

constexpr Address ARENA_BASE = 0x20000000u;
constexpr uint32_t OPERATIONS = 1000000;
constexpr uint64_t WORKLOAD_SEED = 0x0123456789ABCDEFull; // as bench_tlsf
constexpr uint32_t MAIN_ARENA_BYTES = 64 * 1024;
constexpr uint32_t ARENA_SIZES[] = {16 * 1024, 64 * 1024, 1024 * 1024};
constexpr uint32_t POOL_BLOCK_BYTES = 64;
constexpr uint32_t POOL_ALIGN_BYTES = 8;
constexpr uint32_t MIN_REQUEST_BYTES = 16; // tiered workload, as bench_tlsf
constexpr uint32_t MAX_REQUEST_BYTES = 1024;
constexpr uint32_t TIERED_MAX_LIVE_BLOCKS = 256; // o1heap perftest cap, as bench_tlsf
constexpr uint32_t EFFICIENCY_RUNS = 300;

// Structural worst cases, from the cost notes in fixed_pool.h / tiered_pool.h.
constexpr uint32_t POOL_ALLOC_BOUND_ACCESSES = 5; // 3 loads + 2 stores
constexpr uint32_t POOL_FREE_BOUND_ACCESSES = 5;  // 2 loads + 3 stores

/// xorshift64*: the same sequence on every platform and standard library.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed ? seed : 1) {}
    uint32_t next() {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return uint32_t((m_state * 0x2545F4914F6CDD1Dull) >> 32);
    }
    uint32_t between(uint32_t lo, uint32_t hi) { return lo + next() % (hi - lo + 1); }

private:
    uint64_t m_state;
};

struct OpStats {
    uint64_t count = 0;
    uint64_t failed = 0;
    uint64_t sum_accesses = 0;
    uint64_t sum_steps = 0;
    uint32_t max_accesses = 0;
    uint32_t max_steps = 0;

    void add(uint32_t accesses, uint32_t steps, bool ok) {
        ++count;
        failed += ok ? 0 : 1;
        sum_accesses += accesses;
        sum_steps += steps;
        max_accesses = std::max(max_accesses, accesses);
        max_steps = std::max(max_steps, steps);
    }
    nlohmann::json to_json(uint32_t bound_accesses) const {
        const double n = count ? double(count) : 1.0;
        return {{"count", count},
                {"failed", failed},
                {"max_accesses", max_accesses},
                {"mean_accesses", double(sum_accesses) / n},
                {"max_steps", max_steps},
                {"mean_steps", double(sum_steps) / n},
                {"bound_accesses", bound_accesses}};
    }
};

struct Figures {
    OpStats alloc;
    OpStats free;
    bool integrity_ok = false;
};

/// One operation of the random mix: allocate with probability 1/2 (while below the live cap),
/// otherwise free a random live block. A refused allocation counts as an allocation (its cost
/// is in the figures) and as `failed`.
struct Op {
    bool alloc;
    uint32_t size_bytes; ///< alloc only
    uint32_t pick;       ///< free only: index into the live set (mod its size)
};

std::vector<Op> make_mix(uint32_t max_live, bool sized) {
    // The decisions depend on the live count, which depends on which allocations succeed; the
    // sequence of random numbers does not, so it is drawn once and replayed by every run.
    Rng rng(WORKLOAD_SEED);
    std::vector<Op> ops(OPERATIONS);
    for (Op& op : ops) {
        op.alloc = (rng.next() & 1u) != 0;
        op.size_bytes =
            sized ? rng.between(MIN_REQUEST_BYTES, MAX_REQUEST_BYTES) : POOL_BLOCK_BYTES;
        op.pick = rng.next();
    }
    (void)max_live;
    return ops;
}

template <class Alloc, class Probe>
void replay(Alloc& alloc, const std::vector<Op>& ops, uint32_t max_live, Probe&& probe) {
    std::vector<Address> live;
    live.reserve(max_live);
    for (const Op& op : ops) {
        if (live.empty() || (op.alloc && live.size() < max_live)) {
            probe.before();
            const rt::Result<Address> r = alloc.allocate(op.size_bytes);
            probe.after_alloc(r.ok());
            if (r.ok())
                live.push_back(r.value);
        } else {
            const size_t k = op.pick % live.size();
            probe.before();
            const rt::RtStatus s = alloc.free(live[k]);
            probe.after_free(s == rt::RtStatus::Ok);
            live[k] = live.back();
            live.pop_back();
        }
    }
}

template <class Alloc> struct CountingProbe {
    Counting& mem;
    Alloc& alloc;
    Figures& f;
    void before() { mem.reset(); }
    void after_alloc(bool ok) { f.alloc.add(mem.counts().total(), alloc.last_op_steps(), ok); }
    void after_free(bool ok) { f.free.add(mem.counts().total(), alloc.last_op_steps(), ok); }
};
struct NoProbe {
    void before() {}
    void after_alloc(bool) {}
    void after_free(bool) {}
};

/// Host bytes for the target arena, 64-byte aligned so target and host alignment agree.
struct Arena {
    explicit Arena(uint32_t bytes) : storage(bytes + 64u, 0) {
        const auto host = reinterpret_cast<uintptr_t>(storage.data());
        base = storage.data() + ((64u - host % 64u) % 64u);
    }
    std::vector<uint8_t> storage;
    uint8_t* base;
};

double ops_per_s(const std::chrono::steady_clock::duration& d, size_t ops) {
    const double seconds = std::chrono::duration<double>(d).count();
    return seconds > 0 ? double(ops) / seconds : 0.0;
}

// ---------------------------------------------------------------------------------------------
// FixedPool: control area first, then as many 64 B blocks as the arena holds.

/// Blocks start after the control area, rounded up to the block alignment.
uint32_t pool_blocks_offset(uint32_t blocks) {
    const uint32_t control = FixedPool<DirectMemory>::control_bytes(blocks);
    return (control + POOL_ALIGN_BYTES - 1) & ~(POOL_ALIGN_BYTES - 1);
}

uint32_t pool_blocks_for(uint32_t arena_bytes) {
    uint32_t n = arena_bytes / POOL_BLOCK_BYTES;
    while (n > 0 && pool_blocks_offset(n) + n * POOL_BLOCK_BYTES > arena_bytes)
        --n;
    return n;
}

template <class Mem> bool init_pool(FixedPool<Mem>& pool, Mem& mem, uint32_t arena_bytes) {
    const uint32_t n = pool_blocks_for(arena_bytes);
    const Address blocks = ARENA_BASE + pool_blocks_offset(n);
    return pool.init(mem, blocks, ARENA_BASE, {POOL_BLOCK_BYTES, n, POOL_ALIGN_BYTES}) ==
           rt::RtStatus::Ok;
}

Figures measure_pool(uint32_t arena_bytes, const std::vector<Op>& ops) {
    Arena arena(arena_bytes);
    DirectMemory direct(arena.base, ARENA_BASE);
    Counting counting(direct);
    FixedPool<Counting> pool;
    Figures f;
    if (!init_pool(pool, counting, arena_bytes))
        return f;
    replay(pool, ops, UINT32_MAX, CountingProbe<FixedPool<Counting>>{counting, pool, f});
    f.integrity_ok = pool.check_integrity() == rt::RtStatus::Ok;
    return f;
}

nlohmann::json bench_fixed_pool() {
    const std::vector<Op> ops = make_mix(UINT32_MAX, false);
    const Figures main = measure_pool(MAIN_ARENA_BYTES, ops);
    nlohmann::json j;
    j["workload"] = {{"operations", OPERATIONS},
                     {"block_bytes", POOL_BLOCK_BYTES},
                     {"align_bytes", POOL_ALIGN_BYTES},
                     {"blocks", pool_blocks_for(MAIN_ARENA_BYTES)},
                     {"alloc_probability", 0.5},
                     {"max_live_blocks", "pool capacity (a full pool refuses: failed)"},
                     {"seed", WORKLOAD_SEED},
                     {"arena_bytes", MAIN_ARENA_BYTES}};
    j["alloc"] = main.alloc.to_json(POOL_ALLOC_BOUND_ACCESSES);
    j["free"] = main.free.to_json(POOL_FREE_BOUND_ACCESSES);
    j["integrity_after_workload"] = main.integrity_ok;

    {
        Arena arena(MAIN_ARENA_BYTES);
        DirectMemory direct(arena.base, ARENA_BASE);
        FixedPool<DirectMemory> pool;
        if (init_pool(pool, direct, MAIN_ARENA_BYTES)) {
            const auto t0 = std::chrono::steady_clock::now();
            replay(pool, ops, UINT32_MAX, NoProbe{});
            j["ops_per_s"] = ops_per_s(std::chrono::steady_clock::now() - t0, ops.size());
        }
    }
    j["ops_per_s_policy"] = "DirectMemory (no access-counting wrapper); same operation sequence";

    // Fill efficiency: a pool serves exactly one size, so the fill is deterministic.
    const uint32_t n = pool_blocks_for(MAIN_ARENA_BYTES);
    j["efficiency"] = double(n) * POOL_BLOCK_BYTES / MAIN_ARENA_BYTES;
    j["efficiency_definition"] =
        "block bytes handed out at the first failed allocation (requests of exactly the block "
        "size) / arena bytes (control area = head + bitmap included)";

    nlohmann::json arenas = nlohmann::json::object();
    for (uint32_t bytes : ARENA_SIZES) {
        const Figures f = bytes == MAIN_ARENA_BYTES ? main : measure_pool(bytes, ops);
        arenas[std::to_string(bytes)] = {{"blocks", pool_blocks_for(bytes)},
                                         {"alloc", f.alloc.to_json(POOL_ALLOC_BOUND_ACCESSES)},
                                         {"free", f.free.to_json(POOL_FREE_BOUND_ACCESSES)},
                                         {"integrity_after_workload", f.integrity_ok}};
    }
    j["arenas"] = arenas;
    return j;
}

// ---------------------------------------------------------------------------------------------
// TieredPool: the default block sizes of the small and medium tiers (the workload never asks
// for more than 1 KiB), block counts weighted by how often the uniform 16..1024 B mix hits each
// class, scaled to the arena. No huge path: a refusal is a failed allocation.

TieredPoolConfig tiered_config_for(uint32_t arena_bytes) {
    // Counts for a 64 KiB arena (57,856 bytes of blocks + control); scaled linearly.
    const rt::TierClass base[] = {{16, 16},  {32, 16},  {64, 16},  {128, 16},
                                  {256, 24}, {512, 32}, {1024, 32}};
    TieredPoolConfig c;
    for (const rt::TierClass& k : base) {
        const uint64_t scaled = uint64_t{k.block_count} * arena_bytes / MAIN_ARENA_BYTES;
        c.classes[c.class_count++] = {k.block_size_bytes, std::max<uint32_t>(1, uint32_t(scaled))};
    }
    return c;
}

template <class Mem> bool init_tiered(TieredPool<Mem>& pool, Mem& mem, uint32_t arena_bytes) {
    return pool.init(mem, ARENA_BASE, arena_bytes, tiered_config_for(arena_bytes)) ==
           rt::RtStatus::Ok;
}

uint32_t tiered_alloc_bound(const TieredPoolConfig& c) {
    return POOL_ALLOC_BOUND_ACCESSES + c.max_fallback_steps; // + 1 load per exhausted class
}

Figures measure_tiered(uint32_t arena_bytes, const std::vector<Op>& ops,
                       nlohmann::json* tiers = nullptr) {
    Arena arena(arena_bytes);
    DirectMemory direct(arena.base, ARENA_BASE);
    Counting counting(direct);
    TieredPool<Counting> pool;
    Figures f;
    if (!init_tiered(pool, counting, arena_bytes))
        return f;
    replay(pool, ops, TIERED_MAX_LIVE_BLOCKS,
           CountingProbe<TieredPool<Counting>>{counting, pool, f});
    f.integrity_ok = pool.check_integrity() == rt::RtStatus::Ok;
    if (tiers != nullptr) {
        for (rt::SizeTier t : {rt::SizeTier::Small, rt::SizeTier::Medium}) {
            const rt::TierStats& s = pool.tier_stats(t);
            (*tiers)[rt::to_string(t)] = {
                {"requests", s.requests},
                {"served_best_fit", s.served_best_fit},
                {"served_fallback", s.served_fallback},
                {"failed", s.failed},
                {"waste_limited", s.waste_limited},
                {"internal_fragmentation",
                 s.granted_bytes ? 1.0 - double(s.requested_bytes) / double(s.granted_bytes)
                                 : 0.0}};
        }
    }
    return f;
}

nlohmann::json config_json(const TieredPoolConfig& c) {
    nlohmann::json classes = nlohmann::json::array();
    for (uint32_t i = 0; i < c.class_count; ++i)
        classes.push_back(
            {{"block_bytes", c.classes[i].block_size_bytes}, {"blocks", c.classes[i].block_count}});
    return {{"classes", classes},
            {"required_bytes", TieredPool<DirectMemory>::required_bytes(c).value},
            {"max_fallback_ratio", c.max_fallback_ratio},
            {"max_fallback_steps", c.max_fallback_steps}};
}

nlohmann::json bench_tiered_pool() {
    const std::vector<Op> ops = make_mix(TIERED_MAX_LIVE_BLOCKS, true);
    nlohmann::json tiers = nlohmann::json::object();
    const Figures main = measure_tiered(MAIN_ARENA_BYTES, ops, &tiers);
    const TieredPoolConfig main_config = tiered_config_for(MAIN_ARENA_BYTES);
    const uint32_t bound = tiered_alloc_bound(main_config);
    nlohmann::json j;
    j["workload"] = {{"operations", OPERATIONS},
                     {"size_min_bytes", MIN_REQUEST_BYTES},
                     {"size_max_bytes", MAX_REQUEST_BYTES},
                     {"size_distribution", "uniform"},
                     {"max_live_blocks", TIERED_MAX_LIVE_BLOCKS},
                     {"alloc_probability", 0.5},
                     {"seed", WORKLOAD_SEED},
                     {"arena_bytes", MAIN_ARENA_BYTES}};
    j["config"] = config_json(main_config);
    j["alloc"] = main.alloc.to_json(bound);
    j["free"] = main.free.to_json(POOL_FREE_BOUND_ACCESSES);
    j["tiers"] = tiers;
    j["integrity_after_workload"] = main.integrity_ok;
    {
        Arena arena(MAIN_ARENA_BYTES);
        DirectMemory direct(arena.base, ARENA_BASE);
        TieredPool<DirectMemory> pool;
        if (init_tiered(pool, direct, MAIN_ARENA_BYTES)) {
            const auto t0 = std::chrono::steady_clock::now();
            replay(pool, ops, TIERED_MAX_LIVE_BLOCKS, NoProbe{});
            j["ops_per_s"] = ops_per_s(std::chrono::steady_clock::now() - t0, ops.size());
        }
    }
    j["ops_per_s_policy"] = "DirectMemory (no access-counting wrapper); same operation sequence";

    // Fill efficiency, as bench_tlsf: random 16..1024 B requests into a fresh pool until the
    // first refusal; requested bytes / arena bytes, mean over runs.
    double mean = 0, worst = 1;
    Arena arena(MAIN_ARENA_BYTES);
    for (uint32_t run = 0; run < EFFICIENCY_RUNS; ++run) {
        DirectMemory direct(arena.base, ARENA_BASE);
        TieredPool<DirectMemory> pool;
        if (!init_tiered(pool, direct, MAIN_ARENA_BYTES))
            break;
        Rng rng(WORKLOAD_SEED + run);
        uint64_t requested = 0;
        for (;;) {
            const uint32_t size = rng.between(MIN_REQUEST_BYTES, MAX_REQUEST_BYTES);
            if (!pool.allocate(size).ok())
                break;
            requested += size;
        }
        const double fraction = double(requested) / MAIN_ARENA_BYTES;
        mean += fraction / EFFICIENCY_RUNS;
        worst = std::min(worst, fraction);
    }
    j["efficiency"] = mean;
    j["efficiency_min"] = worst;
    j["efficiency_runs"] = EFFICIENCY_RUNS;
    j["efficiency_definition"] =
        "requested bytes at the first refused allocation / arena bytes, mean over runs (as "
        "tlsf.efficiency); a pool stops at the first exhausted class it may not fall back from, "
        "so this is far below TLSF by design: pools trade space for O(1) and no fragmentation";

    nlohmann::json arenas = nlohmann::json::object();
    for (uint32_t bytes : ARENA_SIZES) {
        const Figures f = bytes == MAIN_ARENA_BYTES ? main : measure_tiered(bytes, ops);
        arenas[std::to_string(bytes)] = {
            {"config", config_json(tiered_config_for(bytes))},
            {"alloc", f.alloc.to_json(tiered_alloc_bound(tiered_config_for(bytes)))},
            {"free", f.free.to_json(POOL_FREE_BOUND_ACCESSES)},
            {"integrity_after_workload", f.integrity_ok}};
    }
    j["arenas"] = arenas;
    return j;
}

} // namespace

nlohmann::json bench_pools() {
    nlohmann::json j = bench_fixed_pool();
    j["tiered"] = bench_tiered_pool();
    return j;
}

} // namespace emsim
