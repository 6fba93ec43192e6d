#pragma once
// Platform description loader. Owns reading a platform YAML file (clock, interconnect, LT quantum
// and memory banks), applying `--set key=value` overrides, inheriting `bank_defaults`, converting
// units once (size_kib -> bytes, leakage per KiB -> per bank) and validating everything at load
// time. Building the SystemC modules from the result belongs to the platform builder; the models
// keep their own guards, which a loaded config never trips.
//
// Every error is a ConfigError `file:line:column: key.path: expected ..., got ...`; a value that
// came from an override names the override instead of a file line (`--set banks[1].read_cycles=0:
// banks[1].read_cycles: ...`). Nothing present but wrong is ever replaced by a default.
//
// Keys (a key not listed here is an error that lists the allowed keys of its map):
//   name: string, required.                              The platform's name in reports.
//   clock: map, required, exactly one of
//     frequency_mhz: number > 0, at most 6 decimals (so a whole number of Hz), MHz
//     frequency_hz:  integer >= 1, Hz                    (both: up to 1 THz, the 1 ps resolution)
//   interconnect: map, optional
//     arbitration: round_robin | fixed_priority           default round_robin
//     hop_cycles:  integer 0 .. 10^9, cycles              default 1
//   simulation: map, optional
//     quantum_cycles: integer 1 .. 10^9, cycles           default DEFAULT_QUANTUM_CYCLES (1000)
//   bank_defaults: map, optional. Any bank key except name and base; a bank inherits each value
//     it does not give itself (a bank that gives either form of a pair, e.g. size_kib, overrides
//     both forms in bank_defaults).
//   banks: list of maps, required, at least one. Keys (defaults are SramBankParams' defaults):
//     name:         required; letters, digits, '_', not starting with a digit; unique
//     base:         required; integer (0x.. hex allowed, '_' separators allowed), a multiple of
//                   word_bytes; [base, base + size) must end at or below 2^32 and overlap no
//                   other bank
//     size_bytes | size_kib:  required (here or in bank_defaults), exactly one form per map;
//                   integer >= 1, a multiple of word_bytes
//     word_bytes:   power of two, bytes                  default 4
//     read_cycles, write_cycles:  integer 1 .. 10^9, cycles  default 1
//     pipelined:    true | false                          default false
//     initial_state: active | standby | retention | off   default active
//     standby_wake_cycles, enter_low_power_cycles, retention_wake_cycles, off_wake_cycles:
//                   integer 0 .. 10^9, cycles
//     read_energy_pj, write_energy_pj, enter_low_power_energy_pj, standby_wake_energy_pj,
//     retention_wake_energy_pj, off_wake_energy_pj:  number >= 0, pJ
//     leakage_{active,standby,retention,off}_uw:        number >= 0, uW for the whole bank
//     leakage_{active,standby,retention,off}_uw_per_kib: number >= 0, uW per KiB; converted once
//                   to the per-bank value (x size_bytes / 1024); one form per state per map
//     garbage_seed: integer >= 0                          default 0 (derived from the name)
//   cpu: map, optional. What the runtime host charges the core for each runtime call
//     (see CpuParams): compute cycles = op_base_cycles + per_step_cycles x steps reported.
//     op_base_cycles:  integer 0 .. 10^9, cycles          default 12
//     per_step_cycles: integer 0 .. 10^9, cycles          default 4
//   power_regions: list of maps, optional (name, banks: [..], always_on, retention); default one
//     region per bank, named after it. power_controller: map, optional (base, register_cycles);
//     default base 0x4000_0000. Both documented, with their rules, in sim/power_config.h.
//   mpu: map, optional (absent: no MPU on the runtime's path). Keys and rules: sim/mpu_config.h.
// Integers are plain YAML scalars: a quoted "2", a fraction or a negative number where an
// integer is expected is an error, as is a repeated key.
//
// Overrides (`key.path=value`, applied to the parsed document before validation, in order):
//   name, clock.<key>, interconnect.<key>, simulation.<key>, bank_defaults.<bank key>,
//   banks[<index or bank name>].<bank key>, cpu.<key>, power_controller.<key>,
//   power_regions[<index or region name>].<key>, mpu.<key>. The value is read as YAML (`3`, `true`,
//   `fixed_priority`). Setting one form of a pair (clock.frequency_mhz, size_kib, a per-KiB
//   leakage) removes the other form from the same map, so an override never conflicts with the
//   file. An unknown path, a bank index out of range or a missing `=` is a ConfigError.

#include "models/clock.h"
#include "models/interconnect.h"
#include "models/sram_bank.h"
#include "sim/power_config.h"
#include "sim/mpu_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

constexpr Cycles DEFAULT_QUANTUM_CYCLES = 1000;
/// Highest clock frequency: one cycle must last at least the kernel's 1 ps resolution.
constexpr uint64_t MAX_CLOCK_FREQUENCY_HZ = 1000000000000ULL;
/// Largest latency, wake, hop or quantum in cycles: keeps cycles x period far from overflowing
/// the 64-bit picosecond time base (10^9 cycles at 1 THz is 1 ms, at 80 MHz 12.5 s).
constexpr Cycles MAX_LATENCY_CYCLES = 1000000000;
/// Banks live in a 32-bit address space: base + size_bytes <= 2^32.
constexpr uint64_t ADDRESS_SPACE_END = 1ULL << 32;

/// The core's compute time for one runtime call, in platform clock cycles:
/// `op_base_cycles + per_step_cycles * steps`, where steps are the algorithm steps the runtime
/// reports (StepMeter). Bus accesses (metadata loads and stores) are not in here: they are
/// transactions, charged by the interconnect and the banks.
///
/// Why these defaults (to be calibrated against real Cortex-M instruction counts later):
/// - op_base_cycles = 12: a call and return on a Cortex-M3/M4 (BL + BX LR with pipeline refills)
///   plus a prologue/epilogue that pushes and pops a few registers is about 10-15 cycles.
/// - Cross-check: a heapless pool alloc costs 23 cycles in total on a Cortex-M4F
///   (/work/shared/reference/allocators.md §6: CYCCNT, BoxPool alloc 23). FixedPool::allocate()
///   reports 1 step and makes 3 loads and 2 stores: 12 + 4 x 1 = 16 compute cycles, plus 5
///   accesses at 1-2 cycles each on a zero-wait bank, gives 21-26 cycles, around the 23 measured.
/// - per_step_cycles = 4: one step of TLSF or a pool is a bitmap scan (CLZ), a compare and
///   branch, or a list hop whose load is charged separately as a bus access: a few ALU and
///   branch instructions, about 3-5 cycles.
struct CpuParams {
    Cycles op_base_cycles = 12;  ///< fixed cost of entering and leaving one runtime call
    Cycles per_step_cycles = 4;  ///< cost of one algorithm step the runtime reports
};

struct BankConfig {
    std::string name;
    uint64_t base = 0;     ///< first global address of the bank's window
    SramBankParams params; ///< resolved: defaults and bank_defaults applied, units converted
    int line = 0;          ///< 1-based line of the bank's entry in the file (0: unknown)
};

struct PlatformConfig {
    std::string file;                 ///< path it was read from
    std::string name;                 ///< `name:` key
    uint64_t clock_frequency_hz = 0;  ///< `clock: { frequency_mhz: 80 }` (or frequency_hz)
    Clock clock;                      ///< Clock::from_frequency_hz(clock_frequency_hz)
    InterconnectParams interconnect;  ///< `interconnect: { arbitration: ..., hop_cycles: 1 }`
    Cycles quantum_cycles = DEFAULT_QUANTUM_CYCLES; ///< `simulation: { quantum_cycles: N }`
    std::vector<BankConfig> banks;    ///< in file order; windows never overlap
    CpuParams cpu;                    ///< `cpu: { op_base_cycles: 12, per_step_cycles: 4 }`
    std::vector<PowerRegionConfig> power_regions; ///< resolved: one per bank by default
    PowerControllerConfig power_controller;       ///< `power_controller: { base, register_cycles }`
    std::optional<MpuPlatformConfig> mpu; ///< `mpu: { flavour: pmsav7, ... }`, or no MPU
};

/// Reads and validates the platform file at `path`. Throws ConfigError ("cannot open" for a
/// missing or unreadable file, the YAML parser's position for a syntax error).
PlatformConfig load_platform(const std::string& path);

/// The same from text; `file_name` is what messages and PlatformConfig::file name.
PlatformConfig parse_platform(const std::string& yaml_text, const std::string& file_name);

/// Applies `key.path=value` overrides (see above) in order before validation, e.g.
/// "banks[1].read_cycles=3", "clock.frequency_mhz=48", "interconnect.arbitration=fixed_priority".
PlatformConfig load_platform(const std::string& path, const std::vector<std::string>& overrides);

/// parse_platform with overrides.
PlatformConfig parse_platform(const std::string& yaml_text, const std::string& file_name,
                              const std::vector<std::string>& overrides);

} // namespace emsim
