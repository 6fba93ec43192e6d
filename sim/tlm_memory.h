#pragma once
// The runtime's memory-access policy inside the simulator: every load and store of the runtime
// (allocator metadata, and user data for read/write steps) becomes one bus transaction through
// the host's initiator socket, so it costs the bank's cycles and energy, waits for contention,
// and fails like real hardware when the bank is off. The host implements BusAccess; this class
// only adapts the runtime's width-typed calls to it.

#include "runtime/memory_access.h"

#include <cstdint>

namespace emsim {

class BusAccess {
public:
    virtual ~BusAccess() = default;
    /// A `bytes`-wide (1, 2 or 4) read at a target address; what a failed access returns is the
    /// host's choice (it records the fault).
    virtual uint32_t bus_read(rt::Address address, unsigned bytes) = 0;
    virtual void bus_write(rt::Address address, uint32_t value, unsigned bytes) = 0;
};

class TlmMemory {
public:
    explicit TlmMemory(BusAccess& bus) : m_bus(&bus) {}

    uint8_t load8(rt::Address a) { return static_cast<uint8_t>(m_bus->bus_read(a, 1)); }
    uint16_t load16(rt::Address a) { return static_cast<uint16_t>(m_bus->bus_read(a, 2)); }
    uint32_t load32(rt::Address a) { return m_bus->bus_read(a, 4); }
    void store8(rt::Address a, uint8_t v) { m_bus->bus_write(a, v, 1); }
    void store16(rt::Address a, uint16_t v) { m_bus->bus_write(a, v, 2); }
    void store32(rt::Address a, uint32_t v) { m_bus->bus_write(a, v, 4); }

private:
    BusAccess* m_bus;
};

} // namespace emsim
