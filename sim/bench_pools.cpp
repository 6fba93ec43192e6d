#include "sim/bench_pools.h"

#include <stdint.h>

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/fixed_pool.h"
#include "runtime/memory_access.h"
#include "runtime/tiered_pool.h"
#include "sim/bench_stats.h"

namespace emsim {
namespace {

using rt::Address;
using rt::CountingMemory;
using rt::DirectMemory;
using rt::FixedPool;
using rt::TieredPool;
using rt::TieredPoolConfig;
using Counting = CountingMemory<DirectMemory>;

using namespace bench;

constexpr uint32_t POOL_BLOCK_BYTES = 64;
constexpr uint32_t POOL_ALIGN_BYTES = 8;

// Structural worst cases, from the cost notes in fixed_pool.h / tiered_pool.h.
constexpr uint32_t POOL_ALLOC_BOUND_ACCESSES = 5; // 3 loads + 2 stores
constexpr uint32_t POOL_FREE_BOUND_ACCESSES = 5;  // 2 loads + 3 stores

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
    HostArena arena(arena_bytes);
    DirectMemory direct = arena.mem();
    Counting counting(direct);
    FixedPool<Counting> pool;
    Figures f;
    if (!init_pool(pool, counting, arena_bytes))
        return f;
    replay(pool, ops, UINT32_MAX, counting_probe(counting, pool, f));
    f.integrity_ok = pool.check_integrity() == rt::RtStatus::Ok;
    return f;
}

nlohmann::json bench_fixed_pool() {
    const std::vector<Op> ops = make_mix(POOL_BLOCK_BYTES, POOL_BLOCK_BYTES);
    const Figures main = measure_pool(MAIN_ARENA_BYTES, ops);
    nlohmann::json j;
    j["workload"] = {{"operations", OPERATIONS},
                     {"block_bytes", POOL_BLOCK_BYTES},
                     {"align_bytes", POOL_ALIGN_BYTES},
                     {"blocks", pool_blocks_for(MAIN_ARENA_BYTES)},
                     {"alloc_probability", 0.5},
                     {"max_live_blocks", "pool capacity (a full pool refuses: failed)"},
                     {"seed", WORKLOAD_SEED},
                     {"random", RANDOM_SOURCE},
                     {"arena_bytes", MAIN_ARENA_BYTES}};
    j["alloc"] = main.alloc.to_json(POOL_ALLOC_BOUND_ACCESSES);
    j["free"] = main.free.to_json(POOL_FREE_BOUND_ACCESSES);
    j["integrity_after_workload"] = main.integrity_ok;

    {
        HostArena arena(MAIN_ARENA_BYTES);
        DirectMemory direct = arena.mem();
        FixedPool<DirectMemory> pool;
        if (init_pool(pool, direct, MAIN_ARENA_BYTES))
            j["ops_per_s"] = ops_per_s(pool, ops, UINT32_MAX);
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
    HostArena arena(arena_bytes);
    DirectMemory direct = arena.mem();
    Counting counting(direct);
    TieredPool<Counting> pool;
    Figures f;
    if (!init_tiered(pool, counting, arena_bytes))
        return f;
    replay(pool, ops, MAX_LIVE_BLOCKS, counting_probe(counting, pool, f));
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
    const std::vector<Op> ops = make_mix(MIN_REQUEST_BYTES, MAX_REQUEST_BYTES);
    nlohmann::json tiers = nlohmann::json::object();
    const Figures main = measure_tiered(MAIN_ARENA_BYTES, ops, &tiers);
    const TieredPoolConfig main_config = tiered_config_for(MAIN_ARENA_BYTES);
    const uint32_t bound = tiered_alloc_bound(main_config);
    nlohmann::json j;
    j["workload"] = mix_workload_json();
    j["config"] = config_json(main_config);
    j["alloc"] = main.alloc.to_json(bound);
    j["free"] = main.free.to_json(POOL_FREE_BOUND_ACCESSES);
    j["tiers"] = tiers;
    j["integrity_after_workload"] = main.integrity_ok;
    {
        HostArena arena(MAIN_ARENA_BYTES);
        DirectMemory direct = arena.mem();
        TieredPool<DirectMemory> pool;
        if (init_tiered(pool, direct, MAIN_ARENA_BYTES))
            j["ops_per_s"] = ops_per_s(pool, ops, MAX_LIVE_BLOCKS);
    }
    j["ops_per_s_policy"] = "DirectMemory (no access-counting wrapper); same operation sequence";

    // Fill efficiency, as bench_tlsf: random 16..1024 B requests into a fresh pool until the
    // first refusal; requested bytes / arena bytes, mean over runs.
    double mean = 0, worst = 1;
    HostArena arena(MAIN_ARENA_BYTES);
    for (uint32_t run = 0; run < EFFICIENCY_RUNS; ++run) {
        DirectMemory direct = arena.mem();
        TieredPool<DirectMemory> pool;
        if (!init_tiered(pool, direct, MAIN_ARENA_BYTES))
            break;
        const uint64_t requested = fill_until_refused(pool, run);
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
