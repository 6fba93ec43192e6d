#include "sim/mpu_steps.h"

#include "models/mpu.h"

#include <algorithm>
#include <iterator>
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
    static const std::vector<std::string> DOMAIN = {"name", "security_level"};
    static const std::vector<std::string> PARTITION = {"name", "start", "bank", "offset", "size",
                                                       "rights", "owner", "quota", "priority"};
    static const std::vector<std::string> ISOLATED = {"domain", "size", "isolation", "peers", "as"};
    static const std::vector<std::string> SWITCH = {"to"};
    static const std::vector<std::string> AS_DOMAIN = {"domain", "steps"};
    static const std::vector<std::string> SUBMIT = {"partition", "size", "domain", "as"};
    static const std::vector<std::string> SERVE = {"count"};
    switch (kind) {
    case StepKind::MpuWrite: return &WRITE;
    case StepKind::MpuRead: return &READ;
    case StepKind::Access: return &ACCESS;
    case StepKind::Domain: return &DOMAIN;
    case StepKind::Partition: return &PARTITION;
    case StepKind::AllocateIsolated: return &ISOLATED;
    case StepKind::SwitchDomain: return &SWITCH;
    case StepKind::AsDomain: return &AS_DOMAIN;
    case StepKind::Submit: return &SUBMIT;
    case StepKind::Serve: return &SERVE;
    default: return nullptr;
    }
}

std::vector<std::string> mpu_step_other_forms(StepKind kind, const std::string& key) {
    if ((kind == StepKind::MpuWrite || kind == StepKind::MpuRead) && (key == "reg" || key == "address"))
        return {key == "reg" ? "address" : "reg"};
    if (kind == StepKind::Partition && (key == "start" || key == "bank"))
        return {key == "start" ? "bank" : "start"};
    return {};
}

void MpuStepParser::parse(const Entry& kind, const std::vector<Entry>& args, Step& st,
                          const StepsReader& nested) {
    constexpr uint64_t U32 = std::numeric_limits<uint32_t>::max();
    const PlatformConfig& platform = s.platform;
    m_served.clear();
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
    case StepKind::Domain: domain(kind, args, st); break;
    case StepKind::Partition: partition(kind, args, st); break;
    case StepKind::AllocateIsolated: allocate_isolated(kind, args, st); break;
    case StepKind::SwitchDomain:
        need_mpu(kind);
        st.domain = domain_name(need(r, kind, args, "to", "a domain name or kernel"), true);
        break;
    case StepKind::AsDomain: as_domain(kind, args, st, nested); break;
    case StepKind::Submit: submit(kind, args, st); break;
    case StepKind::Serve: serve(kind, args, st); break;
    default: break;
    }
}

// ---- Isolation ------------------------------------------------------------------------------

namespace {

const char* const KERNEL = "kernel";
constexpr uint64_t MAX_DOMAINS = 16; ///< EMSIM_RT_MAX_DOMAINS (runtime/config.h)
constexpr uint64_t GRANULE = 32;
constexpr uint64_t QUEUE_CAPACITY = 16; ///< EMSIM_RT_PARTITION_QUEUE (runtime/config.h)

const char* const LEVEL_NAMES[] = {"untrusted", "normal", "trusted"};
const char* const ISOLATION_NAMES[] = {"private", "shared_ro", "shared"};
const char* const RIGHTS_NAMES[] = {"read_write", "read_only"};

template <size_t N> uint8_t choice(const cfg::Reader& r, const Entry& e, const char* const (&names)[N]) {
    const std::vector<std::string> all(std::begin(names), std::end(names));
    std::string list;
    for (size_t i = 0; i < N; ++i) list += (i ? (i + 1 == N ? " or " : ", ") : "") + all[i];
    const std::string text = r.text_value(e, "one of " + list);
    for (size_t i = 0; i < N; ++i)
        if (text == all[i]) return static_cast<uint8_t>(i);
    r.fail(e.key_node, e.value, e.path, "expected one of " + list + ", got " + text + cfg::suggestion(text, all));
}

} // namespace

void MpuStepParser::need_mpu(const Entry& kind) const {
    if (!s.platform.mpu)
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected a platform with an mpu: section (" + kind.key + " uses the MPU), got platform " + s.platform.name + " without one");
}

void MpuStepParser::top_level_only(const Entry& kind) const {
    if (kind.path.find(".steps[") != std::string::npos)
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected " + kind.key + " at the top level of steps (it is created once), got it inside another step");
}

std::string MpuStepParser::domain_name(const Entry& e, bool kernel_allowed) const {
    const std::string want = std::string("a domain defined by an earlier domain step") + (kernel_allowed ? " or kernel" : "");
    const std::string name = r.text_value(e, want);
    if (kernel_allowed && name == KERNEL) return name;
    if (std::find(m_domains.begin(), m_domains.end(), name) == m_domains.end())
        r.fail(e.key_node, e.value, e.path, "expected " + want + " (" + (m_domains.empty() ? std::string("none is defined") : cfg::join(m_domains)) + "), got undefined domain '" + name + "'" + cfg::suggestion(name, m_domains));
    return name;
}

std::optional<uint16_t> MpuStepParser::domain_id(const std::string& name) const {
    const auto it = std::find(m_domains.begin(), m_domains.end(), name);
    if (it == m_domains.end()) return std::nullopt;
    return static_cast<uint16_t>(it - m_domains.begin() + 1);
}

const std::string* MpuStepParser::mpu_block(const std::string& name) const {
    const auto it = m_mpu_blocks.find(name);
    return it == m_mpu_blocks.end() ? nullptr : &it->second;
}

void MpuStepParser::domain(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    need_mpu(kind);
    top_level_only(kind);
    const Entry& name = need(r, kind, args, "name", cfg::NAME_EXPECTED);
    st.domain = r.name_value(name);
    if (st.domain == KERNEL) r.expected(name, "a domain name other than kernel (kernel names no domain)");
    if (domain_id(st.domain)) r.expected(name, "a name no other domain has");
    if (m_domains.size() >= MAX_DOMAINS)
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected at most 16 domains (EMSIM_RT_MAX_DOMAINS), got a 17th");
    if (const Entry* e = get(args, "security_level")) st.security_level = choice(r, *e, LEVEL_NAMES);
    m_domains.push_back(st.domain);
}

void MpuStepParser::partition(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    need_mpu(kind);
    top_level_only(kind);
    const Entry& name = need(r, kind, args, "name", cfg::NAME_EXPECTED);
    st.partition = r.name_value(name);
    if (std::find(m_partitions.begin(), m_partitions.end(), st.partition) != m_partitions.end())
        r.expected(name, "a name no other partition has");
    const Entry* start = get(args, "start");
    const Entry* bank = get(args, "bank");
    const Entry* offset = get(args, "offset");
    if (start && bank) r.fail(bank->key_node, bank->value, bank->path, "expected one of start and bank (+ offset), got both");
    if (!start && !bank) r.missing(kind.key_node, cfg::child(kind.path, "start"), "an address (or a bank and an offset)");
    if (offset && !bank) r.fail(offset->key_node, offset->value, offset->path, "expected offset only with bank, got it with start");
    const Entry& size = need(r, kind, args, "size", "a whole number of bytes, a multiple of 32");
    const std::string size_want = "a whole number of bytes from 32 to 2^32, a multiple of 32 (the MPU granule)";
    const uint64_t size_bytes = r.unsigned_value(size, GRANULE, ADDRESS_SPACE_END, size_want);
    if (size_bytes % GRANULE) r.expected(size, size_want);
    uint64_t base = 0;
    const Entry& where = start ? *start : offset ? *offset : *bank;
    if (start) {
        base = r.unsigned_value(*start, 0, ADDRESS_SPACE_END - 1, "an address (an integer below 2^32, e.g. 0x20000000)");
    } else {
        const std::string bank_name = r.text_value(*bank, "the name of a platform bank");
        const BankConfig* b = nullptr;
        std::vector<std::string> names;
        for (const BankConfig& c : s.platform.banks) {
            names.push_back(c.name);
            if (c.name == bank_name) b = &c;
        }
        if (!b) r.fail(bank->key_node, bank->value, bank->path, "expected one of the banks of platform " + s.platform.name + " (" + cfg::join(names) + "), got undefined bank '" + bank_name + "'" + cfg::suggestion(bank_name, names));
        base = b->base + (offset ? r.unsigned_value(*offset, 0, b->params.size_bytes - 1, "an offset inside bank " + b->name) : 0);
    }
    if (base % GRANULE) r.fail(where.key_node, where.value, where.path, "expected a start on a multiple of 32 bytes (the MPU granule), got " + cfg::hex(base));
    const uint64_t end = base + size_bytes;
    bool inside = false;
    for (const BankConfig& b : s.platform.banks) inside = inside || (base >= b.base && end <= b.base + b.params.size_bytes);
    if (!inside)
        r.fail(size.key_node, size.value, size.path, "expected a partition inside one bank, got [" + cfg::hex(base) + ", " + cfg::hex(end) + ")");
    for (const AllocatorSpec& a : s.allocators)
        if (base < a.base + a.size_bytes && a.base < end)
            r.fail(where.key_node, where.value, where.path, "expected a partition clear of the allocators, got [" + cfg::hex(base) + ", " + cfg::hex(end) + ") overlapping allocator \"" + a.name + "\" [" + cfg::hex(a.base) + ", " + cfg::hex(a.base + a.size_bytes) + ")");
    st.address = base;
    st.bytes = size_bytes;
    if (const Entry* e = get(args, "rights")) st.read_only = choice(r, *e, RIGHTS_NAMES) == 1;
    if (const Entry* e = get(args, "owner")) {
        st.domain = domain_name(*e, false);
        m_attached[st.domain] = st.partition;
    }
    if (const Entry* e = get(args, "quota")) st.quota_bytes = static_cast<uint32_t>(r.unsigned_value(*e, 1, std::numeric_limits<uint32_t>::max(), "a whole number of bytes from 1 to 2^32 - 1 (leave it out for no quota)"));
    if (const Entry* e = get(args, "priority")) st.priority = static_cast<uint8_t>(r.unsigned_value(*e, 0, 255, "a whole number from 0 to 255 (larger is served first)"));
    m_partitions.push_back(st.partition);
    m_priority[st.partition] = st.priority;
}

void MpuStepParser::allocate_isolated(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    need_mpu(kind);
    if (const Entry* e = get(args, "domain")) {
        st.domain = domain_name(*e, false);
        if (!m_acting.empty() && st.domain != m_acting)
            r.fail(e->key_node, e->value, e->path, "expected the domain this as_domain runs as (" + m_acting + "), got " + st.domain);
    } else if (!m_acting.empty()) {
        st.domain = m_acting;
    } else {
        r.missing(kind.key_node, cfg::child(kind.path, "domain"), "a domain defined by an earlier domain step");
    }
    const std::string want = "a whole number of bytes from 1 to 2^31";
    st.size_bytes = static_cast<uint32_t>(r.unsigned_value(need(r, kind, args, "size", want), 1, 1ULL << 31, want));
    if (const Entry* e = get(args, "isolation")) st.isolation = choice(r, *e, ISOLATION_NAMES);
    if (const Entry* e = get(args, "peers")) {
        if (!e->value.IsSequence()) r.expected(*e, "a list of domain names");
        for (size_t i = 0; i < e->value.size(); ++i) {
            const Entry item{"", e->path + "[" + std::to_string(i) + "]", e->value[i], e->value[i]};
            st.peers.push_back(domain_name(item, false));
        }
    }
    if (const Entry* e = get(args, "as")) {
        st.as = r.name_value(*e);
        const auto it = m_attached.find(st.domain);
        m_mpu_blocks[st.as] = it == m_attached.end() ? "" : it->second;
    }
}

void MpuStepParser::partition_alloc(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    partition_request(kind, args, st);
    if (const Entry* e = get(args, "as")) {
        st.as = r.name_value(*e);
        m_mpu_blocks[st.as] = st.partition;
    }
}

void MpuStepParser::submit(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    partition_request(kind, args, st);
    if (const Entry* e = get(args, "as")) st.as = r.name_value(*e);
    m_pending.push_back(Request{st.as, st.partition, cfg::line_of(kind.key_node)}); // bound when served
}

void MpuStepParser::refuse_pending(const Entry& block) const {
    const std::string name = r.name_value(block);
    for (const Request& q : m_pending)
        if (q.name == name && !m_mpu_blocks.count(name))
            r.fail(block.key_node, block.value, block.path, "expected a block bound by an earlier alloc with as: or a served request, got '" + name + "', a request to partition " + q.partition + " (submit at line " + std::to_string(q.line) + ") that no serve has served yet");
}

void MpuStepParser::serve(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    need_mpu(kind);
    if (m_partitions.empty())
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected serve after a partition step (it serves requests submitted to partitions), got it with no partition defined");
    if (const Entry* e = get(args, "count"))
        st.count = r.unsigned_value(*e, 1, QUEUE_CAPACITY, "a whole number of requests from 1 to 16 (the scheduler's queue, EMSIM_RT_PARTITION_QUEUE; leave it out to serve every pending request)");
    // The runtime's choice (partition_manager.h): highest priority, then the oldest submit.
    for (uint64_t n = 0; !m_pending.empty() && (st.count == 0 || n < st.count); ++n) {
        auto best = m_pending.begin();
        for (auto it = m_pending.begin(); it != m_pending.end(); ++it)
            if (m_priority[it->partition] > m_priority[best->partition]) best = it;
        if (!best->name.empty()) {
            m_mpu_blocks[best->name] = best->partition;
            m_served.push_back(best->name);
        }
        m_pending.erase(best);
    }
}

void MpuStepParser::partition_request(const Entry& kind, const std::vector<Entry>& args, Step& st) {
    const Entry* partition = get(args, "partition");
    if (!partition) r.missing(kind.key_node, cfg::child(kind.path, "partition"), "a partition defined by an earlier partition step (domain: names a partition's requester)");
    if (!s.platform.mpu)
        r.fail(partition->key_node, partition->value, partition->path, "expected a platform with an mpu: section (" + kind.key + " from a partition uses the runtime's partition manager), got platform " + s.platform.name + " without one");
    if (const Entry* heap = get(args, "heap"))
        r.fail(heap->key_node, heap->value, heap->path, "expected one of heap and partition, got both");
    for (const char* heap_only : {"align", "deadline_steps", "lifetime"})
        if (const Entry* e = get(args, heap_only))
            r.fail(e->key_node, e->value, e->path, std::string("expected ") + heap_only + " only on an alloc from an allocator (heap:), got it with partition:");
    const std::string want = "a partition defined by an earlier partition step";
    st.partition = r.text_value(*partition, want);
    if (std::find(m_partitions.begin(), m_partitions.end(), st.partition) == m_partitions.end())
        r.fail(partition->key_node, partition->value, partition->path, "expected " + want + " (" + (m_partitions.empty() ? std::string("none is defined") : cfg::join(m_partitions)) + "), got undefined partition '" + st.partition + "'" + cfg::suggestion(st.partition, m_partitions));
    st.domain = m_acting;
    if (const Entry* e = get(args, "domain")) {
        st.domain = domain_name(*e, false);
        if (!m_acting.empty() && st.domain != m_acting)
            r.fail(e->key_node, e->value, e->path, "expected the domain this as_domain runs as (" + m_acting + "), got " + st.domain);
    }
    const std::string size_want = "a whole number of bytes from 0 to 2^32 - 1 (0 asks the runtime for InvalidSize)";
    st.size_bytes = static_cast<uint32_t>(r.unsigned_value(need(r, kind, args, "size", size_want), 0, std::numeric_limits<uint32_t>::max(), size_want));
}

void MpuStepParser::free_block(const Entry& block, Step& st) {
    st.block = r.name_value(block);
    st.partition = m_mpu_blocks.at(st.block);
    st.domain = m_acting; // empty: the kernel frees it for its owner
}

void MpuStepParser::as_domain(const Entry& kind, const std::vector<Entry>& args, Step& st,
                              const StepsReader& nested) {
    need_mpu(kind);
    if (!m_acting.empty())
        r.fail(kind.key_node, YAML::Node(), kind.path, "expected as_domain outside another as_domain, got it inside as_domain " + m_acting);
    st.domain = domain_name(need(r, kind, args, "domain", "a domain defined by an earlier domain step"), false);
    m_acting = st.domain;
    const Entry& steps = need(r, kind, args, "steps", "a list of steps");
    st.body = nested(steps);
    m_acting.clear();
    static const std::vector<StepKind> ALLOWED = {StepKind::Access, StepKind::Read, StepKind::Write,
                                                  StepKind::AllocateIsolated, StepKind::Alloc,
                                                  StepKind::Submit, StepKind::Free, StepKind::Wait,
                                                  StepKind::Expect};
    for (size_t i = 0; i < st.body.size(); ++i) {
        const StepKind k = st.body[i].kind;
        const YAML::Node item = steps.value[i];
        const std::string path = steps.path + "[" + std::to_string(i) + "]." + enum_name(STEP_KIND_NAMES, k);
        if (std::find(ALLOWED.begin(), ALLOWED.end(), k) == ALLOWED.end())
            r.fail(item.begin()->first, YAML::Node(), path, std::string("expected a step a domain runs (access, read, write, allocate_isolated, alloc, submit, free, wait or expect), got ") + enum_name(STEP_KIND_NAMES, k));
        // A domain owns no runtime allocator: it allocates from partitions only.
        if ((k == StepKind::Alloc || k == StepKind::Free) && st.body[i].partition.empty())
            r.fail(item.begin()->first, YAML::Node(), path, std::string("expected ") + (k == StepKind::Alloc ? "alloc with partition: (a domain allocates from partitions, not from the kernel's allocators)" : "free of an isolated or partition block (a domain frees only what it allocated from partitions)") + ", got " + (k == StepKind::Alloc ? "alloc from heap " : "free of block ") + (k == StepKind::Alloc ? st.body[i].heap : st.body[i].block));
    }
}

std::string mpu_register_name(MpuFlavour flavour, uint32_t address) {
    for (const auto& [name, at] : registers_of(flavour))
        if (at == address) return name;
    return "";
}

} // namespace emsim
