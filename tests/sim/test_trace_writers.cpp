// The trace writers on hand-made run records: exact file contents, JSON that parses back with the
// promised fields, nearest-rank percentiles, trace-event shape, and byte-identical reruns.
#include "sim/trace_writers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace emsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const OUTPUT_FILES[] = {"ops.csv", "energy.csv", "faults.jsonl", "summary.json",
                                    "trace.json"};

/// A fresh directory per test (and per process: CTest may run tests in parallel).
fs::path fresh_dir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path dir =
        fs::temp_directory_path() / ("emsim_trace_writers_" + std::string(info->name()) + "_" +
                                     tag + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir;
}

std::string read_text(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file.good()) << path << " was not written";
    std::ostringstream s;
    s << file.rdbuf();
    return s.str();
}

OpRecord op(uint64_t index, int line, std::string name, std::string kind, uint64_t size_bytes,
            uint64_t address, uint64_t start, uint64_t end, std::vector<std::string> banks,
            uint64_t energy_fj, std::string result = "ok") {
    OpRecord r;
    r.index = index;
    r.step_line = line;
    r.name = std::move(name);
    r.op = std::move(kind);
    r.heap = "tlsf";
    r.size_bytes = size_bytes;
    r.address = address;
    r.start_cycle = start;
    r.end_cycle = end;
    r.banks = std::move(banks);
    r.energy_fj = energy_fj;
    r.result = std::move(result);
    return r;
}

EnergyWindow window(std::string bank, uint64_t start, uint64_t end, uint64_t dynamic_fj,
                    uint64_t leakage_fj, uint64_t transition_fj, std::string state) {
    EnergyWindow w;
    w.bank = std::move(bank);
    w.start_cycle = start;
    w.end_cycle = end;
    w.dynamic_fj = dynamic_fj;
    w.leakage_fj = leakage_fj;
    w.transition_fj = transition_fj;
    w.state = std::move(state);
    return w;
}

/// Two banks at 100 MHz (10 000 ps) over 200 cycles: two allocs (one fails, with a name that
/// needs CSV quoting), a free, one fault, one DMA stream, ram1 going into retention at 100.
RunRecord small_record() {
    RunRecord r;
    r.scenario = "unit";
    r.scenario_file = "tests/unit.yaml";
    r.platform = "tiny";
    r.mode = "lt";
    r.seed = 7;
    r.clock_period_ps = 10000;
    r.end_cycle = 200;

    r.ops.push_back(op(0, 5, "buf1", "alloc", 100, 0x20000010, 0, 40, {"ram0"}, 12345));
    r.ops[0].compute_cycles = 30;
    r.ops[0].steps = 4;
    r.ops[0].loads = 3;
    r.ops[0].stores = 2;
    r.ops[0].wait_cycles = 1;
    r.ops.push_back(op(1, 6, "x,y", "alloc", 2000, 0, 40, 100, {"ram0", "ram1"}, 5, "NoMemory"));
    r.ops[1].compute_cycles = 50;
    r.ops[1].steps = 6;
    r.ops[1].loads = 5;
    r.ops[1].stores = 4;
    r.ops[1].wait_cycles = 9;
    r.ops.push_back(op(2, 7, "buf1", "free", 0, 0x20000010, 100, 120, {"ram0"}, 1000));
    r.ops[2].compute_cycles = 10;
    r.ops[2].steps = 1;
    r.ops[2].loads = 1;
    r.ops[2].stores = 1;

    FaultRecord f;
    f.step = 7;
    f.cycle = 150;
    f.kind = "bus_error";
    f.address = 0x20010000;
    f.size_bytes = 4;
    f.bank = "ram1";
    f.access = "read";
    f.reason = "retention";
    f.op = "read";
    f.step_line = 8;
    r.faults.push_back(f);

    r.energy = {window("ram0", 0, 100, 12350, 2000, 0, "active"),
                window("ram1", 0, 100, 5, 1500, 0, "active"),
                window("ram0", 100, 200, 1000, 2000, 0, "active"),
                window("ram1", 100, 200, 0, 700, 300, "retention")};
    for (EnergyWindow& w : r.energy) {
        w.region = w.bank == "ram0" ? "fast" : "slow";
        w.leakage_fj_by_state = {w.leakage_fj, 0, 0, 0, 0}; // all of it while active ...
    }
    r.energy[3].leakage_fj_by_state = {0, 0, 600, 0, 100};   // ... but this retention window

    BankTotals ram0;
    ram0.reads = 4;
    ram0.writes = 3;
    ram0.dynamic_fj = 13350;
    ram0.leakage_fj = 4000;
    ram0.time_ps_by_state = {{"active", 2000000}};
    ram0.region = "fast";
    ram0.leakage_fj_by_state = {4000, 0, 0, 0, 0};
    BankTotals ram1;
    ram1.reads = 1;
    ram1.dynamic_fj = 5;
    ram1.leakage_fj = 2200;
    ram1.transition_fj = 300;
    ram1.time_ps_by_state = {{"active", 1000000}, {"retention", 900000}, {"transition", 100000}};
    ram1.region = "slow";
    ram1.leakage_fj_by_state = {1500, 0, 600, 0, 100};
    r.banks = {{"ram0", ram0}, {"ram1", ram1}};

    r.energy_by_owner_fj = {{"tlsf", 13350}, {"x,y", 5}};
    r.region_banks = {{"fast", {"ram0"}}, {"slow", {"ram1"}}};
    r.bank_owner = {{"ram0", "tlsf"}};
    r.allocators["tlsf"] = {
        {"free_bytes", 3900}, {"fragmentation", 0.1 + 0.2}, {"peak_bytes", 112}};
    r.expectations = {
        {9, "max_latency_cycles <= 50 (op alloc)", false, "worst was 60 cycles (op 1, line 6)"},
        {10, "heap_free_min tlsf >= 1000", true, ""}};
    r.dma_spans["dma0"] = {{10, 60}, {80, 90}};
    r.power_changes["ram0"] = {{0, "active"}};
    r.power_changes["ram1"] = {{0, "active"}, {100, "transition"}, {110, "retention"}};
    return r;
}

TEST(TraceWriters, FixedDecimalIsExactAndRoundsHalfUp) {
    EXPECT_EQ(fixed_decimal(1234567, 3, 3), "1234.567");
    EXPECT_EQ(fixed_decimal(5, 3, 3), "0.005");
    EXPECT_EQ(fixed_decimal(0, 3, 3), "0.000");
    EXPECT_EQ(fixed_decimal(1000, 3, 3), "1.000");
    EXPECT_EQ(fixed_decimal(1234567, 6, 3), "1.235") << "half up at the last decimal";
    EXPECT_EQ(fixed_decimal(1234499, 6, 3), "1.234");
    EXPECT_EQ(fixed_decimal(999999, 6, 3), "1.000") << "carry into the integer part";
    EXPECT_EQ(fixed_decimal(42, 0, 2), "42.00");
    EXPECT_EQ(fixed_decimal(42, 2, 0), "0");
    EXPECT_EQ(fixed_decimal(18446744073709551615ull, 3, 3), "18446744073709551.615");
    EXPECT_EQ(fj_to_pj_text(12345), "12.345");
}

TEST(TraceWriters, PercentilesAreNearestRank) {
    std::vector<uint64_t> hundred;
    for (uint64_t v = 100; v >= 1; --v)
        hundred.push_back(v); // unsorted on purpose
    const LatencyStats s = latency_stats(hundred);
    EXPECT_EQ(s.count, 100u);
    EXPECT_EQ(s.min_cycles, 1u);
    EXPECT_EQ(s.max_cycles, 100u);
    EXPECT_EQ(s.p50_cycles, 50u) << "rank ceil(0.50 * 100) = 50";
    EXPECT_EQ(s.p99_cycles, 99u) << "rank ceil(0.99 * 100) = 99";
    EXPECT_DOUBLE_EQ(s.mean_cycles, 50.5);

    const LatencyStats four = latency_stats({4, 1, 3, 2});
    EXPECT_EQ(four.p50_cycles, 2u) << "rank ceil(2.0) = 2, no interpolation to 2.5";
    EXPECT_EQ(four.p99_cycles, 4u) << "rank ceil(3.96) = 4";

    const LatencyStats ten = latency_stats({10, 20, 30, 40, 50, 60, 70, 80, 90, 1000});
    EXPECT_EQ(ten.p50_cycles, 50u);
    EXPECT_EQ(ten.p99_cycles, 1000u) << "rank ceil(9.9) = 10: the outlier";

    const LatencyStats one = latency_stats({7});
    EXPECT_EQ(one.min_cycles, 7u);
    EXPECT_EQ(one.p50_cycles, 7u);
    EXPECT_EQ(one.p99_cycles, 7u);

    const LatencyStats none = latency_stats({});
    EXPECT_EQ(none.count, 0u);
    EXPECT_EQ(none.p99_cycles, 0u);

    EXPECT_DOUBLE_EQ(latency_stats({1, 1, 2}).mean_cycles, 1.333333) << "mean rounded to 6 dp";
}

TEST(TraceWriters, OpsCsvIsExact) {
    const fs::path dir = fresh_dir("a");
    write_run_outputs(small_record(), dir.string());
    EXPECT_EQ(read_text(dir / "ops.csv"),
              "index,step_line,name,op,heap,size_bytes,address,start_cycle,end_cycle,"
              "latency_cycles,compute_cycles,steps,loads,stores,wait_cycles,result,banks,"
              "energy_pj\n"
              "0,5,buf1,alloc,tlsf,100,0x20000010,0,40,40,30,4,3,2,1,ok,ram0,12.345\n"
              "1,6,\"x,y\",alloc,tlsf,2000,0x00000000,40,100,60,50,6,5,4,9,NoMemory,ram0+ram1,"
              "0.005\n"
              "2,7,buf1,free,tlsf,0,0x20000010,100,120,20,10,1,1,1,0,ok,ram0,1.000\n");
    fs::remove_all(dir);
}

const char* const ENERGY_HEADER =
    "bank,start_cycle,end_cycle,dynamic_pj,leakage_pj,transition_pj,total_pj,state,region,"
    "leakage_active_pj,leakage_standby_pj,leakage_retention_pj,leakage_off_pj,"
    "leakage_transition_pj\n";

TEST(TraceWriters, EnergyCsvIsExactWithTotalsPerBankRegionAndAll) {
    const fs::path dir = fresh_dir("a");
    write_run_outputs(small_record(), dir.string());
    EXPECT_EQ(read_text(dir / "energy.csv"),
              std::string(ENERGY_HEADER) +
              "ram0,0,100,12.350,2.000,0.000,14.350,active,fast,2.000,0.000,0.000,0.000,0.000\n"
              "ram1,0,100,0.005,1.500,0.000,1.505,active,slow,1.500,0.000,0.000,0.000,0.000\n"
              "ram0,100,200,1.000,2.000,0.000,3.000,active,fast,2.000,0.000,0.000,0.000,0.000\n"
              "ram1,100,200,0.000,0.700,0.300,1.000,retention,slow,0.000,0.000,0.600,0.000,0.100\n"
              "ram0,TOTAL,,13.350,4.000,0.000,17.350,,fast,4.000,0.000,0.000,0.000,0.000\n"
              "ram1,TOTAL,,0.005,2.200,0.300,2.505,,slow,1.500,0.000,0.600,0.000,0.100\n"
              "*,TOTAL,,13.350,4.000,0.000,17.350,,fast,4.000,0.000,0.000,0.000,0.000\n"
              "*,TOTAL,,0.005,2.200,0.300,2.505,,slow,1.500,0.000,0.600,0.000,0.100\n"
              "owner:tlsf,TOTAL,,13.350,4.000,0.000,17.350,,,4.000,0.000,0.000,0.000,0.000\n"
              "owner:unowned,TOTAL,,0.000,2.200,0.300,2.500,,,1.500,0.000,0.600,0.000,0.100\n"
              "\"owner:x,y\",TOTAL,,0.005,0.000,0.000,0.005,,,0.000,0.000,0.000,0.000,0.000\n"
              "ALL,TOTAL,,13.355,6.200,0.300,19.855,,,5.500,0.000,0.600,0.000,0.100\n");
    fs::remove_all(dir);
}

/// One energy.csv line as fields (a quoted field may hold commas; no quotes inside names here).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            fields.emplace_back();
        else
            fields.back() += c;
    }
    return fields;
}

/// "13.350" pJ -> 13350 fJ, exactly (the writer prints three decimals).
uint64_t pj_text_to_fj(const std::string& text) {
    const size_t dot = text.find('.');
    EXPECT_NE(dot, std::string::npos) << text;
    EXPECT_EQ(text.size() - dot, 4u) << text;
    return std::stoull(text.substr(0, dot) + text.substr(dot + 1));
}

TEST(TraceWriters, EnergyCsvOwnerRowsSumExactlyToTheAllRow) {
    RunRecord both_owned = small_record();
    both_owned.bank_owner["ram1"] = "pool";
    both_owned.energy_by_owner_fj = {{"tlsf", 13000}, {"pool", 5}, {"unowned", 350}};
    for (const RunRecord& record : {small_record(), both_owned}) {
        const fs::path dir = fresh_dir("a");
        write_run_outputs(record, dir.string());
        std::istringstream csv(read_text(dir / "energy.csv"));
        std::string line;
        std::getline(csv, line);
        const std::vector<std::string> header = csv_fields(line);
        std::vector<uint64_t> owners_fj(header.size(), 0), all_fj;
        size_t owner_rows = 0;
        while (std::getline(csv, line)) {
            const std::vector<std::string> row = csv_fields(line);
            ASSERT_EQ(row.size(), header.size()) << line;
            const bool is_owner = row[0].rfind("owner:", 0) == 0;
            if (!is_owner && row[0] != "ALL")
                continue;
            EXPECT_EQ(row[1], "TOTAL") << line;
            std::vector<uint64_t> fj(header.size(), 0);
            for (size_t i = 0; i < header.size(); ++i)
                if (header[i].size() > 3 && header[i].substr(header[i].size() - 3) == "_pj")
                    fj[i] = pj_text_to_fj(row[i]);
            if (is_owner) {
                ++owner_rows;
                for (size_t i = 0; i < fj.size(); ++i)
                    owners_fj[i] += fj[i];
            } else {
                all_fj = fj;
            }
        }
        EXPECT_EQ(owner_rows, 3u) << "tlsf, unowned, x,y / tlsf, pool, unowned";
        EXPECT_EQ(owners_fj, all_fj);
        EXPECT_NE(all_fj, std::vector<uint64_t>(header.size(), 0)) << "an all-zero file proves nothing";
        fs::remove_all(dir);
    }
}

TEST(TraceWriters, FaultsJsonlIsOneCompactObjectPerLineInFixedKeyOrder) {
    const fs::path dir = fresh_dir("a");
    write_run_outputs(small_record(), dir.string());
    EXPECT_EQ(read_text(dir / "faults.jsonl"),
              "{\"step\":7,\"cycle\":150,\"kind\":\"bus_error\",\"addr\":\"0x20010000\",\"size\":4,"
              "\"access\":\"read\",\"privileged\":true,\"domain\":0,\"mmfsr\":null,\"mmfar\":null,"
              "\"bank\":\"ram1\",\"reason\":\"retention\",\"op\":\"read\",\"heap\":\"\","
              "\"step_line\":8}\n");
    fs::remove_all(dir);
}

TEST(TraceWriters, MpuFaultLineCarriesTheStatusRegistersAndTheSameKeysInTheSameOrder) {
    RunRecord r = small_record();
    FaultRecord f;
    f.step = 3;
    f.cycle = 42;
    f.kind = "mpu_fault";
    f.address = 0x20000010;
    f.size_bytes = 4;
    f.access = "write";
    f.privileged = false;
    f.domain = 2;
    f.mmfsr = 0x82;
    f.mmfar = 0x20000010;
    f.reason = "no_region";
    f.op = "access";
    f.step_line = 12;
    r.faults = {f};
    const fs::path dir = fresh_dir("a");
    write_run_outputs(r, dir.string());
    EXPECT_EQ(read_text(dir / "faults.jsonl"),
              "{\"step\":3,\"cycle\":42,\"kind\":\"mpu_fault\",\"addr\":\"0x20000010\",\"size\":4,"
              "\"access\":\"write\",\"privileged\":false,\"domain\":2,\"mmfsr\":\"0x82\","
              "\"mmfar\":\"0x20000010\",\"bank\":\"\",\"reason\":\"no_region\",\"op\":\"access\","
              "\"heap\":\"\",\"step_line\":12}\n");
    fs::remove_all(dir);
}

TEST(TraceWriters, NoFaultsGiveAnEmptyFaultsFile) {
    RunRecord r = small_record();
    r.faults.clear();
    const fs::path dir = fresh_dir("a");
    write_run_outputs(r, dir.string());
    ASSERT_TRUE(fs::exists(dir / "faults.jsonl")) << "faults.jsonl must exist even when empty";
    EXPECT_EQ(fs::file_size(dir / "faults.jsonl"), 0u);
    fs::remove_all(dir);
}

TEST(TraceWriters, SummaryJsonParsesBackWithTheRunsFigures) {
    const fs::path dir = fresh_dir("a");
    write_run_outputs(small_record(), dir.string());
    const std::string text = read_text(dir / "summary.json");
    const json s = json::parse(text);
    EXPECT_EQ(s["scenario"], "unit");
    EXPECT_EQ(s["platform"], "tiny");
    EXPECT_EQ(s["mode"], "lt");
    EXPECT_EQ(s["seed"], 7);
    EXPECT_EQ(s["clock_period_ps"], 10000);
    EXPECT_EQ(s["end_cycle"], 200);
    EXPECT_EQ(s["totals"]["ops"], 3);
    EXPECT_EQ(s["totals"]["faults"], 1);
    EXPECT_DOUBLE_EQ(s["totals"]["energy_pj"]["total"].get<double>(), 19.855);
    EXPECT_DOUBLE_EQ(s["totals"]["energy_pj"]["dynamic"].get<double>(), 13.355);
    EXPECT_DOUBLE_EQ(s["totals"]["energy_pj"]["leakage"].get<double>(), 6.2);
    EXPECT_DOUBLE_EQ(s["totals"]["energy_pj"]["transition"].get<double>(), 0.3);

    const json& alloc = s["latency_cycles"]["alloc"];
    EXPECT_EQ(alloc["count"], 2);
    EXPECT_EQ(alloc["min"], 40);
    EXPECT_DOUBLE_EQ(alloc["mean"].get<double>(), 50.0);
    EXPECT_EQ(alloc["p50"], 40) << "nearest rank of two samples is the lower one";
    EXPECT_EQ(alloc["p99"], 60);
    EXPECT_EQ(alloc["max"], 60);
    EXPECT_EQ(s["latency_cycles"]["free"]["count"], 1);

    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_bank"]["ram1"]["total"].get<double>(), 2.505);
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_owner"]["x,y"]["dynamic"].get<double>(), 0.005);
    // Owners: dynamic from their ops; a bank's leakage and transitions go to its one allocator,
    // else to "unowned": the owners sum to the total.
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_owner"]["tlsf"]["total"].get<double>(), 17.35);
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_owner"]["tlsf"]["leakage_by_state"]["active"].get<double>(), 4.0);
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_owner"]["unowned"]["total"].get<double>(), 2.5);
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_region"]["slow"]["total"].get<double>(), 2.505);
    EXPECT_DOUBLE_EQ(s["energy_pj"]["by_region"]["slow"]["leakage_by_state"]["retention"].get<double>(), 0.6);
    EXPECT_EQ(s["energy_pj"]["by_region"]["slow"]["banks"], json::array({"ram1"}));
    EXPECT_EQ(s["energy_pj"]["by_bank"]["ram1"]["region"], "slow");
    EXPECT_DOUBLE_EQ(s["time_us_by_state"]["ram1"]["retention"].get<double>(), 0.9);
    EXPECT_EQ(s["accesses_by_bank"]["ram0"]["reads"], 4);
    EXPECT_EQ(s["allocators"]["tlsf"]["peak_bytes"], 112);
    EXPECT_TRUE(s["allocators"]["tlsf"]["peak_bytes"].is_number_integer())
        << "whole statistics read as integers";

    ASSERT_EQ(s["expectations"].size(), 2u);
    EXPECT_EQ(s["expectations"][0]["line"], 9);
    EXPECT_EQ(s["expectations"][0]["passed"], false);
    EXPECT_EQ(s["expectations"][0]["detail"], "worst was 60 cycles (op 1, line 6)");
    EXPECT_EQ(s["expectations"][1]["passed"], true);
    EXPECT_EQ(s["passed"], false) << "one expectation failed";

    // Deterministic number text: fractions are rounded before they are stored.
    EXPECT_NE(text.find("\"fragmentation\": 0.3,"), std::string::npos) << text;
    EXPECT_EQ(text.find("0000000000"), std::string::npos) << "float artefact in\n" << text;
    EXPECT_EQ(text.substr(0, 5), "{\n  \"") << "pretty-printed with 2 spaces";
    fs::remove_all(dir);
}

TEST(TraceWriters, SummaryPassesWhenEveryExpectationPasses) {
    RunRecord r = small_record();
    r.expectations[0].passed = true;
    const fs::path dir = fresh_dir("a");
    write_run_outputs(r, dir.string());
    EXPECT_EQ(json::parse(read_text(dir / "summary.json"))["passed"], true);
    r.expectations.clear();
    write_run_outputs(r, dir.string());
    EXPECT_EQ(json::parse(read_text(dir / "summary.json"))["passed"], true)
        << "no expectations is a pass";
    fs::remove_all(dir);
}

TEST(TraceWriters, TraceJsonEventsHaveTheRequiredKeysAndNumericCounters) {
    const fs::path dir = fresh_dir("a");
    write_run_outputs(small_record(), dir.string());
    const json trace = json::parse(read_text(dir / "trace.json"));
    ASSERT_TRUE(trace["traceEvents"].is_array());
    int slices = 0, dma_slices = 0, power_slices = 0, counters = 0, instants = 0;
    std::map<std::string, int> thread_names; // name -> tid
    for (const json& e : trace["traceEvents"]) {
        for (const char* key : {"ph", "ts", "pid", "tid", "name"})
            ASSERT_TRUE(e.contains(key)) << "event without " << key << ": " << e.dump();
        EXPECT_TRUE(e["ts"].is_number()) << e.dump();
        const std::string ph = e["ph"];
        if (ph == "M" && e["name"] == "thread_name")
            thread_names[e["args"]["name"]] = e["tid"];
        if (ph == "X") {
            EXPECT_TRUE(e["dur"].is_number()) << e.dump();
            (e["cat"] == "dma" ? dma_slices : e["cat"] == "power" ? power_slices : slices)++;
        }
        if (ph == "C") {
            ++counters;
            ASSERT_EQ(e["args"].size(), 1u) << e.dump();
            EXPECT_TRUE(e["args"].begin()->is_number()) << "counter not numeric: " << e.dump();
        }
        if (ph == "i")
            ++instants;
    }
    EXPECT_EQ(slices, 3) << "one slice per op";
    EXPECT_EQ(dma_slices, 2);
    EXPECT_EQ(power_slices, 1 + 3) << "fast: active; slow: active, transition, retention";
    EXPECT_EQ(counters, 4 + 4 + 4) << "4 power changes + 4 energy windows + 2 x 2 region windows";
    EXPECT_EQ(instants, 1);
    EXPECT_EQ(thread_names.size(), 6u)
        << "runtime, dma dma0, bank ram0, bank ram1, region fast, region slow";
    EXPECT_EQ(thread_names["region slow"], 6);
    EXPECT_EQ(thread_names["runtime"], 1);
    EXPECT_TRUE(thread_names.count("dma dma0"));
    EXPECT_TRUE(thread_names.count("bank ram1"));

    // Exact text of one slice: 40 cycles at 10 000 ps = 0.4 us, printed with 6 fixed decimals.
    const std::string text = read_text(dir / "trace.json");
    EXPECT_NE(text.find("{\"name\":\"alloc x,y\",\"cat\":\"op\",\"ph\":\"X\",\"ts\":0.400000,"
                        "\"dur\":0.600000,\"pid\":1,\"tid\":1,"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\"ph\":\"C\",\"ts\":1.000000,\"pid\":1,\"tid\":4,"
                        "\"args\":{\"power_state\":0.5}}"),
              std::string::npos)
        << "ram1 enters transition at cycle 100\n"
        << text;
    // ram1's second window: 1000 fJ over 100 cycles * 10 ns = 1 us -> 1 uW = 0.001 mW.
    EXPECT_NE(text.find("\"ph\":\"C\",\"ts\":1.000000,\"pid\":1,\"tid\":4,"
                        "\"args\":{\"power_mw\":0.001000}}"),
              std::string::npos)
        << text;
    // The region's state as slices: slow is in transition over cycles [100, 110).
    EXPECT_NE(text.find("{\"name\":\"transition\",\"cat\":\"power\",\"ph\":\"X\",\"ts\":1.000000,"
                        "\"dur\":0.100000,\"pid\":1,\"tid\":6,\"args\":{\"region\":\"slow\"}}"),
              std::string::npos)
        << text;
    fs::remove_all(dir);
}

TEST(TraceWriters, PowerStateLevelsAreDocumentedNumbers) {
    EXPECT_EQ(power_state_level("active"), 3);
    EXPECT_EQ(power_state_level("standby"), 2);
    EXPECT_EQ(power_state_level("retention"), 1);
    EXPECT_EQ(power_state_level("off"), 0);
    EXPECT_EQ(power_state_level("transition"), 0.5);
    EXPECT_EQ(power_state_level("sleepy"), -1);
}

TEST(TraceWriters, EqualRecordsGiveByteIdenticalFiles) {
    const fs::path a = fresh_dir("a"), b = fresh_dir("b");
    write_run_outputs(small_record(), a.string());
    write_run_outputs(small_record(), b.string());
    for (const char* name : OUTPUT_FILES) {
        const std::string first = read_text(a / name);
        EXPECT_FALSE(first.empty() && std::string(name) != "faults.jsonl") << name;
        EXPECT_EQ(first, read_text(b / name)) << name << " differs between equal records";
    }
    std::ostringstream s1, s2;
    print_run_summary(small_record(), s1);
    print_run_summary(small_record(), s2);
    EXPECT_EQ(s1.str(), s2.str());
    fs::remove_all(a);
    fs::remove_all(b);
}

TEST(TraceWriters, EmptyRecordStillWritesEveryFile) {
    RunRecord r;
    r.scenario = "empty";
    r.clock_period_ps = 1000;
    const fs::path dir = fresh_dir("a");
    write_run_outputs(r, dir.string());
    for (const char* name : OUTPUT_FILES)
        EXPECT_TRUE(fs::exists(dir / name)) << name;
    EXPECT_EQ(read_text(dir / "energy.csv"),
              std::string(ENERGY_HEADER) + "ALL,TOTAL,,0.000,0.000,0.000,0.000,,,0.000,0.000,0.000,0.000,0.000\n");
    const json s = json::parse(read_text(dir / "summary.json"));
    EXPECT_TRUE(s["latency_cycles"].is_object());
    EXPECT_TRUE(s["expectations"].is_array());
    EXPECT_NO_THROW(json::parse(read_text(dir / "trace.json")));
    fs::remove_all(dir);
}

TEST(TraceWriters, UnwritableDirectoryThrowsNamingThePath) {
    const fs::path dir = fresh_dir("a");
    std::ofstream(dir.string()) << "a file, not a directory";
    try {
        write_run_outputs(small_record(), (dir / "sub").string());
        FAIL() << "writing under a regular file succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}

TEST(TraceWriters, HumanSummaryHasAlignedTablesAndExpectationLines) {
    std::ostringstream out;
    print_run_summary(small_record(), out);
    const std::string text = out.str();
    EXPECT_NE(text.find("scenario unit: platform tiny, mode lt, seed 7\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("simulated 200 cycles (2.000 us), 3 operations\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("op                count    min_cyc   mean_cyc    p50_cyc    p99_cyc"
                        "    max_cyc\n"
                        "alloc                 2         40      50.00         40         60"
                        "         60\n"
                        "free                  1         20      20.00         20         20"
                        "         20\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ram1                    0.005          2.200          0.300"
                        "          2.505\n"
                        "total                  13.355          6.200          0.300"
                        "         19.855\n"
                        "total energy 0.000020 uJ\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("faults: 1 (bus_error/retention 1)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("expectations: 1 passed, 1 failed\n"
                        "  FAIL line 9: max_latency_cycles <= 50 (op alloc) (worst was 60 cycles "
                        "(op 1, line 6))\n"
                        "  PASS line 10: heap_free_min tlsf >= 1000\n"),
              std::string::npos)
        << text;
}

TEST(TraceWriters, TraceJsonHasADomainTrackFromEachLoadedSwitchToTheNext) {
    RunRecord r = small_record();
    r.mpu.emplace();
    // kernel -> a at [10, 20), a refused switch (no slice), a -> b at [50, 60); the run ends at
    // r.end_cycle: slices a [20, 60) and b [60, end).
    r.mpu->switches.push_back({1, 10, 20, "kernel", "a", 18, "ok"});
    r.mpu->switches.push_back({2, 30, 30, "a", "c", 0, "InvalidRegion"});
    r.mpu->switches.push_back({3, 50, 60, "a", "b", 18, "ok"});
    ASSERT_GT(r.end_cycle, 60u);
    const fs::path dir = fresh_dir("domains");
    write_run_outputs(r, dir.string());
    const json trace = json::parse(read_text(dir / "trace.json"));
    int domain_tid = 0;
    std::vector<std::tuple<std::string, double, double>> slices; // name, ts, dur (us)
    for (const json& e : trace["traceEvents"])
        if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "domain")
            domain_tid = e["tid"];
    ASSERT_NE(domain_tid, 0) << "a domain track";
    for (const json& e : trace["traceEvents"])
        if (e["ph"] == "X" && e["tid"] == domain_tid)
            slices.emplace_back(e["name"], e["ts"], e["dur"]);
    ASSERT_EQ(slices.size(), 2u);
    const double us_per_cycle = static_cast<double>(r.clock_period_ps) / 1e6;
    EXPECT_EQ(std::get<0>(slices[0]), "a");
    EXPECT_DOUBLE_EQ(std::get<1>(slices[0]), 20 * us_per_cycle);
    EXPECT_DOUBLE_EQ(std::get<2>(slices[0]), 40 * us_per_cycle);
    EXPECT_EQ(std::get<0>(slices[1]), "b");
    EXPECT_DOUBLE_EQ(std::get<2>(slices[1]), static_cast<double>(r.end_cycle - 60) * us_per_cycle);

    r.mpu->switches.clear();
    write_run_outputs(r, dir.string());
    for (const json& e : json::parse(read_text(dir / "trace.json"))["traceEvents"])
        EXPECT_FALSE(e["ph"] == "M" && e["args"].contains("name") && e["args"]["name"] == "domain")
            << "no switches, no domain track";
    fs::remove_all(dir);
}

} // namespace
} // namespace emsim
