#include "models/power_controller.h"

#include "models/sram_bank.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace emsim {

using sc_core::sc_time;

namespace {

/// Depth order: deeper = less power. The region reports its least deep bank.
int depth(PowerState s) { return static_cast<int>(s); }

PowerState state_of_code(uint32_t code) { return static_cast<PowerState>(code & 0x3u); }

void add_into(EnergySnapshot& sum, const EnergySnapshot& s) {
    sum.read_words += s.read_words;
    sum.write_words += s.write_words;
    sum.transitions += s.transitions;
    for (size_t b = 0; b < TIME_BUCKET_COUNT; ++b) {
        sum.time_ps[b] += s.time_ps[b];
        sum.leakage_fj[b] += s.leakage_fj[b];
    }
    sum.dynamic_read_fj += s.dynamic_read_fj;
    sum.dynamic_write_fj += s.dynamic_write_fj;
    sum.transition_fj += s.transition_fj;
}

uint32_t load_word(const unsigned char* data) {
    return uint32_t(data[0]) | uint32_t(data[1]) << 8 | uint32_t(data[2]) << 16 |
           uint32_t(data[3]) << 24;
}

void store_word(unsigned char* data, uint32_t value) {
    for (int lane = 0; lane < 4; ++lane)
        data[lane] = static_cast<unsigned char>(value >> (8 * lane));
}

} // namespace

PowerController::PowerController(sc_core::sc_module_name name, const PowerControllerParams& params,
                                 const Clock& clock, std::vector<SramBank*> banks)
    : sc_module(name), in("in"), m_params(params), m_clock(clock),
      m_timed(this->name(), in,
              [this](tlm::tlm_generic_payload& trans, uint64_t arrival_ps, uint64_t now_ps) {
                  return serve_timed(trans, arrival_ps, now_ps);
              }) {
    const std::string me = this->name();
    const auto fail = [&](const std::string& what) {
        throw std::invalid_argument(me + ": " + what);
    };
    if (params.regions.size() > POWER_CONTROLLER_MAX_REGIONS)
        fail(std::to_string(params.regions.size()) + " power regions; at most " +
             std::to_string(POWER_CONTROLLER_MAX_REGIONS) + " fit the register map");
    for (size_t b = 0; b < banks.size(); ++b)
        if (!banks[b]) fail("bank " + std::to_string(b) + " of the bank list is null");
    std::vector<int> owner(banks.size(), -1);
    m_regions.resize(params.regions.size());
    for (size_t i = 0; i < params.regions.size(); ++i) {
        const PowerRegionParams& rp = params.regions[i];
        const std::string region = "power region " + std::to_string(i) +
                                   (rp.name.empty() ? std::string() : " '" + rp.name + "'");
        if (rp.banks.empty()) fail(region + " has no banks");
        for (size_t b : rp.banks) {
            if (b >= banks.size())
                fail(region + ": bank index " + std::to_string(b) + " is out of range (" +
                     std::to_string(banks.size()) + " banks)");
            if (owner[b] >= 0)
                fail(region + ": bank " + std::to_string(b) + " (" + banks[b]->name() +
                     ") already belongs to power region " + std::to_string(owner[b]));
            owner[b] = static_cast<int>(i);
            m_regions[i].banks.push_back(banks[b]);
        }
        const PowerState first = m_regions[i].banks.front()->power_state();
        for (const SramBank* bank : m_regions[i].banks)
            if (bank->power_state() != first)
                fail(region + ": its banks start in different power states (" +
                     to_string(first) + " and " + to_string(bank->power_state()) +
                     "); banks of a region are switched together");
        if (rp.always_on && first == PowerState::Off)
            fail(region + " is always-on but its banks start off");
        if (!rp.retention_capable && first == PowerState::Retention)
            fail(region + " is not retention-capable but its banks start in retention");
    }
    in.register_b_transport(this, &PowerController::b_transport);
    in.register_nb_transport_fw(this, &PowerController::nb_transport_fw);
    in.register_get_direct_mem_ptr(this, &PowerController::get_direct_mem_ptr);
    in.register_transport_dbg(this, &PowerController::transport_dbg);
    load_reset_values();
}

void PowerController::load_reset_values() {
    for (const PowerRegDesc& reg : POWER_CONTROLLER_REGS) {
        for (Region& r : m_regions) {
            switch (reg.kind) {
            case PowerRegKind::Ctrl:
                r.ctrl = (reg.reset & ~PWR_CTRL_REQ_MASK) |
                         (power_state_code(r.banks.front()->power_state()) << PWR_CTRL_REQ_SHIFT);
                break;
            case PowerRegKind::Status: r.status_err = reg.reset & PWR_STATUS_ERR_MASK; break;
            case PowerRegKind::Info: break; // computed
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regions

bool PowerController::busy_at(const Region& r, const sc_time& at) const {
    for (const SramBank* bank : r.banks)
        if (bank->in_transition() && at < bank->transition_end()) return true;
    return false;
}

PowerState PowerController::state_at(const Region& r, const sc_time& at) const {
    bool busy = false;
    PowerState leaving = PowerState::Off; // least deep state the moving banks are leaving
    PowerState settled = PowerState::Off; // least deep state of the banks at rest
    for (const SramBank* bank : r.banks) {
        if (bank->in_transition() && at < bank->transition_end()) {
            busy = true;
            if (depth(bank->transition_from()) < depth(leaving)) leaving = bank->transition_from();
        } else if (depth(bank->power_state()) < depth(settled)) {
            settled = bank->power_state();
        }
    }
    return busy ? leaving : settled;
}

PowerState PowerController::region_state(size_t i) const {
    return state_at(m_regions.at(i), sc_core::sc_time_stamp());
}

bool PowerController::region_busy(size_t i) const {
    return busy_at(m_regions.at(i), sc_core::sc_time_stamp());
}

PowerState PowerController::region_request(size_t i) const {
    return state_of_code((m_regions.at(i).ctrl & PWR_CTRL_REQ_MASK) >> PWR_CTRL_REQ_SHIFT);
}

PowerRequestError PowerController::region_error(size_t i) const {
    return static_cast<PowerRequestError>((m_regions.at(i).status_err & PWR_STATUS_ERR_MASK) >>
                                          PWR_STATUS_ERR_SHIFT);
}

PowerRequestError PowerController::request_region_state(size_t i, PowerState target,
                                                        const sc_time& offset) {
    if (i >= m_regions.size())
        throw std::out_of_range(std::string(name()) + ": no power region " + std::to_string(i));
    return request(i, target, sc_core::sc_time_stamp() + offset);
}

PowerRequestError PowerController::request(size_t i, PowerState target, const sc_time& at) {
    Region& r = m_regions[i];
    const PowerRegionParams& rp = m_params.regions[i];
    ++r.stats.requested;
    PowerRequestError error = PowerRequestError::None;
    if (target == PowerState::Off && rp.always_on)
        error = PowerRequestError::AlwaysOn;
    else if (target == PowerState::Retention && !rp.retention_capable)
        error = PowerRequestError::NoRetention;
    else if (busy_at(r, at))
        error = PowerRequestError::Busy;
    r.status_err = static_cast<uint32_t>(error) << PWR_STATUS_ERR_SHIFT;
    if (error != PowerRequestError::None) {
        ++r.stats.refused;
        ++r.stats.refused_by[static_cast<size_t>(error)];
        return error;
    }
    const sc_time offset = at - sc_core::sc_time_stamp();
    bool moved = false;
    for (SramBank* bank : r.banks) {
        // Not in a transition at `at` (checked above), so power_state() is where it is then.
        moved = moved || bank->power_state() != target;
        if (!bank->request_power_state(target, offset))
            SC_REPORT_ERROR(name(), "a bank refused a transition the controller found idle");
    }
    r.ctrl = (r.ctrl & ~PWR_CTRL_REQ_MASK) | (power_state_code(target) << PWR_CTRL_REQ_SHIFT);
    ++r.stats.accepted;
    if (moved) ++r.stats.transitions;
    return error;
}

std::array<uint64_t, TIME_BUCKET_COUNT> PowerController::region_time_ps(size_t i) const {
    const Region& r = m_regions.at(i);
    const EnergySnapshot sum = region_energy(i);
    std::array<uint64_t, TIME_BUCKET_COUNT> mean{};
    for (size_t b = 0; b < TIME_BUCKET_COUNT; ++b) mean[b] = sum.time_ps[b] / r.banks.size();
    return mean;
}

EnergySnapshot PowerController::region_energy(size_t i) const {
    EnergySnapshot sum;
    for (const SramBank* bank : m_regions.at(i).banks) add_into(sum, bank->energy());
    return sum;
}

// ---------------------------------------------------------------------------------------------
// Registers

const PowerRegDesc* PowerController::find_register(uint32_t offset, int& region) const {
    for (const PowerRegDesc& reg : POWER_CONTROLLER_REGS) {
        if (!reg.per_region) {
            if (offset != reg.offset) continue;
            region = -1;
            return &reg;
        }
        if (offset < reg.offset || (offset - reg.offset) % POWER_REGION_STRIDE != 0) continue;
        const uint32_t n = (offset - reg.offset) / POWER_REGION_STRIDE;
        if (n >= m_regions.size()) continue;
        region = static_cast<int>(n);
        return &reg;
    }
    return nullptr;
}

uint32_t PowerController::read_register(const PowerRegDesc& reg, int region,
                                        const sc_time& at) const {
    switch (reg.kind) {
    case PowerRegKind::Ctrl: return m_regions[region].ctrl;
    case PowerRegKind::Status: {
        const Region& r = m_regions[region];
        const PowerRegionParams& rp = m_params.regions[region];
        uint32_t value = r.status_err & PWR_STATUS_ERR_MASK;
        value |= power_state_code(state_at(r, at)) << PWR_STATUS_STATE_SHIFT;
        if (busy_at(r, at)) value |= PWR_STATUS_BUSY;
        if (rp.always_on) value |= PWR_STATUS_ALWAYS_ON;
        if (rp.retention_capable) value |= PWR_STATUS_RETENTION_CAPABLE;
        return value;
    }
    case PowerRegKind::Info:
        return (static_cast<uint32_t>(m_regions.size()) << PWR_INFO_REGIONS_SHIFT) |
               (PWR_INFO_VERSION << PWR_INFO_VERSION_SHIFT) | (PWR_INFO_ID << PWR_INFO_ID_SHIFT);
    }
    return 0;
}

void PowerController::write_register(const PowerRegDesc& reg, int region, uint32_t value,
                                     const sc_time& at) {
    switch (reg.kind) {
    case PowerRegKind::Ctrl:
        request(static_cast<size_t>(region),
                state_of_code((value & PWR_CTRL_REQ_MASK) >> PWR_CTRL_REQ_SHIFT), at);
        return;
    case PowerRegKind::Status:
    case PowerRegKind::Info: return; // read-only: writes ignored
    }
}

std::optional<uint32_t> PowerController::peek_register(uint32_t offset) const {
    int region = -1;
    const PowerRegDesc* reg = find_register(offset, region);
    if (!reg) return std::nullopt;
    return read_register(*reg, region, sc_core::sc_time_stamp());
}

std::string PowerController::register_dump() const {
    std::string out;
    char line[128];
    const sc_time now = sc_core::sc_time_stamp();
    for (const PowerRegDesc& reg : POWER_CONTROLLER_REGS) {
        if (!reg.per_region) {
            std::snprintf(line, sizeof line, "%s @0x%03X = 0x%08X\n", reg.name, reg.offset,
                          read_register(reg, -1, now));
            out += line;
            continue;
        }
        for (size_t i = 0; i < m_regions.size(); ++i) {
            const uint32_t offset = reg.offset + POWER_REGION_STRIDE * static_cast<uint32_t>(i);
            std::snprintf(line, sizeof line, "%s[%zu] @0x%03X = 0x%08X", reg.name, i, offset,
                          read_register(reg, static_cast<int>(i), now));
            out += line;
            if (!m_params.regions[i].name.empty()) out += " (" + m_params.regions[i].name + ")";
            out += '\n';
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Serving an access (LT and AT share this)

Refusal PowerController::check(const tlm::tlm_generic_payload& trans, const PowerRegDesc*& reg,
                               int& region, tlm::tlm_response_status& status) const {
    const uint64_t address = trans.get_address();
    const uint64_t length = trans.get_data_length();
    if (address >= POWER_CONTROLLER_WINDOW_BYTES ||
        length > POWER_CONTROLLER_WINDOW_BYTES - address) {
        status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
        return Refusal::OutOfRange;
    }
    if (length != 4 || trans.get_streaming_width() < 4 || trans.get_data_ptr() == nullptr) {
        status = tlm::TLM_BURST_ERROR_RESPONSE;
        return Refusal::Unsupported;
    }
    reg = find_register(static_cast<uint32_t>(address), region);
    if (!reg) {
        status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
        return Refusal::OutOfRange;
    }
    if (const unsigned char* enables = trans.get_byte_enable_ptr()) {
        const unsigned enable_length = trans.get_byte_enable_length();
        bool all = enable_length != 0;
        for (unsigned i = 0; all && i < 4; ++i)
            all = enables[i % enable_length] == TLM_BYTE_ENABLED;
        if (!all) {
            status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
            return Refusal::Unsupported;
        }
    }
    status = tlm::TLM_OK_RESPONSE;
    return Refusal::None;
}

PowerController::Plan PowerController::serve(tlm::tlm_generic_payload& trans, uint64_t arrival_ps,
                                             uint64_t now_ps) {
    Plan plan;
    const uint64_t edge_ps = m_clock.edge_at_or_after_ps(arrival_ps);
    const uint64_t held_ps = m_clock.to_ps(m_params.register_cycles);
    m_busy.forget_before(now_ps);
    plan.start_ps = m_busy.earliest_fit(edge_ps, held_ps);
    m_busy.reserve(plan.start_ps, held_ps);
    plan.done_ps = plan.start_ps + held_ps;

    const tlm::tlm_command cmd = trans.get_command();
    if (cmd == tlm::TLM_IGNORE_COMMAND) return plan; // OK, no effect

    const PowerRegDesc* reg = nullptr;
    int region = -1;
    plan.refusal = check(trans, reg, region, plan.status);
    if (plan.refusal != Refusal::None) {
        ++m_stats.register_errors;
        return plan;
    }
    const sc_time at = sc_time::from_value(plan.done_ps);
    unsigned char* data = trans.get_data_ptr();
    if (cmd == tlm::TLM_READ_COMMAND) {
        store_word(data, read_register(*reg, region, at));
        ++m_stats.register_reads;
    } else {
        write_register(*reg, region, load_word(data), at);
        ++m_stats.register_writes;
    }
    return plan;
}

void PowerController::annotate(tlm::tlm_generic_payload& trans, const Plan& plan) const {
    AccessInfo* info = trans.get_extension<AccessInfo>();
    if (!info) return;
    info->access_cycles += m_params.register_cycles;
    info->beats += 1;
    info->accepted_at_ps = plan.start_ps;
    if (plan.refusal != Refusal::None) info->refusal = plan.refusal;
}

// ---------------------------------------------------------------------------------------------
// LT

void PowerController::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    m_timed.b_transport(trans, delay);
}

// ---------------------------------------------------------------------------------------------
// AT: END_REQ when the register file starts the access, BEGIN_RESP when it is done
// (TimedTarget).

tlm::tlm_sync_enum PowerController::nb_transport_fw(tlm::tlm_generic_payload& trans,
                                                    tlm::tlm_phase& phase, sc_time& delay) {
    return m_timed.nb_transport_fw(trans, phase, delay);
}

TimedService PowerController::serve_timed(tlm::tlm_generic_payload& trans, uint64_t arrival_ps,
                                          uint64_t now_ps) {
    const Plan plan = serve(trans, arrival_ps, now_ps);
    trans.set_response_status(plan.status);
    annotate(trans, plan);
    return TimedService{plan.start_ps, plan.done_ps};
}

// ---------------------------------------------------------------------------------------------
// DMI and debug

bool PowerController::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    // Registers have side effects: never granted, for the whole window.
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    dmi.set_start_address(0);
    dmi.set_end_address(POWER_CONTROLLER_WINDOW_BYTES - 1);
    return false;
}

unsigned int PowerController::transport_dbg(tlm::tlm_generic_payload& trans) {
    const tlm::tlm_command cmd = trans.get_command();
    if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) return 0;
    const uint64_t address = trans.get_address();
    const uint64_t length = trans.get_data_length();
    if (address % 4 != 0 || length % 4 != 0 || length == 0 || trans.get_data_ptr() == nullptr ||
        address >= POWER_CONTROLLER_WINDOW_BYTES ||
        length > POWER_CONTROLLER_WINDOW_BYTES - address)
        return 0;
    const sc_time now = sc_core::sc_time_stamp();
    unsigned char* data = trans.get_data_ptr();
    for (uint64_t i = 0; i < length; i += 4) {
        int region = -1;
        const PowerRegDesc* reg = find_register(static_cast<uint32_t>(address + i), region);
        if (cmd == tlm::TLM_READ_COMMAND) {
            store_word(data + i, reg ? read_register(*reg, region, now) : 0);
            continue;
        }
        if (!reg || reg->access != RegAccess::RW) continue; // RO and holes: ignored
        switch (reg->kind) {
        case PowerRegKind::Ctrl: // the stored bits only: no transition, ERR untouched
            m_regions[region].ctrl = load_word(data + i) & PWR_CTRL_MASK;
            break;
        case PowerRegKind::Status:
        case PowerRegKind::Info: break;
        }
    }
    return static_cast<unsigned int>(length);
}

} // namespace emsim
