// Byte scans that the per-line steps run on every line, 16 bytes at a time where SSE2 is available.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dclm::curation::steps {

// For a line of ASCII bytes only: the number of bytes in [lo, hi]. -1 when the line holds a byte >= 0x80
// (the caller then decodes it code point by code point).
int64_t ascii_count_in_range(std::string_view s, unsigned char lo, unsigned char hi);

// Whether `hay` contains `needle` ignoring ASCII case (bytes >= 0x80 compare exactly). `needle` must be
// lower case.
bool contains_ascii_nocase(std::string_view hay, std::string_view needle);

}  // namespace dclm::curation::steps
