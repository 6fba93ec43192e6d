#include "sim/platform_config.h"

#include "models/arbiter_policy.h"
#include "models/power_state.h"
#include "models/units.h"
#include "sim/config_error.h"
#include "sim/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>
#include <variant>

namespace emsim {
namespace {

using cfg::child;
using cfg::Entry;
using cfg::find;
using cfg::hex;
using cfg::join;
using cfg::line_of;
using cfg::NAME_EXPECTED;
using cfg::Reader;
using cfg::suggestion;

// Two layers, as STYLE §5 asks: the file layer (Entry, Given, BankFile) holds what was written
// and where, with absent keys simply absent; resolve_bank() and build() turn it into the
// resolved structs of the header, taking defaults from SramBankParams and converting units once.

// ---- Bank keys, declared once -------------------------------------------------------------
// Parsing, the allowed-key lists, bank_defaults inheritance, the "one form per map" rule and the
// per-KiB conversion all walk this table. Keys that share a target member are two forms of one
// value (size_bytes / size_kib, leakage_x_uw / leakage_x_uw_per_kib).

enum class Kind {
    Bytes,          ///< integer 1 .. 2^32, bytes
    Kib,            ///< integer 1 .. 2^22, KiB, stored x 1024
    WordBytes,      ///< power of two, bytes
    Cycles,         ///< integer >= 0
    PositiveCycles, ///< integer >= 1
    Flag,           ///< true | false
    State,          ///< POWER_STATE_NAMES
    Energy,         ///< number >= 0, pJ
    Power,          ///< number >= 0, uW for the bank
    PowerPerKib,    ///< number >= 0, uW per KiB, stored x size_bytes / 1024
    Seed,           ///< integer >= 0
};

using P = SramBankParams;

struct BankKey {
    const char* key;
    Kind kind;
    uint64_t P::*u64 = nullptr;
    uint32_t P::*u32 = nullptr;
    double P::*real = nullptr;
    bool P::*flag = nullptr;
    PowerState P::*state = nullptr;

    bool same_target(const BankKey& other) const {
        return u64 == other.u64 && u32 == other.u32 && real == other.real &&
               flag == other.flag && state == other.state;
    }
};

BankKey u64_key(const char* key, Kind kind, uint64_t P::*m) { return {key, kind, m}; }
BankKey u32_key(const char* key, Kind kind, uint32_t P::*m) { return {key, kind, {}, m}; }
BankKey real_key(const char* key, Kind kind, double P::*m) { return {key, kind, {}, {}, m}; }
BankKey flag_key(const char* key, bool P::*m) { return {key, Kind::Flag, {}, {}, {}, m}; }
BankKey state_key(const char* key, PowerState P::*m) {
    return {key, Kind::State, {}, {}, {}, {}, m};
}

// size_bytes comes first: the per-KiB conversion needs the resolved size.
const BankKey BANK_KEYS[] = {
    u64_key("size_bytes", Kind::Bytes, &P::size_bytes),
    u64_key("size_kib", Kind::Kib, &P::size_bytes),
    u32_key("word_bytes", Kind::WordBytes, &P::word_bytes),
    u64_key("read_cycles", Kind::PositiveCycles, &P::read_cycles),
    u64_key("write_cycles", Kind::PositiveCycles, &P::write_cycles),
    flag_key("pipelined", &P::pipelined),
    state_key("initial_state", &P::initial_state),
    u64_key("standby_wake_cycles", Kind::Cycles, &P::standby_wake_cycles),
    u64_key("enter_low_power_cycles", Kind::Cycles, &P::enter_low_power_cycles),
    u64_key("retention_wake_cycles", Kind::Cycles, &P::retention_wake_cycles),
    u64_key("off_wake_cycles", Kind::Cycles, &P::off_wake_cycles),
    real_key("read_energy_pj", Kind::Energy, &P::read_energy_pj),
    real_key("write_energy_pj", Kind::Energy, &P::write_energy_pj),
    real_key("leakage_active_uw", Kind::Power, &P::leakage_active_uw),
    real_key("leakage_active_uw_per_kib", Kind::PowerPerKib, &P::leakage_active_uw),
    real_key("leakage_standby_uw", Kind::Power, &P::leakage_standby_uw),
    real_key("leakage_standby_uw_per_kib", Kind::PowerPerKib, &P::leakage_standby_uw),
    real_key("leakage_retention_uw", Kind::Power, &P::leakage_retention_uw),
    real_key("leakage_retention_uw_per_kib", Kind::PowerPerKib, &P::leakage_retention_uw),
    real_key("leakage_off_uw", Kind::Power, &P::leakage_off_uw),
    real_key("leakage_off_uw_per_kib", Kind::PowerPerKib, &P::leakage_off_uw),
    real_key("enter_low_power_energy_pj", Kind::Energy, &P::enter_low_power_energy_pj),
    real_key("standby_wake_energy_pj", Kind::Energy, &P::standby_wake_energy_pj),
    real_key("retention_wake_energy_pj", Kind::Energy, &P::retention_wake_energy_pj),
    real_key("off_wake_energy_pj", Kind::Energy, &P::off_wake_energy_pj),
    u64_key("garbage_seed", Kind::Seed, &P::garbage_seed),
};

const BankKey* find_bank_key(const std::string& key) {
    for (const BankKey& k : BANK_KEYS)
        if (key == k.key) return &k;
    return nullptr;
}

// `cpu` is last so the key list in messages keeps the order the other sections were added in.
const std::vector<std::string> TOP_KEYS = {"name",          "clock", "interconnect", "simulation",
                                           "bank_defaults", "banks", "cpu",
                                           "power_regions", "power_controller", "mpu"};
const std::vector<std::string> CLOCK_KEYS = {"frequency_mhz", "frequency_hz"};
const std::vector<std::string> INTERCONNECT_KEYS = {"arbitration", "hop_cycles"};
const std::vector<std::string> SIMULATION_KEYS = {"quantum_cycles"};
const std::vector<std::string> CPU_KEYS = {"op_base_cycles", "per_step_cycles"};

std::vector<std::string> bank_keys(bool with_identity) {
    std::vector<std::string> keys;
    if (with_identity) keys = {"name", "base"};
    for (const BankKey& k : BANK_KEYS) keys.emplace_back(k.key);
    return keys;
}

/// What each kind expects, for messages.
std::string expectation(Kind kind) {
    switch (kind) {
    case Kind::Bytes: return "a whole number of bytes from 1 to 2^32";
    case Kind::Kib: return "a whole number of KiB from 1 to 4194304 (2^32 bytes)";
    case Kind::WordBytes: return "a power of two number of bytes";
    case Kind::Cycles: return "a whole number of cycles from 0 to 10^9";
    case Kind::PositiveCycles: return "a whole number of cycles from 1 to 10^9";
    case Kind::Flag: return "true or false";
    case Kind::State: return "one of " + enum_choices(POWER_STATE_NAMES);
    case Kind::Energy: return "a number of pJ >= 0";
    case Kind::Power: return "a number of uW >= 0";
    case Kind::PowerPerKib: return "a number of uW per KiB >= 0";
    case Kind::Seed: return "a whole number >= 0";
    }
    return "?";
}

const char* const ADDRESS_EXPECTED = "an address (an integer below 2^32, e.g. 0x20000000)";

/// "80" or "2.097152" MHz -> exact Hz; at most 6 decimals, so the result is a whole number.
std::optional<uint64_t> parse_mhz(const std::string& text) {
    size_t dot = text.find('.');
    std::string whole = text.substr(0, dot);
    std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
    if (whole.empty() || fraction.size() > 6) return std::nullopt;
    for (char c : whole + fraction)
        if (c < '0' || c > '9') return std::nullopt;
    if (whole.size() > 7) return std::nullopt; // > 10 THz: out of range anyway, and no overflow
    fraction.resize(6, '0');
    return std::stoull(whole) * 1000000ULL + std::stoull(fraction);
}

// ---- The file layer ------------------------------------------------------------------------

/// A typed bank value and where it came from.
struct Given {
    const BankKey* desc;
    Entry entry;
    std::variant<uint64_t, double, bool, PowerState> value;
};

/// One `banks:` entry or the `bank_defaults:` map, as written.
struct BankFile {
    std::string path;
    YAML::Node node;
    std::optional<Entry> name;
    std::optional<Entry> base;
    std::vector<Given> values;

    const Given* find(const BankKey& target) const {
        for (const Given& g : values)
            if (g.desc->same_target(target)) return &g;
        return nullptr;
    }
};

/// Reads nodes and reports errors; knows which values came from overrides.

/// A typed bank value from `e`.
Given given(const Reader& r, const BankKey& desc, const Entry& e) {
    const std::string want = expectation(desc.kind);
    switch (desc.kind) {
    case Kind::Bytes: return {&desc, e, r.unsigned_value(e, 1, ADDRESS_SPACE_END, want)};
    case Kind::Kib: return {&desc, e, r.unsigned_value(e, 1, ADDRESS_SPACE_END / KiB, want) * KiB};
    case Kind::WordBytes: {
        uint64_t v = r.unsigned_value(e, 1, 1ULL << 31, want);
        if ((v & (v - 1)) != 0) r.expected(e, want);
        return {&desc, e, v};
    }
    case Kind::Cycles: return {&desc, e, r.unsigned_value(e, 0, MAX_LATENCY_CYCLES, want)};
    case Kind::PositiveCycles: return {&desc, e, r.unsigned_value(e, 1, MAX_LATENCY_CYCLES, want)};
    case Kind::Seed:
        return {&desc, e, r.unsigned_value(e, 0, std::numeric_limits<uint64_t>::max(), want)};
    case Kind::Flag: return {&desc, e, r.flag_value(e)};
    case Kind::State: return {&desc, e, r.enum_value(e, POWER_STATE_NAMES)};
    case Kind::Energy:
    case Kind::Power:
    case Kind::PowerPerKib: return {&desc, e, r.real_value(e, want)};
    }
    r.expected(e, want);
}

/// Reads a bank entry (`with_identity`: name and base allowed) or bank_defaults.
BankFile bank_file(const Reader& r, const YAML::Node& node, const std::string& path,
                   bool with_identity) {
    BankFile bank{path, node, std::nullopt, std::nullopt, {}};
    for (const Entry& e : r.entries(node, path, bank_keys(with_identity))) {
        if (e.key == "name") {
            bank.name = e;
            continue;
        }
        if (e.key == "base") {
            bank.base = e;
            continue;
        }
        const BankKey& desc = *find_bank_key(e.key);
        if (const Given* other = bank.find(desc))
            r.fail(e.key_node, e.value, e.path, std::string("expected one of ") + other->desc->key + " and " + desc.key + ", got both (" + other->desc->key + " at line " + std::to_string(line_of(other->entry.key_node)) + ")");
        bank.values.push_back(given(r, desc, e));
    }
    return bank;
}

// ---- Resolution ----------------------------------------------------------------------------

/// Applies one resolved value to `params`; `size_bytes` must already be resolved for per-KiB.
void apply(const Given& g, SramBankParams& params) {
    const BankKey& k = *g.desc;
    switch (k.kind) {
    case Kind::Bytes:
    case Kind::Kib:
    case Kind::Cycles:
    case Kind::PositiveCycles:
    case Kind::Seed: params.*k.u64 = std::get<uint64_t>(g.value); break;
    case Kind::WordBytes: params.*k.u32 = static_cast<uint32_t>(std::get<uint64_t>(g.value)); break;
    case Kind::Flag: params.*k.flag = std::get<bool>(g.value); break;
    case Kind::State: params.*k.state = std::get<PowerState>(g.value); break;
    case Kind::Energy:
    case Kind::Power: params.*k.real = std::get<double>(g.value); break;
    case Kind::PowerPerKib:
        params.*k.real = std::get<double>(g.value) * static_cast<double>(params.size_bytes) /
                         static_cast<double>(KiB);
        break;
    }
}

BankConfig resolve_bank(const Reader& r, const BankFile& bank, const BankFile* defaults) {
    BankConfig out;
    out.line = line_of(bank.node);
    if (!bank.name) r.fail(bank.node, YAML::Node(), child(bank.path, "name"), std::string("expected ") + NAME_EXPECTED + ", got nothing (the key is missing)");
    out.name = r.text_value(*bank.name, NAME_EXPECTED);
    if (!cfg::is_identifier(out.name)) r.expected(*bank.name, NAME_EXPECTED);
    if (!bank.base) r.fail(bank.node, YAML::Node(), child(bank.path, "base"), std::string("expected ") + ADDRESS_EXPECTED + ", got nothing (the key is missing)");
    out.base = r.unsigned_value(*bank.base, 0, ADDRESS_SPACE_END - 1, ADDRESS_EXPECTED);

    // Each value from the bank, else from bank_defaults, else SramBankParams' default. A bank
    // that gives one form of a pair overrides both forms in bank_defaults.
    const Given* size = nullptr;
    const Given* word = nullptr;
    for (size_t i = 0; i < std::size(BANK_KEYS); ++i) {
        const BankKey& k = BANK_KEYS[i];
        bool seen = false;
        for (size_t j = 0; j < i; ++j) seen = seen || BANK_KEYS[j].same_target(k);
        if (seen) continue;
        const Given* g = bank.find(k);
        if (!g && defaults) g = defaults->find(k);
        if (k.u64 == &P::size_bytes) size = g;
        if (k.u32 == &P::word_bytes) word = g;
        if (k.u64 == &P::size_bytes && !g) r.fail(bank.node, YAML::Node(), child(bank.path, "size_bytes"), "expected " + expectation(Kind::Bytes) + ", got nothing (neither size_bytes nor size_kib is given, here or in bank_defaults)");
        if (g) apply(*g, out.params);
    }

    const SramBankParams& p = out.params;
    if (p.size_bytes % p.word_bytes != 0) {
        const bool word_inherited = word && word->entry.path != child(bank.path, "word_bytes");
        const std::string word_from = word_inherited ? " from " + word->entry.path : "";
        r.fail(size->entry.key_node, size->entry.value, size->entry.path, "expected a multiple of word_bytes (" + std::to_string(p.word_bytes) + word_from + "), got " + std::to_string(p.size_bytes) + " bytes");
    }
    const Entry& base = *bank.base;
    if (out.base % p.word_bytes != 0)
        r.fail(base.key_node, base.value, base.path, "expected a multiple of word_bytes (" + std::to_string(p.word_bytes) + "), got " + hex(out.base));
    if (out.base + p.size_bytes > ADDRESS_SPACE_END)
        r.fail(base.key_node, base.value, base.path, "expected the window to end at or below 2^32 (0x100000000), got [" + hex(out.base) + ", " + hex(out.base + p.size_bytes) + ") of " + std::to_string(p.size_bytes) + " bytes");
    return out;
}

uint64_t clock_hz(const Reader& r, const YAML::Node& node) {
    const std::vector<Entry> clock = r.entries(node, "clock", CLOCK_KEYS);
    const Entry* mhz = find(clock, "frequency_mhz");
    const Entry* hz = find(clock, "frequency_hz");
    if (!mhz && !hz) r.fail(node, YAML::Node(), "clock.frequency_mhz", "expected a frequency, got nothing (neither frequency_mhz nor frequency_hz is given)");
    if (mhz && hz) {
        const Entry& later = line_of(mhz->key_node) > line_of(hz->key_node) ? *mhz : *hz;
        r.fail(later.key_node, later.value, later.path, "expected one of frequency_mhz and frequency_hz, got both");
    }
    if (hz) return r.unsigned_value(*hz, 1, MAX_CLOCK_FREQUENCY_HZ, "a whole number of Hz from 1 to 10^12 (1 THz)");
    const std::string want = "a number of MHz above 0 and at most 10^6 (1 THz), with at most 6 decimals";
    std::optional<uint64_t> v;
    if (mhz->value.IsScalar() && !cfg::is_quoted(mhz->value)) v = parse_mhz(mhz->value.Scalar());
    if (!v || *v == 0 || *v > MAX_CLOCK_FREQUENCY_HZ) r.expected(*mhz, want);
    return *v;
}

PlatformConfig build(const Reader& r, const YAML::Node& root) {
    PlatformConfig out;
    out.file = r.file();
    if (!root.IsDefined() || root.IsNull())
        r.fail(root, YAML::Node(), "", "expected a platform map with keys " + join(TOP_KEYS) + ", got an empty document");
    const std::vector<Entry> top = r.entries(root, "", TOP_KEYS);
    for (const char* required : {"name", "clock", "banks"})
        if (!find(top, required)) r.fail(root, YAML::Node(), required, "expected a top-level key (a platform needs name, clock and banks), got nothing (the key is missing)");

    out.name = r.text_value(*find(top, "name"), "a platform name");
    out.clock_frequency_hz = clock_hz(r, find(top, "clock")->value);
    out.clock = Clock::from_frequency_hz(out.clock_frequency_hz);

    if (const Entry* section = find(top, "interconnect")) {
        for (const Entry& e : r.entries(section->value, section->path, INTERCONNECT_KEYS)) {
            if (e.key == "arbitration")
                out.interconnect.arbitration = r.enum_value(e, ARBITER_KIND_NAMES);
            if (e.key == "hop_cycles")
                out.interconnect.hop_cycles =
                    r.unsigned_value(e, 0, MAX_LATENCY_CYCLES, expectation(Kind::Cycles));
        }
    }
    if (const Entry* section = find(top, "simulation")) {
        for (const Entry& e : r.entries(section->value, section->path, SIMULATION_KEYS))
            out.quantum_cycles =
                r.unsigned_value(e, 1, MAX_LATENCY_CYCLES, expectation(Kind::PositiveCycles));
    }
    if (const Entry* section = find(top, "cpu")) {
        for (const Entry& e : r.entries(section->value, section->path, CPU_KEYS)) {
            const Cycles v = r.unsigned_value(e, 0, MAX_LATENCY_CYCLES, expectation(Kind::Cycles));
            (e.key == "op_base_cycles" ? out.cpu.op_base_cycles : out.cpu.per_step_cycles) = v;
        }
    }

    if (const Entry* section = find(top, "mpu")) out.mpu = parse_mpu_section(r, *section);

    std::optional<BankFile> defaults;
    if (const Entry* section = find(top, "bank_defaults"))
        defaults = bank_file(r, section->value, section->path, false);

    const Entry& banks = *find(top, "banks");
    if (!banks.value.IsSequence() || banks.value.size() == 0)
        r.fail(banks.key_node, banks.value, banks.path, "expected a list of at least one bank, got " + (banks.value.IsSequence() ? std::string("an empty list") : cfg::describe(banks.value)));

    std::vector<BankFile> files;
    files.reserve(banks.value.size());
    for (size_t i = 0; i < banks.value.size(); ++i)
        files.push_back(bank_file(r, banks.value[i], "banks[" + std::to_string(i) + "]", true));
    for (const BankFile& file : files) {
        BankConfig bank = resolve_bank(r, file, defaults ? &*defaults : nullptr);
        for (size_t j = 0; j < out.banks.size(); ++j) {
            const BankConfig& other = out.banks[j];
            if (other.name == bank.name)
                r.fail(file.name->key_node, file.name->value, file.name->path, "expected a unique bank name, got \"" + bank.name + "\" again (first at " + files[j].path + ", line " + std::to_string(other.line) + ")");
            uint64_t end = bank.base + bank.params.size_bytes;
            uint64_t other_end = other.base + other.params.size_bytes;
            if (bank.base < other_end && other.base < end)
                r.fail(file.base->key_node, file.base->value, file.base->path, "expected a window that overlaps no other bank, got bank \"" + bank.name + "\" [" + hex(bank.base) + ", " + hex(end) + ") overlapping bank \"" + other.name + "\" [" + hex(other.base) + ", " + hex(other_end) + ") (" + files[j].path + ", line " + std::to_string(other.line) + ")");
        }
        out.banks.push_back(std::move(bank));
    }
    read_power_sections(r, find(top, "power_regions"), find(top, "power_controller"), root,
                        out.banks, out.power_regions, out.power_controller);
    return out;
}

// ---- Overrides -----------------------------------------------------------------------------

/// Applies one `key.path=value` to the document. A section that exists but is not a map is left
/// alone: validation then reports the file's own error at its line.
void apply_override(Reader& r, YAML::Node& root, const std::string& text) {
    const cfg::Override o = cfg::parse_override(text);
    const std::string& origin = o.origin;
    const std::string& path = o.path;
    const YAML::Node& value = o.value;

    // Split "section[selector].key" into its parts.
    const size_t dot = path.find('.');
    std::string section = path.substr(0, dot);
    const std::string key = dot == std::string::npos ? "" : path.substr(dot + 1);
    std::string selector;
    bool has_selector = false;
    if (const size_t open = section.find('['); open != std::string::npos) {
        if (section.back() != ']')
            throw ConfigError(origin, 0, 0, path + ": unknown setting; expected banks[<index or name>].<key>");
        selector = section.substr(open + 1, section.size() - open - 2);
        section = section.substr(0, open);
        has_selector = true;
    }

    std::vector<std::string> allowed;
    if (section == "clock") allowed = CLOCK_KEYS;
    else if (section == "interconnect") allowed = INTERCONNECT_KEYS;
    else if (section == "simulation") allowed = SIMULATION_KEYS;
    else if (section == "cpu") allowed = CPU_KEYS;
    else if (section == "mpu") allowed = mpu_section_keys();
    else if (section == "bank_defaults") allowed = bank_keys(false);
    else if (section == "banks") allowed = bank_keys(true);
    else if (section == "power_controller") allowed = POWER_CONTROLLER_KEYS;
    else if (section == "power_regions") allowed = POWER_REGION_KEYS;
    const bool listed = section == "banks" || section == "power_regions";
    const bool is_name = section == "name" && dot == std::string::npos && !has_selector;
    const bool bad_shape = listed != has_selector || dot == std::string::npos ||
                           key.find('.') != std::string::npos;
    const bool known_key = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    if (!is_name && (allowed.empty() || bad_shape || !known_key)) {
        const bool key_typo = !allowed.empty() && !bad_shape;
        const std::string keys = section + " are " + join(allowed);
        const std::string hint = key_typo ? suggestion(key, allowed) + "; the keys of " + keys : "";
        throw ConfigError(origin, 0, 0, path + ": unknown setting" + hint + "; settable paths are name, clock.<key>, interconnect.<key>, simulation.<key>, bank_defaults.<key>, banks[<index or name>].<key>, cpu.<key>, power_controller.<key>, power_regions[<index or name>].<key>, mpu.<key>");
    }
    if (!root.IsMap() && root.IsDefined() && !root.IsNull()) return;
    if (is_name) {
        root["name"] = value;
        r.mark_override(value, text);
        return;
    }

    YAML::Node map;
    if (listed) {
        YAML::Node banks = root[section];
        if (section == "power_regions" && (!banks.IsDefined() || banks.IsNull()))
            throw ConfigError(origin, 0, 0, path + ": no such power region; the platform has no power_regions (each bank is a region of its own, which overrides cannot change: write power_regions in the file)");
        if (!banks.IsSequence()) return;
        std::optional<uint64_t> index = cfg::parse_unsigned(selector);
        std::vector<std::string> names;
        for (size_t i = 0; i < banks.size(); ++i) {
            const YAML::Node name = banks[i].IsMap() ? banks[i]["name"] : YAML::Node();
            names.push_back(name.IsScalar() ? name.Scalar() : "?");
            if (!index && name.IsScalar() && name.Scalar() == selector) index = i;
        }
        if (!index || *index >= banks.size())
            throw ConfigError(origin, 0, 0, path + ": no such " + (section == "banks" ? "bank" : "power region") + "; expected an index from 0 to " + std::to_string(banks.size() - 1) + " or one of the names " + join(names) + ", got " + selector);
        map = banks[static_cast<size_t>(*index)];
    } else {
        map = root[section];
        if (!map.IsDefined() || map.IsNull()) {
            root[section] = YAML::Node(YAML::NodeType::Map);
            map = root[section];
        }
    }
    if (!map.IsMap()) return;

    // Setting one form of a pair removes the other form from the same map.
    std::vector<std::string> other_forms;
    if (section == "clock") other_forms = CLOCK_KEYS;
    if (const BankKey* desc = find_bank_key(key))
        for (const BankKey& k : BANK_KEYS)
            if (k.same_target(*desc)) other_forms.emplace_back(k.key);
    for (const std::string& form : other_forms)
        if (form != key) map.remove(form);
    map[key] = value;
    r.mark_override(value, text);
}

PlatformConfig parse(const std::string& yaml_text, const std::string& file_name,
                     const std::vector<std::string>& overrides) {
    Reader r(file_name, "; put shared bank values in bank_defaults");
    YAML::Node root = cfg::load_document(yaml_text, file_name);
    try {
        for (const std::string& text : overrides) apply_override(r, root, text);
        return build(r, root);
    } catch (const YAML::Exception& e) {
        // Every node access above is type-checked first; this is the net under a yaml-cpp
        // surprise, so it still ends as a ConfigError with a position, never an abort.
        cfg::rethrow_as_config_error(e, file_name, "platform");
    }
}

} // namespace

PlatformConfig load_platform(const std::string& path) { return load_platform(path, {}); }

PlatformConfig parse_platform(const std::string& yaml_text, const std::string& file_name) {
    return parse(yaml_text, file_name, {});
}

PlatformConfig load_platform(const std::string& path, const std::vector<std::string>& overrides) {
    return parse(cfg::read_file(path), path, overrides);
}

PlatformConfig parse_platform(const std::string& yaml_text, const std::string& file_name,
                              const std::vector<std::string>& overrides) {
    return parse(yaml_text, file_name, overrides);
}

} // namespace emsim
