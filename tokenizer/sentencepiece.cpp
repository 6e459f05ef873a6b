#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/text.h"
#include "tokenizer/sentencepiece_plugin.h"
#include "tokenizer/tokenizer.h"

#ifndef DCLM_SPM_PLUGIN
#define DCLM_SPM_PLUGIN ""
#endif

namespace dclm::tokenizer {
namespace {

// The plugin's entry points, resolved once (see sentencepiece_plugin.h for why this is a plugin).
struct Plugin {
  decltype(&dclm_spm_load) load;
  decltype(&dclm_spm_close) close;
  decltype(&dclm_spm_encode) encode;
  decltype(&dclm_spm_decode) decode;
  decltype(&dclm_spm_info) info;
  decltype(&dclm_spm_piece_to_id) piece_to_id;
  decltype(&dclm_spm_train) train;
  decltype(&dclm_spm_free_buf) free_buf;

  // Raises dclm::Error with the plugin's message when rc != 0. Call the plugin first and pass rc and err
  // afterwards: argument evaluation order is unspecified.
  void check(int rc, char* err, const std::string& file) const {
    if (rc == 0) return;
    std::string msg = err ? err : "unknown SentencePiece error";
    if (err) free_buf(err);
    throw Error("SentencePiece: " + msg, {file});
  }
};

std::string plugin_path() {
  if (const char* p = std::getenv("DCLM_SPM_PLUGIN"); p && *p) return p;
  std::vector<std::string> cands;
  // Next to the executable's build tree (build/harness/dclm → build/tokenizer/...), or ../lib when installed.
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = exe.parent_path();
    cands.push_back((dir / "libdclm_sentencepiece.so").string());
    cands.push_back((dir.parent_path() / "tokenizer" / "libdclm_sentencepiece.so").string());
    cands.push_back((dir.parent_path().parent_path() / "tokenizer" / "libdclm_sentencepiece.so").string());
    cands.push_back((dir.parent_path() / "lib" / "libdclm_sentencepiece.so").string());
  }
  cands.push_back(DCLM_SPM_PLUGIN);  // where this build put it
  for (const auto& c : cands)
    if (!c.empty() && file_exists(c)) return c;
  throw Error("SentencePiece plugin libdclm_sentencepiece.so not found (set DCLM_SPM_PLUGIN)");
}

const Plugin& plugin() {
  static Plugin pl;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string path = plugin_path();
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!h) throw Error(std::string("cannot load the SentencePiece plugin: ") + dlerror(), {path});
    auto sym = [&](const char* name) {
      void* f = dlsym(h, name);
      if (!f) throw Error(std::string("SentencePiece plugin lacks ") + name, {path});
      return f;
    };
    pl.load = reinterpret_cast<decltype(pl.load)>(sym("dclm_spm_load"));
    pl.close = reinterpret_cast<decltype(pl.close)>(sym("dclm_spm_close"));
    pl.encode = reinterpret_cast<decltype(pl.encode)>(sym("dclm_spm_encode"));
    pl.decode = reinterpret_cast<decltype(pl.decode)>(sym("dclm_spm_decode"));
    pl.info = reinterpret_cast<decltype(pl.info)>(sym("dclm_spm_info"));
    pl.piece_to_id = reinterpret_cast<decltype(pl.piece_to_id)>(sym("dclm_spm_piece_to_id"));
    pl.train = reinterpret_cast<decltype(pl.train)>(sym("dclm_spm_train"));
    pl.free_buf = reinterpret_cast<decltype(pl.free_buf)>(sym("dclm_spm_free_buf"));
  });
  return pl;
}

class SentencePieceTokenizer : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) : path_(path) {
    std::string bytes = read_file(path);
    const Plugin& p = plugin();
    char* err = nullptr;
    int rc = p.load(bytes.data(), bytes.size(), &handle_, &err);
    p.check(rc, err, path);
    identity_ = sha256_hex(bytes);
    const int unk = p.info(handle_, kDclmSpmUnkId);
    eot_ = p.piece_to_id(handle_, "<eot>");
    if (eot_ == unk) {
      int eos = p.info(handle_, kDclmSpmEosId);
      eot_ = eos >= 0 ? eos : 0;
    }
    int pad = p.info(handle_, kDclmSpmPadId);
    pad_ = pad >= 0 ? pad : eot_;
    size_ = p.info(handle_, kDclmSpmPieceSize);
  }
  ~SentencePieceTokenizer() override { plugin().close(handle_); }
  std::vector<int32_t> encode(std::string_view text) const override {
    const Plugin& p = plugin();
    int32_t* ids = nullptr;
    size_t n = 0;
    char* err = nullptr;
    int rc = p.encode(handle_, text.data(), text.size(), &ids, &n, &err);
    p.check(rc, err, path_);
    std::vector<int32_t> out(ids, ids + n);
    p.free_buf(ids);
    return out;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    const Plugin& p = plugin();
    char* text = nullptr;
    size_t n = 0;
    char* err = nullptr;
    int rc = p.decode(handle_, ids.data(), ids.size(), &text, &n, &err);
    p.check(rc, err, path_);
    std::string out(text, n);
    p.free_buf(text);
    return out;
  }
  int64_t vocab_size() const override { return size_; }
  int32_t eot_id() const override { return eot_; }
  int32_t pad_id() const override { return pad_; }
  std::string kind() const override { return "sentencepiece"; }
  std::string identity() const override { return identity_; }

 private:
  std::string path_, identity_;
  void* handle_ = nullptr;
  int32_t eot_ = 0, pad_ = 1;
  int64_t size_ = 0;
};

}  // namespace

std::unique_ptr<Tokenizer> make_sentencepiece(const std::string& path) {
  return std::make_unique<SentencePieceTokenizer>(path);
}

void train_sentencepiece(const std::vector<std::string>& documents, const std::string& out_model_path,
                         const SentencePieceTrainOptions& o) {
  // One sentence per non-empty stripped line, fed from memory: no corpus file and no paths in the
  // model, so the same documents and seed give the same model bytes wherever the run folder is.
  std::vector<std::string> lines;
  for (const auto& d : documents)
    for (const auto& line : text::splitlines(d)) {
      std::string s = text::strip(line);
      if (!s.empty()) lines.push_back(std::move(s));
    }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& l : lines) { ptrs.push_back(l.data()); lens.push_back(l.size()); }
  // <eot> as the first user-defined symbol takes the first free id: pad=1 and unk=2 are placed first,
  // so <eot> = 0, like GPT-NeoX's <|endoftext|>.
  std::string args = "--model_type=" + o.model_type + " --vocab_size=" + std::to_string(o.vocab_size) +
                     " --input_sentence_size=" + std::to_string(o.max_sentences) +
                     " --shuffle_input_sentence=true --character_coverage=" + std::to_string(o.character_coverage) +
                     " --num_threads=" + std::to_string(o.num_threads) +
                     " --byte_fallback=true --split_digits=true --remove_extra_whitespaces=false"
                     " --unk_id=2 --bos_id=-1 --eos_id=-1 --pad_id=1 --user_defined_symbols=<eot>"
                     " --minloglevel=2 --hard_vocab_limit=false --train_extremely_large_corpus=false";
  const Plugin& p = plugin();
  char* model = nullptr;
  size_t model_len = 0;
  char* err = nullptr;
  int rc = p.train(args.c_str(), ptrs.data(), lens.data(), ptrs.size(), static_cast<unsigned int>(o.seed), &model,
                   &model_len, &err);
  p.check(rc, err, out_model_path);
  std::string bytes(model, model_len);
  p.free_buf(model);
  write_file_atomic(out_model_path, bytes);
}

}  // namespace dclm::tokenizer
