#pragma once
// Partition manager (issue 5, the seed's MemoryPartitionManager): fixed address ranges of target
// memory, each with its own TLSF heap, its allocation rights and per-domain quotas, and a
// scheduler that serves queued allocation requests by partition priority. Owns the partition
// table, the heap *objects* (each heap's metadata lives in target memory at the start of its
// partition, reached only through `Mem`), the table of live blocks (owner, size) and the request
// queue. Does not own the MPU (a partition is only checked to be coverable by it; the
// IsolationManager plans and loads images), the memory, the cycle cost of a step, or locking
// (not thread- or ISR-safe: wrap it).
//
// Partition geometry: a range the MPU can cover *exactly*
// ------------------------------------------------------
// A partition is a unit of isolation, so create_partition() only accepts a range the platform's
// MPU can grant without granting a single byte more, within `regions_per_partition` regions.
// The check is the MPU driver's own planner (runtime/mpu_driver.h) run with exact_only on the
// platform's architecture:
//   - start or size not a multiple of 32 bytes                     -> InvalidAlignment
//   - PMSAv7: no exact cover with <= regions_per_partition regions -> InvalidRegion
//     (e.g. [0x20000020, +0x1000) needs 4 regions; [0x20000000, +0x3000) needs 1, a 16 KiB
//     region with subregions 6 and 7 disabled; [0x20006000, +0x3000) crosses a 32 KiB boundary
//     at an 8 KiB offset and needs 2, 8 KiB + 4 KiB)
//   - PMSAv8: any 32-byte-aligned range is one region, so only the alignment rule refuses.
// The planner's scratch (7.8 KiB) is a member: keep the manager static on a target.
//
// Rights and quotas
// -----------------
// Requesters are isolation domains (DomainId, < EMSIM_RT_MAX_DOMAINS <= 32). A partition's
// PartitionRights say which domains may allocate in it (one bit each) and whether it is
// writable at all: a ReadOnly partition (constants, shared tables) refuses every allocation
// with AccessDenied, as does a domain without its bit. quota_bytes caps the payload bytes one
// domain holds in the partition at once (QuotaExceeded beyond). A block may be freed only by the
// domain that allocated it (AccessDenied otherwise), so one domain cannot release another's data.
//
// Partition ids carry a generation: id = generation << 8 | slot. A terminated partition's slot
// is reused by a later create_partition() with the next generation, so a stale id reads as no
// partition (InvalidRegion) instead of reaching the next tenant (until the 8-bit generation wraps
// after 256 reuses of one slot).
//
// Scheduler: submit() queues a request (FIFO ticket); serve_next() serves the pending request
// of the highest-priority partition (larger `priority` = more urgent), the oldest ticket first
// among equal priorities. Selection is a scan of the queue: O(EMSIM_RT_PARTITION_QUEUE),
// deterministic (no time, no randomness). Terminating a partition cancels its pending requests.
//
// Errors common to every call taking a PartitionId: InvalidRegion iff the id names no live
// partition (never created, terminated, or a stale generation).

#include <stdint.h>

#include "runtime/placement_new.h"

#include "runtime/config.h"
#include "runtime/memory_access.h"
#include "runtime/mpu_driver.h"
#include "runtime/rt_status.h"
#include "runtime/step_meter.h"
#include "runtime/tlsf_heap.h"

namespace emsim::rt {

/// An isolation domain: the requester of partition allocations and the owner of MPU images.
enum class DomainId : uint8_t {};
/// generation << 8 | slot (see the file comment).
enum class PartitionId : uint16_t {};

constexpr uint32_t domain_index(DomainId d) { return uint32_t(d); }
constexpr uint32_t domain_bit(DomainId d) { return uint32_t(d) < 32 ? 1u << uint32_t(d) : 0u; }

/// Who may allocate in a partition and how much.
struct PartitionRights {
    /// ReadWrite: a data partition. ReadOnly (or None): nobody allocates in it (AccessDenied).
    MpuAccess access = MpuAccess::ReadWrite;
    uint32_t allocators = 0;  ///< bit d set: domain d may allocate here (and free its blocks)
    uint32_t quota_bytes = 0; ///< most payload bytes one domain holds here at once; 0 = no quota
};

struct PartitionManagerParams {
    MpuArch arch = MpuArch::Pmsav7; ///< the platform's MPU: decides which ranges are accepted
    uint8_t regions_per_partition = 2; ///< 1..16: regions an exact cover of one partition may use
    /// Heap of each partition; the control structure takes the first
    /// 12 + 4 * FL + 4 * FL * 2^sl_log2 + 8 bytes (FL = max_block_log2 - sl_log2 - 2): 416 with
    /// these defaults, whose blocks are < 64 KiB: a partition larger than 64 KiB + 416 B needs a
    /// larger max_block_log2 (create_partition refuses it with InvalidRegion otherwise).
    TlsfParams heap{3, 16, 16, 1};
};

/// One live partition as the manager sees it.
struct PartitionInfo {
    Address start = 0;
    uint32_t size_bytes = 0;
    PartitionRights rights{};
    uint8_t priority = 0;       ///< larger = served first by the scheduler
    uint32_t live_blocks = 0;   ///< allocations not yet freed
    uint32_t payload_bytes = 0; ///< sum of their requested sizes
    uint8_t mpu_regions = 0;    ///< regions of the exact cover create_partition found
};

/// One live allocation.
struct PartitionBlock {
    Address address = 0;     ///< payload address (what allocate_in_partition returned)
    uint32_t size_bytes = 0; ///< as requested
    PartitionId partition{};
    DomainId owner{};
};

/// A request served by the scheduler.
struct ServedRequest {
    uint32_t ticket = 0; ///< what submit() returned
    PartitionId partition{};
    DomainId requester{};
    RtStatus status = RtStatus::Ok; ///< allocate_in_partition's status
    Address address = 0;            ///< the block when status == Ok
};

struct PartitionStats {
    uint32_t created = 0;          ///< successful create_partition calls
    uint32_t terminated = 0;       ///< successful terminate_partition calls
    uint32_t blocks_released = 0;  ///< live blocks dropped by terminations
    uint32_t denied = 0;           ///< allocations refused with AccessDenied
    uint32_t over_quota = 0;       ///< allocations refused with QuotaExceeded
    uint32_t served = 0;           ///< requests served by serve_next
    uint32_t cancelled = 0;        ///< pending requests dropped by terminations
};

template <class Mem> class PartitionManager {
public:
    using Heap = TlsfHeap<Mem>;
    static constexpr uint32_t MAX_PARTITIONS = EMSIM_RT_MAX_PARTITIONS;
    static constexpr uint32_t MAX_DOMAINS = EMSIM_RT_MAX_DOMAINS;
    static constexpr uint32_t MAX_BLOCKS = EMSIM_RT_PARTITION_MAX_BLOCKS;
    static constexpr uint32_t QUEUE_CAPACITY = EMSIM_RT_PARTITION_QUEUE;
    static_assert(MAX_PARTITIONS >= 1 && MAX_PARTITIONS <= 256, "slot fits the id's low byte");
    static_assert(MAX_DOMAINS >= 1 && MAX_DOMAINS <= 32, "rights are a 32-bit domain mask");

    PartitionManager(Mem& mem, const PartitionManagerParams& params)
        : m_mem(mem), m_params(params), m_planner(exact_config(params)) {}

    PartitionManager(const PartitionManager&) = delete;
    PartitionManager& operator=(const PartitionManager&) = delete;
    ~PartitionManager() {
        for (uint32_t s = 0; s < MAX_PARTITIONS; ++s)
            if (m_slot[s].live)
                heap(s).~Heap();
    }

    /// Creates a partition over [start, start + size_bytes) and formats its heap there (the
    /// heap's control structure at `start`). Errors, in this order: QuotaExceeded (table full),
    /// InvalidSize (0), InvalidRegion (wraps past 2^32), InvalidAlignment (start or size not a
    /// multiple of 32), AddressConflict (overlaps a live partition), InvalidRegion (PMSAv7: no
    /// exact cover within regions_per_partition; see the file comment), Unsupported (bad
    /// params), InvalidRegion (too small for the heap's control structure, one block and the
    /// sentinel, or a block >= 2^heap.max_block_log2). Nothing is changed on error.
    /// Steps: the overlap scan + the planner's + the heap's O(control bytes) format.
    Result<PartitionId> create_partition(Address start, uint32_t size_bytes,
                                         const PartitionRights& rights, uint8_t priority) {
        m_meter.begin();
        uint32_t slot = MAX_PARTITIONS;
        for (uint32_t s = 0; s < MAX_PARTITIONS && slot == MAX_PARTITIONS; ++s) {
            m_meter.add();
            if (!m_slot[s].live)
                slot = s;
        }
        if (slot == MAX_PARTITIONS)
            return {RtStatus::QuotaExceeded, PartitionId{}};
        if (size_bytes == 0)
            return {RtStatus::InvalidSize, PartitionId{}};
        const uint64_t end = uint64_t(start) + size_bytes;
        if (end > (uint64_t(1) << 32))
            return {RtStatus::InvalidRegion, PartitionId{}};
        if (start % MpuReg::GRANULE_BYTES != 0 || size_bytes % MpuReg::GRANULE_BYTES != 0)
            return {RtStatus::InvalidAlignment, PartitionId{}};
        for (uint32_t s = 0; s < MAX_PARTITIONS; ++s) {
            m_meter.add();
            const Slot& o = m_slot[s];
            if (o.live && start < uint64_t(o.start) + o.size_bytes && o.start < end)
                return {RtStatus::AddressConflict, PartitionId{}};
        }
        MpuRequest req;
        req.start = start;
        req.size_bytes = size_bytes;
        req.perms.unprivileged = MpuAccess::ReadWrite;
        MpuImage image;
        const MpuPlanResult plan = m_planner.plan(&req, 1, image);
        m_meter.add(m_planner.last_steps());
        if (!plan.ok())
            return {plan.status == RtStatus::QuotaExceeded ? RtStatus::InvalidRegion : plan.status,
                    PartitionId{}};
        Heap* h = ::new (static_cast<void*>(m_heap_storage[slot].bytes)) Heap(m_mem, m_params.heap);
        const RtStatus formatted = h->add_region(start, size_bytes);
        m_meter.add(h->last_op_steps());
        if (formatted != RtStatus::Ok) {
            h->~Heap();
            return {formatted, PartitionId{}};
        }
        Slot& n = m_slot[slot];
        n.live = true;
        ++n.generation;
        n.start = start;
        n.size_bytes = size_bytes;
        n.rights = rights;
        n.priority = priority;
        n.live_blocks = 0;
        n.payload_bytes = 0;
        n.regions = plan.regions_used;
        for (uint32_t d = 0; d < MAX_DOMAINS; ++d)
            m_used_bytes[slot][d] = 0;
        ++m_stats.created;
        return {RtStatus::Ok, make_id(slot)};
    }

    /// Allocates size_bytes (payload, aligned to align_bytes: a power of two, 8..64 KiB) in
    /// `partition` for `requester`. Errors, in this order: InvalidRegion (no such partition),
    /// AccessDenied (requester >= MAX_DOMAINS, a ReadOnly partition, or the requester's bit not
    /// in rights.allocators), QuotaExceeded (the requester would hold more than quota_bytes here,
    /// or the block table is full), then the heap's InvalidSize / InvalidAlignment / NoMemory.
    /// O(1) plus the heap's O(1) allocate. Does not zero memory.
    Result<Address> allocate_in_partition(PartitionId partition, DomainId requester,
                                          uint32_t size_bytes,
                                          uint32_t align_bytes = Heap::ALIGN_BYTES) {
        m_meter.begin();
        return allocate_core(partition, requester, size_bytes, align_bytes);
    }

    /// Frees the block at `address` that `requester` allocated in `partition`. Errors:
    /// InvalidRegion (no such partition), BadPointer (no live block of this partition starts
    /// there: includes a second free), AccessDenied (another domain's block), or the heap's
    /// status (Corrupt if the heap disagrees: its metadata was overwritten). O(live blocks) to
    /// find the block, then the heap's O(1) free.
    RtStatus free_in_partition(PartitionId partition, DomainId requester, Address address) {
        m_meter.begin();
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS)
            return RtStatus::InvalidRegion;
        uint32_t i = 0;
        for (; i < m_block_count; ++i) {
            m_meter.add();
            if (m_blocks[i].address == address && m_blocks[i].slot == slot)
                break;
        }
        if (i == m_block_count)
            return RtStatus::BadPointer;
        if (m_blocks[i].owner != domain_index(requester)) {
            ++m_stats.denied;
            return RtStatus::AccessDenied;
        }
        const RtStatus s = heap(slot).free(address);
        m_meter.add(heap(slot).last_op_steps());
        if (s != RtStatus::Ok)
            return s == RtStatus::BadPointer || s == RtStatus::DoubleFree ? RtStatus::Corrupt : s;
        forget_block(i);
        return RtStatus::Ok;
    }

    /// Revokes `partition`: cancels its pending requests, forgets its blocks, drops its heap (the
    /// target bytes are left as they are; nobody's metadata points into them any more) and frees
    /// its range for a later create_partition. Other partitions are untouched. The MPU side (no
    /// domain may keep a region over the range) is the IsolationManager's: when one hands out
    /// this partition's memory, call its revoke_partition() instead, which calls this after
    /// revoking the grants (calling this directly would leave images granting a range that a
    /// later partition may reuse). O(queue + blocks).
    RtStatus terminate_partition(PartitionId partition) {
        m_meter.begin();
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS)
            return RtStatus::InvalidRegion;
        for (uint32_t q = 0; q < m_queue_count;) {
            m_meter.add();
            if (m_queue[q].slot == slot) {
                remove_queued(q);
                ++m_stats.cancelled;
            } else {
                ++q;
            }
        }
        for (uint32_t i = 0; i < m_block_count;) {
            m_meter.add();
            if (m_blocks[i].slot == slot) {
                forget_block(i);
                ++m_stats.blocks_released;
            } else {
                ++i;
            }
        }
        heap(slot).~Heap(); // trivially destructible; ends the object's lifetime
        m_slot[slot].live = false;
        ++m_stats.terminated;
        return RtStatus::Ok;
    }

    // ---- scheduler ------------------------------------------------------------------------

    /// Queues an allocation request; returns its ticket (increasing from 0). Errors:
    /// InvalidRegion (no such partition), QuotaExceeded (queue full). Rights and quotas are
    /// checked when the request is served. O(1).
    Result<uint32_t> submit(PartitionId partition, DomainId requester, uint32_t size_bytes,
                            uint32_t align_bytes = Heap::ALIGN_BYTES) {
        m_meter.begin();
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS)
            return {RtStatus::InvalidRegion, 0};
        if (m_queue_count == QUEUE_CAPACITY)
            return {RtStatus::QuotaExceeded, 0};
        Pending& p = m_queue[m_queue_count++];
        p.ticket = m_next_ticket++;
        p.slot = uint8_t(slot);
        p.partition = partition;
        p.requester = requester;
        p.size_bytes = size_bytes;
        p.align_bytes = align_bytes;
        return {RtStatus::Ok, p.ticket};
    }

    /// Serves the pending request of the highest-priority partition (oldest ticket first among
    /// equals): runs allocate_in_partition for it and reports the outcome in `out`. Returns false
    /// (and leaves `out` alone) when nothing is pending. O(queue) + the allocation.
    bool serve_next(ServedRequest& out) {
        m_meter.begin();
        if (m_queue_count == 0)
            return false;
        uint32_t best = 0;
        for (uint32_t q = 1; q < m_queue_count; ++q) {
            m_meter.add();
            const uint8_t pq = m_slot[m_queue[q].slot].priority;
            const uint8_t pb = m_slot[m_queue[best].slot].priority;
            if (pq > pb || (pq == pb && m_queue[q].ticket < m_queue[best].ticket))
                best = q;
        }
        const Pending p = m_queue[best];
        remove_queued(best);
        const Result<Address> r =
            allocate_core(p.partition, p.requester, p.size_bytes, p.align_bytes);
        out.ticket = p.ticket;
        out.partition = p.partition;
        out.requester = p.requester;
        out.status = r.status;
        out.address = r.value;
        ++m_stats.served;
        return true;
    }

    uint32_t pending() const { return m_queue_count; }

    // ---- queries --------------------------------------------------------------------------

    bool is_live(PartitionId partition) const { return live_slot(partition) != MAX_PARTITIONS; }

    /// The partition's description, or InvalidRegion. O(1).
    Result<PartitionInfo> info(PartitionId partition) const {
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS)
            return {RtStatus::InvalidRegion, PartitionInfo{}};
        const Slot& s = m_slot[slot];
        return {RtStatus::Ok,
                PartitionInfo{s.start, s.size_bytes, s.rights, s.priority, s.live_blocks,
                              s.payload_bytes, s.regions}};
    }

    /// The live partition whose range holds `address`, or InvalidRegion. O(partitions).
    Result<PartitionId> find_partition(Address address) const {
        for (uint32_t s = 0; s < MAX_PARTITIONS; ++s) {
            const Slot& o = m_slot[s];
            if (o.live && address >= o.start && address - o.start < o.size_bytes)
                return {RtStatus::Ok, make_id(s)};
        }
        return {RtStatus::InvalidRegion, PartitionId{}};
    }

    /// The live partition in table slot `slot` (< MAX_PARTITIONS), or InvalidRegion: iterate
    /// all live partitions with slot = 0..MAX_PARTITIONS-1.
    Result<PartitionId> partition_in_slot(uint32_t slot) const {
        if (slot >= MAX_PARTITIONS || !m_slot[slot].live)
            return {RtStatus::InvalidRegion, PartitionId{}};
        return {RtStatus::Ok, make_id(slot)};
    }

    /// Payload bytes `domain` holds in `partition` (what the quota limits); 0 if either is bad.
    uint32_t used_bytes(PartitionId partition, DomainId domain) const {
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS || domain_index(domain) >= MAX_DOMAINS)
            return 0;
        return m_used_bytes[slot][domain_index(domain)];
    }

    /// Live blocks of all partitions: block(i) for i < block_count(), in no particular order.
    uint32_t block_count() const { return m_block_count; }
    PartitionBlock block(uint32_t i) const {
        if (i >= m_block_count)
            return PartitionBlock{};
        const Block& b = m_blocks[i];
        return PartitionBlock{b.address, b.size_bytes, make_id(b.slot), DomainId(b.owner)};
    }

    /// The heap of a live partition (for diagnostics and integrity checks), or nullptr.
    Heap* heap_of(PartitionId partition) {
        const uint32_t slot = live_slot(partition);
        return slot == MAX_PARTITIONS ? nullptr : &heap(slot);
    }

    /// The O(n) walk for tests and the fault handler: Ok iff no two live partitions overlap,
    /// every live block lies inside its (live) partition past the heap's control structure, the
    /// per-partition and per-domain byte counts equal the sums over the blocks, and every live
    /// heap passes its own check_integrity(); Corrupt otherwise (or the heap's status).
    /// O(partitions^2 + blocks * domains + heap walks).
    RtStatus check_integrity() {
        m_meter.begin();
        for (uint32_t a = 0; a < MAX_PARTITIONS; ++a) {
            const Slot& x = m_slot[a];
            if (!x.live)
                continue;
            for (uint32_t b = a + 1; b < MAX_PARTITIONS; ++b) {
                m_meter.add();
                const Slot& y = m_slot[b];
                if (y.live && uint64_t(x.start) < uint64_t(y.start) + y.size_bytes &&
                    uint64_t(y.start) < uint64_t(x.start) + x.size_bytes)
                    return RtStatus::Corrupt;
            }
            uint32_t blocks = 0;
            uint64_t bytes = 0;
            for (uint32_t d = 0; d < MAX_DOMAINS; ++d) {
                uint64_t by_domain = 0;
                for (uint32_t i = 0; i < m_block_count; ++i) {
                    m_meter.add();
                    const Block& k = m_blocks[i];
                    if (k.slot != a || k.owner != d)
                        continue;
                    if (k.address < x.start + heap(a).control_size_bytes() ||
                        uint64_t(k.address) + k.size_bytes > uint64_t(x.start) + x.size_bytes)
                        return RtStatus::Corrupt;
                    by_domain += k.size_bytes;
                    ++blocks;
                }
                if (by_domain != m_used_bytes[a][d])
                    return RtStatus::Corrupt;
                bytes += by_domain;
            }
            if (blocks != x.live_blocks || bytes != x.payload_bytes)
                return RtStatus::Corrupt;
            const RtStatus h = heap(a).check_integrity();
            if (h != RtStatus::Ok)
                return h;
        }
        for (uint32_t i = 0; i < m_block_count; ++i)
            if (m_blocks[i].slot >= MAX_PARTITIONS || !m_slot[m_blocks[i].slot].live ||
                m_blocks[i].owner >= MAX_DOMAINS)
                return RtStatus::Corrupt;
        return RtStatus::Ok;
    }

    const PartitionStats& stats() const { return m_stats; }
    const PartitionManagerParams& params() const { return m_params; }
    /// Steps of the last public operation (its heap and planner steps included).
    uint32_t last_op_steps() const { return m_meter.steps(); }

private:
    struct Slot {
        bool live = false;
        uint8_t generation = 0;
        uint8_t priority = 0;
        uint8_t regions = 0; ///< regions of the exact cover (informational)
        Address start = 0;
        uint32_t size_bytes = 0;
        PartitionRights rights{};
        uint32_t live_blocks = 0;
        uint32_t payload_bytes = 0;
    };
    struct Block {
        Address address;
        uint32_t size_bytes;
        uint8_t slot;
        uint8_t owner;
    };
    struct Pending {
        uint32_t ticket;
        uint8_t slot;
        PartitionId partition;
        DomainId requester;
        uint32_t size_bytes;
        uint32_t align_bytes;
    };
    struct alignas(Heap) HeapStorage {
        unsigned char bytes[sizeof(Heap)];
    };

    static MpuConfig exact_config(const PartitionManagerParams& p) {
        MpuConfig c;
        c.arch = p.arch;
        c.regions_total = uint8_t(MpuImage::MAX_REGIONS);
        c.first_region = 0;
        c.region_budget = p.regions_per_partition;
        c.exact_only = true;
        return c;
    }

    Heap& heap(uint32_t s) { return *reinterpret_cast<Heap*>(m_heap_storage[s].bytes); }

    PartitionId make_id(uint32_t slot) const {
        return PartitionId(uint16_t((uint32_t(m_slot[slot].generation) << 8) | slot));
    }
    uint32_t live_slot(PartitionId id) const {
        const uint32_t slot = uint32_t(id) & 0xFFu;
        if (slot >= MAX_PARTITIONS || !m_slot[slot].live ||
            m_slot[slot].generation != (uint32_t(id) >> 8))
            return MAX_PARTITIONS;
        return slot;
    }

    Result<Address> allocate_core(PartitionId partition, DomainId requester, uint32_t size_bytes,
                                  uint32_t align_bytes) {
        const uint32_t slot = live_slot(partition);
        if (slot == MAX_PARTITIONS)
            return {RtStatus::InvalidRegion, 0};
        Slot& s = m_slot[slot];
        const uint32_t d = domain_index(requester);
        if (d >= MAX_DOMAINS || s.rights.access != MpuAccess::ReadWrite ||
            (s.rights.allocators & domain_bit(requester)) == 0) {
            ++m_stats.denied;
            return {RtStatus::AccessDenied, 0};
        }
        if ((s.rights.quota_bytes != 0 &&
             uint64_t(m_used_bytes[slot][d]) + size_bytes > s.rights.quota_bytes) ||
            m_block_count == MAX_BLOCKS) {
            ++m_stats.over_quota;
            return {RtStatus::QuotaExceeded, 0};
        }
        const Result<Address> r = heap(slot).allocate(size_bytes, align_bytes);
        m_meter.add(heap(slot).last_op_steps());
        if (!r.ok())
            return r;
        m_blocks[m_block_count++] = Block{r.value, size_bytes, uint8_t(slot), uint8_t(d)};
        m_used_bytes[slot][d] += size_bytes;
        ++s.live_blocks;
        s.payload_bytes += size_bytes;
        return r;
    }

    void forget_block(uint32_t i) {
        const Block& b = m_blocks[i];
        m_used_bytes[b.slot][b.owner] -= b.size_bytes;
        --m_slot[b.slot].live_blocks;
        m_slot[b.slot].payload_bytes -= b.size_bytes;
        m_blocks[i] = m_blocks[--m_block_count];
    }

    void remove_queued(uint32_t q) {
        for (uint32_t k = q + 1; k < m_queue_count; ++k)
            m_queue[k - 1] = m_queue[k];
        --m_queue_count;
    }

    Mem& m_mem;
    const PartitionManagerParams m_params;
    MpuPlanner m_planner;
    StepMeter m_meter;
    PartitionStats m_stats;
    Slot m_slot[MAX_PARTITIONS]{};
    HeapStorage m_heap_storage[MAX_PARTITIONS]{};
    uint32_t m_used_bytes[MAX_PARTITIONS][MAX_DOMAINS]{};
    Block m_blocks[MAX_BLOCKS]{};
    uint32_t m_block_count = 0;
    Pending m_queue[QUEUE_CAPACITY]{};
    uint32_t m_queue_count = 0;
    uint32_t m_next_ticket = 0;
};

} // namespace emsim::rt
