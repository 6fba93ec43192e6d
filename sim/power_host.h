#pragma once
// The runtime's power-aware manager hosted on the simulated platform: PoweredHeap is one
// `kind: power_aware` allocator, a PowerAwareHeap<TlmMemory, ...> over whole banks whose power
// requests and status polls are MmioPowerControl loads and stores on the bus (so they cost what
// the controller's register_cycles and the interconnect say, and show in the op's loads and
// stores). Owns the translation from the scenario's banks and the platform's regions to the
// runtime's PowerLayout, and the map from the manager's dense region numbers to the controller's
// region indices. The steps that use it are executed by RuntimeHost.

#include "runtime/power_manager.h"
#include "sim/scenario.h"
#include "sim/tlm_memory.h"

#include <map>
#include <string>
#include <vector>

namespace emsim {

/// The manager's power policy: its region i is the controller's region `regions[i]`.
class ControllerRegions {
public:
    ControllerRegions(TlmMemory& memory, uint64_t controller_base, std::vector<uint32_t> regions)
        : m_mmio(memory, static_cast<rt::Address>(controller_base)), m_regions(std::move(regions)) {}

    rt::PowerRefusal request(uint32_t region, rt::PowerState state) {
        return m_mmio.request(m_regions.at(region), state);
    }
    rt::PowerRegionStatus state(uint32_t region) { return m_mmio.state(m_regions.at(region)); }

private:
    rt::MmioPowerControl<TlmMemory> m_mmio;
    std::vector<uint32_t> m_regions;
};

using PowerAwareTlmHeap = rt::PowerAwareHeap<TlmMemory, ControllerRegions>;

struct PoweredHeap {
    PoweredHeap(TlmMemory& memory, const PlatformConfig& platform, const AllocatorSpec& spec);

    ControllerRegions power;
    PowerAwareTlmHeap heap;
    const uint32_t wake_budget_cycles;

    /// Free bytes over its banks (formatted heaps' free bytes, fresh capacity elsewhere).
    uint64_t free_bytes() const;
    /// End-of-run figures for summary.json (host-side counters only).
    std::map<std::string, double> stats() const;
};

/// The layout the manager gets for `spec` on `platform` (banks in order, regions dense).
rt::PowerLayout power_layout(const PlatformConfig& platform, const AllocatorSpec& spec);

/// A power_request's outcome as an op result: "ok", or the RtStatus name the manager maps the
/// refusal to (AccessDenied, Unsupported, TimeConstraintViolation).
std::string power_refusal_result(rt::PowerRefusal refusal);

rt::PowerState runtime_state(PowerState state);

} // namespace emsim
