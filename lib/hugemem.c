/*
 * hugemem.c -- memory on transparent huge pages (hugemem.h).
 */
#include <sys/mman.h>

#include <stdlib.h>

#include "hugemem.h"

void *
hugemem_alloc(size_t n)
{
	void *p;

	if (n == 0 || n > (size_t)-1 - HUGEMEM_PAGE)
		return NULL;
	n = (n + HUGEMEM_PAGE - 1) & ~(HUGEMEM_PAGE - 1);
	if (posix_memalign(&p, HUGEMEM_PAGE, n) != 0)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE);
	(void)madvise(p, n, MADV_DONTNEED);
	return p;
}
