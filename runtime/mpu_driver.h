#pragma once
// MPU driver: plans the hardware regions a protection domain needs and programs them.
// Owns the permission encodings (AP/XN, TEX/S/C/B, MAIR/AttrIndx), the region planner for
// ARMv7-M PMSAv7 and ARMv8-M PMSAv8, the register image a domain switch loads, and the store
// sequence of that switch. Does not own the MPU itself (models/ simulates it; on a target it is
// the core's), the choice of fixed regions (the caller reserves them by giving the planner a
// window of region numbers), the fault handler, or locking (a switch must not be interrupted by
// another switch: call apply() with interrupts masked or from the PendSV handler).
//
// Flow: requests (start, size, permissions) -> MpuPlanner::plan() -> MpuImage, computed once per
// domain; a domain switch is apply(mem, image): a fixed sequence of stores through the access
// policy `Mem`, so in the simulator the switch is a sequence of bus transactions whose cost is
// simulated, and on a target (DirectMemory, identity mapping) it programs the real MPU.
//
// PMSAv7 planning (the hard case; see ../shared/reference/mpu.md §4, §9)
// ---------------------------------------------------------------------
// A v7 region is an aligned block of 2^k bytes (k = 5..32) whose 8 equal subregions can each be
// disabled (k >= 8). One region therefore covers exactly any union of 2^(k-3)-aligned slots of
// one aligned block; a disabled subregion lets a smaller region nested inside it take over.
//
// 1. Requests are rounded out to 32-byte granules (the architectural minimum; rounding bytes are
//    waste) and requests with identical attributes that overlap or touch are merged into runs.
// 2. Per run [s, e): a dynamic programme over the buddy tree of aligned blocks computes the
//    Pareto curve W[n] = least waste covering [s, e) with at most n regions (n <= budget).
//    For a block of 2^k bytes that [s, e) covers partially the options are
//      a) one region of 2^k here: fully covered subregions enabled; each of the (at most two)
//         partially covered subregions, the ones holding s and e - 1, either enabled (its
//         uncovered bytes become waste) or left disabled and covered by regions nested inside
//         it (the same problem on a 2^(k-3) block); for k < 8 the 256 B region around the
//         block, whose subregions are the 32 B granules, enables exactly the target: no waste;
//      b) no region here: solve the two halves independently (2^(k-1) blocks).
//    A fully covered block costs one region and no waste, an uncovered one nothing. Only the
//    blocks holding s or e - 1 are ever partial, so there are at most 2 per level and the memo
//    has 2 x 28 curves. This subsumes Tock's generic allocate_region (one region + subregions,
//    round up when the start is badly aligned), its two-region trick, and Hubris's chunking: it
//    is the least waste among covers whose regions are disjoint or nested inside another's
//    disabled subregions. That overlapping regions of one run never do better is checked, not
//    proven: tests compare budgets 1 and 2 with a brute force over all region pairs of a window.
//         block 2^k:  [ 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 ]     subregions 0 and 6 partial
//         request:        [==|===|===|===|===|===|=]
//         region k:   SRD=0b11000001 (0, 6, 7 off); a region of 2^(k-3) nested in 0 and in 6
// 3. A region may spill only onto bytes outside every run with different attributes, so no byte
//    of another request changes permissions and region order does not matter. Spilling onto a
//    run with the same attributes is free (those bytes were asked for).
// 4. The budget is shared by a second dynamic programme over the runs (knapsack on the curves):
//    G[i][b] = least waste of runs 0..i-1 with b regions. A run gets the fewest regions that
//    reach its share of the optimum. When even W[1] of every run does not fit, the plan fails.
//    The objective sums the runs' spills, so bytes two runs both spill onto count twice there
//    (once in the reported waste): the plan is optimal for the sum, an upper bound of the union.
// Complexity: O(R^2) validation and merging (R <= 16 requests), O(R * L * 5 * B^2) curves
// (L <= 28 levels, B <= 16 regions, 5 option combinations per partial block), O(R * B^2) for the
// knapsack; on a budget failure up to R more plans find the request to name. Measured
// (last_steps()): 31 steps for one 9 KiB request, about 1000 for a 6-request task domain with 6
// regions, at most 1.7 * 10^5 over 5000 random sets of up to 8 requests (budget failures
// included).
// Not done: a higher-numbered region of *different* permissions overriding a lower one (the
// Zephyr "stack over SRAM" pattern): requests with different attributes must not overlap.
//
// PMSAv8 planning: one region per run, exact at 32-byte granularity ([base, limit] inclusive,
// RLAR.LIMIT = (end - 1) >> 5); overlapping requests are refused (overlapping enabled regions
// fault on v8-M); touching requests with identical attributes share one region. A request not
// 32-byte aligned is rounded out to granules (the rounding is waste), or refused with
// InvalidAlignment under MpuConfig::exact_only; rounded requests of different attributes that
// share a granule are an AddressConflict.
//
// Errors name the request: MpuPlanResult::failed_request is the smallest i such that requests
// [0, i] cannot be planned (a validation error of request i itself, or the budget).

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

enum class MpuArch : uint8_t {
    Pmsav7, ///< ARMv7-M: power-of-two regions, subregions, highest region wins on overlap
    Pmsav8, ///< ARMv8-M: 32-byte base/limit regions, overlap of enabled regions faults
};

enum class MpuAccess : uint8_t { None, ReadOnly, ReadWrite };

/// Memory type of a region (attributes, not permissions). Normal: v7 TEX=000 S=1 C=1 B=1
/// (FreeRTOS's 0x07), v8 AttrIndx 0 = MAIR 0xFF (write-back, read/write-allocate). Device: v7
/// TEX=000 S=0 C=0 B=1 (shared device, Hubris), v8 AttrIndx 1 = MAIR 0x00 (Device-nGnRnE).
/// Cosmetic on cache-less cores and in QEMU; matters on Cortex-M7/M55/M85.
enum class MpuMemoryType : uint8_t { Normal, Device };

/// What a region grants. Encodable combinations (anything else is Unsupported):
///   privileged  unprivileged   v7 AP   v8 AP[2:1]
///   None        None           000     -  (v8 has no no-access encoding)
///   ReadWrite   None           001     00
///   ReadWrite   ReadOnly       010     -  (v8-M lacks P-RW/U-RO)
///   ReadWrite   ReadWrite      011     01
///   ReadOnly    None           101     10
///   ReadOnly    ReadOnly       110     11
/// execute_never maps to XN (RASR[28] / RBAR[0]); it also binds privileged code.
struct MpuPermissions {
    MpuAccess privileged = MpuAccess::ReadWrite;
    MpuAccess unprivileged = MpuAccess::None;
    bool execute_never = true;
    MpuMemoryType memory = MpuMemoryType::Normal;
};

constexpr bool operator==(const MpuPermissions& a, const MpuPermissions& b) {
    return a.privileged == b.privileged && a.unprivileged == b.unprivileged &&
           a.execute_never == b.execute_never && a.memory == b.memory;
}
constexpr bool operator!=(const MpuPermissions& a, const MpuPermissions& b) {
    return !(a == b);
}

/// One range a domain needs: [start, start + size_bytes), start + size_bytes <= 2^32.
struct MpuRequest {
    Address start = 0;
    uint32_t size_bytes = 0; ///< bytes; > 0
    MpuPermissions perms{};
};

/// Architectural register addresses and fields (ARMv7-M ARM B3.5, ARMv8-M ARM D1.2; the field
/// table in ../shared/reference/mpu.md §1-2).
struct MpuReg {
    static constexpr Address TYPE = 0xE000ED90u;
    static constexpr Address CTRL = 0xE000ED94u;
    static constexpr Address RNR = 0xE000ED98u;
    static constexpr Address RBAR = 0xE000ED9Cu;
    static constexpr Address RASR = 0xE000EDA0u; ///< v7
    static constexpr Address RLAR = 0xE000EDA0u; ///< v8 (same offset)
    /// RBAR_An = RBAR + 8n, RASR_An / RLAR_An = RASR + 8n, n = 1..3: 4 pairs = 8 consecutive
    /// words (one STM on a target).
    static constexpr Address ALIAS_STRIDE = 8;
    static constexpr uint32_t ALIASES = 4;        ///< pairs per batch, the plain pair included
    static constexpr Address MAIR0 = 0xE000EDC0u; ///< v8
    static constexpr Address MAIR1 = 0xE000EDC4u; ///< v8

    static constexpr uint32_t CTRL_ENABLE = 1u << 0;
    static constexpr uint32_t CTRL_HFNMIENA = 1u << 1;
    static constexpr uint32_t CTRL_PRIVDEFENA = 1u << 2;

    // v7 RBAR / RASR
    static constexpr uint32_t RBAR_VALID = 1u << 4; ///< v7: the write also sets RNR = REGION
    static constexpr uint32_t RBAR_REGION_MASK = 0xFu;
    static constexpr uint32_t RASR_ENABLE = 1u << 0;
    static constexpr uint32_t RASR_SIZE_SHIFT = 1; ///< SIZE[5:1] = log2(bytes) - 1
    static constexpr uint32_t RASR_SRD_SHIFT = 8;  ///< SRD[15:8], bit i disables subregion i
    static constexpr uint32_t RASR_B = 1u << 16;
    static constexpr uint32_t RASR_C = 1u << 17;
    static constexpr uint32_t RASR_S = 1u << 18;
    static constexpr uint32_t RASR_TEX_SHIFT = 19;
    static constexpr uint32_t RASR_AP_SHIFT = 24; ///< AP[26:24]
    static constexpr uint32_t RASR_XN = 1u << 28;

    // v8 RBAR / RLAR
    static constexpr uint32_t V8_RBAR_XN = 1u << 0;
    static constexpr uint32_t V8_RBAR_AP_SHIFT = 1; ///< AP[2:1]
    static constexpr uint32_t V8_RBAR_SH_SHIFT = 3; ///< SH[4:3]
    static constexpr uint32_t V8_RLAR_EN = 1u << 0;
    static constexpr uint32_t V8_RLAR_ATTR_SHIFT = 1; ///< AttrIndx[3:1]
    static constexpr uint32_t V8_ATTR_NORMAL = 0;     ///< AttrIndx of MpuMemoryType::Normal
    static constexpr uint32_t V8_ATTR_DEVICE = 1;     ///< AttrIndx of MpuMemoryType::Device
    /// MAIR0 the driver writes: Attr0 = 0xFF normal write-back RW-allocate (inner and outer),
    /// Attr1 = 0x00 Device-nGnRnE, Attr2..3 unused (0).
    static constexpr uint32_t V8_MAIR0 = 0x000000FFu;

    static constexpr uint32_t GRANULE_BYTES = 32; ///< minimum region (v7 SIZE=4) / v8 granule
    static constexpr uint32_t GRANULE_LOG2 = 5;
    static constexpr uint32_t MIN_SRD_LOG2 = 8; ///< subregions exist for regions >= 256 B
    static constexpr uint32_t MAX_LOG2 = 32;    ///< 4 GiB, SIZE = 31
};
static_assert(MpuReg::RASR == MpuReg::RBAR + 4, "pairs are consecutive words");
static_assert((1u << MpuReg::GRANULE_LOG2) == MpuReg::GRANULE_BYTES, "granule is 2^5");

/// v7 AP[2:0] of `p`, or Unsupported (table at MpuPermissions).
constexpr Result<uint32_t> mpu_v7_ap(const MpuPermissions& p) {
    using A = MpuAccess;
    if (p.privileged == A::None && p.unprivileged == A::None)
        return {RtStatus::Ok, 0u};
    if (p.privileged == A::ReadWrite && p.unprivileged == A::None)
        return {RtStatus::Ok, 1u};
    if (p.privileged == A::ReadWrite && p.unprivileged == A::ReadOnly)
        return {RtStatus::Ok, 2u};
    if (p.privileged == A::ReadWrite && p.unprivileged == A::ReadWrite)
        return {RtStatus::Ok, 3u};
    if (p.privileged == A::ReadOnly && p.unprivileged == A::None)
        return {RtStatus::Ok, 5u};
    if (p.privileged == A::ReadOnly && p.unprivileged == A::ReadOnly)
        return {RtStatus::Ok, 6u};
    return {RtStatus::Unsupported, 0u};
}

/// v8 AP[2:1] (as a 2-bit value) of `p`, or Unsupported (table at MpuPermissions).
constexpr Result<uint32_t> mpu_v8_ap(const MpuPermissions& p) {
    using A = MpuAccess;
    if (p.privileged == A::ReadWrite && p.unprivileged == A::None)
        return {RtStatus::Ok, 0u};
    if (p.privileged == A::ReadWrite && p.unprivileged == A::ReadWrite)
        return {RtStatus::Ok, 1u};
    if (p.privileged == A::ReadOnly && p.unprivileged == A::None)
        return {RtStatus::Ok, 2u};
    if (p.privileged == A::ReadOnly && p.unprivileged == A::ReadOnly)
        return {RtStatus::Ok, 3u};
    return {RtStatus::Unsupported, 0u};
}

/// RASR of an enabled v7 region of 2^size_log2 bytes (5..32) with `srd` (ignored, written 0,
/// below 256 B) and encodable permissions `p`.
constexpr uint32_t mpu_v7_rasr(const MpuPermissions& p, uint32_t size_log2, uint32_t srd) {
    const uint32_t attrs = p.memory == MpuMemoryType::Normal
                               ? (MpuReg::RASR_S | MpuReg::RASR_C | MpuReg::RASR_B)
                               : MpuReg::RASR_B;
    return (p.execute_never ? MpuReg::RASR_XN : 0u) |
           (mpu_v7_ap(p).value << MpuReg::RASR_AP_SHIFT) | attrs |
           ((size_log2 >= MpuReg::MIN_SRD_LOG2 ? (srd & 0xFFu) : 0u) << MpuReg::RASR_SRD_SHIFT) |
           ((size_log2 - 1) << MpuReg::RASR_SIZE_SHIFT) | MpuReg::RASR_ENABLE;
}

/// RBAR / RLAR of an enabled v8 region [base, last] (base 32-aligned, last = end - 1).
constexpr uint32_t mpu_v8_rbar(const MpuPermissions& p, Address base) {
    return (base & ~0x1Fu) | (mpu_v8_ap(p).value << MpuReg::V8_RBAR_AP_SHIFT) |
           (p.execute_never ? MpuReg::V8_RBAR_XN : 0u); // SH = 00: non-shareable, single core
}
constexpr uint32_t mpu_v8_rlar(const MpuPermissions& p, Address last) {
    return (last & ~0x1Fu) |
           ((p.memory == MpuMemoryType::Normal ? MpuReg::V8_ATTR_NORMAL : MpuReg::V8_ATTR_DEVICE)
            << MpuReg::V8_RLAR_ATTR_SHIFT) |
           MpuReg::V8_RLAR_EN;
}

/// The planner's configuration: which MPU, and which region numbers it may use. Region numbers
/// outside [first_region, first_region + region_budget) are the caller's fixed regions; apply()
/// never writes them (on v7 a fixed region above the window overrides the plan, one below is
/// overridden by it; on v8 the caller keeps fixed regions disjoint from the requests).
struct MpuConfig {
    MpuArch arch = MpuArch::Pmsav7;
    uint8_t regions_total = 8; ///< MPU_TYPE.DREGION; 1..16
    uint8_t first_region = 0;  ///< lowest region number the plan may use
    uint8_t region_budget = 8; ///< regions the plan may use; 1..regions_total - first_region
    bool privdefena = true;    ///< CTRL.PRIVDEFENA: background map for privileged accesses
    bool hfnmiena = false;     ///< CTRL.HFNMIENA: enforce at priority < 0 (all four projects: off)
    /// true: any waste (a request not 32-byte aligned: InvalidAlignment; a set whose exact cover
    /// needs more regions than the budget: QuotaExceeded) is an error instead of rounding up.
    bool exact_only = false;
};

/// One (RBAR, RASR) pair (v7) or (RBAR, RLAR) pair (v8), exactly as stored.
struct MpuRegionWords {
    uint32_t rbar = 0;
    uint32_t rasr_or_rlar = 0;
};

/// A domain's precomputed register image: apply() stores it verbatim. The window holds
/// `window` pairs for regions first_region.. first_region + window - 1; the first `used` are the
/// planned regions, the rest disable their region (v7: RBAR = VALID|n, RASR = 0; v8: 0, 0).
struct MpuImage {
    static constexpr uint32_t MAX_REGIONS = 16;
    MpuArch arch = MpuArch::Pmsav7;
    uint8_t first_region = 0;
    uint8_t window = 0; ///< pairs apply() writes; = MpuConfig::region_budget
    uint8_t used = 0;   ///< enabled regions, <= window
    uint32_t ctrl = 0;  ///< CTRL value after the switch: ENABLE | PRIVDEFENA? | HFNMIENA?
    uint32_t mair0 = 0; ///< v8 only: MAIR0 written on every switch (self-contained image)
    MpuRegionWords region[MAX_REGIONS];
};

/// Stores apply() performs for `image`: constant per window size and first region, whatever
/// the image holds. v7: CTRL off + 2 per window region + CTRL on (window 8: 18). v8: CTRL off +
/// MAIR0 + one RNR per group of 4 region numbers touched + 2 per region + CTRL on (window 8 from
/// region 0: 21).
constexpr uint32_t mpu_apply_store_count(const MpuImage& image) {
    uint32_t stores = 2u + 2u * image.window;
    if (image.arch == MpuArch::Pmsav8 && image.window > 0)
        stores += 1u + (uint32_t(image.first_region + image.window - 1) >> 2) -
                  (uint32_t(image.first_region) >> 2) + 1u;
    return stores;
}

/// Access policy for memory-mapped device registers such as the MPU's: every access is one
/// volatile access of exactly its width at host address `target + offset` (offset 0 on a target:
/// identity mapping; a host test maps a buffer). DirectMemory is the wrong policy for registers
/// on a freestanding target: -ffreestanding implies -fno-builtin, so its memcpy is a library
/// call whose access width is the library's choice, and the System Control Space ignores
/// anything but word accesses to the MPU registers. barrier() is DSB+ISB on an Arm target.
class MmioMemory {
public:
    explicit MmioMemory(uintptr_t offset = 0) : m_offset(offset) {}
    uint8_t load8(Address a) const { return *reg<uint8_t>(a); }
    uint16_t load16(Address a) const { return *reg<uint16_t>(a); }
    uint32_t load32(Address a) const { return *reg<uint32_t>(a); }
    void store8(Address a, uint8_t v) { *reg<uint8_t>(a) = v; }
    void store16(Address a, uint16_t v) { *reg<uint16_t>(a) = v; }
    void store32(Address a, uint32_t v) { *reg<uint32_t>(a) = v; }
    void barrier() {
#if defined(__arm__) || defined(__thumb__)
        __asm volatile("dsb sy\n\tisb sy" ::: "memory");
#else
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
    }

private:
    template <class T> volatile T* reg(Address a) const {
        return reinterpret_cast<volatile T*>(uintptr_t(a) + m_offset);
    }
    uintptr_t m_offset;
};

namespace detail {
// Barrier hook: a policy with a `barrier()` member gets the call (the simulator's TLM policy can
// charge or ignore it); otherwise DSB+ISB on an Arm target and a compiler barrier on the host.
template <class M> auto mpu_barrier(M& mem, int) -> decltype(mem.barrier(), void()) {
    mem.barrier();
}
template <class M> void mpu_barrier(M&, long) {
#if defined(__arm__) || defined(__thumb__)
    __asm volatile("dsb sy\n\tisb sy" ::: "memory");
#else
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}
} // namespace detail

/// Loads `image` into the MPU through `mem` and returns the stores made
/// (= mpu_apply_store_count(image)). Sequence:
///   barrier; CTRL = 0;                      (v8: MAIR0 = image.mair0)
///   per group of 4 pairs: (v8: RNR = n & ~3) RBAR_A0, RASR_A0, .. RBAR_A3, RASR_A3
///   CTRL = image.ctrl; barrier
/// v7 uses RBAR.VALID|REGION so each pair retargets RNR itself and pair j of a batch goes to
/// alias j (the 8 words of a batch are consecutive: one STM on a target, as FreeRTOS/Tock do);
/// v8 has no VALID bit: RNR selects the group and region n goes to alias n % 4.
/// The MPU is off while the pairs are written because a pair is not atomic (a half-written
/// region could grant the union of two configurations; Hubris's v8 crash). Barriers: the first
/// (DMB would do; DSB is used) completes accesses made under the old map before it goes away;
/// the second (DSB then ISB) makes the updated map apply to the very next access and instruction
/// fetch: architecturally required after an MPU update (ARMv7-M ARM B3.5.1). The policy's
/// barrier() is called when it has one (the simulator: a no-op or a charged cycle), else inline
/// DSB/ISB on an Arm target, else a compiler barrier. O(window); `meter` (optional) gets one
/// step per pair plus one.
template <class Mem> uint32_t apply(Mem& mem, const MpuImage& image, StepMeter* meter = nullptr) {
    uint32_t stores = 0;
    detail::mpu_barrier(mem, 0);
    mem.store32(MpuReg::CTRL, 0u);
    ++stores;
    const bool v8 = image.arch == MpuArch::Pmsav8;
    if (v8) {
        mem.store32(MpuReg::MAIR0, image.mair0);
        ++stores;
    }
    for (uint32_t j = 0; j < image.window && j < MpuImage::MAX_REGIONS; ++j) {
        const uint32_t n = image.first_region + j;
        uint32_t slot = j % MpuReg::ALIASES;
        if (v8) {
            if (j == 0 || n % MpuReg::ALIASES == 0) {
                mem.store32(MpuReg::RNR, n & ~(MpuReg::ALIASES - 1));
                ++stores;
            }
            slot = n % MpuReg::ALIASES;
        }
        const Address at = MpuReg::RBAR + MpuReg::ALIAS_STRIDE * slot;
        mem.store32(at, image.region[j].rbar);
        mem.store32(at + 4, image.region[j].rasr_or_rlar);
        stores += 2;
        if (meter)
            meter->add();
    }
    mem.store32(MpuReg::CTRL, image.ctrl);
    ++stores;
    detail::mpu_barrier(mem, 0);
    if (meter)
        meter->add();
    return stores;
}

/// Bytes `image` lets through that no request asked for: the union of the enabled regions'
/// enabled subregions (v7) or [base, limit] ranges (v8), minus the union of the requests as
/// given (so 32-byte rounding counts). Overlaps are counted once. O((16 * 4 + count)^2).
inline uint64_t plan_waste(const MpuImage& image, const MpuRequest* requests, uint32_t count);

/// The baseline: each request alone rounded up to one power-of-two region of at least
/// 32 bytes, assumed placed at a base aligned to that size:
/// sum of (max(32, next_pow2(size)) - size). O(count).
constexpr uint64_t naive_waste(const MpuRequest* requests, uint32_t count) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t p = MpuReg::GRANULE_BYTES;
        while (p < requests[i].size_bytes)
            p <<= 1;
        total += p - requests[i].size_bytes;
    }
    return total;
}

/// Outcome of MpuPlanner::plan().
struct MpuPlanResult {
    static constexpr uint8_t NO_REQUEST = 0xFF;
    RtStatus status = RtStatus::Ok;
    /// On error: the smallest i such that requests [0, i] cannot be planned; NO_REQUEST when the
    /// configuration itself is refused. NO_REQUEST on success.
    uint8_t failed_request = NO_REQUEST;
    uint8_t regions_used = 0; ///< enabled regions in the image, <= region_budget
    uint64_t waste_bytes = 0; ///< = plan_waste(image, requests, count)
    /// What the v7 knapsack minimised (each run's spill summed over runs) plus the 32-byte
    /// rounding. >= waste_bytes, larger
    /// only where two runs spill onto the same bytes (counted once in waste_bytes). Never
    /// increases with the budget. v8: = waste_bytes.
    uint64_t planned_waste_bytes = 0;
    constexpr bool ok() const { return status == RtStatus::Ok; }
};

/// Computes register images. Holds only scratch (7.8 KiB: keep it static on a target); one
/// planner serves any number of domains, one plan() at a time.
class MpuPlanner {
public:
    static constexpr uint32_t MAX_REQUESTS = 16;
    static constexpr uint32_t MAX_REGIONS = MpuImage::MAX_REGIONS;

    explicit MpuPlanner(const MpuConfig& config) : m_cfg(config) {}

    const MpuConfig& config() const { return m_cfg; }

    /// Plans `requests[0..count)` into `out`. On success `out` enables the planned regions and
    /// disables the rest of the window. On error `out` is the empty image (window disabled,
    /// CTRL as configured: loading it leaves unprivileged code no access) and the result names
    /// the request (see MpuPlanResult). Errors, checked per request in order:
    ///   Unsupported      configuration out of range (regions_total 1..16, window inside it), or
    ///                    permissions the architecture cannot encode (table at MpuPermissions)
    ///   QuotaExceeded    more than MAX_REQUESTS requests (names request MAX_REQUESTS), or the
    ///                    set does not fit the region budget (with exact_only: not without waste)
    ///   InvalidSize      size_bytes == 0
    ///   InvalidRegion    start + size_bytes > 2^32
    ///   InvalidAlignment exact_only and start or size not a multiple of 32
    ///   AddressConflict  the request overlaps an earlier one with different permissions (v8:
    ///                    overlaps any earlier one), or shares a 32-byte granule with it
    /// Complexity in the file comment; the step count is in last_steps().
    MpuPlanResult plan(const MpuRequest* requests, uint32_t count, MpuImage& out) {
        m_meter.begin();
        MpuPlanResult r = plan_prefix(requests, count, out);
        if (r.status == RtStatus::QuotaExceeded && r.failed_request == MpuPlanResult::NO_REQUEST) {
            // The set as a whole does not fit: name the first request whose prefix fails.
            for (uint32_t i = 1; i <= count; ++i) {
                if (!plan_prefix(requests, i, out).ok()) {
                    r.failed_request = uint8_t(i - 1);
                    break;
                }
            }
        }
        if (!r.ok()) {
            reset_image(out);
            r.regions_used = 0;
            r.waste_bytes = 0;
            r.planned_waste_bytes = 0;
        }
        return r;
    }

    /// Steps of the last plan(): DP cells, overlap tests, emitted regions.
    uint32_t last_steps() const { return m_meter.steps(); }

private:
    static constexpr uint32_t INF = 0xFFFFFFFFu;
    static constexpr uint32_t LEVEL_MIN = MpuReg::GRANULE_LOG2;
    static constexpr uint32_t LEVELS = MpuReg::MAX_LOG2 - LEVEL_MIN + 1; // k = 5..32
    static constexpr uint32_t CURVE = MAX_REGIONS + 1;                   // n = 0..16
    // m_choice: bit 15 region here (else split), bit 14/13 enable the lo/hi partial subregion,
    // bits 4..0 regions given to the first child.
    static constexpr uint16_t CH_REGION = 0x8000u;
    static constexpr uint16_t CH_EN_LO = 0x4000u;
    static constexpr uint16_t CH_EN_HI = 0x2000u;
    static constexpr uint16_t CH_SPLIT_MASK = 0x1Fu;
    static_assert(MAX_REGIONS <= CH_SPLIT_MASK, "split count fits its field");
    static_assert(MAX_REQUESTS < MpuPlanResult::NO_REQUEST, "indices fit failed_request");

    struct Run {
        uint64_t lo; ///< 32-byte aligned
        uint64_t hi; ///< 32-byte aligned, exclusive, <= 2^32
        MpuPermissions perms;
        uint8_t first_request;
    };

    struct Emitted {
        uint64_t base;
        uint32_t log2;
        uint32_t srd;
    };

    static constexpr bool aligned32(uint64_t v) { return (v & 0x1Fu) == 0; }

    void reset_image(MpuImage& out) const {
        out = MpuImage{};
        out.arch = m_cfg.arch;
        out.first_region = m_cfg.first_region;
        out.window = m_cfg.region_budget;
        out.used = 0;
        out.ctrl = MpuReg::CTRL_ENABLE | (m_cfg.privdefena ? MpuReg::CTRL_PRIVDEFENA : 0u) |
                   (m_cfg.hfnmiena ? MpuReg::CTRL_HFNMIENA : 0u);
        out.mair0 = m_cfg.arch == MpuArch::Pmsav8 ? MpuReg::V8_MAIR0 : 0u;
        for (uint32_t j = 0; j < MAX_REGIONS; ++j) {
            const uint32_t n = uint32_t(m_cfg.first_region) + j;
            out.region[j].rbar = m_cfg.arch == MpuArch::Pmsav7
                                     ? (MpuReg::RBAR_VALID | (n & MpuReg::RBAR_REGION_MASK))
                                     : 0u;
            out.region[j].rasr_or_rlar = 0;
        }
    }

    bool config_ok() const {
        return m_cfg.regions_total >= 1 && m_cfg.regions_total <= MAX_REGIONS &&
               m_cfg.region_budget >= 1 &&
               uint32_t(m_cfg.first_region) + m_cfg.region_budget <= m_cfg.regions_total;
    }

    static MpuPlanResult fail(RtStatus s, uint32_t index) {
        MpuPlanResult r;
        r.status = s;
        r.failed_request = uint8_t(index);
        return r;
    }

    // Validation and run building, then the architecture's planner.
    MpuPlanResult plan_prefix(const MpuRequest* req, uint32_t count, MpuImage& out) {
        reset_image(out);
        if (!config_ok())
            return fail(RtStatus::Unsupported, MpuPlanResult::NO_REQUEST);
        if (count > MAX_REQUESTS)
            return fail(RtStatus::QuotaExceeded, MAX_REQUESTS);
        const bool v8 = m_cfg.arch == MpuArch::Pmsav8;
        m_run_count = 0;
        for (uint32_t i = 0; i < count; ++i) {
            const MpuRequest& q = req[i];
            if (!(v8 ? mpu_v8_ap(q.perms) : mpu_v7_ap(q.perms)).ok())
                return fail(RtStatus::Unsupported, i);
            if (q.size_bytes == 0)
                return fail(RtStatus::InvalidSize, i);
            const uint64_t end = uint64_t(q.start) + q.size_bytes;
            if (end > (uint64_t(1) << 32))
                return fail(RtStatus::InvalidRegion, i);
            if (m_cfg.exact_only && !(aligned32(q.start) && aligned32(q.size_bytes)))
                return fail(RtStatus::InvalidAlignment, i);
            const uint64_t lo = q.start & ~uint64_t(0x1F);
            const uint64_t hi = (end + 0x1F) & ~uint64_t(0x1F);
            for (uint32_t j = 0; j < i; ++j) {
                m_meter.add();
                const MpuRequest& p = req[j];
                const uint64_t p_end = uint64_t(p.start) + p.size_bytes;
                const bool same = p.perms == q.perms;
                if (q.start < p_end && p.start < end && (v8 || !same))
                    return fail(RtStatus::AddressConflict, i);
                const uint64_t p_lo = p.start & ~uint64_t(0x1F);
                const uint64_t p_hi = (p_end + 0x1F) & ~uint64_t(0x1F);
                if (lo < p_hi && p_lo < hi && !same)
                    return fail(RtStatus::AddressConflict, i);
            }
            add_run(lo, hi, q.perms, i);
        }
        const MpuPlanResult r = v8 ? plan_v8(out) : plan_v7(out);
        if (!r.ok())
            return r;
        MpuPlanResult ok = r;
        ok.waste_bytes = plan_waste(out, req, count);
        if (v8) {
            ok.planned_waste_bytes = ok.waste_bytes;
        } else {
            // Add the 32-byte rounding (the knapsack sees rounded runs): the waste of an image
            // holding the runs exactly.
            MpuImage runs{};
            runs.arch = MpuArch::Pmsav8;
            runs.used = uint8_t(m_run_count);
            for (uint32_t j = 0; j < m_run_count; ++j) {
                runs.region[j].rbar = Address(m_runs[j].lo);
                runs.region[j].rasr_or_rlar = Address(m_runs[j].hi - 1) | MpuReg::V8_RLAR_EN;
            }
            ok.planned_waste_bytes += plan_waste(runs, req, count);
        }
        return ok;
    }

    // Inserts [lo, hi) and merges every run of identical permissions that overlaps or touches it.
    void add_run(uint64_t lo, uint64_t hi, const MpuPermissions& perms, uint32_t index) {
        Run run{lo, hi, perms, uint8_t(index)};
        for (uint32_t j = 0; j < m_run_count;) {
            m_meter.add();
            Run& r = m_runs[j];
            if (r.perms == perms && run.lo <= r.hi && r.lo <= run.hi) {
                run.lo = r.lo < run.lo ? r.lo : run.lo;
                run.hi = r.hi > run.hi ? r.hi : run.hi;
                run.first_request =
                    r.first_request < run.first_request ? r.first_request : run.first_request;
                for (uint32_t k = j + 1; k < m_run_count; ++k)
                    m_runs[k - 1] = m_runs[k];
                --m_run_count;
                j = 0; // the grown run may now touch one already passed
                continue;
            }
            ++j;
        }
        // Keep runs ordered by their first request, so region numbers follow request order.
        uint32_t at = m_run_count;
        while (at > 0 && m_runs[at - 1].first_request > run.first_request) {
            m_runs[at] = m_runs[at - 1];
            --at;
        }
        m_runs[at] = run;
        ++m_run_count;
    }

    MpuPlanResult plan_v8(MpuImage& out) {
        if (m_run_count > m_cfg.region_budget)
            return fail(RtStatus::QuotaExceeded, MpuPlanResult::NO_REQUEST);
        for (uint32_t j = 0; j < m_run_count; ++j) {
            m_meter.add();
            const Run& r = m_runs[j];
            out.region[j].rbar = mpu_v8_rbar(r.perms, Address(r.lo));
            out.region[j].rasr_or_rlar = mpu_v8_rlar(r.perms, Address(r.hi - 1));
        }
        out.used = uint8_t(m_run_count);
        MpuPlanResult ok;
        ok.regions_used = out.used;
        return ok;
    }

    // ---- PMSAv7 -----------------------------------------------------------------------------

    MpuPlanResult plan_v7(MpuImage& out) {
        const uint32_t budget = m_cfg.region_budget;
        if (m_run_count > budget)
            return fail(RtStatus::QuotaExceeded, MpuPlanResult::NO_REQUEST);
        // Per-run curves.
        for (uint32_t i = 0; i < m_run_count; ++i) {
            const uint32_t* w = solve_run(i);
            for (uint32_t n = 0; n <= budget; ++n)
                m_run_curve[i][n] = w[n];
        }
        // Knapsack: row[b] = least waste of runs 0..i-1 using at most b regions.
        uint64_t row[CURVE];
        uint64_t next[CURVE];
        const uint64_t BIG = ~uint64_t(0);
        for (uint32_t b = 0; b <= budget; ++b)
            row[b] = 0;
        for (uint32_t i = 0; i < m_run_count; ++i) {
            for (uint32_t b = 0; b <= budget; ++b) {
                next[b] = BIG;
                m_take[i][b] = 0;
                for (uint32_t n = 0; n <= b; ++n) {
                    m_meter.add();
                    const uint32_t w = m_run_curve[i][n];
                    if (w == INF || row[b - n] == BIG)
                        continue;
                    const uint64_t c = row[b - n] + w;
                    if (c < next[b]) {
                        next[b] = c;
                        m_take[i][b] = uint8_t(n);
                    }
                }
            }
            for (uint32_t b = 0; b <= budget; ++b)
                row[b] = next[b];
        }
        if (row[budget] == BIG)
            return fail(RtStatus::QuotaExceeded, MpuPlanResult::NO_REQUEST);
        if (m_cfg.exact_only && row[budget] != 0)
            return fail(RtStatus::QuotaExceeded, MpuPlanResult::NO_REQUEST);
        // Trace back each run's share, then rebuild that run's tables and emit its regions.
        uint32_t share[MAX_REQUESTS] = {};
        uint32_t b = budget;
        for (uint32_t i = m_run_count; i-- > 0;) {
            share[i] = m_take[i][b];
            b -= share[i];
        }
        m_emitted = 0;
        m_run_first_emitted = 0;
        for (uint32_t i = 0; i < m_run_count; ++i) {
            uint32_t n = share[i];
            while (n > 0 && m_run_curve[i][n - 1] == m_run_curve[i][n])
                --n; // fewest regions
            solve_run(i);
            emit_block(m_root_log2, m_root_base, n);
            for (uint32_t e = m_run_first_emitted; e < m_emitted; ++e) {
                m_meter.add();
                const Emitted& x = m_emit[e];
                const uint32_t number = uint32_t(m_cfg.first_region) + e;
                out.region[e].rbar =
                    Address(x.base) | MpuReg::RBAR_VALID | (number & MpuReg::RBAR_REGION_MASK);
                out.region[e].rasr_or_rlar = mpu_v7_rasr(m_runs[i].perms, x.log2, x.srd);
            }
            m_run_first_emitted = m_emitted;
        }
        EMSIM_RT_ASSERT(m_emitted <= budget);
        out.used = uint8_t(m_emitted);
        MpuPlanResult ok;
        ok.regions_used = out.used;
        ok.planned_waste_bytes = row[budget];
        return ok;
    }

    // Sets up the DP for run `i` and returns its curve (valid until the next solve_run()).
    const uint32_t* solve_run(uint32_t i) {
        m_cur = i;
        m_s = m_runs[i].lo;
        m_e = m_runs[i].hi;
        m_n_max = m_cfg.region_budget;
        for (uint32_t k = 0; k < LEVELS; ++k)
            m_done[k][0] = m_done[k][1] = false;
        // Root: the smallest aligned block holding [s, e).
        uint32_t k = LEVEL_MIN;
        while (k < MpuReg::MAX_LOG2 && (m_s >> k) != ((m_e - 1) >> k))
            ++k;
        m_root_log2 = k;
        m_root_base = (m_s >> k) << k;
        return curve(k, m_root_base);
    }

    // Covering [x, y) beyond the target: false if that touches a run with different
    // permissions; else adds the bytes of it that no other run asked for (bytes of a run with
    // the same permissions are not waste: they get the rights they asked for).
    bool spill(uint64_t x, uint64_t y, uint64_t& waste) {
        if (x >= y)
            return true;
        uint64_t outside = y - x;
        for (uint32_t j = 0; j < m_run_count; ++j) {
            m_meter.add();
            if (j == m_cur || x >= m_runs[j].hi || m_runs[j].lo >= y)
                continue;
            if (m_runs[j].perms != m_runs[m_cur].perms)
                return false;
            const uint64_t a = x > m_runs[j].lo ? x : m_runs[j].lo;
            const uint64_t b = y < m_runs[j].hi ? y : m_runs[j].hi;
            outside -= b - a; // runs are disjoint, so this never underflows
        }
        waste += outside;
        return true;
    }

    // Enabling [S, S + len) wholly for the target part [lo, hi): adds its waste, or false if the
    // spill would land on another run of different permissions.
    bool enable_cost(uint64_t S, uint64_t len, uint64_t lo, uint64_t hi, uint64_t& waste) {
        const uint64_t a = lo > S ? lo : S;
        const uint64_t b = hi < S + len ? hi : S + len;
        return spill(S, a, waste) && spill(b, S + len, waste);
    }

    enum class Kind : uint8_t { Empty, Full, Partial };
    Kind kind(uint32_t k, uint64_t b) const {
        const uint64_t end = b + (uint64_t(1) << k);
        if (m_e <= b || m_s >= end)
            return Kind::Empty;
        if (m_s <= b && m_e >= end)
            return Kind::Full;
        return Kind::Partial;
    }
    uint32_t side(uint32_t k, uint64_t b) const { return ((m_s >> k) << k) == b ? 0u : 1u; }

    const uint32_t* curve(uint32_t k, uint64_t b) {
        switch (kind(k, b)) {
        case Kind::Empty:
            return ZERO_CURVE;
        case Kind::Full:
            return ONE_CURVE;
        case Kind::Partial:
            break;
        }
        const uint32_t s = side(k, b);
        if (!m_done[k - LEVEL_MIN][s])
            compute(k, b, s);
        return m_curve[k - LEVEL_MIN][s];
    }

    // out[n] = min over a of A[a] + B[n - a] (+ add), split[n] = the best a. B may be null (one
    // child) and A may be null (no child).
    void convolve(const uint32_t* A, const uint32_t* B, uint64_t add, uint32_t* out,
                  uint8_t* split) {
        for (uint32_t n = 0; n <= m_n_max; ++n) {
            uint64_t best = INF;
            uint8_t arg = 0;
            if (A == nullptr) {
                best = add;
            } else if (B == nullptr) {
                if (A[n] != INF)
                    best = uint64_t(A[n]) + add;
                arg = uint8_t(n);
            } else {
                for (uint32_t a = 0; a <= n; ++a) {
                    m_meter.add();
                    if (A[a] == INF || B[n - a] == INF)
                        continue;
                    const uint64_t c = uint64_t(A[a]) + B[n - a] + add;
                    if (c < best) {
                        best = c;
                        arg = uint8_t(a);
                    }
                }
            }
            out[n] = best >= INF ? INF : uint32_t(best);
            split[n] = arg;
        }
    }

    struct Subregions {
        uint64_t sub;        // subregion bytes
        uint32_t i_lo, i_hi; // subregions holding the first / last target byte
        bool part_lo, part_hi;
    };
    Subregions subregions(uint32_t k, uint64_t b) const {
        Subregions g{};
        const uint64_t end = b + (uint64_t(1) << k);
        const uint64_t lo = m_s > b ? m_s : b;
        const uint64_t hi = m_e < end ? m_e : end;
        const uint32_t sl = k - 3;
        g.sub = uint64_t(1) << sl;
        g.i_lo = uint32_t((lo - b) >> sl);
        g.i_hi = uint32_t((hi - 1 - b) >> sl);
        const uint64_t lo_start = b + g.i_lo * g.sub;
        const uint64_t hi_end = b + (g.i_hi + 1) * g.sub;
        g.part_lo = lo > lo_start || (g.i_lo == g.i_hi && hi < hi_end);
        g.part_hi = g.i_hi != g.i_lo && hi < hi_end;
        return g;
    }

    void compute(uint32_t k, uint64_t b, uint32_t s) {
        uint32_t* w = m_curve[k - LEVEL_MIN][s];
        uint16_t* ch = m_choice[k - LEVEL_MIN][s];
        for (uint32_t n = 0; n < CURVE; ++n) {
            w[n] = INF;
            ch[n] = 0;
        }
        const uint64_t size = uint64_t(1) << k;
        const uint64_t end = b + size;
        const uint64_t lo = m_s > b ? m_s : b;
        const uint64_t hi = m_e < end ? m_e : end;
        uint32_t tmp[CURVE];
        uint8_t split[CURVE];
        // a) one region here. Below 256 B: the 256 B region around the block, enabling just the
        // target's granules (its subregions are 32 B), is exact and spills nowhere.
        if (k < MpuReg::MIN_SRD_LOG2) {
            for (uint32_t n = 1; n <= m_n_max; ++n) {
                w[n] = 0;
                ch[n] = CH_REGION;
            }
        } else {
            const Subregions g = subregions(k, b);
            const uint32_t full =
                g.i_hi - g.i_lo + 1 - (g.part_lo ? 1u : 0u) - (g.part_hi ? 1u : 0u);
            for (uint32_t mask = 0; mask < 4; ++mask) {
                const bool en_lo = (mask & 1u) != 0;
                const bool en_hi = (mask & 2u) != 0;
                if ((en_lo && !g.part_lo) || (en_hi && !g.part_hi))
                    continue;
                if (full + (en_lo ? 1u : 0u) + (en_hi ? 1u : 0u) == 0)
                    continue; // SRD = 0xFF
                uint64_t waste = 0;
                const uint32_t* child[2] = {nullptr, nullptr};
                uint32_t nc = 0;
                bool ok = true;
                if (g.part_lo) {
                    const uint64_t S = b + g.i_lo * g.sub;
                    if (en_lo)
                        ok = enable_cost(S, g.sub, lo, hi, waste);
                    else
                        child[nc++] = curve(k - 3, S);
                }
                if (ok && g.part_hi) {
                    const uint64_t S = b + g.i_hi * g.sub;
                    if (en_hi)
                        ok = enable_cost(S, g.sub, lo, hi, waste);
                    else
                        child[nc++] = curve(k - 3, S);
                }
                if (!ok)
                    continue;
                convolve(child[0], child[1], waste, tmp, split);
                for (uint32_t n = 1; n <= m_n_max; ++n) {
                    if (tmp[n - 1] < w[n]) {
                        w[n] = tmp[n - 1];
                        ch[n] = uint16_t(CH_REGION | (en_lo ? CH_EN_LO : 0u) |
                                         (en_hi ? CH_EN_HI : 0u) | split[n - 1]);
                    }
                }
            }
        }
        // b) no region here: the two halves.
        if (k - 1 >= LEVEL_MIN) {
            const uint64_t half = size >> 1;
            convolve(curve(k - 1, b), curve(k - 1, b + half), 0, tmp, split);
            for (uint32_t n = 0; n <= m_n_max; ++n) {
                if (tmp[n] < w[n]) {
                    w[n] = tmp[n];
                    ch[n] = uint16_t(split[n]);
                }
            }
        }
        m_done[k - LEVEL_MIN][s] = true;
    }

    void push(uint64_t base, uint32_t log2, uint32_t srd) {
        m_meter.add();
        EMSIM_RT_ASSERT(m_emitted < MAX_REGIONS);
        if (m_emitted < MAX_REGIONS)
            m_emit[m_emitted++] = Emitted{base, log2, srd};
    }

    // Emits the regions of the best cover of block (k, b) with at most n regions.
    void emit_block(uint32_t k, uint64_t b, uint32_t n) {
        const Kind kd = kind(k, b);
        if (kd == Kind::Empty)
            return;
        if (kd == Kind::Full) {
            EMSIM_RT_ASSERT(n >= 1);
            push(b, k, 0);
            return;
        }
        const uint32_t sd = side(k, b);
        const uint32_t* w = curve(k, b);
        while (n > 0 && w[n - 1] == w[n])
            --n;
        EMSIM_RT_ASSERT(w[n] != INF);
        const uint16_t c = m_choice[k - LEVEL_MIN][sd][n];
        const uint32_t first = c & CH_SPLIT_MASK;
        if ((c & CH_REGION) == 0) {
            const uint64_t half = uint64_t(1) << (k - 1);
            emit_block(k - 1, b, first);
            emit_block(k - 1, b + half, n - first);
            return;
        }
        if (k < MpuReg::MIN_SRD_LOG2) {
            const uint64_t base = b & ~uint64_t(0xFF);
            const uint64_t end = b + (uint64_t(1) << k);
            const uint64_t lo = m_s > b ? m_s : b;
            const uint64_t hi = m_e < end ? m_e : end;
            uint32_t enabled = 0;
            for (uint64_t g = lo; g < hi; g += MpuReg::GRANULE_BYTES)
                enabled |= 1u << uint32_t((g - base) >> MpuReg::GRANULE_LOG2);
            push(base, MpuReg::MIN_SRD_LOG2, ~enabled & 0xFFu);
            return;
        }
        const Subregions g = subregions(k, b);
        const bool en_lo = (c & CH_EN_LO) != 0;
        const bool en_hi = (c & CH_EN_HI) != 0;
        uint32_t enabled = 0;
        for (uint32_t i = g.i_lo; i <= g.i_hi; ++i)
            enabled |= 1u << i;
        if (g.part_lo && !en_lo)
            enabled &= ~(1u << g.i_lo);
        if (g.part_hi && !en_hi)
            enabled &= ~(1u << g.i_hi);
        push(b, k, ~enabled & 0xFFu);
        uint64_t kids[2];
        uint32_t nc = 0;
        if (g.part_lo && !en_lo)
            kids[nc++] = b + g.i_lo * g.sub;
        if (g.part_hi && !en_hi)
            kids[nc++] = b + g.i_hi * g.sub;
        if (nc >= 1)
            emit_block(k - 3, kids[0], first);
        if (nc == 2)
            emit_block(k - 3, kids[1], n - 1 - first);
    }

    static constexpr uint32_t ZERO_CURVE[CURVE] = {};
    static constexpr uint32_t ONE_CURVE[CURVE] = {INF, 0, 0, 0, 0, 0, 0, 0, 0,
                                                  0,   0, 0, 0, 0, 0, 0, 0};

    MpuConfig m_cfg;
    StepMeter m_meter;
    Run m_runs[MAX_REQUESTS] = {};
    uint32_t m_run_count = 0;
    // Current run's DP.
    uint32_t m_cur = 0;
    uint64_t m_s = 0, m_e = 0;
    uint32_t m_n_max = 0;
    uint32_t m_root_log2 = 0;
    uint64_t m_root_base = 0;
    bool m_done[LEVELS][2] = {};
    uint32_t m_curve[LEVELS][2][CURVE] = {};
    uint16_t m_choice[LEVELS][2][CURVE] = {};
    // Across runs.
    uint32_t m_run_curve[MAX_REQUESTS][CURVE] = {};
    uint8_t m_take[MAX_REQUESTS][CURVE] = {};
    Emitted m_emit[MAX_REGIONS] = {};
    uint32_t m_emitted = 0;
    uint32_t m_run_first_emitted = 0;
};

inline uint64_t plan_waste(const MpuImage& image, const MpuRequest* requests, uint32_t count) {
    // Intervals as [lo, last] (inclusive, so 2^32 - 1 fits in 32 bits).
    struct Span {
        uint32_t lo;
        uint32_t last;
    };
    constexpr uint32_t MAX_COVER = MpuImage::MAX_REGIONS * 4; // <= 4 enabled runs of 8 bits
    Span cover[MAX_COVER];
    uint32_t nc = 0;
    const uint32_t used = image.used <= MpuImage::MAX_REGIONS ? image.used : MpuImage::MAX_REGIONS;
    for (uint32_t j = 0; j < used; ++j) {
        const MpuRegionWords& r = image.region[j];
        if (image.arch == MpuArch::Pmsav8) {
            if ((r.rasr_or_rlar & MpuReg::V8_RLAR_EN) == 0)
                continue;
            const uint32_t lo = r.rbar & ~0x1Fu;
            const uint32_t last = r.rasr_or_rlar | 0x1Fu;
            if (last >= lo && nc < MAX_COVER)
                cover[nc++] = Span{lo, last};
            continue;
        }
        if ((r.rasr_or_rlar & MpuReg::RASR_ENABLE) == 0)
            continue;
        const uint32_t log2 = ((r.rasr_or_rlar >> MpuReg::RASR_SIZE_SHIFT) & 0x1Fu) + 1;
        const uint64_t size = uint64_t(1) << log2;
        const uint64_t base = r.rbar & ~(size - 1) & 0xFFFFFFE0u;
        const uint32_t srd =
            log2 >= MpuReg::MIN_SRD_LOG2 ? (r.rasr_or_rlar >> MpuReg::RASR_SRD_SHIFT) & 0xFFu : 0u;
        const uint64_t sub = size >> 3;
        for (uint32_t i = 0; i < 8;) {
            if (srd & (1u << i)) {
                ++i;
                continue;
            }
            uint32_t e = i;
            while (e < 8 && (srd & (1u << e)) == 0)
                ++e;
            const uint64_t lo = srd ? base + i * sub : base;
            const uint64_t hi = srd ? base + e * sub : base + size;
            if (nc < MAX_COVER)
                cover[nc++] = Span{uint32_t(lo), uint32_t(hi - 1)};
            i = e;
        }
    }
    // Insertion sort by start, then merge.
    auto sort_merge = [](Span* s, uint32_t n) -> uint32_t {
        for (uint32_t i = 1; i < n; ++i) {
            const Span x = s[i];
            uint32_t j = i;
            while (j > 0 && s[j - 1].lo > x.lo) {
                s[j] = s[j - 1];
                --j;
            }
            s[j] = x;
        }
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; ++i) {
            if (m > 0 && (s[m - 1].last == 0xFFFFFFFFu || s[i].lo <= s[m - 1].last + 1)) {
                if (s[i].last > s[m - 1].last)
                    s[m - 1].last = s[i].last;
            } else {
                s[m++] = s[i];
            }
        }
        return m;
    };
    Span want[MpuPlanner::MAX_REQUESTS];
    uint32_t nw = 0;
    for (uint32_t i = 0; i < count && nw < MpuPlanner::MAX_REQUESTS; ++i) {
        if (requests[i].size_bytes == 0)
            continue;
        want[nw++] =
            Span{requests[i].start, uint32_t(requests[i].start + requests[i].size_bytes - 1)};
    }
    nc = sort_merge(cover, nc);
    nw = sort_merge(want, nw);
    uint64_t waste = 0;
    for (uint32_t i = 0; i < nc; ++i) {
        uint64_t len = uint64_t(cover[i].last) - cover[i].lo + 1;
        for (uint32_t j = 0; j < nw; ++j) {
            const uint32_t a = cover[i].lo > want[j].lo ? cover[i].lo : want[j].lo;
            const uint32_t z = cover[i].last < want[j].last ? cover[i].last : want[j].last;
            if (a <= z)
                len -= uint64_t(z) - a + 1;
        }
        waste += len;
    }
    return waste;
}

} // namespace emsim::rt
