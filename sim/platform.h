#pragma once
// Platform assembles the memory system a PlatformConfig describes: one SRAM bank per `banks`
// entry mapped at its base, behind one interconnect, and the power controller (one CTRL/STATUS
// pair per power region) mapped at power_controller.base. Initiators (traffic generators, later the
// runtime host) bind to `bus.in`. Owns the module instances; owns no policy and no traffic.

#include "models/interconnect.h"
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

private:
    PlatformConfig m_config;
    std::unique_ptr<Interconnect> m_bus;
    std::vector<std::unique_ptr<SramBank>> m_banks;
    std::unique_ptr<PowerController> m_power;
};

} // namespace emsim
