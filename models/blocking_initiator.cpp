#include "models/blocking_initiator.h"

#include "models/access_info.h"

namespace emsim {

using sc_core::sc_time;

void prepare_access(tlm::tlm_generic_payload& trans, bool write, uint64_t address, uint8_t* data,
                    unsigned length) {
    trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_address(address);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_byte_enable_length(0);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

BlockingInitiator::BlockingInitiator(const char* socket_name, TimingMode mode, const Clock& clock)
    : socket(socket_name), m_mode(mode), m_clock(clock) {
    socket.bind(*this);
    m_quantum.reset();
}

sc_time BlockingInitiator::now() const {
    return m_mode == TimingMode::At ? sc_core::sc_time_stamp() : m_quantum.get_current_time();
}

void BlockingInitiator::advance(const sc_time& duration) {
    if (m_mode == TimingMode::At) {
        sc_core::wait(duration);
        return;
    }
    m_quantum.inc(duration);
    if (m_quantum.need_sync()) m_quantum.sync();
}

void BlockingInitiator::sync() {
    if (m_mode != TimingMode::At) m_quantum.sync();
}

void BlockingInitiator::transport(tlm::tlm_generic_payload& trans) {
    if (m_mode != TimingMode::At) {
        sc_time local = m_quantum.get_local_time();
        socket->b_transport(trans, local);
        m_quantum.set(local);
        if (m_quantum.need_sync()) m_quantum.sync();
        return;
    }
    m_response_arrived = false;
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time delay = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum reply = socket->nb_transport_fw(trans, phase, delay);
    if (reply == tlm::TLM_COMPLETED || (reply == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP)) {
        sc_core::wait(delay);
        return;
    }
    // END_REQ (returned or still to come) only frees the request channel; with one transaction
    // outstanding the response is all we wait for.
    while (!m_response_arrived) sc_core::wait(m_response_event);
    if (m_response_time > sc_core::sc_time_stamp())
        sc_core::wait(m_response_time - sc_core::sc_time_stamp());
}

tlm::tlm_sync_enum BlockingInitiator::nb_transport_bw(tlm::tlm_generic_payload&,
                                                      tlm::tlm_phase& phase, sc_time& delay) {
    if (phase == tlm::END_REQ) return tlm::TLM_ACCEPTED;
    if (phase == tlm::BEGIN_RESP) {
        m_response_time = sc_core::sc_time_stamp() + delay;
        m_response_arrived = true;
        m_response_event.notify(delay);
        return tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR("emsim/blocking_initiator", "illegal phase on the backward path");
    return tlm::TLM_COMPLETED;
}

void BlockingInitiator::report_dmi_usage(uint64_t address, uint64_t read_words,
                                         uint64_t write_words) {
    if (read_words == 0 && write_words == 0) return;
    tlm::tlm_generic_payload trans;
    DmiUsage usage;
    usage.read_words = read_words;
    usage.write_words = write_words;
    trans.set_command(tlm::TLM_IGNORE_COMMAND);
    trans.set_address(address);
    trans.set_data_length(0);
    trans.set_extension(&usage);
    sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(trans, delay);
    trans.clear_extension(&usage);
}

void BlockingInitiator::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (on_invalidate) on_invalidate(start, end);
}

} // namespace emsim
