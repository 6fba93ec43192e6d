#include "sim/trace_writers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace emsim {

namespace {

using Json = nlohmann::json;                // sorted keys: summary.json
using OrderedJson = nlohmann::ordered_json; // insertion order: faults.jsonl, trace.json args

uint64_t pow10(unsigned digits) {
    uint64_t p = 1;
    for (unsigned i = 0; i < digits; ++i)
        p *= 10;
    return p;
}

std::string u64(uint64_t v) {
    return std::to_string(v);
}

std::string hex_address(uint64_t address) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(address));
    return buf;
}

/// A status byte such as MMFSR: "0x82".
std::string hex_byte(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%02x", value);
    return buf;
}

/// A fraction rounded to 6 decimals, so the shortest round-trip text nlohmann prints is that
/// decimal and never an artefact like 0.30000000000000004.
double round6(double x) {
    return std::round(x * 1e6) / 1e6;
}

/// fJ as a pJ number for JSON: the quotient is the double nearest the 3-decimal value, which
/// nlohmann prints back as exactly that decimal.
double fj_to_pj_number(uint64_t fj) {
    return static_cast<double>(fj) / 1000.0;
}

/// Picoseconds as a microsecond number (at most 6 decimals, printed exactly for the same reason).
double ps_to_us_number(uint64_t ps) {
    return static_cast<double>(ps) / 1e6;
}

/// An allocator statistic: whole values (bytes, counts) as JSON integers so they read as such,
/// fractions rounded to 6 decimals.
Json stat_number(double x) {
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9007199254740992.0)
        return Json(static_cast<int64_t>(x));
    return Json(round6(x));
}

/// One CSV field: quoted (RFC 4180) only if it holds a comma, quote or line break, which names
/// from a scenario file may.
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i)
            out += sep;
        out += parts[i];
    }
    return out;
}

/// Binary mode: "\n" stays one byte on every host, so goldens compare byte for byte.
void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file)
        throw std::runtime_error(path.string() + ": cannot open for writing");
    file << text;
    file.close();
    if (!file)
        throw std::runtime_error(path.string() + ": write failed");
}

struct EnergySums {
    uint64_t dynamic_fj = 0;
    uint64_t leakage_fj = 0;
    uint64_t transition_fj = 0;
    LeakageByState leakage_fj_by_state{};
    uint64_t total_fj() const { return dynamic_fj + leakage_fj + transition_fj; }
    void add(uint64_t dynamic, uint64_t leakage, uint64_t transition) {
        dynamic_fj += dynamic;
        leakage_fj += leakage;
        transition_fj += transition;
    }
    void add_by_state(const LeakageByState& by_state) {
        for (size_t i = 0; i < LEAKAGE_STATE_COUNT; ++i)
            leakage_fj_by_state[i] += by_state[i];
    }
};

EnergySums window_sums(const EnergyWindow& w) {
    EnergySums e;
    e.add(w.dynamic_fj, w.leakage_fj, w.transition_fj);
    e.add_by_state(w.leakage_fj_by_state);
    return e;
}

EnergySums bank_totals_sums(const BankTotals& bank) {
    EnergySums e;
    e.add(bank.dynamic_fj, bank.leakage_fj, bank.transition_fj);
    e.add_by_state(bank.leakage_fj_by_state);
    return e;
}

EnergySums bank_sums(const RunRecord& record) {
    EnergySums all;
    for (const auto& [name, bank] : record.banks) {
        all.add(bank.dynamic_fj, bank.leakage_fj, bank.transition_fj);
        all.add_by_state(bank.leakage_fj_by_state);
    }
    return all;
}

/// Per owner: an owner's dynamic energy is what its operations' accesses cost; the leakage and
/// transitions of a bank go to the one allocator that lives in it (RunRecord::bank_owner), else
/// to "unowned", so the owners sum to the total. energy.csv and summary.json both use this.
std::map<std::string, EnergySums> owner_sums(const RunRecord& record) {
    std::map<std::string, EnergySums> owners;
    for (const auto& [name, bank] : record.banks) {
        const auto owner = record.bank_owner.find(name);
        EnergySums& static_part = owners[owner == record.bank_owner.end() ? "unowned" : owner->second];
        static_part.add(0, bank.leakage_fj, bank.transition_fj);
        static_part.add_by_state(bank.leakage_fj_by_state);
    }
    for (const auto& [owner, fj] : record.energy_by_owner_fj)
        owners[owner].add(fj, 0, 0);
    return owners;
}

// ---- ops.csv ---------------------------------------------------------------------------------

std::string ops_csv(const RunRecord& record) {
    std::string out = "index,step_line,name,op,heap,size_bytes,address,start_cycle,end_cycle,"
                      "latency_cycles,compute_cycles,steps,loads,stores,wait_cycles,result,banks,"
                      "energy_pj\n";
    for (const OpRecord& op : record.ops) {
        out += u64(op.index) + "," + std::to_string(op.step_line) + "," + csv_field(op.name) + "," +
               csv_field(op.op) + "," + csv_field(op.heap) + "," + u64(op.size_bytes) + "," +
               hex_address(op.address) + "," + u64(op.start_cycle) + "," + u64(op.end_cycle) + "," +
               u64(op.latency_cycles()) + "," + u64(op.compute_cycles) + "," + u64(op.steps) + "," +
               u64(op.loads) + "," + u64(op.stores) + "," + u64(op.wait_cycles) + "," +
               csv_field(op.result) + "," + csv_field(join(op.banks, "+")) + "," +
               fj_to_pj_text(op.energy_fj) + "\n";
    }
    return out;
}

// ---- energy.csv ------------------------------------------------------------------------------

std::string energy_row(const std::string& bank, const std::string& start, const std::string& end,
                       const EnergySums& e, const std::string& state, const std::string& region) {
    std::string row = csv_field(bank) + "," + start + "," + end + "," + fj_to_pj_text(e.dynamic_fj) +
                      "," + fj_to_pj_text(e.leakage_fj) + "," + fj_to_pj_text(e.transition_fj) +
                      "," + fj_to_pj_text(e.total_fj()) + "," + csv_field(state) + "," +
                      csv_field(region);
    for (uint64_t fj : e.leakage_fj_by_state)
        row += "," + fj_to_pj_text(fj);
    return row + "\n";
}

/// The windows as recorded, then per bank totals over its windows (start_cycle "TOTAL", end
/// cycle and state empty), per power region totals (bank "*"), per owner totals (bank
/// "owner:<name>", region empty; the split of owner_sums, as summary.json's by_owner: each of
/// banks, regions and owners sums to the ALL row), and one grand total under bank "ALL", so the
/// file sums itself. Leakage is split by the state it accrued in (the leakage_<state>_pj
/// columns sum to leakage_pj).
std::string energy_csv(const RunRecord& record) {
    std::string out = "bank,start_cycle,end_cycle,dynamic_pj,leakage_pj,transition_pj,total_pj,"
                      "state,region";
    for (const char* state : LEAKAGE_STATE_NAMES)
        out += std::string(",leakage_") + state + "_pj";
    out += "\n";
    std::map<std::string, EnergySums> totals, regions;
    std::map<std::string, std::string> region_of;
    EnergySums all;
    for (const EnergyWindow& w : record.energy) {
        const EnergySums e = window_sums(w);
        out += energy_row(w.bank, u64(w.start_cycle), u64(w.end_cycle), e, w.state, w.region);
        for (EnergySums* sums : {&totals[w.bank], &regions[w.region], &all}) {
            sums->add(w.dynamic_fj, w.leakage_fj, w.transition_fj);
            sums->add_by_state(w.leakage_fj_by_state);
        }
        region_of[w.bank] = w.region;
    }
    for (const auto& [bank, e] : totals)
        out += energy_row(bank, "TOTAL", "", e, "", region_of[bank]);
    for (const auto& [region, e] : regions)
        out += energy_row("*", "TOTAL", "", e, "", region);
    for (const auto& [owner, e] : owner_sums(record))
        out += energy_row("owner:" + owner, "TOTAL", "", e, "", "");
    out += energy_row("ALL", "TOTAL", "", all, "", "");
    return out;
}

// ---- faults.jsonl ----------------------------------------------------------------------------

OrderedJson fault_json(const FaultRecord& f) {
    // One key set and order for every kind (steps-grammar.md); mmfsr/mmfar null unless MPU.
    OrderedJson j;
    j["step"] = f.step;
    j["cycle"] = f.cycle;
    j["kind"] = f.kind;
    j["addr"] = hex_address(f.address);
    j["size"] = f.size_bytes;
    j["access"] = f.access;
    j["privileged"] = f.privileged;
    j["domain"] = f.domain;
    j["mmfsr"] = f.mmfsr ? OrderedJson(hex_byte(*f.mmfsr)) : OrderedJson(nullptr);
    j["mmfar"] = f.mmfar ? OrderedJson(hex_address(*f.mmfar)) : OrderedJson(nullptr);
    j["bank"] = f.bank;
    j["reason"] = f.reason;
    j["op"] = f.op;
    j["heap"] = f.heap;
    j["step_line"] = f.step_line;
    return j;
}

std::string faults_jsonl(const RunRecord& record) {
    std::string out;
    for (const FaultRecord& f : record.faults)
        out += fault_json(f).dump() + "\n";
    return out;
}

// ---- summary.json ----------------------------------------------------------------------------

Json energy_json(const EnergySums& e) {
    Json j;
    j["dynamic"] = fj_to_pj_number(e.dynamic_fj);
    j["leakage"] = fj_to_pj_number(e.leakage_fj);
    j["transition"] = fj_to_pj_number(e.transition_fj);
    j["total"] = fj_to_pj_number(e.total_fj());
    Json by_state = Json::object();
    for (size_t i = 0; i < LEAKAGE_STATE_COUNT; ++i)
        by_state[LEAKAGE_STATE_NAMES[i]] = fj_to_pj_number(e.leakage_fj_by_state[i]);
    j["leakage_by_state"] = by_state;
    return j;
}

/// Per region (its banks' totals) and per owner (owner_sums).
void power_split_json(const RunRecord& record, Json& energy) {
    std::map<std::string, EnergySums> regions;
    for (const auto& [name, bank] : record.banks) {
        EnergySums& region = regions[bank.region];
        region.add(bank.dynamic_fj, bank.leakage_fj, bank.transition_fj);
        region.add_by_state(bank.leakage_fj_by_state);
    }
    Json by_region = Json::object(), by_owner = Json::object();
    for (const auto& [name, e] : regions) {
        by_region[name] = energy_json(e);
        const auto banks = record.region_banks.find(name);
        by_region[name]["banks"] =
            banks == record.region_banks.end() ? std::vector<std::string>{} : banks->second;
    }
    for (const auto& [name, e] : owner_sums(record))
        by_owner[name] = energy_json(e);
    energy["by_region"] = by_region;
    energy["by_owner"] = by_owner;
}

bool all_passed(const RunRecord& record) {
    return std::all_of(record.expectations.begin(), record.expectations.end(),
                       [](const ExpectationResult& e) { return e.passed; });
}

Json mpu_json(const MpuRunRecord& mpu) {
    Json j;
    j["flavour"] = mpu.flavour;
    j["regions"] = mpu.regions;
    j["fault_policy"] = mpu.fault_policy;
    j["stats"] = mpu.stats;
    if (!mpu.isolation)
        return j;
    j["isolation_stats"] = mpu.isolation_stats;
    Json switches = Json::array();
    for (const DomainSwitchRecord& s : mpu.switches)
        switches.push_back({{"step", s.step}, {"start_cycle", s.start_cycle},
                            {"end_cycle", s.end_cycle}, {"cycles", s.end_cycle - s.start_cycle},
                            {"from", s.from}, {"to", s.to}, {"stores", s.stores},
                            {"result", s.result}});
    j["domain_switches"] = switches;
    Json terminations = Json::array();
    for (const TerminationRecord& t : mpu.terminations)
        terminations.push_back({{"step", t.step}, {"cycle", t.cycle}, {"domain", t.domain},
                                {"partition", t.partition}});
    j["terminations"] = terminations;
    Json log = Json::array();
    for (const AccessLogRecord& a : mpu.access_log)
        log.push_back({{"domain", a.domain}, {"addr", hex_address(a.address)},
                       {"size", a.size_bytes}, {"kind", a.kind}, {"allowed", a.allowed}});
    j["access_log"] = log;
    j["access_log_dropped"] = mpu.access_log_dropped;
    return j;
}

std::string summary_json(const RunRecord& record) {
    Json j;
    j["scenario"] = record.scenario;
    j["platform"] = record.platform;
    j["mode"] = record.mode;
    j["seed"] = record.seed;
    j["clock_period_ps"] = record.clock_period_ps;
    j["end_cycle"] = record.end_cycle;
    j["end_time_us"] = ps_to_us_number(record.end_cycle * record.clock_period_ps);

    Json totals;
    totals["ops"] = record.ops.size();
    totals["faults"] = record.faults.size();
    totals["energy_pj"] = energy_json(bank_sums(record));
    j["totals"] = totals;

    Json latency = Json::object();
    for (const auto& [op, s] : latency_by_op(record)) {
        latency[op] = {{"count", s.count},    {"min", s.min_cycles}, {"mean", s.mean_cycles},
                       {"p50", s.p50_cycles}, {"p99", s.p99_cycles}, {"max", s.max_cycles}};
    }
    j["latency_cycles"] = latency;

    Json by_bank = Json::object(), time_by_state = Json::object(), accesses = Json::object();
    for (const auto& [name, bank] : record.banks) {
        by_bank[name] = energy_json(bank_totals_sums(bank));
        by_bank[name]["region"] = bank.region;
        Json states = Json::object();
        for (const auto& [state, ps] : bank.time_ps_by_state)
            states[state] = ps_to_us_number(ps);
        time_by_state[name] = states;
        accesses[name] = {{"reads", bank.reads}, {"writes", bank.writes}};
    }
    Json energy = {{"by_bank", by_bank}};
    power_split_json(record, energy);
    j["energy_pj"] = energy;
    j["time_us_by_state"] = time_by_state;
    j["accesses_by_bank"] = accesses;

    Json allocators = Json::object();
    for (const auto& [name, stats] : record.allocators) {
        Json a = Json::object();
        for (const auto& [key, value] : stats)
            a[key] = stat_number(value);
        allocators[name] = a;
    }
    j["allocators"] = allocators;

    Json expectations = Json::array();
    for (const ExpectationResult& e : record.expectations) {
        expectations.push_back(
            {{"line", e.line}, {"what", e.what}, {"passed", e.passed}, {"detail", e.detail}});
    }
    j["expectations"] = expectations;
    j["passed"] = all_passed(record);
    if (record.mpu)
        j["mpu"] = mpu_json(*record.mpu);
    return j.dump(2) + "\n";
}

// ---- trace.json ------------------------------------------------------------------------------

/// Track layout of trace.json: one process; thread 1 is the runtime, then one thread per DMA
/// stream, then one per bank (its faults; its counters are process tracks named after it), then
/// one per power region (its state as slices; its power counter is named "region <name>"), then,
/// when the scenario switched isolation domains, one track of the domain the core runs as.
struct TraceTracks {
    static constexpr int PID = 1;
    static constexpr int RUNTIME_TID = 1;
    std::map<std::string, int> dma_tid;
    std::map<std::string, int> bank_tid;
    std::map<std::string, int> region_tid;
    int domain_tid = 0; ///< 0: no domain switches, no track

    explicit TraceTracks(const RunRecord& record) {
        int next = RUNTIME_TID + 1;
        for (const auto& [stream, spans] : record.dma_spans)
            dma_tid[stream] = next++;
        std::map<std::string, int> banks; // every bank the record mentions, sorted by name
        for (const auto& [name, totals] : record.banks)
            banks[name] = 0;
        for (const auto& [name, changes] : record.power_changes)
            banks[name] = 0;
        for (const EnergyWindow& w : record.energy)
            banks[w.bank] = 0;
        for (const FaultRecord& f : record.faults)
            if (!f.bank.empty())
                banks[f.bank] = 0;
        for (const auto& [name, unused] : banks)
            bank_tid[name] = next++;
        for (const auto& [name, unused] : record.region_banks)
            region_tid[name] = next++;
        if (record.mpu && !record.mpu->switches.empty())
            domain_tid = next++;
    }
};

class TraceJsonWriter {
public:
    explicit TraceJsonWriter(uint64_t clock_period_ps) : m_clock_period_ps(clock_period_ps) {}

    /// Cycles to µs with 6 decimals: exact to the picosecond, so no float formatting is involved.
    std::string us(uint64_t cycles) const {
        return fixed_decimal(cycles * m_clock_period_ps, 6, 6);
    }

    void metadata(const std::string& what, int tid, const OrderedJson& args) {
        event("{\"name\":" + quote(what) +
              ",\"ph\":\"M\",\"ts\":0,\"pid\":" + std::to_string(TraceTracks::PID) +
              ",\"tid\":" + std::to_string(tid) + ",\"args\":" + args.dump() + "}");
    }
    void slice(const std::string& name, const char* cat, int tid, uint64_t start_cycle,
               uint64_t end_cycle, const OrderedJson& args) {
        event("{\"name\":" + quote(name) + ",\"cat\":\"" + cat + "\",\"ph\":\"X\",\"ts\":" +
              us(start_cycle) + ",\"dur\":" + us(end_cycle - start_cycle) + head(tid) +
              ",\"args\":" + args.dump() + "}");
    }
    /// value_text is already a fixed-decimal number.
    void counter(const std::string& name, int tid, uint64_t cycle, const char* key,
                 const std::string& value_text) {
        event("{\"name\":" + quote(name) + ",\"cat\":\"power\",\"ph\":\"C\",\"ts\":" + us(cycle) +
              head(tid) + ",\"args\":{\"" + key + "\":" + value_text + "}}");
    }
    void instant(const std::string& name, int tid, uint64_t cycle, const OrderedJson& args) {
        event("{\"name\":" + quote(name) + ",\"cat\":\"fault\",\"ph\":\"i\",\"s\":\"t\",\"ts\":" +
              us(cycle) + head(tid) + ",\"args\":" + args.dump() + "}");
    }

    /// One event per line, so a golden diff names the event that changed.
    std::string finish(const OrderedJson& other_data) const {
        return "{\"displayTimeUnit\":\"ns\",\n\"otherData\":" + other_data.dump() +
               ",\n\"traceEvents\":[\n" + m_events + "\n]}\n";
    }

private:
    static std::string quote(const std::string& s) { return OrderedJson(s).dump(); }
    static std::string head(int tid) {
        return ",\"pid\":" + std::to_string(TraceTracks::PID) + ",\"tid\":" + std::to_string(tid);
    }
    void event(const std::string& text) {
        if (!m_events.empty())
            m_events += ",\n";
        m_events += text;
    }

    uint64_t m_clock_period_ps;
    std::string m_events;
};

/// Average power of a window in mW with 6 decimals (nW resolution): 1 fJ/ps is 1 mW.
std::string window_power_mw(const EnergyWindow& w, uint64_t clock_period_ps) {
    const unsigned __int128 ps =
        static_cast<unsigned __int128>(w.end_cycle - w.start_cycle) * clock_period_ps;
    if (ps == 0)
        return "0.000000";
    const unsigned __int128 fj =
        static_cast<unsigned __int128>(w.dynamic_fj) + w.leakage_fj + w.transition_fj;
    const unsigned __int128 nw = (fj * 1000000u + ps / 2) / ps; // rounded half up
    return fixed_decimal(static_cast<uint64_t>(nw), 6, 6);
}

std::string power_level_text(const std::string& state) {
    const double level = power_state_level(state);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", level);
    return buf;
}

/// A region's state over time from its banks' changes: "transition" while any bank is in one,
/// else the least deep state among them. Returns (cycle, state) at each change of that value.
std::vector<std::pair<uint64_t, std::string>> region_changes(const RunRecord& record,
                                                             const std::vector<std::string>& banks) {
    struct Event {
        uint64_t cycle;
        size_t bank;
        std::string state;
    };
    std::vector<Event> events;
    for (size_t b = 0; b < banks.size(); ++b) {
        const auto changes = record.power_changes.find(banks[b]);
        if (changes == record.power_changes.end())
            continue;
        for (const auto& [cycle, state] : changes->second)
            events.push_back({cycle, b, state});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.cycle < b.cycle; });
    std::vector<std::string> current(banks.size(), "");
    std::vector<std::pair<uint64_t, std::string>> out;
    for (size_t i = 0; i < events.size(); ++i) {
        current[events[i].bank] = events[i].state;
        if (i + 1 < events.size() && events[i + 1].cycle == events[i].cycle)
            continue;
        std::string state;
        for (const std::string& s : current) {
            if (s.empty())
                continue;
            if (s == "transition" || state.empty() ||
                (state != "transition" && power_state_level(s) > power_state_level(state)))
                state = s;
        }
        if (!state.empty() && (out.empty() || out.back().second != state))
            out.emplace_back(events[i].cycle, state);
    }
    return out;
}

std::string trace_json(const RunRecord& record) {
    const TraceTracks tracks(record);
    TraceJsonWriter w(record.clock_period_ps);

    w.metadata("process_name", TraceTracks::RUNTIME_TID,
               OrderedJson{{"name", "emsim " + record.scenario}});
    int sort_index = 0;
    auto name_thread = [&](int tid, const std::string& name) {
        w.metadata("thread_name", tid, OrderedJson{{"name", name}});
        w.metadata("thread_sort_index", tid, OrderedJson{{"sort_index", sort_index++}});
    };
    name_thread(TraceTracks::RUNTIME_TID, "runtime");
    for (const auto& [stream, tid] : tracks.dma_tid)
        name_thread(tid, "dma " + stream);
    for (const auto& [bank, tid] : tracks.bank_tid)
        name_thread(tid, "bank " + bank);
    for (const auto& [region, tid] : tracks.region_tid)
        name_thread(tid, "region " + region);
    if (tracks.domain_tid)
        name_thread(tracks.domain_tid, "domain");

    for (const OpRecord& op : record.ops) {
        OrderedJson args;
        args["index"] = op.index;
        args["step_line"] = op.step_line;
        args["heap"] = op.heap;
        args["size_bytes"] = op.size_bytes;
        args["address"] = hex_address(op.address);
        args["result"] = op.result;
        args["loads"] = op.loads;
        args["stores"] = op.stores;
        args["wait_cycles"] = op.wait_cycles;
        args["compute_cycles"] = op.compute_cycles;
        args["banks"] = join(op.banks, "+");
        args["energy_pj"] = fj_to_pj_text(op.energy_fj);
        w.slice(op.name.empty() ? op.op : op.op + " " + op.name, "op", TraceTracks::RUNTIME_TID,
                op.start_cycle, op.end_cycle, args);
    }
    for (const auto& [stream, spans] : record.dma_spans) {
        for (const auto& [start, end] : spans) {
            w.slice(stream, "dma", tracks.dma_tid.at(stream), start, end,
                    OrderedJson{{"cycles", end - start}});
        }
    }
    // Counter tracks are per process in the trace-event model; Perfetto names each
    // "<event name> <arg key>", here "ram0 power_state" and "ram0 power_mw".
    for (const auto& [bank, changes] : record.power_changes) {
        for (const auto& [cycle, state] : changes)
            w.counter(bank, tracks.bank_tid.at(bank), cycle, "power_state",
                      power_level_text(state));
    }
    for (const EnergyWindow& e : record.energy) {
        w.counter(e.bank, tracks.bank_tid.at(e.bank), e.start_cycle, "power_mw",
                  window_power_mw(e, record.clock_period_ps));
    }
    for (const auto& [region, banks] : record.region_banks) {
        const auto changes = region_changes(record, banks);
        for (size_t i = 0; i < changes.size(); ++i) {
            const uint64_t end = i + 1 < changes.size() ? changes[i + 1].first : record.end_cycle;
            if (end > changes[i].first)
                w.slice(changes[i].second, "power", tracks.region_tid.at(region), changes[i].first,
                        end, OrderedJson{{"region", region}});
        }
        std::map<uint64_t, EnergyWindow> windows; // by start cycle: the region's banks summed
        for (const EnergyWindow& e : record.energy) {
            if (e.region != region)
                continue;
            EnergyWindow& sum = windows[e.start_cycle];
            sum.start_cycle = e.start_cycle;
            sum.end_cycle = e.end_cycle;
            sum.dynamic_fj += e.dynamic_fj;
            sum.leakage_fj += e.leakage_fj;
            sum.transition_fj += e.transition_fj;
        }
        for (const auto& [start, sum] : windows)
            w.counter("region " + region, tracks.region_tid.at(region), start, "power_mw",
                      window_power_mw(sum, record.clock_period_ps));
    }
    if (tracks.domain_tid) {
        // The domain the core runs as, from the end of each loaded switch to the next one's.
        std::vector<const DomainSwitchRecord*> loaded;
        for (const DomainSwitchRecord& s : record.mpu->switches)
            if (s.result == "ok")
                loaded.push_back(&s);
        for (size_t i = 0; i < loaded.size(); ++i) {
            const uint64_t end = i + 1 < loaded.size() ? loaded[i + 1]->end_cycle : record.end_cycle;
            if (end > loaded[i]->end_cycle)
                w.slice(loaded[i]->to, "domain", tracks.domain_tid, loaded[i]->end_cycle, end,
                        OrderedJson{{"from", loaded[i]->from}, {"step", loaded[i]->step}});
        }
    }
    for (const FaultRecord& f : record.faults) {
        const int tid = f.bank.empty() ? TraceTracks::RUNTIME_TID : tracks.bank_tid.at(f.bank);
        w.instant("fault " + f.reason, tid, f.cycle, fault_json(f));
    }

    OrderedJson other;
    other["scenario"] = record.scenario;
    other["platform"] = record.platform;
    other["mode"] = record.mode;
    other["seed"] = record.seed;
    other["clock_period_ps"] = record.clock_period_ps;
    other["power_state_levels"] = "active 3, standby 2, retention 1, off 0, transition 0.5";
    return w.finish(other);
}

// ---- stdout ----------------------------------------------------------------------------------

std::string faults_line(const RunRecord& record) {
    if (record.faults.empty())
        return "faults: none\n";
    std::map<std::string, uint64_t> by_reason;
    for (const FaultRecord& f : record.faults)
        by_reason[f.kind + "/" + f.reason]++;
    std::vector<std::string> parts;
    for (const auto& [reason, count] : by_reason)
        parts.push_back(reason + " " + u64(count));
    return "faults: " + u64(record.faults.size()) + " (" + join(parts, ", ") + ")\n";
}

} // namespace

// ---- public helpers --------------------------------------------------------------------------

std::string fixed_decimal(uint64_t value, unsigned shift_digits, unsigned decimals) {
    uint64_t scaled_int, frac;
    if (decimals >= shift_digits) {
        const uint64_t div = pow10(shift_digits);
        scaled_int = value / div;
        frac = (value % div) * pow10(decimals - shift_digits);
    } else {
        // Round half up at the last printed decimal, then split; q <= value / 10 cannot overflow.
        const uint64_t drop = pow10(shift_digits - decimals);
        uint64_t q = value / drop;
        if (value % drop >= drop / 2)
            ++q;
        const uint64_t div = pow10(decimals);
        scaled_int = q / div;
        frac = q % div;
    }
    std::string out = std::to_string(scaled_int);
    if (decimals == 0)
        return out;
    std::string digits = std::to_string(frac);
    return out + "." + std::string(decimals - digits.size(), '0') + digits;
}

uint64_t nearest_rank(const std::vector<uint64_t>& sorted, unsigned percent) {
    if (sorted.empty())
        return 0;
    // rank = ceil(percent / 100 * n), in integers; at least 1 so p0-like inputs give the minimum.
    uint64_t rank = (static_cast<uint64_t>(percent) * sorted.size() + 99) / 100;
    rank = std::clamp<uint64_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

LatencyStats latency_stats(std::vector<uint64_t> samples) {
    LatencyStats s;
    if (samples.empty())
        return s;
    std::sort(samples.begin(), samples.end());
    s.count = samples.size();
    s.min_cycles = samples.front();
    s.max_cycles = samples.back();
    unsigned __int128 sum = 0;
    for (uint64_t v : samples)
        sum += v;
    s.mean_cycles = round6(static_cast<double>(sum) / static_cast<double>(s.count));
    s.p50_cycles = nearest_rank(samples, 50);
    s.p99_cycles = nearest_rank(samples, 99);
    return s;
}

std::map<std::string, LatencyStats> latency_by_op(const RunRecord& record) {
    std::map<std::string, std::vector<uint64_t>> samples;
    for (const OpRecord& op : record.ops)
        samples[op.op].push_back(op.latency_cycles());
    std::map<std::string, LatencyStats> out;
    for (auto& [op, v] : samples)
        out[op] = latency_stats(std::move(v));
    return out;
}

double power_state_level(const std::string& state) {
    if (state == "active")
        return 3;
    if (state == "standby")
        return 2;
    if (state == "retention")
        return 1;
    if (state == "off")
        return 0;
    if (state == "transition")
        return 0.5;
    return -1;
}

// ---- entry points ----------------------------------------------------------------------------

void write_run_outputs(const RunRecord& record, const std::string& out_dir) {
    const std::filesystem::path dir(out_dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(out_dir + ": cannot create directory: " + ec.message());
    write_file(dir / "ops.csv", ops_csv(record));
    write_file(dir / "energy.csv", energy_csv(record));
    write_file(dir / "faults.jsonl", faults_jsonl(record));
    write_file(dir / "summary.json", summary_json(record));
    write_file(dir / "trace.json", trace_json(record));
}

void print_run_summary(const RunRecord& record, std::ostream& out) {
    char line[256];
    out << "scenario " << record.scenario << ": platform " << record.platform << ", mode "
        << record.mode << ", seed " << record.seed << "\n";
    out << "simulated " << record.end_cycle << " cycles ("
        << fixed_decimal(record.end_cycle * record.clock_period_ps, 6, 3) << " us), "
        << record.ops.size() << " operations\n\n";

    const auto latency = latency_by_op(record);
    int op_width = 14; // wider only when an op name needs it (allocate_isolated), so columns align
    for (const auto& entry : latency) op_width = std::max(op_width, static_cast<int>(entry.first.size()));
    std::snprintf(line, sizeof line, "%-*s %8s %10s %10s %10s %10s %10s\n", op_width, "op",
                  "count", "min_cyc", "mean_cyc", "p50_cyc", "p99_cyc", "max_cyc");
    out << line;
    for (const auto& [op, s] : latency) {
        std::snprintf(line, sizeof line, "%-*s %8llu %10llu %10.2f %10llu %10llu %10llu\n",
                      op_width, op.c_str(), static_cast<unsigned long long>(s.count),
                      static_cast<unsigned long long>(s.min_cycles), s.mean_cycles,
                      static_cast<unsigned long long>(s.p50_cycles),
                      static_cast<unsigned long long>(s.p99_cycles),
                      static_cast<unsigned long long>(s.max_cycles));
        out << line;
    }
    out << "\n";

    std::snprintf(line, sizeof line, "%-14s %14s %14s %14s %14s\n", "bank", "dynamic_pJ",
                  "leakage_pJ", "transition_pJ", "total_pJ");
    out << line;
    for (const auto& [name, bank] : record.banks) {
        EnergySums e;
        e.add(bank.dynamic_fj, bank.leakage_fj, bank.transition_fj);
        std::snprintf(line, sizeof line, "%-14s %14s %14s %14s %14s\n", name.c_str(),
                      fj_to_pj_text(e.dynamic_fj).c_str(), fj_to_pj_text(e.leakage_fj).c_str(),
                      fj_to_pj_text(e.transition_fj).c_str(), fj_to_pj_text(e.total_fj()).c_str());
        out << line;
    }
    const EnergySums all = bank_sums(record);
    std::snprintf(line, sizeof line, "%-14s %14s %14s %14s %14s\n", "total",
                  fj_to_pj_text(all.dynamic_fj).c_str(), fj_to_pj_text(all.leakage_fj).c_str(),
                  fj_to_pj_text(all.transition_fj).c_str(), fj_to_pj_text(all.total_fj()).c_str());
    out << line;
    out << "total energy " << fixed_decimal(all.total_fj(), 9, 6) << " uJ\n\n";

    out << faults_line(record);
    if (record.mpu) {
        const auto stat = [&](const char* key) {
            const auto it = record.mpu->stats.find(key);
            return u64(it == record.mpu->stats.end() ? 0 : it->second);
        };
        out << "mpu: " << record.mpu->flavour << ", " << record.mpu->regions << " regions, "
            << stat("checked") << " accesses checked, " << stat("denied") << " denied, "
            << stat("register_writes") << " register writes\n";
    }
    if (record.expectations.empty()) {
        out << "expectations: none\n";
        return;
    }
    const auto failed = std::count_if(record.expectations.begin(), record.expectations.end(),
                                      [](const ExpectationResult& e) { return !e.passed; });
    out << "expectations: " << record.expectations.size() - static_cast<size_t>(failed)
        << " passed, " << failed << " failed\n";
    for (const ExpectationResult& e : record.expectations) {
        out << "  " << (e.passed ? "PASS" : "FAIL") << " line " << e.line << ": " << e.what;
        if (!e.detail.empty())
            out << " (" << e.detail << ")";
        out << "\n";
    }
}

} // namespace emsim
