// The isolation runtime on QEMU's real Cortex-M3 MPU (PMSAv7, 8 regions): two partitions in the
// linker script's .partitions area, two domains with isolated allocations, switch_domain
// programming the MPU through MmioMemory, unprivileged accesses (isolation_asm.S) that must pass
// or fault, and the MemManage handler running MpuFaultHandler on the real CFSR/MMFAR.
//
// MPU layout: regions 0-1 are fixed (programmed once here): the flash image [0, _eflash_image)
// read-only and executable for everyone, the top 16 KiB of RAM (the main stack) read/write for
// everyone, so unprivileged code can run and take exceptions on MSP. Regions 2-7 are the
// IsolationManager's window. PRIVDEFENA keeps the privileged firmware on the background map, so
// everything else (.bss, the runtime's tables, the heaps' metadata) is privileged-only.
//
// A fault under TerminatePartition terminates the running domain; the handler then switches to
// NO_DOMAIN before returning (never back into a terminated domain's grants), skipping the 16-bit
// faulting access, and the unprivileged run ends through SVC as usual.

#include <stdint.h>

#include "components/instantiations.h"
#include "components/mpu_driver_api.h"
#include "selfcheck.h"
#include "semihosting.h"

extern "C" {
extern uint8_t _spartitions[], _epartitions[], _sunprivileged_stack[], _estack[];
extern uint8_t _eflash_image[];

using UnprivilegedAccess = uint32_t (*)(uint32_t address, uint32_t value);
uint32_t fw_unprivileged_load32(uint32_t address, uint32_t unused);
uint32_t fw_unprivileged_store32(uint32_t address, uint32_t value);
// ../common/unprivileged.S
uint32_t fw_run_unprivileged(UnprivilegedAccess access, uint32_t address, uint32_t value);
void fw_isolation_memmanage(uint32_t* frame);
[[noreturn]] void emsim_fault_handler();
}

namespace {

namespace rt = emsim::rt;
namespace fw = emsim::fw;
using rt::Address;
using rt::DomainId;
using rt::FaultAction;
using rt::FaultPolicy;
using rt::FaultReg;
using rt::MpuAccess;
using rt::MpuReg;
using rt::PartitionId;
using rt::RtStatus;

constexpr Address SHCSR = 0xE000ED24u;
constexpr uint32_t SHCSR_MEMFAULTENA = 1u << 16;
constexpr uint32_t PARTITION_BYTES = 32 * 1024;
constexpr uint32_t FIXED_REGIONS = 2;
constexpr uint32_t RASR_ENABLE = 1u << 0;

Address address_of(const void* p) {
    return static_cast<Address>(reinterpret_cast<uintptr_t>(p));
}

/// Static storage for a runtime object built in place by check_isolation() and never destroyed:
/// a global with a non-trivial destructor (PartitionManager's) would be registered with
/// __cxa_atexit (needing __dso_handle and newlib's exit-handler table), and this firmware ends
/// through semihosting without running destructors.
template <class T> struct InPlace {
    alignas(T) unsigned char bytes[sizeof(T)];
    template <class... Args> T& make(Args&&... args) {
        return *::new (static_cast<void*>(bytes)) T(static_cast<Args&&>(args)...);
    }
};

rt::MmioMemory g_regs; // identity: the MPU and SCB registers at their architectural addresses
fw::Mem g_memory(_spartitions, address_of(_spartitions)); // identity over the partition area
InPlace<fw::Partitions> g_partitions_storage;
InPlace<fw::Isolation> g_isolation_storage;
InPlace<fw::FaultHandler> g_fault_handler_storage;
fw::Isolation* g_isolation = nullptr;
fw::FaultHandler* g_fault_handler = nullptr; // set: MemManage faults belong to this check

/// PMSAv7, 8 regions, PRIVDEFENA: regions [first, first + count) for one plan.
rt::MpuConfig mpu_window(uint32_t first, uint32_t count) {
    rt::MpuConfig c;
    c.first_region = uint8_t(first);
    c.region_budget = uint8_t(count);
    return c;
}
rt::MpuPlanner g_fixed_planner{mpu_window(0, FIXED_REGIONS)};

// Filled by the MemManage handler; read by the privileged check code.
volatile uint32_t g_faults = 0;
rt::FaultReport g_last_fault;

/// A Thumb function's first instruction (its address without the Thumb bit).
uint32_t code_address(UnprivilegedAccess f) {
    return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(f)) & ~1u;
}

uint32_t unprivileged_load(Address a) {
    return fw_run_unprivileged(fw_unprivileged_load32, a, 0);
}
void unprivileged_store(Address a, uint32_t value) {
    fw_run_unprivileged(fw_unprivileged_store32, a, value);
}
uint32_t privileged_load(Address a) {
    return g_regs.load32(a); // a volatile word load, like the unprivileged one
}

uint32_t stack_pointer() {
    uint32_t sp;
    asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/// Regions first..first+count-1 of the MPU hold `image`'s pairs (RBAR reads ADDR | REGION).
bool mpu_holds(const rt::MpuImage& image) {
    bool same = true;
    for (uint32_t j = 0; j < image.window; ++j) {
        const uint32_t n = image.first_region + j;
        g_regs.store32(MpuReg::RNR, n);
        same &= g_regs.load32(MpuReg::RBAR) == ((image.region[j].rbar & ~0x1Fu) | n);
        same &= g_regs.load32(MpuReg::RASR) == image.region[j].rasr_or_rlar;
    }
    return same && g_regs.load32(MpuReg::CTRL) == image.ctrl;
}

/// No region of the isolation window is enabled (the empty image is loaded).
bool window_disabled() {
    bool off = true;
    for (uint32_t n = FIXED_REGIONS; n < 8; ++n) {
        g_regs.store32(MpuReg::RNR, n);
        off &= (g_regs.load32(MpuReg::RASR) & RASR_ENABLE) == 0;
    }
    return off;
}

void fill(Address start, uint32_t bytes, uint32_t seed) {
    for (uint32_t b = 0; b < bytes; b += 4)
        g_memory.store32(start + b, seed ^ b);
}
bool intact(Address start, uint32_t bytes, uint32_t seed) {
    bool same = true;
    for (uint32_t b = 0; b < bytes; b += 4)
        same &= g_memory.load32(start + b) == (seed ^ b);
    return same;
}

bool is_data_violation_at(const rt::FaultReport& r, Address a) {
    return r.mmfsr == (FaultReg::DACCVIOL | FaultReg::MMARVALID) && r.daccviol && r.mmarvalid &&
           !r.iaccviol && !r.mstkerr && !r.munstkerr && r.mmfar == a;
}

bool last_log_entry_is(Address a, DomainId domain) {
    const uint32_t n = g_isolation->access_log_size();
    if (n == 0)
        return false;
    const rt::AccessLogEntry& e = g_isolation->access_log_entry(n - 1);
    return e.address == a && e.domain == domain && e.kind == rt::AccessKind::Data && !e.allowed;
}

} // namespace

/// MemManage (from fw_memmanage_handler with the stacked frame r0 r1 r2 r3 r12 lr pc xpsr): the
/// runtime's handler on the real registers, then skip the 16-bit faulting access. A fault this
/// check did not arm, at another instruction, or that is not a data access violation is fatal.
extern "C" void fw_isolation_memmanage(uint32_t* frame) {
    // Only the two 16-bit unprivileged accesses may fault (the skip below assumes their size).
    const uint32_t pc = frame[6];
    if (g_fault_handler == nullptr ||
        (pc != code_address(fw_unprivileged_load32) && pc != code_address(fw_unprivileged_store32)))
        emsim_fault_handler();
    const rt::FaultReport r = g_fault_handler->handle();
    if (r.action == FaultAction::None || !r.daccviol)
        emsim_fault_handler();
    if (r.action == FaultAction::PartitionTerminated)
        g_isolation->switch_domain(r.domain, rt::NO_DOMAIN);
    g_last_fault = r;
    g_faults = g_faults + 1;
    frame[6] += 2;
}

namespace emsim::fw {

void check_isolation() {
    const uint32_t before = failures();
    fw::Partitions& partitions = g_partitions_storage.make(g_memory, rt::PartitionManagerParams{});
    fw::Isolation& isolation =
        g_isolation_storage.make(partitions, g_regs, mpu_window(FIXED_REGIONS, 8 - FIXED_REGIONS));
    fw::FaultHandler& handler =
        g_fault_handler_storage.make(isolation, g_regs, FaultPolicy::TerminatePartition);
    g_isolation = &isolation;
    const rt::MpuPermissions flash{MpuAccess::ReadOnly, MpuAccess::ReadOnly, false};
    const rt::MpuPermissions stack{MpuAccess::ReadWrite, MpuAccess::ReadWrite, true};
    const Address stack_base = address_of(_sunprivileged_stack);
    const uint32_t stack_bytes = address_of(_estack) - stack_base;
    const rt::MpuRequest fixed[] = {{0u, address_of(_eflash_image), flash},
                                    {stack_base, stack_bytes, stack}};
    rt::MpuImage fixed_image;
    CHECK(mpu_plan(g_fixed_planner, fixed, 2, fixed_image).regions_used == FIXED_REGIONS);
    // The unprivileged runs push their exception frames here: the stack must be in the window.
    CHECK(stack_pointer() > stack_base + 1024 && stack_pointer() <= address_of(_estack));

    // Two domains, each with its own 32 KiB partition (one exact region each).
    const auto a = isolation.create_isolation_domain(rt::SecurityLevel::Normal);
    const auto b = isolation.create_isolation_domain(rt::SecurityLevel::Normal);
    CHECK(a.ok() && b.ok());
    const Address area = address_of(_spartitions);
    CHECK(address_of(_epartitions) - area == 2 * PARTITION_BYTES);
    const auto part_a = partitions.create_partition(
        area, PARTITION_BYTES,
        rt::PartitionRights{MpuAccess::ReadWrite, rt::domain_bit(a.value), 16384}, 1);
    const auto part_b = partitions.create_partition(
        area + PARTITION_BYTES, PARTITION_BYTES,
        rt::PartitionRights{MpuAccess::ReadWrite, rt::domain_bit(b.value), 16384}, 1);
    CHECK(part_a.ok() && part_b.ok());
    CHECK(partitions.info(part_a.value).value.mpu_regions == 1);
    CHECK(isolation.attach_partition(a.value, part_b.value) == RtStatus::AccessDenied);
    CHECK(isolation.attach_partition(a.value, part_a.value) == RtStatus::Ok);
    CHECK(isolation.attach_partition(b.value, part_b.value) == RtStatus::Ok);

    const auto a_data =
        isolation.allocate_isolated_memory(a.value, 4096, rt::IsolationType::Private);
    const auto a_small =
        isolation.allocate_isolated_memory(a.value, 200, rt::IsolationType::Private);
    const auto b_data =
        isolation.allocate_isolated_memory(b.value, 4096, rt::IsolationType::Private);
    const auto b_small =
        isolation.allocate_isolated_memory(b.value, 1000, rt::IsolationType::Private);
    CHECK(a_data.ok() && a_small.ok() && b_data.ok() && b_small.ok());
    CHECK(a_data.value >= area && a_data.value % 4096 == 0 &&
          a_small.value < area + PARTITION_BYTES);
    CHECK(b_data.value >= area + PARTITION_BYTES && b_data.value % 4096 == 0);
    CHECK(isolation.regions_used(a.value) == 2 && isolation.regions_used(b.value) == 2);
    fill(a_data.value, 4096, 0xA5A50000u);
    fill(b_data.value, 4096, 0x5B5B0000u);
    fill(b_small.value, 1000 & ~3u, 0x5C5C0000u);

    // Fixed regions, then domain A's window: the real MPU, through MmioMemory.
    g_regs.store32(SHCSR, g_regs.load32(SHCSR) | SHCSR_MEMFAULTENA);
    g_fault_handler = &handler;
    CHECK(mpu_apply(g_regs, fixed_image) == rt::mpu_apply_store_count(fixed_image));
    const auto to_a = isolation.switch_domain(rt::NO_DOMAIN, a.value);
    CHECK(to_a.ok() && to_a.value.stores == 2 + 2 * (8 - FIXED_REGIONS));
    CHECK(mpu_holds(isolation.image(a.value)) && mpu_holds(fixed_image));
    CHECK(g_regs.load32(MpuReg::CTRL) == (MpuReg::CTRL_ENABLE | MpuReg::CTRL_PRIVDEFENA));

    // A runs unprivileged: its own memory works.
    CHECK(unprivileged_load(a_data.value + 8) == (0xA5A50000u ^ 8u));
    unprivileged_store(a_data.value + 12, 0x600DF00Du);
    unprivileged_store(a_small.value, 0x5A11u);
    CHECK(g_faults == 0);
    CHECK(privileged_load(a_data.value + 12) == 0x600DF00Du &&
          privileged_load(a_small.value) == 0x5A11u);

    // A writes B's memory: MemManage, TerminatePartition on A, the write never lands.
    const Address victim = b_data.value + 64;
    unprivileged_store(victim, 0xBADBAD00u);
    const rt::FaultReport f = g_last_fault;
    CHECK(g_faults == 1);
    CHECK(is_data_violation_at(f, victim));
    CHECK((g_regs.load32(FaultReg::CFSR) & FaultReg::MMFSR_MASK) == 0); // cleared (W1C)
    CHECK(f.domain == a.value && !f.kernel_fault);
    CHECK(f.has_partition && f.partition == part_b.value); // the victim's partition
    CHECK(f.action == FaultAction::PartitionTerminated && f.status == RtStatus::Ok);
    CHECK(f.has_terminated_partition && f.terminated_partition == part_a.value);
    CHECK(last_log_entry_is(victim, a.value));
    CHECK(!partitions.is_live(part_a.value) && !isolation.live(a.value));
    CHECK(partitions.stats().terminated == 1 && handler.terminations() == 1);
    CHECK(isolation.current() == rt::NO_DOMAIN && window_disabled());
    CHECK(isolation.switch_domain(rt::NO_DOMAIN, a.value).status == RtStatus::InvalidRegion);
    CHECK(intact(b_data.value, 4096, 0x5B5B0000u) &&
          intact(b_small.value, 1000 & ~3u, 0x5C5C0000u));
    CHECK(partitions.is_live(part_b.value) && isolation.live(b.value));

    // A's revoked memory is out of reach: with no domain loaded the fault is the kernel's,
    // logged only (nothing left to terminate).
    CHECK(unprivileged_load(a_data.value) == a_data.value); // skipped: r0 still the address
    CHECK(g_faults == 2 && is_data_violation_at(g_last_fault, a_data.value));
    CHECK(g_last_fault.kernel_fault && g_last_fault.action == FaultAction::Logged);
    CHECK(!g_last_fault.has_partition); // A's range belongs to no partition any more

    // B keeps allocating and running.
    const auto b_more =
        isolation.allocate_isolated_memory(b.value, 512, rt::IsolationType::Private);
    CHECK(b_more.ok() && partitions.find_partition(b_more.value).value == part_b.value);
    const auto to_b = isolation.switch_domain(rt::NO_DOMAIN, b.value);
    CHECK(to_b.ok() && to_b.value.stores == 2 + 2 * (8 - FIXED_REGIONS));
    CHECK(isolation.regions_used(b.value) == 3 && mpu_holds(isolation.image(b.value)));
    CHECK(unprivileged_load(victim) == (0x5B5B0000u ^ 64u));
    CHECK(unprivileged_load(b_small.value + 996) == (0x5C5C0000u ^ 996u));
    unprivileged_store(b_more.value + 508, 0xB0B0B0B0u);
    CHECK(g_faults == 2 && privileged_load(b_more.value + 508) == 0xB0B0B0B0u);

    // LogAndContinue: B writes its own partition's heap metadata (never granted): logged, B
    // keeps its image and goes on; the write never lands (the heap still checks out).
    handler.set_policy(FaultPolicy::LogAndContinue);
    const Address metadata = area + PARTITION_BYTES + 16;
    unprivileged_store(metadata, 0xDEADBEEFu);
    CHECK(g_faults == 3 && is_data_violation_at(g_last_fault, metadata));
    CHECK(g_last_fault.action == FaultAction::Logged && g_last_fault.domain == b.value);
    CHECK(g_last_fault.has_partition && g_last_fault.partition == part_b.value);
    CHECK(last_log_entry_is(metadata, b.value) && handler.faults_handled() == 3);
    CHECK(isolation.live(b.value) && isolation.current() == b.value);
    CHECK(mpu_holds(isolation.image(b.value)));
    CHECK(unprivileged_load(b_data.value) == 0x5B5B0000u && g_faults == 3);
    CHECK(isolation.check_integrity() == RtStatus::Ok);

    // Back to the kernel: MPU off, MemManage disarmed.
    CHECK(isolation.switch_domain(b.value, rt::NO_DOMAIN).ok() && window_disabled());
    g_regs.store32(MpuReg::CTRL, 0u);
    g_regs.barrier();
    g_regs.store32(SHCSR, g_regs.load32(SHCSR) & ~SHCSR_MEMFAULTENA);
    g_fault_handler = nullptr;
    section("isolation: A terminated for writing B on the real MPU, B runs on, LogAndContinue",
            before);
}

} // namespace emsim::fw
