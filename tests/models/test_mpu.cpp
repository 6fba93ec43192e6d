// Mpu: programming through ordinary stores, the check on the access path, fault status
// registers and records, DMI narrowing and invalidation, debug access, and exact timing in LT
// and AT with the base-protocol checker on both hops:
//   core -> checker -> Mpu -> checker -> Interconnect -> SramBank (0x20000000, 64 KB)
#include "models/access_attributes.h"
#include "models/blocking_initiator.h"
#include "models/interconnect.h"
#include "models/mpu.h"
#include "models/payload_pool.h"
#include "models/random.h"
#include "models/sram_bank.h"
#include "models/traffic_generator.h"
#include "tests/support/protocol_checker.h"
#include "tests/support/systemc_test.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace emsim;
using emsim::test::ProtocolChecker;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr uint32_t SRAM = 0x20000000;
constexpr uint32_t CFSR = 0xE000ED28;
constexpr uint32_t MMFAR = 0xE000ED34;
constexpr uint32_t TYPE = 0xE000ED90;
constexpr uint32_t CTRL = 0xE000ED94;
constexpr uint32_t RNR = 0xE000ED98;
constexpr uint32_t RBAR = 0xE000ED9C;
constexpr uint32_t RASR = 0xE000EDA0; ///< RLAR on PMSAv8
constexpr uint32_t RBAR_A1 = 0xE000EDA4;
constexpr uint32_t RASR_A1 = 0xE000EDA8;
constexpr uint32_t RBAR_A3 = 0xE000EDB4;
constexpr uint32_t RASR_A3 = 0xE000EDB8;
constexpr uint32_t MAIR0 = 0xE000EDC0;
constexpr uint32_t MAIR1 = 0xE000EDC4;

const AccessAttributes USER_DATA{false, AccessKind::Read, 7};

uint32_t rasr(uint32_t size_field, uint32_t ap, bool xn = false, uint32_t srd = 0) {
    return V7_RASR_ENABLE | (size_field << V7_RASR_SIZE_SHIFT) | (srd << V7_RASR_SRD_SHIFT) |
           (ap << V7_RASR_AP_SHIFT) | (xn ? V7_RASR_XN : 0u);
}

/// The core: a BlockingInitiator (LT or AT) running the test body, with raw socket helpers.
class Core : public sc_core::sc_module {
public:
    BlockingInitiator port;
    std::vector<std::pair<uint64_t, uint64_t>> invalidations;

    SC_HAS_PROCESS(Core);
    Core(sc_core::sc_module_name name, TimingMode mode, const Clock& clock,
         std::function<void(Core&)> body)
        : sc_module(name), port("out", mode, clock), m_body(std::move(body)) {
        port.on_invalidate = [this](uint64_t s, uint64_t e) { invalidations.emplace_back(s, e); };
        SC_THREAD(run);
    }

    /// A blocking access in the core's timing mode; completion time is port.now().
    tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t address, uint8_t* data,
                                    unsigned length, const AccessAttributes* attrs = nullptr) {
        tlm::tlm_generic_payload& trans = m_pool.allocate();
        prepare(trans, cmd, address, data, length);
        if (attrs) trans.set_auto_extension(new AccessAttributes(*attrs));
        port.transport(trans);
        const tlm::tlm_response_status status = trans.get_response_status();
        trans.release();
        return status;
    }
    tlm::tlm_response_status write32(uint64_t address, uint32_t value,
                                     const AccessAttributes* attrs = nullptr) {
        return access(tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4,
                      attrs);
    }
    tlm::tlm_response_status read32(uint64_t address, uint32_t& value,
                                    const AccessAttributes* attrs = nullptr) {
        return access(tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4, attrs);
    }
    /// The register's value, asserting the privileged read succeeds.
    uint32_t reg(uint32_t address) {
        uint32_t value = 0xBAADF00D;
        EXPECT_EQ(read32(address, value), tlm::TLM_OK_RESPONSE) << std::hex << address;
        return value;
    }
    /// b_transport with an explicit delay (LT timing assertions).
    tlm::tlm_response_status lt(tlm::tlm_command cmd, uint64_t address, uint32_t& value,
                                sc_time& delay, const AccessAttributes* attrs = nullptr,
                                unsigned length = 4) {
        tlm::tlm_generic_payload trans;
        prepare(trans, cmd, address, reinterpret_cast<uint8_t*>(&value), length);
        AccessAttributes ext;
        if (attrs) {
            ext = *attrs;
            trans.set_extension(&ext);
        }
        port.socket->b_transport(trans, delay);
        if (attrs) trans.clear_extension(&ext);
        return trans.get_response_status();
    }
    uint32_t peek32(uint64_t address) {
        uint32_t value = 0;
        tlm::tlm_generic_payload trans;
        prepare(trans, tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4);
        port.socket->transport_dbg(trans);
        return value;
    }
    unsigned poke32(uint64_t address, uint32_t value) {
        tlm::tlm_generic_payload trans;
        prepare(trans, tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 4);
        return port.socket->transport_dbg(trans);
    }
    bool dmi(uint64_t address, tlm::tlm_dmi& dmi_data) {
        tlm::tlm_generic_payload trans;
        trans.set_command(tlm::TLM_READ_COMMAND);
        trans.set_address(address);
        return port.socket->get_direct_mem_ptr(trans, dmi_data);
    }

private:
    static void prepare(tlm::tlm_generic_payload& trans, tlm::tlm_command cmd, uint64_t address,
                        uint8_t* data, unsigned length) {
        trans.set_command(cmd);
        trans.set_address(address);
        trans.set_data_ptr(data);
        trans.set_data_length(length);
        trans.set_streaming_width(length);
        trans.set_byte_enable_ptr(nullptr);
        trans.set_byte_enable_length(0);
        trans.set_dmi_allowed(false);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    }
    void run() { m_body(*this); }

    PayloadPool m_pool;
    std::function<void(Core&)> m_body;
};

/// core -> checker -> mpu -> checker -> bus -> bank
struct Platform {
    SramBank bank;
    Interconnect bus;
    Mpu mpu;
    ProtocolChecker core_side, bus_side;
    Core core;

    Platform(const Clock& clock, const MpuParams& params, TimingMode mode,
             std::function<void(Core&)> body)
        : bank("bank", {}, clock), bus("bus", {}, clock), mpu("mpu", params, clock),
          core_side("core_side"), bus_side("bus_side"), core("core", mode, clock, std::move(body)) {
        bus.map(0, SRAM, bank.params().size_bytes, "sram");
        core.port.socket.bind(core_side.in);
        core_side.out.bind(mpu.in);
        mpu.out.bind(bus_side.in);
        bus_side.out.bind(bus.in);
        bus.out.bind(bank.in);
    }

    std::vector<std::string> violations() const {
        std::vector<std::string> all = core_side.violations;
        all.insert(all.end(), bus_side.violations.begin(), bus_side.violations.end());
        return all;
    }
};

class MpuTest : public emsim::test::SystemCTest {
protected:
    Clock clock{10000};
    sc_time cycles(Cycles n) const { return clock.to_time(n); }

    /// Builds the platform, runs `body` on the core, checks the protocol on both hops.
    void run(const MpuParams& params, TimingMode mode, std::function<void(Core&, Platform&)> body) {
        emsim::fresh_simulation_context(); // run() may be called more than once per test
        sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
        tlm_utils::tlm_quantumkeeper::set_global_quantum(cycles(1000));
        std::unique_ptr<Platform> p;
        p = std::make_unique<Platform>(clock, params, mode, [&](Core& c) { body(c, *p); });
        sc_core::sc_start();
        EXPECT_TRUE(p->violations().empty()) << p->violations().front();
    }
    void run(const MpuParams& params, std::function<void(Core&, Platform&)> body) {
        run(params, TimingMode::Lt, std::move(body));
    }
    static MpuParams v8(uint32_t regions = 8) {
        MpuParams p;
        p.flavour = MpuFlavour::Pmsav8;
        p.regions = regions;
        return p;
    }
};

// ---------------------------------------------------------------------------------------------
// Registers

TEST_F(MpuTest, RegistersResetToZeroAndTypeReportsTheRegionCount) {
    MpuParams p16;
    p16.regions = 16;
    run(p16, [&](Core& c, Platform&) {
        EXPECT_EQ(c.reg(TYPE), 16u << 8) << "DREGION = 16, SEPARATE = 0";
        for (uint32_t a : {CTRL, RNR, RBAR, RASR, CFSR, MMFAR})
            EXPECT_EQ(c.reg(a), 0u) << std::hex << a;
        EXPECT_EQ(c.write32(TYPE, 0xFFFFFFFF), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(c.reg(TYPE), 16u << 8) << "MPU_TYPE is read-only";
    });
}

TEST_F(MpuTest, V7RbarWithValidSelectsTheRegionAndUpdatesRnr) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, SRAM | V7_RBAR_VALID | 3);
        c.write32(RASR, rasr(11, 3));
        EXPECT_EQ(c.reg(RNR), 3u) << "VALID=1 did not write REGION to RNR";
        EXPECT_EQ(c.reg(RBAR), SRAM | 3u) << "RBAR reads ADDR | REGION, VALID reads 0";
        EXPECT_EQ(p.mpu.config().regions[3].rbar, SRAM);
        EXPECT_EQ(p.mpu.config().regions[3].rasr, rasr(11, 3));
        // Without VALID, RNR picks the region and the low bits are dropped.
        c.write32(RNR, 5);
        c.write32(RBAR, 0x20004000 | 0x0F);
        EXPECT_EQ(p.mpu.config().regions[5].rbar, 0x20004000u);
        EXPECT_EQ(p.mpu.config().regions[3].rbar, SRAM) << "region 3 changed";
        // RASR keeps QEMU's mask; writes that name an unimplemented region are ignored.
        c.write32(RASR, 0xFFFFFFFF);
        EXPECT_EQ(c.reg(RASR), V7_RASR_MASK);
        c.write32(RBAR, 0x20008000 | V7_RBAR_VALID | 9); // region 9 of 8
        EXPECT_EQ(c.reg(RNR), 5u) << "an out-of-range VALID write changed RNR";
        EXPECT_EQ(p.mpu.config().regions[5].rbar, 0x20004000u) << "... or RBAR";
        c.write32(RNR, 8);
        EXPECT_EQ(c.reg(RNR), 5u) << "RNR took a region the MPU does not have";
    });
}

TEST_F(MpuTest, V7AliasPairsProgramFourRegionsWithOneEightWordStore) {
    run({}, [&](Core& c, Platform& p) {
        uint32_t images[8];
        for (uint32_t n = 0; n < 4; ++n) {
            images[2 * n] = (SRAM + n * 0x1000) | V7_RBAR_VALID | (4 + n);
            images[2 * n + 1] = rasr(11, n);
        }
        ASSERT_EQ(c.access(tlm::TLM_WRITE_COMMAND, RBAR, reinterpret_cast<uint8_t*>(images), 32),
                  tlm::TLM_OK_RESPONSE);
        for (uint32_t n = 0; n < 4; ++n) {
            EXPECT_EQ(p.mpu.config().regions[4 + n].rbar, SRAM + n * 0x1000) << "region " << 4 + n;
            EXPECT_EQ(p.mpu.config().regions[4 + n].rasr, rasr(11, n)) << "region " << 4 + n;
        }
        EXPECT_EQ(c.reg(RNR), 7u);
        EXPECT_EQ(c.reg(RBAR_A3), (SRAM + 0x3000) | 7u) << "v7 aliases all read RNR's region";
        // The same through single stores on the aliases.
        c.write32(RBAR_A1, 0x20010000 | V7_RBAR_VALID | 1);
        c.write32(RASR_A1, rasr(9, 6));
        EXPECT_EQ(p.mpu.config().regions[1].rasr, rasr(9, 6));
    });
}

TEST_F(MpuTest, V8AliasesReplaceTheLowTwoBitsOfRnr) {
    run(v8(), [&](Core& c, Platform& p) {
        EXPECT_EQ(c.reg(TYPE), 8u << 8);
        c.write32(RNR, 4);
        c.write32(RBAR, 0x20000000 | (1u << V8_RBAR_AP_SHIFT));
        c.write32(RASR, 0x20000FE0 | V8_RLAR_EN); // RLAR
        c.write32(RBAR_A1, 0x20001000);
        c.write32(RASR_A1, 0x20001FE0 | V8_RLAR_EN);
        c.write32(RBAR_A3, 0x20003000 | V8_RBAR_XN);
        c.write32(RASR_A3, 0x20003FE0 | V8_RLAR_EN | (2u << V8_RLAR_ATTRINDX_SHIFT));
        EXPECT_EQ(c.reg(RNR), 4u) << "aliases must not change RNR on PMSAv8";
        const MpuConfig& cfg = p.mpu.config();
        EXPECT_EQ(cfg.regions[4].rbar, 0x20000000u | (1u << V8_RBAR_AP_SHIFT));
        EXPECT_EQ(cfg.regions[5].rbar, 0x20001000u);
        EXPECT_EQ(cfg.regions[5].rlar, 0x20001FE0u | V8_RLAR_EN);
        EXPECT_EQ(cfg.regions[7].rbar, 0x20003000u | V8_RBAR_XN);
        EXPECT_EQ(c.reg(RASR_A3), 0x20003FE0u | V8_RLAR_EN | (2u << V8_RLAR_ATTRINDX_SHIFT));
        c.write32(MAIR0, 0x44FF0400);
        c.write32(MAIR1, 0x000000BB);
        EXPECT_EQ(c.reg(MAIR0), 0x44FF0400u);
        EXPECT_EQ(c.reg(MAIR1), 0x000000BBu);
    });
}

TEST_F(MpuTest, V7HasNoMairSoThoseAddressesGoToTheBus) {
    run({}, [&](Core& c, Platform&) {
        uint32_t value = 0;
        EXPECT_EQ(c.read32(MAIR0, value), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "0xE000EDC0 is no PMSAv7 register: the bus (unmapped here) answers";
    });
}

TEST_F(MpuTest, UnprivilegedRegisterAccessIsABusFaultThatChangesNothing) {
    run({}, [&](Core& c, Platform& p) {
        EXPECT_EQ(c.write32(CTRL, CTRL_ENABLE, &USER_DATA), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(p.mpu.config().ctrl, 0u) << "an unprivileged store enabled the MPU";
        uint32_t value = 0x12345678;
        EXPECT_EQ(c.read32(CFSR, value, &USER_DATA), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(value, 0x12345678u) << "a refused read delivered data";
        EXPECT_EQ(p.mpu.stats().register_refused, 2u);
        EXPECT_TRUE(p.mpu.faults().empty()) << "a BusFault is no MPU fault";
        EXPECT_EQ(c.reg(CFSR), 0u);
    });
}

TEST_F(MpuTest, SubwordAccessToAnMpuRegisterReadsZeroAndIsIgnored) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RNR, 2);
        uint8_t byte = CTRL_ENABLE;
        EXPECT_EQ(c.access(tlm::TLM_WRITE_COMMAND, CTRL, &byte, 1), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(p.mpu.config().ctrl, 0u) << "a byte store reached MPU_CTRL";
        uint16_t half = 0xFFFF;
        EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, RNR, reinterpret_cast<uint8_t*>(&half), 2),
                  tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(half, 0u) << "a halfword read of RNR is RAZ";
    });
}

TEST_F(MpuTest, RegisterDumpWalksTheTableWithEveryRegionsImages) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, 0x20002000 | V7_RBAR_VALID | 6);
        c.write32(RASR, rasr(12, 3));
        const std::string dump = p.mpu.register_dump();
        EXPECT_NE(dump.find("MPU_TYPE @0xE000ED90 = 0x00000800\n"), std::string::npos) << dump;
        EXPECT_NE(dump.find("MPU_RBAR[6] @0xE000ED9C = 0x20002006\n"), std::string::npos) << dump;
        EXPECT_NE(dump.find("MPU_RASR[6] @0xE000EDA0 = 0x03000019\n"), std::string::npos) << dump;
        EXPECT_NE(dump.find("CFSR @0xE000ED28 = 0x00000000\n"), std::string::npos) << dump;
        EXPECT_EQ(dump.find("_A1"), std::string::npos) << "aliases are not separate registers";
        EXPECT_EQ(p.mpu.peek_register(RNR), std::optional<uint32_t>(6));
        EXPECT_EQ(p.mpu.peek_register(0xE000EDBC), std::nullopt);
    });
}

TEST_F(MpuTest, ResetRestoresTheRegisterTable) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, SRAM | V7_RBAR_VALID | 2);
        c.write32(RASR, rasr(11, 3));
        c.write32(CTRL, CTRL_ENABLE);
        p.mpu.reset();
        EXPECT_EQ(c.reg(CTRL), 0u);
        EXPECT_EQ(c.reg(RNR), 0u);
        EXPECT_EQ(p.mpu.config().regions[2].rasr, 0u);
        EXPECT_EQ(c.reg(TYPE), 8u << 8);
    });
}

TEST_F(MpuTest, RegionCountsTheFlavourDoesNotOfferAreRejected) {
    MpuParams p;
    p.regions = 12;
    Clock clk;
    EXPECT_THROW(Mpu("v7_12", p, clk), std::invalid_argument);
    p.flavour = MpuFlavour::Pmsav8;
    p.regions = 6;
    EXPECT_THROW(Mpu("v8_6", p, clk), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// The check

/// Region 0: 4 KB at SRAM, unprivileged read-only; background on for privileged code.
void program_user_read_only(Core& c) {
    c.write32(RBAR, SRAM | V7_RBAR_VALID | 0);
    c.write32(RASR, rasr(11, 2));
    c.write32(CTRL, CTRL_ENABLE | CTRL_PRIVDEFENA);
}

TEST_F(MpuTest, DeniedWriteNeverReachesTheBank) {
    run({}, [&](Core& c, Platform& p) {
        c.poke32(SRAM + 0x10, 0x11111111);
        program_user_read_only(c);
        const uint64_t writes_before = p.bank.stats().writes;
        EXPECT_EQ(c.write32(SRAM + 0x10, 0xDEADBEEF, &USER_DATA), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(c.peek32(SRAM + 0x10), 0x11111111u) << "a denied store changed the bank";
        EXPECT_EQ(p.bank.stats().writes, writes_before) << "a denied store reached the bank";
        EXPECT_EQ(p.bus_side.transactions, 0u) << "a denied store reached the bus";
        uint32_t value = 0;
        EXPECT_EQ(c.read32(SRAM + 0x10, value, &USER_DATA), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(value, 0x11111111u);
        EXPECT_EQ(c.write32(SRAM + 0x10, 0x22222222), tlm::TLM_OK_RESPONSE) << "privileged";
        EXPECT_EQ(c.peek32(SRAM + 0x10), 0x22222222u);
        EXPECT_EQ(p.mpu.stats().denied, 1u);
    });
}

TEST_F(MpuTest, DataFaultSetsDaccviolMmarvalidAndMmfar) {
    run({}, [&](Core& c, Platform& p) {
        program_user_read_only(c);
        const AccessAttributes dom9{false, AccessKind::Write, 9};
        c.port.advance(cycles(5));
        EXPECT_EQ(c.write32(SRAM + 0x44, 1, &dom9), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(c.reg(CFSR), MMFSR_DACCVIOL | MMFSR_MMARVALID);
        EXPECT_EQ(c.reg(MMFAR), SRAM + 0x44);
        ASSERT_EQ(p.mpu.faults().size(), 1u);
        const MpuFault& f = p.mpu.faults()[0];
        EXPECT_EQ(f.address, SRAM + 0x44);
        EXPECT_EQ(f.size, 4u);
        EXPECT_EQ(f.kind, AccessKind::Write);
        EXPECT_FALSE(f.privileged);
        EXPECT_EQ(f.domain, 9u);
        EXPECT_EQ(f.mmfsr, 0x82u);
        EXPECT_EQ(f.mmfar, std::optional<uint32_t>(SRAM + 0x44));
        // 3 register stores (1 cycle each) + 5 cycles of compute before the access.
        EXPECT_EQ(f.cycle, 8u);
        // MMFSR is the low byte of CFSR, readable on its own.
        uint8_t mmfsr = 0;
        EXPECT_EQ(c.access(tlm::TLM_READ_COMMAND, CFSR, &mmfsr, 1), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(mmfsr, 0x82u);
    });
}

TEST_F(MpuTest, FetchFaultSetsIaccviolAndLeavesMmfarAlone) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, SRAM | V7_RBAR_VALID | 1);
        c.write32(RASR, rasr(11, 3, /*xn=*/true));
        c.write32(CTRL, CTRL_ENABLE);
        c.write32(MMFAR, 0x0BADCAFE);
        const AccessAttributes fetch{true, AccessKind::Fetch, 2};
        uint32_t insn = 0;
        EXPECT_EQ(c.read32(SRAM + 0x100, insn, &fetch), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(c.reg(CFSR), MMFSR_IACCVIOL);
        EXPECT_EQ(c.reg(MMFAR), 0x0BADCAFEu) << "an instruction fault wrote MMFAR";
        ASSERT_EQ(p.mpu.faults().size(), 1u);
        EXPECT_EQ(p.mpu.faults()[0].kind, AccessKind::Fetch);
        EXPECT_EQ(p.mpu.faults()[0].mmfar, std::nullopt);
        EXPECT_EQ(c.read32(SRAM + 0x100, insn), tlm::TLM_OK_RESPONSE) << "a data read of XN memory";
    });
}

TEST_F(MpuTest, CfsrBitsClearOnlyWhereOnesAreWritten) {
    run({}, [&](Core& c, Platform&) {
        program_user_read_only(c);
        const AccessAttributes fetch{false, AccessKind::Fetch, 0};
        uint32_t v = 0;
        c.read32(SRAM + 0x2000, v, &USER_DATA); // no region for user: DACCVIOL|MMARVALID
        c.read32(SRAM + 0x2000, v, &fetch);     // IACCVIOL
        EXPECT_EQ(c.reg(CFSR), 0x83u);
        c.write32(CFSR, 0);
        EXPECT_EQ(c.reg(CFSR), 0x83u) << "writing zeros cleared something";
        uint8_t ones = 0xFF;
        c.access(tlm::TLM_WRITE_COMMAND, CFSR + 1, &ones, 1); // BFSR
        EXPECT_EQ(c.reg(CFSR), 0x83u) << "a byte written to BFSR cleared MMFSR bits";
        uint16_t ufsr = 0xFFFF;
        c.access(tlm::TLM_READ_COMMAND, CFSR + 2, reinterpret_cast<uint8_t*>(&ufsr), 2);
        EXPECT_EQ(ufsr, 0u) << "UFSR";
        uint8_t byte = MMFSR_MMARVALID;
        c.access(tlm::TLM_WRITE_COMMAND, CFSR, &byte, 1);
        EXPECT_EQ(c.reg(CFSR), 0x03u) << "a byte write of MMARVALID";
        c.write32(CFSR, MMFSR_IACCVIOL | 0xFFFFFF00u);
        EXPECT_EQ(c.reg(CFSR), MMFSR_DACCVIOL);
        c.write32(CFSR, MMFSR_DACCVIOL);
        EXPECT_EQ(c.reg(CFSR), 0u);
        c.write32(MMFAR, 0x1234);
        EXPECT_EQ(c.reg(MMFAR), 0x1234u) << "MMFAR is writable";
    });
}

TEST_F(MpuTest, MissingExtensionMeansPrivilegedDataAccess) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, SRAM | V7_RBAR_VALID | 0);
        c.write32(RASR, rasr(11, 1, /*xn=*/true)); // privileged RW only, execute-never
        c.write32(CTRL, CTRL_ENABLE);
        uint32_t v = 0;
        EXPECT_EQ(c.write32(SRAM, 5), tlm::TLM_OK_RESPONSE) << "no extension was not privileged";
        EXPECT_EQ(c.read32(SRAM, v), tlm::TLM_OK_RESPONSE) << "no extension was not a data read";
        EXPECT_EQ(c.read32(SRAM, v, &USER_DATA), tlm::TLM_GENERIC_ERROR_RESPONSE);
        ASSERT_EQ(p.mpu.faults().size(), 1u);
        EXPECT_EQ(p.mpu.faults()[0].domain, 7u);
    });
}

TEST_F(MpuTest, WriteCommandIsCheckedAsAWriteWhateverTheExtensionSays) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, SRAM | V7_RBAR_VALID | 0);
        c.write32(RASR, rasr(11, 6)); // read-only, executable
        c.write32(CTRL, CTRL_ENABLE);
        const AccessAttributes says_fetch{false, AccessKind::Fetch, 0};
        EXPECT_EQ(c.write32(SRAM, 1, &says_fetch), tlm::TLM_GENERIC_ERROR_RESPONSE);
        ASSERT_EQ(p.mpu.faults().size(), 1u);
        EXPECT_EQ(p.mpu.faults()[0].kind, AccessKind::Write);
    });
}

TEST_F(MpuTest, V8OverlapFaultsThroughTheModel) {
    run(v8(), [&](Core& c, Platform& p) {
        c.write32(RNR, 0);
        c.write32(RBAR, SRAM | (1u << V8_RBAR_AP_SHIFT));
        c.write32(RASR, (SRAM + 0xFE0) | V8_RLAR_EN);
        c.write32(RBAR_A1, (SRAM + 0x800) | (1u << V8_RBAR_AP_SHIFT));
        c.write32(RASR_A1, (SRAM + 0x17E0) | V8_RLAR_EN);
        c.write32(CTRL, CTRL_ENABLE | CTRL_PRIVDEFENA);
        EXPECT_EQ(c.write32(SRAM + 0x7FC, 1, &USER_DATA), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(c.write32(SRAM + 0x800, 1), tlm::TLM_GENERIC_ERROR_RESPONSE)
            << "privileged access to two overlapping regions";
        EXPECT_EQ(c.reg(MMFAR), SRAM + 0x800);
        EXPECT_EQ(p.mpu.faults().size(), 1u);
    });
}

TEST_F(MpuTest, FetchFromTheRegisterWindowIsAnMpuFault) {
    run({}, [&](Core& c, Platform& p) {
        const AccessAttributes fetch{true, AccessKind::Fetch, 0};
        uint32_t v = 0;
        EXPECT_EQ(c.read32(CTRL, v, &fetch), tlm::TLM_GENERIC_ERROR_RESPONSE)
            << "the PPB is execute-never";
        EXPECT_EQ(p.mpu.stats().register_reads, 0u);
        EXPECT_EQ(c.reg(CFSR), MMFSR_IACCVIOL);
    });
}

// ---------------------------------------------------------------------------------------------
// Debug and DMI

TEST_F(MpuTest, DebugAccessIsNotChecked) {
    run({}, [&](Core& c, Platform& p) {
        c.poke32(SRAM, 0xCAFEF00D);
        c.write32(CTRL, CTRL_ENABLE); // no region, no background: every access faults
        EXPECT_EQ(c.peek32(SRAM), 0xCAFEF00Du);
        EXPECT_EQ(c.poke32(SRAM + 4, 1), 4u);
        EXPECT_TRUE(p.mpu.faults().empty()) << "a debug access was checked";
        EXPECT_EQ(c.peek32(CTRL), CTRL_ENABLE) << "a debugger reads the MPU registers";
        EXPECT_EQ(c.poke32(CTRL, 0), 4u);
        EXPECT_EQ(p.mpu.config().ctrl, 0u) << "a debugger writes them too";
    });
}

TEST_F(MpuTest, EveryReconfigurationInvalidatesAllDmi) {
    run({}, [&](Core& c, Platform& p) {
        tlm::tlm_dmi dmi;
        ASSERT_TRUE(c.dmi(SRAM + 0x100, dmi)) << "MPU off: DMI passes";
        EXPECT_EQ(dmi.get_start_address(), SRAM);
        EXPECT_EQ(dmi.get_end_address(), SRAM + p.bank.params().size_bytes - 1);
        c.invalidations.clear();
        c.write32(RNR, 1);
        c.write32(MMFAR, 0);
        EXPECT_TRUE(c.invalidations.empty()) << "RNR and MMFAR do not change the permissions";
        for (uint32_t a : {RBAR, RASR, RBAR_A3, RASR_A3, CTRL}) {
            c.invalidations.clear();
            c.write32(a, 0);
            ASSERT_EQ(c.invalidations.size(), 1u) << std::hex << a;
            EXPECT_EQ(c.invalidations[0], std::make_pair(uint64_t(0), ~uint64_t(0)));
        }
        EXPECT_EQ(p.mpu.stats().reconfigurations, 5u);
    });
}

TEST_F(MpuTest, DmiIsNarrowedToWhatTheConfigurationOpensToEveryone) {
    run({}, [&](Core& c, Platform& p) {
        c.write32(RBAR, (SRAM + 0x1000) | V7_RBAR_VALID | 0);
        c.write32(RASR, rasr(11, 3)); // [0x20001000, 0x20001FFF] full access
        c.write32(CTRL, CTRL_ENABLE | CTRL_PRIVDEFENA);
        tlm::tlm_dmi dmi;
        ASSERT_TRUE(c.dmi(SRAM + 0x1100, dmi));
        EXPECT_EQ(dmi.get_start_address(), SRAM + 0x1000);
        EXPECT_EQ(dmi.get_end_address(), SRAM + 0x1FFF);
        // The pointer was moved with the start: writing through it lands at 0x20001000.
        dmi.get_dmi_ptr()[0] = 0x5A;
        EXPECT_EQ(c.peek32(SRAM + 0x1000) & 0xFF, 0x5Au) << "DMI pointer not moved with the range";
        tlm::tlm_dmi refused;
        EXPECT_FALSE(c.dmi(SRAM + 0x3000, refused)) << "privileged-only memory would skip checks";
        EXPECT_EQ(refused.get_granted_access(), tlm::tlm_dmi::DMI_ACCESS_NONE);
        EXPECT_FALSE(c.dmi(CTRL, refused)) << "registers have side effects";
        EXPECT_EQ(p.mpu.stats().dmi_grants, 1u);
        EXPECT_EQ(p.mpu.stats().dmi_refusals, 2u);
    });
}

// ---------------------------------------------------------------------------------------------
// Timing, LT and AT

/// Cycles of each step of the timing script below: an allowed store (hop 1 + bank 1), a denied
/// store, a register read, an allowed load, all back to back from cycle 0 after programming.
struct ScriptTimes {
    std::vector<Cycles> done;
    std::vector<tlm::tlm_response_status> status;
};

ScriptTimes timing_script(Core& c, const Clock& clock) {
    ScriptTimes t;
    const auto step = [&](tlm::tlm_response_status s) {
        t.status.push_back(s);
        t.done.push_back(clock.to_cycles(c.port.now()));
    };
    program_user_read_only(c); // 3 register stores
    step(c.write32(SRAM, 1));
    step(c.write32(SRAM + 4, 2, &USER_DATA));
    uint32_t v = 0;
    step(c.read32(CFSR, v));
    step(c.read32(SRAM, v, &USER_DATA));
    return t;
}

TEST_F(MpuTest, DmiLatencyIncludesTheCheckSoDmiCostsWhatBTransportCosts) {
    for (const Cycles check : {Cycles(0), Cycles(3)}) {
        MpuParams p;
        p.check_cycles = check;
        run(p, [&](Core& c, Platform&) {
            tlm::tlm_dmi dmi;
            ASSERT_TRUE(c.dmi(SRAM + 0x100, dmi)) << "MPU off: DMI passes";
            EXPECT_EQ(dmi.get_read_latency(), cycles(check + 2)) << "check + hop 1 + bank 1";
            EXPECT_EQ(dmi.get_write_latency(), cycles(check + 2));
            sc_time delay = SC_ZERO_TIME;
            uint32_t v = 0;
            EXPECT_EQ(c.lt(tlm::TLM_READ_COMMAND, SRAM + 0x100, v, delay), tlm::TLM_OK_RESPONSE);
            EXPECT_EQ(delay, dmi.get_read_latency()) << "the same access through b_transport";
        });
    }
}

TEST_F(MpuTest, CheckCyclesAreAddedToEveryAccessExactlyInLt) {
    MpuParams p;
    p.check_cycles = 3;
    run(p, [&](Core& c, Platform&) {
        sc_time delay = SC_ZERO_TIME;
        uint32_t v = 0;
        EXPECT_EQ(c.lt(tlm::TLM_WRITE_COMMAND, SRAM, v, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(5)) << "check 3 + hop 1 + bank 1";
        delay = SC_ZERO_TIME;
        EXPECT_EQ(c.lt(tlm::TLM_READ_COMMAND, CTRL, v, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(4)) << "check 3 + register 1";
        v = CTRL_ENABLE;
        delay = cycles(10);
        EXPECT_EQ(c.lt(tlm::TLM_WRITE_COMMAND, CTRL, v, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(delay, cycles(14)) << "the incoming delay is kept";
        delay = SC_ZERO_TIME;
        EXPECT_EQ(c.lt(tlm::TLM_READ_COMMAND, SRAM, v, delay), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(delay, cycles(3)) << "a denial costs the check only";
    });
    MpuParams zero;
    run(zero, [&](Core& c, Platform&) {
        sc_time delay = SC_ZERO_TIME;
        uint32_t v = 0;
        c.lt(tlm::TLM_WRITE_COMMAND, SRAM, v, delay);
        EXPECT_EQ(delay, cycles(2)) << "with check_cycles = 0 the MPU costs nothing";
    });
}

TEST_F(MpuTest, LtAndAtAgreeOnEveryCycleAndStatus) {
    MpuParams p;
    p.check_cycles = 2;
    ScriptTimes lt, at;
    run(p, TimingMode::Lt, [&](Core& c, Platform&) { lt = timing_script(c, clock); });
    run(p, TimingMode::At, [&](Core& c, Platform& plat) {
        at = timing_script(c, clock);
        EXPECT_EQ(plat.bus_side.transactions, 2u) << "only the two allowed SRAM accesses";
    });
    // Registers: 3 x (2 + 1) = 9; store 9 + 2 + 2 = 13; denied 15; CFSR 18; load 22.
    const std::vector<Cycles> expected = {13, 15, 18, 22};
    EXPECT_EQ(lt.done, expected);
    EXPECT_EQ(at.done, expected);
    const std::vector<tlm::tlm_response_status> statuses = {
        tlm::TLM_OK_RESPONSE, tlm::TLM_GENERIC_ERROR_RESPONSE, tlm::TLM_OK_RESPONSE,
        tlm::TLM_OK_RESPONSE};
    EXPECT_EQ(lt.status, statuses);
    EXPECT_EQ(at.status, statuses);
}

TEST_F(MpuTest, AtDenialCompletesOnTheRequestCallAndRecordsTheFault) {
    MpuParams p;
    p.check_cycles = 4;
    run(p, TimingMode::At, [&](Core& c, Platform& plat) {
        c.write32(CTRL, CTRL_ENABLE); // 5 cycles
        uint32_t v = 0;
        EXPECT_EQ(c.read32(SRAM + 8, v), tlm::TLM_GENERIC_ERROR_RESPONSE);
        EXPECT_EQ(sc_core::sc_time_stamp(), cycles(9));
        ASSERT_EQ(plat.mpu.faults().size(), 1u);
        EXPECT_EQ(plat.mpu.faults()[0].cycle, 5u) << "the cycle the access was presented";
        EXPECT_EQ(plat.bus_side.transactions, 0u);
    });
}

// ---------------------------------------------------------------------------------------------
// Pass-through: a whole stream through an MPU that allows everything

/// Records of `stream` replayed by a TrafficGenerator, with or without an Mpu (reset state:
/// disabled, check_cycles 0) between it and the bus; checker on every hop.
std::vector<TrafficRecord> replay(TimingMode mode, bool with_mpu,
                                  const std::vector<TrafficRequest>& stream,
                                  std::vector<std::string>& violations, uint64_t& dmi_grants) {
    emsim::fresh_simulation_context();
    sc_core::sc_report_handler::set_handler(&emsim::test::report_to_gtest);
    Clock clock(10000);
    SramBankParams slow;
    slow.read_cycles = 2;
    SramBank bank("bank", slow, clock);
    Interconnect bus("bus", {}, clock);
    bus.map(0, SRAM, bank.params().size_bytes, "sram");
    TrafficGeneratorParams gen;
    gen.mode = mode;
    gen.quantum_cycles = 50;
    TrafficGenerator generator("gen", gen, clock, stream);
    ProtocolChecker core_side("core_side"), bus_side("bus_side");
    std::unique_ptr<Mpu> mpu;
    generator.out.bind(core_side.in);
    if (with_mpu) {
        mpu = std::make_unique<Mpu>("mpu", MpuParams{}, clock);
        core_side.out.bind(mpu->in);
        mpu->out.bind(bus_side.in);
    } else {
        core_side.out.bind(bus_side.in);
    }
    bus_side.out.bind(bus.in);
    bus.out.bind(bank.in);
    sc_core::sc_start();
    violations = core_side.violations;
    violations.insert(violations.end(), bus_side.violations.begin(), bus_side.violations.end());
    dmi_grants = mpu ? mpu->stats().dmi_grants : 0;
    return generator.records();
}

TEST(MpuPassThrough, AnOpenMpuChangesNoCycleOfAStreamInLtLtDmiOrAt) {
    SplitMix64 rng(77);
    std::vector<TrafficRequest> stream;
    Cycles at = 0;
    for (int i = 0; i < 2000; ++i) {
        TrafficRequest r;
        r.length_bytes = static_cast<uint32_t>(rng.uniform(1, 16));
        r.address = SRAM + rng.uniform(0, 0x1000 - 16);
        r.write = rng.chance(1, 2);
        at += rng.uniform(0, 5);
        r.not_before_cycle = at;
        stream.push_back(r);
    }
    for (TimingMode mode : {TimingMode::Lt, TimingMode::LtDmi, TimingMode::At}) {
        std::vector<std::string> v_without, v_with;
        uint64_t grants_without = 0, grants_with = 0;
        const auto without = replay(mode, false, stream, v_without, grants_without);
        const auto with = replay(mode, true, stream, v_with, grants_with);
        const char* name = enum_name(TIMING_MODE_NAMES, mode);
        EXPECT_TRUE(v_with.empty()) << name << ": " << v_with.front();
        ASSERT_EQ(with.size(), stream.size()) << name;
        ASSERT_EQ(without.size(), stream.size()) << name;
        for (size_t i = 0; i < stream.size(); ++i) {
            ASSERT_EQ(with[i].issue_cycle, without[i].issue_cycle) << name << " transaction " << i;
            ASSERT_EQ(with[i].end_cycle, without[i].end_cycle) << name << " transaction " << i;
            ASSERT_EQ(with[i].status, without[i].status) << name << " transaction " << i;
            ASSERT_EQ(with[i].via_dmi, without[i].via_dmi) << name << " transaction " << i;
        }
        if (mode == TimingMode::LtDmi) {
            EXPECT_GT(grants_with, 0u) << "DMI never passed the MPU";
        }
    }
}

} // namespace
