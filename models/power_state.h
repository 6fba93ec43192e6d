#pragma once
// The power states of a memory bank, their names, and what each one allows.

#include "models/units.h"

#include <cstddef>
#include <cstdint>

namespace emsim {

/// Active: clocked, accessible. Standby: clock gated, contents kept; the next access pays a wake
/// penalty and returns the bank to Active. Retention: array at retention voltage, contents kept,
/// no access until woken. Off: power removed, contents lost, no access.
enum class PowerState : uint8_t { Active, Standby, Retention, Off };

constexpr size_t POWER_STATE_COUNT = 4;

constexpr EnumName<PowerState> POWER_STATE_NAMES[] = {
    {PowerState::Active, "active"},
    {PowerState::Standby, "standby"},
    {PowerState::Retention, "retention"},
    {PowerState::Off, "off"},
};

inline const char* to_string(PowerState state) { return enum_name(POWER_STATE_NAMES, state); }

constexpr size_t index_of(PowerState state) { return static_cast<size_t>(state); }

/// Whether a bank in `state` keeps what was written before entering it.
constexpr bool keeps_contents(PowerState state) { return state != PowerState::Off; }

/// Whether a bank in `state` serves an access (Standby does, after its wake penalty).
constexpr bool serves_access(PowerState state) {
    return state == PowerState::Active || state == PowerState::Standby;
}

} // namespace emsim
