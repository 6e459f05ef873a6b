#pragma once
#include <string>
#include <vector>
namespace dclm::scales {
struct EmbeddedScale { std::string name, yaml; };
const std::vector<EmbeddedScale>& embedded_scales();  // generated from scales/*.yaml by CMake
}  // namespace dclm::scales
