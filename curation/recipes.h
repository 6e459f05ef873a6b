#pragma once
#include <string>
#include <vector>
namespace dclm::curation {
struct EmbeddedRecipe { std::string name, yaml; };
const std::vector<EmbeddedRecipe>& embedded_recipes();  // generated from curation/recipes/*.yaml by CMake
}  // namespace dclm::curation
