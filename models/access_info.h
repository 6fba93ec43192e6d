#pragma once
// TLM extensions that emsim models understand. Both are optional and ignorable: a model from
// another virtual prototype that does not know them behaves as the base protocol says.
//
// AccessInfo: where the cycles of one transaction went, filled in by the models on its path.
//   An initiator that wants the breakdown attaches one and resets it before each use; models on
//   the path only add to it. The interconnect attaches a temporary one when the initiator did not,
//   because it needs the target's accept time.
// DmiUsage: the bulk report an initiator sends after using a bank through DMI, so accesses that
//   bypassed b_transport still reach the bank's energy ledger and statistics. It travels on a
//   TLM_IGNORE_COMMAND payload of length 0, which targets that do not know it ignore.

#include "models/clock.h"
#include "models/units.h"

#include <tlm>

#include <cstdint>

namespace emsim {

/// Why a model refused a transaction; None when it was served.
enum class Refusal : uint8_t { None, Unmapped, OutOfRange, Unsupported, PoweredOff, Retention, InTransition };

constexpr EnumName<Refusal> REFUSAL_NAMES[] = {
    {Refusal::None, "none"},
    {Refusal::Unmapped, "unmapped"},
    {Refusal::OutOfRange, "out_of_range"},
    {Refusal::Unsupported, "unsupported"},
    {Refusal::PoweredOff, "powered_off"},
    {Refusal::Retention, "retention"},
    {Refusal::InTransition, "in_transition"},
};

class AccessInfo : public tlm::tlm_extension<AccessInfo> {
public:
    Cycles arbitration_cycles = 0; ///< waited for the interconnect to grant the target port
    Cycles bank_wait_cycles = 0;   ///< waited for the bank to finish earlier accesses
    Cycles wake_cycles = 0;        ///< Standby wake penalty paid by this access
    Cycles hop_cycles = 0;         ///< interconnect traversal
    Cycles access_cycles = 0;      ///< the bank's own access time, all beats
    uint32_t beats = 0;            ///< bus words transferred
    uint64_t accepted_at_ps = 0;   ///< absolute time the target accepted the request (END_REQ)
    Refusal refusal = Refusal::None;
    int target_index = -1; ///< the interconnect port the transaction went to

    void reset() { *this = AccessInfo(); }

    tlm::tlm_extension_base* clone() const override { return new AccessInfo(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const AccessInfo&>(other);
    }
};

class DmiUsage : public tlm::tlm_extension<DmiUsage> {
public:
    uint64_t read_words = 0;
    uint64_t write_words = 0;

    tlm::tlm_extension_base* clone() const override { return new DmiUsage(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const DmiUsage&>(other);
    }
};

} // namespace emsim
