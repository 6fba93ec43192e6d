#pragma once
// The power-management part of a scenario: the `power_aware` allocator (the runtime's
// PowerAwareHeap over whole banks, driving the platform's power controller through the bus), and
// the steps power_request, optimize_power and sleep and the region expectations. Owns their
// resolved form and their validation (file:line ConfigErrors through the scenario's Reader);
// scenario.cpp dispatches to it, runtime_host / power_host execute it.
//
//   allocators:
//     - name: heap
//       kind: power_aware
//       banks: [ram1, ram2, ram3]  # required, ascending addresses, no bank twice. Every bank of
//                                 # a power region it touches must be listed (the manager
//                                 # switches whole regions), and no other allocator may live in
//                                 # them. The manager's regions are those regions, in controller
//                                 # order (at most 16 banks and 16 regions: runtime/config.h).
//       policy: none | pack | pack_retention  # ? = pack_retention (runtime/power_manager.h)
//       wake_budget_cycles: 400   # ? = 10^9 (no bound): optimize_power's budget unless it
//                                 # gives one; Retention only where the wake fits in it
//   Override the policy for a whole run with --set allocators[heap].policy=pack.
//
// Steps:
//   alloc: {heap: H, size: N, lifetime: short | long}   lifetime only on power_aware heaps
//   read/write of a power_aware block first calls the manager's prepare_access(), as firmware
//     must before touching data in a bank that may be in Retention (the wake is in the op).
//   power_request: {region: R, state: active|standby|retention|off}
//     One store to CTRL[R] and one load of STATUS[R] over the bus (so the cost is simulated);
//     the op's result is ok, or the refusal as the manager maps it: AccessDenied (always-on),
//     Unsupported (no retention), TimeConstraintViolation (busy). R must hold no bank a
//     power_aware allocator manages (that heap alone switches its regions: optimize_power);
//     the same holds for the `power: {bank}` step.
//   optimize_power: {heap: H?, wake_budget_cycles: N?}
//     The heap's optimize_for_power(budget): H defaults to the only power_aware allocator;
//     the budget to the heap's wake_budget_cycles.
//   sleep: {cycles: N} | {us: N} | {ms: N}
//     The core executes WFI: no runtime operation and no access for the duration, so only
//     leakage accrues. The memory clock stops with the core, so every bank that is Active drops
//     to Standby (its clock gate, not a power switch: the controller's CTRL is unchanged) and
//     wakes on its next access after standby_wake_cycles. DMA streams already started keep
//     running: stop them first for a system-wide idle. Recorded as op "sleep".
// Expectations:
//   region_state: {region: R, state: S}   STATUS.STATE of R (while busy, the state it leaves)
//   energy_max_uj: X with region: R (its banks) and/or state: S (only leakage accrued in S)

#include "models/power_state.h"
#include "models/units.h"
#include "sim/yaml_reader.h"

#include <cstdint>
#include <string>
#include <vector>

namespace emsim {

enum class PowerPolicyKind { None, Pack, PackRetention };

constexpr EnumName<PowerPolicyKind> POWER_POLICY_NAMES[] = {
    {PowerPolicyKind::None, "none"},
    {PowerPolicyKind::Pack, "pack"},
    {PowerPolicyKind::PackRetention, "pack_retention"},
};

enum class LifetimeKind { Short, Long };

constexpr EnumName<LifetimeKind> LIFETIME_NAMES[] = {
    {LifetimeKind::Short, "short"},
    {LifetimeKind::Long, "long"},
};

constexpr uint32_t DEFAULT_WAKE_BUDGET_CYCLES = 1000000000;

/// A power_aware allocator's own settings.
struct PowerHeapSpec {
    std::vector<std::string> banks;  ///< ascending addresses
    std::vector<size_t> regions;     ///< controller region indices it manages, ascending
    PowerPolicyKind policy = PowerPolicyKind::PackRetention;
    uint32_t wake_budget_cycles = DEFAULT_WAKE_BUDGET_CYCLES;
};

struct Scenario;
struct AllocatorSpec;
struct Step;
struct Expectation;

/// A power_aware allocator's keys beyond name and kind (already read into `a`); `s` holds the
/// platform and the allocators before it.
void read_power_aware_allocator(const cfg::Reader& r, const Scenario& s, const YAML::Node& node,
                                const std::string& path, const std::vector<cfg::Entry>& entries,
                                AllocatorSpec& a);
/// power_request, optimize_power and sleep arguments (`kind` is the step's key entry).
void read_power_request(const cfg::Reader& r, const Scenario& s, const cfg::Entry& kind,
                        const std::vector<cfg::Entry>& args, Step& st);
void read_optimize_power(const cfg::Reader& r, const Scenario& s, const cfg::Entry& kind,
                         const std::vector<cfg::Entry>& args, Step& st);
void read_sleep(const cfg::Reader& r, const Scenario& s, const cfg::Entry& kind,
                const std::vector<cfg::Entry>& args, Step& st);
/// alloc's `lifetime:` on the allocator `a`.
void read_lifetime(const cfg::Reader& r, const AllocatorSpec& a, const cfg::Entry& e, Step& st);
/// The power_aware allocator that manages `bank`, or nullptr.
const AllocatorSpec* power_manager_of_bank(const Scenario& s, const std::string& bank);
/// The name of a power region of the platform.
std::string read_region_name(const cfg::Reader& r, const Scenario& s, const cfg::Entry& e);
/// expect's `region_state: {region, state}`.
void read_region_state(const cfg::Reader& r, const Scenario& s, const cfg::Entry& e,
                       Expectation& x);

} // namespace emsim
