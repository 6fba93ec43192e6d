#pragma once
// The MPU scenario steps (steps-grammar.md, issue 5): their argument keys and how each is read
// and validated. scenario.cpp dispatches these kinds here; the runtime host executes them
// (sim/mpu_host.cpp). Every error is a ConfigError at the key, as for the other steps.
//
//   mpu_write: {reg: NAME, value: 0x...}  |  {address: 0xE000ED9C, value: 0x...}
//       A privileged word store through the bus path (it costs the MPU's register_cycles).
//       NAME: a register of the platform's flavour table or CFSR/MMFAR, upper case, with or
//       without the MPU_ prefix (RNR, RBAR, RASR, RBAR_A1 .. RASR_A3; pmsav8: RLAR, RLAR_An,
//       MAIR0, MAIR1; both: TYPE, CTRL, CFSR, MMFAR). value: an integer below 2^32.
//   mpu_read:  {reg: NAME, expect: 0x...?}  |  {address: A, expect: ...?}
//       A privileged word load; with `expect:` a differing value is a failed expectation.
//   access:    {addr: 0x20000000, size: 4, kind: read | write | exec, privileged: true?}
//       size ? = 4: 1, 2 or 4 is one access; more is one burst of that many bytes (at most
//       2^16). kind ? = read. privileged ? = true (inside as_domain: false, with that
//       domain's id). A denied access is an mpu_fault (recorded; the run goes on).
// mpu_write and mpu_read need the platform's `mpu:` section; access does not (without an MPU
// nothing is checked and it is a plain bus access).

#include "sim/scenario.h"
#include "sim/yaml_reader.h"

#include <string>
#include <vector>

namespace emsim {

/// The argument keys of an MPU step kind; nullptr for the other kinds.
const std::vector<std::string>* mpu_step_keys(StepKind kind);

/// Alternative forms of one argument (reg / address): setting one by override removes the rest.
std::vector<std::string> mpu_step_other_forms(StepKind kind, const std::string& key);

/// Largest `access` burst in bytes.
constexpr uint64_t MAX_ACCESS_BYTES = 65536;

/// Reads the arguments of an MPU step (`kind`: the step's one key; `args`: its entries, already
/// checked against mpu_step_keys) into `st`.
void parse_mpu_step(const cfg::Reader& r, const PlatformConfig& platform, const cfg::Entry& kind,
                    const std::vector<cfg::Entry>& args, Step& st);

/// The MPU register at `address` named as the grammar names it ("RBAR", "CFSR"), or "" when
/// `address` is none of them.
std::string mpu_register_name(MpuFlavour flavour, uint32_t address);

} // namespace emsim
