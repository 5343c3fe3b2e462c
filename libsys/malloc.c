/*
 * libsys heap: memory from sbrk(), handed out first-fit from a free list kept in address
 * order so that a freed block can be merged with free neighbours in one pass.
 *
 * Every block starts with a 16-byte header and has a size that is a multiple of 16, so every
 * payload is 16-byte aligned. A magic word marks used and free blocks; free() and realloc()
 * check it so that a bad pointer or a double free stops the program with a message instead
 * of silently corrupting the heap.
 */
#include <libsys.h>

#define ALIGN 16u
#define MAGIC_USED 0x55534544u /* "USED" */
#define MAGIC_FREE 0x46524545u /* "FREE" */
#define MIN_GROW (16u * 1024u) /* ask sbrk for at least this much, to keep calls rare */

struct block {
    size_t size;        /* whole block, header included; a multiple of ALIGN */
    uint32_t magic;     /* MAGIC_USED or MAGIC_FREE */
    struct block *next; /* next free block by address (free blocks only) */
};

/* Header size rounded up to ALIGN (exactly 16 on i686), so payloads stay aligned. */
#define HDR ((sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
#define MIN_BLOCK (HDR + ALIGN) /* smallest block worth splitting off */

static struct block *free_list; /* address-ordered */
static uintptr_t arena_low;     /* lowest address sbrk gave us, 0 before the first call */
static uintptr_t arena_high;    /* end of the highest chunk sbrk gave us */
static size_t arena_bytes;
static size_t used_bytes;

/* sbrk returns the old break, or -E (in [-ABI_ERRNO_MAX, -1]) cast to uint32_t on failure. */
static int sbrk_failed(uint32_t r)
{
    return r >= (uint32_t)-ABI_ERRNO_MAX;
}

/* Get bytes (a multiple of ALIGN) of fresh memory from the kernel, or NULL. */
static void *sbrk_aligned(size_t bytes)
{
    if (bytes > 0x7fffffffu)
        return NULL;
    uint32_t brk = sbrk(0);
    if (sbrk_failed(brk))
        return NULL;
    /* The break follows the program image and need not be aligned; pad it once. */
    if (brk % ALIGN) {
        uint32_t pad = ALIGN - brk % ALIGN;
        if (sbrk_failed(sbrk((int32_t)pad)))
            return NULL;
    }
    uint32_t p = sbrk((int32_t)bytes);
    if (sbrk_failed(p) || p % ALIGN)
        return NULL;
    if (arena_low == 0 || p < arena_low)
        arena_low = p;
    if (p + bytes > arena_high)
        arena_high = p + bytes;
    arena_bytes += bytes;
    return (void *)(uintptr_t)p;
}

/* Put b on the free list in address order, merging it with adjacent free blocks. */
static void insert_free(struct block *b)
{
    struct block *prev = NULL, *cur = free_list;
    while (cur && cur < b) {
        prev = cur;
        cur = cur->next;
    }
    b->magic = MAGIC_FREE;
    b->next = cur;
    if (cur && (char *)b + b->size == (char *)cur) {
        b->size += cur->size;
        b->next = cur->next;
        cur->magic = 0;
    }
    if (prev && (char *)prev + prev->size == (char *)b) {
        prev->size += b->size;
        prev->next = b->next;
        b->magic = 0;
    } else if (prev) {
        prev->next = b;
    } else {
        free_list = b;
    }
}

/* Shrink used block b to need bytes if the rest is big enough to be a block of its own. */
static void split(struct block *b, size_t need)
{
    if (b->size - need < MIN_BLOCK)
        return;
    struct block *rest = (struct block *)((char *)b + need);
    rest->size = b->size - need;
    b->size = need;
    used_bytes -= rest->size;
    insert_free(rest);
}

/* Block size for a request of size bytes, or 0 if it would overflow. */
static size_t block_size(size_t size)
{
    if (size > (size_t)-1 - HDR - ALIGN)
        return 0;
    if (size == 0)
        size = 1;
    return (size + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

/* Take a free block of at least need bytes off the list (first fit), or return NULL. */
static struct block *take_free(size_t need)
{
    struct block *prev = NULL;
    for (struct block *b = free_list; b; prev = b, b = b->next) {
        if (b->size < need)
            continue;
        if (prev)
            prev->next = b->next;
        else
            free_list = b->next;
        b->magic = MAGIC_USED;
        b->next = NULL;
        used_bytes += b->size;
        split(b, need);
        return b;
    }
    return NULL;
}

void *malloc(size_t size)
{
    size_t need = block_size(size);
    if (need == 0)
        return NULL;
    struct block *b = take_free(need);
    if (!b) {
        size_t grow = need < MIN_GROW ? MIN_GROW : need;
        struct block *fresh = sbrk_aligned(grow);
        if (!fresh && grow != need) {
            grow = need; /* maybe a smaller request still fits */
            fresh = sbrk_aligned(grow);
        }
        if (!fresh)
            return NULL;
        fresh->size = grow;
        insert_free(fresh);
        b = take_free(need);
        if (!b)
            return NULL;
    }
    return (char *)b + HDR;
}

/* The header of a pointer malloc returned; stops the program if ptr is not one. */
static struct block *checked_block(void *ptr, const char *who)
{
    uintptr_t p = (uintptr_t)ptr;
    if (p % ALIGN || p < arena_low + HDR || p >= arena_high)
        die("%s: pointer %p was not returned by malloc", who, ptr);
    struct block *b = (struct block *)(p - HDR);
    if (b->magic == MAGIC_FREE)
        die("%s: pointer %p was already freed", who, ptr);
    if (b->magic != MAGIC_USED)
        die("%s: pointer %p was not returned by malloc (heap corrupt?)", who, ptr);
    return b;
}

void free(void *ptr)
{
    if (!ptr)
        return;
    struct block *b = checked_block(ptr, "free");
    used_bytes -= b->size;
    insert_free(b);
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > (size_t)-1 / size)
        return NULL;
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

/* Grow used block b in place by absorbing the free block right after it, if that is enough. */
static int grow_in_place(struct block *b, size_t need)
{
    struct block *prev = NULL, *cur = free_list;
    char *end = (char *)b + b->size;
    while (cur && (char *)cur < end) {
        prev = cur;
        cur = cur->next;
    }
    if (!cur || (char *)cur != end || b->size + cur->size < need)
        return 0;
    if (prev)
        prev->next = cur->next;
    else
        free_list = cur->next;
    cur->magic = 0;
    b->size += cur->size;
    used_bytes += cur->size;
    split(b, need);
    return 1;
}

void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    struct block *b = checked_block(ptr, "realloc");
    size_t need = block_size(size);
    if (need == 0)
        return NULL;
    if (b->size >= need) {
        split(b, need);
        return ptr;
    }
    if (grow_in_place(b, need))
        return ptr;
    void *fresh = malloc(size);
    if (!fresh)
        return NULL; /* the old block stays valid, as C requires */
    memcpy(fresh, ptr, b->size - HDR);
    free(ptr);
    return fresh;
}

void heap_stats(struct heap_stats *out)
{
    out->arena_bytes = arena_bytes;
    out->used_bytes = used_bytes;
    out->free_blocks = 0;
    for (struct block *b = free_list; b; b = b->next)
        out->free_blocks++;
}
