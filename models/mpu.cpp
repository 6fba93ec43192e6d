#include "models/mpu.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace emsim {

using sc_core::sc_time;

namespace {

constexpr uint64_t ADDRESS_LIMIT = 0xFFFFFFFFull; ///< the core's address space

bool region_count_ok(MpuFlavour flavour, uint32_t regions) {
    if (flavour == MpuFlavour::Pmsav7) return regions == 0 || regions == 8 || regions == 16;
    return regions <= MPU_MAX_REGIONS && regions % 4 == 0;
}

bool banked(MpuRegKind kind) {
    return kind == MpuRegKind::Rbar || kind == MpuRegKind::Rasr || kind == MpuRegKind::Rlar;
}

} // namespace

const MpuRegDesc* Mpu::registers(MpuFlavour flavour, size_t& count) {
    if (flavour == MpuFlavour::Pmsav7) {
        count = std::size(MPU_V7_REGS);
        return MPU_V7_REGS;
    }
    count = std::size(MPU_V8_REGS);
    return MPU_V8_REGS;
}

Mpu::Mpu(sc_core::sc_module_name name, const MpuParams& params, const Clock& clock)
    : sc_module(name), in("in"), out("out"), m_params(params), m_clock(clock),
      m_check_time(clock.to_time(params.check_cycles)),
      m_register_time(clock.to_time(params.check_cycles + params.register_cycles)) {
    if (!region_count_ok(params.flavour, params.regions))
        throw std::invalid_argument(std::string(this->name()) + ": regions = " +
                                    std::to_string(params.regions) + " is not offered by " +
                                    enum_name(MPU_FLAVOUR_NAMES, params.flavour) +
                                    " (pmsav7: 0, 8 or 16; pmsav8: 0, 4, 8, 12 or 16)");
    m_table = registers(params.flavour, m_table_size);
    m_config.flavour = params.flavour;
    m_config.region_count = params.regions;
    in.register_b_transport(this, &Mpu::b_transport);
    in.register_nb_transport_fw(this, &Mpu::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &Mpu::get_direct_mem_ptr);
    in.register_transport_dbg(this, &Mpu::transport_dbg);
    out.register_nb_transport_bw(this, &Mpu::nb_transport_bw);
    out.register_invalidate_direct_mem_ptr(this, &Mpu::invalidate_direct_mem_ptr);
    load_reset_values();
}

void Mpu::reset() {
    load_reset_values();
    reconfigured();
}

void Mpu::load_reset_values() {
    m_cfsr = MPU_FAULT_REGS[0].reset;
    m_mmfar = MPU_FAULT_REGS[1].reset;
    for (size_t i = 0; i < m_table_size; ++i) {
        const MpuRegDesc& reg = m_table[i];
        if (reg.alias != 0) continue;
        switch (reg.kind) {
        case MpuRegKind::Ctrl: m_config.ctrl = reg.reset; break;
        case MpuRegKind::Rnr: m_rnr = reg.reset; break;
        case MpuRegKind::Rbar:
            for (auto& r : m_config.regions) r.rbar = reg.reset;
            break;
        case MpuRegKind::Rasr:
            for (auto& r : m_config.regions) r.rasr = reg.reset;
            break;
        case MpuRegKind::Rlar:
            for (auto& r : m_config.regions) r.rlar = reg.reset;
            break;
        case MpuRegKind::Mair0: m_mair[0] = reg.reset; break;
        case MpuRegKind::Mair1: m_mair[1] = reg.reset; break;
        case MpuRegKind::Type:
        case MpuRegKind::Cfsr:
        case MpuRegKind::Mmfar: break;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Registers

bool Mpu::touches_window(uint64_t address, uint64_t length) const {
    const uint64_t end = address + std::max<uint64_t>(length, 1);
    if (end <= MPU_FAULT_REGS[0].address) return false; // every ordinary access stops here
    const auto overlaps = [&](uint64_t base, uint64_t bytes) {
        return address < base + bytes && base < end;
    };
    if (overlaps(MPU_FAULT_REGS[0].address, 4) || overlaps(MPU_FAULT_REGS[1].address, 4))
        return true;
    const uint64_t first = m_table[0].address;
    const uint64_t last = m_table[m_table_size - 1].address;
    return overlaps(first, last + 4 - first);
}

const MpuRegDesc* Mpu::find_register(uint32_t address) const {
    for (const MpuRegDesc& reg : MPU_FAULT_REGS)
        if (reg.address == address) return &reg;
    for (size_t i = 0; i < m_table_size; ++i)
        if (m_table[i].address == address) return &m_table[i];
    return nullptr;
}

int Mpu::region_of(const MpuRegDesc& reg) const {
    uint32_t region = m_rnr;
    // PMSAv8: the aliases replace RNR[1:0]; PMSAv7: every alias addresses RNR's region.
    if (m_params.flavour == MpuFlavour::Pmsav8 && reg.alias != 0)
        region = (m_rnr & ~3u) | reg.alias;
    return region < m_config.region_count ? static_cast<int>(region) : -1;
}

uint32_t Mpu::read_register(const MpuRegDesc& reg) const {
    const int region = banked(reg.kind) ? region_of(reg) : -1;
    switch (reg.kind) {
    case MpuRegKind::Type: return m_config.region_count << 8; // DREGION; SEPARATE = 0
    case MpuRegKind::Ctrl: return m_config.ctrl;
    case MpuRegKind::Rnr: return m_rnr;
    case MpuRegKind::Rbar:
        if (region < 0) return 0;
        if (m_params.flavour == MpuFlavour::Pmsav7)
            return (m_config.regions[region].rbar & V7_RBAR_ADDR_MASK) |
                   (static_cast<uint32_t>(region) & V7_RBAR_REGION_MASK);
        return m_config.regions[region].rbar;
    case MpuRegKind::Rasr: return region < 0 ? 0 : m_config.regions[region].rasr;
    case MpuRegKind::Rlar: return region < 0 ? 0 : m_config.regions[region].rlar;
    case MpuRegKind::Mair0: return m_mair[0];
    case MpuRegKind::Mair1: return m_mair[1];
    case MpuRegKind::Cfsr: return m_cfsr;
    case MpuRegKind::Mmfar: return m_mmfar;
    }
    return 0;
}

void Mpu::write_register(const MpuRegDesc& reg, uint32_t value, uint32_t lanes) {
    if (reg.kind == MpuRegKind::Cfsr) {
        m_cfsr &= ~value; // write-one-to-clear; `value` holds only the bytes written
        return;
    }
    if (lanes != 0xFu) return; // sub-word writes to word registers: ignored (QEMU)
    switch (reg.kind) {
    case MpuRegKind::Type: return; // read-only
    case MpuRegKind::Ctrl:
        m_config.ctrl = value & CTRL_MASK;
        reconfigured();
        return;
    case MpuRegKind::Rnr:
        if (value < m_config.region_count) m_rnr = value; // QEMU ignores out-of-range values
        return;
    case MpuRegKind::Rbar: {
        if (m_params.flavour == MpuFlavour::Pmsav8) {
            const int region = region_of(reg);
            if (region < 0) return;
            m_config.regions[region].rbar = value;
            reconfigured();
            return;
        }
        uint32_t region = m_rnr;
        if (value & V7_RBAR_VALID) {
            // VALID: REGION selects the region and is written to RNR, in one store.
            region = value & V7_RBAR_REGION_MASK;
            if (region >= m_config.region_count) return; // QEMU: the whole write is ignored
            m_rnr = region;
        }
        if (region >= m_config.region_count) return;
        m_config.regions[region].rbar = value & V7_RBAR_ADDR_MASK;
        reconfigured();
        return;
    }
    case MpuRegKind::Rasr: {
        const int region = region_of(reg);
        if (region < 0) return;
        m_config.regions[region].rasr = value & V7_RASR_MASK;
        reconfigured();
        return;
    }
    case MpuRegKind::Rlar: {
        const int region = region_of(reg);
        if (region < 0) return;
        m_config.regions[region].rlar = value;
        reconfigured();
        return;
    }
    case MpuRegKind::Mair0: m_mair[0] = value; return;
    case MpuRegKind::Mair1: m_mair[1] = value; return;
    case MpuRegKind::Mmfar: m_mmfar = value; return;
    case MpuRegKind::Cfsr: return;
    }
}

void Mpu::reconfigured() {
    ++m_stats.reconfigurations;
    m_map_stale = true;
    // Any DMI pointer was granted under the old configuration; the core must ask again.
    in->invalidate_direct_mem_ptr(0, ~sc_dt::uint64(0));
}

void Mpu::access_registers(tlm::tlm_generic_payload& trans, bool debug) {
    const uint64_t start = trans.get_address();
    const uint64_t end = start + trans.get_data_length();
    unsigned char* data = trans.get_data_ptr();
    const unsigned char* enables = trans.get_byte_enable_ptr();
    const unsigned enable_length = trans.get_byte_enable_length();
    const bool is_write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
    for (uint64_t word = start & ~3ull; word < end; word += 4) {
        uint32_t lanes = 0;
        uint32_t value = 0;
        for (uint32_t lane = 0; lane < 4; ++lane) {
            const uint64_t a = word + lane;
            if (a < start || a >= end) continue;
            const uint64_t i = a - start;
            if (enables && enable_length && enables[i % enable_length] != TLM_BYTE_ENABLED)
                continue;
            lanes |= 1u << lane;
            value |= uint32_t(data[i]) << (8 * lane);
        }
        if (!lanes) continue;
        const MpuRegDesc* reg = word <= ADDRESS_LIMIT ? find_register(static_cast<uint32_t>(word))
                                                      : nullptr;
        if (is_write) {
            if (reg) write_register(*reg, value, lanes);
            continue;
        }
        // Reads: sub-word reads of word registers are RAZ (QEMU); CFSR reads per byte.
        const bool readable = reg && (lanes == 0xFu || reg->kind == MpuRegKind::Cfsr);
        const uint32_t word_value = readable ? read_register(*reg) : 0;
        for (uint32_t lane = 0; lane < 4; ++lane)
            if (lanes & (1u << lane)) data[word + lane - start] = uint8_t(word_value >> (8 * lane));
    }
    if (debug) return;
    if (is_write)
        ++m_stats.register_writes;
    else
        ++m_stats.register_reads;
}

std::optional<uint32_t> Mpu::peek_register(uint32_t address) const {
    const MpuRegDesc* reg = find_register(address);
    if (!reg) return std::nullopt;
    return read_register(*reg);
}

std::string Mpu::register_dump() const {
    std::string out;
    char line[96];
    const auto emit = [&](const char* name, int region, uint32_t address, uint32_t value) {
        if (region < 0)
            std::snprintf(line, sizeof line, "%s @0x%08X = 0x%08X\n", name, address, value);
        else
            std::snprintf(line, sizeof line, "%s[%d] @0x%08X = 0x%08X\n", name, region, address,
                          value);
        out += line;
    };
    for (const MpuRegDesc& reg : MPU_FAULT_REGS)
        emit(reg.name, -1, reg.address, read_register(reg));
    for (size_t i = 0; i < m_table_size; ++i) {
        const MpuRegDesc& reg = m_table[i];
        if (reg.alias != 0) continue;
        if (!banked(reg.kind)) {
            emit(reg.name, -1, reg.address, read_register(reg));
            continue;
        }
        for (uint32_t n = 0; n < m_config.region_count; ++n) {
            const MpuRegionRegs& r = m_config.regions[n];
            uint32_t value = reg.kind == MpuRegKind::Rasr ? r.rasr
                             : reg.kind == MpuRegKind::Rlar ? r.rlar
                                                             : r.rbar;
            if (reg.kind == MpuRegKind::Rbar && m_params.flavour == MpuFlavour::Pmsav7)
                value = (value & V7_RBAR_ADDR_MASK) | (n & V7_RBAR_REGION_MASK);
            emit(reg.name, static_cast<int>(n), reg.address, value);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The check, shared by LT and AT

void Mpu::record_fault(const tlm::tlm_generic_payload& trans, const ResolvedAttributes& attrs,
                       const MpuDecision& decision, uint32_t size, const sc_time& arrival) {
    ++m_stats.denied;
    m_cfsr |= decision.mmfsr;
    MpuFault fault{m_clock.to_cycles(arrival),
                   static_cast<uint32_t>(trans.get_address()),
                   size,
                   attrs.kind,
                   attrs.privileged,
                   attrs.domain,
                   decision.mmfsr,
                   std::nullopt};
    if (decision.mmfsr & MMFSR_MMARVALID) {
        m_mmfar = decision.fault_address; // QEMU overwrites MMFAR on every data fault
        fault.mmfar = decision.fault_address;
    }
    m_faults.push_back(fault);
}

Mpu::Outcome Mpu::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return Outcome::Forward;
    const uint64_t address = trans.get_address();
    if (address > ADDRESS_LIMIT) return Outcome::Forward; // not the core's address space
    const unsigned length = trans.get_data_length();
    const unsigned width = trans.get_streaming_width();
    const uint32_t span = (width != 0 && width < length) ? width : length;
    const ResolvedAttributes attrs = resolve_attributes(trans);
    ++m_stats.checked;
    if (m_map_stale) { // once per reconfiguration, at the first access after it
        m_map.build(m_config);
        m_map_stale = false;
    }
    const MpuDecision decision =
        m_map.decide(static_cast<uint32_t>(address), span, attrs.kind, attrs.privileged);
    if (!decision.allowed) {
        record_fault(trans, attrs, decision, span, sc_core::sc_time_stamp() + delay);
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        delay += m_check_time;
        return Outcome::Answered;
    }
    if (!touches_window(address, span)) {
        delay += m_check_time;
        return Outcome::Forward;
    }
    delay += m_register_time;
    if (!attrs.privileged) {
        ++m_stats.register_refused; // unprivileged SCS access: BusFault
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return Outcome::Answered;
    }
    if (width != 0 && width < length) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return Outcome::Answered;
    }
    access_registers(trans, false);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return Outcome::Answered;
}

// ---------------------------------------------------------------------------------------------
// TLM

void Mpu::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    if (handle(trans, delay) == Outcome::Forward) out->b_transport(trans, delay);
}

tlm::tlm_sync_enum Mpu::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                        sc_time& delay) {
    if (phase == tlm::BEGIN_REQ && handle(trans, delay) == Outcome::Answered) {
        // Answered here: the whole transaction completes on this call, `delay` from now.
        phase = tlm::BEGIN_RESP;
        return tlm::TLM_COMPLETED;
    }
    // Forwarded requests and every later phase (END_RESP) belong to the bus side.
    return out->nb_transport_fw(trans, phase, delay);
}

tlm::tlm_sync_enum Mpu::nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                        sc_time& delay) {
    return in->nb_transport_bw(trans, phase, delay);
}

bool Mpu::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t address = trans.get_address();
    if (address > ADDRESS_LIMIT) return out->get_direct_mem_ptr(trans, dmi);
    const auto refuse = [&]() {
        ++m_stats.dmi_refusals;
        dmi.init();
        dmi.set_start_address(address);
        dmi.set_end_address(address);
        return false;
    };
    if (touches_window(address, 1)) return refuse(); // registers have side effects
    if (!out->get_direct_mem_ptr(trans, dmi)) return false;
    const uint64_t lo = dmi.get_start_address();
    const uint64_t hi = std::min<uint64_t>(dmi.get_end_address(), ADDRESS_LIMIT);
    if (lo > address || hi < address) return refuse();
    uint32_t first = 0, last = 0;
    if (!unconditional_rw_span(m_config, static_cast<uint32_t>(lo), static_cast<uint32_t>(hi),
                               static_cast<uint32_t>(address), first, last) ||
        touches_window(first, uint64_t(last) - first + 1))
        return refuse();
    dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (first - lo));
    dmi.set_start_address(first);
    dmi.set_end_address(last);
    // A DMI user skips the check but not its time: the same latency as through b_transport.
    dmi.set_read_latency(dmi.get_read_latency() + m_check_time);
    dmi.set_write_latency(dmi.get_write_latency() + m_check_time);
    ++m_stats.dmi_grants;
    return true;
}

unsigned int Mpu::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t address = trans.get_address();
    const auto cmd = trans.get_command();
    if (address > ADDRESS_LIMIT || cmd == tlm::TLM_IGNORE_COMMAND ||
        !touches_window(address, trans.get_data_length()))
        return out->transport_dbg(trans);
    access_registers(trans, true);
    return trans.get_data_length();
}

void Mpu::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    in->invalidate_direct_mem_ptr(start, end);
}

} // namespace emsim
