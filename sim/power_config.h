#pragma once
// The power part of a platform file: `power_regions:` (which banks switch together, which may
// never go Off, which can retain) and `power_controller:` (where its registers are mapped and what
// one register access costs). Owns reading, defaulting and validating those two sections with
// file:line errors; platform_config.cpp calls it after the banks are resolved, and Platform
// builds the models/power_controller.h PowerController from the result.
//
// Keys (the list in platform_config.h points here):
//   power_regions: list of maps, optional.
//     name:      required; an identifier, unique among regions
//     banks:     required; a non-empty list of bank names. Every bank of the platform is in
//                exactly one region (a bank in none or in two is an error), the banks of one
//                region start in the same initial_state.
//     always_on: true | false, default false. Off is refused (STATUS.ERR 1).
//     retention: true | false, default true. false: Retention is refused (STATUS.ERR 2); a
//                region that starts in retention must have it.
//   Without power_regions every bank is a region of its own, named after the bank, not always-on
//   and retention capable: what a part with per-bank power switches (nRF52 RAM[n]) offers, and
//   what the `power: {bank, state}` step did before the controller existed.
//   At most POWER_CONTROLLER_MAX_REGIONS (32) regions.
//   power_controller: map, optional.
//     base:            integer, a multiple of 4, default 0x4000_0000 (nRF52's POWER peripheral
//                      base, the bottom of the Cortex-M peripheral region); its 0x200-byte
//                      window must end at or below 2^32 and overlap no bank.
//     register_cycles: integer 1 .. 10^9, cycles of one register access, default 1.
//   The controller is always assembled (every platform has regions, by default one per bank).
//
// Overrides: power_controller.<key>, power_regions[<index or name>].<key> (always_on,
// retention, banks as a YAML list `[ram0, ram1]`, name).

#include "models/power_controller.h"
#include "sim/yaml_reader.h"

#include <cstdint>
#include <string>
#include <vector>

namespace emsim {

struct BankConfig;

/// One resolved power region.
struct PowerRegionConfig {
    std::string name;
    std::vector<size_t> banks; ///< indices into PlatformConfig::banks, ascending
    bool always_on = false;
    bool retention = true;     ///< retention capable
    int line = 0;              ///< of its entry (0: the default region of a bank)
};

constexpr uint64_t DEFAULT_POWER_CONTROLLER_BASE = 0x40000000;

struct PowerControllerConfig {
    uint64_t base = DEFAULT_POWER_CONTROLLER_BASE;
    Cycles register_cycles = 1;
};

/// The keys of the two sections, for overrides.
extern const std::vector<std::string> POWER_REGION_KEYS;
extern const std::vector<std::string> POWER_CONTROLLER_KEYS;

/// Reads the two sections (either may be null: absent) against the resolved banks. Throws
/// ConfigError through `r`.
void read_power_sections(const cfg::Reader& r, const cfg::Entry* regions_entry,
                         const cfg::Entry* controller_entry, const YAML::Node& root,
                         const std::vector<BankConfig>& banks,
                         std::vector<PowerRegionConfig>& regions,
                         PowerControllerConfig& controller);

/// The PowerController's parameters for a resolved platform.
PowerControllerParams power_controller_params(const std::vector<PowerRegionConfig>& regions,
                                              const PowerControllerConfig& controller);

} // namespace emsim
