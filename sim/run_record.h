#pragma once
// What one `emsim run` produces, as plain data: the runtime operations, the simulated faults, the
// energy windows, the expectation results and the end-of-run statistics. The runtime host fills
// it; the trace writers (trace_writers.h) turn it into files. Nothing here knows SystemC, so the
// writers can be tested on hand-made records. Units are in every name.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

/// One runtime operation (alloc, free, realloc, read, write, mark, release, seal, check, power,
/// dma). Cycles are platform clock cycles since time zero.
struct OpRecord {
    uint64_t index = 0;        ///< 0, 1, 2 ... in execution order
    int step_line = 0;         ///< scenario line of the step that issued it
    std::string name;          ///< the block name (as:/block:), marker, bank or DMA stream
    std::string op;            ///< step kind name: "alloc", "free", ...
    std::string heap;          ///< allocator name, or empty
    uint64_t size_bytes = 0;   ///< requested size (alloc/realloc), or bytes moved (read/write)
    uint64_t address = 0;      ///< result address (alloc/realloc) or the address used
    uint64_t start_cycle = 0;
    uint64_t end_cycle = 0;
    uint64_t latency_cycles() const { return end_cycle - start_cycle; }
    uint64_t compute_cycles = 0; ///< charged for the runtime's own steps (cpu section)
    uint32_t steps = 0;          ///< algorithm steps the runtime reported
    uint32_t loads = 0;          ///< metadata (or data) loads that went to the bus
    uint32_t stores = 0;
    uint64_t wait_cycles = 0;    ///< contention: arbitration + bank busy, summed over accesses
    std::string result;          ///< "ok" or an RtStatus name ("NoMemory"), or "bus_error"
    std::vector<std::string> banks; ///< banks touched, sorted by name
    uint64_t energy_fj = 0;      ///< dynamic energy of this op's accesses
};

/// A simulated fault: data, not an error of the simulator.
struct FaultRecord {
    uint64_t step = 0;    ///< 1-based index of the top-level step it happened in
    uint64_t cycle = 0;
    std::string kind;     ///< "bus_error", "runtime_invariant", "mpu_fault"
    uint64_t address = 0;
    uint32_t size_bytes = 0;   ///< bytes of the faulting access (0: not an access)
    bool privileged = true;    ///< the access's privilege (the runtime's own: privileged)
    uint16_t domain = 0;       ///< the isolation domain that made it (0: the runtime)
    std::optional<uint32_t> mmfsr; ///< mpu_fault: the MMFSR bits this fault set
    std::optional<uint32_t> mmfar; ///< mpu_fault on a data access: MMFAR
    std::string bank;     ///< empty when unmapped
    std::string access;   ///< "read", "write", "exec", or empty when not an access
    std::string reason;   ///< Refusal name ("powered_off", "retention", "unmapped", ...)
    std::string op;       ///< the operation during which it happened
    std::string heap;
    int step_line = 0;
};

/// The buckets leakage is split into: the four power states, then the time in transitions
/// (charged at Active leakage, models/energy_ledger.h).
constexpr const char* LEAKAGE_STATE_NAMES[] = {"active", "standby", "retention", "off",
                                               "transition"};
constexpr size_t LEAKAGE_STATE_COUNT = 5;
using LeakageByState = std::array<uint64_t, LEAKAGE_STATE_COUNT>; ///< fJ, LEAKAGE_STATE_NAMES order

/// One row of energy.csv: one bank over one window [start_cycle, end_cycle).
struct EnergyWindow {
    std::string bank;
    uint64_t start_cycle = 0;
    uint64_t end_cycle = 0;
    uint64_t dynamic_fj = 0;
    uint64_t leakage_fj = 0;
    uint64_t transition_fj = 0;
    std::string state; ///< state at the end of the window ("active", ..., "transition")
    std::string region;            ///< the bank's power region
    LeakageByState leakage_fj_by_state{}; ///< sums to leakage_fj
};

struct ExpectationResult {
    int line = 0;
    std::string what;    ///< e.g. "max_latency_cycles <= 400 (op alloc)"
    bool passed = false;
    std::string detail;  ///< e.g. "worst was 512 cycles (op 17, line 40)"
};

/// Per-bank totals for the summary.
struct BankTotals {
    uint64_t reads = 0;
    uint64_t writes = 0;
    uint64_t dynamic_fj = 0;
    uint64_t leakage_fj = 0;
    uint64_t transition_fj = 0;
    std::map<std::string, uint64_t> time_ps_by_state; ///< "active", ..., "transition"
    std::string region;                   ///< the bank's power region
    LeakageByState leakage_fj_by_state{}; ///< sums to leakage_fj
};

/// Allocator statistics at the end of the run, as name -> number (bytes, counts, fractions).
using AllocatorStats = std::map<std::string, double>;

/// One switch_domain: the MPU image of `to` loaded by register stores on the bus.
struct DomainSwitchRecord {
    uint64_t step = 0; ///< 1-based top-level step
    uint64_t start_cycle = 0;
    uint64_t end_cycle = 0;
    std::string from; ///< domain names; "kernel" for none
    std::string to;
    uint32_t stores = 0;
    std::string result; ///< "ok" or an RtStatus name
};

/// One entry of the isolation manager's access log (a bounded ring), oldest first.
struct AccessLogRecord {
    std::string domain;
    uint64_t address = 0;
    uint32_t size_bytes = 0;
    std::string kind; ///< "read", "write", "execute" or "data" (a fault does not tell)
    bool allowed = false;
};

/// A domain and its partition terminated by the MemManage handler.
struct TerminationRecord {
    uint64_t step = 0;
    uint64_t cycle = 0;
    std::string domain;
    std::string partition; ///< empty when the domain had none attached
};

/// The MPU's part of a run (platform `mpu:` section): its configuration and end-of-run counters,
/// and, when the scenario uses isolation domains, the switches, terminations and access log.
struct MpuRunRecord {
    std::string flavour;    ///< "pmsav7" or "pmsav8"
    uint32_t regions = 0;
    std::string fault_policy;
    std::map<std::string, uint64_t> stats; ///< MpuStats by field name (checked, denied, ...)
    bool isolation = false; ///< the scenario declared domains or partitions
    std::map<std::string, uint64_t> isolation_stats; ///< IsolationStats and handler counters
    std::vector<DomainSwitchRecord> switches;
    std::vector<TerminationRecord> terminations;
    std::vector<AccessLogRecord> access_log;
    uint64_t access_log_dropped = 0;
};

struct RunRecord {
    std::string scenario;       ///< scenario name
    std::string scenario_file;
    std::string platform;       ///< platform name
    std::string mode;           ///< "lt" or "at"
    uint64_t seed = 0;
    uint64_t clock_period_ps = 0;
    uint64_t end_cycle = 0;
    std::vector<OpRecord> ops;
    std::vector<FaultRecord> faults;
    std::vector<EnergyWindow> energy;              ///< sorted by start_cycle, then bank
    std::map<std::string, BankTotals> banks;       ///< by bank name
    std::map<std::string, uint64_t> energy_by_owner_fj; ///< heap, pool or block name -> dynamic fJ
    /// Power regions: name -> its banks' names (every bank is in one).
    std::map<std::string, std::vector<std::string>> region_banks;
    /// Bank -> the one allocator that lives in it (its leakage and transitions are that owner's
    /// in the summary); a bank with none or several is not listed.
    std::map<std::string, std::string> bank_owner;
    std::map<std::string, AllocatorStats> allocators;   ///< by allocator name
    std::vector<ExpectationResult> expectations;
    /// DMA slices for trace.json: stream name -> [start_cycle, end_cycle) of each active span.
    std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> dma_spans;
    /// Bank power-state changes for trace.json counters: bank -> (cycle, state name).
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> power_changes;
    /// Present when the platform has an MPU (summary.json "mpu"); absent, outputs are unchanged.
    std::optional<MpuRunRecord> mpu;
};

} // namespace emsim
