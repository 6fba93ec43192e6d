#pragma once
// What the runtime benchmarks (bench_tlsf.cpp, bench_pools.cpp) share: the o1heap-like workload
// and its constants, the per-operation cost accumulator and its JSON, the host arena, the
// replay loop with its probes, and the fill used for the efficiency figures. One definition here
// keeps the TLSF and pool figures comparable: same seed, same random source (models/random.h),
// same operation sequence, same JSON fields.

#include <stdint.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/random.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"

namespace emsim::bench {

constexpr rt::Address ARENA_BASE = 0x20000000u;
constexpr uint32_t OPERATIONS = 1000000;
constexpr uint64_t WORKLOAD_SEED = 0x0123456789ABCDEFull;
constexpr const char* RANDOM_SOURCE = "SplitMix64 (models/random.h)";
constexpr uint32_t MIN_REQUEST_BYTES = 16; ///< uniform request sizes, both ends included
constexpr uint32_t MAX_REQUEST_BYTES = 1024;
constexpr uint32_t MAX_LIVE_BLOCKS = 256; ///< o1heap perftest: <= 256 live blocks
constexpr uint32_t MAIN_ARENA_BYTES = 64 * 1024;
constexpr uint32_t ARENA_SIZES[] = {16 * 1024, 64 * 1024, 1024 * 1024};
constexpr uint32_t EFFICIENCY_RUNS = 300; ///< as talc's heap-efficiency benchmark

/// Metadata accesses and algorithm steps of one kind of operation, summed and maximised.
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
    nlohmann::json to_json() const {
        const double n = count ? double(count) : 1.0;
        return {{"count", count},
                {"failed", failed},
                {"max_accesses", max_accesses},
                {"mean_accesses", double(sum_accesses) / n},
                {"max_steps", max_steps},
                {"mean_steps", double(sum_steps) / n}};
    }
    /// The same, with the allocator's structural worst case beside the observed maximum.
    nlohmann::json to_json(uint32_t bound_accesses) const {
        nlohmann::json j = to_json();
        j["bound_accesses"] = bound_accesses;
        return j;
    }
};

/// The figures of one workload run.
struct Figures {
    OpStats alloc;
    OpStats free;
    bool integrity_ok = false;
};

/// Host bytes for the target arena at ARENA_BASE, 64-byte aligned so target and host alignment
/// agree.
struct HostArena {
    explicit HostArena(uint32_t bytes) : storage(bytes + 64u, 0) {
        const auto host = reinterpret_cast<uintptr_t>(storage.data());
        base = storage.data() + ((64u - host % 64u) % 64u);
    }
    rt::DirectMemory mem() const { return rt::DirectMemory(base, ARENA_BASE); }
    std::vector<uint8_t> storage;
    uint8_t* base;
};

/// One operation of the random mix: allocate with probability 1/2 (while below the live cap),
/// otherwise free a random live block. A refused allocation counts as an allocation (its cost
/// is in the figures) and as `failed`.
struct Op {
    bool alloc;
    uint32_t size_bytes; ///< alloc only
    uint64_t pick;       ///< free only: index into the live set (mod its size)
};

/// The mix's random numbers, `size_bytes` uniform in [min_size_bytes, max_size_bytes]. The
/// decisions depend on the live count, which depends on which allocations succeed; the sequence
/// of random numbers does not, so it is drawn once and replayed by every run.
inline std::vector<Op> make_mix(uint32_t min_size_bytes, uint32_t max_size_bytes) {
    SplitMix64 rng(WORKLOAD_SEED);
    std::vector<Op> ops(OPERATIONS);
    for (Op& op : ops) {
        op.alloc = rng.chance(1, 2);
        op.size_bytes = uint32_t(rng.uniform(min_size_bytes, max_size_bytes));
        op.pick = rng.next();
    }
    return ops;
}

/// Runs `ops` against `alloc` with at most `max_live` live blocks; `probe` sees every operation.
template <class Alloc, class Probe>
void replay(Alloc& alloc, const std::vector<Op>& ops, uint32_t max_live, Probe&& probe) {
    std::vector<rt::Address> live;
    live.reserve(std::min<size_t>(max_live, ops.size()));
    for (const Op& op : ops) {
        if (live.empty() || (op.alloc && live.size() < max_live)) {
            probe.before();
            const rt::Result<rt::Address> r = alloc.allocate(op.size_bytes);
            probe.after_alloc(r.ok());
            if (r.ok())
                live.push_back(r.value);
        } else {
            const size_t k = size_t(op.pick % live.size());
            probe.before();
            const rt::RtStatus s = alloc.free(live[k]);
            probe.after_free(s == rt::RtStatus::Ok);
            live[k] = live.back();
            live.pop_back();
        }
    }
}

/// Books each operation's counted accesses and the allocator's own step count into `f`.
template <class Mem, class Alloc> struct CountingProbe {
    Mem& mem;
    Alloc& alloc;
    Figures& f;
    void before() { mem.reset(); }
    void after_alloc(bool ok) { f.alloc.add(mem.counts().total(), alloc.last_op_steps(), ok); }
    void after_free(bool ok) { f.free.add(mem.counts().total(), alloc.last_op_steps(), ok); }
};
template <class Mem, class Alloc>
CountingProbe<Mem, Alloc> counting_probe(Mem& mem, Alloc& alloc, Figures& f) {
    return {mem, alloc, f};
}
struct NoProbe {
    void before() {}
    void after_alloc(bool) {}
    void after_free(bool) {}
};

/// Native throughput of `ops` replayed without a probe (the caller's allocator, usually over
/// DirectMemory).
template <class Alloc>
double ops_per_s(Alloc& alloc, const std::vector<Op>& ops, uint32_t max_live) {
    const auto t0 = std::chrono::steady_clock::now();
    replay(alloc, ops, max_live, NoProbe{});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return seconds > 0 ? double(ops.size()) / seconds : 0.0;
}

/// Random requests (MIN_REQUEST_BYTES..MAX_REQUEST_BYTES uniform) into a fresh allocator until
/// the first refusal; returns the requested bytes served. Run `run` of EFFICIENCY_RUNS.
template <class Alloc> uint64_t fill_until_refused(Alloc& alloc, uint32_t run) {
    SplitMix64 rng(WORKLOAD_SEED + run);
    uint64_t requested = 0;
    for (;;) {
        const auto size = uint32_t(rng.uniform(MIN_REQUEST_BYTES, MAX_REQUEST_BYTES));
        if (!alloc.allocate(size).ok())
            return requested;
        requested += size;
    }
}

/// The "workload" object of the o1heap-like mix (sizes MIN..MAX_REQUEST_BYTES, live cap).
inline nlohmann::json mix_workload_json() {
    return {{"operations", OPERATIONS},
            {"size_min_bytes", MIN_REQUEST_BYTES},
            {"size_max_bytes", MAX_REQUEST_BYTES},
            {"size_distribution", "uniform"},
            {"max_live_blocks", MAX_LIVE_BLOCKS},
            {"alloc_probability", 0.5},
            {"seed", WORKLOAD_SEED},
            {"random", RANDOM_SOURCE},
            {"arena_bytes", MAIN_ARENA_BYTES}};
}

} // namespace emsim::bench
