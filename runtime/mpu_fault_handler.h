#pragma once
// MemManage fault handler logic (issue 5): reads and clears the MemManage status the way a
// Cortex-M MemManage handler does, decodes it, attributes the fault to the running isolation
// domain and to the partition holding the faulting address, and applies the platform's policy.
// Owns the fault-status register map and field decode, the handler's register access sequence
// and the policy decision. Does not own the exception entry (the target's vector calls handle()
// from MemManage_Handler; the simulator calls it when its MPU model reports a fault), the stacked
// frame (PC, PSP: a MSTKERR/MUNSTKERR frame is not trustworthy anyway), pending-exception cleanup
// (SHCSR), or the context switch after a termination (the caller switches to another domain:
// never return to a terminated one).
//
// Register sequence, through `RegMem` (ARMv7-M ARM B3.2.15-17; ../shared/reference/mpu.md §5, §9):
//   1. load32 CFSR (0xE000ED28); MMFSR = CFSR[7:0]
//   2. load32 MMFAR (0xE000ED34)      only if MMFSR.MMARVALID: otherwise MMFAR holds a stale
//                                     address (or, on some cores, BFAR's: they share storage)
//   3. store32 CFSR = MMFSR bits seen  write-one-to-clear: clears exactly what was decoded, so a
//                                     fault that arrives between 1 and 3 is not lost; BFSR and
//                                     UFSR bits are written 0 and so left alone
// No MMFSR bit set (a spurious call): one load, nothing cleared, action None.
//   2 loads + 1 store with MMARVALID, 1 load + 1 store without.
//
// Policies:
//   LogAndContinue      record the fault in the isolation manager's access log (denied); nothing
//                       else changes. Action Logged.
//   TerminatePartition  also terminate the running domain (IsolationManager::terminate_domain:
//                       its attached partition is revoked from every image and its heap
//                       released, its other allocations freed) while every other domain and
//                       partition keeps running. Action PartitionTerminated. A fault while no
//                       domain runs (NO_DOMAIN: the privileged kernel) cannot be pinned on a
//                       partition: it is logged only (action Logged, kernel_fault set): the
//                       kernel's own fault is the kernel's to handle (Hubris panics).

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/isolation_manager.h"
#include "runtime/memory_access.h"
#include "runtime/mpu_driver.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

/// System Control Block fault-status registers and MMFSR fields (ARMv7-M ARM B3.2.15, B3.2.17;
/// same addresses on ARMv8-M). MpuReg (mpu_driver.h) holds the MPU's own registers.
struct FaultReg {
    static constexpr Address CFSR = 0xE000ED28u;  ///< MMFSR [7:0], BFSR [15:8], UFSR [31:16]
    static constexpr Address MMFAR = 0xE000ED34u; ///< valid iff MMFSR.MMARVALID
    static constexpr uint32_t MMFSR_MASK = 0xFFu;
    static constexpr uint32_t IACCVIOL = 1u << 0;  ///< instruction fetch from an XN/no-access region
    static constexpr uint32_t DACCVIOL = 1u << 1;  ///< data access violation (MMFAR valid)
    static constexpr uint32_t MUNSTKERR = 1u << 3; ///< exception return unstacking faulted
    static constexpr uint32_t MSTKERR = 1u << 4;   ///< exception entry stacking faulted
    static constexpr uint32_t MLSPERR = 1u << 5;   ///< lazy FP state preservation faulted (M4F+)
    static constexpr uint32_t MMARVALID = 1u << 7; ///< MMFAR holds the faulting address
};

enum class FaultPolicy : uint8_t { LogAndContinue, TerminatePartition };
enum class FaultAction : uint8_t {
    None,                ///< no MemManage status was pending
    Logged,              ///< recorded; nothing else changed
    PartitionTerminated, ///< the running domain and its partition were terminated
};

/// Everything handle() decoded and did.
struct FaultReport {
    uint32_t cfsr = 0;  ///< CFSR as read
    uint8_t mmfsr = 0;  ///< CFSR[7:0]: the bits cleared (written back)
    bool iaccviol = false;
    bool daccviol = false;
    bool munstkerr = false;
    bool mstkerr = false;
    bool mlsperr = false;
    bool mmarvalid = false;
    Address mmfar = 0;  ///< the faulting address; 0 and not read unless mmarvalid
    DomainId domain = NO_DOMAIN; ///< the domain running when the fault was taken
    bool kernel_fault = false;   ///< no domain was running (NO_DOMAIN)
    bool has_partition = false;  ///< mmarvalid and a live partition holds mmfar
    PartitionId partition{};     ///< that partition (the victim's memory), if has_partition
    bool has_terminated_partition = false;
    PartitionId terminated_partition{}; ///< the offender's partition, if one was terminated
    FaultAction action = FaultAction::None;
    RtStatus status = RtStatus::Ok; ///< of the termination, if any
};

template <class Mem, class RegMem = Mem> class MpuFaultHandler {
public:
    using Isolation = IsolationManager<Mem, RegMem>;

    MpuFaultHandler(Isolation& isolation, RegMem& regs, FaultPolicy policy)
        : m_iso(isolation), m_regs(regs), m_policy(policy) {}

    /// Runs the handler once (file comment): reads, clears and decodes the MemManage status,
    /// attributes it, logs a denied access (kind Execute for IACCVIOL, Data otherwise; address
    /// MMFAR or 0; size 0) and applies the policy. O(partitions + regions) plus a termination.
    FaultReport handle() {
        m_meter.begin();
        FaultReport r;
        r.cfsr = m_regs.load32(FaultReg::CFSR);
        r.mmfsr = uint8_t(r.cfsr & FaultReg::MMFSR_MASK);
        m_meter.add();
        r.domain = m_iso.current();
        r.kernel_fault = r.domain == NO_DOMAIN;
        if (r.mmfsr == 0)
            return r;
        r.iaccviol = (r.mmfsr & FaultReg::IACCVIOL) != 0;
        r.daccviol = (r.mmfsr & FaultReg::DACCVIOL) != 0;
        r.munstkerr = (r.mmfsr & FaultReg::MUNSTKERR) != 0;
        r.mstkerr = (r.mmfsr & FaultReg::MSTKERR) != 0;
        r.mlsperr = (r.mmfsr & FaultReg::MLSPERR) != 0;
        r.mmarvalid = (r.mmfsr & FaultReg::MMARVALID) != 0;
        if (r.mmarvalid)
            r.mmfar = m_regs.load32(FaultReg::MMFAR);
        m_regs.store32(FaultReg::CFSR, r.mmfsr);
        if (r.mmarvalid) {
            const Result<PartitionId> p = m_iso.partitions().find_partition(r.mmfar);
            r.has_partition = p.ok();
            r.partition = p.value;
        }
        m_iso.record_access(AccessLogEntry{r.mmfar, 0, r.domain,
                                           r.iaccviol ? AccessKind::Execute : AccessKind::Data,
                                           false});
        r.action = FaultAction::Logged;
        ++m_faults;
        if (m_policy == FaultPolicy::TerminatePartition && !r.kernel_fault &&
            m_iso.live(r.domain)) {
            const Result<PartitionId> own = m_iso.partition_of(r.domain);
            r.status = m_iso.terminate_domain(r.domain);
            m_meter.add(m_iso.last_op_steps());
            if (r.status == RtStatus::Ok) {
                r.action = FaultAction::PartitionTerminated;
                r.has_terminated_partition = own.ok();
                r.terminated_partition = own.value;
                ++m_terminations;
            }
        }
        return r;
    }

    FaultPolicy policy() const { return m_policy; }
    void set_policy(FaultPolicy policy) { m_policy = policy; }
    uint32_t faults_handled() const { return m_faults; }      ///< handle() calls with status
    uint32_t terminations() const { return m_terminations; } ///< domains terminated
    /// Steps of the last handle() (a termination's included).
    uint32_t last_op_steps() const { return m_meter.steps(); }

private:
    Isolation& m_iso;
    RegMem& m_regs;
    FaultPolicy m_policy;
    StepMeter m_meter;
    uint32_t m_faults = 0;
    uint32_t m_terminations = 0;
};

} // namespace emsim::rt
