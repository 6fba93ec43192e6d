#include "sim/power_config.h"

#include "sim/config_error.h"
#include "sim/platform_config.h"

#include <algorithm>

namespace emsim {

using cfg::Entry;
using cfg::find;
using cfg::hex;
using cfg::join;
using cfg::line_of;

const std::vector<std::string> POWER_REGION_KEYS = {"name", "banks", "always_on", "retention"};
const std::vector<std::string> POWER_CONTROLLER_KEYS = {"base", "register_cycles"};

namespace {

const char* const REGIONS_EXPECTED =
    "a list of power regions (maps with name, banks, always_on, retention)";

std::vector<std::string> bank_names(const std::vector<BankConfig>& banks) {
    std::vector<std::string> names;
    for (const BankConfig& b : banks) names.push_back(b.name);
    return names;
}

PowerRegionConfig read_region(const cfg::Reader& r, const YAML::Node& node,
                              const std::string& path, const std::vector<BankConfig>& banks,
                              std::vector<int>& region_of_bank, size_t index,
                              const std::vector<PowerRegionConfig>& before) {
    const std::vector<Entry> entries = r.entries(node, path, POWER_REGION_KEYS);
    PowerRegionConfig region;
    region.line = line_of(node);
    const Entry* name = find(entries, "name");
    if (!name) r.missing(node, cfg::child(path, "name"), cfg::NAME_EXPECTED);
    region.name = r.name_value(*name);
    for (const PowerRegionConfig& other : before)
        if (other.name == region.name)
            r.fail(name->key_node, name->value, name->path, "expected a unique region name, got \"" + region.name + "\" again (first at line " + std::to_string(other.line) + ")");
    if (const Entry* e = find(entries, "always_on")) region.always_on = r.flag_value(*e);
    if (const Entry* e = find(entries, "retention")) region.retention = r.flag_value(*e);

    const Entry* list = find(entries, "banks");
    const std::string want = "a non-empty list of bank names (" + join(bank_names(banks)) + ")";
    if (!list) r.missing(node, cfg::child(path, "banks"), want);
    if (!list->value.IsSequence()) r.expected(*list, want);
    if (list->value.size() == 0) r.fail(list->key_node, list->value, list->path, "expected " + want + ", got an empty list");
    for (size_t i = 0; i < list->value.size(); ++i) {
        const Entry item{"", list->path + "[" + std::to_string(i) + "]", list->value[i], list->value[i]};
        const std::string bank = r.text_value(item, want);
        const auto it = std::find_if(banks.begin(), banks.end(), [&](const BankConfig& b) { return b.name == bank; });
        if (it == banks.end())
            r.fail(item.key_node, item.value, item.path, "expected one of the banks (" + join(bank_names(banks)) + "), got undefined bank '" + bank + "'" + cfg::suggestion(bank, bank_names(banks)));
        const size_t b = static_cast<size_t>(it - banks.begin());
        if (region_of_bank[b] >= 0)
            r.fail(item.key_node, item.value, item.path, "expected a bank in no other region (a bank switches with one region), got bank " + bank + " again (already in region " + (static_cast<size_t>(region_of_bank[b]) == index ? region.name : before[static_cast<size_t>(region_of_bank[b])].name) + ")");
        region_of_bank[b] = static_cast<int>(index);
        region.banks.push_back(b);
    }
    std::sort(region.banks.begin(), region.banks.end());
    const PowerState first = banks[region.banks.front()].params.initial_state;
    for (size_t b : region.banks) {
        const PowerState state = banks[b].params.initial_state;
        if (state != first)
            r.fail(list->key_node, list->value, list->path, "expected banks that start in the same initial_state (they switch together), got " + banks[region.banks.front()].name + " " + to_string(first) + " and " + banks[b].name + " " + to_string(state));
    }
    if (!region.retention && first == PowerState::Retention)
        r.fail(name->key_node, name->value, name->path, "expected a region that can retain (retention: true), got retention: false for banks that start in retention");
    if (region.always_on && first == PowerState::Off)
        r.fail(name->key_node, name->value, name->path, "expected an always-on region to start powered, got banks with initial_state off");
    return region;
}

} // namespace

void read_power_sections(const cfg::Reader& r, const Entry* regions_entry,
                         const Entry* controller_entry, const YAML::Node& root,
                         const std::vector<BankConfig>& banks,
                         std::vector<PowerRegionConfig>& regions,
                         PowerControllerConfig& controller) {
    regions.clear();
    if (!regions_entry) {
        for (size_t b = 0; b < banks.size(); ++b) {
            PowerRegionConfig region;
            region.name = banks[b].name;
            region.banks = {b};
            regions.push_back(region);
        }
    } else {
        const Entry& e = *regions_entry;
        if (!e.value.IsSequence() || e.value.size() == 0) r.expected(e, REGIONS_EXPECTED);
        if (e.value.size() > POWER_CONTROLLER_MAX_REGIONS)
            r.expected(e, "at most " + std::to_string(POWER_CONTROLLER_MAX_REGIONS) + " regions (the controller's CTRL/STATUS pairs), got " + std::to_string(e.value.size()));
        std::vector<int> region_of_bank(banks.size(), -1);
        for (size_t i = 0; i < e.value.size(); ++i)
            regions.push_back(read_region(r, e.value[i], e.path + "[" + std::to_string(i) + "]", banks, region_of_bank, i, regions));
        for (size_t b = 0; b < banks.size(); ++b)
            if (region_of_bank[b] < 0)
                r.fail(e.key_node, e.value, e.path, "expected every bank in a power region, got bank " + banks[b].name + " in none (add it to a region, e.g. one of its own)");
    }

    controller = PowerControllerConfig{};
    std::vector<Entry> controller_keys;
    if (controller_entry)
        controller_keys = r.entries(controller_entry->value, controller_entry->path, POWER_CONTROLLER_KEYS);
    const Entry* base = find(controller_keys, "base");
    {
        for (const Entry& e : controller_keys) {
            if (e.key == "base") {
                controller.base = r.unsigned_value(e, 0, ADDRESS_SPACE_END - 1, "an address (an integer below 2^32, e.g. 0x40000000)");
                if (controller.base % 4 != 0) r.expected(e, "a multiple of 4 (the registers are words)");
            } else {
                controller.register_cycles = r.unsigned_value(e, 1, MAX_LATENCY_CYCLES, "a whole number of cycles from 1 to 10^9");
            }
        }
    }
    const uint64_t end = controller.base + POWER_CONTROLLER_WINDOW_BYTES;
    const std::string window = "[" + hex(controller.base) + ", " + hex(end) + ")";
    auto blame = [&](const std::string& message) {
        if (base) r.fail(base->key_node, base->value, base->path, message);
        const YAML::Node where = controller_entry ? controller_entry->key_node : root;
        r.fail(where, YAML::Node(), "power_controller.base", message + " (the default base; set power_controller.base)");
    };
    if (end > ADDRESS_SPACE_END)
        blame("expected the controller's " + std::to_string(POWER_CONTROLLER_WINDOW_BYTES) + "-byte window to end at or below 2^32, got " + window);
    for (const BankConfig& b : banks) {
        const uint64_t bank_end = b.base + b.params.size_bytes;
        if (controller.base < bank_end && b.base < end)
            blame("expected a register window " + window + " that overlaps no bank, got bank \"" + b.name + "\" [" + hex(b.base) + ", " + hex(bank_end) + ")");
    }
}

PowerControllerParams power_controller_params(const std::vector<PowerRegionConfig>& regions,
                                              const PowerControllerConfig& controller) {
    PowerControllerParams params;
    params.register_cycles = controller.register_cycles;
    for (const PowerRegionConfig& r : regions) {
        PowerRegionParams p;
        p.name = r.name;
        p.banks = r.banks;
        p.always_on = r.always_on;
        p.retention_capable = r.retention;
        params.regions.push_back(p);
    }
    return params;
}

} // namespace emsim
