#pragma once
// Power-aware memory manager (issue 6, the seed's PowerAwareMemoryManager): bank-aware placement
// over one TLSF heap per bank, and the gating plan that turns empty banks Off and idle banks with
// live data to Retention. Owns the bank/region description, the per-bank heaps (objects only: the
// heap metadata lives in the bank it manages), the cached power state of each region, the
// placement rule, the gating planner and their statistics. Does not own the power controller (it
// drives one through the `Power` policy below), the memory (reached only through `Mem`), the
// choice of when to optimize (the host or the application calls optimize_for_power()), the cycle
// cost of a step, or locking (not thread- or ISR-safe: wrap it).
//
// Power states are numbered as the simulator's PowerState (models/power_state.h) and the power
// controller's CTRL.REQ / STATUS.STATE codes: 0 Active, 1 Standby, 2 Retention, 3 Off. A larger
// number is a deeper state. Active and Standby serve accesses (Standby after a wake penalty),
// Retention keeps contents but refuses access, Off loses contents.
//
// The power-control policy `Power` (what the manager drives)
// ----------------------------------------------------------
//     PowerRefusal      request(uint32_t region, PowerState state);  // one CTRL write (+ readback)
//     PowerRegionStatus state(uint32_t region);                      // one STATUS read
// request() asks region `region` to move to `state` and says whether the controller refused it
// (the STATUS.ERR codes: always-on, no retention, busy). state() reads where the region is and
// whether it is still in a transition. In the simulator the policy is MmioPowerControl<Mem>: a
// store to CTRL[i] at base + 8*i and loads of STATUS[i] at base + 8*i + 4 (the register map of
// models/power_controller.h), so every request, readback and poll is a simulated bus access whose
// cycles the simulation charges. On a real part a policy writes the vendor's registers (nRF52
// POWER.RAM[n].POWER, STM32 PWR_CR3.RRS).
//
// Why one heap per bank (and why an Off bank has no heap)
// ------------------------------------------------------
// A TLSF heap keeps its control structure and block headers in the memory it manages. Spanning
// several banks with one heap would leave free-list nodes and headers in every bank, so no bank
// could ever be cut. With one TlsfHeap per bank, an empty bank holds nothing the others need: it
// can be switched Off, and its heap *object* is dropped with it. The next allocation that lands
// there wakes the bank and formats a fresh heap in it (add_region: O(control bytes)), which is
// also what makes Off's garbage harmless. A bank is "formatted" while it has a heap object; the
// manager never requests Off for a region with a formatted bank holding live data, and drops the
// heaps of the banks of a region the moment Off is accepted.
//
//   bank 0            bank 1            bank 2            bank 3
//   [ctl|L L L L  ..] [ctl|L L  ......] [  (no heap)    ] [ctl|..... S S S]
//    long-lived ->     long-lived ->      Off               <- short-lived
//
// Placement (allocate(size, lifetime))
// ------------------------------------
// PowerPolicy::None: first fit across banks in address order (bank 0, 1, ...): the baseline.
// Pack and PackRetention rank the banks by what using them costs, then by position:
//   class 0: the region is Active                        (no wake, no extra bank powered)
//   class 1: not Active but the bank holds live data     (a wake, but the bank is pinned anyway)
//   class 2: not Active and empty                        (a wake, and one more bank powered)
// Long-lived requests scan classes 0 and 1 together in ascending bank order, then class 2 in
// ascending order: long-lived data pins a bank for its lifetime, so it always goes to the lowest
// bank that is pinned or powered anyway, and a wake from Retention is paid once for that. Short-
// lived requests scan class 0, then 1, then 2, each in descending order: they go to the highest
// Active bank with room (no wake: the common, latency-sensitive path), and so fill the banks from
// the other end. The two ends keep short-lived blocks out of the long-lived banks wherever more
// than one bank is powered, so when a burst of short-lived data is freed its bank(s) empty as a
// whole and can be gated, instead of leaving holes among long-lived data that keep two
// half-used banks on. With one bank powered both share it (a wake would cost more than a mix).
// A bank is tried only if its free bytes (a host-side counter, no memory access) can hold the
// rounded block; a non-Active bank is woken before its heap is touched, and if the heap still
// refuses (fragmentation) the scan goes on (the woken bank stays Active until the next plan).
//
// Gating plan (plan_for_power / optimize_for_power(wake_budget_cycles))
// --------------------------------------------------------------------
// Per region, under Pack and PackRetention:
//   every bank empty and not always-on                                 -> Off
//   PackRetention, every bank retention-capable, and the region's wake
//   latency from Retention (max over its banks) <= wake_budget_cycles   -> Retention
//   otherwise                                                          -> Active
// (an empty always-on region is treated as a live one: it may go to Retention, never Off). Under
// None every region is planned Active (the baseline gates nothing).
// adjust_for_power_state(target) moves every region to the deepest state <= target that is safe
// for its contents: Off only if empty and not always-on; else Retention if <= target and the
// region is retention-capable; else Standby if <= target; else Active. It ignores the budget and
// the policy (it is an explicit system-level request, e.g. before a sleep).
//
// Requests and waits: a request refused as Busy (a transition still running) is retried once
// after polling STATUS until not busy. After a request to a state that serves accesses (Active,
// Standby) the manager polls STATUS until the region is there and not busy, because an access
// during a transition is a bus fault. Requests to deeper states are not waited for. Every poll is
// bounded by PowerManagerParams::max_status_polls (TimeConstraintViolation beyond it).
//
// The manager assumes it is the only writer of its regions' CTRL registers and caches their
// states; call sync_states() after anything else changed them.

#include <stdint.h>

#include "runtime/placement_new.h"

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"
#include "runtime/tlsf_heap.h"


namespace emsim::rt {

/// Same numbering as emsim::PowerState and the controller's REQ/STATE codes. Larger = deeper.
enum class PowerState : uint8_t { Active = 0, Standby = 1, Retention = 2, Off = 3 };
constexpr uint32_t POWER_STATE_COUNT = 4;

constexpr const char* to_string(PowerState state) {
    switch (state) {
    case PowerState::Active:
        return "active";
    case PowerState::Standby:
        return "standby";
    case PowerState::Retention:
        return "retention";
    case PowerState::Off:
        return "off";
    }
    return "unknown";
}

/// Whether a region in `state` serves accesses (Standby after its wake penalty).
constexpr bool power_serves_access(PowerState state) {
    return state == PowerState::Active || state == PowerState::Standby;
}

/// Outcome of a request: the controller's STATUS.ERR codes (models/power_controller.h).
enum class PowerRefusal : uint8_t {
    None = 0,        ///< accepted
    AlwaysOn = 1,    ///< Off requested for an always-on region
    NoRetention = 2, ///< Retention requested for a region that cannot retain
    Busy = 3,        ///< a transition of the region is still in progress
};

/// What one STATUS read says.
struct PowerRegionStatus {
    PowerState state = PowerState::Active;   ///< while busy: the state being left
    bool busy = false;                       ///< a bank of the region is in a transition
    PowerRefusal error = PowerRefusal::None; ///< outcome of the last request (sticky)
};

/// The controller's register map (models/power_controller.h; that header is SystemC, so the
/// runtime repeats the few numbers it needs, and test_power_manager.cpp pins them).
struct PowerControllerReg {
    static constexpr uint32_t REGION_STRIDE = 8; ///< CTRL[i] at 8*i, STATUS[i] at 8*i + 4
    static constexpr uint32_t CTRL = 0x0;
    static constexpr uint32_t STATUS = 0x4;
    static constexpr uint32_t CTRL_REQ_MASK = 0x3u;     ///< REQ[1:0]
    static constexpr uint32_t STATUS_STATE_MASK = 0x3u; ///< STATE[1:0]
    static constexpr uint32_t STATUS_BUSY = 1u << 4;
    static constexpr uint32_t STATUS_ERR_SHIFT = 8; ///< ERR[9:8]
    static constexpr uint32_t STATUS_ERR_MASK = 0x3u << STATUS_ERR_SHIFT;
    static constexpr uint32_t MAX_REGIONS = 32; ///< CTRL/STATUS pairs fill 0x000..0x0FF
};

/// The power-control policy over the controller's registers, through a memory-access policy.
/// request(): one store32 to CTRL[region] (REQ = state code) and one load32 of STATUS[region] to
/// read ERR back. state(): one load32 of STATUS[region]. `region` < PowerControllerReg::
/// MAX_REGIONS (the caller's layout guarantees it; asserted).
template <class Mem> class MmioPowerControl {
public:
    MmioPowerControl(Mem& mem, Address base) : m_mem(mem), m_base(base) {}

    PowerRefusal request(uint32_t region, PowerState state) {
        EMSIM_RT_ASSERT(region < PowerControllerReg::MAX_REGIONS);
        m_mem.store32(ctrl_address(region),
                      static_cast<uint32_t>(state) & PowerControllerReg::CTRL_REQ_MASK);
        const uint32_t status = m_mem.load32(status_address(region));
        return static_cast<PowerRefusal>((status & PowerControllerReg::STATUS_ERR_MASK) >>
                                         PowerControllerReg::STATUS_ERR_SHIFT);
    }

    PowerRegionStatus state(uint32_t region) {
        EMSIM_RT_ASSERT(region < PowerControllerReg::MAX_REGIONS);
        const uint32_t status = m_mem.load32(status_address(region));
        PowerRegionStatus s;
        s.state = static_cast<PowerState>(status & PowerControllerReg::STATUS_STATE_MASK);
        s.busy = (status & PowerControllerReg::STATUS_BUSY) != 0;
        s.error = static_cast<PowerRefusal>((status & PowerControllerReg::STATUS_ERR_MASK) >>
                                            PowerControllerReg::STATUS_ERR_SHIFT);
        return s;
    }

    Address ctrl_address(uint32_t region) const {
        return m_base + PowerControllerReg::REGION_STRIDE * region + PowerControllerReg::CTRL;
    }
    Address status_address(uint32_t region) const {
        return m_base + PowerControllerReg::REGION_STRIDE * region + PowerControllerReg::STATUS;
    }

private:
    Mem& m_mem;
    Address m_base;
};

/// One bank: a contiguous range switched with its power region.
struct PowerBankDesc {
    Address base = 0;
    uint32_t size_bytes = 0;
    uint32_t region = 0;                   ///< index into PowerLayout::regions
    bool retention_capable = true;         ///< keeps contents at retention voltage
    uint32_t wake_from_standby_cycles = 0; ///< to Active, in the memory clock
    uint32_t wake_from_retention_cycles = 0;
    uint32_t wake_from_off_cycles = 0;
};

/// One power region (one CTRL/STATUS pair): the banks that name it switch together.
struct PowerRegionDesc {
    bool always_on = false; ///< never requested Off (the controller would refuse)
};

/// The memory as the manager sees it. Banks are listed in ascending address order, do not
/// overlap, and every region has at least one bank.
struct PowerLayout {
    static constexpr uint32_t MAX_BANKS = EMSIM_RT_POWER_MAX_BANKS;
    static constexpr uint32_t MAX_REGIONS = EMSIM_RT_POWER_MAX_REGIONS;
    PowerBankDesc banks[MAX_BANKS]{};
    uint32_t bank_count = 0;
    PowerRegionDesc regions[MAX_REGIONS]{};
    uint32_t region_count = 0;
};
static_assert(PowerLayout::MAX_REGIONS <= PowerControllerReg::MAX_REGIONS,
              "the controller has at most 32 CTRL/STATUS pairs");
static_assert(PowerLayout::MAX_BANKS <= 255 && PowerLayout::MAX_BANKS >= 1, "bank index fits");

enum class PowerPolicy : uint8_t {
    None = 0,      ///< first fit across banks in address order, gates nothing
    Pack,          ///< bank-aware placement; empty banks Off
    PackRetention, ///< Pack, and banks with live data to Retention within the wake budget
};

constexpr const char* to_string(PowerPolicy policy) {
    switch (policy) {
    case PowerPolicy::None:
        return "none";
    case PowerPolicy::Pack:
        return "pack";
    case PowerPolicy::PackRetention:
        return "pack_retention";
    }
    return "unknown";
}

/// The caller's guess of how long a block lives; steers placement under Pack/PackRetention.
enum class Lifetime : uint8_t {
    Short, ///< freed within the current burst (messages, scratch buffers)
    Long,  ///< lives across sleeps (tables, connection state)
};

struct PowerManagerParams {
    PowerPolicy policy = PowerPolicy::PackRetention;
    TlsfParams heap{}; ///< every bank's heap; max_regions 1 suffices (one region per heap)
    /// STATUS polls allowed while waiting for one region (not busy, or arrived); beyond it the
    /// operation fails with TimeConstraintViolation. Each poll is one register read.
    uint32_t max_status_polls = 100000;
};

/// Wake and request figures of one operation, so a host can charge them.
struct PowerOpCost {
    uint32_t wakes = 0;       ///< accepted requests that brought a region to Active
    uint32_t wake_cycles = 0; ///< sum of the woken regions' configured latencies
    uint32_t requests = 0;    ///< CTRL writes issued (accepted or refused)
    uint32_t polls = 0;       ///< STATUS reads spent waiting
    uint32_t formats = 0;     ///< heaps built in freshly woken (or never used) banks
};

/// Result of allocate(), free() and prepare_access().
struct PowerOpResult {
    RtStatus status = RtStatus::Ok;
    Address address = 0; ///< allocate(): the payload (0 on error); else the argument
    uint32_t bank = 0;   ///< bank that served it (valid iff status == Ok)
    PowerState woke_from = PowerState::Active; ///< state of `bank` before the operation
    PowerOpCost cost{};
    constexpr bool ok() const { return status == RtStatus::Ok; }
};

/// A gating plan, and what applying it did.
struct PowerPlan {
    PowerState target[PowerLayout::MAX_REGIONS]{}; ///< per region; [region_count..] unused
    uint32_t region_count = 0;
    uint32_t regions_off = 0;       ///< regions planned Off
    uint32_t regions_retention = 0; ///< planned Retention
    uint32_t regions_standby = 0;   ///< planned Standby
    uint32_t regions_active = 0;    ///< planned Active
    uint32_t refused = 0;           ///< requests the controller refused (state kept)
    RtStatus status = RtStatus::Ok; ///< first failure while applying (Ok if none)
    PowerOpCost cost{};             ///< requests, polls and wakes of applying the plan
};

/// Counters; never decrease (except live figures, which are per bank queries).
struct PowerManagerStats {
    uint32_t requests = 0;       ///< CTRL writes issued
    uint32_t refusals = 0;       ///< of which refused (Busy retries included)
    uint32_t gating_actions = 0; ///< accepted requests to a deeper state than the cached one
    uint32_t wakes = 0;          ///< accepted requests to a shallower state
    uint32_t alloc_wakes = 0;    ///< wakes caused by allocate()
    uint32_t free_wakes = 0;     ///< wakes caused by free() / prepare_access()
    uint32_t status_polls = 0;   ///< STATUS reads spent waiting
    uint32_t formats = 0;        ///< heaps built
    uint32_t heaps_dropped = 0;  ///< heaps dropped because their (empty) region went Off
    uint32_t contents_lost = 0;  ///< heaps with live data found Off by sync_states()
    uint32_t oom_count = 0;      ///< allocate() refused with NoMemory
    uint32_t bad_pointer_count = 0;
};

/// One bank as the manager sees it (O(1), no memory access).
struct PowerBankInfo {
    PowerState state = PowerState::Active; ///< its region's cached state
    bool formatted = false;                ///< has a heap object (its metadata is in the bank)
    uint32_t live_bytes = 0;               ///< block bytes in use, headers included
    uint32_t live_allocations = 0;
    uint32_t free_bytes = 0; ///< formatted: the heap's free bytes; else what a fresh heap gets
};

template <class Mem, class Power> class PowerAwareHeap {
public:
    using Heap = TlsfHeap<Mem>;
    static constexpr uint32_t MAX_BANKS = PowerLayout::MAX_BANKS;
    static constexpr uint32_t MAX_REGIONS = PowerLayout::MAX_REGIONS;

    /// Keeps references to `mem` and `power` and copies the layout and parameters; touches
    /// nothing until init().
    PowerAwareHeap(Mem& mem, Power& power, const PowerLayout& layout,
                   const PowerManagerParams& params = PowerManagerParams{})
        : m_mem(mem), m_power(power), m_layout(layout), m_params(params),
          m_proto(mem, params.heap) {}

    PowerAwareHeap(const PowerAwareHeap&) = delete;
    PowerAwareHeap& operator=(const PowerAwareHeap&) = delete;

    /// Validates the layout and reads every region's state (one STATUS read each). Returns
    /// Unsupported for invalid TLSF parameters, more banks or regions than the capacities, zero
    /// banks or regions, or max_status_polls == 0; InvalidRegion for a bank that is not in
    /// ascending address order, overlaps its predecessor, wraps past 2^32, names a region out
    /// of range, or is too small for a heap (control structure + one minimum block + sentinel),
    /// or for a region with no bank. No heap is built (banks are formatted on first use), so no
    /// bank memory is touched. O(banks + regions). Call once.
    RtStatus init() {
        m_meter.begin();
        m_ready = false;
        if (m_proto.sl_count() == 0 || m_params.max_status_polls == 0)
            return RtStatus::Unsupported;
        if (m_layout.bank_count == 0 || m_layout.bank_count > MAX_BANKS ||
            m_layout.region_count == 0 || m_layout.region_count > MAX_REGIONS)
            return RtStatus::Unsupported;
        bool region_used[MAX_REGIONS]{};
        for (uint32_t b = 0; b < m_layout.bank_count; ++b) {
            m_meter.add();
            const PowerBankDesc& d = m_layout.banks[b];
            if (d.region >= m_layout.region_count)
                return RtStatus::InvalidRegion;
            if (uint64_t(d.base) + d.size_bytes > (uint64_t(1) << 32))
                return RtStatus::InvalidRegion;
            if (b > 0) {
                const PowerBankDesc& p = m_layout.banks[b - 1];
                if (d.base < p.base + p.size_bytes)
                    return RtStatus::InvalidRegion;
            }
            if (fresh_capacity_bytes(b) < m_params.heap.min_block_bytes)
                return RtStatus::InvalidRegion;
            region_used[d.region] = true;
        }
        for (uint32_t r = 0; r < m_layout.region_count; ++r) {
            m_meter.add();
            if (!region_used[r])
                return RtStatus::InvalidRegion;
            m_region_retention[r] = true;
            m_region_wake_retention_cycles[r] = 0;
            m_region_wake_standby_cycles[r] = 0;
            m_region_wake_off_cycles[r] = 0;
        }
        for (uint32_t b = 0; b < m_layout.bank_count; ++b) {
            const PowerBankDesc& d = m_layout.banks[b];
            const uint32_t r = d.region;
            m_region_retention[r] = m_region_retention[r] && d.retention_capable;
            m_region_wake_standby_cycles[r] =
                max_u32(m_region_wake_standby_cycles[r], d.wake_from_standby_cycles);
            m_region_wake_retention_cycles[r] =
                max_u32(m_region_wake_retention_cycles[r], d.wake_from_retention_cycles);
            m_region_wake_off_cycles[r] =
                max_u32(m_region_wake_off_cycles[r], d.wake_from_off_cycles);
        }
        for (uint32_t r = 0; r < m_layout.region_count; ++r)
            m_region_state[r] = m_power.state(r).state;
        m_ready = true;
        return RtStatus::Ok;
    }

    // ---------------------------------------------------------------------------------------
    // Allocation

    /// Allocates `size_bytes` (alignment as TlsfHeap::allocate) in the bank the policy's
    /// placement rule picks (see the file comment). A bank whose region is not Active is woken
    /// (request Active, poll until there) before its heap is touched, and a bank without a heap
    /// gets one (formats). The result names the bank, its state before, and the wakes, requests,
    /// polls and formats spent (a scan may wake a bank and then find it too fragmented).
    /// Errors: Unsupported before a successful init(); InvalidSize / InvalidAlignment as TLSF
    /// (nothing touched); NoMemory iff no bank's heap could serve it; TimeConstraintViolation if
    /// a wake needed exceeded max_status_polls and no other bank served it; AccessDenied /
    /// Unsupported if the controller refused the wake of the only bank that could.
    /// O(banks) candidate scan (at most 3 passes), plus O(1) TLSF per bank tried.
    PowerOpResult allocate(uint32_t size_bytes, Lifetime lifetime = Lifetime::Short,
                           uint32_t align_bytes = Heap::ALIGN_BYTES) {
        m_meter.begin();
        PowerOpResult res;
        if (!m_ready) {
            res.status = RtStatus::Unsupported;
            return res;
        }
        if (size_bytes == 0 || size_bytes > m_proto.max_request_bytes()) {
            res.status = RtStatus::InvalidSize;
            return res;
        }
        if ((align_bytes & (align_bytes - 1)) != 0 || align_bytes > Heap::MAX_ALIGN_BYTES) {
            res.status = RtStatus::InvalidAlignment;
            return res;
        }
        const uint32_t need = m_proto.block_bytes_for(size_bytes);
        RtStatus failure = RtStatus::NoMemory;
        const uint32_t n = m_layout.bank_count;
        if (m_params.policy == PowerPolicy::None) {
            for (uint32_t b = 0; b < n; ++b)
                if (try_bank(b, size_bytes, align_bytes, need, res, failure))
                    return res;
        } else if (lifetime == Lifetime::Long) {
            for (uint32_t pass = 0; pass < 2; ++pass)
                for (uint32_t b = 0; b < n; ++b)
                    if ((bank_class(b) == 2) == (pass == 1) &&
                        try_bank(b, size_bytes, align_bytes, need, res, failure))
                        return res;
        } else {
            for (uint32_t cls = 0; cls < 3; ++cls)
                for (uint32_t i = n; i-- > 0;)
                    if (bank_class(i) == cls &&
                        try_bank(i, size_bytes, align_bytes, need, res, failure))
                        return res;
        }
        res.status = failure;
        res.address = 0;
        if (failure == RtStatus::NoMemory)
            ++m_stats.oom_count;
        return res;
    }

    /// Frees the allocation at `addr`. The bank is found by address (O(banks), no memory access);
    /// if its region is not Active it is woken first (reported in the result). free(0) is Ok and
    /// touches nothing. Errors: Unsupported before init(); BadPointer if `addr` is in no bank or
    /// in a bank without a heap (never allocated from, or its contents were lost), else the
    /// heap's BadPointer/DoubleFree; wake failures as allocate(). Does not gate the bank if it
    /// becomes empty: that is optimize_for_power()'s job (gating per free would thrash).
    PowerOpResult free(Address addr) {
        m_meter.begin();
        PowerOpResult res;
        res.address = addr;
        if (m_ready && addr == 0)
            return res;
        if (!reach_bank(addr, /*require_heap=*/true, res))
            return res;
        res.status = heap(res.bank).free(addr);
        m_meter.add(heap(res.bank).last_op_steps());
        if (res.status == RtStatus::BadPointer)
            ++m_stats.bad_pointer_count;
        return res;
    }

    /// Makes the bank holding `addr` accessible (wakes its region if it is not Active) before the
    /// application touches its data there: data in a Retention bank faults until woken. Errors:
    /// Unsupported before init(); BadPointer if `addr` is in no bank; wake failures as
    /// allocate(). O(banks).
    PowerOpResult prepare_access(Address addr) {
        m_meter.begin();
        PowerOpResult res;
        res.address = addr;
        reach_bank(addr, /*require_heap=*/false, res);
        return res;
    }

    // ---------------------------------------------------------------------------------------
    // Gating

    /// The gating plan for the current live data (see the file comment), without applying it.
    /// O(banks + regions), no memory access.
    PowerPlan plan_for_power(uint32_t wake_budget_cycles) const {
        PowerPlan plan;
        plan.region_count = m_ready ? m_layout.region_count : 0;
        for (uint32_t r = 0; r < plan.region_count; ++r) {
            PowerState t = PowerState::Active;
            if (m_params.policy != PowerPolicy::None) {
                if (region_empty(r) && !m_layout.regions[r].always_on)
                    t = PowerState::Off;
                else if (m_params.policy == PowerPolicy::PackRetention && m_region_retention[r] &&
                         m_region_wake_retention_cycles[r] <= wake_budget_cycles)
                    t = PowerState::Retention;
            }
            set_target(plan, r, t);
        }
        return plan;
    }

    /// plan_for_power(wake_budget_cycles), applied through `Power`: one request per region whose
    /// cached state differs from its target (see "Requests and waits"). A refused request keeps
    /// the region's state, counts in `refused`, and its status (AccessDenied for always-on,
    /// Unsupported for no retention, TimeConstraintViolation for a region that stays busy) is the
    /// plan's status if it is the first failure; the other regions are still applied. Heaps of
    /// banks whose region went Off are dropped. Unsupported (nothing done) before init().
    /// O(banks + regions) plus the requests and their polls.
    PowerPlan optimize_for_power(uint32_t wake_budget_cycles) {
        m_meter.begin();
        PowerPlan plan = plan_for_power(wake_budget_cycles);
        if (!m_ready) {
            plan.status = RtStatus::Unsupported;
            return plan;
        }
        apply(plan);
        return plan;
    }

    /// Moves every region to the deepest state <= `target` that is safe for its contents (see
    /// the file comment; never Off with live data or for an always-on region), through `Power`,
    /// as optimize_for_power() applies its plan. Returns the plan applied.
    PowerPlan adjust_for_power_state(PowerState target) {
        m_meter.begin();
        PowerPlan plan;
        if (!m_ready) {
            plan.status = RtStatus::Unsupported;
            return plan;
        }
        plan.region_count = m_layout.region_count;
        for (uint32_t r = 0; r < plan.region_count; ++r) {
            m_meter.add();
            PowerState t = PowerState::Active;
            if (target == PowerState::Off && region_empty(r) && !m_layout.regions[r].always_on)
                t = PowerState::Off;
            else if (target >= PowerState::Retention && m_region_retention[r])
                t = PowerState::Retention;
            else if (target >= PowerState::Standby)
                t = PowerState::Standby;
            set_target(plan, r, t);
        }
        apply(plan);
        return plan;
    }

    /// Re-reads every region's state (one STATUS read each). A formatted bank found Off has lost
    /// its heap: the heap is dropped, counted in contents_lost if it held live data, and the call
    /// returns Corrupt (Ok otherwise). O(banks + regions).
    RtStatus sync_states() {
        m_meter.begin();
        if (!m_ready)
            return RtStatus::Unsupported;
        RtStatus s = RtStatus::Ok;
        for (uint32_t r = 0; r < m_layout.region_count; ++r) {
            m_meter.add();
            m_region_state[r] = m_power.state(r).state;
        }
        for (uint32_t b = 0; b < m_layout.bank_count; ++b) {
            m_meter.add();
            if (m_formatted[b] && m_region_state[m_layout.banks[b].region] == PowerState::Off) {
                if (heap(b).diagnostics().allocation_count != 0) {
                    ++m_stats.contents_lost;
                    s = RtStatus::Corrupt;
                }
                drop_heap(b);
            }
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------
    // Queries (no memory access unless stated)

    uint32_t bank_count() const { return m_layout.bank_count; }
    uint32_t region_count() const { return m_layout.region_count; }
    const PowerLayout& layout() const { return m_layout; }
    PowerPolicy policy() const { return m_params.policy; }

    /// The cached state of a region (the last accepted request, or what init/sync read).
    PowerState region_state(uint32_t region) const {
        EMSIM_RT_ASSERT(region < m_layout.region_count);
        return m_region_state[region];
    }
    bool region_empty(uint32_t region) const {
        for (uint32_t b = 0; b < m_layout.bank_count; ++b)
            if (m_layout.banks[b].region == region && live_allocations(b) != 0)
                return false;
        return true;
    }
    bool region_retention_capable(uint32_t region) const { return m_region_retention[region]; }
    /// Max over the region's banks of the wake latency from `from` (0 for Active).
    uint32_t region_wake_cycles(uint32_t region, PowerState from) const {
        switch (from) {
        case PowerState::Active:
            return 0;
        case PowerState::Standby:
            return m_region_wake_standby_cycles[region];
        case PowerState::Retention:
            return m_region_wake_retention_cycles[region];
        case PowerState::Off:
            return m_region_wake_off_cycles[region];
        }
        return 0;
    }

    PowerBankInfo bank_info(uint32_t bank) const {
        EMSIM_RT_ASSERT(bank < m_layout.bank_count);
        PowerBankInfo info;
        info.state = m_region_state[m_layout.banks[bank].region];
        info.formatted = m_formatted[bank];
        info.live_bytes = live_bytes(bank);
        info.live_allocations = live_allocations(bank);
        info.free_bytes =
            m_formatted[bank] ? heap(bank).diagnostics().free_bytes : fresh_capacity_bytes(bank);
        return info;
    }
    /// Block bytes in use in the bank, headers included (0 without a heap).
    uint32_t live_bytes(uint32_t bank) const {
        return m_formatted[bank] ? heap(bank).diagnostics().used_bytes : 0;
    }
    uint32_t live_allocations(uint32_t bank) const {
        return m_formatted[bank] ? heap(bank).diagnostics().allocation_count : 0;
    }
    /// Banks whose region is (cached) in `state`.
    uint32_t banks_in_state(PowerState state) const {
        uint32_t count = 0;
        for (uint32_t b = 0; b < m_layout.bank_count; ++b)
            count += m_region_state[m_layout.banks[b].region] == state ? 1u : 0u;
        return count;
    }
    /// Bank holding `addr`, or -1. O(banks).
    int32_t bank_of(Address addr) {
        for (uint32_t b = 0; b < m_layout.bank_count; ++b) {
            m_meter.add();
            const PowerBankDesc& d = m_layout.banks[b];
            if (addr >= d.base && addr - d.base < d.size_bytes)
                return int32_t(b);
        }
        return -1;
    }
    /// The bank's heap, or nullptr if it has none. For tests and tooling: its metadata is only
    /// accessible while the bank's region serves accesses.
    Heap* bank_heap(uint32_t bank) { return m_formatted[bank] ? &heap(bank) : nullptr; }

    const PowerManagerStats& stats() const { return m_stats; }
    /// Steps of the last public operation (heap steps and polls included; 0 in firmware builds).
    uint32_t last_op_steps() const { return m_meter.steps(); }

    /// O(banks) check for periodic use: no formatted bank (hence no live data) in an Off region,
    /// live bytes within the bank, and TlsfHeap::invariants_hold() of every heap in a bank that
    /// serves accesses (2 loads each; a Retention bank would fault, so it is skipped).
    bool invariants_hold() {
        for (uint32_t b = 0; b < m_layout.bank_count; ++b) {
            const PowerState s = m_region_state[m_layout.banks[b].region];
            if (m_formatted[b] && s == PowerState::Off)
                return false;
            if (live_bytes(b) > m_layout.banks[b].size_bytes)
                return false;
            if (m_formatted[b] && power_serves_access(s) && !heap(b).invariants_hold())
                return false;
        }
        return true;
    }
    /// invariants_hold() and check_integrity() of every heap in a bank that serves accesses
    /// (a Retention bank would fault). Corrupt on the first failure. O(blocks).
    RtStatus check_integrity() {
        if (!invariants_hold())
            return RtStatus::Corrupt;
        for (uint32_t b = 0; b < m_layout.bank_count; ++b)
            if (m_formatted[b] && power_serves_access(m_region_state[m_layout.banks[b].region]) &&
                heap(b).check_integrity() != RtStatus::Ok)
                return RtStatus::Corrupt;
        return RtStatus::Ok;
    }

private:
    /// The prelude free() and prepare_access() share: finds the bank of `addr` and wakes its
    /// region (the wake reported in res.cost). false, with res.status set, when the manager is
    /// not ready, `addr` is in no bank (or, with require_heap, in a bank without a heap: counted
    /// as a bad pointer, and nothing is woken), or the wake fails.
    bool reach_bank(Address addr, bool require_heap, PowerOpResult& res) {
        if (!m_ready) {
            res.status = RtStatus::Unsupported;
            return false;
        }
        const int32_t b = bank_of(addr);
        if (b < 0 || (require_heap && !m_formatted[b])) {
            if (require_heap)
                ++m_stats.bad_pointer_count;
            res.status = RtStatus::BadPointer;
            return false;
        }
        res.bank = uint32_t(b);
        res.woke_from = m_region_state[m_layout.banks[res.bank].region];
        res.status = ensure_active(res.bank, res.cost);
        m_stats.free_wakes += res.cost.wakes;
        return res.status == RtStatus::Ok;
    }

    static constexpr uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

    Heap& heap(uint32_t b) { return *reinterpret_cast<Heap*>(m_heap_storage[b].bytes); }
    const Heap& heap(uint32_t b) const {
        return *reinterpret_cast<const Heap*>(m_heap_storage[b].bytes);
    }

    /// Bytes of free block a fresh heap in bank b would have: the 8-trimmed range minus the
    /// control structure and the sentinel (0 if it cannot hold them).
    uint32_t fresh_capacity_bytes(uint32_t b) const {
        const PowerBankDesc& d = m_layout.banks[b];
        const uint64_t lo = (uint64_t(d.base) + Heap::FLAG_MASK) & ~uint64_t(Heap::FLAG_MASK);
        const uint64_t hi = (uint64_t(d.base) + d.size_bytes) & ~uint64_t(Heap::FLAG_MASK);
        const uint64_t overhead = uint64_t(m_proto.control_size_bytes()) + Heap::SENTINEL_BYTES;
        if (lo == 0 || hi <= lo + overhead)
            return 0;
        return uint32_t(hi - lo - overhead);
    }

    /// 0: Active; 1: not Active, holds live data; 2: not Active, empty.
    uint32_t bank_class(uint32_t b) const {
        if (m_region_state[m_layout.banks[b].region] == PowerState::Active)
            return 0;
        return live_allocations(b) != 0 ? 1u : 2u;
    }

    /// Tries bank b; true iff it served the request (res filled). A wake failure or NoMemory
    /// leaves `failure` (the status reported if no bank serves) and returns false; InvalidSize or
    /// InvalidAlignment from TLSF are final (res filled, returns true).
    bool try_bank(uint32_t b, uint32_t size_bytes, uint32_t align_bytes, uint32_t need,
                  PowerOpResult& res, RtStatus& failure) {
        m_meter.add();
        const uint32_t free_bytes =
            m_formatted[b] ? heap(b).diagnostics().free_bytes : fresh_capacity_bytes(b);
        if (free_bytes < need)
            return false;
        const PowerState before = m_region_state[m_layout.banks[b].region];
        const uint32_t wakes_before = res.cost.wakes;
        const RtStatus w = ensure_active(b, res.cost);
        m_stats.alloc_wakes += res.cost.wakes - wakes_before;
        if (w != RtStatus::Ok) {
            if (failure == RtStatus::NoMemory)
                failure = w;
            return false;
        }
        if (!m_formatted[b]) {
            const RtStatus f = format(b);
            ++res.cost.formats;
            if (f != RtStatus::Ok) {
                failure = f;
                return false;
            }
        }
        const Result<Address> r = heap(b).allocate(size_bytes, align_bytes);
        m_meter.add(heap(b).last_op_steps());
        if (r.ok()) {
            res.status = RtStatus::Ok;
            res.address = r.value;
            res.bank = b;
            res.woke_from = before;
            return true;
        }
        if (r.status == RtStatus::NoMemory)
            return false;
        res.status = r.status;
        res.address = 0;
        return true;
    }

    /// Builds a fresh heap in bank b (its region is Active). O(control bytes).
    RtStatus format(uint32_t b) {
        EMSIM_RT_ASSERT(!m_formatted[b]);
        EMSIM_RT_ASSERT(m_region_state[m_layout.banks[b].region] == PowerState::Active);
        Heap* h = ::new (static_cast<void*>(m_heap_storage[b].bytes)) Heap(m_mem, m_params.heap);
        const RtStatus s = h->add_region(m_layout.banks[b].base, m_layout.banks[b].size_bytes);
        m_meter.add(h->last_op_steps());
        m_formatted[b] = s == RtStatus::Ok; // TlsfHeap is trivially destructible: no cleanup
        if (m_formatted[b])
            ++m_stats.formats;
        return s;
    }

    void drop_heap(uint32_t b) {
        if (!m_formatted[b])
            return;
        heap(b).~Heap();
        m_formatted[b] = false;
        ++m_stats.heaps_dropped;
    }

    /// Wakes bank b's region to Active if it is not. Adds to `cost`.
    RtStatus ensure_active(uint32_t b, PowerOpCost& cost) {
        const uint32_t r = m_layout.banks[b].region;
        if (m_region_state[r] == PowerState::Active)
            return RtStatus::Ok;
        return request_state(r, PowerState::Active, cost);
    }

    void set_target(PowerPlan& plan, uint32_t r, PowerState t) const {
        plan.target[r] = t;
        switch (t) {
        case PowerState::Active:
            ++plan.regions_active;
            break;
        case PowerState::Standby:
            ++plan.regions_standby;
            break;
        case PowerState::Retention:
            ++plan.regions_retention;
            break;
        case PowerState::Off:
            ++plan.regions_off;
            break;
        }
    }

    void apply(PowerPlan& plan) {
        for (uint32_t r = 0; r < plan.region_count; ++r) {
            m_meter.add();
            const PowerState t = plan.target[r];
            if (t == m_region_state[r])
                continue;
            // The planners never plan Off for live data or an always-on region.
            EMSIM_RT_ASSERT(t != PowerState::Off ||
                            (region_empty(r) && !m_layout.regions[r].always_on));
            const RtStatus s = request_state(r, t, plan.cost);
            if (s != RtStatus::Ok) {
                ++plan.refused;
                if (plan.status == RtStatus::Ok)
                    plan.status = s;
            }
        }
    }

    /// Polls region r until not busy (and, if `arrive`, in state `target`). Adds polls to cost.
    RtStatus wait_region(uint32_t r, bool arrive, PowerState target, PowerOpCost& cost) {
        for (uint32_t i = 0; i < m_params.max_status_polls; ++i) {
            m_meter.add();
            ++cost.polls;
            ++m_stats.status_polls;
            const PowerRegionStatus st = m_power.state(r);
            if (!st.busy && (!arrive || st.state == target))
                return RtStatus::Ok;
        }
        return RtStatus::TimeConstraintViolation;
    }

    /// One request for region r (a Busy refusal is retried once after the region settles); on
    /// acceptance updates the cached state, the statistics, waits for states that serve accesses
    /// and drops the heaps of a region gone Off.
    RtStatus request_state(uint32_t r, PowerState target, PowerOpCost& cost) {
        const PowerState from = m_region_state[r];
        PowerRefusal refusal = PowerRefusal::Busy;
        for (uint32_t attempt = 0; attempt < 2 && refusal == PowerRefusal::Busy; ++attempt) {
            if (attempt == 1) {
                const RtStatus w = wait_region(r, false, target, cost);
                if (w != RtStatus::Ok)
                    return w;
            }
            m_meter.add();
            ++cost.requests;
            ++m_stats.requests;
            refusal = m_power.request(r, target);
            if (refusal != PowerRefusal::None)
                ++m_stats.refusals;
        }
        switch (refusal) {
        case PowerRefusal::None:
            break;
        case PowerRefusal::AlwaysOn:
            return RtStatus::AccessDenied;
        case PowerRefusal::NoRetention:
            return RtStatus::Unsupported;
        case PowerRefusal::Busy:
            return RtStatus::TimeConstraintViolation;
        }
        m_region_state[r] = target;
        if (target > from) {
            ++m_stats.gating_actions;
        } else {
            ++m_stats.wakes;
            if (target == PowerState::Active) {
                ++cost.wakes;
                cost.wake_cycles += region_wake_cycles(r, from);
            }
        }
        if (target == PowerState::Off)
            for (uint32_t b = 0; b < m_layout.bank_count; ++b)
                if (m_layout.banks[b].region == r) {
                    EMSIM_RT_ASSERT(live_allocations(b) == 0);
                    drop_heap(b);
                }
        if (power_serves_access(target)) {
            const RtStatus w = wait_region(r, true, target, cost);
            // Not known to have arrived: cache the deeper of the two states, so that the next
            // operation on the region requests (and waits) again before touching it.
            if (w != RtStatus::Ok && from > target)
                m_region_state[r] = from;
            return w;
        }
        return RtStatus::Ok;
    }

    struct alignas(Heap) HeapStorage {
        unsigned char bytes[sizeof(Heap)];
    };

    Mem& m_mem;
    Power& m_power;
    const PowerLayout m_layout;
    const PowerManagerParams m_params;
    Heap m_proto; ///< never given a region: the source of TLSF's size arithmetic
    bool m_ready = false;
    HeapStorage m_heap_storage[MAX_BANKS]{};
    bool m_formatted[MAX_BANKS]{};
    PowerState m_region_state[MAX_REGIONS]{};
    bool m_region_retention[MAX_REGIONS]{};
    uint32_t m_region_wake_standby_cycles[MAX_REGIONS]{};
    uint32_t m_region_wake_retention_cycles[MAX_REGIONS]{};
    uint32_t m_region_wake_off_cycles[MAX_REGIONS]{};
    PowerManagerStats m_stats{};
    StepMeter m_meter{};
};

} // namespace emsim::rt
