#include "models/mpu_regions.h"

#include <algorithm>
#include <iterator>

namespace emsim {

namespace {

constexpr uint64_t ADDRESS_SPACE_END = 1ull << 32;
constexpr uint8_t PERM_RW = PERM_READ | PERM_WRITE;

bool in_ppb(uint32_t address) { return address >= PPB_BASE && address <= PPB_LAST; }

uint8_t needed(AccessKind kind) {
    switch (kind) {
    case AccessKind::Read: return PERM_READ;
    case AccessKind::Write: return PERM_WRITE;
    case AccessKind::Fetch: return PERM_EXEC;
    }
    return PERM_READ;
}

/// [base, last] of an enabled PMSAv8 region; false when disabled or empty (limit < base).
bool v8_bounds(const MpuRegionRegs& regs, uint32_t& base, uint32_t& last) {
    if (!(regs.rlar & V8_RLAR_EN)) return false;
    base = regs.rbar & V8_ADDR_MASK;
    last = regs.rlar | 0x1Fu; // LIMIT is inclusive: bits [4:0] of the limit are all ones
    return last >= base;
}

/// What the default memory map gives, with how it was reached.
uint8_t background(const MpuConfig& config, uint32_t address, bool privileged, MpuMatch* match) {
    if (privileged && (config.ctrl & CTRL_PRIVDEFENA)) {
        if (match) *match = MpuMatch::Background;
        return default_map_permissions(address);
    }
    if (match) *match = MpuMatch::NoRegion;
    return 0;
}

} // namespace

uint8_t default_map_permissions(uint32_t address) {
    switch (address >> 29) {
    case 0: // 0x00000000 Code
    case 1: // 0x20000000 SRAM
    case 3: // 0x60000000 RAM
    case 4: // 0x80000000 RAM
        return PERM_READ | PERM_WRITE | PERM_EXEC;
    default: // Peripheral, Device, System: execute-never
        return PERM_RW;
    }
}

V7Region decode_v7(const MpuRegionRegs& regs) {
    V7Region r;
    if (!(regs.rasr & V7_RASR_ENABLE)) return r;
    const uint32_t size_field = (regs.rasr >> V7_RASR_SIZE_SHIFT) & V7_RASR_SIZE_MASK;
    if (size_field == 0) return r; // QEMU: "Rsize field cannot be 0", region skipped
    r.size_bytes = 1ull << (size_field + 1);
    r.base = regs.rbar & V7_RBAR_ADDR_MASK;
    // UNPREDICTABLE in the architecture (silicon aligns down); QEMU skips the region.
    if (r.base & (r.size_bytes - 1)) return r;
    r.has_subregions = size_field + 1 >= 8; // 256 bytes and up
    r.valid = true;
    return r;
}

uint8_t v7_ap_permissions(uint32_t ap, bool privileged) {
    switch (ap & 7u) {
    case 0: return 0;
    case 1: return privileged ? PERM_RW : 0;
    case 2: return privileged ? PERM_RW : PERM_READ;
    case 3: return PERM_RW;
    case 4: return 0; // reserved: QEMU grants nothing
    case 5: return privileged ? PERM_READ : 0;
    case 6:
    case 7: return PERM_READ; // 7 is the v7-M alias of 6
    }
    return 0;
}

uint8_t v8_ap_permissions(uint32_t ap, bool privileged) {
    switch (ap & 3u) {
    case 0: return privileged ? PERM_RW : 0;
    case 1: return PERM_RW;
    case 2: return privileged ? PERM_READ : 0;
    case 3: return PERM_READ;
    }
    return 0;
}

uint8_t permissions_at(const MpuConfig& config, uint32_t address, bool privileged, MpuMatch* match,
                       int* region) {
    if (region) *region = -1;
    if (!(config.ctrl & CTRL_ENABLE)) {
        if (match) *match = MpuMatch::Disabled;
        return default_map_permissions(address);
    }
    if (in_ppb(address)) {
        if (match) *match = MpuMatch::DefaultMap;
        return default_map_permissions(address);
    }
    const uint32_t count = std::min(config.region_count, MPU_MAX_REGIONS);
    const bool system = address >= SYSTEM_BASE;

    if (config.flavour == MpuFlavour::Pmsav7) {
        // Highest-numbered matching region wins; a disabled subregion falls through.
        for (int n = static_cast<int>(count) - 1; n >= 0; --n) {
            const MpuRegionRegs& regs = config.regions[n];
            const V7Region r = decode_v7(regs);
            if (!r.valid || address < r.base || address - r.base >= r.size_bytes) continue;
            if (r.has_subregions) {
                const uint64_t sub = (address - r.base) / (r.size_bytes / 8);
                if ((regs.rasr >> (V7_RASR_SRD_SHIFT + sub)) & 1u) continue;
            }
            uint8_t perms = v7_ap_permissions(regs.rasr >> V7_RASR_AP_SHIFT, privileged);
            if ((perms & PERM_READ) && !(regs.rasr & V7_RASR_XN) && !system) perms |= PERM_EXEC;
            if (match) *match = MpuMatch::Region;
            if (region) *region = n;
            return perms;
        }
        return background(config, address, privileged, match);
    }

    // PMSAv8: at most one enabled region may match; two matches fault whatever they allow.
    int hit = -1;
    for (int n = static_cast<int>(count) - 1; n >= 0; --n) {
        uint32_t base = 0, last = 0;
        if (!v8_bounds(config.regions[n], base, last) || address < base || address > last) continue;
        if (hit != -1) {
            if (match) *match = MpuMatch::Overlap;
            if (region) *region = hit;
            return 0;
        }
        hit = n;
    }
    if (hit == -1) return background(config, address, privileged, match);
    const MpuRegionRegs& regs = config.regions[hit];
    uint8_t perms = v8_ap_permissions(regs.rbar >> V8_RBAR_AP_SHIFT, privileged);
    if (perms && !(regs.rbar & V8_RBAR_XN) && !system) perms |= PERM_EXEC;
    if (match) *match = MpuMatch::Region;
    if (region) *region = hit;
    return perms;
}

uint64_t uniform_end(const MpuConfig& config, uint32_t address) {
    const uint64_t a = address;
    // Default-map cells are 512 MB; the PPB splits the System cell.
    uint64_t end = (a & ~0x1FFFFFFFull) + 0x20000000ull;
    if (in_ppb(address)) end = uint64_t(PPB_LAST) + 1;
    if (!(config.ctrl & CTRL_ENABLE) || in_ppb(address)) return end; // regions do not apply
    const auto clip = [&](uint64_t base, uint64_t last, uint64_t cell_bytes) {
        if (a < base)
            end = std::min(end, base);
        else if (a <= last)
            end = std::min(end, base + ((a - base) / cell_bytes + 1) * cell_bytes);
    };
    const uint32_t count = std::min(config.region_count, MPU_MAX_REGIONS);
    for (uint32_t n = 0; n < count; ++n) {
        if (config.flavour == MpuFlavour::Pmsav7) {
            const V7Region r = decode_v7(config.regions[n]);
            if (!r.valid) continue;
            clip(r.base, r.base + r.size_bytes - 1,
                 r.has_subregions ? r.size_bytes / 8 : r.size_bytes);
        } else {
            uint32_t base = 0, last = 0;
            if (!v8_bounds(config.regions[n], base, last)) continue;
            clip(base, last, uint64_t(last) - base + 1);
        }
    }
    return end;
}

MpuDecision decide(const MpuConfig& config, uint32_t address, uint32_t size_bytes, AccessKind kind,
                   bool privileged) {
    const uint8_t need = needed(kind);
    const uint64_t end = std::min<uint64_t>(uint64_t(address) + std::max<uint32_t>(size_bytes, 1),
                                            ADDRESS_SPACE_END);
    // No region, subregion or map edge lies inside an aligned word (the smallest QEMU region is
    // 4 bytes), so an access within one word needs one lookup.
    const bool one_word = (address & ~3u) == ((end - 1) & ~3ull);
    MpuDecision decision;
    uint64_t a = address;
    bool first = true;
    for (;;) {
        MpuMatch match = MpuMatch::Disabled;
        int region = -1;
        const uint8_t perms =
            permissions_at(config, static_cast<uint32_t>(a), privileged, &match, &region);
        if (!(perms & need)) {
            decision.allowed = false;
            decision.match = match;
            decision.region = region;
            decision.fault_address = static_cast<uint32_t>(a);
            decision.mmfsr = kind == AccessKind::Fetch ? MMFSR_IACCVIOL
                                                       : MMFSR_DACCVIOL | MMFSR_MMARVALID;
            return decision;
        }
        if (first) {
            decision.match = match;
            decision.region = region;
            first = false;
        }
        if (one_word) return decision;
        a = uniform_end(config, static_cast<uint32_t>(a));
        if (a >= end) return decision;
    }
}

void MpuPermissionMap::build(const MpuConfig& config) {
    m_last = 0;
    m_starts.clear();
    m_cells.clear();
    for (uint64_t a = 0; a < ADDRESS_SPACE_END;) {
        const uint32_t at = static_cast<uint32_t>(a);
        Cell cell{};
        for (int p = 0; p < 2; ++p) {
            int region = -1;
            cell.perms[p] = permissions_at(config, at, p == 0, &cell.match[p], &region);
            cell.region[p] = static_cast<int8_t>(region);
        }
        if (m_cells.empty() || !cell.same_as(m_cells.back())) {
            // Equal neighbours merge: they decide every access identically.
            m_starts.push_back(at);
            m_cells.push_back(cell);
        }
        a = uniform_end(config, at);
    }
}

MpuDecision MpuPermissionMap::decide(uint32_t address, uint32_t size_bytes, AccessKind kind,
                                     bool privileged) const {
    const uint8_t need = needed(kind);
    const int p = privileged ? 0 : 1;
    const uint64_t end = std::min<uint64_t>(uint64_t(address) + std::max<uint32_t>(size_bytes, 1),
                                            ADDRESS_SPACE_END);
    size_t i = m_last; // accesses cluster: try the previous stretch before searching
    if (address < m_starts[i] || (i + 1 < m_starts.size() && address >= m_starts[i + 1])) {
        i = static_cast<size_t>(std::upper_bound(m_starts.begin(), m_starts.end(), address) -
                                m_starts.begin()) - 1;
        m_last = i;
    }
    MpuDecision decision;
    decision.match = m_cells[i].match[p];
    decision.region = m_cells[i].region[p];
    for (uint64_t a = address;;) {
        const Cell& cell = m_cells[i];
        if (!(cell.perms[p] & need)) {
            decision.allowed = false;
            decision.match = cell.match[p];
            decision.region = cell.region[p];
            decision.fault_address = static_cast<uint32_t>(a);
            decision.mmfsr = kind == AccessKind::Fetch ? MMFSR_IACCVIOL
                                                       : MMFSR_DACCVIOL | MMFSR_MMARVALID;
            return decision;
        }
        if (++i == m_starts.size() || m_starts[i] >= end) return decision;
        a = m_starts[i];
    }
}

bool unconditional_rw_span(const MpuConfig& config, uint32_t lo, uint32_t hi, uint32_t address,
                           uint32_t& first, uint32_t& last) {
    const auto open = [&](uint32_t a) {
        return (permissions_at(config, a, true) & PERM_RW) == PERM_RW &&
               (permissions_at(config, a, false) & PERM_RW) == PERM_RW;
    };
    if (address < lo || address > hi || !open(address)) return false;
    // Walk the uniform stretches from lo: the run of open ones that holds `address` is the span.
    uint64_t run_start = lo;
    bool in_run = false;
    bool found = false;
    for (uint64_t a = lo; a <= hi;) {
        const uint64_t next = std::min<uint64_t>(uniform_end(config, static_cast<uint32_t>(a)),
                                                 uint64_t(hi) + 1);
        const bool ok = open(static_cast<uint32_t>(a));
        if (ok && !in_run) run_start = a;
        if (!ok && found) break;
        in_run = ok;
        if (a <= address && address < next) found = true;
        a = next;
        if (found) last = static_cast<uint32_t>(a - 1);
    }
    first = static_cast<uint32_t>(run_start);
    return found;
}

} // namespace emsim
