#include "sim/power_host.h"

namespace emsim {

namespace {

std::vector<uint32_t> controller_regions(const AllocatorSpec& spec) {
    std::vector<uint32_t> out;
    for (size_t r : spec.power.regions) out.push_back(static_cast<uint32_t>(r));
    return out;
}

rt::PowerManagerParams manager_params(const AllocatorSpec& spec) {
    rt::PowerManagerParams params;
    switch (spec.power.policy) {
    case PowerPolicyKind::None: params.policy = rt::PowerPolicy::None; break;
    case PowerPolicyKind::Pack: params.policy = rt::PowerPolicy::Pack; break;
    case PowerPolicyKind::PackRetention: params.policy = rt::PowerPolicy::PackRetention; break;
    }
    return params;
}

uint32_t cycles32(Cycles cycles) {
    return cycles > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(cycles);
}

} // namespace

rt::PowerState runtime_state(PowerState state) {
    return static_cast<rt::PowerState>(power_state_code(state));
}

rt::PowerLayout power_layout(const PlatformConfig& platform, const AllocatorSpec& spec) {
    rt::PowerLayout layout;
    for (const std::string& name : spec.power.banks) {
        size_t b = 0;
        while (platform.banks[b].name != name) ++b;
        const BankConfig& bank = platform.banks[b];
        uint32_t region = 0;
        while (std::find(platform.power_regions[spec.power.regions[region]].banks.begin(),
                         platform.power_regions[spec.power.regions[region]].banks.end(), b) ==
               platform.power_regions[spec.power.regions[region]].banks.end())
            ++region;
        rt::PowerBankDesc& d = layout.banks[layout.bank_count++];
        d.base = static_cast<rt::Address>(bank.base);
        d.size_bytes = static_cast<uint32_t>(bank.params.size_bytes);
        d.region = region;
        d.retention_capable = platform.power_regions[spec.power.regions[region]].retention;
        d.wake_from_standby_cycles = cycles32(bank.params.standby_wake_cycles);
        d.wake_from_retention_cycles = cycles32(bank.params.retention_wake_cycles);
        d.wake_from_off_cycles = cycles32(bank.params.off_wake_cycles);
    }
    for (size_t r : spec.power.regions)
        layout.regions[layout.region_count++].always_on = platform.power_regions[r].always_on;
    return layout;
}

PoweredHeap::PoweredHeap(TlmMemory& memory, const PlatformConfig& platform,
                         const AllocatorSpec& spec)
    : power(memory, platform.power_controller.base, controller_regions(spec)),
      heap(memory, power, power_layout(platform, spec), manager_params(spec)),
      wake_budget_cycles(spec.power.wake_budget_cycles) {}

uint64_t PoweredHeap::free_bytes() const {
    uint64_t sum = 0;
    for (uint32_t b = 0; b < heap.bank_count(); ++b) sum += heap.bank_info(b).free_bytes;
    return sum;
}

std::map<std::string, double> PoweredHeap::stats() const {
    std::map<std::string, double> s;
    const rt::PowerManagerStats& p = heap.stats();
    s["banks"] = heap.bank_count();
    s["regions"] = heap.region_count();
    s["requests"] = p.requests;
    s["refusals"] = p.refusals;
    s["gating_actions"] = p.gating_actions;
    s["wakes"] = p.wakes;
    s["alloc_wakes"] = p.alloc_wakes;
    s["free_wakes"] = p.free_wakes;
    s["status_polls"] = p.status_polls;
    s["formats"] = p.formats;
    s["heaps_dropped"] = p.heaps_dropped;
    s["contents_lost"] = p.contents_lost;
    s["oom_count"] = p.oom_count;
    s["bad_pointer_count"] = p.bad_pointer_count;
    uint64_t live = 0, allocations = 0;
    for (uint32_t b = 0; b < heap.bank_count(); ++b) {
        live += heap.live_bytes(b);
        allocations += heap.live_allocations(b);
    }
    s["used_bytes"] = static_cast<double>(live);
    s["live_allocations"] = static_cast<double>(allocations);
    s["free_bytes"] = static_cast<double>(free_bytes());
    for (uint32_t st = 0; st < rt::POWER_STATE_COUNT; ++st)
        s[std::string("banks_") + rt::to_string(static_cast<rt::PowerState>(st))] =
            heap.banks_in_state(static_cast<rt::PowerState>(st));
    return s;
}

std::string power_refusal_result(rt::PowerRefusal refusal) {
    switch (refusal) {
    case rt::PowerRefusal::None: return "ok";
    case rt::PowerRefusal::AlwaysOn: return rt::to_string(rt::RtStatus::AccessDenied);
    case rt::PowerRefusal::NoRetention: return rt::to_string(rt::RtStatus::Unsupported);
    case rt::PowerRefusal::Busy: return rt::to_string(rt::RtStatus::TimeConstraintViolation);
    }
    return "?";
}

} // namespace emsim
