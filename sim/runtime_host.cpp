#include "sim/runtime_host.h"

#include "models/random.h"
#include "runtime/fixed_pool.h"
#include "runtime/stack_allocator.h"
#include "runtime/static_allocator.h"
#include "runtime/tiered_pool.h"
#include "runtime/tlsf_heap.h"
#include "sim/config_error.h"
#include "sim/power_host.h"
#include "sim/mpu_host.h"
#include "sim/runtime_assert.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>

namespace emsim {

using sc_core::sc_time;
using rt::Address;
using rt::Result;
using rt::RtStatus;

// ---------------------------------------------------------------------------------------------
// One hosted allocator: the runtime object of its kind, and the few verbs the steps need.

using Tlsf = rt::TlsfHeap<TlmMemory>;
using GuardedTlsf = rt::Guarded<Tlsf>;

struct HostedAllocator {
    const AllocatorSpec* spec = nullptr;
    std::unique_ptr<Tlsf> tlsf;
    std::unique_ptr<GuardedTlsf> guarded_tlsf;
    std::unique_ptr<rt::FixedPool<TlmMemory>> pool;
    std::unique_ptr<rt::TieredPool<TlmMemory, GuardedTlsf>> tiered;
    std::unique_ptr<rt::StaticAllocator<TlmMemory>> bump;
    std::unique_ptr<rt::StackAllocator<TlmMemory>> stack;
    std::unique_ptr<PoweredHeap> power;

    Result<Address> allocate(uint32_t size_bytes, uint32_t align_bytes,
                             const std::optional<uint32_t>& deadline_steps, bool long_lived = false) {
        switch (spec->kind) {
        case AllocatorKind::Tlsf:
            if (deadline_steps)
                return guarded_tlsf->allocate_deterministic(size_bytes, *deadline_steps);
            return align_bytes ? guarded_tlsf->allocate(size_bytes, align_bytes)
                               : guarded_tlsf->allocate(size_bytes);
        case AllocatorKind::Pool: return pool->allocate(size_bytes, align_bytes);
        case AllocatorKind::Tiered: return tiered->allocate(size_bytes, align_bytes);
        case AllocatorKind::Static: return bump->allocate(size_bytes, align_bytes ? align_bytes : 4);
        case AllocatorKind::Stack: return stack->allocate(size_bytes, align_bytes ? align_bytes : 4);
        case AllocatorKind::PowerAware: {
            const rt::PowerOpResult r = power->heap.allocate(
                size_bytes, long_lived ? rt::Lifetime::Long : rt::Lifetime::Short,
                align_bytes ? align_bytes : PowerAwareTlmHeap::Heap::ALIGN_BYTES);
            return Result<Address>{r.status, r.address};
        }
        }
        return Result<Address>{RtStatus::Unsupported, 0};
    }

    RtStatus free(Address address) {
        switch (spec->kind) {
        case AllocatorKind::Tlsf: return guarded_tlsf->free(address);
        case AllocatorKind::Pool: return pool->free(address);
        case AllocatorKind::Tiered: return tiered->free(address);
        case AllocatorKind::Static:
        case AllocatorKind::Stack: return RtStatus::Unsupported; // bump and LIFO never free one
        case AllocatorKind::PowerAware: return power->heap.free(address).status;
        }
        return RtStatus::Unsupported;
    }

    RtStatus check() {
        switch (spec->kind) {
        case AllocatorKind::Tlsf: return tlsf->check_integrity();
        case AllocatorKind::Pool: return pool->check_integrity();
        case AllocatorKind::Tiered: return tiered->check_integrity();
        case AllocatorKind::Static: return bump->check_integrity();
        case AllocatorKind::Stack: return stack->check_integrity();
        case AllocatorKind::PowerAware: return power->heap.check_integrity();
        }
        return RtStatus::Unsupported;
    }

    uint32_t last_op_steps() const {
        switch (spec->kind) {
        case AllocatorKind::Tlsf: return tlsf->last_op_steps();
        case AllocatorKind::Pool: return pool->last_op_steps();
        case AllocatorKind::Tiered: return tiered->last_op_steps();
        case AllocatorKind::Static: return bump->last_op_steps();
        case AllocatorKind::Stack: return stack->last_op_steps();
        case AllocatorKind::PowerAware: return power->heap.last_op_steps();
        }
        return 0;
    }

    /// Free bytes as the allocator counts them (static and stack read their cursor: call it with
    /// the host in debug mode so the query costs no simulated time).
    uint64_t free_bytes() const {
        switch (spec->kind) {
        case AllocatorKind::Tlsf: return tlsf->diagnostics().free_bytes;
        case AllocatorKind::Pool: return uint64_t{pool->stats().free_blocks} * pool->block_bytes();
        case AllocatorKind::Tiered: {
            uint64_t sum = 0;
            for (uint32_t c = 0; c < tiered->class_count(); ++c)
                sum += uint64_t{tiered->pool(c).stats().free_blocks} * tiered->pool(c).block_bytes();
            return sum;
        }
        case AllocatorKind::Static: return bump->remaining_bytes(); // reads the cursor word
        case AllocatorKind::Stack: return stack->remaining_bytes();
        case AllocatorKind::PowerAware: return power->free_bytes();
        }
        return 0;
    }

    /// End-of-run statistics for summary.json: host-side counters, plus TLSF's O(1)
    /// fragmentation figures (four metadata loads: call it with the host in debug mode).
    AllocatorStats stats() {
        AllocatorStats s;
        s["region_bytes"] = static_cast<double>(spec->size_bytes);
        switch (spec->kind) {
        case AllocatorKind::Tlsf: {
            const rt::TlsfDiagnostics& d = tlsf->diagnostics();
            s["capacity_bytes"] = d.capacity_bytes;
            s["control_bytes"] = d.control_bytes;
            s["used_bytes"] = d.used_bytes;
            s["free_bytes"] = d.free_bytes;
            s["peak_used_bytes"] = d.peak_used_bytes;
            s["live_allocations"] = d.allocation_count;
            s["free_blocks"] = d.free_block_count;
            s["total_allocations"] = d.total_allocations;
            s["total_frees"] = d.total_frees;
            s["oom_count"] = d.oom_count;
            s["bad_pointer_count"] = d.bad_pointer_count;
            s["double_free_count"] = d.double_free_count;
            s["deadline_refusals"] = d.deadline_refusals;
            s["realloc_in_place"] = d.realloc_in_place;
            s["realloc_moved"] = d.realloc_moved;
            // The O(1) figures, not the exact walk: after a power loss the lists may be garbage,
            // and a bounded query cannot loop on them.
            const rt::TlsfFragmentation f = tlsf->fragmentation();
            s["largest_free_block_bytes"] = f.largest_free_block_bytes;
            s["external_fragmentation"] =
                f.free_bytes ? 1.0 - double(f.largest_free_block_bytes) / double(f.free_bytes) : 0.0;
            break;
        }
        case AllocatorKind::Pool: {
            const rt::FixedPoolStats& p = pool->stats();
            s["block_bytes"] = pool->block_bytes();
            s["total_blocks"] = p.total_blocks;
            s["used_blocks"] = p.used_blocks;
            s["free_blocks"] = p.free_blocks;
            s["high_water_blocks"] = p.high_water_blocks;
            s["failed_allocations"] = p.failed_allocations;
            s["rejected_frees"] = p.rejected_frees;
            break;
        }
        case AllocatorKind::Tiered: {
            for (uint32_t c = 0; c < tiered->class_count(); ++c) {
                const rt::FixedPool<TlmMemory>& p = tiered->pool(c);
                const std::string key = "class_" + std::to_string(p.block_bytes()) + ".";
                s[key + "total_blocks"] = p.stats().total_blocks;
                s[key + "used_blocks"] = p.stats().used_blocks;
                s[key + "high_water_blocks"] = p.stats().high_water_blocks;
            }
            const char* tiers[] = {"small", "medium", "large", "huge"};
            for (uint32_t t = 0; t < 4; ++t) {
                const rt::TierStats& ts = tiered->tier_stats(static_cast<rt::SizeTier>(t));
                const std::string key = std::string("tier_") + tiers[t] + ".";
                s[key + "requests"] = ts.requests;
                s[key + "served_best_fit"] = ts.served_best_fit;
                s[key + "served_fallback"] = ts.served_fallback;
                s[key + "served_huge"] = ts.served_huge;
                s[key + "failed"] = ts.failed;
                s[key + "internal_fragmentation_bytes"] =
                    static_cast<double>(ts.granted_bytes - ts.requested_bytes);
            }
            break;
        }
        case AllocatorKind::Static:
            s["allocations"] = bump->stats().allocations;
            s["failed_allocations"] = bump->stats().failed_allocations;
            s["padding_bytes"] = bump->stats().padding_bytes;
            break;
        case AllocatorKind::Stack:
            s["allocations"] = stack->stats().allocations;
            s["failed_allocations"] = stack->stats().failed_allocations;
            s["rejected_releases"] = stack->stats().rejected_releases;
            s["live_markers"] = stack->stats().live_markers;
            s["peak_bytes"] = stack->stats().peak_bytes;
            break;
        case AllocatorKind::PowerAware:
            for (const auto& [key, value] : power->stats()) s[key] = value;
            break;
        }
        return s;
    }
};

namespace {

/// Splits a tiered region evenly between its classes (block counts), then trims the largest
/// classes until the layout fits; a class that cannot get one block is a scenario error.
rt::TieredPoolConfig tiered_config(const AllocatorSpec& spec) {
    rt::TieredPoolConfig config;
    config.class_count = static_cast<uint32_t>(spec.classes.size());
    config.max_fallback_ratio = spec.max_waste_ratio;
    config.huge_on_exhaustion = !spec.huge.empty();
    const uint64_t share = spec.size_bytes / std::max<size_t>(1, spec.classes.size());
    for (size_t i = 0; i < spec.classes.size(); ++i) {
        config.classes[i].block_size_bytes = spec.classes[i];
        config.classes[i].block_count =
            static_cast<uint32_t>(std::max<uint64_t>(1, share / (spec.classes[i] + 1)));
    }
    for (;;) {
        const auto need = rt::TieredPool<TlmMemory>::required_bytes(config);
        if (need.ok() && need.value + config.align_bytes <= spec.size_bytes) return config;
        uint32_t largest = 0;
        for (uint32_t i = 0; i < config.class_count; ++i)
            if (config.classes[i].block_count > 1 &&
                uint64_t{config.classes[i].block_count} * config.classes[i].block_size_bytes >=
                    uint64_t{config.classes[largest].block_count} *
                        config.classes[largest].block_size_bytes)
                largest = i;
        if (!need.ok() || config.classes[largest].block_count <= 1)
            throw ConfigError("", spec.line, 0,
                              "allocators." + spec.name +
                                  ".size: expected room for one block of every class, got " +
                                  std::to_string(spec.size_bytes) + " bytes");
        --config.classes[largest].block_count;
    }
}

std::string status_name(RtStatus status) {
    return status == RtStatus::Ok ? "ok" : rt::to_string(status);
}

} // namespace

// ---------------------------------------------------------------------------------------------

RuntimeHost::RuntimeHost(sc_core::sc_module_name name, const Scenario& scenario,
                         Platform& platform, TimingMode mode,
                         std::map<std::string, DmaEngine*> dma)
    : sc_module(name), m_port("out", mode, scenario.platform.clock), out(m_port.socket),
      m_scenario(scenario), m_platform(platform), m_mode(mode),
      m_clock(scenario.platform.clock), m_dma(std::move(dma)), m_memory(*this) {
    m_lt_info = new AccessInfo;
    m_lt_payload.set_extension(m_lt_info);
    m_lt_who = new AccessAttributes;
    m_lt_payload.set_extension(m_lt_who);
    for (const BankConfig& bank : m_scenario.platform.banks) {
        m_read_fj_per_word.push_back(picojoules_to_fj(bank.params.read_energy_pj));
        m_write_fj_per_word.push_back(picojoules_to_fj(bank.params.write_energy_pj));
    }
    m_record.scenario = m_scenario.name;
    m_record.scenario_file = m_scenario.file;
    m_record.platform = m_scenario.platform.name;
    m_record.mode = enum_name(TIMING_MODE_NAMES, mode);
    m_record.seed = m_scenario.seed;
    m_record.clock_period_ps = m_clock.period_ps();
    tlm_utils::tlm_quantumkeeper::set_global_quantum(
        m_clock.to_time(m_scenario.platform.quantum_cycles));
    m_port.on_invalidate = [this](uint64_t start, uint64_t end) { forget_dmi(start, end); };
    SC_THREAD(run);
    SC_THREAD(sample_energy);
}

RuntimeHost::~RuntimeHost() = default;

size_t RuntimeHost::failed_expectations() const {
    return static_cast<size_t>(std::count_if(
        m_record.expectations.begin(), m_record.expectations.end(),
        [](const ExpectationResult& e) { return !e.passed; }));
}

uint64_t RuntimeHost::now_cycles() const { return m_clock.to_cycles(m_port.now()); }

HostedAllocator& RuntimeHost::allocator(const std::string& name) { return *m_allocators.at(name); }

void RuntimeHost::refuse_unbound(const Step& step, const char* op) {
    // The allocation that would have bound the name failed (its result says why): firmware
    // would hold a null pointer. Recorded without touching memory, so the run goes on.
    begin_op(step, op, "", step.block, 0);
    end_op("unbound", 0, 0);
}

std::string RuntimeHost::domain_label(uint16_t domain) const {
    // Attribute ids are the runtime's domain index + 1 (0: the runtime itself, privileged).
    const std::string id = std::to_string(domain);
    if (domain == 0) return "kernel (0)";
    if (m_isolation && domain <= m_isolation->domain_names.size())
        return m_isolation->domain_names[domain - 1u] + " (" + id + ")";
    return id;
}

PoweredHeap& RuntimeHost::powered_heap(const std::string& name) { return *allocator(name).power; }

// ---------------------------------------------------------------------------------------------
// Bus accesses: the runtime's loads and stores

uint32_t RuntimeHost::bus_read(Address address, unsigned bytes) {
    return access(false, address, 0, bytes);
}

void RuntimeHost::bus_write(Address address, uint32_t value, unsigned bytes) {
    access(true, address, value, bytes);
}

uint32_t RuntimeHost::access(bool write, Address address, uint32_t value, unsigned bytes) {
    uint8_t data[4];
    std::memcpy(data, &value, 4); // little-endian target and host
    if (m_setup) {
        // Set-up: laid out before the run like a boot loader would; no time, no energy.
        tlm::tlm_generic_payload trans;
        trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        trans.set_address(address);
        trans.set_data_ptr(data);
        trans.set_data_length(bytes);
        out->transport_dbg(trans);
        uint32_t result = 0;
        std::memcpy(&result, data, 4);
        return result;
    }
    if (m_mode == TimingMode::LtDmi && access_through_dmi(write, address, data, bytes)) {
        uint32_t result = 0;
        if (!write) std::memcpy(&result, data, bytes);
        return result;
    }
    uint32_t result = 0;
    if (!transfer(write, address, data, bytes))
        result = 0xFFFFFFFFu >> (32 - 8 * bytes);
    else if (!write)
        std::memcpy(&result, data, bytes);
    return result;
}

bool RuntimeHost::transfer(bool write, Address address, uint8_t* data, unsigned bytes) {
    const bool pooled = m_mode == TimingMode::At;
    tlm::tlm_generic_payload& trans = pooled ? m_payloads.allocate() : m_lt_payload;
    prepare_access(trans, write, address, data, bytes);
    AccessInfo* info = pooled ? trans.get_extension<AccessInfo>() : m_lt_info;
    if (!info) {
        info = new AccessInfo; // owned by the payload
        trans.set_extension(info);
    }
    info->reset();
    AccessAttributes* who = pooled ? trans.get_extension<AccessAttributes>() : m_lt_who;
    if (!who) {
        who = new AccessAttributes; // owned by the payload
        trans.set_extension(who);
    }
    *who = AccessAttributes(m_who.privileged, m_who.kind == AccessKind::Fetch ? AccessKind::Fetch : write ? AccessKind::Write : AccessKind::Read, m_who.domain);
    m_port.transport(trans);

    // Per access only integers: names and maps are resolved once per operation (end_op).
    if (m_in_op) {
        (write ? m_op.stores : m_op.loads) += 1;
        m_op.wait_cycles += info->arbitration_cycles + info->bank_wait_cycles;
    }
    // Targets after the banks (the power controller) are registers: no bank, no access energy.
    const bool is_bank = info->target_index >= 0 &&
                         static_cast<size_t>(info->target_index) < m_read_fj_per_word.size();
    if (is_bank) {
        const size_t bank = static_cast<size_t>(info->target_index);
        m_op_banks |= uint64_t{1} << (bank & 63);
        if (trans.get_response_status() == tlm::TLM_OK_RESPONSE)
            m_op_energy_fj +=
                uint64_t{info->beats} * (write ? m_write_fj_per_word[bank] : m_read_fj_per_word[bank]);
    }
    if (m_mode == TimingMode::LtDmi && trans.is_dmi_allowed() &&
        trans.get_response_status() == tlm::TLM_OK_RESPONSE)
        remember_dmi(trans, info->target_index);
    const bool ok = trans.get_response_status() == tlm::TLM_OK_RESPONSE;
    if (!ok) {
        // A bus error: on a Cortex-M a BusFault. The runtime cannot see it (it reads all ones, as
        // an unpowered bus would float) and the fault is recorded as data.
        FaultRecord fault;
        fault.cycle = now_cycles();
        fault.kind = "bus_error";
        fault.address = address;
        if (is_bank)
            fault.bank = m_scenario.platform.banks[static_cast<size_t>(info->target_index)].name;
        fault.access = write ? "write" : "read";
        // No model on the path named a refusal: the MPU answered an unprivileged access to its
        // registers in the System Control Space (a BusFault on Cortex-M), or a foreign target
        // gave an error response.
        const bool system_control_space = address >= 0xE000E000u && address <= 0xE000EFFFu;
        fault.reason = info->refusal != Refusal::None ? enum_name(REFUSAL_NAMES, info->refusal)
                       : system_control_space         ? "unprivileged_register"
                                                      : "error_response";
        fault.op = m_in_op ? m_op.op : "";
        fault.heap = m_in_op ? m_op.heap : "";
        fault.step_line = m_in_op ? m_op.step_line : 0;
        describe_fault(fault, write, bytes);
        m_record.faults.push_back(fault);
        ++m_op_faults;
    }
    if (pooled) trans.release();
    return ok;
}

bool RuntimeHost::access_through_dmi(bool write, Address address, uint8_t* data, unsigned bytes) {
    for (DmiWindow& w : m_dmi) {
        const tlm::tlm_dmi& dmi = w.dmi;
        if (address < dmi.get_start_address() || address + bytes - 1 > dmi.get_end_address() ||
            !(write ? dmi.is_write_allowed() : dmi.is_read_allowed()))
            continue;
        uint8_t* cell = dmi.get_dmi_ptr() + (address - dmi.get_start_address());
        write ? std::memcpy(cell, data, bytes) : std::memcpy(data, cell, bytes);
        const uint64_t words = (address % 4 + bytes + 3) / 4;
        (write ? w.write_words : w.read_words) += words;
        const sc_time& latency = write ? dmi.get_write_latency() : dmi.get_read_latency();
        m_port.advance(words == 1 ? latency : latency * static_cast<double>(words));
        if (m_in_op) {
            (write ? m_op.stores : m_op.loads) += 1;
            m_op_banks |= uint64_t{1} << (w.bank & 63);
            m_op_energy_fj += words * (write ? m_write_fj_per_word[w.bank] : m_read_fj_per_word[w.bank]);
        }
        return true;
    }
    return false;
}

void RuntimeHost::remember_dmi(tlm::tlm_generic_payload& trans, int bank) {
    if (bank < 0) return;
    DmiWindow window;
    window.bank = static_cast<size_t>(bank);
    if (out->get_direct_mem_ptr(trans, window.dmi)) m_dmi.push_back(window);
}

void RuntimeHost::forget_dmi(uint64_t start, uint64_t end) {
    for (auto it = m_dmi.begin(); it != m_dmi.end();) {
        if (it->dmi.get_end_address() < start || it->dmi.get_start_address() > end) {
            ++it;
            continue;
        }
        const DmiWindow gone = *it; // the report below may re-enter the bank
        it = m_dmi.erase(it);
        m_port.report_dmi_usage(gone.dmi.get_start_address(), gone.read_words, gone.write_words);
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

OpRecord& RuntimeHost::begin_op(const Step& step, const std::string& op, const std::string& heap,
                                const std::string& name, uint64_t size_bytes) {
    m_op = OpRecord{};
    m_op.index = m_record.ops.size();
    m_op.step_line = step.line;
    m_op.op = op;
    m_op.heap = heap;
    m_op.name = name;
    m_op.size_bytes = size_bytes;
    m_op.start_cycle = now_cycles();
    m_op_faults = 0;
    m_op_mpu_faults = 0;
    m_op_banks = 0;
    m_op_energy_fj = 0;
    m_in_op = true;
    m_busy = true;
    m_owner = heap.empty() ? name : heap;
    m_guard.set_time(m_op.start_cycle);
    return m_op;
}

void RuntimeHost::end_op(const std::string& result, uint64_t address, uint32_t steps) {
    m_op.steps = steps;
    m_op.address = address;
    if (steps > 0 || !m_op.heap.empty()) {
        const CpuParams& cpu = m_scenario.platform.cpu;
        m_op.compute_cycles = cpu.op_base_cycles + cpu.per_step_cycles * steps;
        m_port.advance(m_clock.to_time(m_op.compute_cycles));
    }
    m_op.result = m_op_mpu_faults ? "mpu_fault" : m_op_faults ? "bus_error" : result;
    m_op.end_cycle = now_cycles();
    for (size_t b = 0; b < m_scenario.platform.banks.size(); ++b)
        if (m_op_banks >> (b & 63) & 1) m_op.banks.push_back(m_scenario.platform.banks[b].name);
    std::sort(m_op.banks.begin(), m_op.banks.end());
    m_op.energy_fj = m_op_energy_fj;
    if (m_op.loads + m_op.stores > 0)
        m_record.energy_by_owner_fj[m_owner.empty() ? "runtime" : m_owner] += m_op_energy_fj;
    m_last_result = m_op.result;
    m_in_op = false;
    m_busy = false;
    m_record.ops.push_back(std::move(m_op));
}

void RuntimeHost::user_data(const Step& step, bool write) {
    Address base = 0;
    uint64_t bytes = 0;
    std::string name;
    std::string heap; ///< the allocator (or partition) the block came from; empty for a raw range
    if (step.address) {
        base = static_cast<Address>(*step.address);
        bytes = step.bytes.value_or(4);
        name = "";
    } else {
        const auto bound = m_blocks.find(step.block);
        if (bound == m_blocks.end()) {
            refuse_unbound(step, write ? "write" : "read");
            return;
        }
        const Block& block = bound->second;
        heap = block.heap;
        base = block.address;
        bytes = step.bytes.value_or(block.size_bytes);
        name = step.block;
    }
    begin_op(step, write ? "write" : "read", "", name, bytes);
    // Firmware wakes the block's bank through the manager before touching it. (An isolated
    // block's `heap` names its partition, which is no allocator.)
    const auto owner = m_allocators.find(heap);
    if (owner != m_allocators.end() && owner->second->power) {
        const rt::PowerOpResult woken = owner->second->power->heap.prepare_access(base);
        if (!woken.ok()) {
            end_op(status_name(woken.status), base, 0);
            return;
        }
    }
    // A CPU copy loop: word accesses, then the tail bytes. A denied word stops it: the core
    // takes MemManage there.
    uint64_t offset = 0;
    for (; offset + 4 <= bytes && !m_op_mpu_faults; offset += 4)
        write ? bus_write(base + static_cast<Address>(offset), 0xa5a5a5a5u, 4)
              : (void)bus_read(base + static_cast<Address>(offset), 4);
    for (; offset < bytes && !m_op_mpu_faults; ++offset)
        write ? bus_write(base + static_cast<Address>(offset), 0xa5u, 1)
              : (void)bus_read(base + static_cast<Address>(offset), 1);
    end_op("ok", base, 0);
}

// ---------------------------------------------------------------------------------------------
// The run

void RuntimeHost::set_up_allocators() {
    m_setup = true;
    for (const AllocatorSpec& spec : m_scenario.allocators) {
        auto hosted = std::make_unique<HostedAllocator>();
        hosted->spec = &spec;
        rt::HeapGuard* guard = spec.guarded ? &m_guard : nullptr;
        const rt::HeapOwner owner{spec.name.c_str(), static_cast<uint32_t>(m_allocators.size())};
        const Address base = static_cast<Address>(spec.base);
        const uint32_t size = static_cast<uint32_t>(spec.size_bytes);
        RtStatus status = RtStatus::Ok;
        switch (spec.kind) {
        case AllocatorKind::Tlsf:
            hosted->tlsf = std::make_unique<Tlsf>(m_memory);
            status = hosted->tlsf->add_region(base, size);
            hosted->guarded_tlsf = std::make_unique<GuardedTlsf>(*hosted->tlsf, guard, owner);
            break;
        case AllocatorKind::Pool: {
            hosted->pool = std::make_unique<rt::FixedPool<TlmMemory>>();
            rt::FixedPoolParams params;
            params.block_size_bytes = spec.block_size_bytes;
            const uint32_t block =
                rt::FixedPool<TlmMemory>::rounded_block_bytes(spec.block_size_bytes, 4);
            // Control area first (head + bitmap), blocks after it.
            uint32_t count = size / block;
            while (count > 0 &&
                   rt::FixedPool<TlmMemory>::control_bytes(count) + uint64_t{count} * block > size)
                --count;
            params.block_count = count;
            const uint32_t control = rt::FixedPool<TlmMemory>::control_bytes(count);
            status = count == 0 ? RtStatus::InvalidSize
                                : hosted->pool->init(m_memory, base + control, base, params, guard,
                                                     owner);
            break;
        }
        case AllocatorKind::Tiered: {
            hosted->tiered = std::make_unique<rt::TieredPool<TlmMemory, GuardedTlsf>>();
            rt::TieredPoolConfig config = tiered_config(spec);
            GuardedTlsf* huge = spec.huge.empty() ? nullptr : m_allocators.at(spec.huge)->guarded_tlsf.get();
            const Address aligned = (base + config.align_bytes - 1) & ~(config.align_bytes - 1);
            status = hosted->tiered->init(m_memory, aligned, size - (aligned - base), config, huge,
                                          guard, owner);
            break;
        }
        case AllocatorKind::Static:
            hosted->bump = std::make_unique<rt::StaticAllocator<TlmMemory>>();
            status = hosted->bump->init(m_memory, base, size, guard, owner);
            break;
        case AllocatorKind::Stack:
            hosted->stack = std::make_unique<rt::StackAllocator<TlmMemory>>();
            status = hosted->stack->init(m_memory, base, size, guard, owner);
            break;
        case AllocatorKind::PowerAware:
            hosted->power = std::make_unique<PoweredHeap>(m_memory, m_scenario.platform, spec);
            status = hosted->power->heap.init();
            break;
        }
        if (status != RtStatus::Ok)
            throw ConfigError(m_scenario.file, spec.line, 0,
                              "allocators." + spec.name + ": the runtime refused this region (" +
                                  rt::to_string(status) + "): expected an aligned region large "
                                  "enough for the allocator's metadata");
        m_allocators[spec.name] = std::move(hosted);
    }
    m_setup = false;
}

void RuntimeHost::run() {
    set_runtime_assert_handler([this](const std::string& what) {
        if (m_setup) return; // an observation by the simulator, not something the firmware did
        FaultRecord fault;
        fault.cycle = now_cycles();
        fault.kind = "runtime_invariant";
        fault.reason = what;
        fault.op = m_in_op ? m_op.op : "";
        fault.heap = m_in_op ? m_op.heap : "";
        fault.step_line = m_in_op ? m_op.step_line : 0;
        fault.step = m_step_index;
        m_record.faults.push_back(fault);
    });
    set_up_allocators();
    record_power_layout();
    set_up_isolation();
    for (size_t b = 0; b < m_platform.banks().size(); ++b) note_power_change(b);
    for (const Step& step : m_scenario.steps) {
        ++m_step_index;
        execute(step);
        service_mpu_fault(step);
    }
    finish();
    set_runtime_assert_handler(nullptr);
}

void RuntimeHost::finish() {
    // Whatever is still allocated by random workloads stays: the run reports what is live.
    for (const Expectation* e : m_at_end) evaluate(*e);
    m_port.sync();
    forget_dmi(0, ~uint64_t{0}); // hand every bank the words moved through DMI
    for (auto& [name, engine] : m_dma) engine->stop();
    m_record.end_cycle = m_clock.to_cycles(sc_core::sc_time_stamp());
    take_energy_window(m_record.end_cycle);
    for (size_t b = 0; b < m_platform.banks().size(); ++b) {
        const SramBank& bank = *m_platform.banks()[b];
        const EnergySnapshot e = bank.energy();
        BankTotals& totals = m_record.banks[bank.basename()];
        totals.reads = bank.stats().reads;
        totals.writes = bank.stats().writes;
        totals.dynamic_fj = e.dynamic_fj();
        totals.leakage_fj = e.leakage_total_fj();
        totals.leakage_fj_by_state = e.leakage_fj;
        totals.region = region_of_bank(b);
        totals.transition_fj = e.transition_fj;
        for (size_t s = 0; s < TIME_BUCKET_COUNT; ++s)
            totals.time_ps_by_state[s == TRANSITION_BUCKET
                                        ? "transition"
                                        : to_string(static_cast<PowerState>(s))] = e.time_ps[s];
    }
    // Dynamic energy the runtime did not cause (the DMA streams) is booked to "dma".
    uint64_t attributed = 0, dynamic = 0;
    for (const auto& [owner, fj] : m_record.energy_by_owner_fj) attributed += fj;
    for (const auto& [bank, totals] : m_record.banks) dynamic += totals.dynamic_fj;
    if (dynamic > attributed) m_record.energy_by_owner_fj["dma"] += dynamic - attributed;
    for (auto& [name, engine] : m_dma) m_record.dma_spans[name] = engine->spans();
    m_setup = true; // observations, not runtime operations: debug accesses only
    for (auto& [name, hosted] : m_allocators) m_record.allocators[name] = hosted->stats();
    m_setup = false;
    finish_mpu();
    m_done = true;
    sc_core::sc_stop();
}

void RuntimeHost::sample_energy() {
    m_window_start.resize(m_platform.banks().size());
    const sc_time window = m_clock.to_time(std::max<Cycles>(1, m_scenario.energy_window_cycles));
    for (;;) {
        wait(window);
        if (m_done) return;
        take_energy_window(m_clock.to_cycles(sc_core::sc_time_stamp()));
    }
}

std::string RuntimeHost::take_energy_window(uint64_t end_cycle) {
    if (end_cycle <= m_window_start_cycle && !m_record.energy.empty()) return "";
    for (size_t b = 0; b < m_platform.banks().size(); ++b) {
        const SramBank& bank = *m_platform.banks()[b];
        const EnergySnapshot now = bank.energy();
        const EnergySnapshot d = now.since(m_window_start[b]);
        EnergyWindow row;
        row.bank = bank.basename();
        row.start_cycle = m_window_start_cycle;
        row.end_cycle = end_cycle;
        row.dynamic_fj = d.dynamic_fj();
        row.leakage_fj = d.leakage_total_fj();
        row.transition_fj = d.transition_fj;
        row.state = bank.in_transition() ? "transition" : to_string(bank.power_state());
        row.region = region_of_bank(b);
        row.leakage_fj_by_state = d.leakage_fj;
        m_record.energy.push_back(row);
        m_window_start[b] = now;
    }
    m_window_start_cycle = end_cycle;
    return "";
}

void RuntimeHost::note_power_change(size_t bank_index) {
    const SramBank& bank = *m_platform.banks()[bank_index];
    auto& changes = m_record.power_changes[bank.basename()];
    const uint64_t cycle = m_clock.to_cycles(sc_core::sc_time_stamp());
    m_noted_power.resize(m_platform.banks().size());
    m_noted_power[bank_index] = {bank.power_state(), bank.in_transition(), bank.transition_end()};
    if (bank.in_transition()) {
        changes.emplace_back(cycle, "transition");
        changes.emplace_back(m_clock.to_cycles(bank.transition_end()), to_string(bank.power_state()));
    } else {
        changes.emplace_back(cycle, to_string(bank.power_state()));
    }
}

void RuntimeHost::execute(const Step& step) {
    switch (step.kind) {
    case StepKind::Alloc: {
        if (!step.partition.empty()) { // from a partition: mpu_steps.h
            execute_mpu_step(step);
            break;
        }
        HostedAllocator& a = allocator(step.heap);
        begin_op(step, "alloc", step.heap, step.as, step.size_bytes);
        const Result<Address> r =
            a.allocate(step.size_bytes, step.align_bytes, step.deadline_steps, step.long_lived);
        if (r.ok() && !step.as.empty()) m_blocks[step.as] = Block{step.heap, r.value, step.size_bytes};
        end_op(status_name(r.status), r.ok() ? r.value : 0, a.last_op_steps());
        break;
    }
    case StepKind::Free: {
        const auto bound = m_blocks.find(step.block);
        if (bound == m_blocks.end()) {
            refuse_unbound(step, "free");
            break;
        }
        if (!step.partition.empty()) { // an isolated or partition block: mpu_steps.h
            execute_mpu_step(step);
            break;
        }
        // The name stays bound: freeing twice is the runtime's DoubleFree, and a read or write
        // after the free is a use after free, as in firmware.
        const Block block = bound->second;
        HostedAllocator& a = allocator(block.heap);
        begin_op(step, "free", block.heap, step.block, block.size_bytes);
        const RtStatus s = a.free(block.address);
        end_op(status_name(s), block.address, a.last_op_steps());
        break;
    }
    case StepKind::Realloc: {
        const auto bound = m_blocks.find(step.block);
        if (bound == m_blocks.end()) {
            refuse_unbound(step, "realloc");
            break;
        }
        Block& block = bound->second;
        HostedAllocator& a = allocator(block.heap);
        begin_op(step, "realloc", block.heap, step.block, step.size_bytes);
        const Result<Address> r = a.guarded_tlsf->reallocate(block.address, step.size_bytes);
        if (r.ok()) block = Block{block.heap, r.value, step.size_bytes};
        end_op(status_name(r.status), r.ok() ? r.value : block.address, a.last_op_steps());
        break;
    }
    case StepKind::Read: user_data(step, false); break;
    case StepKind::Write: user_data(step, true); break;
    case StepKind::Mark: {
        HostedAllocator& a = allocator(step.heap);
        begin_op(step, "mark", step.heap, step.as, 0);
        const Result<rt::StackMarker> r = a.stack->mark();
        if (r.ok()) m_markers[step.as] = r.value;
        end_op(status_name(r.status), r.ok() ? r.value.frame : 0, a.last_op_steps());
        break;
    }
    case StepKind::Release: {
        HostedAllocator& a = allocator(step.heap);
        begin_op(step, "release", step.heap, step.marker, 0);
        const rt::StackMarker marker = m_markers.at(step.marker);
        const RtStatus s = a.stack->release(marker);
        if (s == RtStatus::Ok) {
            m_markers.erase(step.marker);
            // Blocks above the marker are gone with it.
            for (auto it = m_blocks.begin(); it != m_blocks.end();)
                it = it->second.heap == step.heap && it->second.address >= marker.frame
                         ? m_blocks.erase(it)
                         : std::next(it);
        }
        end_op(status_name(s), marker.frame, a.last_op_steps());
        break;
    }
    case StepKind::Seal:
        begin_op(step, "seal", "", "", 0);
        m_guard.seal();
        end_op("ok", 0, 0);
        break;
    case StepKind::Repeat:
        for (uint64_t i = 0; i < step.count; ++i)
            for (const Step& inner : step.body) {
                execute(inner);
                service_mpu_fault(inner);
            }
        break;
    case StepKind::RandomWorkload: execute_random_workload(step); break;
    case StepKind::Wait: m_port.advance(sc_time::from_value(step.wait_ps)); break;
    case StepKind::Dma: {
        m_port.sync(); // act at the host's own time
        DmaEngine& engine = *m_dma.at(step.dma);
        begin_op(step, "dma", "", step.dma, step.count);
        if (step.dma_start)
            engine.start(step.count);
        else
            engine.stop();
        end_op(step.dma_start ? "started" : "stopped", 0, 0);
        break;
    }
    case StepKind::Power: {
        m_port.sync();
        size_t index = 0;
        while (m_scenario.platform.banks[index].name != step.bank) ++index;
        SramBank& bank = *m_platform.banks()[index];
        begin_op(step, "power", "", step.bank, 0);
        const bool accepted = bank.request_power_state(step.state);
        if (accepted) note_power_change(index);
        end_op(accepted ? "ok" : "busy", 0, 0);
        break;
    }
    case StepKind::Check: {
        HostedAllocator& a = allocator(step.heap);
        begin_op(step, "check", step.heap, "", 0);
        const RtStatus s = a.check();
        end_op(status_name(s), 0, a.last_op_steps());
        break;
    }
    case StepKind::MpuWrite:
    case StepKind::MpuRead:
    case StepKind::Access:
    case StepKind::Domain:
    case StepKind::Partition:
    case StepKind::AllocateIsolated:
    case StepKind::SwitchDomain:
    case StepKind::AsDomain:
    case StepKind::Submit:
    case StepKind::Serve: execute_mpu_step(step); break;
    case StepKind::Expect:
        for (const Expectation& e : step.expectations) {
            if (e.at_end)
                m_at_end.push_back(&e);
            else
                evaluate(e);
        }
        break;
    case StepKind::PowerRequest:
    case StepKind::OptimizePower:
    case StepKind::Sleep: execute_power_step(step); break;
    }
    note_power_changes();
}

void RuntimeHost::execute_random_workload(const Step& step) {
    // Seeded per step line so inserting a step elsewhere does not reshuffle this one.
    SplitMix64 rng(m_scenario.seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(step.line));
    struct Live {
        uint64_t free_after; ///< allocation index after which it is freed
        std::string name;
    };
    std::deque<Live> live; // kept sorted by free_after
    const std::string prefix = step.as.empty() ? step.heap + "_w" + std::to_string(step.line) : step.as;
    auto release = [&](const Live& l) {
        auto it = m_blocks.find(l.name);
        if (it == m_blocks.end()) return; // its allocation failed
        Step free_step = step;
        free_step.kind = StepKind::Free;
        free_step.block = l.name;
        execute(free_step);
    };
    for (uint64_t i = 0; i < step.count; ++i) {
        while (!live.empty() && live.front().free_after <= i) {
            release(live.front());
            live.pop_front();
        }
        Step alloc = step;
        alloc.kind = StepKind::Alloc;
        alloc.size_bytes =
            static_cast<uint32_t>(rng.uniform(step.size_range.min_bytes, step.size_range.max_bytes));
        alloc.align_bytes = 0;
        alloc.as = prefix + "_" + std::to_string(i);
        execute(alloc);
        const uint64_t lifetime = rng.uniform(step.lifetime.min_bytes, step.lifetime.max_bytes);
        const Live entry{i + lifetime, alloc.as};
        if (lifetime == 0) {
            release(entry);
            continue;
        }
        live.insert(std::upper_bound(live.begin(), live.end(), entry,
                                     [](const Live& a, const Live& b) {
                                         return a.free_after < b.free_after;
                                     }),
                    entry);
    }
    for (const Live& l : live) release(l);
}

void RuntimeHost::evaluate(const Expectation& e) {
    ExpectationResult result;
    result.line = e.line;
    if (evaluate_power(e, result)) {
        m_record.expectations.push_back(result);
        return;
    }
    switch (e.kind) {
    case ExpectKind::MaxLatencyCycles: {
        uint64_t worst = 0;
        const OpRecord* worst_op = nullptr;
        for (const OpRecord& op : m_record.ops) {
            if (!e.op.empty() && op.op != e.op) continue;
            if (!e.heap.empty() && op.heap != e.heap) continue;
            if (!worst_op || op.latency_cycles() > worst) {
                worst = op.latency_cycles();
                worst_op = &op;
            }
        }
        result.what = "max_latency_cycles <= " + std::to_string(e.value) +
                      (e.op.empty() ? "" : " (op " + e.op + ")") +
                      (e.heap.empty() ? "" : " (heap " + e.heap + ")");
        result.passed = worst <= e.value;
        result.detail = worst_op ? "worst was " + std::to_string(worst) + " cycles (op " +
                                       std::to_string(worst_op->index) + ", line " +
                                       std::to_string(worst_op->step_line) + ")"
                                 : "no matching operation";
        break;
    }
    case ExpectKind::NoFaults:
        result.what = "no_faults";
        result.passed = m_record.faults.empty();
        result.detail = std::to_string(m_record.faults.size()) + " faults";
        if (!m_record.faults.empty())
            result.detail += ", first at cycle " + std::to_string(m_record.faults.front().cycle) +
                             " (" + m_record.faults.front().kind + " " +
                             m_record.faults.front().reason + ")";
        break;
    case ExpectKind::Fault: {
        uint64_t matching = 0;
        for (const FaultRecord& f : m_record.faults)
            if ((e.fault_kind.empty() || f.kind == e.fault_kind) &&
                (e.bank.empty() || f.bank == e.bank) && (!e.address || f.address == *e.address) &&
                (!e.domain || f.domain == *e.domain))
                ++matching;
        result.what = "fault " + (e.fault_kind.empty() ? std::string("any") : e.fault_kind) +
                      (e.bank.empty() ? "" : " in " + e.bank) +
                      (e.domain ? " of domain " + domain_label(*e.domain) : "") +
                      (e.fault_count ? " x" + std::to_string(*e.fault_count) : " (at least one)");
        result.passed = e.fault_count ? matching == *e.fault_count : matching > 0;
        result.detail = std::to_string(matching) + " matching faults";
        break;
    }
    case ExpectKind::EnergyMaxUj: {
        uint64_t total_fj = 0;
        for (const auto& bank : m_platform.banks())
            if (e.bank.empty() || e.bank == bank->basename()) total_fj += bank->energy().total_fj();
        const double uj = static_cast<double>(total_fj) / 1e9;
        result.what = "energy_max_uj <= " + std::to_string(e.energy_uj) +
                      (e.bank.empty() ? "" : " (bank " + e.bank + ")");
        result.passed = uj <= e.energy_uj;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6f uJ", uj);
        result.detail = buf;
        break;
    }
    case ExpectKind::HeapFreeMin: {
        m_setup = true; // an observation, not a runtime operation: debug accesses only
        const uint64_t free_bytes = allocator(e.heap).free_bytes();
        m_setup = false;
        result.what = "heap_free_min >= " + std::to_string(e.value) + " (heap " + e.heap + ")";
        result.passed = free_bytes >= e.value;
        result.detail = std::to_string(free_bytes) + " bytes free";
        break;
    }
    case ExpectKind::Result:
        result.what = "result == " + e.status;
        result.passed = m_last_result == (e.status == "Ok" ? "ok" : e.status);
        result.detail = "was " + m_last_result;
        break;
    case ExpectKind::RegionState: break; // evaluate_power
    }
    m_record.expectations.push_back(result);
}

} // namespace emsim
