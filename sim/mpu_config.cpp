#include "sim/mpu_config.h"

#include "sim/platform_config.h"

namespace emsim {

const std::vector<std::string>& mpu_section_keys() {
    static const std::vector<std::string> KEYS = {"flavour", "regions", "check_cycles",
                                                  "register_cycles", "fault_policy"};
    return KEYS;
}

namespace {

const char* region_counts(MpuFlavour flavour) {
    return flavour == MpuFlavour::Pmsav7 ? "0, 8 or 16 (pmsav7)" : "4, 8, 12 or 16 (pmsav8)";
}

bool region_count_offered(MpuFlavour flavour, uint64_t regions) {
    if (flavour == MpuFlavour::Pmsav7) return regions == 0 || regions == 8 || regions == 16;
    return regions >= 4 && regions <= MPU_MAX_REGIONS && regions % 4 == 0;
}

} // namespace

MpuPlatformConfig parse_mpu_section(const cfg::Reader& r, const cfg::Entry& section) {
    MpuPlatformConfig out;
    out.line = cfg::line_of(section.key_node);
    const std::vector<cfg::Entry> entries = r.entries(section.value, section.path, mpu_section_keys());
    const cfg::Entry* flavour = cfg::find(entries, "flavour");
    if (!flavour)
        r.missing(section.key_node, cfg::child(section.path, "flavour"), "one of " + enum_choices(MPU_FLAVOUR_NAMES) + " (an mpu section needs its flavour)");
    out.params.flavour = r.enum_value(*flavour, MPU_FLAVOUR_NAMES);
    const std::string cycles = "a whole number of cycles from 0 to 10^9";
    for (const cfg::Entry& e : entries) {
        if (e.key == "regions") {
            const std::string want = std::string("a region count of ") + region_counts(out.params.flavour);
            const uint64_t n = r.unsigned_value(e, 0, MPU_MAX_REGIONS, want);
            if (!region_count_offered(out.params.flavour, n)) r.expected(e, want);
            out.params.regions = static_cast<uint32_t>(n);
        } else if (e.key == "check_cycles") {
            out.params.check_cycles = r.unsigned_value(e, 0, MAX_LATENCY_CYCLES, cycles);
        } else if (e.key == "register_cycles") {
            out.params.register_cycles = r.unsigned_value(e, 0, MAX_LATENCY_CYCLES, cycles);
        } else if (e.key == "fault_policy") {
            out.fault_policy = r.enum_value(e, MPU_FAULT_POLICY_NAMES);
        }
    }
    return out;
}

} // namespace emsim
