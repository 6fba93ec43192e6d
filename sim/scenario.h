#pragma once
// A scenario: the platform it runs on, the runtime allocators it creates and where they live, the
// DMA streams it may start, and the steps the runtime host executes in order. This header is the
// resolved form (no optionals the executor must guess about); scenario.cpp reads it from YAML and
// validates everything that can be checked without simulating: unknown keys, wrong types, names
// that are not defined (an allocator, a block bound with `as:`, a bank, a DMA stream, a stack
// marker), impossible values. Every error is a ConfigError `file:line:column: key.path: expected
// ..., got ...` and `emsim run` exits with status 2.
//
// Grammar (YAML). Sizes in bytes, times in cycles of the platform clock unless the key says
// otherwise. `?` marks optional keys with the default after `=`.
//
//   name: quickstart                  # identifier; default output folder out/<name>
//   platform: platforms/minimal.yaml  # relative to this file
//   seed: 42                          # ? = 1; drives random_workload and DMA patterns
//   mode: lt | lt_dmi | at            # ? = lt; `emsim run --mode` wins (lt_dmi: see runtime_host.h)
//   energy_window_cycles: 10000       # ? = 10000; rows of energy.csv
//   allocators:                       # created in order before step 1 (setup is not timed)
//     - name: heap                    # identifier, unique among allocators
//       kind: tlsf | pool | tiered | static | stack | power_aware
//       bank: ram0                    # the bank it lives in ...
//       offset: 0                     # ? = 0: ... at this offset into the bank
//       size: 8192                    # bytes of target memory it owns (metadata included)
//       guarded: true                 # ? = true: `seal` applies to it (tlsf, pool, tiered)
//       # kind: pool
//       block_size: 64                # payload bytes per block
//       # kind: tiered
//       classes: [16, 32, 64, 128, 256, 512, 1024]   # block sizes; the region is split evenly
//       huge: heap                    # ? : a tlsf allocator for requests above the largest class
//       max_waste_ratio: 4            # ? = 4: never serve from a class > ratio x request
//       # kind: power_aware (no bank/offset/size: it owns whole banks; see sim/power_scenario.h)
//       banks: [ram1, ram2]           # the banks it manages, one TLSF heap each
//       policy: none | pack | pack_retention   # ? = pack_retention
//       wake_budget_cycles: 400       # ? = 10^9: optimize_power's default budget
//   dma:                              # traffic from a second initiator, started by `dma` steps
//     - name: rx
//       pattern: sequential | random | fixed_rate
//       bank: ram1                    # streams over [offset, offset + size) of this bank
//       offset: 0                     # ? = 0
//       size: 4096
//       burst: 16                     # ? = 16 bytes per transaction
//       period_cycles: 8              # fixed_rate only (required there)
//       write_percent: 100            # ? = 100
//   steps: [ ... ]                    # see Step; each is a one-key map naming its kind
//
// Steps (the one key names the kind; its value is a map of arguments):
//   alloc:   {heap: H, size: N, align: A?, as: NAME?, deadline_steps: D?, lifetime: L?}
//            tlsf with deadline_steps -> allocate_deterministic. Binds the block to NAME.
//            lifetime: short | long (? = short), power_aware only: steers bank placement.
//   alloc:   {partition: P, size: N, domain: D?, as: NAME?}   a partition's heap, with the
//            requester's rights and quota checked (sim/mpu_steps.h)
//   free:    {block: NAME}                       the allocator is the one NAME came from (an
//            isolated or partition block goes back to its manager, sim/mpu_steps.h)
//   realloc: {block: NAME, size: N}              tlsf only; NAME is rebound to the new address
//   read:    {block: NAME, bytes: N?}            user data traffic; bytes ? = the block's size
//   write:   {block: NAME, bytes: N?}
//   read:    {address: 0x20000000, bytes: N}     or a raw range
//   write:   {address: 0x20000000, bytes: N}
//   mark:    {heap: STACK, as: MARKER}           stack allocator marker
//   release: {heap: STACK, marker: MARKER}       LIFO release (out of order -> OutOfOrder)
//   seal:    {}                                  zero-dynamic-allocation policy on
//   repeat:  {count: N, steps: [...]}            names bound inside stay bound after
//   random_workload: {heap: H, count: N, size: {min: A, max: B}, lifetime: {min: C, max: D},
//                     as: PREFIX?}
//            N allocations of uniform size in [A, B]; each is freed after a uniform number of
//            later allocations in [C, D] (0 = freed at once); the rest are freed at the end.
//   wait:    {cycles: N} | {ns: N} | {us: N}
//   dma:     {name: D, action: start | stop, count: N?}   count ? = unbounded until stop
//   power:   {bank: B, state: active | standby | retention | off}   switches one bank directly,
//            bypassing the power controller (a test hook; power_request is what firmware does)
//   check:   {heap: H}                           runs the allocator's integrity check (timed)
//   power_request:  {region: R, state: S}        CTRL write + STATUS read through the bus
//   optimize_power: {heap: H?, wake_budget_cycles: N?}   power_aware heap's gating plan
//   sleep:   {cycles: N} | {us: N} | {ms: N}     the system idles (see sim/power_scenario.h)
//   expect:  {...}                               see Expectation; `at: end` defers it
//   mpu_write, mpu_read, access, domain, partition, allocate_isolated, switch_domain,
//   as_domain: the MPU and isolation steps, grammar in sim/mpu_steps.h
//
// Expectations (keys of one `expect:` map; several keys = several expectations):
//   max_latency_cycles: N   {op: alloc?, heap: H?}  every matching op so far (or at end)
//   no_faults: true
//   fault: {kind: bus_error, address: A?, bank: B?, domain: D?, count: N?}
//                                               at least one (or exactly N; count: 0 = none)
//   energy_max_uj: X        {bank: B?, region: R?, state: S?}   energy so far (state: only the
//                                               leakage accrued in that state)
//   region_state: {region: R, state: S}         the controller's STATUS.STATE of R now
//   heap_free_min: N        {heap: H}           free bytes of the allocator now
//   result: STATUS                              status of the previous op (e.g. NoMemory)
//   at: end                                     check after the last step instead of here
//
// Later issues add steps (MPU, domains, partitions, power manager) as new kinds: the grammar
// never needs a new top-level shape, and an unknown step kind is an error listing the known ones.
//
// Rules the parser applies beyond the shapes above (scenario.cpp):
// - Values are read as the platform file reads them (sim/yaml_reader.h): integers are plain
//   scalars, decimal or 0x hex with '_' separators (0x2000_0000); a quoted "7", a fraction or a
//   negative number where an integer is expected is an error; so is a repeated or unknown key.
// - Names (scenario, allocators, DMA streams, `as:` blocks and markers) are identifiers:
//   letters, digits and '_', not starting with a digit.
// - Allocator regions: [offset, offset + size) inside the bank, base a multiple of 8 (the
//   runtime's block alignment), no two allocators overlapping. Pool: block_size <= size.
//   Tiered: 1..16 classes, strictly ascending. `guarded` is for tlsf, pool and tiered only.
// - DMA: [offset, offset + size) inside the bank; burst <= size; period_cycles only (and always)
//   for fixed_rate; write_percent 0..100.
// - Names are checked in step order, as if the steps ran: `block:` must have been bound by an
//   earlier `as:` (a repeat body is checked twice when count > 1, so a name an iteration rebinds
//   is seen by the next); `release` needs a marker set earlier on the same stack. `free` does not
//   unbind a name: freeing twice is the runtime's DoubleFree, which a scenario may expect.
// - alloc `size: 0` and a non-power-of-two `align` are allowed: the runtime answers InvalidSize
//   or InvalidAlignment, which `expect: {result: ...}` can check. deadline_steps: tlsf only.
// - random_workload `as:` names its blocks in traces (PREFIX is not bound for later steps: the
//   workload frees every block before it ends). size.min >= 1; on a pool size.max <=
//   block_size; on a tiered pool without `huge`, size.max <= the largest class.
// - wait: exactly one of cycles, ns, us; Step::wait_ps = cycles x the platform clock period
//   (or ns x 1000, us x 10^6), at most 10^18 ps. dma `count:` only with action: start, >= 1.
// - expect: the filters are sibling keys of the map: `op:` and `heap:` filter
//   max_latency_cycles, `heap:` is also heap_free_min's subject (required there), `bank:`
//   filters energy_max_uj; a filter without its expectation is an error. `op:` is one of alloc,
//   free, realloc, read, write, mark, release, seal, check. `no_faults:` must be true.
//   `fault: {kind: ...}` names a FAULT_KIND_NAMES entry; `domain:` a domain defined by an
//   earlier domain step, or a domain id (0 = the runtime itself); count >= 0 when given.
//   `result:` is spelled as OpRecord::result spells it: ok, an RtStatus name (NoMemory, ...) or
//   bus_error, mpu_fault, terminated or unbound (a read, write, free or realloc of a name whose
//   allocation failed) ("Ok" is read as ok); without `at: end` an operation step must come before it.
// - Overrides (`--set`), applied to the document before validation, in order:
//   name, platform (resolved like the key), seed, mode, energy_window_cycles,
//   allocators[<index or name>].<key>, dma[<index or name>].<key>,
//   steps[<index>].<kind>.<key> (a top-level step; <kind> must be that step's kind) and
//   steps[<index>].<kind>.<key>.<subkey> for size/lifetime/fault; platform.<path> goes to the
//   platform loader. Setting one form of wait (cycles/ns/us) or of read/write (block/address)
//   removes the other forms. An error in an override's value names `--set <override>`.

#include "models/clock.h"
#include "models/mpu_regions.h"
#include "models/power_state.h"
#include "models/traffic_generator.h"
#include "sim/platform_config.h"
#include "sim/power_scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

enum class AllocatorKind { Tlsf, Pool, Tiered, Static, Stack, PowerAware };

constexpr EnumName<AllocatorKind> ALLOCATOR_KIND_NAMES[] = {
    {AllocatorKind::Tlsf, "tlsf"},     {AllocatorKind::Pool, "pool"},
    {AllocatorKind::Tiered, "tiered"}, {AllocatorKind::Static, "static"},
    {AllocatorKind::Stack, "stack"},   {AllocatorKind::PowerAware, "power_aware"},
};

struct AllocatorSpec {
    std::string name;
    AllocatorKind kind = AllocatorKind::Tlsf;
    std::string bank;
    uint64_t offset_bytes = 0;
    uint64_t size_bytes = 0;
    uint64_t base = 0;               ///< resolved: bank base + offset
    bool guarded = true;
    uint32_t block_size_bytes = 0;   ///< pool
    std::vector<uint32_t> classes;   ///< tiered: block sizes, ascending
    std::string huge;                ///< tiered: a tlsf allocator's name, or empty
    uint32_t max_waste_ratio = 4;    ///< tiered
    int line = 0;
    PowerHeapSpec power;             ///< power_aware (bank, base and size_bytes: its span)
};

struct DmaSpec {
    std::string name;
    TrafficPatternKind pattern = TrafficPatternKind::Sequential;
    std::string bank;
    uint64_t offset_bytes = 0;
    uint64_t size_bytes = 0;
    uint64_t base = 0; ///< resolved: bank base + offset
    uint32_t burst_bytes = 16;
    Cycles period_cycles = 0;
    uint32_t write_percent = 100;
    int line = 0;
};

enum class StepKind {
    Alloc, Free, Realloc, Read, Write, Mark, Release, Seal, Repeat, RandomWorkload,
    Wait, Dma, Power, Check, Expect, PowerRequest, OptimizePower, Sleep,
    MpuWrite, MpuRead, Access, // sim/mpu_steps.h
    Domain, Partition, AllocateIsolated, SwitchDomain, AsDomain, // sim/mpu_steps.h
    Submit, Serve, // sim/mpu_steps.h: the partition scheduler
};

constexpr EnumName<StepKind> STEP_KIND_NAMES[] = {
    {StepKind::Alloc, "alloc"},     {StepKind::Free, "free"},
    {StepKind::Realloc, "realloc"}, {StepKind::Read, "read"},
    {StepKind::Write, "write"},     {StepKind::Mark, "mark"},
    {StepKind::Release, "release"}, {StepKind::Seal, "seal"},
    {StepKind::Repeat, "repeat"},   {StepKind::RandomWorkload, "random_workload"},
    {StepKind::Wait, "wait"},       {StepKind::Dma, "dma"},
    {StepKind::Power, "power"},     {StepKind::Check, "check"},
    {StepKind::Expect, "expect"},   {StepKind::PowerRequest, "power_request"},
    {StepKind::OptimizePower, "optimize_power"}, {StepKind::Sleep, "sleep"},
    {StepKind::MpuWrite, "mpu_write"}, {StepKind::MpuRead, "mpu_read"},
    {StepKind::Access, "access"},
    {StepKind::Domain, "domain"},      {StepKind::Partition, "partition"},
    {StepKind::AllocateIsolated, "allocate_isolated"},
    {StepKind::SwitchDomain, "switch_domain"}, {StepKind::AsDomain, "as_domain"},
    {StepKind::Submit, "submit"},      {StepKind::Serve, "serve"},
};

/// What `expect: {fault: {kind: ...}}` may name: the FaultRecord::kind values of run_record.h.
constexpr const char* FAULT_KIND_NAMES[] = {"bus_error", "runtime_invariant", "mpu_fault"};

enum class ExpectKind {
    MaxLatencyCycles, NoFaults, Fault, EnergyMaxUj, HeapFreeMin, Result, RegionState,
};

struct Expectation {
    ExpectKind kind = ExpectKind::NoFaults;
    bool at_end = false;
    std::string op;        ///< MaxLatencyCycles filter: a step kind name, or empty = any op
    std::string heap;      ///< MaxLatencyCycles filter / HeapFreeMin subject
    std::string bank;      ///< EnergyMaxUj / Fault filter, or empty
    uint64_t value = 0;    ///< cycles or bytes
    double energy_uj = 0;  ///< EnergyMaxUj
    std::string fault_kind;           ///< Fault: e.g. "bus_error"
    std::optional<uint64_t> address;  ///< Fault filter
    std::optional<uint16_t> domain;   ///< Fault filter: the domain id the fault names
    std::optional<uint64_t> fault_count; ///< Fault: exactly this many (0 = none); absent: >= 1
    std::string status;               ///< Result: an RtStatus name, e.g. "NoMemory"
    std::string region;                     ///< EnergyMaxUj filter / RegionState subject
    std::optional<PowerState> power_state;  ///< EnergyMaxUj filter / RegionState value
    int line = 0;
    int column = 0;
};

struct SizeRange {
    uint32_t min_bytes = 0;
    uint32_t max_bytes = 0;
};

struct Step {
    StepKind kind = StepKind::Wait;
    int line = 0;
    int column = 0;
    std::string heap;     ///< alloc, mark, release, random_workload, check
    std::string block;    ///< free, realloc, read, write (a name bound by `as:`)
    std::string as;       ///< alloc, mark (marker name), random_workload (prefix)
    std::string marker;   ///< release
    uint32_t size_bytes = 0;  ///< alloc, realloc
    uint32_t align_bytes = 0; ///< alloc; 0 = the allocator's default
    std::optional<uint32_t> deadline_steps; ///< alloc (tlsf)
    std::optional<uint64_t> address;        ///< read/write of a raw range
    std::optional<uint64_t> bytes;          ///< read/write length
    uint64_t count = 0;                     ///< repeat, random_workload, dma (0 = unbounded)
    std::vector<Step> body;                 ///< repeat
    SizeRange size_range;                   ///< random_workload
    SizeRange lifetime;                     ///< random_workload, in allocations
    uint64_t wait_ps = 0;                   ///< wait (cycles are converted with the clock)
    std::string dma;                        ///< dma
    bool dma_start = true;                  ///< dma: start or stop
    std::string bank;                       ///< power
    PowerState state = PowerState::Active;  ///< power
    std::vector<Expectation> expectations;  ///< expect
    std::string region;                     ///< power_request
    bool long_lived = false;                ///< alloc on power_aware: lifetime long
    std::optional<uint32_t> wake_budget_cycles; ///< optimize_power
    uint32_t register_address = 0;          ///< mpu_write, mpu_read: the word stored / loaded
    uint32_t value = 0;                     ///< mpu_write
    std::optional<uint32_t> expect_value;   ///< mpu_read
    AccessKind access_kind = AccessKind::Read; ///< access (address, bytes: the range)
    std::optional<bool> privileged;         ///< access; absent: privileged (see mpu_steps.h)
    /// Isolation (mpu_steps.h). domain: the domain's name (domain, allocate_isolated,
    /// switch_domain `to`, as_domain; "kernel" for none); partition: partition's name.
    std::string domain;
    std::string partition;
    uint8_t security_level = 1;      ///< domain: 0 untrusted, 1 normal, 2 trusted
    uint8_t isolation = 0;           ///< allocate_isolated: 0 private, 1 shared_ro, 2 shared
    std::vector<std::string> peers;  ///< allocate_isolated
    bool read_only = false;          ///< partition rights
    uint8_t priority = 0;            ///< partition
    uint32_t quota_bytes = 0;        ///< partition; 0 = none
};

struct Scenario {
    std::string file;
    std::string name;
    std::string platform_file; ///< resolved relative to `file`
    PlatformConfig platform;   ///< loaded, with the platform overrides applied
    uint64_t seed = 1;
    TimingMode mode = TimingMode::Lt;
    Cycles energy_window_cycles = 10000;
    std::vector<AllocatorSpec> allocators;
    std::vector<DmaSpec> dma;
    std::vector<Step> steps;
};

/// Reads and validates a scenario and its platform. `overrides` are `key.path=value` (the
/// `--set` option): paths starting with `platform.` go to the platform (without the prefix),
/// the others to the scenario (`seed=7`, `allocators[heap].size=4096`, `steps[3].alloc.size=64`).
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

/// The same from text; `file_name` names it in messages and resolves `platform:`.
Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name,
                        const std::vector<std::string>& overrides = {});

} // namespace emsim
