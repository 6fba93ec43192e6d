#pragma once
// Platform assembles the memory system a PlatformConfig describes: one SRAM bank per `banks`
// entry mapped at its base, behind one interconnect, and the power controller (one CTRL/STATUS
// pair per power region) mapped at power_controller.base. Initiators (traffic generators, DMA)
// bind to `bus.in`; the core (the runtime host) binds with bind_core(), which puts the MPU of
// the `mpu:` section between it and the bus (core -> mpu.in, mpu.out -> bus.in) when there is
// one. Owns the module instances; owns no policy and no traffic.

#include "models/interconnect.h"
#include "models/mpu.h"
#include "models/power_controller.h"
#include "models/sram_bank.h"
#include "sim/platform_config.h"

#include <memory>
#include <vector>

namespace emsim {

class Platform {
public:
    explicit Platform(const PlatformConfig& config);

    const PlatformConfig& config() const { return m_config; }
    Interconnect& bus() { return *m_bus; }
    const Interconnect& bus() const { return *m_bus; }
    const std::vector<std::unique_ptr<SramBank>>& banks() const { return m_banks; }
    PowerController& power_controller() { return *m_power; }
    const PowerController& power_controller() const { return *m_power; }
    /// The core's MPU, or nullptr when the platform has no `mpu:` section.
    Mpu* mpu() { return m_mpu.get(); }
    const Mpu* mpu() const { return m_mpu.get(); }
    /// Binds the core's initiator socket: to the MPU when there is one, else to the bus.
    void bind_core(tlm::tlm_initiator_socket<>& core);

private:
    PlatformConfig m_config;
    std::unique_ptr<Interconnect> m_bus;
    std::vector<std::unique_ptr<SramBank>> m_banks;
    std::unique_ptr<PowerController> m_power;
    std::unique_ptr<Mpu> m_mpu;
};

} // namespace emsim
