// RuntimeHost's power-management steps and observations (see sim/power_scenario.h for what each
// step means): kept apart from runtime_host.cpp so the allocator and data steps stay readable.
#include "sim/power_host.h"
#include "sim/runtime_host.h"

#include <algorithm>
#include <cstdio>

namespace emsim {

static_assert(LEAKAGE_STATE_COUNT == TIME_BUCKET_COUNT, "record buckets = ledger buckets");

namespace {

std::string status_text(rt::RtStatus status) {
    return status == rt::RtStatus::Ok ? "ok" : rt::to_string(status);
}

size_t region_index(const PlatformConfig& platform, const std::string& name) {
    size_t i = 0;
    while (platform.power_regions[i].name != name) ++i;
    return i;
}

} // namespace

void RuntimeHost::record_power_layout() {
    const PlatformConfig& platform = m_scenario.platform;
    for (const PowerRegionConfig& region : platform.power_regions) {
        std::vector<std::string>& banks = m_record.region_banks[region.name];
        for (size_t b : region.banks) banks.push_back(platform.banks[b].name);
    }
    // A bank whose one allocator is known: power_aware banks, or a bank only one region lies in.
    std::map<std::string, std::vector<std::string>> dwellers;
    for (const AllocatorSpec& spec : m_scenario.allocators) {
        if (spec.kind == AllocatorKind::PowerAware) {
            for (const std::string& bank : spec.power.banks) dwellers[bank].push_back(spec.name);
            continue;
        }
        dwellers[spec.bank].push_back(spec.name);
    }
    for (const auto& [bank, names] : dwellers)
        if (names.size() == 1) m_record.bank_owner[bank] = names.front();
}

const std::string& RuntimeHost::region_of_bank(size_t bank) const {
    for (const PowerRegionConfig& region : m_scenario.platform.power_regions)
        if (std::count(region.banks.begin(), region.banks.end(), bank)) return region.name;
    static const std::string none;
    return none; // every bank is in a region (power_config.cpp): not reached
}

void RuntimeHost::note_power_changes() {
    bool changed = false;
    for (size_t b = 0; b < m_platform.banks().size() && !changed; ++b) {
        const SramBank& bank = *m_platform.banks()[b];
        const NotedPower& noted = m_noted_power[b];
        changed = noted.state != bank.power_state() || noted.in_transition != bank.in_transition() ||
                  (bank.in_transition() && noted.transition_end != bank.transition_end());
    }
    if (!changed) return;
    m_port.sync(); // record the change at the host's own time
    for (size_t b = 0; b < m_platform.banks().size(); ++b) {
        const SramBank& bank = *m_platform.banks()[b];
        const NotedPower& noted = m_noted_power[b];
        if (noted.state != bank.power_state() || noted.in_transition != bank.in_transition() ||
            (bank.in_transition() && noted.transition_end != bank.transition_end()))
            note_power_change(b);
    }
}

void RuntimeHost::execute_power_step(const Step& step) {
    switch (step.kind) {
    case StepKind::PowerRequest: {
        const size_t region = region_index(m_scenario.platform, step.region);
        begin_op(step, "power_request", "", step.region, 0);
        rt::MmioPowerControl<TlmMemory> control(m_memory, static_cast<rt::Address>(
                                                              m_scenario.platform.power_controller.base));
        const rt::PowerRefusal refusal =
            control.request(static_cast<uint32_t>(region), runtime_state(step.state));
        end_op(power_refusal_result(refusal), 0, 0);
        break;
    }
    case StepKind::OptimizePower: {
        PoweredHeap& heap = powered_heap(step.heap);
        begin_op(step, "optimize_power", step.heap, "", 0);
        const rt::PowerPlan plan =
            heap.heap.optimize_for_power(step.wake_budget_cycles.value_or(heap.wake_budget_cycles));
        end_op(status_text(plan.status), 0, heap.heap.last_op_steps());
        break;
    }
    case StepKind::Sleep: {
        m_port.sync();
        // WFI: the memory clock stops with the core; Active banks are clock gated (Standby).
        for (const auto& bank : m_platform.banks())
            if (!bank->in_transition() && bank->power_state() == PowerState::Active)
                bank->request_power_state(PowerState::Standby);
        begin_op(step, "sleep", "", "", 0);
        m_port.advance(sc_core::sc_time::from_value(step.wait_ps));
        m_port.sync();
        end_op("ok", 0, 0);
        break;
    }
    default: break;
    }
}

bool RuntimeHost::evaluate_power(const Expectation& e, ExpectationResult& result) {
    const PlatformConfig& platform = m_scenario.platform;
    if (e.kind == ExpectKind::RegionState) {
        m_port.sync();
        const PowerController& controller = m_platform.power_controller();
        const size_t region = region_index(platform, e.region);
        const PowerState state = controller.region_state(region);
        result.what = "region_state " + e.region + " == " + to_string(*e.power_state);
        result.passed = state == *e.power_state;
        result.detail = std::string("was ") + to_string(state) +
                        (controller.region_busy(region) ? " (busy)" : "");
        return true;
    }
    if (e.kind != ExpectKind::EnergyMaxUj || (e.region.empty() && !e.power_state)) return false;
    std::vector<size_t> banks;
    for (size_t b = 0; b < platform.banks.size(); ++b)
        if ((e.bank.empty() || platform.banks[b].name == e.bank) &&
            (e.region.empty() || region_of_bank(b) == e.region))
            banks.push_back(b);
    uint64_t total_fj = 0;
    for (size_t b : banks) {
        const EnergySnapshot energy = m_platform.banks()[b]->energy();
        total_fj += e.power_state ? energy.leakage_fj[index_of(*e.power_state)] : energy.total_fj();
    }
    const double uj = static_cast<double>(total_fj) / 1e9;
    result.what = "energy_max_uj <= " + std::to_string(e.energy_uj) +
                  (e.bank.empty() ? "" : " (bank " + e.bank + ")") +
                  (e.region.empty() ? "" : " (region " + e.region + ")") +
                  (e.power_state ? std::string(" (leakage in ") + to_string(*e.power_state) + ")" : "");
    result.passed = uj <= e.energy_uj;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f uJ", uj);
    result.detail = buf;
    return true;
}

} // namespace emsim
