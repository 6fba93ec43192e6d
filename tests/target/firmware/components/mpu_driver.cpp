// Code-size unit: the MPU driver (planner for PMSAv7/v8, plan_waste, apply<MmioMemory>). Its
// planner members are inline, so this unit gives them the out-of-line homes the firmware calls.
#include "mpu_driver_api.h"

namespace emsim::fw {

rt::MpuPlanResult mpu_plan(rt::MpuPlanner& planner, const rt::MpuRequest* requests, uint32_t count,
                           rt::MpuImage& out) {
    return planner.plan(requests, count, out);
}
uint32_t mpu_apply(rt::MmioMemory& mmio, const rt::MpuImage& image) {
    return rt::apply(mmio, image);
}

} // namespace emsim::fw
