#pragma once
// RuntimeHost is the target model that runs emsim's real runtime (runtime/) on the simulated
// memory system. It owns an initiator socket into the interconnect, the runtime's allocators
// (placed in the banks the scenario names, their metadata living in simulated SRAM), and an
// SC_THREAD that executes the scenario's steps in order. Every load and store the runtime makes
// is one bus transaction (TlmMemory -> BusAccess), so an operation's latency is its bus
// accesses' latency (bank timing, contention) plus the compute the runtime reports in steps
// (`cpu` section: base + per_step x steps), and its energy is the banks' energy for those
// accesses. A refused access (a bank that is off or in retention, an unmapped address) is a
// recorded fault and the run goes on. It owns no output format: it fills a RunRecord.
//
// Power management (runtime_host_power.cpp, power_host.h): the power_aware allocator and the
// power_request step reach the platform's PowerController through the same bus, so register
// writes and status polls are timed transactions; bank power-state changes, whoever causes
// them, are recorded for trace.json after each step.
//
// Allocator set-up happens before step 1 through debug transport: like a boot loader that has
// already laid out memory, it costs no simulated time and no energy.
//
// Mode lt_dmi is the fast mode: where a bank grants DMI (an active bank), the runtime's accesses
// go straight to its storage with the DMI latency (hop + access: the same cycles as
// b_transport for one initiator) and the words are reported to the bank's ledger in bulk. It
// sees no contention (a DMA's bursts do not delay it); refused accesses still go through
// b_transport (banks in standby, retention or off grant no DMI and revoke it on any change).
//
// With an MPU (platform `mpu:` section) the host sits before it and every transaction carries
// an AccessAttributes extension: the runtime's own accesses (allocator metadata) are privileged
// data accesses of domain 0, like a kernel serving a call; the MPU steps' accesses carry what
// the step says (sim/mpu_host.cpp). The MPU narrows DMI grants to what every access may do and
// revokes them on each reconfiguration, so the lt_dmi path never needs a check.

#include "models/access_attributes.h"
#include "models/access_info.h"
#include "models/blocking_initiator.h"
#include "models/dma_engine.h"
#include "models/payload_pool.h"
#include "runtime/heap_guard.h"
#include "runtime/stack_allocator.h"
#include "sim/platform.h"
#include "sim/run_record.h"
#include "sim/scenario.h"
#include "sim/tlm_memory.h"

#include <systemc>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace emsim {

struct HostedAllocator; // runtime_host.cpp: one allocator of any kind behind one interface
struct PoweredHeap;     // power_host.h: a power_aware allocator
struct HostedIsolation; // mpu_host.h: partitions, domains and the MemManage handler
namespace rt {
enum class DomainId : uint8_t;     // partition_manager.h
enum class PartitionId : uint16_t; // partition_manager.h
} // namespace rt

class RuntimeHost : public sc_core::sc_module, public BusAccess {
    BlockingInitiator m_port; // first: `out` refers to its socket

public:
    tlm::tlm_initiator_socket<>& out; ///< bind to the interconnect

    SC_HAS_PROCESS(RuntimeHost);
    /// `platform` and `dma` must outlive the host; `dma` maps a scenario DMA name to its engine.
    RuntimeHost(sc_core::sc_module_name name, const Scenario& scenario, Platform& platform,
                TimingMode mode, std::map<std::string, DmaEngine*> dma);
    ~RuntimeHost() override;

    bool done() const { return m_done; }
    /// Complete once done(); filled as the run goes.
    const RunRecord& record() const { return m_record; }
    size_t failed_expectations() const;
    /// 1 while a runtime operation executes (the VCD's runtime activity).
    const bool& traced_busy() const { return m_busy; }

    uint32_t bus_read(rt::Address address, unsigned bytes) override;
    void bus_write(rt::Address address, uint32_t value, unsigned bytes) override;

private:
    struct Block {
        std::string heap;
        rt::Address address = 0;
        uint32_t size_bytes = 0;
    };

    void run();
    void sample_energy();
    void set_up_allocators();
    void execute(const Step& step);
    void execute_random_workload(const Step& step);
    void evaluate(const Expectation& expectation);
    void finish();

    // Operations: begin, then the runtime call (its accesses accumulate), then end.
    OpRecord& begin_op(const Step& step, const std::string& op, const std::string& heap,
                       const std::string& name, uint64_t size_bytes);
    void end_op(const std::string& result, uint64_t address, uint32_t steps);
    void user_data(const Step& step, bool write);
    uint32_t access(bool write, rt::Address address, uint32_t value, unsigned bytes);
    /// One timed transaction of `bytes` from/to `data` with the current attributes; a refusal is
    /// a recorded fault. True when it completed OK.
    bool transfer(bool write, rt::Address address, uint8_t* data, unsigned bytes);

    // MPU steps and MPU faults: sim/mpu_host.cpp.
    void execute_mpu_step(const Step& step);
    /// Inside as_domain: the data step `step` that domain made, into the runtime's access log.
    void log_domain_access(const Step& step, const std::string& domain, size_t ops_before);
    /// Fills the fault fields every kind shares; makes it an mpu_fault when the MPU denied it.
    void describe_fault(FaultRecord& fault, bool write, unsigned bytes);
    void finish_mpu();
    void set_up_isolation();
    /// Runs the runtime's MemManage handler when an MPU fault is pending (mpu_steps.h).
    void service_mpu_fault(const Step& step);
    void execute_as_domain(const Step& step);
    void alloc_in_partition(const Step& step); ///< alloc {partition:}
    void free_mpu_block(const Step& step);     ///< free of an isolated or partition block
    void submit_request(const Step& step);     ///< submit: queues with the partition scheduler
    void serve_requests(const Step& step);     ///< serve: one op per request served
    /// Binds `name` (if any) to a partition allocation's outcome, as alloc {partition:} does.
    void bind_partition_block(const std::string& name, rt::DomainId requester,
                              rt::PartitionId partition, const std::string& partition_name,
                              const rt::Result<rt::Address>& allocated, uint32_t size_bytes);
    /// After a grant or a free: reloads the running domain's image if it is in `affected`
    /// (domain bits), before that domain goes on.
    void reload_if_running(const Step& step, uint32_t affected);
    void switch_to(const Step& step, const std::string& to);
    /// Records `step` as refused because its domain was terminated.
    void refuse_terminated(const Step& step, const std::string& domain);
    std::unique_ptr<HostedIsolation> m_isolation;
    std::vector<DomainSwitchRecord> m_switches;
    std::vector<TerminationRecord> m_terminations;

    HostedAllocator& allocator(const std::string& name);
    /// A read, write, free or realloc of a name no allocation bound (it failed): result "unbound".
    void refuse_unbound(const Step& step, const char* op);
    /// A fault's domain id as the scenario names it: "sensor (1)", "kernel (0)", or the bare id.
    std::string domain_label(uint16_t domain) const;
    /// LT+DMI: serves the access straight from a granted DMI window; false when none covers it.
    bool access_through_dmi(bool write, rt::Address address, uint8_t* data, unsigned bytes);
    void remember_dmi(tlm::tlm_generic_payload& trans, int bank);
    void forget_dmi(uint64_t start, uint64_t end);
    std::string take_energy_window(uint64_t end_cycle);
    uint64_t now_cycles() const;
    void note_power_change(size_t bank);
    // Power management (power_host.cpp): the steps, and bank state changes into the record.
    void execute_power_step(const Step& step);
    void note_power_changes();
    bool evaluate_power(const Expectation& expectation, ExpectationResult& result);
    const std::string& region_of_bank(size_t bank) const;
    PoweredHeap& powered_heap(const std::string& name);
    void record_power_layout();

    const Scenario m_scenario;
    Platform& m_platform;
    const TimingMode m_mode;
    const Clock m_clock;
    std::map<std::string, DmaEngine*> m_dma;
    TlmMemory m_memory;
    rt::HeapGuard m_guard;
    std::map<std::string, std::unique_ptr<HostedAllocator>> m_allocators;
    std::map<std::string, Block> m_blocks;
    std::map<std::string, rt::StackMarker> m_markers;
    PayloadPool m_payloads; ///< AT: a payload travels across calls and needs a memory manager
    /// LT: b_transport is done with a payload when it returns, so every access reuses this one,
    /// with its two extensions (owned by it) attached once instead of looked up per access.
    tlm::tlm_generic_payload m_lt_payload;
    AccessInfo* m_lt_info = nullptr;
    AccessAttributes* m_lt_who = nullptr;
    /// LT+DMI: windows the banks granted, with the words moved through each since the last
    /// report (handed to the bank when the window goes or the run ends).
    struct DmiWindow {
        tlm::tlm_dmi dmi;
        size_t bank = 0;
        uint64_t read_words = 0;
        uint64_t write_words = 0;
    };
    std::vector<DmiWindow> m_dmi;
    std::vector<uint64_t> m_read_fj_per_word;  ///< by bank index
    std::vector<uint64_t> m_write_fj_per_word;
    std::vector<EnergySnapshot> m_window_start; ///< by bank index
    uint64_t m_window_start_cycle = 0;

    RunRecord m_record;
    bool m_in_op = false;
    bool m_setup = false;      ///< set-up and observation: accesses go through debug transport
    OpRecord m_op;             ///< the operation being executed
    std::string m_owner;       ///< who the energy of the current accesses is booked to
    uint64_t m_op_faults = 0;
    uint64_t m_op_banks = 0;     ///< bit i: bank i touched by the current operation
    uint64_t m_op_energy_fj = 0; ///< dynamic energy of the current operation's accesses
    std::string m_last_result = "ok";
    uint64_t m_step_index = 0;      ///< 1-based index of the top-level step being executed
    ResolvedAttributes m_who;       ///< attributes of the next access (the runtime: privileged)
    size_t m_mpu_faults_seen = 0;   ///< MPU fault records already turned into FaultRecords
    uint64_t m_op_mpu_faults = 0;
    std::vector<const Expectation*> m_at_end;
    bool m_busy = false;
    bool m_done = false;
    sc_core::sc_event m_done_event;
    struct NotedPower {
        PowerState state = PowerState::Active;
        bool in_transition = false;
        sc_core::sc_time transition_end;
    };
    std::vector<NotedPower> m_noted_power; ///< by bank: what power_changes last recorded
};

} // namespace emsim
