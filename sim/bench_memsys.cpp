#include "sim/bench_memsys.h"

#include "models/interconnect.h"
#include "models/sim_context.h"
#include "models/sram_bank.h"
#include "models/traffic_generator.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <chrono>
#include <cstring>
#include <vector>

namespace emsim {

namespace {

using sc_core::sc_time;

constexpr uint64_t BANK_BYTES = 64 * KiB;
constexpr Cycles QUANTUM_CYCLES = 1000;
const Clock BENCH_CLOCK(15625); // 64 MHz

/// Seconds of wall time that `body` (building and simulating) takes, in a fresh kernel context.
template <class Body> double timed_run(Body body) {
    fresh_simulation_context();
    const auto start = std::chrono::steady_clock::now();
    body();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --- The bare baselines: the least a SystemC LT or AT memory access can cost. ---------------

struct BareTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<BareTarget> in;
    std::vector<uint8_t> memory;
    tlm_utils::peq_with_cb_and_phase<BareTarget> peq;

    SC_HAS_PROCESS(BareTarget);
    explicit BareTarget(sc_core::sc_module_name name)
        : sc_module(name), in("in"), memory(BANK_BYTES), peq(this, &BareTarget::on_peq) {
        in.register_b_transport(this, &BareTarget::b_transport);
        in.register_nb_transport_fw(this, &BareTarget::nb_transport_fw);
    }
    void access(tlm::tlm_generic_payload& trans) {
        uint8_t* cell = memory.data() + trans.get_address();
        if (trans.is_read())
            std::memcpy(trans.get_data_ptr(), cell, trans.get_data_length());
        else
            std::memcpy(cell, trans.get_data_ptr(), trans.get_data_length());
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    void b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
        access(trans);
        delay += BENCH_CLOCK.period();
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_time& delay) {
        if (phase == tlm::BEGIN_REQ) peq.notify(trans, phase, delay);
        return tlm::TLM_ACCEPTED;
    }
    void on_peq(tlm::tlm_generic_payload& trans, const tlm::tlm_phase& phase) {
        tlm::tlm_phase next = phase;
        sc_time delay = sc_core::SC_ZERO_TIME;
        if (phase == tlm::BEGIN_REQ) {
            access(trans);
            next = tlm::END_REQ;
            in->nb_transport_bw(trans, next, delay);
            peq.notify(trans, tlm::BEGIN_RESP, BENCH_CLOCK.period());
        } else if (phase == tlm::BEGIN_RESP) {
            in->nb_transport_bw(trans, next, delay); // the initiator completes it
        }
    }
};

struct BareInitiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<BareInitiator> out;
    uint64_t count;
    bool at;
    tlm_utils::tlm_quantumkeeper quantum;
    sc_core::sc_event response;
    uint32_t word = 0;

    SC_HAS_PROCESS(BareInitiator);
    BareInitiator(sc_core::sc_module_name name, uint64_t count, bool at)
        : sc_module(name), out("out"), count(count), at(at) {
        out.register_nb_transport_bw(this, &BareInitiator::nb_transport_bw);
        tlm_utils::tlm_quantumkeeper::set_global_quantum(BENCH_CLOCK.to_time(QUANTUM_CYCLES));
        quantum.reset();
        SC_THREAD(run);
    }
    void run() {
        tlm::tlm_generic_payload trans;
        trans.set_data_ptr(reinterpret_cast<uint8_t*>(&word));
        trans.set_data_length(4);
        trans.set_streaming_width(4);
        for (uint64_t i = 0; i < count; ++i) {
            trans.set_command(i % 2 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
            trans.set_address((i * 4) % BANK_BYTES);
            trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            if (at) {
                tlm::tlm_phase phase = tlm::BEGIN_REQ;
                sc_time delay = sc_core::SC_ZERO_TIME;
                out->nb_transport_fw(trans, phase, delay);
                wait(response);
            } else {
                sc_time delay = quantum.get_local_time();
                out->b_transport(trans, delay);
                quantum.set(delay);
                if (quantum.need_sync()) quantum.sync();
            }
        }
    }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& phase, sc_time&) {
        if (phase == tlm::BEGIN_RESP) {
            response.notify(sc_core::SC_ZERO_TIME);
            return tlm::TLM_COMPLETED;
        }
        return tlm::TLM_ACCEPTED;
    }
};

double bare_rate(uint64_t count, bool at) {
    const double seconds = timed_run([&] {
        auto* initiator = new BareInitiator("bare_initiator", count, at);
        auto* target = new BareTarget("bare_target");
        initiator->out.bind(target->in);
        sc_core::sc_start();
    });
    return static_cast<double>(count) / seconds;
}

// --- emsim's memory system: generators -> interconnect -> two SRAM banks. --------------------

double memsys_rate(uint64_t count, TimingMode mode, int initiators) {
    const double seconds = timed_run([&] {
        auto* bus = new Interconnect("bus", InterconnectParams{}, BENCH_CLOCK);
        SramBankParams bank_params;
        bank_params.size_bytes = BANK_BYTES;
        for (int b = 0; b < 2; ++b) {
            auto* bank = new SramBank(("bank" + std::to_string(b)).c_str(), bank_params, BENCH_CLOCK);
            bus->map(b, 0x20000000 + b * BANK_BYTES, BANK_BYTES, bank->name());
            bus->out.bind(bank->in);
        }
        TrafficGeneratorParams gen;
        gen.mode = mode;
        gen.quantum_cycles = QUANTUM_CYCLES;
        gen.keep_records = false;
        for (int i = 0; i < initiators; ++i) {
            // Contended: both initiators stream over the same bank.
            TrafficPattern pattern;
            pattern.base = 0x20000000;
            pattern.size_bytes = BANK_BYTES;
            pattern.count = count / initiators;
            pattern.write_percent = 50;
            auto* generator = new TrafficGenerator(("gen" + std::to_string(i)).c_str(), gen,
                                                   BENCH_CLOCK, make_traffic(pattern, 1 + i));
            generator->out.bind(bus->in);
        }
        sc_core::sc_start();
    });
    return static_cast<double>(count) / seconds;
}

} // namespace

nlohmann::json bench_memsys(const MemsysBenchOptions& options) {
    const uint64_t n = options.transactions;
    nlohmann::json out;
    // Interleave baselines and subjects so machine noise hits both sides of each ratio alike.
    out["bare_lt"] = bare_rate(n, false);
    out["lt"] = memsys_rate(n, TimingMode::Lt, 1);
    out["lt_dmi"] = memsys_rate(n, TimingMode::LtDmi, 1);
    out["bare_at"] = bare_rate(n, true);
    out["at"] = memsys_rate(n, TimingMode::At, 1);
    out["lt_contended"] = memsys_rate(n, TimingMode::Lt, 2);
    out["at_contended"] = memsys_rate(n, TimingMode::At, 2);
    out["ratio_lt"] = out["lt"].get<double>() / out["bare_lt"].get<double>();
    out["ratio_at"] = out["at"].get<double>() / out["bare_at"].get<double>();
    out["transactions_per_run"] = n;
    out["unit"] = "simulated transactions per second of wall time";
    return out;
}

} // namespace emsim
