#include "sim/mpu_steps.h"

#include "models/mpu.h"

#include <algorithm>
#include <limits>

namespace emsim {

namespace {

using cfg::Entry;

const std::string PREFIX = "MPU_";

std::string without_prefix(const std::string& name) {
    return name.rfind(PREFIX, 0) == 0 ? name.substr(PREFIX.size()) : name;
}

/// Every register of `flavour`, fault registers first, as (grammar name, address).
std::vector<std::pair<std::string, uint32_t>> registers_of(MpuFlavour flavour) {
    std::vector<std::pair<std::string, uint32_t>> out;
    for (const MpuRegDesc& reg : MPU_FAULT_REGS) out.emplace_back(reg.name, reg.address);
    size_t count = 0;
    const MpuRegDesc* table = Mpu::registers(flavour, count);
    for (size_t i = 0; i < count; ++i) out.emplace_back(without_prefix(table[i].name), table[i].address);
    return out;
}

const Entry* get(const std::vector<Entry>& args, const char* key) { return cfg::find(args, key); }

const Entry& need(const cfg::Reader& r, const Entry& kind, const std::vector<Entry>& args,
                  const char* key, const std::string& expectation) {
    const Entry* e = get(args, key);
    if (!e) r.missing(kind.key_node, cfg::child(kind.path, key), expectation);
    return *e;
}

const char* const WORD = "an integer from 0 to 0xFFFFFFFF";
const char* const ADDRESS = "an address (an integer below 2^32, e.g. 0xE000ED9C)";

/// reg: NAME or address: A, exactly one; the word's address.
uint32_t register_address(const cfg::Reader& r, const PlatformConfig& platform, const Entry& kind,
                          const std::vector<Entry>& args) {
    const Entry* reg = get(args, "reg");
    const Entry* address = get(args, "address");
    if (reg && address) {
        const Entry& later = cfg::line_of(reg->key_node) > cfg::line_of(address->key_node) ||
                                     (cfg::line_of(reg->key_node) == cfg::line_of(address->key_node) &&
                                      reg->key_node.Mark().column > address->key_node.Mark().column)
                                 ? *reg
                                 : *address;
        r.fail(later.key_node, later.value, later.path, "expected one of reg and address, got both");
    }
    if (!reg && !address) r.missing(kind.key_node, cfg::child(kind.path, "reg"), "an MPU register name (or an address)");
    if (!platform.mpu)
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected a platform with an mpu: section (" + kind.key + " programs the MPU), got platform " + platform.name + " without one");
    if (address) return static_cast<uint32_t>(r.unsigned_value(*address, 0, ADDRESS_SPACE_END - 1, ADDRESS));
    const MpuFlavour flavour = platform.mpu->params.flavour;
    const auto regs = registers_of(flavour);
    std::vector<std::string> names;
    for (const auto& [name, at] : regs) names.push_back(name);
    const std::string want = std::string("a register of ") + enum_name(MPU_FLAVOUR_NAMES, flavour) + " (" + cfg::join(names) + "), with or without the MPU_ prefix";
    const std::string given = without_prefix(r.text_value(*reg, want));
    for (const auto& [name, at] : regs)
        if (name == given) return at;
    r.fail(reg->key_node, reg->value, reg->path, "expected " + want + ", got " + cfg::describe(reg->value) + cfg::suggestion(given, names));
}

} // namespace

const std::vector<std::string>* mpu_step_keys(StepKind kind) {
    static const std::vector<std::string> WRITE = {"reg", "address", "value"};
    static const std::vector<std::string> READ = {"reg", "address", "expect"};
    static const std::vector<std::string> ACCESS = {"addr", "size", "kind", "privileged"};
    switch (kind) {
    case StepKind::MpuWrite: return &WRITE;
    case StepKind::MpuRead: return &READ;
    case StepKind::Access: return &ACCESS;
    default: return nullptr;
    }
}

std::vector<std::string> mpu_step_other_forms(StepKind kind, const std::string& key) {
    if ((kind == StepKind::MpuWrite || kind == StepKind::MpuRead) && (key == "reg" || key == "address"))
        return {key == "reg" ? "address" : "reg"};
    return {};
}

void parse_mpu_step(const cfg::Reader& r, const PlatformConfig& platform, const Entry& kind,
                    const std::vector<Entry>& args, Step& st) {
    constexpr uint64_t U32 = std::numeric_limits<uint32_t>::max();
    switch (st.kind) {
    case StepKind::MpuWrite:
        st.register_address = register_address(r, platform, kind, args);
        st.value = static_cast<uint32_t>(r.unsigned_value(need(r, kind, args, "value", WORD), 0, U32, WORD));
        break;
    case StepKind::MpuRead:
        st.register_address = register_address(r, platform, kind, args);
        if (const Entry* e = get(args, "expect")) st.expect_value = static_cast<uint32_t>(r.unsigned_value(*e, 0, U32, WORD));
        break;
    case StepKind::Access: {
        const Entry& addr = need(r, kind, args, "addr", "an address (an integer below 2^32, e.g. 0x20000000)");
        st.address = r.unsigned_value(addr, 0, ADDRESS_SPACE_END - 1, "an address (an integer below 2^32, e.g. 0x20000000)");
        st.bytes = 4;
        if (const Entry* e = get(args, "size"))
            st.bytes = r.unsigned_value(*e, 1, MAX_ACCESS_BYTES, "a whole number of bytes from 1 to 65536 (1, 2 or 4: one access; more: one burst)");
        if (*st.address + *st.bytes > ADDRESS_SPACE_END)
            r.fail(addr.key_node, addr.value, addr.path, "expected an access that ends at or below 2^32, got " + cfg::hex(*st.address) + " + " + std::to_string(*st.bytes) + " bytes");
        if (const Entry* e = get(args, "kind")) st.access_kind = r.enum_value(*e, ACCESS_KIND_NAMES);
        if (const Entry* e = get(args, "privileged")) st.privileged = r.flag_value(*e);
        break;
    }
    default: break;
    }
}

std::string mpu_register_name(MpuFlavour flavour, uint32_t address) {
    for (const auto& [name, at] : registers_of(flavour))
        if (at == address) return name;
    return "";
}

} // namespace emsim
