#pragma once
// PowerController owns the power regions of a memory system and their memory-mapped control:
// one CTRL/STATUS register pair per region, the refusal rules (always-on, retention capability,
// busy) and per-region request statistics. A power region is one or more SramBanks switched
// together, as on real parts (nRF52840 RAM[n] sections, STM32L4 SRAM2 under PWR_CR3.RRS). It owns
// no transition timing and no energy: a request calls each bank's request_power_state(), so
// latency, contents loss and transition energy come from the banks' own parameters. Address
// decode belongs to the interconnect (it maps POWER_CONTROLLER_WINDOW_BYTES at some base); when
// to switch belongs to software writing the registers (the runtime's power manager) or the host.
//
// Register map (offsets in the window; every register is one 32-bit word):
//   0x000 + 8*i  CTRL[i]    RW  REQ[1:0] requested state: 0 Active, 1 Standby, 2 Retention, 3 Off.
//                               A write starts the transition of every bank of region i (see
//                               below). It reads the last *accepted* request: a refused write
//                               leaves CTRL unchanged. Bits [31:2] read as zero, writes ignored.
//   0x004 + 8*i  STATUS[i]  RO  STATE[1:0]  the state the region is in; while BUSY, the state it
//                                           is leaving until its last bank has arrived (so
//                                           STATE == CTRL.REQ && !BUSY means done)
//                               BUSY[4]     a bank of the region is in a transition
//                               ERR[9:8]    outcome of the last CTRL write (sticky: it holds until
//                                           the next CTRL write, which replaces it; 0 if accepted)
//                                           1 refused: Off requested for an always-on region
//                                           2 refused: Retention on a region without retention
//                                           3 refused: a transition is still in progress
//                               ALWAYS_ON[16], RETENTION_CAPABLE[17]: the region's configuration
//                               Writes are ignored (OK response).
//   0x100        INFO       RO  REGIONS[7:0] region count, VERSION[15:8] = 1, ID[31:16] = 0x5057
//   Unused words in the window answer with an address error (see "Accesses").
//
// Region state: at rest, STATE is the least deep state among the region's banks (they move
// together; they differ only when an access woke one bank of a Standby region, which then draws
// Active leakage, or when the host moved a bank directly). While BUSY it is the least deep state
// the banks still in transition are leaving: a region of a fast and a slow bank waking from Off
// reads Off + BUSY until the slow one is up. region_state() returns the same.
//
// A CTRL write, in this order:
//   1. Off for an always-on region -> ERR 1; Retention for a region that is not retention
//      capable -> ERR 2; any bank of the region in a transition at the write's time -> ERR 3.
//      A refused write changes nothing but ERR (banks untouched, CTRL unchanged).
//   2. Otherwise every bank gets request_power_state(REQ) timed at the write's completion
//      (banks already in REQ stay put), CTRL.REQ = REQ and ERR = 0. Writing the current state is
//      accepted and moves nothing.
//   BUSY is then set until the last bank's transition_end() (bank latencies may differ); STATUS
//   is computed from the banks at the time of each read, so it is exact to the picosecond.
//
// Accesses (checked in this order; every transaction, answered or refused, costs register_cycles):
//   - TLM_IGNORE_COMMAND: TLM_OK_RESPONSE, no effect.
//   - any byte outside [0, POWER_CONTROLLER_WINDOW_BYTES): TLM_ADDRESS_ERROR_RESPONSE.
//   - data length other than 4 (byte, halfword, bursts), a streaming width below 4 or no data
//     pointer: TLM_BURST_ERROR_RESPONSE. Registers are word-only.
//   - an address that is no register (unaligned, a region beyond the count, a hole):
//     TLM_ADDRESS_ERROR_RESPONSE.
//   - byte enables with any lane disabled: TLM_BYTE_ENABLE_ERROR_RESPONSE.
//   None of these errors changes a register. AccessInfo (when attached) gets beats = 1,
//   access_cycles = register_cycles, accepted_at_ps and the Refusal (OutOfRange/Unsupported).
//
// Timing, identical in LT and AT: the register file serves one access at a time.
//   start = first clock edge >= arrival at which the register file is free (BusyTimeline)
//   done  = start + register_cycles
// A write takes effect at `done` (the transition is requested for that instant) and a read
// samples at `done`. LT adds done - now to the delay (no wait()). AT: BEGIN_REQ is answered with
// TLM_UPDATED/END_REQ at `start`, BEGIN_RESP follows at `done` (one response in flight at a
// time), END_RESP or TLM_COMPLETED closes it. Register effects happen in call order: a CTRL
// write changes CTRL and ERR when the controller processes it, so a temporally decoupled reader
// of another initiator may see them before the write's `done`; STATE and BUSY are always
// computed for the reader's own time.
//
// transport_dbg: word-aligned, whole words inside the window (else returns 0). Reads registers
// (holes read 0), writes the stored bits only: a debug write to CTRL sets REQ but does NOT start
// a transition and does not touch ERR; writes to STATUS, INFO and holes are ignored. No time,
// no statistics. DMI is never granted (registers have side effects).

#include "models/timed_target.h"
#include "models/register_access.h"
#include "models/access_info.h"
#include "models/busy_timeline.h"
#include "models/clock.h"
#include "models/energy_ledger.h"
#include "models/power_state.h"
#include "models/units.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace emsim {

class SramBank;

/// One power region: banks switched together. Each field name is its config key.
struct PowerRegionParams {
    std::string name;
    std::vector<size_t> banks;     ///< indices into the controller's bank list
    bool always_on = false;        ///< Off is refused (ERR 1)
    bool retention_capable = true; ///< false: Retention is refused (ERR 2)
};

/// Parameters of one power controller. Each field name is its config key and its report name.
struct PowerControllerParams {
    std::vector<PowerRegionParams> regions;
    Cycles register_cycles = 1; ///< one register access, in the controller's clock
};

// ---------------------------------------------------------------------------------------------
// Register map

constexpr uint32_t POWER_CONTROLLER_WINDOW_BYTES = 0x200;
constexpr uint32_t POWER_CONTROLLER_MAX_REGIONS = 32; ///< CTRL/STATUS pairs fill 0x000..0x0FF
constexpr uint32_t POWER_REGION_STRIDE = 8;

// CTRL
constexpr uint32_t PWR_CTRL_REQ_SHIFT = 0;
constexpr uint32_t PWR_CTRL_REQ_MASK = 0x3u << PWR_CTRL_REQ_SHIFT;
constexpr uint32_t PWR_CTRL_MASK = PWR_CTRL_REQ_MASK; ///< the bits CTRL stores
// STATUS
constexpr uint32_t PWR_STATUS_STATE_SHIFT = 0;
constexpr uint32_t PWR_STATUS_STATE_MASK = 0x3u << PWR_STATUS_STATE_SHIFT;
constexpr uint32_t PWR_STATUS_BUSY = 1u << 4;
constexpr uint32_t PWR_STATUS_ERR_SHIFT = 8;
constexpr uint32_t PWR_STATUS_ERR_MASK = 0x3u << PWR_STATUS_ERR_SHIFT;
constexpr uint32_t PWR_STATUS_ALWAYS_ON = 1u << 16;
constexpr uint32_t PWR_STATUS_RETENTION_CAPABLE = 1u << 17;
// INFO
constexpr uint32_t PWR_INFO_REGIONS_SHIFT = 0;
constexpr uint32_t PWR_INFO_REGIONS_MASK = 0xFFu << PWR_INFO_REGIONS_SHIFT;
constexpr uint32_t PWR_INFO_VERSION_SHIFT = 8;
constexpr uint32_t PWR_INFO_VERSION_MASK = 0xFFu << PWR_INFO_VERSION_SHIFT;
constexpr uint32_t PWR_INFO_ID_SHIFT = 16;
constexpr uint32_t PWR_INFO_ID_MASK = 0xFFFFu << PWR_INFO_ID_SHIFT;
constexpr uint32_t PWR_INFO_VERSION = 1;
constexpr uint32_t PWR_INFO_ID = 0x5057; ///< "PW"

/// STATUS.ERR codes: the outcome of the last CTRL write.
enum class PowerRequestError : uint8_t { None = 0, AlwaysOn = 1, NoRetention = 2, Busy = 3 };

constexpr EnumName<PowerRequestError> POWER_REQUEST_ERROR_NAMES[] = {
    {PowerRequestError::None, "none"},
    {PowerRequestError::AlwaysOn, "always_on"},
    {PowerRequestError::NoRetention, "no_retention"},
    {PowerRequestError::Busy, "busy"},
};

/// The CTRL.REQ / STATUS.STATE code of a state (= its PowerState value: 0 Active .. 3 Off).
constexpr uint32_t power_state_code(PowerState state) { return static_cast<uint32_t>(state); }

enum class PowerRegKind : uint8_t { Ctrl, Status, Info };

struct PowerRegDesc {
    const char* name;
    uint32_t offset;       ///< of region 0's copy for per-region registers
    RegAccess access;
    uint32_t reset;        ///< the stored bits; the computed fields are described above
    PowerRegKind kind;
    bool per_region;       ///< one copy per region at offset + POWER_REGION_STRIDE * i
};

// Declared once: decode, reset and the dump walk this. CTRL.REQ resets to the state the region's
// banks start in (SramBankParams::initial_state; Active = 0 by default, the value below). STATUS
// stores only ERR (reset 0); STATE, BUSY and the capability bits are computed. INFO is computed.
constexpr PowerRegDesc POWER_CONTROLLER_REGS[] = {
    {"CTRL", 0x000, RegAccess::RW, 0, PowerRegKind::Ctrl, true},
    {"STATUS", 0x004, RegAccess::RO, 0, PowerRegKind::Status, true},
    {"INFO", 0x100, RegAccess::RO, 0, PowerRegKind::Info, false},
};

// ---------------------------------------------------------------------------------------------

/// Per-region counters.
struct PowerRegionStats {
    uint64_t requested = 0;   ///< requests (CTRL writes through the socket, request_region_state)
    uint64_t accepted = 0;
    uint64_t transitions = 0; ///< accepted requests that moved at least one bank
    uint64_t refused = 0;
    std::array<uint64_t, 4> refused_by{}; ///< indexed by PowerRequestError (0 unused)
};

/// Controller-wide counters (transactions through the socket).
struct PowerControllerStats {
    uint64_t register_reads = 0;
    uint64_t register_writes = 0;
    uint64_t register_errors = 0; ///< answered with an error response
};

class PowerController : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<PowerController> in;

    /// `banks` are the banks regions index into; they must outlive the controller. Throws
    /// std::invalid_argument for a bank index out of range or used twice, a region without
    /// banks, too many regions, a null bank, or banks of one region starting in different
    /// states (or in a state the region refuses).
    PowerController(sc_core::sc_module_name name, const PowerControllerParams& params,
                    const Clock& clock, std::vector<SramBank*> banks);

    const PowerControllerParams& params() const { return m_params; }
    const PowerControllerStats& stats() const { return m_stats; }
    size_t region_count() const { return m_regions.size(); }
    const PowerRegionParams& region(size_t i) const { return m_params.regions.at(i); }
    const PowerRegionStats& region_stats(size_t i) const { return m_regions.at(i).stats; }

    /// The region's state now (STATUS.STATE: while busy, the state it is leaving).
    PowerState region_state(size_t i) const;
    /// A bank of the region is in a transition now (STATUS.BUSY).
    bool region_busy(size_t i) const;
    /// The state the region was last asked for and accepted (CTRL.REQ).
    PowerState region_request(size_t i) const;
    /// STATUS.ERR of the region.
    PowerRequestError region_error(size_t i) const;

    /// What a CTRL write of `target` does, at sc_time_stamp() + offset, without the bus (for the
    /// host and scenarios; counted like a register write in the region's statistics).
    PowerRequestError request_region_state(size_t i, PowerState target,
                                           const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME);

    /// Time the region spent in each ledger bucket (the 4 states and TRANSITION_BUCKET) up to
    /// now: the mean over its banks (exact while they move together).
    std::array<uint64_t, TIME_BUCKET_COUNT> region_time_ps(size_t i) const;
    /// The region's banks' energy snapshots added field by field (time_ps in bank-picoseconds).
    EnergySnapshot region_energy(size_t i) const;

    /// The table row of the register at `offset`, and its region (-1 for INFO); nullptr when no
    /// register is there.
    const PowerRegDesc* find_register(uint32_t offset, int& region) const;
    /// The value a word read at `offset` would return now, without side effects.
    std::optional<uint32_t> peek_register(uint32_t offset) const;
    /// "NAME[i] @0xOFFSET = 0xVALUE" per register and region, in table order.
    std::string register_dump() const;

private:
    struct Region {
        std::vector<SramBank*> banks;
        uint32_t ctrl = 0;       ///< CTRL's stored bits
        uint32_t status_err = 0; ///< STATUS's stored bits (ERR)
        PowerRegionStats stats;
    };
    struct Plan {
        tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
        Refusal refusal = Refusal::None;
        uint64_t start_ps = 0; ///< absolute: END_REQ
        uint64_t done_ps = 0;  ///< absolute: BEGIN_RESP; the access takes effect here
    };

    // TLM interface.
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

    /// Times and performs one access: the single place a transaction is served, LT and AT.
    Plan serve(tlm::tlm_generic_payload& trans, uint64_t arrival_ps, uint64_t now_ps);
    /// The check of "Accesses" above; the register it addresses in `reg`/`region`.
    Refusal check(const tlm::tlm_generic_payload& trans, const PowerRegDesc*& reg, int& region,
                  tlm::tlm_response_status& status) const;
    void annotate(tlm::tlm_generic_payload& trans, const Plan& plan) const;

    /// Register value at absolute time `at`.
    uint32_t read_register(const PowerRegDesc& reg, int region, const sc_core::sc_time& at) const;
    /// A bus write at absolute time `at` (>= now).
    void write_register(const PowerRegDesc& reg, int region, uint32_t value,
                        const sc_core::sc_time& at);
    /// The CTRL write of `target` to region i, taking effect at `at` (>= now).
    PowerRequestError request(size_t i, PowerState target, const sc_core::sc_time& at);
    PowerState state_at(const Region& r, const sc_core::sc_time& at) const;
    bool busy_at(const Region& r, const sc_core::sc_time& at) const;
    void load_reset_values();

    /// serve() plus status and AccessInfo: what TimedTarget calls for LT and AT alike.
    TimedService serve_timed(tlm::tlm_generic_payload& trans, uint64_t arrival_ps, uint64_t now_ps);

    const PowerControllerParams m_params;
    const Clock m_clock;
    std::vector<Region> m_regions;
    PowerControllerStats m_stats;
    BusyTimeline m_busy; ///< when the register file is serving an access

    TimedTarget m_timed; ///< LT delay and AT phases from serve_timed()
};

} // namespace emsim
