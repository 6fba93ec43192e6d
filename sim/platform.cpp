#include "sim/platform.h"

namespace emsim {

Platform::Platform(const PlatformConfig& config)
    : m_config(config),
      m_bus(std::make_unique<Interconnect>("bus", config.interconnect, config.clock)) {
    for (size_t i = 0; i < config.banks.size(); ++i) {
        const BankConfig& bank = config.banks[i];
        m_banks.push_back(std::make_unique<SramBank>(bank.name.c_str(), bank.params, config.clock));
        m_bus->map(static_cast<int>(i), bank.base, bank.params.size_bytes, bank.name);
        m_bus->out.bind(m_banks.back()->in);
    }
    std::vector<SramBank*> switched;
    for (const auto& bank : m_banks) switched.push_back(bank.get());
    m_power = std::make_unique<PowerController>(
        "power", power_controller_params(config.power_regions, config.power_controller),
        config.clock, switched);
    m_bus->map(static_cast<int>(m_bus->out.size()), config.power_controller.base,
               POWER_CONTROLLER_WINDOW_BYTES, "power");
    m_bus->out.bind(m_power->in);
    if (config.mpu) {
        m_mpu = std::make_unique<Mpu>("mpu", config.mpu->params, config.clock);
        m_mpu->out.bind(m_bus->in);
    }
}

void Platform::bind_core(tlm::tlm_initiator_socket<>& core) {
    if (m_mpu)
        core.bind(m_mpu->in);
    else
        core.bind(m_bus->in);
}

} // namespace emsim
