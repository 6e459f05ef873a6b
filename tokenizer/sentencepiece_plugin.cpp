// libdclm_sentencepiece.so: the only code that links libsentencepiece (see sentencepiece_plugin.h).
#include "tokenizer/sentencepiece_plugin.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// Exported by libsentencepiece (common.h, not installed): INFO logging goes to std::cerr even before
// --minloglevel is parsed, so the plugin lowers it itself.
namespace sentencepiece::logging {
void SetMinLogLevel(int v);
}

namespace {
char* dup_string(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}
int fail(char** err, const std::string& msg) {
  if (err) *err = dup_string(msg);
  return 1;
}
// Feeds in-memory sentences to the trainer (no corpus file, so no paths end up in the model).
class ArrayIterator : public sentencepiece::SentenceIterator {
 public:
  ArrayIterator(const char* const* s, const size_t* len, size_t n) : s_(s), len_(len), n_(n) { load(); }
  bool done() const override { return i_ >= n_; }
  void Next() override { ++i_; load(); }
  const std::string& value() const override { return cur_; }
  sentencepiece::util::Status status() const override { return sentencepiece::util::Status(); }

 private:
  void load() { if (i_ < n_) cur_.assign(s_[i_], len_[i_]); }
  const char* const* s_;
  const size_t* len_;
  size_t n_, i_ = 0;
  std::string cur_;
};

sentencepiece::SentencePieceProcessor* proc(void* h) { return static_cast<sentencepiece::SentencePieceProcessor*>(h); }
}  // namespace

extern "C" {

__attribute__((visibility("default"))) int dclm_spm_load(const char* bytes, size_t len, void** handle, char** err) {
  auto* sp = new sentencepiece::SentencePieceProcessor();
  auto st = sp->LoadFromSerializedProto(std::string(bytes, len));
  if (!st.ok()) {
    delete sp;
    return fail(err, st.ToString());
  }
  *handle = sp;
  return 0;
}

__attribute__((visibility("default"))) void dclm_spm_close(void* h) { delete proc(h); }

__attribute__((visibility("default"))) int dclm_spm_encode(void* h, const char* text, size_t len, int32_t** ids,
                                                           size_t* n, char** err) {
  std::vector<int> v;
  auto st = proc(h)->Encode(std::string(text, len), &v);
  if (!st.ok()) return fail(err, st.ToString());
  *n = v.size();
  *ids = static_cast<int32_t*>(std::malloc(sizeof(int32_t) * (v.empty() ? 1 : v.size())));
  for (size_t i = 0; i < v.size(); ++i) (*ids)[i] = v[i];
  return 0;
}

__attribute__((visibility("default"))) int dclm_spm_decode(void* h, const int32_t* ids, size_t n, char** text,
                                                           size_t* len, char** err) {
  std::vector<int> v(ids, ids + n);
  std::string out;
  auto st = proc(h)->Decode(v, &out);
  if (!st.ok()) return fail(err, st.ToString());
  *len = out.size();
  *text = dup_string(out);
  return 0;
}

__attribute__((visibility("default"))) int dclm_spm_info(void* h, int which) {
  switch (which) {
    case kDclmSpmPieceSize: return proc(h)->GetPieceSize();
    case kDclmSpmPadId: return proc(h)->pad_id();
    case kDclmSpmUnkId: return proc(h)->unk_id();
    case kDclmSpmEosId: return proc(h)->eos_id();
    default: return -1;
  }
}

__attribute__((visibility("default"))) int dclm_spm_piece_to_id(void* h, const char* piece) {
  return proc(h)->PieceToId(piece);
}

__attribute__((visibility("default"))) int dclm_spm_train(const char* args, const char* const* sentences,
                                                          const size_t* lengths, size_t n, unsigned int seed,
                                                          char** model, size_t* model_len, char** err) {
  sentencepiece::logging::SetMinLogLevel(2);
  sentencepiece::SetRandomGeneratorSeed(seed);  // sentence sampling/shuffling: same seed → same model
  ArrayIterator it(sentences, lengths, n);
  std::string bytes;
  auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &bytes);
  if (!st.ok()) return fail(err, st.ToString());
  *model_len = bytes.size();
  *model = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  std::memcpy(*model, bytes.data(), bytes.size());
  return 0;
}

__attribute__((visibility("default"))) void dclm_spm_free_buf(void* p) { std::free(p); }

}  // extern "C"
