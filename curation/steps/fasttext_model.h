// A loaded fastText model shared by detect_lang_whole_page_enricher (§9) and
// classify_fasttext_hq_prob_enricher (§10): predictions as the Python binding makes them.
//
// predict() does not go through FastText::predictLine: the binding's path tokenises through an
// std::istringstream, looks every character n-gram up in the dictionary's std::unordered_map pruning
// index and allocates a string per token, which made LID the most expensive step of the chain. Here:
// - The text is tokenised in place with fastText's exact rules (Dictionary::getLine / readWord /
//   computeSubwords / pushHash / addWordNgrams), separators found 16 bytes at a time.
// - A caller that predicts many texts passes a Scratch (one per worker) whose cache maps a token to its
//   input ids, which natural text repeats a lot (on the pool samples, 87 % of tokens on a first pass).
//   Tokens go in batches of 32: the first pass over a batch hashes each token's first 8 bytes and
//   prefetches its cache slot, the second reads the slots, so that their cache misses overlap.
// - A token the cache lacks gets fastText's FNV hash, a flat open-addressing vocabulary, n-gram hashes
//   extended one character at a time, and the pruning index as a rank bitmap, all built at load.
// - The hidden layer is Model::computeHidden: the rows of the ids summed in input order with the same
//   float operations, from the rows as floats (a dense matrix's own, or a small quantised matrix's
//   dequantised once at load: each element the float product alpha · centroid that ProductQuantizer::
//   addcode would add), 4 lanes at a time; the library's own Loss::predict scores it.
// Predictions are the library's to the bit; predict_reference() is the plain predictLine path, kept for
// the equivalence tests (tests/curation/test_fast_paths.cpp).
// Memory: a Scratch holds at most 4 MiB of cache slots, 2 MiB of cache records and the line's buffers;
// the lid.176 model its 3.2 MB of dequantised rows besides the library's own tables.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fasttext { class FastText; class Matrix; class Loss; class ProductQuantizer; }

namespace dclm::curation {

class FastTextModel {
  // Memory read at random (the token cache, the dequantised rows) in a mapping of its own, zeroed, on
  // transparent huge pages where Linux allows: on 4 KiB pages nearly every such read also misses the TLB.
  struct HugeFree {
    size_t bytes;  // no initialiser: one would keep the enclosing class's unique_ptrs from defaulting
    void operator()(void* p) const;
  };
  template <class T>
  using HugeArray = std::unique_ptr<T[], HugeFree>;
  template <class T>
  static HugeArray<T> alloc_huge(size_t n) {
    size_t bytes = n * sizeof(T);
    return HugeArray<T>(static_cast<T*>(alloc_huge_bytes(bytes)), HugeFree{bytes});
  }
  static void* alloc_huge_bytes(size_t& bytes);

 public:
  // Per-worker buffers and a bounded cache token → input ids (vocabulary words, their subwords, or the
  // character n-grams of an unknown token; labels are remembered as such). Starts over when full.
  class Scratch {
   public:
    Scratch();
    // Tokens looked up in the cache, and those found there, since the scratch was made (benchmarks).
    uint64_t cache_lookups() const { return lookups_; }
    uint64_t cache_hits() const { return hits_; }
   private:
    friend class FastTextModel;
    // Open addressing, two slots per cache line. A token of up to 8 bytes is its key word `k0` (its
    // bytes, zero-padded: tokens never contain a NUL, so k0 and the length identify it) and, in the
    // common case of at most 4 ids, the slot is all that a hit reads. Longer tokens and more ids live in
    // a record in `pool`: the key's bytes past the first 8, zero-padded to whole 8-byte words, then the
    // ids.
    struct Slot {
      uint64_t k0;
      uint32_t meta;    // 0: empty; else kUsed | label | tag (long keys) | length << 16 | number of ids
      uint32_t fnv;     // fastText's hash of the token, for word n-grams
      uint32_t ids[4];  // the ids, or ids[0] = the record's offset in pool
    };
    // The line's input ids: a vector used as a buffer (`n` ids), so that appending a cached token's ids
    // is a copy without std::vector's per-call bookkeeping. grow() keeps 4 ids of room past the end:
    // an inline hit copies its 4 slots whatever their number.
    struct Ids {
      std::vector<int32_t> buf;
      size_t n = 0;
      int32_t* grow(size_t k) {
        if (n + k + 4 > buf.size()) buf.resize(std::max(2 * buf.size(), n + k + 1024));
        int32_t* at = buf.data() + n;
        n += k;
        return at;
      }
      void push(int32_t id) { *grow(1) = id; }
    };
    HugeArray<Slot> slots;  // kCacheSlots
    std::vector<uint32_t> pool;
    size_t used = 0;
    uint64_t lookups_ = 0, hits_ = 0;
    const FastTextModel* owner = nullptr;  // the cache holds this model's ids
    Ids words;
    std::vector<int32_t> hashes;
    std::vector<uint32_t> grams;  // add_subwords' work buffers
    std::string word;
    std::vector<std::pair<float, int32_t>> preds;
    std::shared_ptr<void> state;  // fasttext::Model::State
  };
  // Loaded once per path and shared (prediction is const and thread-safe).
  static std::shared_ptr<const FastTextModel> load(const std::string& path);
  // Top-1 (label without "__label__", probability) of `text` + "\n" as the Python binding predicts;
  // the caller removes newlines first. Empty label when fastText returns nothing.
  // Without a scratch, the calling thread's own is used.
  std::pair<std::string, double> predict(std::string_view text, Scratch* scratch = nullptr) const;
  // The same through FastText::predictLine on an std::istringstream (slow; for tests).
  std::pair<std::string, double> predict_reference(const std::string& text) const;
  // The input ids (word, character n-gram and word n-gram rows) fastText's getLine makes of
  // `text` + "\n"; for tests.
  std::vector<int32_t> input_ids(std::string_view text, Scratch* scratch = nullptr) const;
  std::vector<int32_t> input_ids_reference(const std::string& text) const;
  ~FastTextModel();

 private:
  FastTextModel() = default;
  void build_tables();
  void ids_of(std::string_view text, Scratch& s) const;
  void token_miss(Scratch& s, std::string_view token, uint32_t slot, uint64_t k0, uint32_t key_meta) const;
  void push_hash(Scratch::Ids& out, int32_t id) const;
  void add_subwords(std::string_view token, Scratch& s) const;
  int32_t word_id(std::string_view token, uint32_t h) const;

  std::unique_ptr<fasttext::FastText> ft_;
  // Model constants (fasttext::Args / Dictionary).
  int32_t nwords_ = 0, minn_ = 0, maxn_ = 0, bucket_ = 0, word_ngrams_ = 1;
  int64_t pruneidx_size_ = -1;
  // h % bucket_ for 32-bit h without a division (Lemire's fastmod: exact for every 32-bit h).
  uint64_t bucket_magic_ = 0;
  uint32_t bucket_mod(uint32_t h) const {
    return static_cast<uint32_t>((static_cast<__uint128_t>(bucket_magic_ * h) * static_cast<uint32_t>(bucket_)) >> 64);
  }
  std::string label_prefix_;
  // Vocabulary: open addressing on fastText's FNV hash; slot index = index into vocab_ or -1.
  struct VocabEntry {
    std::string word;
    uint32_t hash;
    bool is_label;
    uint32_t sub_begin, sub_end;  // the word's precomputed subword ids in subwords_
  };
  std::vector<VocabEntry> vocab_;
  struct VocabSlot {
    uint32_t hash;  // here too, so that a mismatch is rejected without reading vocab_
    int32_t index;
  };
  std::vector<VocabSlot> vocab_slots_;
  uint32_t vocab_mask_ = 0;
  std::vector<int32_t> subwords_;
  // Pruning index (bucket id → row) as a rank map: one bit per bucket id, the number of set bits before
  // every 64 ids, and the rows in key order. For lid.176 (43K kept n-grams of 2M buckets) the bits are
  // 250 KB, which every character n-gram of a new token looks up, and the rest 300 KB, which only the
  // kept ones read; the library's std::unordered_map is far larger and slower.
  std::vector<uint64_t> prune_bits_;
  std::vector<uint32_t> prune_before_;
  std::vector<int32_t> prune_rows_;
  std::vector<std::string> labels_;  // label names without "__label__"
  // Model::predict's parts: the input matrix, read directly (the library makes a virtual call per row
  // and, quantised, two out-of-line calls per sub-quantiser), and the loss.
  const fasttext::Matrix* input_ = nullptr;
  const fasttext::Loss* loss_ = nullptr;
  int32_t dim_ = 0, nlabels_ = 0;
  bool supervised_ = false;
  struct Quant {
    bool on = false;
    const uint8_t* codes = nullptr;
    const float* centroids = nullptr;
    int32_t nsubq = 0, dsub = 0, lastdsub = 0, ksub = 0;
    bool qnorm = false;
    const uint8_t* norm_codes = nullptr;
    const fasttext::ProductQuantizer* npq = nullptr;
  } quant_;
  // The input matrix as dim_ floats per row, where that is cheap: a dense matrix's own data, or for a
  // quantised one of at most 8 MiB as floats (lid.176.ftz: 50K rows × 16 → 3.2 MB) the rows
  // dequantised once at load, each element the float product alpha · centroid that addcode would add
  // (so that hidden += row is the library's hidden += alpha · centroid). Larger quantised matrices are
  // read through their codes per prediction.
  const float* rows_ = nullptr;
  HugeArray<float> dequantised_;
  void compute_hidden(const int32_t* input, size_t n, float* hidden) const;
  void add_quantised_row(int32_t id, float* x) const;
};

}  // namespace dclm::curation
