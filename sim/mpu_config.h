#pragma once
// The platform file's optional `mpu:` section (steps-grammar.md): which MPU sits between the
// runtime host and the interconnect, what its check and register accesses cost, and what the
// runtime's MemManage handler does after a fault. Owns reading and validating that section and
// its `--set mpu.<key>` paths; platform_config.cpp calls it, Platform builds the Mpu from it.
// An absent section means no MPU on the path (PlatformConfig::mpu is empty).
//
//   mpu:
//     flavour: pmsav7 | pmsav8        required
//     regions: 8                      ? = 8; pmsav7: 0, 8 or 16; pmsav8: 4, 8, 12 or 16
//     check_cycles: 0                 ? = 0 (the check runs in parallel with the bus), 0 .. 10^9
//     register_cycles: 1              ? = 1 (one MPU register access), 0 .. 10^9
//     fault_policy: log | terminate_partition   ? = log
//
// `reset_enabled` of the grammar (an optional extension) is not offered: the MPU comes out of
// reset disabled, as on silicon, and a scenario enables it with mpu_write or switch_domain.

#include "models/mpu.h"
#include "models/units.h"
#include "sim/yaml_reader.h"

#include <optional>
#include <string>
#include <vector>

namespace emsim {

/// What the runtime's fault handler does after it decoded an MPU fault.
enum class MpuFaultPolicy : uint8_t {
    Log,                ///< record it and let the offender go on
    TerminatePartition, ///< revoke the offender's regions and release its heap; others go on
};

constexpr EnumName<MpuFaultPolicy> MPU_FAULT_POLICY_NAMES[] = {
    {MpuFaultPolicy::Log, "log"},
    {MpuFaultPolicy::TerminatePartition, "terminate_partition"},
};

struct MpuPlatformConfig {
    MpuParams params;
    MpuFaultPolicy fault_policy = MpuFaultPolicy::Log;
    int line = 0; ///< of the `mpu:` key (0: made by an override)
};

/// The keys of the section, in the order messages list them.
const std::vector<std::string>& mpu_section_keys();

/// Reads and validates the `mpu:` entry.
MpuPlatformConfig parse_mpu_section(const cfg::Reader& r, const cfg::Entry& section);

} // namespace emsim
