#pragma once
#include <string>
#include <vector>
namespace dclm::evaluator {
struct EmbeddedSuite { std::string name, yaml; };
const std::vector<EmbeddedSuite>& embedded_suites();  // generated from evaluator/suites/*.yaml by CMake
}  // namespace dclm::evaluator
