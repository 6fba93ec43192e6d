#pragma once
// How software may access a memory-mapped register; shared by every register table in models/
// (MPU, power controller) so decode, dumps and docs speak one vocabulary.

#include <cstdint>

namespace emsim {

/// RO: writes ignored. RW: read and write. W1C: a 1 written clears that bit.
enum class RegAccess : uint8_t { RO, RW, W1C };

} // namespace emsim
