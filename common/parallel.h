// Deterministic parallelism: run f(i) for i in [0, n) on `threads` workers. Callers write results into
// slot i, so output order never depends on the thread count. The first exception is rethrown.
#pragma once
#include <cstddef>
#include <functional>

namespace dclm {
int default_threads();  // hardware concurrency, at least 1 (DCLM_THREADS overrides)
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& f);
}  // namespace dclm
