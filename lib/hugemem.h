/*
 * hugemem.h -- memory on transparent huge pages, for what the answer path
 * reads or writes for every batch: the in-memory copy's large arrays
 * (memidx.c) and a UDP worker's buffers (udpbatch.c).
 *
 * On the virtual machines measured (docs/performance.md), the TLB does
 * not outlive the system calls between two batches: every 4 KB page a
 * batch touches costs a page walk again.  One 2 MB page for what would
 * be dozens of small ones takes that cost off each batch.
 */
#ifndef DNSBL_HUGEMEM_H
#define DNSBL_HUGEMEM_H

#include <stddef.h>

/* The huge page size this module rounds to and aligns on. */
#define HUGEMEM_PAGE	((size_t)2 << 20)

/*
 * n bytes (n > 0), aligned to HUGEMEM_PAGE, rounded up to a multiple of
 * it, and advised for huge pages (madvise(MADV_HUGEPAGE); where the
 * kernel has no transparent huge pages the advice is ignored and the
 * memory is ordinary).  Its pages are dropped first
 * (madvise(MADV_DONTNEED)): memory the allocator hands out again, touched
 * before as small pages, then faults in huge ones at the first write, and
 * reads as zero.  Owned by the caller; freed with free().  NULL for 0
 * bytes, a size that cannot be rounded up, or out of memory.
 */
void *hugemem_alloc(size_t n);

/*
 * HOT marks a function of the UDP answer path (a batch received, read,
 * looked up, answered, counted and sent).  GCC places such functions
 * together (.text.hot), so that a batch runs from few pages of code, for
 * the same reason as above.
 */
#if defined(__GNUC__)
#define HOT	__attribute__((hot))
#else
#define HOT
#endif

#endif
