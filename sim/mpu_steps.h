#pragma once
// The MPU scenario steps (steps-grammar.md, issue 5): their argument keys and how each is read
// and validated. scenario.cpp dispatches these kinds here; the runtime host executes them
// (sim/mpu_host.cpp). Every error is a ConfigError at the key, as for the other steps.
//
//   mpu_write: {reg: NAME, value: 0x...}  |  {address: 0xE000ED9C, value: 0x...}
//       A privileged word store through the bus path (it costs the MPU's register_cycles).
//       NAME: a register of the platform's flavour table or CFSR/MMFAR, upper case, with or
//       without the MPU_ prefix (RNR, RBAR, RASR, RBAR_A1 .. RASR_A3; pmsav8: RLAR, RLAR_An,
//       MAIR0, MAIR1; both: TYPE, CTRL, CFSR, MMFAR). value: an integer below 2^32.
//   mpu_read:  {reg: NAME, expect: 0x...?}  |  {address: A, expect: ...?}
//       A privileged word load; with `expect:` a differing value is a failed expectation.
//   access:    {addr: 0x20000000, size: 4, kind: read | write | exec, privileged: true?}
//       size ? = 4: 1, 2 or 4 is one access; more is one burst of that many bytes (at most
//       2^16). kind ? = read. privileged ? = true (inside as_domain: false, with that
//       domain's id). A denied access is an mpu_fault (recorded; the run goes on).
// mpu_write and mpu_read need the platform's `mpu:` section; access does not (without an MPU
// nothing is checked and it is a plain bus access).
//
// Isolation steps (the runtime's PartitionManager, IsolationManager and MemManage handler; all
// need the `mpu:` section; domain and partition only at the top level of steps):
//   domain:    {name: D, security_level: untrusted | normal | trusted ?= normal}
//       create_isolation_domain. D is an identifier other than "kernel"; at most 16 domains.
//       Domain ids in faults.jsonl and fault filters: the n-th domain created is n (0 is the
//       runtime itself, privileged).
//   partition: {name: P, start: A | bank: B + offset: O?, size: N, rights: read_write |
//               read_only ?= read_write, owner: D?, quota: N?, priority: 0..255 ?= 0}
//       create_partition over [A, A + N) (start and size multiples of 32, inside one bank, clear
//       of the scenario's allocators); owner D gets the allocation right and the partition is
//       attached to it (D's isolated allocations come from it). quota: bytes per domain.
//   allocate_isolated: {domain: D, size: N, isolation: private | shared_ro | shared ?= private,
//                       peers: [D2, ...]?, as: NAME?}
//       allocate_isolated_memory from D's attached partition; NAME binds the block for read /
//       write / free steps. Inside as_domain, domain ?= that domain. When the grant changes the
//       running domain's image (owner or peer), the kernel reloads that image (a switch_domain
//       to itself) before the domain goes on.
//   alloc:     {partition: P, size: N, domain: D?, as: NAME?}
//       allocate_in_partition(P, requester, N): the requester is the as_domain's domain inside
//       as_domain (domain: may only repeat it), else D, else the kernel (which holds no
//       allocation right: AccessDenied). The result is the runtime's: AccessDenied (no
//       allocation right, or a read_only partition), QuotaExceeded (over the quota; isolated
//       and partition blocks share it), NoMemory, InvalidSize (0). Such a block is charged to
//       the requester but is NOT granted in its MPU image (only allocate_isolated grants
//       regions): the privileged kernel reads and writes it, the domain's own accesses fault.
//       heap: and partition: are exclusive; align, deadline_steps and lifetime are heap-only.
//   free:      {block: NAME}   NAME bound by allocate_isolated or alloc {partition: ...}.
//       A kernel call (privileged metadata accesses). The requester is the as_domain's domain
//       inside as_domain, else the block's owner. An isolated block goes to
//       free_isolated_memory (the owner's and peers' images are replanned; if the running
//       domain's changed, the kernel reloads it as after allocate_isolated); a partition block
//       to free_in_partition (owner only). Result: ok or the runtime's status (AccessDenied:
//       another domain's block; BadPointer: a second free, or the alloc had failed);
//       `terminated` when the owner was terminated (its blocks went with it). NAME stays
//       bound to the freed address, so a later read / write / access of it is a stale access
//       (an isolated block's former owner then takes an mpu_fault), and a later free of it
//       releases whatever block the heap has since placed there (a dangling free, as on a
//       target: the owner check still applies). Each block is freed by
//       the manager that bound it: free_in_partition of an isolated block would leave it
//       granted in images while the heap hands its bytes to someone else.
//   submit:    {partition: P, size: N, domain: D?, as: NAME?}
//       PartitionManager::submit: queues a request with the partition scheduler; the requester
//       is chosen as for alloc {partition:}. One op "submit" (a kernel call): ok, InvalidRegion
//       (P's creation had failed) or QuotaExceeded (16 requests already pending,
//       EMSIM_RT_PARTITION_QUEUE). Rights, quota and memory are checked when it is served.
//   serve:     {count: N?}   N from 1 to 16, default: every pending request.
//       serve_next up to N times: the pending request of the highest-priority partition
//       (partition priority:, larger first), the oldest submit first among equal priorities.
//       One op "serve" per request served (a kernel call), named by its NAME (else its
//       requester), heap: its partition, with the allocation's result (ok, AccessDenied,
//       QuotaExceeded, NoMemory, InvalidSize) and address. An ok request binds NAME as
//       alloc {partition:} does (read / write / free take it); NAME is not bound before. The
//       parser follows the queue in file order (priorities and submit order, not runtime
//       refusals), so NAME may be used only after a serve that serves it; if the run then
//       finds it unbound (its submit or its allocation failed), read / write / free of it
//       record "unbound". Terminating a partition cancels its pending requests.
//   switch_domain: {to: D | kernel}   loads D's image: timed MPU register stores on the bus.
//   as_domain: {domain: D, steps: [...]}
//       Switches to D if D is not loaded, then runs the steps as D: unprivileged accesses with
//       D's id. Nested kinds: access, read, write, allocate_isolated, alloc (partition:
//       only), submit, free (of an isolated or partition block), wait, expect. A read /
//       write copy stops at its first denied word (the core takes MemManage there).
// After any step that raised an MPU fault, when the scenario declares domains or partitions
// (or switches domains),
// the host runs the runtime's MemManage handler (CFSR, MMFAR read and cleared through the bus)
// with the platform's fault_policy; terminate_partition terminates the running domain and its
// partition and switches to the kernel; that domain's later steps are not run and each is
// recorded as an op with result "terminated". Without domains or partitions no handler runs:
// the scenario is then a register-level test that reads CFSR/MMFAR itself.

#include "sim/scenario.h"
#include "sim/yaml_reader.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

/// The argument keys of an MPU step kind; nullptr for the other kinds.
const std::vector<std::string>* mpu_step_keys(StepKind kind);

/// Alternative forms of one argument (reg / address): setting one by override removes the rest.
std::vector<std::string> mpu_step_other_forms(StepKind kind, const std::string& key);

/// Largest `access` burst in bytes.
constexpr uint64_t MAX_ACCESS_BYTES = 65536;

/// Reads the MPU and isolation steps of one scenario, in file order, tracking the names they
/// define (domains, partitions, isolated blocks).
class MpuStepParser {
public:
    /// Parses a list of steps (the scenario parser's own), for as_domain's body.
    using StepsReader = std::function<std::vector<Step>(const cfg::Entry&)>;

    MpuStepParser(const cfg::Reader& r, const Scenario& s) : r(r), s(s) {}

    /// Reads the arguments of an MPU step (`kind`: the step's one key; `args`: its entries,
    /// already checked against mpu_step_keys) into `st`.
    void parse(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st,
               const StepsReader& nested);

    /// The partition a block bound by allocate_isolated or alloc {partition:} lives in, or
    /// nullptr (no such block).
    const std::string* mpu_block(const std::string& name) const;
    /// alloc with partition: (or domain:); `args` already checked against the alloc keys.
    void partition_alloc(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    /// free of `block` (an mpu_block): fills st.block, st.partition, st.domain.
    void free_block(const cfg::Entry& block, Step& st);
    /// Fails at `block` when the name it gives is only a request no serve has served yet.
    void refuse_pending(const cfg::Entry& block) const;
    /// The names the last parsed step bound to served requests (serve), in serving order.
    const std::vector<std::string>& served_names() const { return m_served; }
    /// The id of domain `name` (1-based, in creation order), or nullopt.
    std::optional<uint16_t> domain_id(const std::string& name) const;

private:
    const cfg::Reader& r;
    const Scenario& s;
    std::vector<std::string> m_domains;    ///< in creation order
    std::vector<std::string> m_partitions;
    std::map<std::string, std::string> m_mpu_blocks;     ///< block -> partition
    std::map<std::string, std::string> m_attached;        ///< domain -> partition
    std::string m_acting; ///< inside as_domain: its domain
    std::map<std::string, uint8_t> m_priority; ///< partition -> scheduler priority
    /// Submitted, not yet served (parse-time view of the scheduler's queue), in submit order.
    struct Request {
        std::string name; ///< as:, or empty
        std::string partition;
        int line = 0; ///< of the submit step
    };
    std::vector<Request> m_pending;
    std::vector<std::string> m_served; ///< see served_names()

    void need_mpu(const cfg::Entry& kind) const;
    void top_level_only(const cfg::Entry& kind) const;
    std::string domain_name(const cfg::Entry& e, bool kernel_allowed) const;
    void domain(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    void partition(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    void allocate_isolated(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    /// partition, domain and size of alloc {partition:} and submit; `as:` is left to the caller.
    void partition_request(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    void submit(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    void serve(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st);
    void as_domain(const cfg::Entry& kind, const std::vector<cfg::Entry>& args, Step& st,
                   const StepsReader& nested);
};

/// The MPU register at `address` named as the grammar names it ("RBAR", "CFSR"), or "" when
/// `address` is none of them.
std::string mpu_register_name(MpuFlavour flavour, uint32_t address);

} // namespace emsim
