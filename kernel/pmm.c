/*
 * Physical frame allocator.
 *
 * A bitmap with one bit per frame of the direct-mapped range (set = in use). It is built from the
 * Multiboot memory map: everything starts in use, the "available" ranges are freed, and then the
 * ranges the kernel still needs are taken back: the first MiB (BIOS data, VGA), the kernel image,
 * the Multiboot information and the boot modules (programs are loaded from them at spawn time).
 * The free count is kept exact so that tests can check that exiting processes give back every
 * frame.
 *
 * Each frame in use also has a reference count: the number of page-table entries (or kernel
 * owners) that hold it. fork shares user pages copy-on-write by taking another reference;
 * pmm_free drops one, and the frame goes back to the bitmap only when the last one goes.
 *
 * Frames can also be promised: a demand-zero page, and each copy a copy-on-write page may still
 * need, holds a reservation taken when the page was mapped or shared. A promised frame is not
 * handed out by pmm_alloc, so the page faults that keep those promises never run out of memory,
 * and the memory a process may still claim is counted from the start: pmm_free_count reports
 * the frames that are neither in use nor promised, which a process touching its pages does not
 * change.
 */
#include "pmm.h"

#include "faultinj.h"
#include "multiboot.h"
#include "kprintf.h"
#include "panic.h"
#include "memlayout.h"
#include "abi_base.h"

#define MAX_FRAMES (DIRECT_MAP_SIZE / PAGE_SIZE)

extern char kernel_phys_start[], kernel_end[]; /* kernel/linker.ld */

static uint32_t frame_bitmap[MAX_FRAMES / 32];
/* References of each frame in use; 0 for a free frame. A frame is shared by at most one entry
 * per process (NPROC), far below the limit of the type. */
static uint8_t frame_refs[MAX_FRAMES];
static uint32_t frames_total; /* frames that were ever free */
static uint32_t frames_free;
static uint32_t frames_promised; /* reservations not yet taken by pmm_alloc_reserved */
static uint32_t search_hint;     /* first bitmap word that may hold a free frame */

static int frame_used(uint32_t f)
{
    return (frame_bitmap[f / 32] >> (f % 32)) & 1;
}

static void mark_free(uint32_t f)
{
    if (frame_used(f)) {
        frame_bitmap[f / 32] &= ~(1u << (f % 32));
        frames_free++;
        if (f / 32 < search_hint)
            search_hint = f / 32;
    }
}

static void mark_used(uint32_t f)
{
    if (!frame_used(f)) {
        frame_bitmap[f / 32] |= 1u << (f % 32);
        frames_free--;
    }
}

/* Frees every whole frame inside [start, end). */
static void free_range(uint64_t start, uint64_t end)
{
    if (end > DIRECT_MAP_SIZE)
        end = DIRECT_MAP_SIZE;
    for (uint64_t a = (start + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1); a + PAGE_SIZE <= end;
         a += PAGE_SIZE)
        mark_free((uint32_t)(a / PAGE_SIZE));
}

/* Marks in use every frame that [start, end) touches. */
static void reserve_range(uint32_t start, uint32_t end)
{
    if (end > DIRECT_MAP_SIZE)
        end = DIRECT_MAP_SIZE;
    for (uint32_t a = PAGE_ROUND_DOWN(start); a < end; a += PAGE_SIZE)
        mark_used(a / PAGE_SIZE);
}

void pmm_init(void)
{
    for (uint32_t i = 0; i < MAX_FRAMES / 32; i++)
        frame_bitmap[i] = 0xFFFFFFFFu;
    frames_free = 0;

    uint64_t start, end;
    int usable;
    for (uint32_t i = 0; multiboot_memory_region(i, &start, &end, &usable); i++)
        if (usable)
            free_range(start, end);

    reserve_range(0, 0x100000);
    reserve_range((uint32_t)kernel_phys_start, V2P(kernel_end));
    uint32_t rs, re;
    for (uint32_t i = 0; multiboot_reserved_range(i, &rs, &re); i++)
        if (re > rs)
            reserve_range(rs, re);

    frames_total = frames_free;
    search_hint = 0;
}

/* Any free frame, promised or not; 0 when none is left. */
static uint32_t take_frame(void)
{
    for (uint32_t w = search_hint; w < MAX_FRAMES / 32; w++) {
        if (frame_bitmap[w] == 0xFFFFFFFFu)
            continue;
        search_hint = w;
        uint32_t bit = (uint32_t)__builtin_ctz(~frame_bitmap[w]);
        uint32_t f = w * 32 + bit;
        mark_used(f);
        frame_refs[f] = 1;
        return f * PAGE_SIZE;
    }
    search_hint = MAX_FRAMES / 32;
    return 0;
}

/* Fault injection (kernel/faultinj.h) fails plain allocations and reservations, never the taking
 * of a frame already promised. */
uint32_t pmm_alloc(void)
{
    if (faultinj_fail("frame", (uint32_t)__builtin_return_address(0)))
        return 0;
    return frames_free > frames_promised ? take_frame() : 0;
}

int pmm_reserve(uint32_t n)
{
    if (faultinj_fail("frame reservation", (uint32_t)__builtin_return_address(0)))
        return -ENOMEM;
    if (frames_free - frames_promised < n)
        return -ENOMEM;
    frames_promised += n;
    return 0;
}

void pmm_unreserve(uint32_t n)
{
    if (n > frames_promised)
        panic("pmm_unreserve: %u frames were not promised", n);
    frames_promised -= n;
}

uint32_t pmm_alloc_reserved(void)
{
    pmm_unreserve(1);
    uint32_t pa = take_frame();
    if (!pa)
        panic("pmm_alloc_reserved: a promised frame is missing");
    return pa;
}

uint32_t pmm_alloc_contiguous(uint32_t n)
{
    if (faultinj_fail("frame", (uint32_t)__builtin_return_address(0)))
        return 0;
    uint32_t run = 0;
    for (uint32_t f = 0; f < MAX_FRAMES; f++) {
        run = frame_used(f) ? 0 : run + 1;
        if (run == n) {
            uint32_t first = f + 1 - n;
            for (uint32_t g = first; g <= f; g++) {
                mark_used(g);
                frame_refs[g] = 1;
            }
            return first * PAGE_SIZE;
        }
    }
    return 0;
}

/* The frame number of an allocated frame; panics on anything else (a kernel bug). */
static uint32_t allocated_frame(uint32_t pa, const char *what)
{
    uint32_t f = pa / PAGE_SIZE;
    if ((pa & (PAGE_SIZE - 1)) || f >= MAX_FRAMES || !frame_used(f) || frame_refs[f] == 0)
        panic("%s: bad or free frame 0x%x", what, pa);
    return f;
}

void pmm_free(uint32_t pa)
{
    uint32_t f = allocated_frame(pa, "pmm_free");
    if (--frame_refs[f] == 0)
        mark_free(f);
}

void pmm_ref(uint32_t pa)
{
    uint32_t f = allocated_frame(pa, "pmm_ref");
    if (frame_refs[f] == 0xFF)
        panic("pmm_ref: too many references to frame 0x%x", pa);
    frame_refs[f]++;
}

uint32_t pmm_refs(uint32_t pa)
{
    return frame_refs[allocated_frame(pa, "pmm_refs")];
}

uint32_t pmm_free_count(void)
{
    return frames_free - frames_promised;
}
uint32_t pmm_total_count(void)
{
    return frames_total;
}
