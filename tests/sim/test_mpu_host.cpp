// The runtime host with an MPU on its path: faults are the same in LT, LT+DMI and AT; the
// MemManage handler runs only when the scenario uses isolation, clears CFSR through the bus and
// applies the platform's policy; terminated domains' steps are refused; a platform without an
// `mpu:` section checks nothing.

#include "sim/platform.h"
#include "sim/runtime_host.h"
#include "sim/scenario.h"
#include "tests/support/systemc_test.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace emsim {
namespace {

const std::string DATA_DIR = std::string(EMSIM_TEST_DATA_DIR) + "/scenarios";

/// What one run leaves: its record and the MPU's CFSR at the end.
struct HostedRun {
    RunRecord record;
    uint32_t cfsr_at_end = 0;
};

HostedRun run(const std::string& text, TimingMode mode, const std::vector<std::string>& overrides = {}) {
    fresh_simulation_context();
    const Scenario s = parse_scenario(text, DATA_DIR + "/t.yaml", overrides);
    // Leaked on purpose: modules of an abandoned SystemC context are never destroyed.
    auto* platform = new Platform(s.platform);
    auto* host = new RuntimeHost("runtime", s, *platform, mode, {});
    platform->bind_core(host->out);
    sc_core::sc_start();
    HostedRun r;
    r.record = host->record();
    if (platform->mpu()) r.cfsr_at_end = *platform->mpu()->peek_register(0xE000ED28);
    return r;
}

const char* const VIOLATION = R"(name: t
platform: platforms/two_banks_mpu.yaml
allocators:
  - {name: kheap, kind: tlsf, bank: ram0, size: 4096}
steps:
  - domain: {name: a}
  - domain: {name: b}
  - partition: {name: pa, bank: ram1, size: 4096, owner: a}
  - partition: {name: pb, bank: ram1, offset: 0x2000, size: 4096, owner: b}
  - allocate_isolated: {domain: a, size: 256, as: mine}
  - allocate_isolated: {domain: b, size: 256, as: theirs}
  - as_domain:
      domain: a
      steps:
        - write: {block: mine}
        - write: {block: theirs}
        - read: {block: mine}
  - as_domain:
      domain: b
      steps:
        - read: {block: theirs}
  - alloc: {heap: kheap, size: 64}
)";

std::string fault_text(const FaultRecord& f) {
    return f.kind + " " + std::to_string(f.address) + " " + f.access + " d" +
           std::to_string(f.domain) + (f.privileged ? " p" : " u") + " mmfsr " +
           std::to_string(f.mmfsr.value_or(0)) + " mmfar " + std::to_string(f.mmfar.value_or(0));
}

std::vector<std::string> results(const RunRecord& r) {
    std::vector<std::string> out;
    for (const OpRecord& op : r.ops) out.push_back(op.op + " " + op.name + " " + op.result);
    return out;
}

class MpuHost : public test::SystemCTest {};

TEST_F(MpuHost, AViolationIsOneFaultTerminatingItsDomainAndTheOthersGoOn) {
    const HostedRun r = run(VIOLATION, TimingMode::Lt, {"platform.mpu.fault_policy=terminate_partition"});
    ASSERT_EQ(r.record.faults.size(), 1u);
    const FaultRecord& f = r.record.faults[0];
    EXPECT_EQ(f.kind, "mpu_fault");
    EXPECT_EQ(f.access, "write");
    EXPECT_FALSE(f.privileged);
    EXPECT_EQ(f.domain, 1) << "domain a, the first created";
    EXPECT_EQ(f.mmfsr, 0x82u) << "DACCVIOL | MMARVALID";
    EXPECT_EQ(f.mmfar, f.address);
    EXPECT_EQ(f.step, 7u);
    EXPECT_EQ(r.cfsr_at_end, 0u) << "the handler cleared what it read (write-one-to-clear)";
    ASSERT_TRUE(r.record.mpu && r.record.mpu->isolation);
    ASSERT_EQ(r.record.mpu->terminations.size(), 1u);
    EXPECT_EQ(r.record.mpu->terminations[0].domain, "a");
    EXPECT_EQ(r.record.mpu->terminations[0].partition, "pa");
    // The access log: every data step a domain made, allowed ones from the host's view of the
    // step, the denied one from the MemManage handler (once, not twice).
    const auto& log = r.record.mpu->access_log;
    ASSERT_EQ(std::count_if(log.begin(), log.end(), [](const AccessLogRecord& e) { return !e.allowed; }), 1);
    const auto denied = std::find_if(log.begin(), log.end(), [](const AccessLogRecord& e) { return !e.allowed; });
    EXPECT_EQ(denied->domain, "a");
    EXPECT_EQ(denied->address, f.address);
    for (const AccessLogRecord& e : log)
        if (e.allowed) {
            EXPECT_GT(e.size_bytes, 0u) << "an allowed entry names what was touched";
        }
    EXPECT_EQ(log.size(), 3u) << "a's write to its own block, the denied write, b's read";
    const std::vector<std::string> ops = results(r.record);
    auto has = [&](const std::string& s) { return std::find(ops.begin(), ops.end(), s) != ops.end(); };
    EXPECT_TRUE(has("write theirs mpu_fault"));
    EXPECT_TRUE(has("memmanage a terminated"));
    EXPECT_TRUE(has("switch_domain kernel ok")) << "never back to a terminated domain";
    EXPECT_TRUE(has("read a terminated")) << "a's later step is refused and recorded";
    EXPECT_TRUE(has("read theirs ok")) << "b keeps running";
    EXPECT_EQ(r.record.ops.back().op, "alloc");
    EXPECT_EQ(r.record.ops.back().result, "ok") << "the kernel's own heap keeps working";
}

TEST_F(MpuHost, TheLogPolicyRecordsTheFaultAndTerminatesNothing) {
    const HostedRun r = run(VIOLATION, TimingMode::Lt, {"platform.mpu.fault_policy=log"});
    ASSERT_EQ(r.record.faults.size(), 1u);
    EXPECT_TRUE(r.record.mpu->terminations.empty());
    EXPECT_EQ(r.cfsr_at_end, 0u);
    const std::vector<std::string> ops = results(r.record);
    EXPECT_NE(std::find(ops.begin(), ops.end(), "memmanage a logged"), ops.end());
    EXPECT_NE(std::find(ops.begin(), ops.end(), "read mine ok"), ops.end()) << "a goes on";
}

TEST_F(MpuHost, FaultsAndResultsAreTheSameInLtLtDmiAndAt) {
    const HostedRun lt = run(VIOLATION, TimingMode::Lt);
    const HostedRun dmi = run(VIOLATION, TimingMode::LtDmi);
    const HostedRun at = run(VIOLATION, TimingMode::At);
    for (const HostedRun* other : {&dmi, &at}) {
        ASSERT_EQ(other->record.faults.size(), lt.record.faults.size());
        for (size_t i = 0; i < lt.record.faults.size(); ++i)
            EXPECT_EQ(fault_text(other->record.faults[i]), fault_text(lt.record.faults[i]));
        EXPECT_EQ(results(other->record), results(lt.record));
    }
    EXPECT_GT(dmi.record.mpu->stats.at("dmi_grants"), 0u) << "LT+DMI did use DMI windows";
}

// An isolated block freed by its owner: the runtime replans the owner's image and the host
// reloads it, so the stale write that follows is an mpu_fault; a second free is the runtime's.
const char* const FREE_ISOLATED = R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - domain: {name: a}
  - domain: {name: b}
  - partition: {name: pa, bank: ram1, size: 4096, owner: a}
  - allocate_isolated: {domain: a, size: 256, as: mine}
  - allocate_isolated: {domain: a, size: 64, as: other}
  - as_domain:
      domain: b
      steps:
        - free: {block: other}
  - as_domain:
      domain: a
      steps:
        - write: {block: mine}
        - free: {block: mine}
        - write: {block: mine}
        - write: {block: other}
  - free: {block: mine}
  - free: {block: other}
)";

// Partition allocation: the kernel holds no right, a's quota is 256 bytes, ro is read-only, b
// has no right in pa and may not free a's block; a partition block is not in a's image.
const char* const PARTITION_ALLOC = R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - domain: {name: a}
  - domain: {name: b}
  - partition: {name: pa, bank: ram1, size: 4096, owner: a, quota: 256}
  - partition: {name: ro, bank: ram1, offset: 0x2000, size: 1024, rights: read_only}
  - alloc: {partition: pa, size: 64, as: kernels}
  - as_domain:
      domain: a
      steps:
        - alloc: {partition: pa, size: 128, as: p1}
        - alloc: {partition: pa, size: 192, as: p2}
        - alloc: {partition: ro, size: 32}
        - write: {block: p1}
  - as_domain:
      domain: b
      steps:
        - alloc: {partition: pa, size: 32}
        - free: {block: p1}
  - write: {block: p1}
  - free: {block: p1}
  - free: {block: p1}
  - alloc: {partition: pa, size: 192, domain: a, as: p2}
  - free: {block: kernels}
)";

auto find_op(const std::vector<std::string>& ops,
             const std::string& op) {
    return std::find(ops.begin(), ops.end(), op);
}

TEST_F(MpuHost, FreeingAnIsolatedBlockRevokesItFromItsOwnersImage) {
    const HostedRun r = run(FREE_ISOLATED, TimingMode::Lt, {"platform.mpu.fault_policy=log"});
    const std::vector<std::string> ops = results(r.record);
    const auto freed = find_op(ops, "free mine ok");
    ASSERT_NE(freed, ops.end()) << "the owner frees its block";
    EXPECT_EQ(*(freed + 1), "switch_domain a ok") << "the running owner's image is reloaded";
    EXPECT_EQ(*(freed + 2), "write mine mpu_fault") << "a stale write by the former owner";
    EXPECT_NE(find_op(ops, "free other AccessDenied"), ops.end()) << "b may not free a's block";
    EXPECT_NE(find_op(ops, "write other ok"), ops.end()) << "a's other block stays granted";
    EXPECT_NE(find_op(ops, "free mine BadPointer"), ops.end()) << "a second free";
    EXPECT_NE(find_op(ops, "free other ok"), ops.end()) << "the kernel frees for the owner";
    ASSERT_EQ(r.record.faults.size(), 1u);
    const FaultRecord& f = r.record.faults[0];
    EXPECT_EQ(f.kind, "mpu_fault");
    EXPECT_EQ(f.domain, 1) << "a";
    const auto free_op = std::find_if(r.record.ops.begin(), r.record.ops.end(), [](const OpRecord& op) {
        return op.op == "free" && op.name == "mine" && op.result == "ok";
    });
    EXPECT_EQ(f.address, free_op->address) << "the freed block's first word";
    EXPECT_GT(free_op->steps, 0u) << "timed as a kernel call";
    EXPECT_GT(free_op->end_cycle, free_op->start_cycle);
    EXPECT_GE(r.record.mpu->isolation_stats.at("replans"), 4u);
}

TEST_F(MpuHost, AFreeOfATerminatedDomainsBlockIsRecordedTerminated) {
    const HostedRun r = run(FREE_ISOLATED, TimingMode::Lt, {"platform.mpu.fault_policy=terminate_partition"});
    const std::vector<std::string> ops = results(r.record);
    EXPECT_NE(find_op(ops, "memmanage a terminated"), ops.end());
    EXPECT_NE(find_op(ops, "write a terminated"), ops.end()) << "a's last step is not run";
    EXPECT_NE(find_op(ops, "free a terminated"), ops.end()) << "its blocks went with it";
    EXPECT_EQ(find_op(ops, "free mine BadPointer"), ops.end());
}

TEST_F(MpuHost, PartitionAllocationShowsRightsAndQuotaRefusals) {
    const HostedRun r = run(PARTITION_ALLOC, TimingMode::Lt, {"platform.mpu.fault_policy=log"});
    const std::vector<std::string> expected = {
        "domain a ok", "domain b ok", "partition pa ok", "partition ro ok",
        "alloc kernels AccessDenied", // the kernel is no requester of the partition manager
        "switch_domain a ok",
        "alloc p1 ok",
        "alloc p2 QuotaExceeded",     // 128 + 192 > 256
        "alloc a AccessDenied",       // ro is read-only
        "write p1 mpu_fault",         // charged to a, granted to nobody
        "memmanage a logged",
        "switch_domain b ok",
        "alloc b AccessDenied",       // b has no allocation right in pa
        "free p1 AccessDenied",       // owner only
        "write p1 ok",                // the privileged kernel reaches it
        "free p1 ok",
        "free p1 BadPointer",         // a second free
        "alloc p2 ok",                // the quota is back
        "free kernels unbound",       // its alloc failed: never bound
    };
    EXPECT_EQ(results(r.record), expected);
    ASSERT_EQ(r.record.faults.size(), 1u);
    EXPECT_EQ(r.record.faults[0].kind, "mpu_fault");
}

TEST_F(MpuHost, FreeAndPartitionAllocationAreTheSameInLtLtDmiAndAt) {
    for (const char* text : {FREE_ISOLATED, PARTITION_ALLOC}) {
        const HostedRun lt = run(text, TimingMode::Lt);
        const HostedRun again = run(text, TimingMode::Lt);
        const HostedRun dmi = run(text, TimingMode::LtDmi);
        const HostedRun at = run(text, TimingMode::At);
        ASSERT_EQ(again.record.ops.size(), lt.record.ops.size());
        for (size_t i = 0; i < lt.record.ops.size(); ++i)
            EXPECT_EQ(again.record.ops[i].end_cycle, lt.record.ops[i].end_cycle) << "deterministic";
        for (const HostedRun* other : {&dmi, &at}) {
            EXPECT_EQ(results(other->record), results(lt.record));
            ASSERT_EQ(other->record.faults.size(), lt.record.faults.size());
            for (size_t i = 0; i < lt.record.faults.size(); ++i)
                EXPECT_EQ(fault_text(other->record.faults[i]), fault_text(lt.record.faults[i]));
        }
    }
}

// The partition scheduler: lo (priority 1) gets the first request, hi and hi2 (priority 7) the
// later ones; serve takes hi's and hi2's in submit order before lo's. b has no right in hi2,
// a's second lo request is over its 256-byte quota, and a 8 KiB request finds no memory.
const char* const SCHEDULER = R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - domain: {name: a}
  - domain: {name: b}
  - partition: {name: lo, bank: ram1, size: 4096, owner: a, quota: 256, priority: 1}
  - partition: {name: hi, bank: ram1, offset: 0x2000, size: 4096, owner: b, priority: 7}
  - partition: {name: hi2, bank: ram0, size: 4096, owner: a, priority: 7}
  - submit: {partition: lo, size: 64, domain: a, as: low}
  - submit: {partition: hi, size: 128, domain: b, as: high}
  - submit: {partition: hi2, size: 32, domain: b, as: denied}
  - as_domain:
      domain: a
      steps:
        - submit: {partition: lo, size: 512, as: over}
        - submit: {partition: hi2, size: 64, as: later}
  - serve: {count: 1}
  - write: {block: high}
  - serve: {}
  - write: {block: low}
  - write: {block: later}
  - read: {block: denied}
  - free: {block: over}
  - submit: {partition: hi, size: 8192, domain: b, as: huge}
  - serve: {count: 3}
  - read: {block: huge}
  - free: {block: high}
)";

TEST_F(MpuHost, TheSchedulerServesByPriorityThenSubmitOrderAndReportsEachResult) {
    const HostedRun r = run(SCHEDULER, TimingMode::Lt);
    const std::vector<std::string> expected = {
        "domain a ok", "domain b ok", "partition lo ok", "partition hi ok", "partition hi2 ok",
        "submit low ok", "submit high ok", "submit denied ok", // rights are checked when served
        "switch_domain a ok",
        "submit over ok", "submit later ok",
        "serve high ok",           // submitted second, but hi outranks lo
        "write high ok",
        "serve denied AccessDenied", // hi2 is priority 7 too: submitted before a's, b has no right
        "serve later ok",          // the oldest of priority 7 left
        "serve low ok",            // lo last, the oldest first
        "serve over QuotaExceeded",  // 64 + 512 > 256
        "write low ok", "write later ok",
        "read denied unbound", "free over unbound", // their requests were refused
        "submit huge ok",
        "serve huge NoMemory",     // one pending: count 3 serves just it
        "read huge unbound",
        "free high ok",
    };
    EXPECT_EQ(results(r.record), expected);
    EXPECT_TRUE(r.record.faults.empty());
    for (const OpRecord& op : r.record.ops) {
        if (op.op != "serve") continue;
        EXPECT_GT(op.end_cycle, op.start_cycle) << op.name << ": a timed kernel call";
        EXPECT_EQ(op.address != 0, op.result == "ok") << op.name;
        if (op.result == "ok") {
            EXPECT_GT(op.loads + op.stores, 0u) << op.name << ": heap metadata";
        }
    }
    const auto served = [&](const std::string& name) {
        return *std::find_if(r.record.ops.begin(), r.record.ops.end(), [&](const OpRecord& op) {
            return op.op == "serve" && op.name == name;
        });
    };
    const auto written = [&](const std::string& name) {
        return *std::find_if(r.record.ops.begin(), r.record.ops.end(), [&](const OpRecord& op) {
            return op.op == "write" && op.name == name;
        });
    };
    for (const char* name : {"high", "low", "later"}) {
        EXPECT_EQ(written(name).address, served(name).address) << name << " binds the served block";
    }
    EXPECT_EQ(served("high").heap, "hi");
    EXPECT_EQ(served("low").heap, "lo");
    EXPECT_EQ(served("high").size_bytes, 128u);
    EXPECT_GE(served("high").address, 0x20006000u) << "inside hi";
    EXPECT_LT(served("high").address, 0x20007000u);
}

TEST_F(MpuHost, TheSchedulerServesTheSameRequestsAtTheSameAddressesInLtLtDmiAndAt) {
    const HostedRun lt = run(SCHEDULER, TimingMode::Lt);
    const HostedRun dmi = run(SCHEDULER, TimingMode::LtDmi);
    const HostedRun at = run(SCHEDULER, TimingMode::At);
    for (const HostedRun* other : {&dmi, &at}) {
        EXPECT_EQ(results(other->record), results(lt.record));
        ASSERT_EQ(other->record.ops.size(), lt.record.ops.size());
        for (size_t i = 0; i < lt.record.ops.size(); ++i) {
            EXPECT_EQ(other->record.ops[i].address, lt.record.ops[i].address) << i;
            EXPECT_EQ(other->record.ops[i].steps, lt.record.ops[i].steps) << i;
        }
    }
}

// a's request waits in the queue while a takes an MPU fault; terminate_partition terminates a
// and its partition, which cancels the request: serve serves only b's, and a's later submit is
// refused as a terminated domain's step.
const char* const CANCELLED = R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - domain: {name: a}
  - domain: {name: b}
  - partition: {name: pa, bank: ram1, size: 4096, owner: a, priority: 9}
  - partition: {name: pb, bank: ram1, offset: 0x2000, size: 4096, owner: b}
  - allocate_isolated: {domain: b, size: 64, as: theirs}
  - as_domain:
      domain: a
      steps:
        - submit: {partition: pa, size: 64, as: mine}
        - write: {block: theirs}
        - submit: {partition: pa, size: 64, as: never}
  - submit: {partition: pb, size: 32, domain: b, as: kept}
  - serve: {}
  - write: {block: mine}
  - write: {block: kept}
)";

TEST_F(MpuHost, TerminatingAPartitionCancelsItsPendingRequests) {
    const HostedRun r = run(CANCELLED, TimingMode::Lt, {"platform.mpu.fault_policy=terminate_partition"});
    const std::vector<std::string> ops = results(r.record);
    EXPECT_NE(find_op(ops, "submit mine ok"), ops.end());
    EXPECT_NE(find_op(ops, "memmanage a terminated"), ops.end());
    EXPECT_NE(find_op(ops, "submit a terminated"), ops.end()) << "a's last step is not run";
    EXPECT_EQ(std::count_if(ops.begin(), ops.end(), [](const std::string& op) { return op.rfind("serve ", 0) == 0; }), 1)
        << "a's request went with its partition";
    EXPECT_NE(find_op(ops, "serve kept ok"), ops.end());
    EXPECT_NE(find_op(ops, "write mine unbound"), ops.end());
    EXPECT_NE(find_op(ops, "write kept ok"), ops.end());
}

TEST_F(MpuHost, WithoutDomainsNoHandlerRunsAndCfsrStaysForTheScenarioToRead) {
    const HostedRun r = run(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - mpu_write: {reg: RBAR, value: 0x20004010}
  - mpu_write: {reg: RASR, value: 0x1300001B}
  - mpu_write: {reg: CTRL, value: 5}
  - access: {addr: 0x20000000, privileged: false}
  - access: {addr: 0x20004000, kind: exec}
  - access: {addr: 0x20004000, kind: write, privileged: false}
)", TimingMode::Lt);
    ASSERT_EQ(r.record.faults.size(), 2u);
    EXPECT_EQ(r.record.faults[0].mmfsr, 0x82u);
    EXPECT_EQ(r.record.faults[1].access, "exec");
    EXPECT_EQ(r.record.faults[1].mmfsr, 0x01u) << "IACCVIOL: ram1 is execute-never";
    EXPECT_FALSE(r.record.faults[1].mmfar) << "no MMFAR for an instruction fetch";
    EXPECT_EQ(r.cfsr_at_end, 0x83u) << "nobody cleared it";
    EXPECT_FALSE(r.record.mpu->isolation);
    EXPECT_EQ(r.record.ops.back().result, "ok");
}

TEST_F(MpuHost, WithoutAnMpuSectionNothingIsChecked) {
    const HostedRun r = run(R"(name: t
platform: platforms/two_banks.yaml
steps:
  - access: {addr: 0x20000000, kind: exec, privileged: false}
)", TimingMode::Lt);
    EXPECT_TRUE(r.record.faults.empty());
    EXPECT_FALSE(r.record.mpu);
}

TEST_F(MpuHost, AnUnprivilegedStoreToTheMpuRegistersIsABusFaultNamedAsSuch) {
    const HostedRun r = run(R"(name: t
platform: platforms/two_banks_mpu.yaml
steps:
  - access: {addr: 0xE000ED94, size: 4, kind: write, privileged: false}
  - access: {addr: 0xE000ED94, size: 4, kind: read}
)",
                            TimingMode::Lt);
    ASSERT_EQ(r.record.faults.size(), 1u) << "the privileged read is served";
    const FaultRecord& f = r.record.faults[0];
    EXPECT_EQ(f.kind, "bus_error") << "a BusFault (the SCS), not a MemManage";
    EXPECT_EQ(f.reason, "unprivileged_register");
    EXPECT_FALSE(f.privileged);
}

} // namespace
} // namespace emsim
