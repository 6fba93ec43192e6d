#pragma once
// Isolation manager (issue 5, the seed's MemoryIsolationManager): isolation domains, the memory
// each one is granted, their precomputed MPU images, the domain switch and the access log. Owns
// the domain table (security level, attached partition, MPU image), the table of isolated
// allocations (who owns each, who else may see it, how), the planner that turns a domain's grants
// into an image, and the access-log ring. Does not own the memory (allocations come from a
// PartitionManager's partitions), the MPU (loaded through `RegMem` with apply(), see
// runtime/mpu_driver.h), the fixed regions outside the planner's window (the kernel programs them
// once; with PRIVDEFENA the privileged kernel needs none), the choice of when to switch, or
// locking (not thread- or ISR-safe; a switch must not be interrupted by another one).
//
// Two access policies: `Mem` reaches target memory (heap metadata, through the PartitionManager),
// `RegMem` reaches the MPU registers. In the simulator both are the same TLM policy, so a switch
// is simulated bus stores; on a target Mem is DirectMemory and RegMem is MmioMemory.
//
// Isolation types (what allocate_isolated_memory grants; every grant is execute-never data)
// -----------------------------------------------------------------------------------------
//                    owner (unprivileged)   each peer in `peers` (unprivileged)
//   Private          read/write             -            (peers must be 0)
//   SharedReadOnly   read/write             read-only    (v7 AP=010 P-RW/U-RO; v8-M has no such
//                                                         encoding: AP=11 P-RO/U-RO, so the
//                                                         kernel cannot write it while a peer
//                                                         runs)
//   Shared           read/write             read/write
// Every peer's security level must be >= the owner's: a domain may expose its data to domains
// as trusted as itself or more, never to a less trusted one (no write-down; AccessDenied).
//
// Geometry: every allocation is exactly one MPU region, and the planner never rounds
// ------------------------------------------------------------------------------
// The planner runs with exact_only: a domain whose grants do not fit its region window exactly
// is refused (QuotaExceeded) rather than being granted a neighbour's bytes. So allocations are
// placed where one region covers them exactly:
//   PMSAv7: p = next power of two >= max(size, 32); the block is placed at a p-aligned address
//           and rounded up to a multiple of g = max(32, p / 8) (one subregion of a p region; for
//           p < 256 the 32-byte subregions of the 256-byte region around it). One region, SRD
//           disabling the subregions past the end. Waste (bytes granted beyond the request)
//           < g <= max(32, size / 4): 40 KiB -> 40 KiB (none), 33 KiB -> 40 KiB, 100 B -> 128 B.
//           Rounding to p alone (Zephyr, FreeRTOS) wastes up to p - size, almost the size itself.
//           Alignment is at most TlsfHeap::MAX_ALIGN_BYTES (64 KiB), so sizes > 64 KiB are
//           InvalidAlignment on v7.
//   PMSAv8: size rounded up to 32, placed 32-aligned: waste < 32.
// The heap's own fragmentation from the alignment (the gap before an aligned block) stays free
// for later allocations; it is not granted to anyone.
//
// Images: each domain's MpuRequest list is derived from the allocation table (the allocations it
// owns, then those it is a peer of, in table order); its image is replanned only when that list
// changes (allocate, free, revoke, terminate), never on a switch. If a replan after a removal
// fails (a split run needing more regions than before), the domain gets the empty image (no
// unprivileged access at all: safe, never more than granted) and stats().degraded_images counts
// it.

#include <stdint.h>

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/mpu_driver.h"
#include "runtime/partition_manager.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"

namespace emsim::rt {

enum class SecurityLevel : uint8_t { Untrusted, Normal, Trusted }; ///< larger = more trusted

enum class IsolationType : uint8_t { Private, SharedReadOnly, Shared };

/// What an access does. Data: a data access whose direction is unknown (a MemManage DACCVIOL
/// does not say whether it was a load or a store).
enum class AccessKind : uint8_t { Read, Write, Execute, Data };

/// No domain loaded: the privileged kernel, running on the background map (PRIVDEFENA).
constexpr DomainId NO_DOMAIN = DomainId(0xFF);

/// One access-log entry: who touched what, and whether it was allowed.
struct AccessLogEntry {
    Address address = 0;
    uint32_t size_bytes = 0;
    DomainId domain = NO_DOMAIN;
    AccessKind kind = AccessKind::Read;
    bool allowed = false;
};

/// One isolated allocation.
struct IsolatedRegion {
    Address start = 0;            ///< = the heap block's payload address
    uint32_t size_bytes = 0;      ///< granted (rounded per the geometry rule); >= requested
    uint32_t requested_bytes = 0; ///< as asked
    DomainId owner{};
    IsolationType type = IsolationType::Private;
    uint32_t peers = 0; ///< bit d: domain d is a peer
    PartitionId partition{};
};

/// Cost of one switch_domain.
struct DomainSwitchCost {
    uint32_t stores = 0; ///< register stores: = mpu_apply_store_count(image of `to`)
    uint32_t steps = 0;  ///< apply()'s steps (one per pair plus one)
};

struct IsolationStats {
    uint32_t switches = 0;
    uint32_t replans = 0;          ///< images recomputed
    uint32_t degraded_images = 0;  ///< replans after a removal that failed: image emptied
    uint32_t refused_plans = 0;    ///< allocations rolled back because an image would not fit
    uint32_t domains_terminated = 0;
    uint32_t regions_revoked = 0;  ///< allocations removed by revoke/terminate
};

template <class Mem, class RegMem = Mem> class IsolationManager {
public:
    using Partitions = PartitionManager<Mem>;
    static constexpr uint32_t MAX_DOMAINS = EMSIM_RT_MAX_DOMAINS;
    static constexpr uint32_t MAX_REGIONS = EMSIM_RT_ISOLATED_REGIONS;
    static constexpr uint32_t LOG_CAPACITY = EMSIM_RT_ACCESS_LOG_ENTRIES;
    static_assert(MAX_DOMAINS <= 32 && MAX_DOMAINS < uint32_t(NO_DOMAIN), "domain ids fit");
    static_assert(LOG_CAPACITY >= 1, "the log holds at least one entry");

    /// `mpu` gives the architecture and the window of region numbers the domains' images use
    /// (region numbers outside it are the caller's fixed regions, never written); exact_only is
    /// forced on (see the file comment).
    IsolationManager(Partitions& partitions, RegMem& regs, const MpuConfig& mpu)
        : m_parts(partitions), m_regs(regs), m_planner(exact(mpu)) {
        m_planner.plan(nullptr, 0, m_empty_image);
    }

    IsolationManager(const IsolationManager&) = delete;
    IsolationManager& operator=(const IsolationManager&) = delete;

    /// A fresh domain with no grants (its image is the empty window). QuotaExceeded when
    /// MAX_DOMAINS domains exist (terminated ones keep their id). O(1).
    Result<DomainId> create_isolation_domain(SecurityLevel level) {
        m_meter.begin();
        if (m_domain_count == MAX_DOMAINS)
            return {RtStatus::QuotaExceeded, NO_DOMAIN};
        Domain& d = m_domains[m_domain_count];
        d = Domain{};
        d.live = true;
        d.level = level;
        d.image = m_empty_image;
        return {RtStatus::Ok, DomainId(uint8_t(m_domain_count++))};
    }

    /// Makes `partition` the source of `domain`'s isolated allocations (replacing any earlier
    /// one; allocations already made stay where they are). InvalidRegion: no such domain or
    /// partition. AccessDenied: the domain is not among the partition's allocators, or the
    /// partition is not writable. Unsupported: the partition manager checks ranges for another
    /// MPU architecture than this manager plans for. O(1).
    RtStatus attach_partition(DomainId domain, PartitionId partition) {
        m_meter.begin();
        if (m_parts.params().arch != m_planner.config().arch)
            return RtStatus::Unsupported;
        if (!live(domain))
            return RtStatus::InvalidRegion;
        const Result<PartitionInfo> info = m_parts.info(partition);
        if (!info.ok())
            return RtStatus::InvalidRegion;
        if (info.value.rights.access != MpuAccess::ReadWrite ||
            (info.value.rights.allocators & domain_bit(domain)) == 0)
            return RtStatus::AccessDenied;
        m_domains[domain_index(domain)].partition = partition;
        m_domains[domain_index(domain)].has_partition = true;
        return RtStatus::Ok;
    }

    /// Allocates size_bytes for `domain` from its attached partition, placed and rounded so
    /// one region covers it exactly (file comment), and grants it per `type` to the owner and
    /// `peers`; replans the images of the owner and each peer. Errors, in this order:
    /// InvalidRegion (no such domain, or a peer bit naming no live domain or the owner),
    /// Unsupported (Private with peers), AccessDenied (a peer less trusted than the owner, or no
    /// partition attached), InvalidSize (0), InvalidAlignment (v7 and size > 64 KiB),
    /// QuotaExceeded (allocation table full), the partition's errors (AccessDenied,
    /// QuotaExceeded, NoMemory, ...), and the planner's (QuotaExceeded: an image would need more
    /// regions than the window: nothing is kept). Steps: O(regions) per replanned domain plus
    /// the planner's and the heap's.
    Result<Address> allocate_isolated_memory(DomainId domain, uint32_t size_bytes,
                                             IsolationType type, uint32_t peers = 0) {
        m_meter.begin();
        if (!live(domain))
            return {RtStatus::InvalidRegion, 0};
        for (uint32_t p = 0; p < 32; ++p) {
            if ((peers & (1u << p)) == 0)
                continue;
            if (p >= m_domain_count || !m_domains[p].live || p == domain_index(domain))
                return {RtStatus::InvalidRegion, 0};
        }
        if (type == IsolationType::Private && peers != 0)
            return {RtStatus::Unsupported, 0};
        const Domain& owner = m_domains[domain_index(domain)];
        for (uint32_t p = 0; p < m_domain_count; ++p)
            if ((peers & (1u << p)) != 0 && m_domains[p].level < owner.level)
                return {RtStatus::AccessDenied, 0};
        if (!owner.has_partition)
            return {RtStatus::AccessDenied, 0};
        const Result<IsolatedGeometry> g = isolated_geometry(m_planner.config().arch, size_bytes);
        if (!g.ok())
            return {g.status, 0};
        uint32_t slot = MAX_REGIONS;
        for (uint32_t i = 0; i < MAX_REGIONS && slot == MAX_REGIONS; ++i)
            if (!m_region_live[i])
                slot = i;
        if (slot == MAX_REGIONS)
            return {RtStatus::QuotaExceeded, 0};
        const Result<Address> block = m_parts.allocate_in_partition(
            owner.partition, domain, g.value.size_bytes, g.value.align_bytes);
        m_meter.add(m_parts.last_op_steps());
        if (!block.ok())
            return block;
        IsolatedRegion& r = m_regions[slot];
        r.start = block.value;
        r.size_bytes = g.value.size_bytes;
        r.requested_bytes = size_bytes;
        r.owner = domain;
        r.type = type;
        r.peers = peers;
        r.partition = owner.partition;
        m_region_live[slot] = true;
        const uint32_t affected = domain_bit(domain) | peers;
        const RtStatus planned = replan_all(affected, false);
        if (planned != RtStatus::Ok) {
            m_region_live[slot] = false;
            m_parts.free_in_partition(r.partition, domain, r.start);
            replan_all(affected, true);
            ++m_stats.refused_plans;
            return {planned, 0};
        }
        return block;
    }

    /// Releases an allocation `domain` owns and revokes it from every image. InvalidRegion: no
    /// such domain; BadPointer: no live allocation starts at `address`; AccessDenied: another
    /// domain owns it. O(regions) plus the replans.
    RtStatus free_isolated_memory(DomainId domain, Address address) {
        m_meter.begin();
        if (!live(domain))
            return RtStatus::InvalidRegion;
        for (uint32_t i = 0; i < MAX_REGIONS; ++i) {
            m_meter.add();
            if (!m_region_live[i] || m_regions[i].start != address)
                continue;
            if (m_regions[i].owner != domain)
                return RtStatus::AccessDenied;
            const uint32_t affected = domain_bit(domain) | m_regions[i].peers;
            m_region_live[i] = false;
            const RtStatus s =
                m_parts.free_in_partition(m_regions[i].partition, domain, address);
            m_meter.add(m_parts.last_op_steps()); // as allocate counts its heap allocation
            replan_all(affected, true);
            return s;
        }
        return RtStatus::BadPointer;
    }

    /// Loads the image of `to` into the MPU through RegMem: apply(regs, image(to)), a fixed
    /// sequence of mpu_apply_store_count(image) stores whatever the image holds (v7, window 8:
    /// 18). `to` = NO_DOMAIN loads the empty window (kernel only). Errors: AccessDenied (`from`
    /// is not the current domain), InvalidRegion (`to` is not a live domain). Always stores, even
    /// when to == from (constant cost). O(window).
    Result<DomainSwitchCost> switch_domain(DomainId from, DomainId to) {
        m_meter.begin();
        if (from != m_current)
            return {RtStatus::AccessDenied, DomainSwitchCost{}};
        if (to != NO_DOMAIN && !live(to))
            return {RtStatus::InvalidRegion, DomainSwitchCost{}};
        const MpuImage& img = to == NO_DOMAIN ? m_empty_image : m_domains[domain_index(to)].image;
        DomainSwitchCost cost;
        cost.stores = apply(m_regs, img, &m_meter);
        cost.steps = m_meter.steps();
        m_current = to;
        ++m_stats.switches;
        return {RtStatus::Ok, cost};
    }

    /// Revokes every allocation in `partition` (whoever owns it) from every image, then
    /// terminates the partition (its heap is released; other partitions keep running).
    /// InvalidRegion: no such partition. O(regions) plus the replans.
    RtStatus revoke_partition(PartitionId partition) {
        m_meter.begin();
        if (!m_parts.is_live(partition))
            return RtStatus::InvalidRegion;
        uint32_t affected = 0;
        for (uint32_t i = 0; i < MAX_REGIONS; ++i) {
            m_meter.add();
            if (m_region_live[i] && m_regions[i].partition == partition) {
                affected |= domain_bit(m_regions[i].owner) | m_regions[i].peers;
                m_region_live[i] = false;
                ++m_stats.regions_revoked;
            }
        }
        for (uint32_t d = 0; d < m_domain_count; ++d)
            if (m_domains[d].has_partition && m_domains[d].partition == partition)
                m_domains[d].has_partition = false;
        const RtStatus s = m_parts.terminate_partition(partition);
        replan_all(affected, true);
        return s;
    }

    /// Terminates `domain`: revokes its attached partition (revoke_partition), frees its
    /// allocations in other partitions, withdraws it as a peer everywhere, replans every domain
    /// affected, and marks it dead (its id is not reused; switch_domain(domain, x) is still how
    /// the kernel leaves it if it is current). The MPU is not touched: the caller switches.
    /// InvalidRegion: no such live domain.
    RtStatus terminate_domain(DomainId domain) {
        m_meter.begin();
        if (!live(domain))
            return RtStatus::InvalidRegion;
        Domain& d = m_domains[domain_index(domain)];
        uint32_t steps = 0;
        if (d.has_partition) {
            revoke_partition(d.partition);
            steps += m_meter.steps();
            m_meter.begin();
        }
        uint32_t affected = domain_bit(domain);
        for (uint32_t i = 0; i < MAX_REGIONS; ++i) {
            m_meter.add();
            if (!m_region_live[i])
                continue;
            IsolatedRegion& r = m_regions[i];
            if (r.owner == domain) {
                affected |= r.peers;
                m_region_live[i] = false;
                m_parts.free_in_partition(r.partition, domain, r.start);
                ++m_stats.regions_revoked;
            } else if ((r.peers & domain_bit(domain)) != 0) {
                r.peers &= ~domain_bit(domain);
            }
        }
        d.live = false;
        replan_all(affected & ~domain_bit(domain), true);
        d.image = m_empty_image;
        d.regions_used = 0;
        ++m_stats.domains_terminated;
        m_meter.add(steps);
        return RtStatus::Ok;
    }

    // ---- access log -------------------------------------------------------------------------

    /// Checks an access by `domain` against its grants (the software mirror of its image, as
    /// FreeRTOS's xPortIsAuthorizedToAccessBuffer): allowed iff [address, address + size_bytes)
    /// lies inside one granted allocation with the right (Read/Data: any grant; Write: a
    /// read/write grant; Execute: never, grants are execute-never). NO_DOMAIN (privileged) is
    /// allowed iff the background map is on (PRIVDEFENA). Records the verdict in the log.
    /// O(regions).
    bool check_access(DomainId domain, Address address, uint32_t size_bytes, AccessKind kind) {
        m_meter.begin();
        bool allowed = false;
        if (domain == NO_DOMAIN) {
            allowed = m_planner.config().privdefena;
        } else if (live(domain) && kind != AccessKind::Execute) {
            const uint64_t end = uint64_t(address) + size_bytes;
            for (uint32_t i = 0; i < MAX_REGIONS && !allowed; ++i) {
                m_meter.add();
                if (!m_region_live[i])
                    continue;
                const IsolatedRegion& r = m_regions[i];
                const bool owner = r.owner == domain;
                const bool peer = (r.peers & domain_bit(domain)) != 0;
                if (!owner && !peer)
                    continue;
                if (address < r.start || end > uint64_t(r.start) + r.size_bytes)
                    continue;
                const bool writable = owner || r.type == IsolationType::Shared;
                allowed = kind != AccessKind::Write || writable;
            }
        }
        record_access(AccessLogEntry{address, size_bytes, domain, kind, allowed});
        return allowed;
    }

    /// Appends to the log; when full, overwrites the oldest entry and counts it dropped. O(1).
    void record_access(const AccessLogEntry& entry) {
        m_log[m_log_next] = entry;
        m_log_next = (m_log_next + 1) % LOG_CAPACITY;
        if (m_log_count < LOG_CAPACITY)
            ++m_log_count;
        else
            ++m_log_dropped;
    }
    uint32_t access_log_size() const { return m_log_count; }
    /// Entry i, oldest first (i < access_log_size()).
    const AccessLogEntry& access_log_entry(uint32_t i) const {
        const uint32_t oldest = (m_log_next + LOG_CAPACITY - m_log_count) % LOG_CAPACITY;
        return m_log[(oldest + (i < m_log_count ? i : 0)) % LOG_CAPACITY];
    }
    /// Entries overwritten before anyone read them; never decreases (clear_access_log keeps it).
    uint32_t access_log_dropped() const { return m_log_dropped; }
    void clear_access_log() {
        m_log_count = 0;
        m_log_next = 0;
    }

    // ---- queries ----------------------------------------------------------------------------

    DomainId current() const { return m_current; }
    bool live(DomainId domain) const {
        return domain_index(domain) < m_domain_count && m_domains[domain_index(domain)].live;
    }
    /// Domains created so far (live or terminated): ids 0..domain_count()-1.
    uint32_t domain_count() const { return m_domain_count; }
    /// The image switch_domain loads for `domain` (the empty image for NO_DOMAIN or a bad id).
    const MpuImage& image(DomainId domain) const {
        return domain_index(domain) < m_domain_count ? m_domains[domain_index(domain)].image
                                                     : m_empty_image;
    }
    /// Regions the domain's image enables.
    uint32_t regions_used(DomainId domain) const {
        return domain_index(domain) < m_domain_count ? m_domains[domain_index(domain)].regions_used
                                                     : 0u;
    }
    SecurityLevel security_level(DomainId domain) const {
        return domain_index(domain) < m_domain_count ? m_domains[domain_index(domain)].level
                                                     : SecurityLevel::Untrusted;
    }
    /// The attached partition, or InvalidRegion.
    Result<PartitionId> partition_of(DomainId domain) const {
        if (!live(domain) || !m_domains[domain_index(domain)].has_partition)
            return {RtStatus::InvalidRegion, PartitionId{}};
        return {RtStatus::Ok, m_domains[domain_index(domain)].partition};
    }
    /// Writes the domain's MpuRequest list (what its image was planned from) to out[0..cap) and
    /// returns its length (which may exceed cap).
    uint32_t requests(DomainId domain, MpuRequest* out, uint32_t cap) const {
        uint32_t n = 0;
        for_each_grant(domain, [&](const MpuRequest& q) {
            if (n < cap)
                out[n] = q;
            ++n;
        });
        return n;
    }
    /// Live allocation in table slot i (< MAX_REGIONS), or nullptr.
    const IsolatedRegion* region(uint32_t i) const {
        return i < MAX_REGIONS && m_region_live[i] ? &m_regions[i] : nullptr;
    }

    /// Placement of an isolated allocation of size_bytes (file comment). InvalidSize: 0;
    /// InvalidAlignment: v7 and the alignment would exceed TlsfHeap::MAX_ALIGN_BYTES.
    struct IsolatedGeometry {
        uint32_t size_bytes;  ///< granted bytes
        uint32_t align_bytes; ///< placement alignment
    };
    static constexpr Result<IsolatedGeometry> isolated_geometry(MpuArch arch, uint32_t size_bytes) {
        if (size_bytes == 0 || size_bytes > 0x80000000u)
            return {RtStatus::InvalidSize, IsolatedGeometry{0, 0}};
        constexpr uint64_t G = MpuReg::GRANULE_BYTES;
        if (arch == MpuArch::Pmsav8)
            return {RtStatus::Ok,
                    IsolatedGeometry{uint32_t((size_bytes + G - 1) / G * G), uint32_t(G)}};
        uint64_t p = G;
        while (p < size_bytes)
            p <<= 1;
        if (p > TlsfHeap<Mem>::MAX_ALIGN_BYTES)
            return {RtStatus::InvalidAlignment, IsolatedGeometry{0, 0}};
        const uint64_t g = p / 8 > G ? p / 8 : G;
        return {RtStatus::Ok,
                IsolatedGeometry{uint32_t((size_bytes + g - 1) / g * g), uint32_t(p)}};
    }

    /// The O(n) walk for tests and the fault handler: Ok iff every live allocation's owner is a
    /// live domain, its peers are live domains, and it is a live block of that owner in a live
    /// partition; every live domain's image equals a fresh plan of its request list (the empty
    /// image if that plan fails: a degraded domain) and every terminated domain's is empty; and
    /// the partition
    /// manager's check_integrity() passes. Corrupt otherwise. O(regions * blocks + domains *
    /// plan) plus the partitions' walk.
    RtStatus check_integrity() {
        for (uint32_t i = 0; i < MAX_REGIONS; ++i) {
            if (!m_region_live[i])
                continue;
            const IsolatedRegion& r = m_regions[i];
            if (!live(r.owner))
                return RtStatus::Corrupt;
            for (uint32_t d = 0; d < 32; ++d)
                if ((r.peers & (1u << d)) != 0 && !live(DomainId(uint8_t(d))))
                    return RtStatus::Corrupt;
            bool tracked = false;
            for (uint32_t k = 0; k < m_parts.block_count() && !tracked; ++k) {
                const PartitionBlock b = m_parts.block(k);
                tracked = b.address == r.start && b.owner == r.owner &&
                          b.partition == r.partition && b.size_bytes == r.size_bytes;
            }
            if (!tracked)
                return RtStatus::Corrupt;
        }
        for (uint32_t d = 0; d < m_domain_count; ++d) {
            const Domain& dom = m_domains[d];
            if (!dom.live) {
                if (dom.regions_used != 0 || !same_image(dom.image, m_empty_image))
                    return RtStatus::Corrupt;
                continue;
            }
            MpuRequest reqs[MpuPlanner::MAX_REQUESTS];
            const uint32_t n = requests(DomainId(uint8_t(d)), reqs, MpuPlanner::MAX_REQUESTS);
            if (n > MpuPlanner::MAX_REQUESTS)
                return RtStatus::Corrupt;
            // A failed plan leaves the empty image in m_scratch: what a degraded domain holds.
            m_planner.plan(reqs, n, m_scratch);
            if (!same_image(dom.image, m_scratch))
                return RtStatus::Corrupt;
        }
        return m_parts.check_integrity();
    }

    const IsolationStats& stats() const { return m_stats; }
    const MpuConfig& mpu_config() const { return m_planner.config(); }
    Partitions& partitions() { return m_parts; }
    /// Steps of the last public operation (planner, partition and heap steps included).
    uint32_t last_op_steps() const { return m_meter.steps(); }

private:
    struct Domain {
        bool live = false;
        bool has_partition = false;
        SecurityLevel level = SecurityLevel::Untrusted;
        uint8_t regions_used = 0;
        PartitionId partition{};
        MpuImage image{};
    };

    static bool same_image(const MpuImage& a, const MpuImage& b) {
        if (a.arch != b.arch || a.first_region != b.first_region || a.window != b.window ||
            a.used != b.used || a.ctrl != b.ctrl || a.mair0 != b.mair0)
            return false;
        for (uint32_t j = 0; j < a.window && j < MpuImage::MAX_REGIONS; ++j)
            if (a.region[j].rbar != b.region[j].rbar ||
                a.region[j].rasr_or_rlar != b.region[j].rasr_or_rlar)
                return false;
        return true;
    }

    static MpuConfig exact(MpuConfig c) {
        c.exact_only = true;
        return c;
    }

    MpuPermissions grant_perms(bool owner, IsolationType type) const {
        MpuPermissions p;
        p.privileged = MpuAccess::ReadWrite;
        p.unprivileged = MpuAccess::ReadWrite;
        if (!owner && type == IsolationType::SharedReadOnly) {
            p.unprivileged = MpuAccess::ReadOnly;
            if (m_planner.config().arch == MpuArch::Pmsav8)
                p.privileged = MpuAccess::ReadOnly;
        }
        return p;
    }

    // The domain's grants in table order: owned allocations first, then those it is a peer of.
    template <class F> void for_each_grant(DomainId domain, F&& f) const {
        for (uint32_t pass = 0; pass < 2; ++pass) {
            for (uint32_t i = 0; i < MAX_REGIONS; ++i) {
                if (!m_region_live[i])
                    continue;
                const IsolatedRegion& r = m_regions[i];
                const bool owner = r.owner == domain;
                if (pass == 0 ? !owner : (owner || (r.peers & domain_bit(domain)) == 0))
                    continue;
                f(MpuRequest{r.start, r.size_bytes, grant_perms(owner, r.type)});
            }
        }
    }

    // Replans `domain` from its grants. On failure the old image stays (planned into scratch).
    RtStatus replan(DomainId domain) {
        MpuRequest reqs[MpuPlanner::MAX_REQUESTS];
        const uint32_t n = requests(domain, reqs, MpuPlanner::MAX_REQUESTS);
        if (n > MpuPlanner::MAX_REQUESTS)
            return RtStatus::QuotaExceeded;
        const MpuPlanResult r = m_planner.plan(reqs, n, m_scratch);
        m_meter.add(m_planner.last_steps());
        ++m_stats.replans;
        if (!r.ok())
            return r.status;
        Domain& d = m_domains[domain_index(domain)];
        d.image = m_scratch;
        d.regions_used = r.regions_used;
        return RtStatus::Ok;
    }

    // Replans every live domain in `mask`. after_removal: a failure empties that domain's image
    // (never grant what was revoked) and the rest still replan; otherwise the first failure is
    // returned (the caller rolls back).
    RtStatus replan_all(uint32_t mask, bool after_removal) {
        for (uint32_t d = 0; d < m_domain_count; ++d) {
            if ((mask & (1u << d)) == 0 || !m_domains[d].live)
                continue;
            const RtStatus s = replan(DomainId(uint8_t(d)));
            if (s == RtStatus::Ok)
                continue;
            if (!after_removal)
                return s;
            m_domains[d].image = m_empty_image;
            m_domains[d].regions_used = 0;
            ++m_stats.degraded_images;
        }
        return RtStatus::Ok;
    }

    Partitions& m_parts;
    RegMem& m_regs;
    MpuPlanner m_planner;
    StepMeter m_meter;
    IsolationStats m_stats;
    MpuImage m_empty_image{};
    MpuImage m_scratch{};
    Domain m_domains[MAX_DOMAINS]{};
    uint32_t m_domain_count = 0;
    DomainId m_current = NO_DOMAIN;
    IsolatedRegion m_regions[MAX_REGIONS]{};
    bool m_region_live[MAX_REGIONS]{};
    AccessLogEntry m_log[LOG_CAPACITY]{};
    uint32_t m_log_next = 0;
    uint32_t m_log_count = 0;
    uint32_t m_log_dropped = 0;
};

} // namespace emsim::rt
