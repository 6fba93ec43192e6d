// The simulator's answer to a broken runtime invariant (EMSIM_RT_ASSERT); see runtime_assert.h.
#include "sim/runtime_assert.h"

#include "runtime/config.h"

#include <systemc>

#include <string>

namespace {
std::function<void(const std::string&)>& handler() {
    static std::function<void(const std::string&)> installed;
    return installed;
}
} // namespace

namespace emsim {
void set_runtime_assert_handler(std::function<void(const std::string& what)> h) {
    handler() = std::move(h);
}
} // namespace emsim

extern "C" void emsim_rt_assert_failed(const char* expr, const char* file, int line) {
    // Name the file from runtime/ on: traces must not depend on where the checkout lives. The
    // line number is left to the SystemC error only, so an unrelated edit of the runtime does
    // not change recorded faults (golden traces).
    std::string where = file;
    const size_t at = where.rfind("runtime/");
    if (at != std::string::npos) where = where.substr(at);
    const std::string fault = std::string("runtime invariant broken: ") + expr + " in " + where;
    const std::string message = fault + ":" + std::to_string(line);
    if (handler()) {
        handler()(fault);
        return;
    }
    SC_REPORT_ERROR("emsim/runtime", message.c_str());
}
