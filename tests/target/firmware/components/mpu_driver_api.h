#pragma once
// Out-of-line MPU driver entry points (see mpu_driver.cpp), so the driver's code size is
// measurable: the planner is inline (header-only, non-template), apply() a template over Mem.
#include "components/instantiations.h"
#include "runtime/mpu_driver.h"

namespace emsim::fw {

rt::MpuPlanResult mpu_plan(rt::MpuPlanner& planner, const rt::MpuRequest* requests, uint32_t count,
                           rt::MpuImage& out);
uint32_t mpu_apply(rt::MmioMemory& mmio, const rt::MpuImage& image);

} // namespace emsim::fw
