// The firmware self-check: a fixed sequence over the TLSF heap, the fixed and tiered pools, the
// static and stack allocators, the zero-heap guard, the MPU driver and the isolation runtime
// (isolation_check.cpp), on real Cortex-M3 code (QEMU mps2-an385), with DirectMemory in identity
// mapping (target address == CPU address). Prints one line per section and exits through
// semihosting with 0 when every check passed, 1 otherwise.

#include <stdint.h>

#include "components/heap_guard_api.h"
#include "components/instantiations.h"
#include "components/mpu_driver_api.h"
#include "selfcheck.h"
#include "semihosting.h"

namespace {
uint32_t g_checks = 0;
uint32_t g_failures = 0;
} // namespace

namespace emsim::fw {

void check(bool ok, const char* what, int line) {
    ++g_checks;
    if (ok)
        return;
    ++g_failures;
    write("  FAIL line ");
    write_u32(static_cast<uint32_t>(line));
    write(": ");
    write(what);
    write("\n");
}

void section(const char* name, uint32_t failures_before) {
    write(g_failures == failures_before ? "ok   " : "FAIL ");
    write(name);
    write("\n");
}

uint32_t failures() {
    return g_failures;
}

} // namespace emsim::fw

namespace {

using emsim::fw::section;
using emsim::rt::Address;
using emsim::rt::HeapOwner;
using emsim::rt::RtStatus;
namespace fw = emsim::fw;

/// Deterministic pseudo-random numbers (Numerical Recipes LCG): no libc, same sequence on every
/// run.
struct Lcg {
    uint32_t state;
    uint32_t next() { return state = state * 1664525u + 1013904223u; }
    uint32_t below(uint32_t n) { return (next() >> 8) % n; }
};

// Arenas in .bss (SSRAM2/3). Identity mapping: DirectMemory(host = the array, target = its
// address).
alignas(64) uint8_t g_pool_arena[8 * 1024];
alignas(64) uint8_t g_tiered_arena[140 * 1024];
alignas(64) uint8_t g_tlsf_arena[256 * 1024];
alignas(64) uint8_t g_static_arena[2 * 1024];
alignas(64) uint8_t g_stack_arena[2 * 1024];

Address address_of(const void* p) {
    return static_cast<Address>(reinterpret_cast<uintptr_t>(p));
}
fw::Mem identity(uint8_t* arena) {
    return fw::Mem(arena, address_of(arena));
}

emsim::rt::HeapGuard g_guard;

void check_fixed_pool() {
    const uint32_t before = g_failures;
    fw::Mem mem = identity(g_pool_arena);
    const Address control = address_of(g_pool_arena);
    const Address blocks = control + 64;
    fw::Pool pool;
    CHECK(pool.init(mem, blocks, control, {24, 40, 8}) == RtStatus::Ok);
    CHECK(pool.init(mem, blocks, blocks + 8, {24, 40, 8}) == RtStatus::AddressConflict);
    CHECK(pool.init(mem, blocks, control, {24, 40, 8}, &g_guard, HeapOwner{"fw.pool", 1}) ==
          RtStatus::Ok);
    Address got[40];
    for (uint32_t i = 0; i < 40; ++i) {
        const auto r = pool.allocate();
        CHECK(r.ok() && r.value == blocks + 24 * i);
        got[i] = r.value;
    }
    CHECK(pool.allocate().status == RtStatus::NoMemory);
    CHECK(pool.stats().high_water_blocks == 40 && pool.stats().failed_allocations == 1);
    CHECK(pool.free(got[7]) == RtStatus::Ok);
    CHECK(pool.free(got[7]) == RtStatus::DoubleFree);
    CHECK(pool.free(got[8] + 4) == RtStatus::BadPointer);
    CHECK(pool.free(blocks + 24 * 40) == RtStatus::BadPointer);
    CHECK(pool.check_integrity() == RtStatus::Ok);
    for (uint32_t i = 0; i < 40; ++i)
        if (i != 7)
            CHECK(pool.free(got[i]) == RtStatus::Ok);
    CHECK(pool.stats().used_blocks == 0 && pool.invariants_hold());
    // A fixed random run: every block is filled and verified, integrity after every op.
    Lcg rng{12345};
    uint8_t live[40] = {};
    uint32_t live_count = 0;
    for (uint32_t op = 0; op < 3000; ++op) {
        if (live_count == 0 || (live_count < 40 && rng.below(100) < 55)) {
            const auto r = pool.allocate();
            CHECK(r.ok());
            const uint32_t i = (r.value - blocks) / 24;
            CHECK(live[i] == 0);
            live[i] = static_cast<uint8_t>(1 + rng.below(255));
            for (uint32_t b = 0; b < 24; ++b)
                g_pool_arena[r.value - control + b] = live[i];
            ++live_count;
        } else {
            uint32_t i = rng.below(40);
            while (live[i] == 0)
                i = (i + 1) % 40;
            const Address a = blocks + 24 * i;
            bool intact = true;
            for (uint32_t b = 0; b < 24; ++b)
                intact &= g_pool_arena[a - control + b] == live[i];
            CHECK(intact);
            CHECK(pool.free(a) == RtStatus::Ok);
            live[i] = 0;
            --live_count;
        }
        if (pool.check_integrity() != RtStatus::Ok) {
            CHECK(false && "pool integrity during random run");
            break;
        }
    }
    section("fixed pool: exhaust, refill, double/foreign free, 3000 random ops", before);
}

void check_tlsf_and_tiered() {
    const uint32_t before = g_failures;
#if EMSIM_FW_HAVE_TLSF
    fw::Mem tlsf_mem = identity(g_tlsf_arena);
    fw::Tlsf tlsf(tlsf_mem);
    const Address tlsf_base = address_of(g_tlsf_arena);
    // Two regions: 192 KiB and 64 KiB, added at run time.
    CHECK(tlsf.add_region(tlsf_base, 192 * 1024) == RtStatus::Ok);
    CHECK(tlsf.add_region(tlsf_base + 192 * 1024, 64 * 1024) == RtStatus::Ok);
    CHECK(tlsf.add_region(tlsf_base + 1024, 4096) != RtStatus::Ok); // overlaps
    Lcg rng{777};
    Address live[64] = {};
    uint32_t sizes[64] = {};
    for (uint32_t op = 0; op < 4000; ++op) {
        const uint32_t slot = rng.below(64);
        if (live[slot] == 0) {
            sizes[slot] = 16 + rng.below(1009);
            const auto r = tlsf.allocate(sizes[slot], 8);
            CHECK(r.ok() && r.value % 8 == 0);
            live[slot] = r.value;
            for (uint32_t b = 0; b + 4 <= sizes[slot]; b += 4)
                tlsf_mem.store32(r.value + b, r.value ^ b);
        } else if (rng.below(4) == 0) {
            const uint32_t grow = 16 + rng.below(2000);
            const auto r = tlsf.reallocate(live[slot], grow);
            CHECK(r.ok());
            bool intact = true;
            const uint32_t keep = (sizes[slot] < grow ? sizes[slot] : grow) & ~3u;
            for (uint32_t b = 0; b < keep; b += 4)
                intact &= tlsf_mem.load32(r.value + b) == (live[slot] ^ b);
            CHECK(intact);
            // Re-stamp with the new address so later checks stay exact.
            for (uint32_t b = 0; b + 4 <= grow; b += 4)
                tlsf_mem.store32(r.value + b, r.value ^ b);
            live[slot] = r.value;
            sizes[slot] = grow;
        } else {
            bool intact = true;
            for (uint32_t b = 0; b + 4 <= sizes[slot]; b += 4)
                intact &= tlsf_mem.load32(live[slot] + b) == (live[slot] ^ b);
            CHECK(intact);
            CHECK(tlsf.free(live[slot]) == RtStatus::Ok);
            live[slot] = 0;
        }
        if (tlsf.check_integrity() != RtStatus::Ok) {
            CHECK(false && "tlsf integrity during random run");
            break;
        }
    }
    for (uint32_t s = 0; s < 64; ++s)
        if (live[s] != 0)
            CHECK(tlsf.free(live[s]) == RtStatus::Ok);
    const auto a = tlsf.allocate(100, 8);
    CHECK(a.ok());
    CHECK(tlsf.free(a.value) == RtStatus::Ok);
    CHECK(tlsf.free(a.value) == RtStatus::DoubleFree);
    CHECK(tlsf.free(a.value + 4) != RtStatus::Ok);
    CHECK(tlsf.allocate(0, 8).status != RtStatus::Ok);
    CHECK(tlsf.allocate(0xFFFFFFF0u, 8).status != RtStatus::Ok);
    CHECK(tlsf.check_integrity() == RtStatus::Ok);
    section("tlsf: 2 regions, 4000 random alloc/realloc/free, double/foreign free", before);

    // Tiered pool over the default table, huge path to the (guarded) TLSF heap.
    const uint32_t tiered_before = g_failures;
    fw::HugeHeap huge(tlsf, &g_guard, HeapOwner{"fw.tlsf", 2});
#else
    fw::write("TODO: runtime/tlsf_heap.h missing - TLSF checks skipped\n");
    fw::HugeHeap huge;
    const uint32_t tiered_before = g_failures;
#endif
    fw::Mem mem = identity(g_tiered_arena);
    emsim::rt::TieredPoolConfig config = emsim::rt::default_tiered_pool_config();
    config.huge_on_exhaustion = true;
    const auto need = fw::Tiered::required_bytes(config);
    CHECK(need.ok() && need.value <= sizeof g_tiered_arena);
    fw::Tiered tiered;
    CHECK(tiered.init(mem, address_of(g_tiered_arena), sizeof g_tiered_arena, config, &huge,
                      &g_guard, HeapOwner{"fw.tiered", 3}) == RtStatus::Ok);
    const uint32_t sizes_to_try[] = {1, 16, 17, 64, 65, 1024, 1025, 16384, 65536};
    const uint32_t expect_block[] = {16, 16, 32, 64, 128, 1024, 4096, 16384, 65536};
    Address got[9];
    for (uint32_t i = 0; i < 9; ++i) {
        const auto r = tiered.allocate(sizes_to_try[i]);
        CHECK(r.ok());
        got[i] = r.value;
        const uint32_t c = tiered.best_fit(sizes_to_try[i]);
        CHECK(c != fw::Tiered::NO_CLASS && tiered.pool(c).block_bytes() == expect_block[i] &&
              tiered.pool(c).is_allocated(r.value));
    }
#if EMSIM_FW_HAVE_TLSF
    const auto big = tiered.allocate(100000);
    CHECK(big.ok() && big.value >= tlsf_base && big.value < tlsf_base + sizeof g_tlsf_arena);
    CHECK(tiered.free(big.value) == RtStatus::Ok);
    CHECK(tiered.tier_stats(emsim::rt::SizeTier::Huge).served_huge == 1);
#else
    CHECK(tiered.allocate(100000).status == RtStatus::Unsupported);
#endif
    for (uint32_t i = 0; i < 9; ++i)
        CHECK(tiered.free(got[i]) == RtStatus::Ok);
    CHECK(tiered.free(got[0]) == RtStatus::DoubleFree);
    CHECK(tiered.allocate(0).status == RtStatus::InvalidSize);
    CHECK(tiered.check_integrity() == RtStatus::Ok);
    section("tiered pool: class choice, huge path, double free", tiered_before);
}

struct Calibration {
    Calibration(uint32_t offset, int16_t gain_) : offset_counts(offset), gain(gain_) {}
    uint32_t offset_counts;
    int16_t gain;
    alignas(8) uint8_t table[20] = {};
};

void check_static_and_stack() {
    const uint32_t before = g_failures;
    fw::Mem smem = identity(g_static_arena);
    fw::Static statics;
    CHECK(statics.init(smem, address_of(g_static_arena), sizeof g_static_arena, &g_guard,
                       HeapOwner{"fw.static", 4}) == RtStatus::Ok);
    Calibration* cal = statics.construct<Calibration>(1000u, static_cast<int16_t>(-3));
    CHECK(cal != nullptr && cal->offset_counts == 1000 && cal->gain == -3);
    CHECK(reinterpret_cast<uintptr_t>(cal) % alignof(Calibration) == 0);
    const auto block = statics.allocate(100, 32);
    CHECK(block.ok() && block.value % 32 == 0);
    CHECK(statics.allocate(0).status == RtStatus::InvalidSize);
    CHECK(statics.allocate(4096).status == RtStatus::NoMemory);
    const uint32_t left = statics.remaining_bytes();
    CHECK(statics.allocate(left, 1).ok() && statics.remaining_bytes() == 0);
    CHECK(statics.check_integrity() == RtStatus::Ok);
    section("static allocator: typed construct, alignment, exhaustion", before);

    const uint32_t stack_before = g_failures;
    fw::Mem kmem = identity(g_stack_arena);
    fw::Stack stack;
    CHECK(stack.init(kmem, address_of(g_stack_arena), sizeof g_stack_arena) == RtStatus::Ok);
    const uint32_t empty = stack.used_bytes();
    {
        emsim::rt::StackScope<fw::Mem> outer(stack);
        CHECK(outer.status() == RtStatus::Ok);
        CHECK(stack.allocate(100).ok());
        const auto inner = stack.mark();
        CHECK(inner.ok());
        CHECK(stack.allocate(200, 16).ok());
        CHECK(stack.release(outer.marker()) == RtStatus::OutOfOrder);
        CHECK(stack.release(inner.value) == RtStatus::Ok);
        CHECK(stack.release(inner.value) == RtStatus::BadPointer);
        CHECK(stack.check_integrity() == RtStatus::Ok);
    }
    CHECK(stack.used_bytes() == empty && stack.stats().live_markers == 0);
    section("stack allocator: LIFO markers, scope, out-of-order refused", stack_before);
}

void check_guard() {
    const uint32_t before = g_failures;
    // Init is over: everything above allocated before this point. Seal and try again.
    CHECK(fw::guard_check(g_guard).status == RtStatus::Ok);
    fw::guard_seal(g_guard);
    g_guard.set_time(42);
    fw::Mem mem = identity(g_pool_arena);
    fw::Pool pool; // re-attach to the (now empty) pool area under the guard
    CHECK(pool.init(mem, address_of(g_pool_arena) + 64, address_of(g_pool_arena), {24, 40, 8},
                    &g_guard, HeapOwner{"fw.pool", 1}) == RtStatus::Ok);
    CHECK(pool.allocate().status == RtStatus::Sealed);
    fw::Mem smem = identity(g_static_arena);
    fw::Static statics;
    CHECK(statics.init(smem, address_of(g_static_arena), 64, &g_guard, HeapOwner{"fw.static", 4}) ==
          RtStatus::Ok);
    CHECK(statics.allocate(8).status == RtStatus::Sealed);
    CHECK(fw::guard_admit(g_guard, HeapOwner{"fw.direct", 9}, 7) == RtStatus::Sealed);
    const auto report = fw::guard_check(g_guard);
    CHECK(report.status == RtStatus::Sealed && report.value.count == 3);
    const emsim::rt::HeapViolation* first = fw::guard_violation(g_guard, 0);
    CHECK(first != nullptr && first->owner.id == 1 && first->size_bytes == 24 && first->when == 42);
    section("heap guard: sealed pools/static refuse and are logged", before);
}

// The MPU driver against QEMU's PMSAv7 MPU (8 regions): plan a task-like domain, load it through
// MmioMemory at the architectural addresses (alias batches, RBAR.VALID), read every region back
// through RNR, then switch the MPU off again. Privileged code with PRIVDEFENA keeps running.
emsim::rt::MpuPlanner g_mpu_planner{emsim::rt::MpuConfig{}};

void check_mpu() {
    namespace rt = emsim::rt;
    using rt::MpuAccess;
    using rt::MpuReg;
    const uint32_t before = g_failures;
    rt::MmioMemory regs; // identity: volatile word accesses at the architectural addresses
    CHECK(((regs.load32(MpuReg::TYPE) >> 8) & 0xFFu) == 8u); // DREGION
    rt::MpuPermissions code{MpuAccess::ReadOnly, MpuAccess::ReadOnly, false};
    rt::MpuPermissions data{MpuAccess::ReadWrite, MpuAccess::ReadWrite, true};
    rt::MpuPermissions uart{MpuAccess::ReadWrite, MpuAccess::ReadWrite, true,
                            rt::MpuMemoryType::Device};
    const rt::MpuRequest reqs[] = {
        {0x00000000u, 0x6000u, code}, // 24 KiB: one 32 KiB region, 6 subregions
        {0x20300000u, 0x1120u, data}, // 4 KiB + 256 B + 32 B: three regions, exact
        {0x40004000u, 0x1000u, uart}, // UART0
    };
    rt::MpuImage image;
    const rt::MpuPlanResult plan = fw::mpu_plan(g_mpu_planner, reqs, 3, image);
    CHECK(plan.ok() && plan.regions_used == 5 && plan.waste_bytes == 0);
    CHECK(fw::mpu_apply(regs, image) == rt::mpu_apply_store_count(image));
    CHECK(regs.load32(MpuReg::CTRL) == (MpuReg::CTRL_ENABLE | MpuReg::CTRL_PRIVDEFENA));
    for (uint32_t n = 0; n < 8; ++n) {
        regs.store32(MpuReg::RNR, n);
        // RBAR reads ADDR | REGION (VALID reads 0); RASR reads back what was written.
        CHECK(regs.load32(MpuReg::RBAR) == ((image.region[n].rbar & ~0x1Fu) | n));
        CHECK(regs.load32(MpuReg::RASR) == image.region[n].rasr_or_rlar);
    }
    regs.store32(MpuReg::CTRL, 0u);
    CHECK(regs.load32(MpuReg::CTRL) == 0u);
    // Over budget: nine 32 B neighbours of alternating rights, the ninth is named.
    rt::MpuRequest many[9];
    for (uint32_t i = 0; i < 9; ++i)
        many[i] = {0x20300000u + 32u * i, 32u, (i & 1u) ? code : data};
    const rt::MpuPlanResult over = fw::mpu_plan(g_mpu_planner, many, 9, image);
    CHECK(over.status == RtStatus::QuotaExceeded && over.failed_request == 8);
    section("mpu driver: plan a domain, load it into the MPU, read it back", before);
}

} // namespace

int main() {
    fw::write("emsim runtime self-check on Cortex-M3 (mps2-an385)\n");
    check_fixed_pool();
    check_tlsf_and_tiered();
    check_static_and_stack();
    check_guard();
    check_mpu();
    fw::check_isolation();
    fw::write(g_failures == 0 ? "PASS: " : "FAIL: ");
    fw::write_u32(g_checks);
    fw::write(" checks, ");
    fw::write_u32(g_failures);
    fw::write(" failed\n");
    return g_failures == 0 ? 0 : 1;
}
