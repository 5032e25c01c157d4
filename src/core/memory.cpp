#include "core/core.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace neuroseed {

void heap_release() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

}  // namespace neuroseed
