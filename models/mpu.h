#pragma once
// Mpu owns the memory protection unit of one core: its registers (PMSAv7 or PMSAv8, at the
// architectural System Control Space addresses), the MemManage fault status the core's fault
// handler reads (CFSR, MMFAR), the check of every access the core makes, and the fault records.
// The permission function itself lives in mpu_regions.h (plain C++); address decode, arbitration
// and memory timing belong to the interconnect and the banks behind `out`; raising the MemManage
// exception belongs to the core (the host), which sees the error response.
//
// Placement: core -> Mpu.in, Mpu.out -> interconnect. Like the SCS, the register window is
// inside the core: accesses to it are answered here and never reach the bus.
//
// Per access:
//  1. TLM_IGNORE_COMMAND (e.g. DmiUsage reports) and addresses above 4 GB pass unchecked.
//  2. decide() (through its precomputed MpuPermissionMap) with the AccessAttributes extension
//     (absent: privileged data access). A denied access never reaches the bus: it gets
//     TLM_GENERIC_ERROR_RESPONSE (= MemManage), the fault status is set (CFSR.MMFSR |=
//     IACCVIOL, or DACCVIOL|MMARVALID with MMFAR = the first denied byte) and an MpuFault is
//     recorded. Cost: check_cycles.
//  3. An allowed access to the register window is served here; unprivileged, it gets
//     TLM_ADDRESS_ERROR_RESPONSE (= BusFault, as for any unprivileged SCS access) and changes
//     nothing. Cost: check_cycles + register_cycles.
//  4. Anything else is forwarded to `out` unchanged, check_cycles later (LT: added to the delay;
//     AT: added to the BEGIN_REQ delay). The default 0 models a check in parallel with the bus.
// AT: the Mpu passes every phase through; it completes its own answers (denials, registers) on
// the BEGIN_REQ call with TLM_COMPLETED, so the base protocol holds on both hops.
//
// Register access sizes (QEMU hw/intc/armv7m_nvic.c; the architecture says the MPU registers
// are word-accessible only):
//  - MPU registers and MMFAR: aligned words. A byte or halfword access reads as zero and its
//    write is ignored, with an OK response (QEMU: "Bad write of size", RAZ/WI).
//  - CFSR: byte, halfword or word (MMFSR is the byte at 0xE000ED28); writing 1 clears a bit.
//  - A transaction touching any register is answered here in full; its words that are no
//    register (e.g. 0xE000EDBC) read as zero and ignore writes. A streaming width below the
//    length gets TLM_BURST_ERROR_RESPONSE.
// Register behaviour follows QEMU where the architecture leaves it open: RNR writes >= the
// region count are ignored; a PMSAv7 RBAR write with VALID and an unimplemented REGION is
// ignored entirely; PMSAv7 RBAR reads back ADDR | current REGION (VALID reads 0); RASR keeps
// V7_RASR_MASK; PMSAv8 RBAR/RLAR/MAIR keep the written value; MPU_TYPE writes are ignored.
// Faults set only MMFSR bits; BFSR/UFSR read as zero (the unprivileged-register BusFault
// is not recorded in BFSR: BFAR is not modelled).
//
// The check uses the configuration at the time of the call: an LT initiator running ahead of a
// reconfiguring core sees the new regions early (temporal decoupling; the core's own accesses
// are in program order).
//
// DMI: a grant from downstream is narrowed to the largest span around the requested address
// that the current configuration opens to privileged and unprivileged reads and writes (so a
// DMI user never needs a check; instruction fetches through DMI are not considered), and denied
// when the address itself is not open or the span reaches the register window. A grant's read
// and write latencies include check_cycles, so a DMI access costs what b_transport would. Every write to
// MPU_CTRL, RBAR, RASR or RLAR (any alias) that a register accepts invalidates all DMI:
// in->invalidate_direct_mem_ptr(0, ~0). Invalidations from downstream are passed up.
// transport_dbg is forwarded without a check; on the register window it reads and writes the
// registers (a debugger can program the MPU) without the privilege check.

#include "models/register_access.h"
#include "models/access_attributes.h"
#include "models/clock.h"
#include "models/mpu_regions.h"
#include "models/units.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

/// Parameters of one MPU. Each field name is its config key and its report name.
struct MpuParams {
    MpuFlavour flavour = MpuFlavour::Pmsav7;
    uint32_t regions = 8;     ///< PMSAv7: 0, 8 or 16; PMSAv8: 0, 4, 8, 12 or 16 (MPU_TYPE.DREGION)
    Cycles check_cycles = 0;  ///< added to every checked access; 0: in parallel with the bus
    Cycles register_cycles = 1; ///< one access to the MPU's own registers, after the check
};

/// Which register a table row is; aliases share the kind and differ in `alias`.
enum class MpuRegKind : uint8_t { Type, Ctrl, Rnr, Rbar, Rasr, Rlar, Mair0, Mair1, Cfsr, Mmfar };
struct MpuRegDesc {
    const char* name;
    uint32_t address;
    RegAccess access;
    uint32_t reset; ///< for the banked region registers: every region's reset value
    MpuRegKind kind;
    uint8_t alias; ///< 0 for the register itself, 1..3 for RBAR_An / RASR_An / RLAR_An
};

// Declared once: decode, reset and the dump walk these. CFSR and MMFAR are SCB registers the
// MPU owns in emsim because only the MPU sets them. Reset values are QEMU's (the architecture
// leaves RNR, RBAR, MAIR and MMFAR UNKNOWN). MPU_TYPE's value comes from MpuParams::regions.
constexpr MpuRegDesc MPU_FAULT_REGS[] = {
    {"CFSR", 0xE000ED28, RegAccess::W1C, 0, MpuRegKind::Cfsr, 0},
    {"MMFAR", 0xE000ED34, RegAccess::RW, 0, MpuRegKind::Mmfar, 0},
};

constexpr MpuRegDesc MPU_V7_REGS[] = {
    {"MPU_TYPE", 0xE000ED90, RegAccess::RO, 0, MpuRegKind::Type, 0},
    {"MPU_CTRL", 0xE000ED94, RegAccess::RW, 0, MpuRegKind::Ctrl, 0},
    {"MPU_RNR", 0xE000ED98, RegAccess::RW, 0, MpuRegKind::Rnr, 0},
    {"MPU_RBAR", 0xE000ED9C, RegAccess::RW, 0, MpuRegKind::Rbar, 0},
    {"MPU_RASR", 0xE000EDA0, RegAccess::RW, 0, MpuRegKind::Rasr, 0},
    {"MPU_RBAR_A1", 0xE000EDA4, RegAccess::RW, 0, MpuRegKind::Rbar, 1},
    {"MPU_RASR_A1", 0xE000EDA8, RegAccess::RW, 0, MpuRegKind::Rasr, 1},
    {"MPU_RBAR_A2", 0xE000EDAC, RegAccess::RW, 0, MpuRegKind::Rbar, 2},
    {"MPU_RASR_A2", 0xE000EDB0, RegAccess::RW, 0, MpuRegKind::Rasr, 2},
    {"MPU_RBAR_A3", 0xE000EDB4, RegAccess::RW, 0, MpuRegKind::Rbar, 3},
    {"MPU_RASR_A3", 0xE000EDB8, RegAccess::RW, 0, MpuRegKind::Rasr, 3},
};

constexpr MpuRegDesc MPU_V8_REGS[] = {
    {"MPU_TYPE", 0xE000ED90, RegAccess::RO, 0, MpuRegKind::Type, 0},
    {"MPU_CTRL", 0xE000ED94, RegAccess::RW, 0, MpuRegKind::Ctrl, 0},
    {"MPU_RNR", 0xE000ED98, RegAccess::RW, 0, MpuRegKind::Rnr, 0},
    {"MPU_RBAR", 0xE000ED9C, RegAccess::RW, 0, MpuRegKind::Rbar, 0},
    {"MPU_RLAR", 0xE000EDA0, RegAccess::RW, 0, MpuRegKind::Rlar, 0},
    {"MPU_RBAR_A1", 0xE000EDA4, RegAccess::RW, 0, MpuRegKind::Rbar, 1},
    {"MPU_RLAR_A1", 0xE000EDA8, RegAccess::RW, 0, MpuRegKind::Rlar, 1},
    {"MPU_RBAR_A2", 0xE000EDAC, RegAccess::RW, 0, MpuRegKind::Rbar, 2},
    {"MPU_RLAR_A2", 0xE000EDB0, RegAccess::RW, 0, MpuRegKind::Rlar, 2},
    {"MPU_RBAR_A3", 0xE000EDB4, RegAccess::RW, 0, MpuRegKind::Rbar, 3},
    {"MPU_RLAR_A3", 0xE000EDB8, RegAccess::RW, 0, MpuRegKind::Rlar, 3},
    {"MPU_MAIR0", 0xE000EDC0, RegAccess::RW, 0, MpuRegKind::Mair0, 0},
    {"MPU_MAIR1", 0xE000EDC4, RegAccess::RW, 0, MpuRegKind::Mair1, 0},
};

/// One denied access. `mmfsr` holds the bits this fault set (what MMFSR reads when the handler
/// cleared it after the previous fault); `mmfar` is set for data accesses only.
struct MpuFault {
    uint64_t cycle;    ///< the cycle the access was presented (LT: local time), rounded down
    uint32_t address;  ///< the transaction's address
    uint32_t size;     ///< bytes checked (data length, or the streaming width if smaller)
    AccessKind kind;
    bool privileged;
    uint16_t domain;
    uint32_t mmfsr;
    std::optional<uint32_t> mmfar; ///< the first denied byte; data accesses only
};

struct MpuStats {
    uint64_t checked = 0;           ///< accesses decided (allowed or denied)
    uint64_t denied = 0;            ///< = faults().size() unless clear_faults() was called
    uint64_t register_reads = 0;
    uint64_t register_writes = 0;
    uint64_t register_refused = 0;  ///< unprivileged register accesses (BusFault)
    uint64_t reconfigurations = 0;  ///< writes to CTRL/RBAR/RASR/RLAR (each one invalidates DMI)
    uint64_t dmi_grants = 0;
    uint64_t dmi_refusals = 0;      ///< granted downstream, refused or not open here
};

class Mpu : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Mpu> in;     ///< from the core
    tlm_utils::simple_initiator_socket<Mpu> out; ///< to the interconnect

    /// Throws std::invalid_argument for a region count the flavour does not offer.
    Mpu(sc_core::sc_module_name name, const MpuParams& params, const Clock& clock);

    const MpuParams& params() const { return m_params; }
    const MpuStats& stats() const { return m_stats; }
    /// The configuration decide() sees now (the register images).
    const MpuConfig& config() const { return m_config; }
    const std::vector<MpuFault>& faults() const { return m_faults; }
    void clear_faults() { m_faults.clear(); }

    /// This flavour's MPU register table (the fault registers are in MPU_FAULT_REGS).
    static const MpuRegDesc* registers(MpuFlavour flavour, size_t& count);
    /// The register at `address` (its first byte), or nullptr.
    const MpuRegDesc* find_register(uint32_t address) const;
    /// The value a privileged word read would return, without side effects; nullopt when
    /// `address` is no register of this MPU.
    std::optional<uint32_t> peek_register(uint32_t address) const;
    /// "NAME @0xADDR = 0xVALUE" per line, the fault registers first, then this flavour's table;
    /// the banked region registers once per implemented region.
    std::string register_dump() const;
    /// Back to the reset values, as after a core reset. Invalidates DMI.
    void reset();

private:
    // TLM, forward path.
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    // TLM, backward path.
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    enum class Outcome { Forward, Answered };
    /// The check and the register window, shared by LT and AT. Answered: the response status
    /// is set and `delay` holds the completion time; Forward: `delay` includes check_cycles.
    Outcome handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void record_fault(const tlm::tlm_generic_payload& trans, const ResolvedAttributes& attrs,
                      const MpuDecision& decision, uint32_t size, const sc_core::sc_time& arrival);

    bool touches_window(uint64_t address, uint64_t length) const;
    /// Reads or writes the registers under [address, address + length) honouring byte enables.
    /// `debug`: transport_dbg (no statistics).
    void access_registers(tlm::tlm_generic_payload& trans, bool debug);
    uint32_t read_register(const MpuRegDesc& reg) const;
    /// `lanes`: bit i set = byte i of the word is written (sub-word writes: CFSR only).
    void write_register(const MpuRegDesc& reg, uint32_t value, uint32_t lanes);
    /// The region a banked register row addresses now, or -1 when unimplemented.
    int region_of(const MpuRegDesc& reg) const;
    void reconfigured();
    void load_reset_values();

    const MpuParams m_params;
    const Clock m_clock;
    const MpuRegDesc* m_table = nullptr; ///< this flavour's register table
    size_t m_table_size = 0;
    const sc_core::sc_time m_check_time;
    const sc_core::sc_time m_register_time;

    MpuConfig m_config;
    MpuPermissionMap m_map;   ///< m_config precomputed for the access path
    bool m_map_stale = true;  ///< m_config changed since m_map was built
    uint32_t m_rnr = 0;
    uint32_t m_mair[2] = {0, 0};
    uint32_t m_cfsr = 0;
    uint32_t m_mmfar = 0;

    MpuStats m_stats;
    std::vector<MpuFault> m_faults;
};

} // namespace emsim
