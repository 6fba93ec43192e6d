// The MPU permission function (mpu_regions.h), no SystemC: PMSAv7 and PMSAv8 region matching,
// access permissions, the background map, the QEMU choices for UNPREDICTABLE cases, the fault
// status bits and the DMI span. Every expected value is computed by hand from
// shared/reference/mpu.md.
#include "models/mpu_regions.h"
#include "models/random.h"

#include <gtest/gtest.h>

using namespace emsim;

namespace {

constexpr bool PRIV = true;
constexpr bool USER = false;

uint32_t rasr(uint32_t size_field, uint32_t ap, bool xn = false, uint32_t srd = 0) {
    return V7_RASR_ENABLE | (size_field << V7_RASR_SIZE_SHIFT) | (srd << V7_RASR_SRD_SHIFT) |
           (ap << V7_RASR_AP_SHIFT) | (xn ? V7_RASR_XN : 0u);
}

MpuConfig v7(uint32_t ctrl = CTRL_ENABLE, uint32_t regions = 8) {
    MpuConfig c;
    c.flavour = MpuFlavour::Pmsav7;
    c.region_count = regions;
    c.ctrl = ctrl;
    return c;
}

void set_v7(MpuConfig& c, int n, uint32_t base, uint32_t size_field, uint32_t ap, bool xn = false,
            uint32_t srd = 0) {
    c.regions[n].rbar = base;
    c.regions[n].rasr = rasr(size_field, ap, xn, srd);
}

MpuConfig v8(uint32_t ctrl = CTRL_ENABLE, uint32_t regions = 8) {
    MpuConfig c = v7(ctrl, regions);
    c.flavour = MpuFlavour::Pmsav8;
    return c;
}

/// PMSAv8 region [base, last] (last inclusive; both 32-byte granular).
void set_v8(MpuConfig& c, int n, uint32_t base, uint32_t last, uint32_t ap, bool xn = false) {
    c.regions[n].rbar = (base & V8_ADDR_MASK) | (ap << V8_RBAR_AP_SHIFT) | (xn ? V8_RBAR_XN : 0u);
    c.regions[n].rlar = (last & V8_ADDR_MASK) | V8_RLAR_EN;
}

bool allows(const MpuConfig& c, uint32_t address, AccessKind kind, bool privileged,
            uint32_t size = 4) {
    return decide(c, address, size, kind, privileged).allowed;
}

const AccessKind R = AccessKind::Read;
const AccessKind W = AccessKind::Write;
const AccessKind X = AccessKind::Fetch;

// ---------------------------------------------------------------------------------------------
// Both flavours: MPU off, PPB, background map

TEST(MpuRegions, DisabledMpuAllowsAllDataAccessesThroughTheDefaultMap) {
    for (MpuConfig c : {v7(0), v8(0)}) {
        set_v7(c, 0, 0x20000000, 9, 0); // a no-access region: ignored while ENABLE = 0
        for (uint32_t a : {0x00000000u, 0x20000000u, 0x40004000u, 0xA0000000u, 0xE0100000u})
            for (bool p : {PRIV, USER}) {
                EXPECT_TRUE(allows(c, a, R, p)) << std::hex << a;
                EXPECT_TRUE(allows(c, a, W, p)) << std::hex << a;
            }
        EXPECT_EQ(decide(c, 0x20000000, 4, R, USER).match, MpuMatch::Disabled);
    }
}

TEST(MpuRegions, DefaultMapIsExecuteNeverOutsideCodeSramAndRam) {
    const MpuConfig c = v7(0);
    EXPECT_TRUE(allows(c, 0x00001000, X, USER)) << "Code";
    EXPECT_TRUE(allows(c, 0x20001000, X, USER)) << "SRAM";
    EXPECT_TRUE(allows(c, 0x60000000, X, USER)) << "RAM";
    EXPECT_TRUE(allows(c, 0x9FFFFFFC, X, USER)) << "RAM";
    EXPECT_FALSE(allows(c, 0x40000000, X, PRIV)) << "Peripheral";
    EXPECT_FALSE(allows(c, 0xA0000000, X, PRIV)) << "Device";
    EXPECT_FALSE(allows(c, 0xDFFFFFFC, X, PRIV)) << "Device";
    EXPECT_FALSE(allows(c, 0xE0000000, X, PRIV)) << "System";
}

TEST(MpuRegions, EnabledMpuWithoutRegionsDeniesEveryoneWithoutPrivdefena) {
    const MpuConfig c = v7(CTRL_ENABLE);
    for (bool p : {PRIV, USER}) {
        const MpuDecision d = decide(c, 0x20000010, 4, W, p);
        EXPECT_FALSE(d.allowed);
        EXPECT_EQ(d.match, MpuMatch::NoRegion);
        EXPECT_EQ(d.region, -1);
        EXPECT_EQ(d.fault_address, 0x20000010u);
        EXPECT_EQ(d.mmfsr, MMFSR_DACCVIOL | MMFSR_MMARVALID);
    }
}

TEST(MpuRegions, PrivdefenaOpensTheDefaultMapToPrivilegedAccessesOnly) {
    for (MpuConfig c : {v7(CTRL_ENABLE | CTRL_PRIVDEFENA), v8(CTRL_ENABLE | CTRL_PRIVDEFENA)}) {
        EXPECT_TRUE(allows(c, 0x20000000, W, PRIV));
        EXPECT_EQ(decide(c, 0x20000000, 4, W, PRIV).match, MpuMatch::Background);
        EXPECT_TRUE(allows(c, 0x20000000, X, PRIV));
        EXPECT_FALSE(allows(c, 0x40000000, X, PRIV)) << "background keeps the default map's XN";
        EXPECT_FALSE(allows(c, 0x20000000, R, USER)) << "unprivileged never uses the background";
        EXPECT_EQ(decide(c, 0x20000000, 4, R, USER).match, MpuMatch::NoRegion);
    }
}

TEST(MpuRegions, PpbAlwaysUsesTheDefaultMapEvenForUnprivilegedAccesses) {
    for (MpuConfig c : {v7(CTRL_ENABLE), v8(CTRL_ENABLE)}) {
        EXPECT_TRUE(allows(c, 0xE000ED94, R, USER)) << "the SCS refuses it, not the MPU";
        EXPECT_TRUE(allows(c, 0xE00FFFFC, W, USER));
        EXPECT_EQ(decide(c, 0xE000ED94, 4, R, USER).match, MpuMatch::DefaultMap);
        EXPECT_FALSE(allows(c, 0xE000ED94, X, PRIV)) << "the PPB is execute-never";
        EXPECT_FALSE(allows(c, 0xE0100000, R, USER)) << "past the PPB the regions apply";
    }
}

TEST(MpuRegions, FetchFaultsSetIaccviolWithoutMmarvalid) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x00000000, 17, 3, /*xn=*/true);
    const MpuDecision d = decide(c, 0x100, 2, X, PRIV);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.mmfsr, MMFSR_IACCVIOL);
    EXPECT_EQ(d.region, 0);
    EXPECT_EQ(decide(c, 0x100, 4, R, PRIV).mmfsr, 0u) << "an allowed access sets no fault bits";
}

// ---------------------------------------------------------------------------------------------
// PMSAv7: AP, XN

TEST(MpuRegions, V7ApTableGivesEachPrivilegeItsReadAndWriteRights) {
    // AP: {priv read, priv write, user read, user write}, shared/reference/mpu.md §1 and QEMU
    // for the reserved 100 (nothing) and 111 (as 110).
    const bool table[8][4] = {
        {false, false, false, false}, // 000 no access
        {true, true, false, false},   // 001 privileged only
        {true, true, true, false},    // 010 unprivileged read-only
        {true, true, true, true},     // 011 full
        {false, false, false, false}, // 100 reserved
        {true, false, false, false},  // 101 privileged read-only
        {true, false, true, false},   // 110 read-only
        {true, false, true, false},   // 111 read-only (v7-M alias of 110)
    };
    for (uint32_t ap = 0; ap < 8; ++ap) {
        MpuConfig c = v7(CTRL_ENABLE);
        set_v7(c, 0, 0x20000000, 11, ap); // 4 KB
        EXPECT_EQ(allows(c, 0x20000800, R, PRIV), table[ap][0]) << "AP=" << ap << " priv read";
        EXPECT_EQ(allows(c, 0x20000800, W, PRIV), table[ap][1]) << "AP=" << ap << " priv write";
        EXPECT_EQ(allows(c, 0x20000800, R, USER), table[ap][2]) << "AP=" << ap << " user read";
        EXPECT_EQ(allows(c, 0x20000800, W, USER), table[ap][3]) << "AP=" << ap << " user write";
        // QEMU: readable implies executable unless XN.
        EXPECT_EQ(allows(c, 0x20000800, X, PRIV), table[ap][0]) << "AP=" << ap << " priv fetch";
        EXPECT_EQ(allows(c, 0x20000800, X, USER), table[ap][2]) << "AP=" << ap << " user fetch";
    }
}

TEST(MpuRegions, V7XnForbidsFetchEvenForPrivilegedCodeButNotData) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 11, 3, /*xn=*/true);
    EXPECT_FALSE(allows(c, 0x20000000, X, PRIV));
    EXPECT_FALSE(allows(c, 0x20000000, X, USER));
    EXPECT_TRUE(allows(c, 0x20000000, R, USER));
    EXPECT_TRUE(allows(c, 0x20000000, W, USER));
}

TEST(MpuRegions, V7SystemRegionIsExecuteNeverWhateverTheRegionSays) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0xE0100000, 19, 3); // 1 MB just past the PPB, XN clear
    EXPECT_TRUE(allows(c, 0xE0100000, R, USER));
    EXPECT_FALSE(allows(c, 0xE0100000, X, PRIV));
}

TEST(MpuRegions, V7DisabledRegionIsIgnored) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 11, 3);
    c.regions[0].rasr &= ~V7_RASR_ENABLE;
    EXPECT_FALSE(allows(c, 0x20000000, R, USER));
}

TEST(MpuRegions, V7RegionsAboveTheImplementedCountAreIgnored) {
    MpuConfig c = v7(CTRL_ENABLE, 8);
    set_v7(c, 9, 0x20000000, 11, 3);
    EXPECT_FALSE(allows(c, 0x20000000, R, USER)) << "region 9 of an 8-region MPU matched";
    c.region_count = 16;
    EXPECT_TRUE(allows(c, 0x20000000, R, USER));
}

// ---------------------------------------------------------------------------------------------
// PMSAv7: size, alignment, overlap, subregions

TEST(MpuRegions, V7MinimumRegionIs32BytesWithInclusiveEdges) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000020, 4, 3); // SIZE=4: 32 bytes, [0x20000020, 0x2000003F]
    EXPECT_FALSE(allows(c, 0x2000001C, R, USER));
    EXPECT_TRUE(allows(c, 0x20000020, R, USER));
    EXPECT_TRUE(allows(c, 0x2000003C, R, USER));
    EXPECT_FALSE(allows(c, 0x20000040, R, USER));
}

TEST(MpuRegions, V7SizeFieldEncodesTwoToTheSizePlusOne) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 9, 3); // 1 KB
    EXPECT_TRUE(allows(c, 0x200003FC, R, USER));
    EXPECT_FALSE(allows(c, 0x20000400, R, USER));
    set_v7(c, 0, 0x20000000, 19, 3); // 1 MB
    EXPECT_TRUE(allows(c, 0x200FFFFC, R, USER));
    EXPECT_FALSE(allows(c, 0x20100000, R, USER));
    const V7Region r = decode_v7(c.regions[0]);
    EXPECT_EQ(r.size_bytes, 1u << 20);
    EXPECT_TRUE(r.has_subregions);
}

TEST(MpuRegions, V7Size31CoversTheWholeAddressSpace) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x00000000, 31, 3);
    EXPECT_EQ(decode_v7(c.regions[0]).size_bytes, 1ull << 32);
    EXPECT_TRUE(allows(c, 0x00000000, W, USER));
    EXPECT_TRUE(allows(c, 0x7FFFFFFC, W, USER));
    EXPECT_TRUE(allows(c, 0xFFFFFFFC, W, USER));
    // Its subregions are 512 MB: disabling 7 removes 0xE0000000.. (but not the PPB).
    set_v7(c, 0, 0x00000000, 31, 3, false, 0x80);
    EXPECT_FALSE(allows(c, 0xE0100000, R, USER));
    EXPECT_FALSE(allows(c, 0xFFFFFFFC, R, USER));
    EXPECT_TRUE(allows(c, 0xE000ED00, R, USER)) << "the PPB is default map whatever the regions";
    EXPECT_TRUE(allows(c, 0xDFFFFFFC, R, USER));
    // A 4 GB region with any base bit set is misaligned.
    set_v7(c, 0, 0x20000000, 31, 3);
    EXPECT_FALSE(allows(c, 0x20000000, R, USER));
}

TEST(MpuRegions, V7MisalignedBaseMakesQemuIgnoreTheRegion) {
    MpuConfig c = v7(CTRL_ENABLE | CTRL_PRIVDEFENA);
    set_v7(c, 0, 0x20000000, 13, 3);  // 16 KB full access
    set_v7(c, 1, 0x20000800, 11, 0);  // 4 KB no-access at a 2 KB boundary: misaligned
    EXPECT_FALSE(decode_v7(c.regions[1]).valid);
    EXPECT_TRUE(allows(c, 0x20000800, W, USER)) << "silicon would align down; QEMU skips it";
    EXPECT_EQ(decide(c, 0x20000800, 4, W, USER).region, 0);
    set_v7(c, 1, 0x20001000, 11, 0); // the same region aligned: now it applies
    EXPECT_FALSE(allows(c, 0x20001000, W, USER));
    EXPECT_FALSE(allows(c, 0x20001000, W, PRIV));
}

TEST(MpuRegions, V7SizeZeroMakesQemuIgnoreTheRegion) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 0, 3);
    EXPECT_FALSE(decode_v7(c.regions[0]).valid);
    EXPECT_FALSE(allows(c, 0x20000000, R, PRIV));
}

TEST(MpuRegions, V7SizeBelowTheMinimumFollowsQemusTinyRegion) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 2, 3); // SIZE=2: 8 bytes (UNPREDICTABLE: QEMU computes 2^3)
    EXPECT_TRUE(allows(c, 0x20000004, R, USER));
    EXPECT_FALSE(allows(c, 0x20000008, R, USER));
    const MpuDecision d = decide(c, 0x20000004, 8, R, USER);
    EXPECT_FALSE(d.allowed) << "an 8-byte access leaving the region";
    EXPECT_EQ(d.fault_address, 0x20000008u) << "the first denied byte";
}

TEST(MpuRegions, V7HighestNumberedMatchingRegionWins) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 11, 3); // 4 KB full
    set_v7(c, 5, 0x20000400, 9, 0);  // 1 KB no access inside it, higher number
    EXPECT_TRUE(allows(c, 0x200003FC, W, USER));
    EXPECT_FALSE(allows(c, 0x20000400, R, PRIV));
    EXPECT_EQ(decide(c, 0x20000400, 4, R, PRIV).region, 5);
    EXPECT_TRUE(allows(c, 0x20000800, W, USER));
    // Swapped: the full region has the higher number and hides the no-access one.
    MpuConfig s = v7(CTRL_ENABLE);
    set_v7(s, 5, 0x20000000, 11, 3);
    set_v7(s, 0, 0x20000400, 9, 0);
    EXPECT_TRUE(allows(s, 0x20000400, W, USER));
    EXPECT_EQ(decide(s, 0x20000400, 4, W, USER).region, 5);
}

TEST(MpuRegions, V7DisabledSubregionFallsThroughToLowerRegionThenBackground) {
    MpuConfig c = v7(CTRL_ENABLE | CTRL_PRIVDEFENA);
    // Region 1: 2 KB full, subregion 1 (0x20000100..0x200001FF) disabled.
    set_v7(c, 1, 0x20000000, 10, 3, false, 0x02);
    EXPECT_TRUE(allows(c, 0x200000FC, W, USER));
    EXPECT_FALSE(allows(c, 0x20000100, R, USER)) << "no lower region, no background for user";
    EXPECT_TRUE(allows(c, 0x20000100, W, PRIV)) << "privileged falls to the background";
    EXPECT_EQ(decide(c, 0x20000100, 4, W, PRIV).match, MpuMatch::Background);
    EXPECT_TRUE(allows(c, 0x20000200, W, USER));
    // Region 0 (read-only, 4 KB) underneath catches the hole.
    set_v7(c, 0, 0x20000000, 11, 6);
    EXPECT_TRUE(allows(c, 0x20000100, R, USER));
    EXPECT_FALSE(allows(c, 0x20000100, W, USER));
    EXPECT_EQ(decide(c, 0x20000100, 4, W, USER).region, 0);
}

TEST(MpuRegions, V7EachSrdBitDisablesOneEighthFromTheBottom) {
    for (uint32_t bit = 0; bit < 8; ++bit) {
        MpuConfig c = v7(CTRL_ENABLE);
        set_v7(c, 0, 0x20000000, 12, 3, false, 1u << bit); // 8 KB: 1 KB subregions
        for (uint32_t sub = 0; sub < 8; ++sub) {
            const uint32_t first = 0x20000000 + sub * 0x400, last = first + 0x3FC;
            EXPECT_EQ(allows(c, first, R, USER), sub != bit) << "SRD bit " << bit << " sub " << sub;
            EXPECT_EQ(allows(c, last, R, USER), sub != bit) << "SRD bit " << bit << " sub " << sub;
        }
    }
}

TEST(MpuRegions, V7SmallestRegionWithSubregionsIs256Bytes) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 7, 3, false, 0x80); // 256 B: 32-byte subregions, top one disabled
    EXPECT_TRUE(allows(c, 0x200000DC, R, USER));
    EXPECT_FALSE(allows(c, 0x200000E0, R, USER));
    set_v7(c, 0, 0x20000000, 6, 3, false, 0xFF); // 128 B: SRD ignored (QEMU, architecture: 0)
    EXPECT_FALSE(decode_v7(c.regions[0]).has_subregions);
    EXPECT_TRUE(allows(c, 0x20000000, R, USER));
    EXPECT_TRUE(allows(c, 0x2000007C, R, USER));
}

TEST(MpuRegions, EveryByteOfAnAccessIsChecked) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x20000000, 4, 3); // [0x20000000, 0x2000001F]
    EXPECT_TRUE(allows(c, 0x20000018, W, USER, 8));
    MpuDecision d = decide(c, 0x2000001C, 8, W, USER);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.fault_address, 0x20000020u);
    d = decide(c, 0x2000001E, 4, W, USER); // unaligned word straddling the edge
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.fault_address, 0x20000020u);
    d = decide(c, 0x1FFFFFFE, 4, R, USER);
    EXPECT_EQ(d.fault_address, 0x1FFFFFFEu) << "the first byte is already denied";
    EXPECT_TRUE(allows(c, 0x20000000, R, USER, 0)) << "a zero-length access checks one byte";
}

TEST(MpuRegions, AccessReachingTheTopOfTheAddressSpaceStopsThere) {
    MpuConfig c = v7(CTRL_ENABLE);
    set_v7(c, 0, 0x00000000, 31, 3);
    EXPECT_TRUE(allows(c, 0xFFFFFFF0, R, USER, 64));
}

// ---------------------------------------------------------------------------------------------
// PMSAv8

TEST(MpuRegions, V8LimitIsInclusiveAnd32ByteGranular) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x20000020, 0x20000040, 1); // [0x20000020, 0x2000005F]
    EXPECT_FALSE(allows(c, 0x2000001C, R, USER));
    EXPECT_TRUE(allows(c, 0x20000020, R, USER));
    EXPECT_TRUE(allows(c, 0x2000005C, W, USER)) << "LIMIT covers its whole 32-byte granule";
    EXPECT_FALSE(allows(c, 0x20000060, R, USER));
}

TEST(MpuRegions, V8NeedsNoPowerOfTwoSizeOrAlignment) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x20000060, 0x200012A0, 1); // 4.7 KB at a 32-byte boundary
    EXPECT_TRUE(allows(c, 0x20000060, W, USER));
    EXPECT_TRUE(allows(c, 0x200012BC, W, USER));
    EXPECT_FALSE(allows(c, 0x200012C0, W, USER));
}

TEST(MpuRegions, V8ApTableHasNoPrivilegedWriteUnprivilegedReadCombination) {
    const bool table[4][4] = {
        {true, true, false, false},  // 00 RW privileged only
        {true, true, true, true},    // 01 RW any
        {true, false, false, false}, // 10 RO privileged only
        {true, false, true, false},  // 11 RO any
    };
    for (uint32_t ap = 0; ap < 4; ++ap) {
        MpuConfig c = v8(CTRL_ENABLE);
        set_v8(c, 3, 0x20000000, 0x20000FE0, ap);
        EXPECT_EQ(allows(c, 0x20000100, R, PRIV), table[ap][0]) << "AP=" << ap << " priv read";
        EXPECT_EQ(allows(c, 0x20000100, W, PRIV), table[ap][1]) << "AP=" << ap << " priv write";
        EXPECT_EQ(allows(c, 0x20000100, R, USER), table[ap][2]) << "AP=" << ap << " user read";
        EXPECT_EQ(allows(c, 0x20000100, W, USER), table[ap][3]) << "AP=" << ap << " user write";
        EXPECT_EQ(allows(c, 0x20000100, X, USER), table[ap][2]) << "AP=" << ap << " user fetch";
    }
}

TEST(MpuRegions, V8OverlappingEnabledRegionsFaultEvenWhenBothAllow) {
    MpuConfig c = v8(CTRL_ENABLE | CTRL_PRIVDEFENA);
    set_v8(c, 0, 0x20000000, 0x20000FE0, 1);
    set_v8(c, 4, 0x20000800, 0x200017E0, 1);
    EXPECT_TRUE(allows(c, 0x200007FC, W, USER));
    for (bool p : {PRIV, USER}) {
        const MpuDecision d = decide(c, 0x20000800, 4, R, p);
        EXPECT_FALSE(d.allowed) << "overlap did not fault";
        EXPECT_EQ(d.match, MpuMatch::Overlap);
        EXPECT_EQ(d.region, 4);
        EXPECT_EQ(d.mmfsr, MMFSR_DACCVIOL | MMFSR_MMARVALID);
    }
    EXPECT_TRUE(allows(c, 0x20001000, W, USER)) << "past region 0 only region 4 matches";
    c.regions[0].rlar &= ~V8_RLAR_EN;
    EXPECT_TRUE(allows(c, 0x20000800, R, USER)) << "a disabled region does not overlap";
}

TEST(MpuRegions, V8XnAndSystemRegionForbidFetch) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x10000000, 0x103FFFE0, 3, /*xn=*/true);
    EXPECT_FALSE(allows(c, 0x10000000, X, PRIV));
    EXPECT_TRUE(allows(c, 0x10000000, R, USER));
    set_v8(c, 1, 0x20000000, 0x20000FE0, 3, false);
    EXPECT_TRUE(allows(c, 0x20000000, X, USER));
    set_v8(c, 2, 0xE0100000, 0xE01FFFE0, 1, false);
    EXPECT_FALSE(allows(c, 0xE0100000, X, PRIV)) << "System region is always XN";
    EXPECT_EQ(decide(c, 0xE0100000, 2, X, PRIV).mmfsr, MMFSR_IACCVIOL);
}

TEST(MpuRegions, V8UnprivilegedWithoutRightsCannotFetch) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x00000000, 0x0000FFE0, 2); // RO privileged only
    EXPECT_TRUE(allows(c, 0x100, X, PRIV));
    EXPECT_FALSE(allows(c, 0x100, X, USER));
}

TEST(MpuRegions, V8PxnIsIgnoredOnArmv80Cores) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x00000000, 0x0000FFE0, 1);
    c.regions[0].rlar |= V8_RLAR_PXN;
    EXPECT_TRUE(allows(c, 0x100, X, PRIV));
}

TEST(MpuRegions, V8LimitBelowBaseNeverMatches) {
    MpuConfig c = v8(CTRL_ENABLE);
    set_v8(c, 0, 0x20001000, 0x20000000, 1);
    EXPECT_FALSE(allows(c, 0x20000000, R, PRIV));
    EXPECT_FALSE(allows(c, 0x20001000, R, PRIV));
}

// ---------------------------------------------------------------------------------------------
// Uniform stretches and DMI spans

TEST(MpuRegions, UniformEndStopsAtRegionSubregionAndMapEdges) {
    MpuConfig c = v7(CTRL_ENABLE);
    EXPECT_EQ(uniform_end(c, 0x20000000), 0x40000000u) << "default-map cell";
    EXPECT_EQ(uniform_end(c, 0xE0000000), 0xE0100000u) << "the PPB";
    EXPECT_EQ(uniform_end(c, 0xE0100000), 1ull << 32);
    set_v7(c, 0, 0x20002000, 12, 3); // 8 KB: 1 KB subregions
    EXPECT_EQ(uniform_end(c, 0x20000000), 0x20002000u);
    EXPECT_EQ(uniform_end(c, 0x20002004), 0x20002400u);
    set_v7(c, 0, 0x20002000, 6, 3); // 128 B, no subregions
    EXPECT_EQ(uniform_end(c, 0x20002004), 0x20002080u);
}

TEST(MpuRegions, DmiSpanIsTheOpenStretchAroundTheAddress) {
    MpuConfig c = v7(CTRL_ENABLE | CTRL_PRIVDEFENA);
    set_v7(c, 0, 0x20000000, 13, 3);                 // 16 KB full access
    set_v7(c, 1, 0x20001000, 11, 6);                 // 4 KB read-only on top
    uint32_t first = 0, last = 0;
    ASSERT_TRUE(unconditional_rw_span(c, 0x20000000, 0x2000FFFF, 0x20000100, first, last));
    EXPECT_EQ(first, 0x20000000u);
    EXPECT_EQ(last, 0x20000FFFu) << "stops at the read-only region";
    ASSERT_TRUE(unconditional_rw_span(c, 0x20000000, 0x2000FFFF, 0x20002100, first, last));
    EXPECT_EQ(first, 0x20002000u);
    EXPECT_EQ(last, 0x20003FFFu) << "stops where only the privileged background is left";
    EXPECT_FALSE(unconditional_rw_span(c, 0x20000000, 0x2000FFFF, 0x20001000, first, last))
        << "read-only is not open";
    EXPECT_FALSE(unconditional_rw_span(c, 0x20000000, 0x2000FFFF, 0x20004000, first, last))
        << "background only is not open to unprivileged code";
    c.ctrl = 0;
    ASSERT_TRUE(unconditional_rw_span(c, 0x20000000, 0x2000FFFF, 0x20004000, first, last));
    EXPECT_EQ(first, 0x20000000u);
    EXPECT_EQ(last, 0x2000FFFFu) << "MPU off: all of it";
}

// ---------------------------------------------------------------------------------------------
// The precomputed map against the reference walk

uint32_t near_sram(SplitMix64& rng, uint64_t span) {
    return 0x20000000u + static_cast<uint32_t>(rng.uniform(0, span));
}

/// A random configuration near 0x20000000 (so regions overlap, nest and share edges), with
/// the odd misaligned base, tiny or zero SIZE, disabled region and reserved AP.
MpuConfig random_config(SplitMix64& rng, MpuFlavour flavour) {
    MpuConfig c = flavour == MpuFlavour::Pmsav7 ? v7(0, rng.chance(1, 2) ? 8 : 16)
                                                 : v8(0, rng.chance(1, 2) ? 8 : 16);
    c.ctrl = static_cast<uint32_t>(rng.uniform(0, 7));
    if (rng.chance(3, 4)) c.ctrl |= CTRL_ENABLE;
    const uint32_t used = static_cast<uint32_t>(rng.uniform(0, c.region_count));
    for (uint32_t k = 0; k < used; ++k) {
        const uint32_t n = static_cast<uint32_t>(rng.uniform(0, c.region_count - 1));
        if (flavour == MpuFlavour::Pmsav7) {
            const uint32_t size_field =
                static_cast<uint32_t>(rng.chance(1, 10) ? rng.uniform(0, 3) : rng.uniform(4, 16));
            const uint64_t size = 1ull << (size_field + 1);
            uint32_t base = near_sram(rng, 0x3FFFF);
            base &= rng.chance(1, 8) ? ~0x1Fu : static_cast<uint32_t>(~(size - 1));
            if (rng.chance(1, 20)) base = 0;
            c.regions[n].rbar = base;
            c.regions[n].rasr = static_cast<uint32_t>(rng.next()) & V7_RASR_MASK;
            c.regions[n].rasr = (c.regions[n].rasr & ~(0x1Fu << 1)) | (size_field << 1);
            if (rng.chance(1, 40)) c.regions[n].rasr |= 31u << 1;
        } else {
            const uint32_t base = near_sram(rng, 0x3FFFF) & ~0x1Fu;
            const uint32_t last = base + static_cast<uint32_t>(rng.uniform(0, 0x8000));
            c.regions[n].rbar = base | static_cast<uint32_t>(rng.uniform(0, 0x1F));
            c.regions[n].rlar = (last & ~0x1Fu) | static_cast<uint32_t>(rng.uniform(0, 0x1F));
        }
    }
    return c;
}

TEST(MpuRegions, PrecomputedMapDecidesExactlyLikeTheRegionWalk) {
    const uint64_t seed = 0x5EED0001;
    SplitMix64 rng(seed);
    for (int round = 0; round < 400; ++round) {
        const MpuFlavour flavour = round % 2 ? MpuFlavour::Pmsav8 : MpuFlavour::Pmsav7;
        const MpuConfig c = random_config(rng, flavour);
        MpuPermissionMap map;
        map.build(c);
        for (int probe = 0; probe < 300; ++probe) {
            uint32_t address = static_cast<uint32_t>(rng.next());
            if (rng.chance(7, 8)) address = near_sram(rng, 0x48000);
            if (rng.chance(1, 16)) address = 0xE0000000u + near_sram(rng, 0x200000) - 0x20000000u;
            const uint32_t size = static_cast<uint32_t>(rng.chance(3, 4) ? 1u << rng.uniform(0, 2)
                                                                          : rng.uniform(0, 300));
            const AccessKind kind = static_cast<AccessKind>(rng.uniform(0, 2));
            const bool privileged = rng.chance(1, 2);
            const MpuDecision want = decide(c, address, size, kind, privileged);
            const MpuDecision got = map.decide(address, size, kind, privileged);
            const bool same = want.allowed == got.allowed && want.match == got.match &&
                              want.region == got.region &&
                              want.fault_address == got.fault_address && want.mmfsr == got.mmfsr;
            ASSERT_TRUE(same) << "seed " << std::hex << seed << " round " << std::dec << round
                              << " probe " << probe << ": address 0x" << std::hex << address
                              << " size " << std::dec << size << " kind "
                              << enum_name(ACCESS_KIND_NAMES, kind) << " privileged " << privileged
                              << "; walk " << want.allowed << "/" << want.region << "/0x"
                              << std::hex << want.fault_address << ", map " << got.allowed << "/"
                              << std::dec << got.region << "/0x" << std::hex << got.fault_address;
        }
    }
}

TEST(MpuRegions, PrecomputedMapOfADisabledMpuIsOneCellPerDefaultMapArea) {
    MpuPermissionMap map;
    map.build(v7(0));
    // Code+SRAM (RWX), Peripheral..System (RW), RAM 0x60000000.. (RWX), Device.. (RW): equal
    // neighbours merge.
    EXPECT_EQ(map.cells(), 4u);
    EXPECT_TRUE(map.decide(0x20000000, 4, X, USER).allowed);
    EXPECT_FALSE(map.decide(0x40000000, 4, X, PRIV).allowed);
}

} // namespace
