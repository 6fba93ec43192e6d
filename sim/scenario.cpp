#include "sim/scenario.h"

#include "runtime/rt_status.h"
#include "runtime/tiered_pool.h"
#include "sim/config_error.h"
#include "sim/mpu_steps.h"
#include "sim/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace emsim {
namespace {

using cfg::child;
using cfg::Entry;
using cfg::find;
using cfg::hex;
using cfg::join;
using cfg::line_of;
using cfg::Reader;
using cfg::suggestion;

// The scenario is read in one pass in a fixed order (platform, top-level values, allocators,
// DMA streams, steps), whatever order the file gives the keys in: each part can then check its
// names against the parts before it. Steps are checked in file order while the names they bind
// (`as:` blocks, stack markers) are tracked, so a name used before any step binds it is an error
// at the step that uses it.

// ---- Keys ----------------------------------------------------------------------------------

const std::vector<std::string> TOP_KEYS = {"name",      "platform",   "seed",
                                           "mode",      "energy_window_cycles",
                                           "allocators", "dma",       "steps"};
const std::vector<std::string> TOP_SCALARS = {"name", "platform", "seed", "mode",
                                              "energy_window_cycles"};

const std::vector<std::string> ALLOCATOR_KEYS = {"name",  "kind",       "bank",    "offset",
                                                 "size",  "guarded",    "block_size",
                                                 "classes", "huge",     "max_waste_ratio",
                                                 "banks", "policy", "wake_budget_cycles"};
const std::vector<std::string> DMA_KEYS = {"name", "pattern", "bank",          "offset",
                                           "size", "burst",   "period_cycles", "write_percent"};

/// The keys an allocator of `kind` accepts.
std::vector<std::string> allocator_keys(AllocatorKind kind) {
    if (kind == AllocatorKind::PowerAware)
        return {"name", "kind", "banks", "policy", "wake_budget_cycles"};
    std::vector<std::string> keys = {"name", "kind", "bank", "offset", "size"};
    if (kind == AllocatorKind::Tlsf || kind == AllocatorKind::Pool ||
        kind == AllocatorKind::Tiered)
        keys.emplace_back("guarded");
    if (kind == AllocatorKind::Pool) keys.emplace_back("block_size");
    if (kind == AllocatorKind::Tiered)
        keys.insert(keys.end(), {"classes", "huge", "max_waste_ratio"});
    return keys;
}

/// Which kinds a kind-specific allocator key belongs to, for the message.
std::string kinds_of_key(const std::string& key) {
    if (key == "guarded") return "tlsf, pool and tiered";
    if (key == "block_size") return "pool";
    if (key == "banks" || key == "policy" || key == "wake_budget_cycles") return "power_aware";
    if (key == "bank" || key == "offset" || key == "size") return "every kind but power_aware, which takes banks";
    return "tiered";
}

/// The argument keys of each step kind.
const std::vector<std::string>& step_keys(StepKind kind) {
    static const std::vector<std::string> ALLOC = {"heap", "size", "align", "as", "deadline_steps",
                                                   "lifetime", "partition", "domain"}; // mpu_steps.h
    static const std::vector<std::string> FREE = {"block"};
    static const std::vector<std::string> REALLOC = {"block", "size"};
    static const std::vector<std::string> ACCESS = {"block", "address", "bytes"};
    static const std::vector<std::string> MARK = {"heap", "as"};
    static const std::vector<std::string> RELEASE = {"heap", "marker"};
    static const std::vector<std::string> NONE = {};
    static const std::vector<std::string> REPEAT = {"count", "steps"};
    static const std::vector<std::string> RANDOM = {"heap", "count", "size", "lifetime", "as"};
    static const std::vector<std::string> WAIT = {"cycles", "ns", "us"};
    static const std::vector<std::string> DMA = {"name", "action", "count"};
    static const std::vector<std::string> POWER = {"bank", "state"};
    static const std::vector<std::string> CHECK = {"heap"};
    static const std::vector<std::string> EXPECT = {"max_latency_cycles", "no_faults", "fault",
                                                    "energy_max_uj", "heap_free_min", "result",
                                                    "op", "heap", "bank", "at", "region_state",
                                                    "region", "state"};
    static const std::vector<std::string> POWER_REQUEST = {"region", "state"};
    static const std::vector<std::string> OPTIMIZE_POWER = {"heap", "wake_budget_cycles"};
    static const std::vector<std::string> SLEEP = {"cycles", "us", "ms"};
    switch (kind) {
    case StepKind::Alloc: return ALLOC;
    case StepKind::Free: return FREE;
    case StepKind::Realloc: return REALLOC;
    case StepKind::Read:
    case StepKind::Write: return ACCESS;
    case StepKind::Mark: return MARK;
    case StepKind::Release: return RELEASE;
    case StepKind::Seal: return NONE;
    case StepKind::Repeat: return REPEAT;
    case StepKind::RandomWorkload: return RANDOM;
    case StepKind::Wait: return WAIT;
    case StepKind::Dma: return DMA;
    case StepKind::Power: return POWER;
    case StepKind::Check: return CHECK;
    case StepKind::Expect: return EXPECT;
    case StepKind::PowerRequest: return POWER_REQUEST;
    case StepKind::OptimizePower: return OPTIMIZE_POWER;
    case StepKind::Sleep: return SLEEP;
    case StepKind::MpuWrite:
    case StepKind::MpuRead:
    case StepKind::Access:
    case StepKind::Domain:
    case StepKind::Partition:
    case StepKind::AllocateIsolated:
    case StepKind::SwitchDomain:
    case StepKind::AsDomain:
    case StepKind::Submit:
    case StepKind::Serve: return *mpu_step_keys(kind);
    }
    return NONE;
}

/// The keys of a map inside a step argument (`size: {min, max}`), or nullptr: not a map.
const std::vector<std::string>* nested_keys(StepKind kind, const std::string& key) {
    static const std::vector<std::string> RANGE = {"min", "max"};
    static const std::vector<std::string> FAULT = {"kind", "address", "bank", "domain", "count"};
    static const std::vector<std::string> REGION_STATE = {"region", "state"};
    if (kind == StepKind::Expect && key == "region_state") return &REGION_STATE;
    if (kind == StepKind::RandomWorkload && (key == "size" || key == "lifetime")) return &RANGE;
    if (kind == StepKind::Expect && key == "fault") return &FAULT;
    return nullptr;
}

/// Keys that are alternative forms of one argument: setting one by override removes the others.
std::vector<std::string> other_forms(StepKind kind, const std::string& key) {
    std::vector<std::string> forms;
    if (kind == StepKind::Wait) forms = {"cycles", "ns", "us"};
    if (kind == StepKind::Sleep) forms = {"cycles", "us", "ms"};
    if (kind == StepKind::Read || kind == StepKind::Write) forms = {"block", "address"};
    if (kind == StepKind::Alloc) forms = {"heap", "partition"}; // mpu_steps.h
    if (mpu_step_keys(kind)) return mpu_step_other_forms(kind, key);
    if (std::find(forms.begin(), forms.end(), key) == forms.end()) return {};
    forms.erase(std::find(forms.begin(), forms.end(), key));
    return forms;
}

std::vector<std::string> step_kind_names() {
    std::vector<std::string> names;
    for (const auto& entry : STEP_KIND_NAMES) names.emplace_back(entry.name);
    return names;
}

constexpr EnumName<TimingMode> SCENARIO_MODE_NAMES[] = {
    {TimingMode::Lt, "lt"},
    {TimingMode::LtDmi, "lt_dmi"},
    {TimingMode::At, "at"},
};

enum class DmaAction { Start, Stop };
constexpr EnumName<DmaAction> DMA_ACTION_NAMES[] = {
    {DmaAction::Start, "start"},
    {DmaAction::Stop, "stop"},
};

/// Ops whose latency `max_latency_cycles` can filter on (`op:`).
const std::vector<std::string> TIMED_OPS = {"alloc",   "free", "mark",  "release",
                                            "realloc", "read", "write", "seal", "check",
                                            "power_request", "optimize_power",
                                            "access", "mpu_write", "mpu_read"};

/// What `result:` may name, as OpRecord::result spells it: "ok", an RtStatus name, "bus_error", "mpu_fault", "terminated", "unbound".
std::vector<std::string> result_names() {
    std::vector<std::string> names = {"ok"};
    for (unsigned i = 1; i < 256; ++i) {
        const std::string name = rt::to_string(static_cast<rt::RtStatus>(i));
        if (name == "Unknown") break;
        names.push_back(name);
    }
    names.emplace_back("bus_error");
    names.emplace_back("mpu_fault");
    names.emplace_back("terminated");
    names.emplace_back("unbound");
    return names;
}

std::vector<std::string> fault_kind_names() {
    return std::vector<std::string>(std::begin(FAULT_KIND_NAMES), std::end(FAULT_KIND_NAMES));
}

// ---- Bounds and what they read as ----------------------------------------------------------

constexpr uint64_t U32_MAX = std::numeric_limits<uint32_t>::max();
constexpr uint64_t U64_MAX = std::numeric_limits<uint64_t>::max();
/// Longest `wait` and `count`: far from overflowing the picosecond time base.
constexpr uint64_t MAX_WAIT_PS = 1000000000000000000ULL; // 10^18 ps, about 11.6 days
constexpr uint64_t MAX_COUNT = 1000000000;
/// Allocator regions start on the runtime's block alignment (TLSF and tiered pools use 8).
constexpr uint64_t REGION_ALIGN_BYTES = 8;

const char* const BYTES_1 = "a whole number of bytes from 1 to 2^32 - 1";
const char* const BYTES_0 = "a whole number of bytes from 0 to 2^32 - 1";
const char* const ADDRESS = "an address (an integer below 2^32, e.g. 0x20000000)";
const char* const COUNT_1 = "a whole number from 1 to 10^9";
const char* const CYCLES_1 = "a whole number of cycles from 1 to 10^9";

const char* kind_name(AllocatorKind kind) { return enum_name(ALLOCATOR_KIND_NAMES, kind); }

/// "a, b or c".
std::string join_or(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i)
        out += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
    return out;
}

/// The names for "expected ... (names)", or "none is defined".
std::string listed(const std::vector<std::string>& names) {
    return names.empty() ? "none is defined" : join(names);
}

// ---- The parser ----------------------------------------------------------------------------

class Parser {
public:
    Parser(const Reader& r, Scenario& out) : r(r), s(out), m_mpu(r, out) {}

    void scenario(const YAML::Node& root, const std::vector<std::string>& platform_overrides) {
        if (!root.IsDefined() || root.IsNull())
            r.fail(root, YAML::Node(), "", "expected a scenario map with keys " + join(TOP_KEYS) + ", got an empty document");
        const std::vector<Entry> top = r.entries(root, "", TOP_KEYS);
        for (const char* required : {"name", "platform", "steps"})
            if (!find(top, required)) r.missing(root, required, "a top-level key (a scenario needs name, platform and steps)");

        s.name = r.name_value(*find(top, "name"), "a scenario name: letters, digits and '_', not starting with a digit");
        platform(*find(top, "platform"), platform_overrides);
        if (const Entry* e = find(top, "seed")) s.seed = r.unsigned_value(*e, 0, U64_MAX, "a whole number >= 0");
        if (const Entry* e = find(top, "mode")) s.mode = r.enum_value(*e, SCENARIO_MODE_NAMES);
        if (const Entry* e = find(top, "energy_window_cycles"))
            s.energy_window_cycles = r.unsigned_value(*e, 1, MAX_LATENCY_CYCLES, CYCLES_1);
        if (const Entry* e = find(top, "allocators"))
            for (const auto& [node, path] : list(*e, false, "a list of allocators (maps with name, kind, bank, size)"))
                s.allocators.push_back(allocator(node, path));
        if (const Entry* e = find(top, "dma"))
            for (const auto& [node, path] : list(*e, false, "a list of DMA streams (maps with name, pattern, bank, size)"))
                s.dma.push_back(dma(node, path));
        s.steps = steps(*find(top, "steps"));
    }

private:
    const Reader& r;
    Scenario& s;
    /// Blocks bound by `as:` so far -> the allocator they came from (the latest binding).
    std::map<std::string, std::string> m_blocks;
    /// Stack allocator -> the markers set on it so far.
    std::map<std::string, std::set<std::string>> m_markers;
    bool m_seen_op = false;
    MpuStepParser m_mpu; ///< the MPU and isolation steps, and the names they define

    [[noreturn]] void bad(const Entry& e, const std::string& message) const {
        r.fail(e.key_node, e.value, e.path, message);
    }

    // ---- Platform ----

    void platform(const Entry& e, const std::vector<std::string>& overrides) {
        const std::string written = r.text_value(e, "the path of a platform file");
        std::filesystem::path path(written);
        if (path.is_relative()) path = std::filesystem::path(r.file()).parent_path() / path;
        s.platform_file = path.lexically_normal().string();
        std::string text;
        try {
            text = cfg::read_file(s.platform_file);
        } catch (const ConfigError& error) {
            const std::string reason = std::string(error.what()).substr(error.file().size() + 2);
            r.fail(e.key_node, e.value, e.path, "expected a platform file that can be read, got " + written + " (" + s.platform_file + ": " + reason + ")");
        }
        try {
            s.platform = parse_platform(text, s.platform_file, overrides);
        } catch (const ConfigError& error) {
            // An override for the platform was given as `platform.<path>`: say so.
            const std::string prefix = "--set ";
            if (error.file().rfind(prefix, 0) != 0) throw;
            const std::string message = std::string(error.what()).substr(error.file().size() + 2);
            throw ConfigError("--set platform." + error.file().substr(prefix.size()), 0, 0, "platform." + message);
        }
    }

    const BankConfig& bank(const Entry& e) {
        const std::string name = r.text_value(e, "the name of a platform bank");
        std::vector<std::string> names;
        for (const BankConfig& b : s.platform.banks) {
            if (b.name == name) return b;
            names.push_back(b.name);
        }
        bad(e, "expected one of the banks of platform " + s.platform.name + " (" + join(names) + "), got undefined bank '" + name + "'" + suggestion(name, names));
    }

    // ---- Lists ----

    /// The items of a list with their paths ("allocators[2]").
    std::vector<std::pair<YAML::Node, std::string>> list(const Entry& e, bool non_empty,
                                                         const std::string& expectation) {
        if (!e.value.IsSequence()) r.expected(e, expectation);
        if (non_empty && e.value.size() == 0)
            bad(e, "expected " + expectation + ", got an empty list");
        std::vector<std::pair<YAML::Node, std::string>> out;
        for (size_t i = 0; i < e.value.size(); ++i)
            out.emplace_back(e.value[i], e.path + "[" + std::to_string(i) + "]");
        return out;
    }

    // ---- Allocators ----

    AllocatorSpec allocator(const YAML::Node& node, const std::string& path) {
        const std::vector<Entry> entries = r.entries(node, path, ALLOCATOR_KEYS);
        AllocatorSpec a;
        a.line = line_of(node);
        const Entry* kind = find(entries, "kind");
        if (!kind) r.missing(node, child(path, "kind"), "one of " + enum_choices(ALLOCATOR_KIND_NAMES));
        a.kind = r.enum_value(*kind, ALLOCATOR_KIND_NAMES);
        const std::vector<std::string> allowed = allocator_keys(a.kind);
        for (const Entry& e : entries)
            if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
                r.fail(e.key_node, YAML::Node(), e.path, std::string("not a key of a ") + kind_name(a.kind) + " allocator (" + e.key + " is for " + kinds_of_key(e.key) + "); expected one of " + join(allowed));

        const Entry* name = find(entries, "name");
        if (!name) r.missing(node, child(path, "name"), cfg::NAME_EXPECTED);
        a.name = r.name_value(*name);
        for (size_t j = 0; j < s.allocators.size(); ++j)
            if (s.allocators[j].name == a.name)
                bad(*name, "expected a name no other allocator has, got \"" + a.name + "\" again (first at allocators[" + std::to_string(j) + "], line " + std::to_string(s.allocators[j].line) + ")");
        if (a.kind == AllocatorKind::PowerAware) {
            read_power_aware_allocator(r, s, node, path, entries, a);
            return a;
        }

        const Entry* bank_entry = find(entries, "bank");
        if (!bank_entry) r.missing(node, child(path, "bank"), "the name of a platform bank");
        const BankConfig& b = bank(*bank_entry);
        a.bank = b.name;
        const Entry* offset = find(entries, "offset");
        if (offset) a.offset_bytes = r.unsigned_value(*offset, 0, U32_MAX, "a whole number of bytes from 0 to 2^32 - 1");
        const Entry* size = find(entries, "size");
        if (!size) r.missing(node, child(path, "size"), BYTES_1);
        a.size_bytes = r.unsigned_value(*size, 1, U32_MAX, BYTES_1);
        a.base = b.base + a.offset_bytes;
        region_inside_bank(b, offset, *size, a.offset_bytes, a.size_bytes);
        if (a.base % REGION_ALIGN_BYTES != 0)
            bad(offset ? *offset : *bank_entry, "expected a region that starts on a multiple of 8 bytes (the runtime's block alignment), got base " + hex(b.base) + " + offset " + std::to_string(a.offset_bytes) + " = " + hex(a.base));
        for (size_t j = 0; j < s.allocators.size(); ++j) {
            const AllocatorSpec& other = s.allocators[j];
            const uint64_t end = a.base + a.size_bytes, other_end = other.base + other.size_bytes;
            if (a.base < other_end && other.base < end) {
                const std::string message = "expected a region that overlaps no other allocator, got \"" + a.name + "\" [" + hex(a.base) + ", " + hex(end) + ") overlapping \"" + other.name + "\" [" + hex(other.base) + ", " + hex(other_end) + ") (allocators[" + std::to_string(j) + "], line " + std::to_string(other.line) + ")";
                const Entry& blame = offset ? *offset : *size;
                r.fail(blame.key_node, blame.value, blame.path, message);
            }
        }

        if (const Entry* e = find(entries, "guarded")) a.guarded = r.flag_value(*e);
        if (a.kind == AllocatorKind::Pool) {
            const Entry* block = find(entries, "block_size");
            if (!block) r.missing(node, child(path, "block_size"), "the payload bytes of one block (a pool needs block_size)");
            a.block_size_bytes = static_cast<uint32_t>(r.unsigned_value(*block, 1, 1ULL << 31, "a whole number of bytes from 1 to 2^31"));
            if (a.block_size_bytes > a.size_bytes)
                bad(*block, "expected a block that fits in the pool's " + std::to_string(a.size_bytes) + " bytes, got " + std::to_string(a.block_size_bytes));
        }
        if (a.kind == AllocatorKind::Tiered) tiered(node, path, entries, a);
        return a;
    }

    /// [offset, offset + size) inside the bank; blames the offset or the size.
    void region_inside_bank(const BankConfig& b, const Entry* offset, const Entry& size,
                            uint64_t offset_bytes, uint64_t size_bytes) {
        const uint64_t bank_bytes = b.params.size_bytes;
        const std::string bank_text = "bank " + b.name + " [" + hex(b.base) + ", " + hex(b.base + bank_bytes) + ") of " + std::to_string(bank_bytes) + " bytes";
        if (offset && offset_bytes >= bank_bytes)
            r.expected(*offset, "an offset inside " + bank_text);
        if (offset_bytes + size_bytes > bank_bytes)
            r.fail(size.key_node, size.value, size.path, "expected a region inside " + bank_text + ", got offset " + std::to_string(offset_bytes) + " + size " + std::to_string(size_bytes) + " = " + std::to_string(offset_bytes + size_bytes) + ", past the bank's end");
    }

    void tiered(const YAML::Node& node, const std::string& path, const std::vector<Entry>& entries,
                AllocatorSpec& a) {
        const Entry* classes = find(entries, "classes");
        const std::string want = "a list of 1 to " + std::to_string(rt::TieredPoolConfig::MAX_CLASSES) + " block sizes in bytes, strictly ascending, e.g. [16, 32, 64]";
        if (!classes) r.missing(node, child(path, "classes"), want);
        if (!classes->value.IsSequence() || classes->value.size() == 0 ||
            classes->value.size() > rt::TieredPoolConfig::MAX_CLASSES)
            r.expected(*classes, want);
        for (size_t i = 0; i < classes->value.size(); ++i) {
            const Entry item{"", classes->path + "[" + std::to_string(i) + "]", classes->value[i], classes->value[i]};
            const uint32_t v = static_cast<uint32_t>(r.unsigned_value(item, 1, 1ULL << 31, "a block size in bytes from 1 to 2^31"));
            if (!a.classes.empty() && v <= a.classes.back())
                r.expected(item, "a block size larger than the class before it (" + std::to_string(a.classes.back()) + "): classes are strictly ascending");
            a.classes.push_back(v);
        }
        if (const Entry* huge = find(entries, "huge")) {
            const std::string name = r.text_value(*huge, "the name of a tlsf allocator defined above");
            const AllocatorSpec* h = find_allocator(name);
            if (!h || h->kind != AllocatorKind::Tlsf)
                bad(*huge, "expected the name of a tlsf allocator defined above (" + listed(names_of(AllocatorKind::Tlsf)) + "), got " + (h ? std::string("'") + name + "', a " + kind_name(h->kind) + " allocator" : "undefined heap '" + name + "'"));
            a.huge = name;
        }
        if (const Entry* e = find(entries, "max_waste_ratio"))
            a.max_waste_ratio = static_cast<uint32_t>(r.unsigned_value(*e, 1, U32_MAX, "a whole number from 1 to 2^32 - 1"));
    }

    const AllocatorSpec* find_allocator(const std::string& name) const {
        for (const AllocatorSpec& a : s.allocators)
            if (a.name == name) return &a;
        return nullptr;
    }

    /// Allocator names, all or of one kind.
    std::vector<std::string> names_of(std::optional<AllocatorKind> kind = std::nullopt) const {
        std::vector<std::string> names;
        for (const AllocatorSpec& a : s.allocators)
            if (!kind || a.kind == *kind) names.push_back(a.name);
        return names;
    }

    // ---- DMA streams ----

    DmaSpec dma(const YAML::Node& node, const std::string& path) {
        const std::vector<Entry> entries = r.entries(node, path, DMA_KEYS);
        DmaSpec d;
        d.line = line_of(node);
        const Entry* name = find(entries, "name");
        if (!name) r.missing(node, child(path, "name"), cfg::NAME_EXPECTED);
        d.name = r.name_value(*name);
        for (size_t j = 0; j < s.dma.size(); ++j)
            if (s.dma[j].name == d.name)
                bad(*name, "expected a name no other DMA stream has, got \"" + d.name + "\" again (first at dma[" + std::to_string(j) + "], line " + std::to_string(s.dma[j].line) + ")");
        const Entry* pattern = find(entries, "pattern");
        if (!pattern) r.missing(node, child(path, "pattern"), "one of " + enum_choices(TRAFFIC_PATTERN_NAMES));
        d.pattern = r.enum_value(*pattern, TRAFFIC_PATTERN_NAMES);
        const Entry* bank_entry = find(entries, "bank");
        if (!bank_entry) r.missing(node, child(path, "bank"), "the name of a platform bank");
        const BankConfig& b = bank(*bank_entry);
        d.bank = b.name;
        const Entry* offset = find(entries, "offset");
        if (offset) d.offset_bytes = r.unsigned_value(*offset, 0, U32_MAX, "a whole number of bytes from 0 to 2^32 - 1");
        const Entry* size = find(entries, "size");
        if (!size) r.missing(node, child(path, "size"), BYTES_1);
        d.size_bytes = r.unsigned_value(*size, 1, U32_MAX, BYTES_1);
        region_inside_bank(b, offset, *size, d.offset_bytes, d.size_bytes);
        d.base = b.base + d.offset_bytes;
        if (const Entry* e = find(entries, "burst")) {
            d.burst_bytes = static_cast<uint32_t>(r.unsigned_value(*e, 1, d.size_bytes, "a whole number of bytes from 1 to the stream's size (" + std::to_string(d.size_bytes) + ")"));
        } else if (d.burst_bytes > d.size_bytes) {
            r.fail(size->key_node, size->value, size->path, "expected at least one burst (" + std::to_string(d.burst_bytes) + " bytes, the default), got " + std::to_string(d.size_bytes) + " bytes");
        }
        const Entry* period = find(entries, "period_cycles");
        if (d.pattern == TrafficPatternKind::FixedRate) {
            if (!period) r.missing(node, child(path, "period_cycles"), "the cycles between two bursts (pattern fixed_rate needs period_cycles)");
            d.period_cycles = r.unsigned_value(*period, 1, MAX_LATENCY_CYCLES, CYCLES_1);
        } else if (period) {
            r.fail(period->key_node, YAML::Node(), period->path, std::string("expected period_cycles only with pattern fixed_rate, got it with pattern ") + enum_name(TRAFFIC_PATTERN_NAMES, d.pattern));
        }
        if (const Entry* e = find(entries, "write_percent"))
            d.write_percent = static_cast<uint32_t>(r.unsigned_value(*e, 0, 100, "a whole number from 0 to 100"));
        return d;
    }

    // ---- Steps ----

    std::vector<Step> steps(const Entry& e) {
        std::vector<Step> out;
        for (const auto& [node, path] : list(e, true, "a list of at least one step (each a map with one key naming its kind)"))
            out.push_back(step(node, path));
        return out;
    }

    Step step(const YAML::Node& item, const std::string& path) {
        const std::vector<std::string> kinds = step_kind_names();
        if (!item.IsMap() || item.size() != 1)
            r.fail(item, item, path, "expected a map with one key naming the step (" + join(kinds) + "), got " + (item.IsMap() ? "a map of " + std::to_string(item.size()) + " keys" : cfg::describe(item)));
        const YAML::Node key = item.begin()->first;
        const std::string kind_text = key.IsScalar() ? key.Scalar() : "";
        const Entry kind{kind_text, child(path, kind_text), key, item.begin()->second};
        const std::optional<StepKind> parsed = parse_enum(STEP_KIND_NAMES, kind_text);
        if (!parsed)
            r.fail(key, YAML::Node(), child(path, kind_text), "unknown step kind" + suggestion(kind_text, kinds) + "; expected one of " + join(kinds));

        Step st;
        st.kind = *parsed;
        st.line = key.Mark().line + 1;
        st.column = key.Mark().column + 1;
        std::vector<Entry> args;
        if (st.kind == StepKind::Seal) {
            if (!kind.value.IsNull() && !(kind.value.IsMap() && kind.value.size() == 0))
                r.expected(kind, "nothing or {} (seal takes no arguments)");
        } else {
            args = r.entries(kind.value, kind.path, step_keys(st.kind));
        }
        Args a{kind, args};

        switch (st.kind) {
        case StepKind::Alloc: alloc(a, st); break;
        case StepKind::Free:
        case StepKind::Realloc: free_or_realloc(a, st); break;
        case StepKind::Read:
        case StepKind::Write: access(a, st); break;
        case StepKind::Mark: mark(a, st); break;
        case StepKind::Release: release(a, st); break;
        case StepKind::Seal: break;
        case StepKind::Repeat: repeat(a, st); break;
        case StepKind::RandomWorkload: random_workload(a, st); break;
        case StepKind::Wait: wait(a, st); break;
        case StepKind::Dma: dma_step(a, st); break;
        case StepKind::Power: power(a, st); break;
        case StepKind::Check: st.heap = heap(need(a, "heap", "the name of an allocator"), {}).name; break;
        case StepKind::Expect: expect(a, st); break;
        case StepKind::PowerRequest: read_power_request(r, s, kind, args, st); break;
        case StepKind::OptimizePower: read_optimize_power(r, s, kind, args, st); break;
        case StepKind::Sleep: read_sleep(r, s, kind, args, st); break;
        case StepKind::MpuWrite:
        case StepKind::MpuRead:
        case StepKind::Access:
        case StepKind::Domain:
        case StepKind::Partition:
        case StepKind::AllocateIsolated:
        case StepKind::SwitchDomain:
        case StepKind::AsDomain:
        case StepKind::Submit:
        case StepKind::Serve:
            m_mpu.parse(kind, args, st, [this](const Entry& list) { return steps(list); });
            if (st.kind == StepKind::AllocateIsolated && !st.as.empty()) m_blocks.erase(st.as);
            for (const std::string& served : m_mpu.served_names()) m_blocks.erase(served);
            break;
        }
        if (st.kind != StepKind::Repeat && st.kind != StepKind::Wait && st.kind != StepKind::Expect &&
            st.kind != StepKind::Sleep)
            m_seen_op = true;
        return st;
    }

    /// A step's arguments: the step's kind entry and its key: value entries.
    struct Args {
        const Entry& kind;
        const std::vector<Entry>& entries;
        const Entry* get(const char* key) const { return find(entries, key); }
    };

    /// Required argument: missing -> an error at the step.
    const Entry& need(const Args& a, const char* key, const std::string& expectation) const {
        const Entry* e = a.get(key);
        if (!e) r.missing(a.kind.key_node, child(a.kind.path, key), expectation);
        return *e;
    }

    /// The allocator `e` names, which must be of one of `kinds` (empty: any).
    const AllocatorSpec& heap(const Entry& e, const std::vector<AllocatorKind>& kinds) {
        const std::string name = r.text_value(e, "the name of an allocator");
        const AllocatorSpec* a = find_allocator(name);
        std::vector<std::string> allowed_kinds;
        for (AllocatorKind k : kinds) allowed_kinds.emplace_back(kind_name(k));
        std::vector<std::string> candidates;
        for (const AllocatorSpec& spec : s.allocators)
            if (kinds.empty() || std::find(kinds.begin(), kinds.end(), spec.kind) != kinds.end())
                candidates.push_back(spec.name);
        const std::string what = kinds.empty() ? "an allocator" : "a " + join_or(allowed_kinds) + " allocator";
        if (!a)
            bad(e, "expected " + what + " (" + listed(candidates) + "), got undefined heap '" + name + "'" + suggestion(name, candidates));
        if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), a->kind) == kinds.end())
            bad(e, "expected " + what + " (" + listed(candidates) + "), got '" + name + "', a " + kind_name(a->kind) + " allocator");
        return *a;
    }

    /// The block `e` names, bound by an earlier `as:`; returns its allocator.
    const AllocatorSpec& block(const Entry& e) {
        const std::string name = r.name_value(e, "the name of a block bound by an earlier alloc with as:");
        auto it = m_blocks.find(name);
        if (it == m_blocks.end() && m_mpu.mpu_block(name))
            r.fail(e.key_node, e.value, e.path, "expected a block bound by an alloc from an allocator (heap:), got '" + name + "', a block of partition " + *m_mpu.mpu_block(name) + " (read, write and free take it; realloc does not)");
        if (it == m_blocks.end()) m_mpu.refuse_pending(e); // mpu_steps.h: submitted, not served
        if (it == m_blocks.end()) {
            std::vector<std::string> bound;
            for (const auto& [block_name, heap_name] : m_blocks) bound.push_back(block_name);
            r.fail(e.key_node, e.value, e.path, "expected a block bound by an earlier alloc with as: (" + (bound.empty() ? std::string("none is bound yet") : join(bound)) + "), got undefined block '" + name + "'" + suggestion(name, bound));
        }
        return *find_allocator(it->second);
    }

    void alloc(const Args& a, Step& st) {
        if (a.get("partition") || a.get("domain")) { // mpu_steps.h
            m_mpu.partition_alloc(a.kind, a.entries, st);
            if (!st.as.empty()) m_blocks.erase(st.as); // the name now names the partition block
            return;
        }
        const AllocatorSpec& h = heap(need(a, "heap", "the name of an allocator"), {});
        st.heap = h.name;
        st.size_bytes = static_cast<uint32_t>(r.unsigned_value(need(a, "size", BYTES_0), 0, U32_MAX, BYTES_0 + std::string(" (0 asks the runtime for InvalidSize)")));
        if (const Entry* e = a.get("align"))
            st.align_bytes = static_cast<uint32_t>(r.unsigned_value(*e, 0, 1ULL << 31, "a whole number of bytes from 0 (the allocator's default) to 2^31"));
        if (const Entry* e = a.get("deadline_steps")) {
            if (h.kind != AllocatorKind::Tlsf)
                r.fail(e->key_node, YAML::Node(), e->path, "expected deadline_steps only on a tlsf allocator, got it on '" + h.name + "', a " + kind_name(h.kind) + " allocator");
            st.deadline_steps = static_cast<uint32_t>(r.unsigned_value(*e, 0, U32_MAX, "a whole number of steps from 0 to 2^32 - 1"));
        }
        if (const Entry* e = a.get("as")) {
            st.as = r.name_value(*e);
            m_blocks[st.as] = h.name;
        }
        if (const Entry* e = a.get("lifetime")) read_lifetime(r, h, *e, st);
    }

    void free_or_realloc(const Args& a, Step& st) {
        const Entry& e = need(a, "block", "the name of a block bound by an earlier alloc with as:");
        if (st.kind == StepKind::Free && !m_blocks.count(r.name_value(e)) && m_mpu.mpu_block(r.name_value(e))) {
            m_mpu.free_block(e, st); // mpu_steps.h
            return;
        }
        const AllocatorSpec& h = block(e);
        st.block = r.name_value(e);
        st.heap = h.name;
        if (st.kind == StepKind::Realloc) {
            if (h.kind != AllocatorKind::Tlsf)
                r.fail(e.key_node, e.value, e.path, "expected a block from a tlsf allocator (realloc is tlsf only), got '" + st.block + "' from '" + h.name + "', a " + kind_name(h.kind) + " allocator");
            st.size_bytes = static_cast<uint32_t>(r.unsigned_value(need(a, "size", BYTES_0), 0, U32_MAX, BYTES_0));
        }
    }

    void access(const Args& a, Step& st) {
        const Entry* blk = a.get("block");
        const Entry* address = a.get("address");
        if (blk && address) {
            const Entry& later = line_of(blk->key_node) > line_of(address->key_node) || (line_of(blk->key_node) == line_of(address->key_node) && blk->key_node.Mark().column > address->key_node.Mark().column) ? *blk : *address;
            r.fail(later.key_node, later.value, later.path, "expected one of block and address, got both");
        }
        if (!blk && !address) r.missing(a.kind.key_node, child(a.kind.path, "block"), "a block name (or an address and bytes)");
        if (blk && !m_blocks.count(r.name_value(*blk)) && m_mpu.mpu_block(r.name_value(*blk))) {
            st.block = r.name_value(*blk); // an isolated or partition block: its "heap" is its partition
            st.heap = *m_mpu.mpu_block(st.block);
            if (const Entry* e = a.get("bytes")) st.bytes = r.unsigned_value(*e, 1, U32_MAX, BYTES_1);
            return;
        }
        if (blk) {
            const AllocatorSpec& h = block(*blk);
            st.block = r.name_value(*blk);
            st.heap = h.name;
            if (const Entry* e = a.get("bytes")) st.bytes = r.unsigned_value(*e, 1, U32_MAX, BYTES_1);
            return;
        }
        st.address = r.unsigned_value(*address, 0, ADDRESS_SPACE_END - 1, ADDRESS);
        const Entry& bytes = need(a, "bytes", std::string(BYTES_1) + " (a raw range needs its length)");
        st.bytes = r.unsigned_value(bytes, 1, U32_MAX, BYTES_1);
        if (*st.address + *st.bytes > ADDRESS_SPACE_END)
            bad(bytes, "expected a range that ends at or below 2^32, got " + hex(*st.address) + " + " + std::to_string(*st.bytes) + " bytes");
    }

    void mark(const Args& a, Step& st) {
        st.heap = heap(need(a, "heap", "the name of a stack allocator"), {AllocatorKind::Stack}).name;
        st.as = r.name_value(need(a, "as", "a marker name (" + std::string(cfg::NAME_EXPECTED) + ")"));
        m_markers[st.heap].insert(st.as);
    }

    void release(const Args& a, Step& st) {
        st.heap = heap(need(a, "heap", "the name of a stack allocator"), {AllocatorKind::Stack}).name;
        const Entry& e = need(a, "marker", "a marker set by an earlier mark");
        st.marker = r.name_value(e);
        const std::set<std::string>& marked = m_markers[st.heap];
        if (marked.count(st.marker) == 0) {
            std::vector<std::string> names(marked.begin(), marked.end());
            std::string elsewhere;
            for (const auto& [stack, markers] : m_markers)
                if (stack != st.heap && markers.count(st.marker)) elsewhere = " (it was marked on '" + stack + "')";
            r.fail(e.key_node, e.value, e.path, "expected a marker set on '" + st.heap + "' by an earlier mark (" + (names.empty() ? std::string("none is set yet") : join(names)) + "), got undefined marker '" + st.marker + "'" + elsewhere + suggestion(st.marker, names));
        }
    }

    void repeat(const Args& a, Step& st) {
        st.count = r.unsigned_value(need(a, "count", COUNT_1), 1, MAX_COUNT, COUNT_1);
        st.body = steps(need(a, "steps", "a list of steps"));
        // A name an iteration rebinds is seen by the next one: check the body once more.
        if (st.count > 1) recheck(st.body, child(a.kind.path, "steps"));
    }

    /// The second iteration of a repeat body: only what a rebinding can change (realloc needs a
    /// tlsf block). Names were all checked in the first pass.
    void recheck(const std::vector<Step>& body, const std::string& path) {
        for (size_t i = 0; i < body.size(); ++i) {
            const Step& st = body[i];
            const std::string here = path + "[" + std::to_string(i) + "]";
            if (st.kind == StepKind::Alloc && !st.as.empty() && st.partition.empty()) m_blocks[st.as] = st.heap;
            if (st.kind == StepKind::Realloc) {
                const AllocatorSpec& h = *find_allocator(m_blocks.at(st.block));
                if (h.kind != AllocatorKind::Tlsf)
                    throw ConfigError(r.file(), st.line, st.column, here + ".realloc.block: expected a block from a tlsf allocator (realloc is tlsf only), got '" + st.block + "' from '" + h.name + "', a " + kind_name(h.kind) + " allocator, as the previous iteration of the repeat rebinds it");
            }
            if (st.kind == StepKind::Repeat) {
                recheck(st.body, here + ".repeat.steps");
                if (st.count > 1) recheck(st.body, here + ".repeat.steps");
            }
        }
    }

    /// `key: {min, max}`; `max_entry` receives the max entry (for later checks against it).
    SizeRange range(const Args& a, const char* key, uint64_t min, const std::string& unit,
                    Entry* max_entry = nullptr) {
        const std::string want = "a map {min: A, max: B} of " + unit + ", " + std::to_string(min) + " <= A <= B";
        const Entry& e = need(a, key, want);
        const std::vector<Entry> parts = r.entries(e.value, e.path, {"min", "max"});
        const std::string one = "a whole number of " + unit + " from " + std::to_string(min) + " to 2^32 - 1";
        const Entry* lo = find(parts, "min");
        const Entry* hi = find(parts, "max");
        if (!lo) r.missing(e.key_node, child(e.path, "min"), one);
        if (!hi) r.missing(e.key_node, child(e.path, "max"), one);
        SizeRange out;
        out.min_bytes = static_cast<uint32_t>(r.unsigned_value(*lo, min, U32_MAX, one));
        out.max_bytes = static_cast<uint32_t>(r.unsigned_value(*hi, min, U32_MAX, one));
        if (out.min_bytes > out.max_bytes)
            bad(*hi, "expected max >= min (" + std::to_string(out.min_bytes) + "), got " + std::to_string(out.max_bytes));
        if (max_entry) *max_entry = *hi;
        return out;
    }

    void random_workload(const Args& a, Step& st) {
        const AllocatorSpec& h = heap(need(a, "heap", "the name of a tlsf, pool or tiered allocator"), {AllocatorKind::Tlsf, AllocatorKind::Pool, AllocatorKind::Tiered});
        st.heap = h.name;
        st.count = r.unsigned_value(need(a, "count", COUNT_1), 1, MAX_COUNT, COUNT_1);
        Entry max;
        st.size_range = range(a, "size", 1, "bytes", &max);
        st.lifetime = range(a, "lifetime", 0, "allocations");
        if (h.kind == AllocatorKind::Pool && st.size_range.max_bytes > h.block_size_bytes)
            r.expected(max, "at most the block_size of pool '" + h.name + "' (" + std::to_string(h.block_size_bytes) + ")");
        if (h.kind == AllocatorKind::Tiered && h.huge.empty() && st.size_range.max_bytes > h.classes.back())
            r.expected(max, "at most the largest class of '" + h.name + "' (" + std::to_string(h.classes.back()) + "), which has no huge allocator");
        if (const Entry* e = a.get("as")) st.as = r.name_value(*e);
    }

    void wait(const Args& a, Step& st) {
        const Entry* given = nullptr;
        for (const Entry& e : a.entries) {
            if (given) r.fail(e.key_node, e.value, e.path, "expected one of cycles, ns and us, got both " + given->key + " and " + e.key);
            given = &e;
        }
        if (!given) r.missing(a.kind.key_node, child(a.kind.path, "cycles"), "a duration: one of cycles, ns or us");
        const uint64_t unit_ps = given->key == "cycles" ? s.platform.clock.period_ps() : given->key == "ns" ? 1000 : 1000000;
        const uint64_t max = MAX_WAIT_PS / unit_ps;
        st.wait_ps = r.unsigned_value(*given, 0, max, "a whole number of " + given->key + " from 0 to " + std::to_string(max) + " (10^18 ps)") * unit_ps;
    }

    void dma_step(const Args& a, Step& st) {
        const Entry& name = need(a, "name", "the name of a DMA stream");
        st.dma = r.text_value(name, "the name of a DMA stream");
        std::vector<std::string> names;
        bool found = false;
        for (const DmaSpec& d : s.dma) names.push_back(d.name), found = found || d.name == st.dma;
        if (!found)
            bad(name, "expected one of the DMA streams under dma: (" + listed(names) + "), got undefined dma stream '" + st.dma + "'" + suggestion(st.dma, names));
        st.dma_start = r.enum_value(need(a, "action", "one of " + enum_choices(DMA_ACTION_NAMES)), DMA_ACTION_NAMES) == DmaAction::Start;
        if (const Entry* e = a.get("count")) {
            if (!st.dma_start)
                r.fail(e->key_node, YAML::Node(), e->path, "expected count only with action: start, got it with action: stop");
            st.count = r.unsigned_value(*e, 1, MAX_COUNT * 1000, "a whole number of bursts from 1 to 10^12 (omit it to run until stop)");
        }
    }

    void power(const Args& a, Step& st) {
        const Entry& bank_entry = need(a, "bank", "the name of a platform bank");
        st.bank = bank(bank_entry).name;
        if (const AllocatorSpec* h = power_manager_of_bank(s, st.bank))
            r.fail(bank_entry.key_node, bank_entry.value, bank_entry.path, "expected a bank no power_aware allocator manages (" + h->name + " manages " + st.bank + ": switch it with optimize_power), got " + st.bank);
        st.state = r.enum_value(need(a, "state", "one of " + enum_choices(POWER_STATE_NAMES)), POWER_STATE_NAMES);
    }

    // ---- Expectations ----

    void expect(const Args& a, Step& st) {
        const Entry* op = a.get("op");
        const Entry* heap_entry = a.get("heap");
        const Entry* bank_entry = a.get("bank");
        bool at_end = false;
        if (const Entry* e = a.get("at")) {
            if (!e->value.IsScalar() || e->value.Scalar() != "end") r.expected(*e, "end (or no at: to check here)");
            at_end = true;
        }
        const bool has_latency = a.get("max_latency_cycles") != nullptr;
        if (op && !has_latency) modifier_alone(*op, "max_latency_cycles");
        if (heap_entry && !has_latency && !a.get("heap_free_min")) modifier_alone(*heap_entry, "max_latency_cycles or heap_free_min");
        if (bank_entry && !a.get("energy_max_uj")) modifier_alone(*bank_entry, "energy_max_uj");
        const Entry* region_entry = a.get("region");
        const Entry* state_entry = a.get("state");
        if (region_entry && !a.get("energy_max_uj")) modifier_alone(*region_entry, "energy_max_uj");
        if (state_entry && !a.get("energy_max_uj")) modifier_alone(*state_entry, "energy_max_uj");

        for (const Entry& e : a.entries) {
            if (e.key == "op" || e.key == "heap" || e.key == "bank" || e.key == "at" ||
                e.key == "region" || e.key == "state")
                continue;
            Expectation x;
            x.at_end = at_end;
            x.line = e.key_node.Mark().line + 1;
            x.column = e.key_node.Mark().column + 1;
            if (e.key == "max_latency_cycles") {
                x.kind = ExpectKind::MaxLatencyCycles;
                x.value = r.unsigned_value(e, 0, U64_MAX, "a whole number of cycles >= 0");
                if (op) {
                    x.op = r.text_value(*op, "one of " + join(TIMED_OPS));
                    if (std::find(TIMED_OPS.begin(), TIMED_OPS.end(), x.op) == TIMED_OPS.end())
                        bad(*op, "expected one of " + join_or(TIMED_OPS) + ", got " + x.op + suggestion(x.op, TIMED_OPS));
                }
                if (heap_entry) x.heap = heap(*heap_entry, {}).name;
            } else if (e.key == "no_faults") {
                x.kind = ExpectKind::NoFaults;
                if (!r.flag_value(e)) r.expected(e, "true (leave the key out to allow faults)");
            } else if (e.key == "fault") {
                fault(e, x);
            } else if (e.key == "energy_max_uj") {
                x.kind = ExpectKind::EnergyMaxUj;
                x.energy_uj = r.real_value(e, "a number of uJ >= 0");
                if (bank_entry) x.bank = bank(*bank_entry).name;
                if (region_entry) x.region = read_region_name(r, s, *region_entry);
                if (state_entry) x.power_state = r.enum_value(*state_entry, POWER_STATE_NAMES);
            } else if (e.key == "region_state") {
                read_region_state(r, s, e, x);
            } else if (e.key == "heap_free_min") {
                x.kind = ExpectKind::HeapFreeMin;
                x.value = r.unsigned_value(e, 0, U32_MAX, BYTES_0);
                if (!heap_entry) r.missing(a.kind.key_node, child(a.kind.path, "heap"), "the allocator whose free bytes heap_free_min checks");
                x.heap = heap(*heap_entry, {}).name;
            } else if (e.key == "result") {
                x.kind = ExpectKind::Result;
                const std::vector<std::string> names = result_names();
                std::string status = r.text_value(e, "ok, bus_error, mpu_fault, terminated, unbound or an RtStatus name");
                if (status == "Ok") status = "ok";
                if (std::find(names.begin(), names.end(), status) == names.end())
                    bad(e, "expected ok, bus_error, mpu_fault, terminated, unbound or an RtStatus name (" + join(names) + "), got " + cfg::describe(e.value) + suggestion(status, names));
                if (!at_end && !m_seen_op)
                    r.fail(e.key_node, e.value, e.path, "expected an operation before this step (result checks the previous one), got none");
                x.status = status;
            }
            st.expectations.push_back(x);
        }
        if (st.expectations.empty())
            r.fail(a.kind.key_node, YAML::Node(), a.kind.path, "expected at least one of max_latency_cycles, no_faults, fault, energy_max_uj, heap_free_min, result, region_state, got none");
    }

    [[noreturn]] void modifier_alone(const Entry& e, const std::string& partner) const {
        r.fail(e.key_node, YAML::Node(), e.path, "expected " + e.key + " beside " + partner + " (it filters that expectation), got it alone");
    }

    void fault(const Entry& e, Expectation& x) {
        x.kind = ExpectKind::Fault;
        const std::vector<Entry> parts = r.entries(e.value, e.path, *nested_keys(StepKind::Expect, "fault"));
        const std::vector<std::string> kinds = fault_kind_names();
        const Entry* kind = find(parts, "kind");
        if (!kind) r.missing(e.key_node, child(e.path, "kind"), "one of " + join(kinds));
        x.fault_kind = r.text_value(*kind, "one of " + join(kinds));
        if (std::find(kinds.begin(), kinds.end(), x.fault_kind) == kinds.end())
            bad(*kind, "expected one of " + join_or(kinds) + ", got " + x.fault_kind + suggestion(x.fault_kind, kinds));
        if (const Entry* p = find(parts, "address")) x.address = r.unsigned_value(*p, 0, ADDRESS_SPACE_END - 1, ADDRESS);
        if (const Entry* p = find(parts, "bank")) x.bank = bank(*p).name;
        if (const Entry* p = find(parts, "domain")) {
            const std::optional<uint16_t> named = p->value.IsScalar() ? m_mpu.domain_id(p->value.Scalar()) : std::nullopt;
            x.domain = named ? *named : static_cast<uint16_t>(r.unsigned_value(*p, 0, std::numeric_limits<uint16_t>::max(), "a domain defined by an earlier domain step, or a domain id from 0 (the runtime) to 65535"));
        }
        if (const Entry* p = find(parts, "count"))
            x.fault_count = r.unsigned_value(*p, 0, U64_MAX, "a whole number >= 0 (0: no such fault; leave it out for at least one)");
    }
};

// ---- Overrides -----------------------------------------------------------------------------

const char* const SETTABLE = "settable paths are name, platform, seed, mode, energy_window_cycles, allocators[<index or name>].<key>, dma[<index or name>].<key>, steps[<index>].<kind>.<key>, platform.<platform path>";

/// "section[selector]" -> section, selector; nullopt when there are no brackets.
std::pair<std::string, std::optional<std::string>> split_selector(const std::string& part) {
    const size_t open = part.find('[');
    if (open == std::string::npos || part.back() != ']') return {part, std::nullopt};
    return {part.substr(0, open), part.substr(open + 1, part.size() - open - 2)};
}

std::vector<std::string> split_dots(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        const size_t dot = path.find('.', start);
        parts.push_back(path.substr(start, dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

[[noreturn]] void unknown_setting(const cfg::Override& o, const std::string& hint = "") {
    throw ConfigError(o.origin, 0, 0, o.path + ": unknown setting" + hint + "; " + SETTABLE);
}

/// The item of `list` (allocators or dma) that `selector` names by index or by `name:`.
YAML::Node select_item(const cfg::Override& o, const YAML::Node& list, const std::string& selector,
                       const std::string& what) {
    std::optional<uint64_t> index = cfg::parse_unsigned(selector);
    std::vector<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
        const YAML::Node name = list[i].IsMap() ? list[i]["name"] : YAML::Node();
        names.push_back(name.IsScalar() ? name.Scalar() : "?");
        if (!index && name.IsScalar() && name.Scalar() == selector) index = i;
    }
    if (list.size() == 0)
        throw ConfigError(o.origin, 0, 0, o.path + ": no such " + what + "; the scenario has none");
    if (!index || *index >= list.size())
        throw ConfigError(o.origin, 0, 0, o.path + ": no such " + what + "; expected an index from 0 to " + std::to_string(list.size() - 1) + " or one of the names " + join(names) + ", got " + selector);
    return list[static_cast<size_t>(*index)];
}

/// Applies one scenario override to the document before validation. A section that exists but
/// has the wrong shape is left alone: validation then reports the file's own error at its line.
void apply_override(Reader& r, YAML::Node& root, const cfg::Override& o) {
    const std::vector<std::string> parts = split_dots(o.path);
    const auto [section, selector] = split_selector(parts[0]);
    if (!root.IsMap()) return;

    if (parts.size() == 1 && !selector) {
        if (std::find(TOP_SCALARS.begin(), TOP_SCALARS.end(), section) == TOP_SCALARS.end())
            unknown_setting(o, suggestion(section, TOP_SCALARS));
        root[section] = o.value;
        r.mark_override(o.value, o.text);
        return;
    }

    if ((section == "allocators" || section == "dma") && selector && parts.size() == 2) {
        const std::vector<std::string>& keys = section == "allocators" ? ALLOCATOR_KEYS : DMA_KEYS;
        if (std::find(keys.begin(), keys.end(), parts[1]) == keys.end())
            unknown_setting(o, suggestion(parts[1], keys) + "; the keys of " + section + " are " + join(keys));
        const YAML::Node list = root[section];
        if (list.IsDefined() && !list.IsNull() && !list.IsSequence()) return;
        YAML::Node item = select_item(o, list.IsSequence() ? list : YAML::Node(YAML::NodeType::Sequence), *selector, section == "allocators" ? "allocator" : "DMA stream");
        if (!item.IsMap()) return;
        item[parts[1]] = o.value;
        r.mark_override(o.value, o.text);
        return;
    }

    if (section == "steps" && selector && (parts.size() == 3 || parts.size() == 4)) {
        const std::optional<StepKind> kind = parse_enum(STEP_KIND_NAMES, parts[1]);
        if (!kind) unknown_setting(o, "; " + parts[1] + " is not a step kind" + suggestion(parts[1], step_kind_names()));
        const std::vector<std::string>& keys = step_keys(*kind);
        if (std::find(keys.begin(), keys.end(), parts[2]) == keys.end())
            unknown_setting(o, suggestion(parts[2], keys) + "; the keys of step " + parts[1] + " are " + (keys.empty() ? std::string("none") : join(keys)));
        const std::vector<std::string>* sub = nested_keys(*kind, parts[2]);
        if (parts.size() == 4 && (!sub || std::find(sub->begin(), sub->end(), parts[3]) == sub->end()))
            unknown_setting(o, sub ? suggestion(parts[3], *sub) + "; the keys of " + parts[2] + " are " + join(*sub) : "; " + parts[2] + " has no keys of its own");
        const YAML::Node list = root["steps"];
        if (!list.IsSequence()) return;
        const std::optional<uint64_t> index = cfg::parse_unsigned(*selector);
        if (!index || *index >= list.size())
            throw ConfigError(o.origin, 0, 0, o.path + ": no such step; expected an index from 0 to " + std::to_string(list.size() - 1) + " into the top-level steps, got " + *selector);
        YAML::Node item = list[static_cast<size_t>(*index)];
        if (!item.IsMap() || item.size() != 1) return;
        const std::string actual = item.begin()->first.Scalar();
        if (actual != parts[1])
            throw ConfigError(o.origin, 0, 0, o.path + ": steps[" + *selector + "] is a step of kind " + actual + " (line " + std::to_string(line_of(item.begin()->first)) + "), not " + parts[1]);
        YAML::Node args = item.begin()->second;
        if (args.IsNull()) {
            item[actual] = YAML::Node(YAML::NodeType::Map);
            args = item[actual];
        }
        if (!args.IsMap()) return;
        if (parts.size() == 4) {
            YAML::Node inner = args[parts[2]];
            if (!inner.IsDefined() || inner.IsNull()) {
                args[parts[2]] = YAML::Node(YAML::NodeType::Map);
                inner = args[parts[2]];
            }
            if (!inner.IsMap()) return;
            inner[parts[3]] = o.value;
        } else {
            for (const std::string& form : other_forms(*kind, parts[2])) args.remove(form);
            args[parts[2]] = o.value;
        }
        r.mark_override(o.value, o.text);
        return;
    }
    unknown_setting(o);
}

Scenario parse(const std::string& yaml_text, const std::string& file_name,
               const std::vector<std::string>& overrides) {
    Reader r(file_name, "; repeat a sequence of steps with repeat: instead");
    YAML::Node root = cfg::load_document(yaml_text, file_name);
    Scenario out;
    out.file = file_name;
    try {
        std::vector<std::string> platform_overrides;
        for (const std::string& text : overrides) {
            const cfg::Override o = cfg::parse_override(text);
            if (o.path.rfind("platform.", 0) == 0)
                platform_overrides.push_back(text.substr(std::string("platform.").size()));
            else
                apply_override(r, root, o);
        }
        Parser(r, out).scenario(root, platform_overrides);
    } catch (const YAML::Exception& e) {
        // Every node access above is type-checked first; this is the net under a yaml-cpp
        // surprise, so it still ends as a ConfigError with a position, never an abort.
        cfg::rethrow_as_config_error(e, file_name, "scenario");
    }
    return out;
}

} // namespace

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
    return parse(cfg::read_file(path), path, overrides);
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name,
                        const std::vector<std::string>& overrides) {
    return parse(yaml_text, file_name, overrides);
}

} // namespace emsim
