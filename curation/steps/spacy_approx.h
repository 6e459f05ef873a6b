// datatrove counts words and sentences with spaCy's blank("en") tokenizer and sentencizer, which this
// project does not link. These are documented approximations used by the datatrove-style filters
// (c4_quality_filter, fineweb_quality_filter); they agree with spaCy on ordinary prose, not on every
// tokenizer exception.
#pragma once
#include <string>
#include <string_view>

namespace dclm::curation::steps {

// Python str.lower() with the simple (1:1) Unicode mapping.
std::string py_lower(std::string_view s);

// Number of spaCy tokens: each whitespace-separated chunk gives one token for its core plus one per
// leading/trailing punctuation mark split off (a run of '.' is one mark, "..." stays one token), plus
// one for a trailing clitic ('s, n't). A chunk of punctuation only gives one token per mark.
size_t spacy_token_count(std::string_view text);

// Sentences of one line as spaCy's Sentencizer finds them: 1 + the number of sentence ends that are
// followed later in the line by a non-punctuation token. A sentence end is a chunk whose trailing
// punctuation (after closing quotes/brackets) ends in one of the Sentencizer's punct_chars (. ! ? and
// their Unicode forms), except abbreviation-like chunks ("e.g.", "U.S.", "Mr."), and an infix '.'
// between a lowercase and an uppercase letter ("end.Next"). 0 for a line without tokens.
size_t spacy_sentence_count(std::string_view line);

}  // namespace dclm::curation::steps
