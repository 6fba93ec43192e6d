#pragma once
// The two TLM-2.0 timing styles an initiator can run in (plus LT with DMI).

#include "models/units.h"

namespace emsim {

/// Lt: b_transport with temporal decoupling. LtDmi: the same, through DMI where granted.
/// At: nb_transport, 4-phase base protocol; the cycle reference.
enum class TimingMode { Lt, LtDmi, At };

constexpr EnumName<TimingMode> TIMING_MODE_NAMES[] = {
    {TimingMode::Lt, "lt"},
    {TimingMode::LtDmi, "lt_dmi"},
    {TimingMode::At, "at"},
};

} // namespace emsim
