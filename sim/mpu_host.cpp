// The runtime host's MPU side (declared in runtime_host.h): the MPU and isolation steps of
// sim/mpu_steps.h, the attributes each of their accesses carries, turning the MPU's fault
// records into FaultRecords, the MemManage handler after a fault, and the MPU's part of the run
// record. Kept apart from runtime_host.cpp so the allocator host and the protection host can
// change independently.

#include "sim/mpu_host.h"
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

std::string status_text(rt::RtStatus status) {
    return status == rt::RtStatus::Ok ? "ok" : rt::to_string(status);
}

const char* log_kind_name(rt::AccessKind kind) {
    switch (kind) {
    case rt::AccessKind::Read: return "read";
    case rt::AccessKind::Write: return "write";
    case rt::AccessKind::Execute: return "execute";
    case rt::AccessKind::Data: return "data";
    }
    return "?";
}

constexpr rt::SecurityLevel LEVELS[] = {rt::SecurityLevel::Untrusted, rt::SecurityLevel::Normal,
                                        rt::SecurityLevel::Trusted};
constexpr rt::IsolationType ISOLATIONS[] = {rt::IsolationType::Private,
                                            rt::IsolationType::SharedReadOnly,
                                            rt::IsolationType::Shared};

/// The attribute id of runtime domain `d`: 0 stays the runtime itself.
uint16_t attribute_id(rt::DomainId d) { return static_cast<uint16_t>(rt::domain_index(d) + 1); }

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
        // Inside as_domain m_who is the domain's (unprivileged); else the runtime's.
        m_who.privileged = step.privileged.value_or(runtime.privileged);
        m_who.kind = step.access_kind;
        const unsigned bytes = static_cast<unsigned>(*step.bytes);
        std::vector<uint8_t> data(bytes, write ? ACCESS_FILL : 0);
        begin_op(step, "access", "", enum_name(ACCESS_KIND_NAMES, step.access_kind), bytes);
        transfer(write, static_cast<rt::Address>(*step.address), data.data(), bytes);
        end_op("ok", *step.address, 0);
        break;
    }
    case StepKind::Domain: {
        m_who = ResolvedAttributes{}; // the kernel serving the request
        begin_op(step, "domain", "", step.domain, 0);
        const rt::Result<rt::DomainId> d =
            m_isolation->isolation->create_isolation_domain(LEVELS[step.security_level]);
        if (d.ok()) {
            m_isolation->domains[step.domain] = d.value;
            if (m_isolation->domain_names.size() <= rt::domain_index(d.value))
                m_isolation->domain_names.resize(rt::domain_index(d.value) + 1);
            m_isolation->domain_names[rt::domain_index(d.value)] = step.domain;
        }
        end_op(status_text(d.status), 0, m_isolation->isolation->last_op_steps());
        break;
    }
    case StepKind::Partition: {
        m_who = ResolvedAttributes{};
        HostedIsolation& iso = *m_isolation;
        rt::PartitionRights rights;
        rights.access = step.read_only ? rt::MpuAccess::ReadOnly : rt::MpuAccess::ReadWrite;
        rights.quota_bytes = step.quota_bytes;
        const bool owned = !step.domain.empty() && iso.domains.count(step.domain);
        if (owned) rights.allocators = rt::domain_bit(iso.domains.at(step.domain));
        begin_op(step, "partition", "", step.partition, *step.bytes);
        const rt::Result<rt::PartitionId> p = iso.partitions->create_partition(
            static_cast<rt::Address>(*step.address), static_cast<uint32_t>(*step.bytes), rights,
            step.priority);
        uint32_t steps = iso.partitions->last_op_steps();
        rt::RtStatus status = p.status;
        if (p.ok()) {
            iso.partition_ids[step.partition] = p.value;
            iso.partition_names[static_cast<uint16_t>(p.value)] = step.partition;
            if (owned) {
                status = iso.isolation->attach_partition(iso.domains.at(step.domain), p.value);
                steps += iso.isolation->last_op_steps();
            }
        }
        end_op(status_text(status), *step.address, steps);
        break;
    }
    case StepKind::AllocateIsolated: {
        HostedIsolation& iso = *m_isolation;
        if (iso.terminated.count(step.domain)) {
            refuse_terminated(step, step.domain);
            break;
        }
        m_who = ResolvedAttributes{}; // allocation is a kernel call: privileged metadata
        uint32_t peers = 0;
        for (const std::string& peer : step.peers)
            if (iso.domains.count(peer)) peers |= rt::domain_bit(iso.domains.at(peer));
        const auto it = iso.domains.find(step.domain);
        begin_op(step, "allocate_isolated", "", step.as.empty() ? step.domain : step.as, step.size_bytes);
        const rt::Result<rt::Address> a =
            it == iso.domains.end()
                ? rt::Result<rt::Address>{rt::RtStatus::InvalidRegion, 0}
                : iso.isolation->allocate_isolated_memory(it->second, step.size_bytes,
                                                          ISOLATIONS[step.isolation], peers);
        if (!step.as.empty()) {
            HostedIsolation::OwnedBlock& owned = iso.blocks[step.as];
            owned = HostedIsolation::OwnedBlock{iso.id_of(step.domain), rt::PartitionId{}, 0, true};
            const rt::Result<rt::PartitionId> part = iso.isolation->partition_of(iso.id_of(step.domain));
            if (a.ok() && part.ok()) {
                owned.partition = part.value;
                owned.address = a.value;
                m_blocks[step.as] = Block{iso.partition_names[static_cast<uint16_t>(part.value)], a.value, step.size_bytes};
            }
        }
        end_op(status_text(a.status), a.ok() ? a.value : 0, iso.isolation->last_op_steps());
        if (a.ok()) reload_if_running(step, rt::domain_bit(it->second) | peers);
        break;
    }
    case StepKind::Alloc: alloc_in_partition(step); break;
    case StepKind::Submit: submit_request(step); break;
    case StepKind::Serve: serve_requests(step); break;
    case StepKind::Free: free_mpu_block(step); break;
    case StepKind::SwitchDomain: switch_to(step, step.domain); break;
    case StepKind::AsDomain: execute_as_domain(step); break;
    default: break;
    }
    m_who = runtime;
}

void RuntimeHost::reload_if_running(const Step& step, uint32_t affected) {
    // The grant or free changed the running domain's image (owner or peer): the kernel reloads
    // it before returning, or the domain would run on the stale map.
    const rt::DomainId running = m_isolation->isolation->current();
    if (running != rt::NO_DOMAIN && (affected & rt::domain_bit(running)))
        switch_to(step, m_isolation->name_of(running));
}

void RuntimeHost::alloc_in_partition(const Step& step) {
    HostedIsolation& iso = *m_isolation;
    if (iso.terminated.count(step.domain)) {
        refuse_terminated(step, step.domain);
        return;
    }
    m_who = ResolvedAttributes{}; // a kernel call: privileged metadata
    const rt::DomainId requester = iso.id_of(step.domain);
    const auto part = iso.partition_ids.find(step.partition);
    begin_op(step, "alloc", step.partition, step.as.empty() ? step.domain : step.as, step.size_bytes);
    // A partition the runtime refused to create is no partition (InvalidRegion), as a stale id.
    const rt::Result<rt::Address> a =
        part == iso.partition_ids.end()
            ? rt::Result<rt::Address>{rt::RtStatus::InvalidRegion, 0}
            : iso.partitions->allocate_in_partition(part->second, requester, step.size_bytes);
    bind_partition_block(step.as, requester,
                         part == iso.partition_ids.end() ? rt::PartitionId{} : part->second,
                         step.partition, a, step.size_bytes);
    end_op(status_text(a.status), a.ok() ? a.value : 0,
           part == iso.partition_ids.end() ? 0 : iso.partitions->last_op_steps());
    // No image changes: a partition block is granted to nobody (mpu_steps.h).
}

void RuntimeHost::bind_partition_block(const std::string& name, rt::DomainId requester,
                                       rt::PartitionId partition, const std::string& partition_name,
                                       const rt::Result<rt::Address>& allocated, uint32_t size_bytes) {
    if (name.empty()) return;
    m_isolation->blocks[name] = HostedIsolation::OwnedBlock{
        requester, partition, allocated.ok() ? allocated.value : 0, false};
    if (allocated.ok()) m_blocks[name] = Block{partition_name, allocated.value, size_bytes};
}

void RuntimeHost::submit_request(const Step& step) {
    HostedIsolation& iso = *m_isolation;
    if (iso.terminated.count(step.domain)) {
        refuse_terminated(step, step.domain);
        return;
    }
    m_who = ResolvedAttributes{}; // a kernel call: privileged metadata
    const auto part = iso.partition_ids.find(step.partition);
    begin_op(step, "submit", step.partition, step.as.empty() ? step.domain : step.as, step.size_bytes);
    // A partition the runtime refused to create is no partition (InvalidRegion), as for alloc.
    const rt::Result<uint32_t> ticket =
        part == iso.partition_ids.end()
            ? rt::Result<uint32_t>{rt::RtStatus::InvalidRegion, 0}
            : iso.partitions->submit(part->second, iso.id_of(step.domain), step.size_bytes);
    if (ticket.ok()) iso.requests[ticket.value] = HostedIsolation::Request{step.as, step.size_bytes};
    end_op(status_text(ticket.status), 0,
           part == iso.partition_ids.end() ? 0 : iso.partitions->last_op_steps());
}

void RuntimeHost::serve_requests(const Step& step) {
    HostedIsolation& iso = *m_isolation;
    m_who = ResolvedAttributes{}; // a kernel call: privileged metadata
    for (uint64_t n = 0; iso.partitions->pending() > 0 && (step.count == 0 || n < step.count); ++n) {
        // Which request is served is the runtime's choice: the op is named once it is known.
        OpRecord& op = begin_op(step, "serve", "", "", 0);
        rt::ServedRequest served;
        iso.partitions->serve_next(served);
        const auto queued = iso.requests.find(served.ticket);
        const HostedIsolation::Request request =
            queued == iso.requests.end() ? HostedIsolation::Request{} : queued->second;
        if (queued != iso.requests.end()) iso.requests.erase(queued);
        const std::string partition = iso.partition_names[static_cast<uint16_t>(served.partition)];
        op.heap = partition;
        op.name = request.name.empty() ? iso.name_of(served.requester) : request.name;
        op.size_bytes = request.size_bytes;
        m_owner = partition; // its energy, as an alloc's, is the partition's
        const bool ok = served.status == rt::RtStatus::Ok;
        bind_partition_block(request.name, served.requester, served.partition, partition,
                             rt::Result<rt::Address>{served.status, served.address},
                             request.size_bytes);
        end_op(status_text(served.status), ok ? served.address : 0, iso.partitions->last_op_steps());
    }
}

void RuntimeHost::free_mpu_block(const Step& step) {
    HostedIsolation& iso = *m_isolation;
    const auto bound = iso.blocks.find(step.block);
    // Bound at parse time but its step never ran (a terminated domain's): nothing was allocated.
    const HostedIsolation::OwnedBlock block =
        bound == iso.blocks.end() ? HostedIsolation::OwnedBlock{} : bound->second;
    const std::string owner = iso.name_of(block.owner);
    if (iso.terminated.count(owner)) {
        refuse_terminated(step, owner); // its blocks went with it
        return;
    }
    m_who = ResolvedAttributes{}; // a kernel call: privileged metadata
    // Inside as_domain the domain asks; at the top level the kernel frees it for its owner.
    const rt::DomainId requester = step.domain.empty() ? block.owner : iso.id_of(step.domain);
    const auto sized = m_blocks.find(step.block);
    begin_op(step, "free", step.partition, step.block, sized == m_blocks.end() ? 0 : sized->second.size_bytes);
    rt::RtStatus s = rt::RtStatus::Ok;
    uint32_t steps = 0;
    uint32_t affected = 0;
    if (block.isolated) {
        for (uint32_t i = 0; i < HostedIsolation::Isolation::MAX_REGIONS; ++i)
            if (const rt::IsolatedRegion* r = iso.isolation->region(i); r && r->start == block.address)
                affected = rt::domain_bit(r->owner) | r->peers;
        s = iso.isolation->free_isolated_memory(requester, block.address);
        steps = iso.isolation->last_op_steps(); // includes the partition heap's free
    } else {
        s = iso.partitions->free_in_partition(block.partition, requester, block.address);
        steps = iso.partitions->last_op_steps();
    }
    end_op(status_text(s), block.address, steps);
    if (s == rt::RtStatus::Ok) reload_if_running(step, affected);
}

void RuntimeHost::refuse_terminated(const Step& step, const std::string& domain) {
    begin_op(step, enum_name(STEP_KIND_NAMES, step.kind), "", domain, 0);
    end_op("terminated", 0, 0);
}

void RuntimeHost::switch_to(const Step& step, const std::string& to) {
    HostedIsolation& iso = *m_isolation;
    if (iso.terminated.count(to)) {
        refuse_terminated(step, to);
        return;
    }
    const ResolvedAttributes saved = m_who;
    m_who = ResolvedAttributes{}; // the kernel loads the image (PendSV)
    const rt::DomainId from = iso.isolation->current();
    const rt::DomainId target = to == "kernel" ? rt::NO_DOMAIN : iso.domains.at(to);
    DomainSwitchRecord record;
    record.step = m_step_index;
    record.from = iso.name_of(from);
    record.to = to;
    begin_op(step, "switch_domain", "", to, 0);
    record.start_cycle = m_op.start_cycle;
    const rt::Result<rt::DomainSwitchCost> r = iso.isolation->switch_domain(from, target);
    record.stores = r.ok() ? r.value.stores : 0;
    record.result = status_text(r.status);
    end_op(record.result, 0, r.ok() ? r.value.steps : 0);
    record.end_cycle = m_record.ops.back().end_cycle;
    m_switches.push_back(record);
    m_who = saved;
}

void RuntimeHost::execute_as_domain(const Step& step) {
    HostedIsolation& iso = *m_isolation;
    if (iso.terminated.count(step.domain)) {
        refuse_terminated(step, step.domain);
        for (const Step& inner : step.body) refuse_terminated(inner, step.domain);
        return;
    }
    const rt::DomainId id = iso.domains.at(step.domain);
    if (iso.isolation->current() != id) switch_to(step, step.domain);
    const ResolvedAttributes saved = m_who;
    for (const Step& inner : step.body) {
        if (iso.terminated.count(step.domain)) {
            refuse_terminated(inner, step.domain); // never returned to after its termination
            continue;
        }
        m_who = ResolvedAttributes{false, AccessKind::Read, attribute_id(id)};
        const size_t ops_before = m_record.ops.size();
        execute(inner);
        m_who = saved;
        log_domain_access(inner, step.domain, ops_before);
        service_mpu_fault(inner);
    }
    m_who = saved;
}

void RuntimeHost::log_domain_access(const Step& step, const std::string& domain, size_t ops_before) {
    // The simulator sees every data access a domain makes; the runtime's ring keeps one entry per
    // step that got through. A denied one is logged by the MemManage handler when it serves the
    // fault (the core takes the exception there), so it is not logged twice.
    rt::AccessKind kind = rt::AccessKind::Read;
    if (step.kind == StepKind::Write) kind = rt::AccessKind::Write;
    else if (step.kind == StepKind::Access)
        kind = step.access_kind == AccessKind::Write ? rt::AccessKind::Write
             : step.access_kind == AccessKind::Fetch ? rt::AccessKind::Execute
                                                     : rt::AccessKind::Read;
    else if (step.kind != StepKind::Read) return;
    if (m_record.ops.size() != ops_before + 1) return;
    const OpRecord& op = m_record.ops.back();
    if (op.result != "ok") return;
    m_isolation->isolation->record_access(rt::AccessLogEntry{static_cast<rt::Address>(op.address),
                                                             static_cast<uint32_t>(op.size_bytes),
                                                             m_isolation->id_of(domain), kind, true});
}

void RuntimeHost::set_up_isolation() {
    if (!m_platform.mpu()) return;
    bool declared = false;
    for (const Step& st : m_scenario.steps)
        declared = declared || st.kind == StepKind::Domain || st.kind == StepKind::Partition ||
                   st.kind == StepKind::SwitchDomain;
    if (!declared) return;
    const MpuPlatformConfig& cfg = *m_scenario.platform.mpu;
    auto iso = std::make_unique<HostedIsolation>();
    rt::PartitionManagerParams params;
    params.arch = cfg.params.flavour == MpuFlavour::Pmsav7 ? rt::MpuArch::Pmsav7 : rt::MpuArch::Pmsav8;
    iso->partitions = std::make_unique<HostedIsolation::Partitions>(m_memory, params);
    rt::MpuConfig mpu;
    mpu.arch = params.arch;
    mpu.regions_total = static_cast<uint8_t>(cfg.params.regions);
    mpu.first_region = 0;
    mpu.region_budget = static_cast<uint8_t>(cfg.params.regions);
    iso->isolation = std::make_unique<HostedIsolation::Isolation>(*iso->partitions, m_memory, mpu);
    iso->handler = std::make_unique<HostedIsolation::Handler>(
        *iso->isolation, m_memory,
        cfg.fault_policy == MpuFaultPolicy::TerminatePartition ? rt::FaultPolicy::TerminatePartition
                                                               : rt::FaultPolicy::LogAndContinue);
    m_isolation = std::move(iso);
}

void RuntimeHost::service_mpu_fault(const Step& step) {
    if (!m_isolation || !m_isolation->fault_pending) return;
    HostedIsolation& iso = *m_isolation;
    iso.fault_pending = false;
    const ResolvedAttributes saved = m_who;
    m_who = ResolvedAttributes{}; // the MemManage handler runs privileged
    const std::string running = iso.name_of(iso.isolation->current());
    begin_op(step, "memmanage", "", running, 0);
    const rt::FaultReport report = iso.handler->handle();
    const char* action = report.action == rt::FaultAction::PartitionTerminated ? "terminated"
                         : report.action == rt::FaultAction::Logged           ? "logged"
                                                                               : "none";
    end_op(action, report.mmfar, iso.handler->last_op_steps());
    if (report.action == rt::FaultAction::PartitionTerminated) {
        TerminationRecord t;
        t.step = m_step_index;
        t.cycle = m_record.ops.back().end_cycle;
        t.domain = running;
        if (report.has_terminated_partition)
            t.partition = iso.partition_names[static_cast<uint16_t>(report.terminated_partition)];
        m_terminations.push_back(t);
        iso.terminated.insert(running);
        switch_to(step, "kernel"); // never return to a terminated domain
    }
    m_who = saved;
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
    if (m_isolation) m_isolation->fault_pending = true;
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
    if (m_isolation) {
        const HostedIsolation& iso = *m_isolation;
        const rt::IsolationStats& i = iso.isolation->stats();
        r.isolation = true;
        r.isolation_stats = {{"switches", i.switches},
                             {"replans", i.replans},
                             {"degraded_images", i.degraded_images},
                             {"refused_plans", i.refused_plans},
                             {"domains_terminated", i.domains_terminated},
                             {"regions_revoked", i.regions_revoked},
                             {"faults_handled", iso.handler->faults_handled()},
                             {"terminations", iso.handler->terminations()}};
        r.switches = m_switches;
        r.terminations = m_terminations;
        for (uint32_t n = 0; n < iso.isolation->access_log_size(); ++n) {
            const rt::AccessLogEntry& e = iso.isolation->access_log_entry(n);
            r.access_log.push_back(AccessLogRecord{iso.name_of(e.domain), e.address, e.size_bytes,
                                                   log_kind_name(e.kind), e.allowed});
        }
        r.access_log_dropped = iso.isolation->access_log_dropped();
    }
    m_record.mpu = r;
}

} // namespace emsim
