// The runtime host's MPU side (declared in runtime_host.h): the MPU steps of sim/mpu_steps.h,
// the attributes each of their accesses carries, turning the MPU's fault records into
// FaultRecords, and the MPU's part of the run record. Kept apart from runtime_host.cpp so the
// allocator host and the protection host can change independently.

#include "sim/mpu_steps.h"
#include "sim/runtime_host.h"

#include <cstdio>
#include <cstring>
#include <vector>

namespace emsim {

namespace {

std::string hex32(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", value);
    return buf;
}

/// The bytes an `access` write stores (a recognisable pattern, as the write step's).
constexpr uint8_t ACCESS_FILL = 0xa5;

} // namespace

void RuntimeHost::execute_mpu_step(const Step& step) {
    const ResolvedAttributes runtime = m_who;
    const Mpu* mpu = m_platform.mpu();
    const std::string reg_name =
        mpu ? mpu_register_name(mpu->params().flavour, step.register_address) : "";
    switch (step.kind) {
    case StepKind::MpuWrite: {
        // The runtime programming its MPU: a privileged word store, as from a handler.
        m_who = ResolvedAttributes{};
        uint8_t data[4];
        std::memcpy(data, &step.value, 4); // little-endian target and host
        begin_op(step, "mpu_write", "", reg_name.empty() ? hex32(step.register_address) : reg_name, 4);
        transfer(true, step.register_address, data, 4);
        end_op("ok", step.register_address, 0);
        break;
    }
    case StepKind::MpuRead: {
        m_who = ResolvedAttributes{};
        uint8_t data[4] = {0, 0, 0, 0};
        const std::string name = reg_name.empty() ? hex32(step.register_address) : reg_name;
        begin_op(step, "mpu_read", "", name, 4);
        const bool ok = transfer(false, step.register_address, data, 4);
        end_op("ok", step.register_address, 0);
        uint32_t value = 0;
        std::memcpy(&value, data, 4);
        if (step.expect_value) {
            ExpectationResult result;
            result.line = step.line;
            result.what = "mpu_read " + name + " == " + hex32(*step.expect_value);
            result.passed = ok && value == *step.expect_value;
            result.detail = ok ? "was " + hex32(value) : "the read faulted";
            m_record.expectations.push_back(result);
        }
        break;
    }
    case StepKind::Access: {
        const bool write = step.access_kind == AccessKind::Write;
        m_who.privileged = step.privileged.value_or(true);
        m_who.kind = step.access_kind;
        const unsigned bytes = static_cast<unsigned>(*step.bytes);
        std::vector<uint8_t> data(bytes, write ? ACCESS_FILL : 0);
        begin_op(step, "access", "", enum_name(ACCESS_KIND_NAMES, step.access_kind), bytes);
        transfer(write, static_cast<rt::Address>(*step.address), data.data(), bytes);
        end_op("ok", *step.address, 0);
        break;
    }
    default: break;
    }
    m_who = runtime;
}

void RuntimeHost::describe_fault(FaultRecord& fault, bool write, unsigned bytes) {
    fault.step = m_step_index;
    fault.size_bytes = bytes;
    fault.privileged = m_who.privileged;
    fault.domain = m_who.domain;
    if (!write && m_who.kind == AccessKind::Fetch) fault.access = "exec";
    const Mpu* mpu = m_platform.mpu();
    if (!mpu || mpu->faults().size() <= m_mpu_faults_seen) return;
    // The MPU denied it (a refusal from the bus side leaves the MPU's records alone).
    const MpuFault& denied = mpu->faults().back();
    m_mpu_faults_seen = mpu->faults().size();
    fault.kind = "mpu_fault";
    fault.cycle = denied.cycle;
    fault.address = denied.address;
    fault.size_bytes = denied.size;
    fault.access = enum_name(ACCESS_KIND_NAMES, denied.kind);
    fault.privileged = denied.privileged;
    fault.domain = denied.domain;
    fault.mmfsr = denied.mmfsr;
    fault.mmfar = denied.mmfar;
    fault.bank.clear(); // it never reached a bank
    fault.reason = denied.kind == AccessKind::Fetch ? "iaccviol" : "daccviol";
    ++m_op_mpu_faults;
}

void RuntimeHost::finish_mpu() {
    const Mpu* mpu = m_platform.mpu();
    if (!mpu) return;
    MpuRunRecord r;
    r.flavour = enum_name(MPU_FLAVOUR_NAMES, mpu->params().flavour);
    r.regions = mpu->params().regions;
    r.fault_policy = enum_name(MPU_FAULT_POLICY_NAMES, m_scenario.platform.mpu->fault_policy);
    const MpuStats& s = mpu->stats();
    r.stats = {{"checked", s.checked},
               {"denied", s.denied},
               {"register_reads", s.register_reads},
               {"register_writes", s.register_writes},
               {"register_refused", s.register_refused},
               {"reconfigurations", s.reconfigurations},
               {"dmi_grants", s.dmi_grants},
               {"dmi_refusals", s.dmi_refusals}};
    m_record.mpu = r;
}

} // namespace emsim
