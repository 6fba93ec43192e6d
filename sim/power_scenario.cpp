#include "sim/power_scenario.h"

#include "runtime/power_manager.h"
#include "sim/config_error.h"
#include "sim/scenario.h"

#include <algorithm>
#include <limits>

namespace emsim {

using cfg::Entry;
using cfg::find;
using cfg::hex;
using cfg::join;

namespace {

std::vector<std::string> region_names(const Scenario& s) {
    std::vector<std::string> names;
    for (const PowerRegionConfig& region : s.platform.power_regions) names.push_back(region.name);
    return names;
}

const Entry& need(const cfg::Reader& r, const Entry& kind, const std::vector<Entry>& args,
                  const char* key, const std::string& expectation) {
    const Entry* e = find(args, key);
    if (!e) r.missing(kind.key_node, cfg::child(kind.path, key), expectation);
    return *e;
}

uint32_t budget(const cfg::Reader& r, const Entry& e) {
    return static_cast<uint32_t>(r.unsigned_value(e, 0, DEFAULT_WAKE_BUDGET_CYCLES, "a whole number of cycles from 0 to 10^9"));
}

} // namespace

void read_power_aware_allocator(const cfg::Reader& r, const Scenario& s, const YAML::Node& node,
                                const std::string& path, const std::vector<Entry>& entries,
                                AllocatorSpec& a) {
    PowerHeapSpec& p = a.power;
    const std::vector<BankConfig>& banks = s.platform.banks;
    std::vector<std::string> names;
    for (const BankConfig& b : banks) names.push_back(b.name);
    const std::string want = "a non-empty list of bank names in ascending address order (" + join(names) + ")";
    const Entry* list = find(entries, "banks");
    if (!list) r.missing(node, cfg::child(path, "banks"), want);
    if (!list->value.IsSequence() || list->value.size() == 0) r.expected(*list, want);
    if (list->value.size() > rt::PowerLayout::MAX_BANKS)
        r.expected(*list, "at most " + std::to_string(rt::PowerLayout::MAX_BANKS) + " banks (EMSIM_RT_POWER_MAX_BANKS), got " + std::to_string(list->value.size()));
    std::vector<size_t> indices;
    for (size_t i = 0; i < list->value.size(); ++i) {
        const Entry item{"", list->path + "[" + std::to_string(i) + "]", list->value[i], list->value[i]};
        const std::string name = r.text_value(item, want);
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end())
            r.fail(item.key_node, item.value, item.path, "expected one of the banks of platform " + s.platform.name + " (" + join(names) + "), got undefined bank '" + name + "'" + cfg::suggestion(name, names));
        const size_t b = static_cast<size_t>(it - names.begin());
        if (!indices.empty() && banks[b].base <= banks[indices.back()].base)
            r.fail(item.key_node, item.value, item.path, "expected banks in ascending address order without repeats, got " + name + " (" + hex(banks[b].base) + ") after " + banks[indices.back()].name + " (" + hex(banks[indices.back()].base) + ")");
        indices.push_back(b);
        p.banks.push_back(name);
    }
    // Whole regions only: the manager switches a region with every bank in it.
    for (size_t region = 0; region < s.platform.power_regions.size(); ++region) {
        const PowerRegionConfig& rc = s.platform.power_regions[region];
        bool touched = false;
        for (size_t b : rc.banks) touched = touched || std::count(indices.begin(), indices.end(), b);
        if (!touched) continue;
        for (size_t b : rc.banks)
            if (!std::count(indices.begin(), indices.end(), b))
                r.fail(list->key_node, list->value, list->path, "expected every bank of power region " + rc.name + " (the manager switches whole regions), got no " + banks[b].name);
        p.regions.push_back(region);
    }
    if (p.regions.size() > rt::PowerLayout::MAX_REGIONS)
        r.expected(*list, "banks in at most " + std::to_string(rt::PowerLayout::MAX_REGIONS) + " power regions (EMSIM_RT_POWER_MAX_REGIONS), got " + std::to_string(p.regions.size()));
    a.bank = banks[indices.front()].name;
    a.base = banks[indices.front()].base;
    a.size_bytes = banks[indices.back()].base + banks[indices.back()].params.size_bytes - a.base;
    for (size_t j = 0; j < s.allocators.size(); ++j) {
        const AllocatorSpec& other = s.allocators[j];
        const uint64_t other_end = other.base + other.size_bytes;
        for (size_t b : indices) {
            const uint64_t end = banks[b].base + banks[b].params.size_bytes;
            if (banks[b].base < other_end && other.base < end)
                r.fail(list->key_node, list->value, list->path, "expected banks no other allocator lives in, got bank " + banks[b].name + " shared with \"" + other.name + "\" (allocators[" + std::to_string(j) + "], line " + std::to_string(other.line) + ")");
        }
    }
    if (const Entry* e = find(entries, "policy")) p.policy = r.enum_value(*e, POWER_POLICY_NAMES);
    if (const Entry* e = find(entries, "wake_budget_cycles")) p.wake_budget_cycles = budget(r, *e);
}

const AllocatorSpec* power_manager_of_bank(const Scenario& s, const std::string& bank) {
    for (const AllocatorSpec& a : s.allocators)
        if (a.kind == AllocatorKind::PowerAware &&
            std::find(a.power.banks.begin(), a.power.banks.end(), bank) != a.power.banks.end())
            return &a;
    return nullptr;
}

void read_power_request(const cfg::Reader& r, const Scenario& s, const Entry& kind,
                        const std::vector<Entry>& args, Step& st) {
    const Entry& region = need(r, kind, args, "region", "the name of a power region");
    st.region = read_region_name(r, s, region);
    // A region a power_aware heap manages is switched by that heap only: a request behind its
    // back would leave it placing data in a bank it believes powered (or formatted).
    for (const PowerRegionConfig& pr : s.platform.power_regions)
        if (pr.name == st.region)
            for (size_t b : pr.banks)
                if (const AllocatorSpec* a = power_manager_of_bank(s, s.platform.banks[b].name))
                    r.fail(region.key_node, region.value, region.path, "expected a region no power_aware allocator manages (" + a->name + " manages bank " + s.platform.banks[b].name + " of region " + st.region + ": switch it with optimize_power), got " + st.region);
    st.state = r.enum_value(need(r, kind, args, "state", "one of " + enum_choices(POWER_STATE_NAMES)), POWER_STATE_NAMES);
}

void read_optimize_power(const cfg::Reader& r, const Scenario& s, const Entry& kind,
                         const std::vector<Entry>& args, Step& st) {
    std::vector<std::string> heaps;
    for (const AllocatorSpec& a : s.allocators)
        if (a.kind == AllocatorKind::PowerAware) heaps.push_back(a.name);
    const std::string listed = heaps.empty() ? "none is defined" : join(heaps);
    if (const Entry* e = find(args, "heap")) {
        st.heap = r.text_value(*e, "the name of a power_aware allocator");
        if (std::find(heaps.begin(), heaps.end(), st.heap) == heaps.end())
            r.fail(e->key_node, e->value, e->path, "expected a power_aware allocator (" + listed + "), got '" + st.heap + "'" + cfg::suggestion(st.heap, heaps));
    } else if (heaps.size() == 1) {
        st.heap = heaps.front();
    } else {
        r.missing(kind.key_node, cfg::child(kind.path, "heap"), "the power_aware allocator to optimize (" + listed + (heaps.empty() ? "" : "; there is more than one") + ")");
    }
    if (const Entry* e = find(args, "wake_budget_cycles")) st.wake_budget_cycles = budget(r, *e);
}

void read_sleep(const cfg::Reader& r, const Scenario& s, const Entry& kind,
                const std::vector<Entry>& args, Step& st) {
    const Entry* given = nullptr;
    for (const Entry& e : args) {
        if (given) r.fail(e.key_node, e.value, e.path, "expected one of cycles, us and ms, got both " + given->key + " and " + e.key);
        given = &e;
    }
    if (!given) r.missing(kind.key_node, cfg::child(kind.path, "ms"), "a duration: one of cycles, us or ms");
    const uint64_t unit_ps = given->key == "cycles" ? s.platform.clock.period_ps() : given->key == "us" ? 1000000 : 1000000000;
    const uint64_t max = 1000000000000000000ULL / unit_ps;
    st.wait_ps = r.unsigned_value(*given, 1, max, "a whole number of " + given->key + " from 1 to " + std::to_string(max) + " (10^18 ps)") * unit_ps;
}

void read_lifetime(const cfg::Reader& r, const AllocatorSpec& a, const Entry& e, Step& st) {
    if (a.kind != AllocatorKind::PowerAware)
        r.fail(e.key_node, YAML::Node(), e.path, "expected lifetime only on a power_aware allocator, got it on '" + a.name + "', a " + enum_name(ALLOCATOR_KIND_NAMES, a.kind) + " allocator");
    st.long_lived = r.enum_value(e, LIFETIME_NAMES) == LifetimeKind::Long;
}

std::string read_region_name(const cfg::Reader& r, const Scenario& s, const Entry& e) {
    const std::string name = r.text_value(e, "the name of a power region");
    const std::vector<std::string> names = region_names(s);
    if (std::find(names.begin(), names.end(), name) == names.end())
        r.fail(e.key_node, e.value, e.path, "expected one of the power regions of platform " + s.platform.name + " (" + join(names) + "), got undefined region '" + name + "'" + cfg::suggestion(name, names));
    return name;
}

void read_region_state(const cfg::Reader& r, const Scenario& s, const Entry& e, Expectation& x) {
    x.kind = ExpectKind::RegionState;
    const std::vector<Entry> parts = r.entries(e.value, e.path, {"region", "state"});
    x.region = read_region_name(r, s, need(r, e, parts, "region", "the name of a power region"));
    x.power_state = r.enum_value(need(r, e, parts, "state", "one of " + enum_choices(POWER_STATE_NAMES)), POWER_STATE_NAMES);
}

} // namespace emsim
