#pragma once
// A test initiator: runs a test body in an SC_THREAD and offers blocking accesses through a real
// socket. Records DMI invalidations so tests can assert them.

#include "models/access_info.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace emsim::test {

class Stimulus : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Stimulus> out;
    std::vector<std::pair<uint64_t, uint64_t>> invalidations;
    AccessInfo last_info;

    SC_HAS_PROCESS(Stimulus);
    Stimulus(sc_core::sc_module_name name, std::function<void(Stimulus&)> body)
        : sc_module(name), out("out"), m_body(std::move(body)) {
        out.register_invalidate_direct_mem_ptr(this, &Stimulus::on_invalidate);
        SC_THREAD(run);
    }

    /// One b_transport; `delay` in/out as the LT protocol has it.
    tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                                    unsigned length, sc_core::sc_time& delay,
                                    const uint8_t* byte_enables = nullptr,
                                    unsigned byte_enable_length = 0, unsigned streaming_width = 0) {
        tlm::tlm_generic_payload trans;
        trans.set_command(cmd);
        trans.set_address(address);
        trans.set_data_ptr(data);
        trans.set_data_length(length);
        trans.set_streaming_width(streaming_width ? streaming_width : length);
        trans.set_byte_enable_ptr(const_cast<uint8_t*>(byte_enables));
        trans.set_byte_enable_length(byte_enable_length);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        last_info.reset();
        trans.set_extension(&last_info);
        out->b_transport(trans, delay);
        trans.clear_extension(&last_info);
        last_dmi_allowed = trans.is_dmi_allowed();
        return trans.get_response_status();
    }

    tlm::tlm_response_status write32(uint64_t address, uint32_t value, sc_core::sc_time& delay) {
        return access(tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4, delay);
    }
    tlm::tlm_response_status read32(uint64_t address, uint32_t& value, sc_core::sc_time& delay) {
        return access(tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4, delay);
    }
    /// Debug read: no time, no energy.
    uint32_t peek32(uint64_t address) {
        uint32_t value = 0;
        tlm::tlm_generic_payload trans;
        trans.set_command(tlm::TLM_READ_COMMAND);
        trans.set_address(address);
        trans.set_data_ptr(reinterpret_cast<uint8_t*>(&value));
        trans.set_data_length(4);
        out->transport_dbg(trans);
        return value;
    }
    bool dmi(uint64_t address, tlm::tlm_dmi& dmi_data) {
        tlm::tlm_generic_payload trans;
        trans.set_command(tlm::TLM_READ_COMMAND);
        trans.set_address(address);
        return out->get_direct_mem_ptr(trans, dmi_data);
    }

    bool last_dmi_allowed = false;

private:
    void run() { m_body(*this); }
    void on_invalidate(sc_dt::uint64 start, sc_dt::uint64 end) { invalidations.emplace_back(start, end); }
    std::function<void(Stimulus&)> m_body;
};

} // namespace emsim::test
