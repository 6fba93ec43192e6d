// emsim_mpu_qemu_compare: QEMU ground truth against emsim's Mpu model (issue 5).
//
//   emsim_mpu_qemu_compare compare  pmsav7|pmsav8 <qemu results>
//       Regenerates the vectors of tests/target/mpu_vectors/mpu_vectors.h, replays on the Mpu
//       model exactly the register stores the probe firmware made on QEMU (privileged word
//       stores through TLM with the AccessAttributes extension), performs every probe privileged
//       and unprivileged through b_transport, reads MMFSR (CFSR[7:0]) and MMFAR (only when
//       MMARVALID) as the firmware's MemManage handler does, clears CFSR by write-one, and
//       compares verdict, fault count, MMFSR and MMFAR with every line of the firmware's output
//       (format: tests/target/mpu_probe/probe_main.cpp), and the register read-back the
//       firmware printed after programming each vector with the model's. Exit 0 only when all agree, every
//       probe has its line and the firmware finished; otherwise the first mismatches are printed
//       with their vector, and the exit status is 1 (2: bad arguments or unreadable file).
//
//   emsim_mpu_qemu_compare scenario pmsav7|pmsav8 <qemu results> <out dir> [vectors]
//       Writes the same vectors as an emsim scenario for `emsim run` (grammar: sim/mpu_steps.h,
//       platform: sim/mpu_config.h): <out dir>/platform.yaml (one 4 MB bank over the probe
//       window and an `mpu:` section with the DREGION QEMU reported), <out dir>/scenario.yaml
//       (the firmware's register stores and loads and its probes, in its order, with QEMU's
//       read-back words and CFSR/MMFAR values as mpu_read expectations; see the file's header)
//       and <out dir>/expected_faults.jsonl (QEMU's faults, one line per MemManage exception,
//       with the faults.jsonl keys step, kind, addr, size, access, privileged, mmfsr, mmfar).
//       The firmware's handler clears CFSR after each fault, so QEMU's MMFSR is the bits that
//       fault set: what emsim's fault record holds (MpuFault::mmfsr); the scenario repeats the
//       handler's loads and write-one-to-clear store so the CFSR/MMFAR registers are compared
//       too. `vectors` limits the count (default: all).
//   emsim_mpu_qemu_compare faults <expected_faults.jsonl> <faults.jsonl>
//       Compares every line of an `emsim run` faults.jsonl (any kind) with the expected ones,
//       grouped by step, on the expected file's keys (cycle and domain are not compared: QEMU
//       has no emsim cycle, and every access runs outside as_domain). Exit 0 when each expected
//       fault has its equal and there is no other. tests/target/run_mpu_scenario.cmake chains
//       scenario, `emsim run` and faults under CTest.

#include "models/access_attributes.h"
#include "models/blocking_initiator.h"
#include "models/clock.h"
#include "models/mpu.h"
#include "tests/target/mpu_vectors/mpu_vectors.h"

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace emsim;
namespace mv = emsim::mpuvec;

namespace {

constexpr uint32_t CFSR = 0xE000ED28;
constexpr uint32_t MMFAR = 0xE000ED34;
constexpr uint32_t MPU_CTRL = mv::REG_CTRL;
constexpr size_t MISMATCHES_SHOWN = 20;

/// One probe at one privilege level: what happened.
struct Outcome {
    uint32_t faults = 0; ///< MemManage exceptions taken (QEMU) / error responses (model)
    uint32_t mmfsr = 0;
    std::optional<uint32_t> mmfar;
    bool operator==(const Outcome& o) const {
        return faults == o.faults && mmfsr == o.mmfsr && mmfar == o.mmfar;
    }
};

std::string describe(const Outcome& o) {
    char buf[64];
    if (o.faults == 0 && o.mmfsr == 0) return "allowed";
    std::snprintf(buf, sizeof buf, "%u fault(s) MMFSR=0x%02x MMFAR=", o.faults, o.mmfsr);
    std::string s = buf;
    if (o.mmfar) {
        std::snprintf(buf, sizeof buf, "0x%08x", *o.mmfar);
        s += buf;
    } else {
        s += "-";
    }
    return s;
}

/// A line of the probe firmware's output.
struct QemuLine {
    uint32_t vector = 0, probe = 0, address = 0, size = 0;
    char kind = 0;
    bool privileged = true;
    Outcome outcome;
};

using ProbeKey = std::tuple<uint32_t, uint32_t, bool>; // vector, probe, privileged

struct QemuResults {
    std::string header;
    uint32_t dregion = 0;
    bool done = false;
    std::map<ProbeKey, QemuLine> lines;
    std::map<uint32_t, std::vector<uint32_t>> read_back; ///< per vector: the "regs" words
    std::vector<std::string> errors; ///< malformed or duplicate lines, fatal reports
};

QemuResults read_results(const std::string& path, mv::Flavour flavour) {
    QemuResults r;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string text;
    unsigned line_no = 0;
    const char* expected = flavour == mv::Flavour::Pmsav7 ? "# mpu-probe pmsav7 " : "# mpu-probe pmsav8 ";
    while (std::getline(in, text)) {
        ++line_no;
        if (text.empty()) continue;
        const std::string where = path + ":" + std::to_string(line_no) + ": ";
        if (text[0] == '#') {
            if (text.rfind("# mpu-probe ", 0) == 0) {
                if (text.rfind(expected, 0) != 0)
                    r.errors.push_back(where + "results of the other flavour: " + text);
                r.header = text;
                const size_t at = text.find("dregion=");
                if (at != std::string::npos) r.dregion = std::stoul(text.substr(at + 8));
            } else if (text.rfind("# done ", 0) == 0) {
                r.done = true;
            } else {
                r.errors.push_back(where + text); // FATAL / wrong MPU reports
            }
            continue;
        }
        if (text.find(" regs") != std::string::npos) {
            std::istringstream words(text);
            uint32_t vector = 0;
            std::string tag;
            words >> vector >> tag;
            std::vector<uint32_t> values;
            std::string word;
            while (words >> word) values.push_back(static_cast<uint32_t>(std::stoul(word, nullptr, 16)));
            if (!words.eof() || tag != "regs" || !r.read_back.emplace(vector, values).second)
                r.errors.push_back(where + "malformed or duplicate: " + text);
            continue;
        }
        QemuLine q;
        char kind_size[8] = {}, priv[4] = {}, verdict[8] = {}, mmfar[16] = {};
        unsigned mmfsr = 0;
        if (std::sscanf(text.c_str(), "%" SCNu32 " %" SCNu32 " %" SCNx32 " %7s %3s %7s %x %15s",
                        &q.vector, &q.probe, &q.address, kind_size, priv, verdict, &mmfsr,
                        mmfar) != 8) {
            r.errors.push_back(where + "malformed: " + text);
            continue;
        }
        q.kind = kind_size[0];
        q.size = static_cast<uint32_t>(std::strtoul(kind_size + 1, nullptr, 10));
        q.privileged = priv[0] == 'p';
        q.outcome.faults = verdict[0] == 'F' ? (verdict[1] ? std::strtoul(verdict + 1, nullptr, 10) : 1) : 0;
        q.outcome.mmfsr = mmfsr;
        if (mmfar[0] != '-') q.outcome.mmfar = static_cast<uint32_t>(std::strtoul(mmfar, nullptr, 16));
        if (!r.lines.emplace(ProbeKey{q.vector, q.probe, q.privileged}, q).second)
            r.errors.push_back(where + "duplicate: " + text);
    }
    return r;
}

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

/// The vector's configuration, one line per used slot, decoded.
std::string describe(mv::Flavour flavour, const mv::Vector& v) {
    std::ostringstream s;
    s << "    CTRL=" << hex(v.ctrl);
    if (flavour == mv::Flavour::Pmsav8) s << " MAIR0=" << hex(v.mair0) << " MAIR1=" << hex(v.mair1);
    s << "\n";
    for (uint32_t n = 0; n < mv::SLOTS; ++n) {
        const uint32_t rbar = v.rbar[n], r2 = v.rasr_rlar[n];
        if (rbar == 0 && r2 == 0) continue;
        s << "    [" << n << "] RBAR=" << hex(rbar) << (flavour == mv::Flavour::Pmsav7 ? " RASR=" : " RLAR=")
          << hex(r2);
        if (flavour == mv::Flavour::Pmsav7) {
            const uint32_t size_field = (r2 >> 1) & 0x1F;
            s << "  (EN=" << (r2 & 1) << " size=2^" << size_field + 1 << " AP=" << ((r2 >> 24) & 7)
              << " XN=" << ((r2 >> 28) & 1) << " SRD=0x" << std::hex << ((r2 >> 8) & 0xFF) << std::dec
              << ((rbar & ((uint64_t(1) << (size_field + 1)) - 1) & ~0x1Fu) ? " base misaligned" : "")
              << ")";
        } else {
            s << "  (EN=" << (r2 & 1) << " " << hex(rbar & ~0x1Fu) << ".." << hex(r2 | 0x1F)
              << " AP=" << ((rbar >> 1) & 3) << " XN=" << (rbar & 1) << ")";
        }
        s << "\n";
    }
    return s.str();
}

// ---------------------------------------------------------------------------------------------
// The model side

/// Behind the Mpu: accepts every access (the probe window is plain RAM on both boards).
class AcceptAll : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<AcceptAll> socket;
    explicit AcceptAll(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
        socket.register_b_transport(this, &AcceptAll::b_transport);
    }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

/// The core: replays the firmware's stores and probes through the Mpu, one vector after another.
class ProbeCore : public sc_core::sc_module {
public:
    BlockingInitiator port;
    std::map<ProbeKey, Outcome> outcomes;
    std::map<uint32_t, std::vector<uint32_t>> read_back; ///< per vector, as the firmware's
    std::vector<std::string> errors;
    /// How the model resolved each checked probe ("region denied", "background allowed", ...)
    /// and which UNPREDICTABLE or reserved encodings the vectors used: shows what the agreement
    /// covers.
    std::map<std::string, size_t> coverage;
    const Mpu* mpu = nullptr; ///< set before sc_start: the configuration for the coverage

    SC_HAS_PROCESS(ProbeCore);
    ProbeCore(sc_core::sc_module_name name, const Clock& clock, mv::Flavour flavour,
              uint32_t dregion)
        : sc_module(name), port("out", TimingMode::Lt, clock), m_flavour(flavour),
          m_dregion(dregion) {
        SC_THREAD(run);
    }

private:
    tlm::tlm_response_status access(bool write, uint32_t address, uint32_t& value, uint32_t size,
                                    const AccessAttributes& attrs) {
        tlm::tlm_generic_payload trans;
        uint8_t data[4];
        std::memcpy(data, &value, 4);
        prepare_access(trans, write, address, data, size);
        trans.set_extension(new AccessAttributes(attrs)); // freed with the payload
        port.transport(trans);
        std::memcpy(&value, data, 4);
        return trans.get_response_status();
    }
    void store(uint32_t address, uint32_t value) {
        if (access(true, address, value, 4, PRIVILEGED_DATA) != tlm::TLM_OK_RESPONSE)
            errors.push_back("register store to " + hex(address) + " refused");
    }
    uint32_t load(uint32_t address) {
        uint32_t value = 0;
        if (access(false, address, value, 4, PRIVILEGED_DATA) != tlm::TLM_OK_RESPONSE)
            errors.push_back("register load from " + hex(address) + " refused");
        return value;
    }

    /// The firmware's apply(): mv::program, then mv::read_back (kept for the comparison).
    void apply(uint32_t vector, const mv::Vector& v) {
        const auto store_fn = [this](uint32_t address, uint32_t value) { store(address, value); };
        const auto load_fn = [this](uint32_t address) { return load(address); };
        mv::program(m_flavour, v, m_dregion, mv::programming_style(vector), store_fn);
        std::vector<uint32_t>& words = read_back[vector];
        words.resize(mv::read_back_words(m_dregion));
        mv::read_back(m_flavour, m_dregion, words.data(), store_fn, load_fn);
    }

    /// The firmware's run_probe() plus its MemManage handler.
    Outcome probe(const mv::Vector& v, const mv::Probe& p, bool privileged) {
        store(MPU_CTRL, v.ctrl);
        const AccessKind kind = p.kind == mv::PROBE_EXEC ? AccessKind::Fetch
                                : p.kind == mv::PROBE_WRITE ? AccessKind::Write
                                                            : AccessKind::Read;
        const AccessAttributes attrs{privileged, kind, 0};
        MpuDecision d = decide(mpu->config(), p.address, p.size, kind, privileged);
        ++coverage[std::string(enum_name(MPU_MATCH_NAMES, d.match)) +
                   (d.allowed ? " allowed" : " denied")];
        if (privileged && through_disabled_subregion(p.address)) ++coverage["probes through a disabled subregion"];
        uint32_t value = mv::probe_store_value(p.address, p.size);
        const tlm::tlm_response_status status =
            access(p.kind == mv::PROBE_WRITE, p.address, value, p.size, attrs);
        Outcome o;
        if (status == tlm::TLM_GENERIC_ERROR_RESPONSE) {
            ++o.faults;
            o.mmfsr = load(CFSR) & 0xFFu;
            if (o.mmfsr & MMFSR_MMARVALID) o.mmfar = load(MMFAR);
            store(CFSR, o.mmfsr);
        } else if (status != tlm::TLM_OK_RESPONSE) {
            errors.push_back("probe at " + hex(p.address) + ": response " +
                             std::to_string(static_cast<int>(status)));
        }
        return o;
    }

    /// PMSAv7, MPU on: the highest region containing `address` has its subregion disabled, so
    /// a lower region or the background decides.
    bool through_disabled_subregion(uint32_t address) const {
        const MpuConfig& c = mpu->config();
        if (m_flavour != mv::Flavour::Pmsav7 || !(c.ctrl & CTRL_ENABLE)) return false;
        for (int n = static_cast<int>(c.region_count) - 1; n >= 0; --n) {
            const V7Region r = decode_v7(c.regions[n]);
            if (!r.valid || address < r.base || address - r.base >= r.size_bytes) continue;
            if (!r.has_subregions) return false;
            const uint64_t sub = (address - r.base) / (r.size_bytes / 8);
            return (c.regions[n].rasr >> (V7_RASR_SRD_SHIFT + sub)) & 1u;
        }
        return false;
    }

    void count_encodings(const mv::Vector& v) {
        for (uint32_t n = 0; n < mv::HARNESS_SLOT; ++n) {
            const MpuRegionRegs regs{v.rbar[n], v.rasr_rlar[n], v.rasr_rlar[n]};
            if (m_flavour == mv::Flavour::Pmsav8) {
                if (!(regs.rlar & V8_RLAR_EN)) continue;
                ++coverage["regions: v8 enabled"];
                if ((regs.rlar | 0x1Fu) < (regs.rbar & ~0x1Fu)) ++coverage["regions: v8 limit below base"];
                continue;
            }
            if (!(regs.rasr & V7_RASR_ENABLE)) continue;
            ++coverage["regions: v7 enabled"];
            const uint32_t size_field = (regs.rasr >> V7_RASR_SIZE_SHIFT) & V7_RASR_SIZE_MASK;
            if (size_field == 0) ++coverage["regions: v7 SIZE=0"];
            else if (size_field < 4) ++coverage["regions: v7 SIZE<4 (below 32 bytes)"];
            else if (!decode_v7(regs).valid) ++coverage["regions: v7 base misaligned to size"];
            if (((regs.rasr >> V7_RASR_AP_SHIFT) & 7u) == 4) ++coverage["regions: v7 AP=4 (reserved)"];
            if ((regs.rasr >> V7_RASR_SRD_SHIFT) & 0xFFu) ++coverage["regions: v7 SRD != 0"];
        }
    }

    void run() {
        mv::Vector v;
        const uint32_t count = mv::vector_count(m_flavour);
        for (uint32_t i = 0; i < count; ++i) {
            mv::make_vector(m_flavour, i, v);
            apply(i, v);
            count_encodings(v);
            for (uint32_t p = 0; p < v.probe_count; ++p)
                for (bool privileged : {true, false})
                    outcomes[ProbeKey{i, p, privileged}] = probe(v, v.probes[p], privileged);
        }
        store(MPU_CTRL, 0);
    }

    static inline const AccessAttributes PRIVILEGED_DATA{true, AccessKind::Read, 0};
    const mv::Flavour m_flavour;
    const uint32_t m_dregion;
};

mv::Flavour parse_flavour(const std::string& s) {
    if (s == "pmsav7") return mv::Flavour::Pmsav7;
    if (s == "pmsav8") return mv::Flavour::Pmsav8;
    throw std::invalid_argument("flavour must be pmsav7 or pmsav8, got '" + s + "'");
}

int compare(mv::Flavour flavour, const std::string& results_path) {
    const char* name = flavour == mv::Flavour::Pmsav7 ? "pmsav7" : "pmsav8";
    const QemuResults qemu = read_results(results_path, flavour);
    if (qemu.header.empty() || (qemu.dregion != 8 && qemu.dregion != 16)) {
        std::cerr << results_path << ": no '# mpu-probe " << name
                  << " ... dregion=8|16' header: did the firmware run?\n";
        return 1;
    }
    Clock clock;
    MpuParams params;
    params.flavour = flavour == mv::Flavour::Pmsav7 ? MpuFlavour::Pmsav7 : MpuFlavour::Pmsav8;
    params.regions = qemu.dregion;
    ProbeCore core("core", clock, flavour, qemu.dregion);
    Mpu mpu("mpu", params, clock);
    AcceptAll memory("memory");
    core.port.socket.bind(mpu.in);
    mpu.out.bind(memory.socket);
    core.mpu = &mpu;
    sc_core::sc_start();

    // Register read-back, vector by vector: word names for the report.
    size_t read_back_checks = 0, read_back_mismatches = 0;
    const auto word_name = [&](size_t i) -> std::string {
        static const char* fixed[] = {"MPU_TYPE", "MPU_CTRL", "MPU_RNR", "MPU_MAIR0", "MPU_MAIR1"};
        if (i < 5) return fixed[i];
        const size_t n = (i - 5) / 2;
        return std::string((i - 5) % 2 ? (flavour == mv::Flavour::Pmsav7 ? "RASR" : "RLAR") : "RBAR") +
               "[" + std::to_string(n) + "]";
    };
    std::vector<std::string> read_back_report;
    for (const auto& [vector, model_words] : core.read_back) {
        ++read_back_checks;
        const auto q = qemu.read_back.find(vector);
        std::string diff;
        if (q == qemu.read_back.end()) diff = "no QEMU regs line";
        else if (q->second.size() != model_words.size()) diff = "QEMU regs line has " + std::to_string(q->second.size()) + " words";
        else
            for (size_t w = 0; w < model_words.size(); ++w)
                if (q->second[w] != model_words[w]) {
                    diff += " " + word_name(w) + ": QEMU " + hex(q->second[w]) + " model " + hex(model_words[w]) + ";";
                }
        if (diff.empty()) continue;
        ++read_back_mismatches;
        if (read_back_report.size() < MISMATCHES_SHOWN)
            read_back_report.push_back("vector " + std::to_string(vector) + " (programming style " +
                                       std::to_string(mv::programming_style(vector)) + "):" + diff);
    }

    // Compare probe by probe, in generation order.
    // missing: no QEMU line, or a line for another probe (generator drift); extra: QEMU lines
    // for probes the host does not have.
    size_t checks = 0, agree = 0, faults_qemu = 0, mismatches = 0, missing = 0, lines_used = 0;
    uint32_t probes = 0;
    mv::Vector v;
    std::vector<std::string> report;
    const uint32_t count = mv::vector_count(flavour);
    for (uint32_t i = 0; i < count; ++i) {
        mv::make_vector(flavour, i, v);
        probes += v.probe_count;
        bool shown = false;
        for (uint32_t p = 0; p < v.probe_count; ++p) {
            const mv::Probe& probe = v.probes[p];
            for (bool privileged : {true, false}) {
                ++checks;
                const ProbeKey key{i, p, privileged};
                const auto q = qemu.lines.find(key);
                const Outcome& model = core.outcomes.at(key);
                char what[96];
                std::snprintf(what, sizeof what, "vector %u probe %u: %s %u bytes at 0x%08x %s",
                              i, p,
                              probe.kind == mv::PROBE_READ    ? "read"
                              : probe.kind == mv::PROBE_WRITE ? "write"
                                                              : "exec",
                              probe.size, probe.address, privileged ? "privileged" : "unprivileged");
                if (q == qemu.lines.end()) {
                    ++missing;
                    if (report.size() < MISMATCHES_SHOWN) report.push_back(std::string(what) + ": no QEMU line");
                    continue;
                }
                ++lines_used;
                const QemuLine& line = q->second;
                if (line.address != probe.address || line.size != probe.size ||
                    line.kind != mv::probe_kind_char(probe.kind)) {
                    ++missing;
                    if (report.size() < MISMATCHES_SHOWN)
                        report.push_back(std::string(what) + ": QEMU probed something else (firmware and host "
                                         "generators disagree)");
                    continue;
                }
                if (line.outcome.faults) ++faults_qemu;
                if (line.outcome == model) {
                    ++agree;
                    continue;
                }
                ++mismatches;
                if (report.size() < MISMATCHES_SHOWN) {
                    std::string entry = std::string(what) + ":\n      QEMU:  " + describe(line.outcome) +
                                        "\n      model: " + describe(model) + "\n";
                    if (!shown) entry += describe(flavour, v);
                    shown = true;
                    report.push_back(entry);
                }
            }
        }
    }
    const size_t extra = qemu.lines.size() - lines_used;
    std::printf("%s on %s (MPU_TYPE.DREGION=%u): vectors=%u (hand-picked %u) probes=%u "
                "checks=%zu (privileged + unprivileged) qemu_faults=%zu agree=%zu mismatches=%zu "
                "missing=%zu extra=%zu\n",
                name, mv::board_of(flavour).machine, qemu.dregion, count,
                mv::hand_picked_count(flavour), probes, checks, faults_qemu, agree, mismatches,
                missing, extra);
    std::printf("  register read-back after programming: vectors=%zu mismatches=%zu\n",
                read_back_checks, read_back_mismatches);
    for (const std::string& r : read_back_report) std::printf("  READ-BACK MISMATCH %s\n", r.c_str());
    for (const auto& [what, n] : core.coverage) std::printf("  coverage %-40s %zu\n", what.c_str(), n);
    for (const std::string& e : qemu.errors) std::printf("  QEMU output: %s\n", e.c_str());
    for (const std::string& e : core.errors) std::printf("  model: %s\n", e.c_str());
    for (const std::string& r : report) std::printf("  MISMATCH %s\n", r.c_str());
    if (!qemu.done) std::printf("  the firmware did not finish (no '# done' line)\n");
    const bool ok = qemu.done && mismatches == 0 && missing == 0 && extra == 0 &&
                    read_back_mismatches == 0 && qemu.read_back.size() == read_back_checks &&
                    qemu.errors.empty() && core.errors.empty() && agree == checks;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// The scenario emitter

const char* access_name(uint8_t kind) {
    return kind == mv::PROBE_READ ? "read" : kind == mv::PROBE_WRITE ? "write" : "exec";
}

/// The firmware's word index (read_back()'s `out`) of a read-back load at `address`, the region
/// registers selected by RNR = `rnr`.
size_t read_back_index(uint32_t address, uint32_t rnr) {
    switch (address) {
    case mv::REG_TYPE: return 0;
    case mv::REG_CTRL: return 1;
    case mv::REG_RNR: return 2;
    case mv::REG_MAIR0: return 3;
    case mv::REG_MAIR1: return 4;
    case mv::REG_RBAR: return 5 + 2 * size_t{rnr};
    case mv::REG_RASR_RLAR: return 6 + 2 * size_t{rnr};
    default: throw std::logic_error("read_back loads no register at " + hex(address));
    }
}

int emit_scenario(mv::Flavour flavour, const std::string& results_path, const std::string& dir,
                  uint32_t limit) {
    const QemuResults qemu = read_results(results_path, flavour);
    if (!qemu.done || !qemu.errors.empty() || (qemu.dregion != 8 && qemu.dregion != 16)) {
        std::cerr << results_path << ": incomplete or broken QEMU results\n";
        return 1;
    }
    const char* name = flavour == mv::Flavour::Pmsav7 ? "pmsav7" : "pmsav8";
    const mv::Board& board = mv::board_of(flavour);
    std::filesystem::create_directories(dir);
    std::ofstream platform(dir + "/platform.yaml");
    platform << "# Generated by emsim_mpu_qemu_compare: " << board.machine
             << "'s probe window as one zero-wait bank, and its MPU as QEMU reported it.\n"
             << "name: mpu_qemu_" << name << "\n"
             << "clock:\n  frequency_mhz: 25\n"
             << "interconnect:\n  arbitration: round_robin\n  hop_cycles: 1\n"
             << "cpu:\n  op_base_cycles: 12\n  per_step_cycles: 4\n"
             << "bank_defaults:\n  word_bytes: 4\n  read_cycles: 1\n  write_cycles: 1\n"
             << "  read_energy_pj: 5.0\n  write_energy_pj: 6.0\n"
             << "  leakage_active_uw_per_kib: 0.1\n  leakage_standby_uw_per_kib: 0.05\n"
             << "  leakage_retention_uw_per_kib: 0.01\n  leakage_off_uw_per_kib: 0.0\n"
             << "  standby_wake_cycles: 1\n  retention_wake_cycles: 10\n  off_wake_cycles: 100\n"
             << "banks:\n  - name: probe_window\n    base: " << hex(board.ram_base)
             << "\n    size_kib: " << board.ram_bytes / 1024 << "\n"
             << "mpu:\n  flavour: " << name << "\n  regions: " << qemu.dregion
             << "\n  fault_policy: log\n";

    // Register names as the grammar spells them: this flavour's table and the fault registers.
    size_t table_size = 0;
    const MpuRegDesc* table = Mpu::registers(
        flavour == mv::Flavour::Pmsav7 ? MpuFlavour::Pmsav7 : MpuFlavour::Pmsav8, table_size);
    std::map<uint32_t, std::string> register_names;
    for (size_t i = 0; i < table_size; ++i) register_names.emplace(table[i].address, table[i].name);
    for (const MpuRegDesc& reg : MPU_FAULT_REGS) register_names.emplace(reg.address, reg.name);
    const auto register_name = [&](uint32_t address) -> const std::string& {
        const auto found = register_names.find(address);
        if (found == register_names.end()) throw std::logic_error("no MPU register at " + hex(address));
        return found->second;
    };

    std::ofstream scenario(dir + "/scenario.yaml");
    std::ofstream expected(dir + "/expected_faults.jsonl");
    const uint32_t count = std::min(limit, mv::vector_count(flavour));
    scenario << "# Generated by emsim_mpu_qemu_compare from tests/target/mpu_vectors: " << count
             << " " << name << " vectors as run on QEMU " << board.machine << ".\n"
             << "# The probe firmware's register stores and loads and its probes, in its order: per\n"
             << "# vector the programming stores, the read-back loads (expect: the words QEMU read),\n"
             << "# then per probe and privilege level a CTRL store and the access; after each access\n"
             << "# QEMU faulted, the firmware's MemManage handler: load CFSR (expect: QEMU's MMFSR;\n"
             << "# BFSR and UFSR stay 0, their faults stop the firmware), load MMFAR when MMARVALID\n"
             << "# (expect: QEMU's), store CFSR = those MMFSR bits (write one to clear).\n"
             << "# QEMU's faults, by step: expected_faults.jsonl.\n"
             << "name: mpu_qemu_" << name << "\nplatform: platform.yaml\nseed: 1\nmode: lt\nsteps:\n";
    uint32_t step = 0, rnr = 0;
    size_t stores = 0, loads = 0, accesses = 0, faults = 0;
    const auto store = [&](uint32_t address, uint32_t value) {
        scenario << "  - mpu_write: {reg: " << register_name(address) << ", value: " << hex(value) << "}\n";
        ++step;
        ++stores;
        if (address == mv::REG_RNR) rnr = value;
    };
    const auto load = [&](uint32_t address, uint32_t expect) {
        scenario << "  - mpu_read: {reg: " << register_name(address) << ", expect: " << hex(expect) << "}\n";
        ++step;
        ++loads;
    };
    mv::Vector v;
    for (uint32_t i = 0; i < count; ++i) {
        mv::make_vector(flavour, i, v);
        scenario << "  # vector " << i << "\n";
        mv::program(flavour, v, qemu.dregion, mv::programming_style(i), store);
        const auto read_back = qemu.read_back.find(i);
        if (read_back == qemu.read_back.end() ||
            read_back->second.size() != mv::read_back_words(qemu.dregion)) {
            std::cerr << results_path << ": no or a short regs line for vector " << i << "\n";
            return 1;
        }
        std::vector<uint32_t> words(mv::read_back_words(qemu.dregion));
        mv::read_back(flavour, qemu.dregion, words.data(), store, [&](uint32_t address) {
            const uint32_t word = read_back->second[read_back_index(address, rnr)];
            load(address, word);
            return word;
        });
        for (uint32_t p = 0; p < v.probe_count; ++p) {
            const mv::Probe& probe = v.probes[p];
            for (bool privileged : {true, false}) {
                const auto q = qemu.lines.find(ProbeKey{i, p, privileged});
                if (q == qemu.lines.end() || q->second.address != probe.address ||
                    q->second.size != probe.size || q->second.kind != mv::probe_kind_char(probe.kind)) {
                    std::cerr << results_path << ": no QEMU line for vector " << i << " probe " << p
                              << (privileged ? " privileged" : " unprivileged")
                              << " (or one for another probe: the generators disagree)\n";
                    return 1;
                }
                store(MPU_CTRL, v.ctrl); // the firmware's run_probe()
                scenario << "  - access: {addr: " << hex(probe.address) << ", size: "
                         << unsigned(probe.size) << ", kind: " << access_name(probe.kind)
                         << ", privileged: " << (privileged ? "true" : "false") << "}\n";
                ++step;
                ++accesses;
                const Outcome& o = q->second.outcome;
                if (!o.faults) continue;
                nlohmann::ordered_json j;
                j["step"] = step;
                j["kind"] = "mpu_fault";
                j["addr"] = hex(probe.address);
                j["size"] = probe.size;
                j["access"] = access_name(probe.kind);
                j["privileged"] = privileged;
                char mmfsr[8];
                std::snprintf(mmfsr, sizeof mmfsr, "0x%02x", o.mmfsr);
                j["mmfsr"] = mmfsr;
                j["mmfar"] = o.mmfar ? nlohmann::ordered_json(hex(*o.mmfar)) : nlohmann::ordered_json();
                for (uint32_t f = 0; f < o.faults; ++f) expected << j.dump() << "\n"; // QEMU's "Fn"
                faults += o.faults;
                // The firmware's memmanage_record().
                load(CFSR, o.mmfsr);
                if (o.mmfar) load(MMFAR, *o.mmfar);
                store(CFSR, o.mmfsr);
            }
        }
    }
    store(MPU_CTRL, 0); // the firmware's last store
    if (!scenario || !expected || !platform) {
        std::cerr << "cannot write the scenario into " << dir << "\n";
        return 1;
    }
    std::printf("%s: %u vectors -> %s: %u steps: %zu accesses (%zu QEMU faults), %zu register "
                "stores, %zu register loads with QEMU's value as expect\n",
                name, count, dir.c_str(), step, accesses, faults, stores, loads);
    return 0;
}

/// Compares an `emsim run` faults.jsonl with expected_faults.jsonl: every line of both (any
/// kind: a bus_error where QEMU had none is an unexpected fault), grouped by step and matched in
/// file order within a step, on the keys the expected line has (hex strings compared
/// case-insensitively).
int compare_faults(const std::string& expected_path, const std::string& actual_path) {
    using FaultsByStep = std::map<uint64_t, std::vector<nlohmann::json>>;
    const auto read = [](const std::string& path, size_t& lines) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("cannot read " + path);
        FaultsByStep by_step;
        std::string text;
        size_t line_no = 0;
        while (std::getline(in, text)) {
            ++line_no;
            if (text.empty()) continue;
            nlohmann::json j = nlohmann::json::parse(text);
            if (!j.is_object() || !j.contains("step") || !j["step"].is_number_unsigned())
                throw std::runtime_error(path + ":" + std::to_string(line_no) + ": no \"step\" number");
            by_step[j["step"].get<uint64_t>()].push_back(std::move(j));
            ++lines;
        }
        return by_step;
    };
    const auto lower = [](nlohmann::json j) {
        if (!j.is_string()) return j;
        std::string s = j.get<std::string>();
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return nlohmann::json(s);
    };
    size_t expected_lines = 0, actual_lines = 0, agree = 0, differ = 0, missing = 0, unexpected = 0;
    const FaultsByStep expected = read(expected_path, expected_lines);
    const FaultsByStep actual = read(actual_path, actual_lines);
    std::vector<std::string> diffs;
    const auto note = [&](size_t& counter, const std::string& what) {
        ++counter;
        if (diffs.size() < MISMATCHES_SHOWN) diffs.push_back(what);
    };
    static const std::vector<nlohmann::json> NONE;
    for (const auto& [step, e] : expected) {
        const auto a = actual.find(step);
        const std::vector<nlohmann::json>& got = a == actual.end() ? NONE : a->second;
        for (size_t i = 0; i < e.size(); ++i) {
            if (i >= got.size()) {
                note(missing, "missing fault " + e[i].dump());
                continue;
            }
            std::string keys_differing;
            for (const auto& [key, value] : e[i].items())
                if (!got[i].contains(key) || lower(got[i][key]) != lower(value))
                    keys_differing += (keys_differing.empty() ? "" : ", ") + key;
            if (keys_differing.empty()) {
                ++agree;
                continue;
            }
            note(differ, "step " + std::to_string(step) + " differs in " + keys_differing +
                             ": expected " + e[i].dump() + ", got " + got[i].dump());
        }
        for (size_t i = e.size(); i < got.size(); ++i) note(unexpected, "unexpected fault " + got[i].dump());
    }
    for (const auto& [step, got] : actual)
        if (!expected.count(step))
            for (const nlohmann::json& a : got) note(unexpected, "unexpected fault " + a.dump());
    for (const std::string& d : diffs) std::printf("  %s\n", d.c_str());
    const bool ok = agree == expected_lines && actual_lines == expected_lines;
    std::printf("faults: expected %zu, got %zu: agree=%zu differ=%zu missing=%zu unexpected=%zu: %s\n",
                expected_lines, actual_lines, agree, differ, missing, unexpected,
                ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

int usage() {
    std::cerr << "usage: emsim_mpu_qemu_compare compare pmsav7|pmsav8 <qemu results>\n"
                 "       emsim_mpu_qemu_compare scenario pmsav7|pmsav8 <qemu results> <out dir> [vectors]\n"
                 "       emsim_mpu_qemu_compare faults <expected_faults.jsonl> <faults.jsonl>\n";
    return 2;
}

} // namespace

int sc_main(int argc, char* argv[]) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 3 && args[0] == "compare") return compare(parse_flavour(args[1]), args[2]);
        if ((args.size() == 4 || args.size() == 5) && args[0] == "scenario")
            return emit_scenario(parse_flavour(args[1]), args[2], args[3],
                                 args.size() == 5 ? static_cast<uint32_t>(std::stoul(args[4]))
                                                  : UINT32_MAX);
        if (args.size() == 3 && args[0] == "faults") return compare_faults(args[1], args[2]);
    } catch (const std::exception& e) {
        std::cerr << "emsim_mpu_qemu_compare: " << e.what() << "\n";
        return 2;
    }
    return usage();
}
