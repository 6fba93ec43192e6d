#pragma once
// The runtime's isolation layer as the runtime host runs it: one PartitionManager, one
// IsolationManager and one MemManage fault handler (runtime/partition_manager.h,
// isolation_manager.h, mpu_fault_handler.h) over the host's TLM memory policy, so partition
// heaps, domain switches and the handler's register accesses are simulated bus traffic. Owns
// those objects and the scenario's names for their domains and partitions; the steps that drive
// them are RuntimeHost members in mpu_host.cpp. Exists when the platform has an MPU and the
// scenario declares a domain or a partition.

#include "runtime/mpu_fault_handler.h"
#include "sim/tlm_memory.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace emsim {

struct HostedIsolation {
    using Partitions = rt::PartitionManager<TlmMemory>;
    using Isolation = rt::IsolationManager<TlmMemory>;
    using Handler = rt::MpuFaultHandler<TlmMemory>;

    std::unique_ptr<Partitions> partitions;
    std::unique_ptr<Isolation> isolation;
    std::unique_ptr<Handler> handler;

    std::map<std::string, rt::DomainId> domains;     ///< scenario name -> runtime id
    std::vector<std::string> domain_names;            ///< by runtime id
    std::map<std::string, rt::PartitionId> partition_ids;
    std::map<uint16_t, std::string> partition_names;  ///< by PartitionId value
    std::set<std::string> terminated;                 ///< domains the handler terminated

    /// A block bound by allocate_isolated or alloc {partition:} (mpu_steps.h): whose it is and
    /// which manager frees it (the one that allocated it). address 0: its allocation failed (a
    /// free then hands the runtime the null pointer it would have got).
    struct OwnedBlock {
        rt::DomainId owner = rt::NO_DOMAIN;
        rt::PartitionId partition{};
        rt::Address address = 0;
        bool isolated = false;
    };
    std::map<std::string, OwnedBlock> blocks; ///< by block name, the latest binding
    /// A submitted request the scheduler has not served yet: what serve binds.
    struct Request {
        std::string name; ///< as:, or empty
        uint32_t size_bytes = 0;
    };
    std::map<uint32_t, Request> requests; ///< by the runtime's ticket
    bool fault_pending = false; ///< an MPU fault the handler has not yet served

    /// The runtime id of scenario domain `name`; NO_DOMAIN for "" (the kernel) or a domain
    /// whose creation the runtime refused.
    rt::DomainId id_of(const std::string& name) const {
        const auto it = domains.find(name);
        return it == domains.end() ? rt::NO_DOMAIN : it->second;
    }

    /// The scenario's name for runtime domain `d` ("kernel" for NO_DOMAIN).
    std::string name_of(rt::DomainId d) const {
        const uint32_t i = rt::domain_index(d);
        return i < domain_names.size() ? domain_names[i] : "kernel";
    }
};

} // namespace emsim
