// The line modifiers' fast paths give what the plain computations give: the lazy '\n'.join (LineJoin),
// the 16-byte ASCII scans, and substring_line_modifier's RE2-free banlist pre-check (including the
// characters RE2's case folding pairs with ASCII letters).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/text.h"
#include "curation/pytext.h"
#include "curation/steps/ascii_scan.h"
#include "curation/steps/line_join.h"
#include "helpers.h"

using namespace dclm::curation;
using namespace dclm::curation::testing;

namespace {

struct Rng {
  uint64_t state;
  uint64_t operator()() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  }
};

std::string random_text(Rng& rnd, const std::vector<std::string>& pieces, size_t max_len) {
  std::string t;
  const size_t len = rnd() % max_len;
  for (size_t k = 0; k < len; ++k) t += pieces[rnd() % pieces.size()];
  return t;
}

}  // namespace

TEST(LineStepsFast, AsciiCountInRangeEqualsByteLoop) {
  Rng rnd{7};
  const std::vector<std::string> pieces = {"a", "Z", "M", "0", "9", "5", " ", "\n", "@", "[", "/", ":", "\x7f", "\xC3\xA9"};
  for (int round = 0; round < 2000; ++round) {
    const std::string t = random_text(rnd, pieces, 60);
    bool ascii = true;
    int64_t up = 0, dig = 0;
    for (unsigned char c : t) {
      ascii = ascii && c < 0x80;
      up += c >= 'A' && c <= 'Z';
      dig += c >= '0' && c <= '9';
    }
    EXPECT_EQ(steps::ascii_count_in_range(t, 'A', 'Z'), ascii ? up : -1) << t;
    EXPECT_EQ(steps::ascii_count_in_range(t, '0', '9'), ascii ? dig : -1) << t;
  }
}

TEST(LineStepsFast, ContainsAsciiNocaseEqualsNaiveSearch) {
  Rng rnd{11};
  const std::vector<std::string> pieces = {"s", "S", "i", "I", "g", "n", "-", " ", "@", "`", "\x0d", "\x2d", "\xC5\xBF", "\0"};
  const std::vector<std::string> needles = {"sign-in", "in", "s", "-i", "gn-in s"};
  auto naive = [](const std::string& h, const std::string& n) {
    std::string low = h;
    for (char& c : low) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    return low.find(n) != std::string::npos;
  };
  for (int round = 0; round < 4000; ++round) {
    const std::string t = random_text(rnd, pieces, 70);
    for (const auto& n : needles) EXPECT_EQ(steps::contains_ascii_nocase(t, n), naive(t, n)) << t << " / " << n;
  }
  EXPECT_TRUE(steps::contains_ascii_nocase(std::string(40, 'x') + "SIGN-In", "sign-in"));
  EXPECT_FALSE(steps::contains_ascii_nocase(std::string(40, 'x') + "SIGN-I", "sign-in"));
  EXPECT_TRUE(steps::contains_ascii_nocase("abc", ""));
}

TEST(LineStepsFast, LineJoinEqualsJoiningTheKeptLines) {
  Rng rnd{3};
  const std::vector<std::string> pieces = {"a", "b", " ", "\n", "\n", "\t", "\r"};
  std::string buf;
  for (int round = 0; round < 3000; ++round) {
    std::string text = random_text(rnd, pieces, 40);
    const std::string original = text;
    std::vector<std::string> kept;
    bool untouched = true;
    steps::LineJoin join(text, buf);
    const int mode = round % 4;  // 0: keep all, 1: random drops, 2: random changes, 3: drop all
    py::for_each_line(text, [&](std::string_view line) {
      const uint64_t r = rnd() % 3;
      if (mode == 3 || (mode == 1 && r == 0)) {
        join.drop();
        untouched = false;
      } else if (mode == 2 && r == 0) {
        untouched = false;
        const std::string changed = "<" + std::string(line) + ">";
        join.keep_changed(changed);
        kept.push_back(changed);
      } else {
        join.keep(line);
        kept.emplace_back(line);
      }
    });
    const bool strip = round % 2 == 0;
    const std::string joined = dclm::text::join(kept, "\n");
    EXPECT_EQ(join.all_kept(), untouched) << original;
    EXPECT_EQ(std::string(join.joined()), joined) << original;
    join.finish(text, strip);
    EXPECT_EQ(text, strip ? std::string(dclm::text::strip_view(joined)) : joined) << original;
  }
}

// Banlist "Sign-in" takes the RE2-free pre-check; "(?:Sign-in)" is the same regex with a group, which turns
// the pre-check off (the text goes to RE2). Both must edit every text the same way, including texts
// with U+017F (long s) and U+212A (Kelvin sign), which RE2's case folding matches with s and k.
TEST(LineStepsFast, SubstringPrecheckEqualsRe2) {
  const std::vector<std::pair<std::string, std::string>> banlists = {
      {"Sign-in", "(?:Sign-in)"}, {"items in cart", "(?:items in cart)"}, {"Kiosk", "(?:Kiosk)"}};
  const std::vector<std::string> locations = {"prefix", "suffix", "any"};
  const std::vector<std::string> pieces = {"sign", "SIGN", "Sign", "-in", "-IN", "items", " in ", "cart", "CART",
                                           "kiosk", "KIOSK", "\xC5\xBFign", "\xE2\x84\xAAiosk", "Kio\xC5\xBFk", " ",
                                           "\n", "\n  \n", "\t", "word ", "x", "\xC4\xB0tems", "\xC2\xA0"};
  Rng rnd{5};
  for (const auto& [plain, escaped] : banlists)
    for (const auto& loc : locations)
      for (int remove_only = 0; remove_only < 2; ++remove_only) {
        const std::string opts = ", location: " + loc + ", max_length: 10, remove_substring_only: " +
                                 (remove_only ? "true" : "false") + "}";
        auto fast = step_from("{func: substring_line_modifier, banlist: '" + plain + "'" + opts);
        auto ref = step_from("{func: substring_line_modifier, banlist: '" + escaped + "'" + opts);
        for (int round = 0; round < 300; ++round) {
          const std::string t = random_text(rnd, pieces, 30);
          Document a = doc_with(t), b = doc_with(t);
          const Verdict va = fast->apply(a), vb = ref->apply(b);
          EXPECT_EQ(va.keep, vb.keep) << plain << " " << opts << " " << t;
          EXPECT_EQ(a.text, b.text) << plain << " " << opts << " " << t;
        }
      }
}
