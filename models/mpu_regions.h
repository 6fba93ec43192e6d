#pragma once
// The MPU's permission function, as plain C++ (no SystemC): given the register images of a
// PMSAv7 or PMSAv8 MPU and one access, decide whether it is allowed and which fault it raises.
// The Mpu model owns the registers, the TLM sockets, the fault registers and the time; this unit
// owns only the decision, so the model, the runtime's planner tests and the QEMU vector
// comparison all ask the same function.
//
// Ground truth: ARMv7-M / ARMv8-M ARM, and where the architecture says UNPREDICTABLE, QEMU
// target/arm/ptw.c (get_phys_addr_pmsav7, pmsav8_mpu_lookup) as described in
// shared/reference/mpu.md §1, §2 and §6. The QEMU-over-architecture choices:
//  - PMSAv7 RBAR base not aligned to the region size: the region is ignored entirely (silicon
//    aligns the base down).
//  - PMSAv7 SIZE = 0: the region is ignored; SIZE = 1..3 (below the 32-byte minimum) makes a
//    region of 2^(SIZE+1) bytes (4, 8, 16), as QEMU computes it.
//  - PMSAv7 AP = 0b100 (reserved): no access for anyone; AP = 0b111 behaves as 0b110.
//  - PMSAv7 SRD on regions smaller than 256 bytes: ignored.
//  - Readable implies executable unless XN (QEMU's PAGE_EXEC rule; the architecture agrees for
//    all defined AP values).
//  - PMSAv8 RLAR.PXN (Armv8.1-M) is not applied: QEMU applies it only on v8.1-M cores and the
//    reference machine (mps2-an505, Cortex-M33) is v8.0-M. The SAU/IDAU is not modelled (the
//    firmware runs Secure and uses the Secure MPU).
//  - HFNMIENA is stored, not applied: there is no negative execution priority in emsim.
//  - An access is checked on every byte (the architecture's rule); QEMU checks unaligned
//    accesses on the first byte only (§6 pitfalls), so ground-truth probes stay aligned.

#include "models/units.h"

#include <array>
#include <cstdint>
#include <vector>

namespace emsim {

/// What an access does. Fetch is an instruction fetch (a read that needs execute permission).
enum class AccessKind : uint8_t { Read, Write, Fetch };

constexpr EnumName<AccessKind> ACCESS_KIND_NAMES[] = {
    {AccessKind::Read, "read"},
    {AccessKind::Write, "write"},
    {AccessKind::Fetch, "exec"},
};

enum class MpuFlavour : uint8_t { Pmsav7, Pmsav8 };

constexpr EnumName<MpuFlavour> MPU_FLAVOUR_NAMES[] = {
    {MpuFlavour::Pmsav7, "pmsav7"},
    {MpuFlavour::Pmsav8, "pmsav8"},
};

constexpr uint32_t MPU_MAX_REGIONS = 16; ///< RBAR.REGION is 4 bits on PMSAv7

// MPU_CTRL
constexpr uint32_t CTRL_ENABLE = 1u << 0;
constexpr uint32_t CTRL_HFNMIENA = 1u << 1;
constexpr uint32_t CTRL_PRIVDEFENA = 1u << 2;
constexpr uint32_t CTRL_MASK = CTRL_ENABLE | CTRL_HFNMIENA | CTRL_PRIVDEFENA;

// PMSAv7 RBAR / RASR
constexpr uint32_t V7_RBAR_ADDR_MASK = ~0x1Fu;
constexpr uint32_t V7_RBAR_VALID = 1u << 4;
constexpr uint32_t V7_RBAR_REGION_MASK = 0xFu;
constexpr uint32_t V7_RASR_ENABLE = 1u << 0;
constexpr uint32_t V7_RASR_SIZE_SHIFT = 1;
constexpr uint32_t V7_RASR_SIZE_MASK = 0x1Fu; ///< after the shift
constexpr uint32_t V7_RASR_SRD_SHIFT = 8;
constexpr uint32_t V7_RASR_AP_SHIFT = 24;
constexpr uint32_t V7_RASR_XN = 1u << 28;
/// Bits RASR keeps (XN, AP, TEX/S/C/B, SRD, SIZE, ENABLE): QEMU's read-back mask.
constexpr uint32_t V7_RASR_MASK = 0x173FFF3Fu;

// PMSAv8 RBAR / RLAR
constexpr uint32_t V8_ADDR_MASK = ~0x1Fu;
constexpr uint32_t V8_RBAR_XN = 1u << 0;
constexpr uint32_t V8_RBAR_AP_SHIFT = 1;
constexpr uint32_t V8_RBAR_SH_SHIFT = 3;
constexpr uint32_t V8_RLAR_EN = 1u << 0;
constexpr uint32_t V8_RLAR_ATTRINDX_SHIFT = 1;
constexpr uint32_t V8_RLAR_PXN = 1u << 4;

// MMFSR (CFSR[7:0])
constexpr uint32_t MMFSR_IACCVIOL = 1u << 0;
constexpr uint32_t MMFSR_DACCVIOL = 1u << 1;
constexpr uint32_t MMFSR_MUNSTKERR = 1u << 3;
constexpr uint32_t MMFSR_MSTKERR = 1u << 4;
constexpr uint32_t MMFSR_MLSPERR = 1u << 5;
constexpr uint32_t MMFSR_MMARVALID = 1u << 7;

// Architectural address-map landmarks (ARMv7-M B3.1, QEMU m_is_ppb_region/m_is_system_region).
constexpr uint32_t PPB_BASE = 0xE0000000u;
constexpr uint32_t PPB_LAST = 0xE00FFFFFu;
constexpr uint32_t SYSTEM_BASE = 0xE0000000u; ///< System region: always execute-never

/// One region's register images. PMSAv7 uses rbar (ADDR only, as stored) and rasr; PMSAv8 uses
/// rbar and rlar. The other field stays 0.
struct MpuRegionRegs {
    uint32_t rbar = 0;
    uint32_t rasr = 0;
    uint32_t rlar = 0;
};

/// Everything the permission function reads: the MPU's configuration registers.
struct MpuConfig {
    MpuFlavour flavour = MpuFlavour::Pmsav7;
    uint32_t region_count = 8; ///< implemented regions (MPU_TYPE.DREGION), <= MPU_MAX_REGIONS
    uint32_t ctrl = 0;         ///< MPU_CTRL
    std::array<MpuRegionRegs, MPU_MAX_REGIONS> regions{};
};

/// How an address was resolved.
enum class MpuMatch : uint8_t {
    Disabled,    ///< MPU_CTRL.ENABLE = 0: the default memory map
    DefaultMap,  ///< the PPB, which always uses the default memory map
    Region,      ///< a region decided (MpuDecision::region)
    Background,  ///< no region; privileged with PRIVDEFENA: the default memory map
    NoRegion,    ///< no region and no background: always a fault
    Overlap,     ///< PMSAv8: two enabled regions match: always a fault
};

constexpr EnumName<MpuMatch> MPU_MATCH_NAMES[] = {
    {MpuMatch::Disabled, "disabled"},     {MpuMatch::DefaultMap, "default_map"},
    {MpuMatch::Region, "region"},         {MpuMatch::Background, "background"},
    {MpuMatch::NoRegion, "no_region"},    {MpuMatch::Overlap, "overlap"},
};

struct MpuDecision {
    bool allowed = true;
    MpuMatch match = MpuMatch::Disabled;
    int region = -1;            ///< the deciding region (Region; the highest one for Overlap)
    uint32_t fault_address = 0; ///< first byte of the denied part (denied only)
    uint32_t mmfsr = 0;         ///< the fault's bits: IACCVIOL or DACCVIOL|MMARVALID; 0 if allowed
};

/// Read/write/execute permission of one address, as a bit set.
constexpr uint8_t PERM_READ = 1;
constexpr uint8_t PERM_WRITE = 2;
constexpr uint8_t PERM_EXEC = 4;

/// Decides an access of `size_bytes` (0 counts as 1) at `address`. Every byte must be allowed;
/// a denial reports the first denied byte. Bytes past 0xFFFFFFFF are not checked.
/// O(regions) per uniform stretch of the address space the access touches (one for any access
/// inside an aligned word).
MpuDecision decide(const MpuConfig& config, uint32_t address, uint32_t size_bytes, AccessKind kind,
                   bool privileged);

/// The PERM_* set at one address for one privilege level, with how it was resolved
/// (`region`: the deciding region, or -1).
uint8_t permissions_at(const MpuConfig& config, uint32_t address, bool privileged,
                       MpuMatch* match = nullptr, int* region = nullptr);

/// Exclusive end of the stretch around `address` on which permissions_at() cannot change
/// (region, subregion and default-map edges), capped at 2^32.
uint64_t uniform_end(const MpuConfig& config, uint32_t address);

/// Largest [first, last] inside [lo, hi] containing `address` on which privileged and
/// unprivileged reads and writes are all allowed. False when `address` itself is not.
/// Used for DMI grants: an access through DMI is never checked, so it must never need to be.
bool unconditional_rw_span(const MpuConfig& config, uint32_t lo, uint32_t hi, uint32_t address,
                           uint32_t& first, uint32_t& last);

/// The same decisions as decide(), precomputed: the configuration flattened into the uniform
/// stretches of the address space (at most a few hundred), each with its permissions and match
/// for both privilege levels. Per access: one binary search (decide() walks every region).
/// Build after every reconfiguration: O(stretches x regions). Equal to decide() field for field
/// (tested against it on random configurations).
class MpuPermissionMap {
public:
    void build(const MpuConfig& config);
    MpuDecision decide(uint32_t address, uint32_t size_bytes, AccessKind kind,
                       bool privileged) const;
    size_t cells() const { return m_starts.size(); }

private:
    struct Cell {
        uint8_t perms[2]; ///< [0] privileged, [1] unprivileged
        MpuMatch match[2];
        int8_t region[2];
        bool same_as(const Cell& o) const {
            return perms[0] == o.perms[0] && perms[1] == o.perms[1] && match[0] == o.match[0] &&
                   match[1] == o.match[1] && region[0] == o.region[0] && region[1] == o.region[1];
        }
    };
    std::vector<uint32_t> m_starts{0}; ///< ascending, m_starts[0] = 0
    std::vector<Cell> m_cells{Cell{{0, 0}, {MpuMatch::NoRegion, MpuMatch::NoRegion}, {-1, -1}}};
    mutable size_t m_last = 0; ///< the stretch of the previous lookup (a hint, not state)
};

/// Decoded PMSAv7 region geometry; valid = enabled, SIZE != 0 and base aligned (QEMU).
struct V7Region {
    bool valid = false;
    uint32_t base = 0;
    uint64_t size_bytes = 0; ///< 2^(SIZE+1), up to 2^32
    bool has_subregions = false;
};
V7Region decode_v7(const MpuRegionRegs& regs);

/// PMSAv7 AP[2:0] -> PERM_READ|PERM_WRITE for one privilege level (XN not applied).
uint8_t v7_ap_permissions(uint32_t ap, bool privileged);
/// PMSAv8 AP[2:1] -> PERM_READ|PERM_WRITE.
uint8_t v8_ap_permissions(uint32_t ap, bool privileged);

/// Default memory map permissions (ARMv7-M B3.1; QEMU get_phys_addr_pmsav7_default): RW
/// everywhere, executable in Code, SRAM and the two RAM regions.
uint8_t default_map_permissions(uint32_t address);

} // namespace emsim
