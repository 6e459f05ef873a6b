#include "curation/steps/fasttext_model.h"

#include <fasttext/densematrix.h>
#include <fasttext/fasttext.h>
#include <fasttext/loss.h>
#include <fasttext/model.h>
#include <fasttext/productquantizer.h>
#include <fasttext/quantmatrix.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace dclm::curation {

namespace {

// Reads Dictionary's protected pruning index without copying the library: a pointer to a protected
// member named through a derived class has type `T Dictionary::*` and applies to any Dictionary.
struct DictionaryAccess : fasttext::Dictionary {
  static constexpr auto pruneidx = &DictionaryAccess::pruneidx_;
  static constexpr auto pruneidx_size = &DictionaryAccess::pruneidx_size_;
};
struct FastTextAccess : fasttext::FastText {
  static constexpr auto model = &FastTextAccess::model_;
  static constexpr auto input = &FastTextAccess::input_;
};
struct ModelAccess : fasttext::Model {
  static constexpr auto loss = &ModelAccess::loss_;
};
struct QuantMatrixAccess : fasttext::QuantMatrix {
  static constexpr auto pq = &QuantMatrixAccess::pq_;
  static constexpr auto npq = &QuantMatrixAccess::npq_;
  static constexpr auto codes = &QuantMatrixAccess::codes_;
  static constexpr auto norm_codes = &QuantMatrixAccess::norm_codes_;
  static constexpr auto qnorm = &QuantMatrixAccess::qnorm_;
};
struct PqAccess : fasttext::ProductQuantizer {
  static constexpr auto centroids = &PqAccess::centroids_;
  static constexpr auto nsubq = &PqAccess::nsubq_;
  static constexpr auto dsub = &PqAccess::dsub_;
  static constexpr auto lastdsub = &PqAccess::lastdsub_;
  static constexpr auto ksub = &PqAccess::ksub_;
};

// fastText's Dictionary::hash: FNV-1a over the bytes taken as *signed* chars (kept for model compatibility).
inline uint32_t fnv_step(uint32_t h, char c) { return (h ^ static_cast<uint32_t>(static_cast<int8_t>(c))) * 16777619u; }
constexpr uint32_t kFnvInit = 2166136261u;

inline bool ft_separator(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}
inline bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
inline uint32_t mix(uint32_t k) { return k * 0x9E3779B1u; }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "cache keys are little-endian words of the token's bytes");
const std::string kEos = "</s>";
constexpr uint64_t kEosK0 = 0x3E732F3Cull;  // "</s>" as a zero-padded little-endian key word

// The token cache: 1 << 17 slots of 32 bytes (4 MiB) that start over when half full, i.e. after 64K
// distinct tokens. The pool samples (810 texts, 376K tokens of which 50K distinct) then make it
// through one pass without starting over: 86.6 % of tokens hit, the most any cache can (1 << 16 slots:
// 77.9 %).
constexpr uint32_t kCacheBits = 17;
constexpr uint32_t kCacheSlots = 1u << kCacheBits;
constexpr size_t kCacheMaxTokens = kCacheSlots / 2;
constexpr size_t kMaxCachedToken = 255;  // the length field's width; longer tokens are never cached
constexpr uint32_t kUsed = 1u << 31, kLabel = 1u << 30;
constexpr uint32_t kKeyMask = kUsed | (0x3Fu << 24) | (0xFFu << 16);  // used, tag, length
constexpr uint32_t kInlineIds = 4;
// The records of long tokens and of tokens with more than 4 ids: about 0.6 MB for 64K pool tokens;
// a cache whose records would pass 2 MiB starts over too (texts of long many-id tokens).
constexpr size_t kMaxPoolWords = size_t{1} << 19;

// The first min(len, 8) bytes at p as a zero-padded little-endian word; `avail` bytes are readable.
inline uint64_t load_key_word(const char* p, size_t avail, size_t len) {
  uint64_t w = 0;
  if (avail >= 8) {
    std::memcpy(&w, p, 8);
    if (len < 8) w &= (uint64_t{1} << (8 * len)) - 1;
  } else {
    std::memcpy(&w, p, std::min<size_t>(len, 8));
  }
  return w;
}
// A cached long token's bytes past the first 8 are kept in whole 8-byte words, zero-padded (the pool is
// 4-byte words: two per key word); compared a word at a time.
inline size_t tail_words(size_t len) { return len > 8 ? (len - 1) / 8 * 2 : 0; }
inline bool same_tail(const uint32_t* record, const char* p, size_t len, size_t avail) {
  for (size_t at = 8; at < len; at += 8, record += 2) {
    uint64_t w;
    std::memcpy(&w, record, 8);
    if (w != load_key_word(p + at, avail - at, len - at)) return false;
  }
  return true;
}

inline uint64_t mix64(uint64_t h) {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

// The position of the first readWord separator in p[i, n), or n.
inline size_t token_end(const char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9), four = _mm_set1_epi8(4), zero = _mm_setzero_si128();
  while (n - i >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i ctl = _mm_sub_epi8(v, nine);  // '\t' '\n' '\v' '\f' '\r' are 9..13
    const __m128i sep = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, zero)),
                                     _mm_cmpeq_epi8(_mm_min_epu8(ctl, four), ctl));
    const uint32_t m = static_cast<uint32_t>(_mm_movemask_epi8(sep));
    if (m) return i + static_cast<size_t>(__builtin_ctz(m));
    i += 16;
  }
#endif
  while (i < n && !ft_separator(p[i])) ++i;
  return i;
}

// __builtin_popcountll is a libgcc call on baseline x86-64 (no POPCNT instruction).
inline uint32_t popcount64(uint64_t x) {
#if defined(__POPCNT__)
  return static_cast<uint32_t>(__builtin_popcountll(x));
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<uint32_t>((x * 0x0101010101010101ull) >> 56);
#endif
}

}  // namespace

FastTextModel::~FastTextModel() = default;

std::shared_ptr<const FastTextModel> FastTextModel::load(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const FastTextModel>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::shared_ptr<FastTextModel> m(new FastTextModel());
  m->ft_ = std::make_unique<fasttext::FastText>();
  try {
    m->ft_->loadModel(path);
  } catch (const std::exception& e) {
    throw Error(std::string("cannot load fastText model: ") + e.what(), {path, -1, -1, "lang_id"});
  }
  m->build_tables();
  cache[path] = m;
  return m;
}

void FastTextModel::build_tables() {
  const fasttext::Args args = ft_->getArgs();
  const auto dict = ft_->getDictionary();
  nwords_ = dict->nwords();
  minn_ = args.minn;
  maxn_ = args.maxn;
  bucket_ = args.bucket;
  word_ngrams_ = args.wordNgrams;
  label_prefix_ = args.label;
  pruneidx_size_ = (*dict).*DictionaryAccess::pruneidx_size;
  bucket_magic_ = bucket_ > 0 ? ~uint64_t{0} / static_cast<uint32_t>(bucket_) + 1 : 0;

  const int32_t size = dict->nwords() + dict->nlabels();
  vocab_.reserve(static_cast<size_t>(size));
  for (int32_t i = 0; i < size; ++i) {
    VocabEntry e;
    e.word = dict->getWord(i);
    uint32_t h = kFnvInit;
    for (char c : e.word) h = fnv_step(h, c);
    e.hash = h;
    e.is_label = dict->getType(i) == fasttext::entry_type::label;
    e.sub_begin = e.sub_end = static_cast<uint32_t>(subwords_.size());
    if (!e.is_label) {
      const auto& sw = dict->getSubwords(i);
      subwords_.insert(subwords_.end(), sw.begin(), sw.end());
      e.sub_end = static_cast<uint32_t>(subwords_.size());
    }
    vocab_.push_back(std::move(e));
  }
  for (int32_t l = 0; l < dict->nlabels(); ++l) {
    std::string label = dict->getLabel(l);
    labels_.push_back(label.compare(0, 9, "__label__") == 0 ? label.substr(9) : label);
  }
  uint32_t cap = 16;
  while (cap < 2u * static_cast<uint32_t>(size) + 16) cap <<= 1;
  vocab_mask_ = cap - 1;
  vocab_slots_.assign(cap, VocabSlot{0, -1});
  for (int32_t i = 0; i < size; ++i) {
    uint32_t s = mix(vocab_[i].hash) & vocab_mask_;
    while (vocab_slots_[s].index != -1) s = (s + 1) & vocab_mask_;
    vocab_slots_[s] = VocabSlot{vocab_[i].hash, i};
  }

  const auto& prune = (*dict).*DictionaryAccess::pruneidx;
  std::vector<std::pair<int32_t, int32_t>> sorted(prune.begin(), prune.end());
  std::sort(sorted.begin(), sorted.end());
  const int64_t limit = sorted.empty() ? 0 : static_cast<int64_t>(sorted.back().first) + 1;
  prune_bits_.assign(static_cast<size_t>((limit + 63) / 64), 0);
  for (const auto& [k, v] : sorted) {
    if (k < 0) continue;  // pushHash never looks a negative id up
    prune_bits_[static_cast<size_t>(k) / 64] |= uint64_t{1} << (k % 64);
    prune_rows_.push_back(v);
  }
  prune_before_.reserve(prune_bits_.size());
  uint32_t before = 0;
  for (uint64_t w : prune_bits_) {
    prune_before_.push_back(before);
    before += popcount64(w);
  }

  const fasttext::FastText& ft = *ft_;
  input_ = (ft.*FastTextAccess::input).get();
  loss_ = ((*(ft.*FastTextAccess::model)).*ModelAccess::loss).get();
  dim_ = args.dim;
  nlabels_ = dict->nlabels();
  supervised_ = args.model == fasttext::model_name::sup;
  if (const auto* q = dynamic_cast<const fasttext::QuantMatrix*>(input_)) {
    const fasttext::ProductQuantizer& pq = *((*q).*QuantMatrixAccess::pq);
    quant_.on = true;
    quant_.codes = ((*q).*QuantMatrixAccess::codes).data();
    quant_.centroids = (pq.*PqAccess::centroids).data();
    quant_.nsubq = pq.*PqAccess::nsubq;
    quant_.dsub = pq.*PqAccess::dsub;
    quant_.lastdsub = pq.*PqAccess::lastdsub;
    quant_.ksub = pq.*PqAccess::ksub;
    quant_.qnorm = (*q).*QuantMatrixAccess::qnorm;
    quant_.norm_codes = ((*q).*QuantMatrixAccess::norm_codes).data();
    quant_.npq = ((*q).*QuantMatrixAccess::npq).get();
    // The row layout addcode assumes; anything else goes through the library.
    quant_.on = quant_.nsubq > 0 && quant_.dsub > 0 && (quant_.nsubq - 1) * quant_.dsub + quant_.lastdsub == dim_ &&
                (!quant_.qnorm || quant_.npq);
    const int64_t rows = q->size(0);
    if (quant_.on && rows > 0 && rows * dim_ <= (int64_t{2} << 20)) {
      dequantised_ = alloc_huge<float>(static_cast<size_t>(rows * dim_));
      for (int64_t i = 0; i < rows; ++i) add_quantised_row(static_cast<int32_t>(i), dequantised_.get() + i * dim_);
      rows_ = dequantised_.get();
    }
  } else if (const auto* d = dynamic_cast<const fasttext::DenseMatrix*>(input_)) {
    if (d->size(1) == dim_) rows_ = d->data();
  }
}

// x += row i of the quantised matrix: ProductQuantizer::addcode with alpha the row's norm (1 without
// qnorm): x[j] += alpha · centroid[j]. Always called on a zeroed x: 0 + alpha · centroid is the product
// rounded once, also where the compiler fuses the multiply-add (-march with FMA), so that adding it to
// the hidden layer afterwards is the library's mulss then addss.
inline void FastTextModel::add_quantised_row(int32_t id, float* hidden) const {
  const Quant& q = quant_;
  float alpha = 1.0f;
  if (q.qnorm) alpha = q.npq->get_centroids(0, q.norm_codes[id])[0];
  const uint8_t* code = q.codes + static_cast<int64_t>(q.nsubq) * id;
  for (int32_t m = 0; m < q.nsubq; ++m) {
    const bool last = m == q.nsubq - 1;
    const float* c = last ? q.centroids + static_cast<int64_t>(m) * q.ksub * q.dsub + code[m] * q.lastdsub
                          : q.centroids + (static_cast<int64_t>(m) * q.ksub + code[m]) * q.dsub;
    const int32_t d = last ? q.lastdsub : q.dsub;
    float* x = hidden + m * q.dsub;
    for (int32_t n = 0; n < d; ++n) x[n] += alpha * c[n];
  }
}

// Model::computeHidden: hidden = Σ rows (in input order), then × float(1.0 / n). A row added is
// DenseMatrix::addRowToVector's x[j] += row[j], or QuantMatrix::addRowToVector's x[j] += alpha ·
// centroid[j] (ProductQuantizer::addcode: mulss then addss), whose products rows_ holds when the matrix
// was dequantised: per element j the same float additions in the same order either way.
void FastTextModel::compute_hidden(const int32_t* input, size_t n_input, float* hidden) const {
  std::fill(hidden, hidden + dim_, 0.0f);
  const Quant& q = quant_;
  if (rows_ && dim_ == 16) {
    // Four 4-lane sums: lane-wise addition is the scalar loop's float addition, in the same order.
#if defined(__SSE2__)
    __m128 h0 = _mm_setzero_ps(), h1 = h0, h2 = h0, h3 = h0;
    for (size_t i = 0; i < n_input; ++i) {
      const float* r = rows_ + static_cast<int64_t>(16) * input[i];
      h0 = _mm_add_ps(h0, _mm_loadu_ps(r));
      h1 = _mm_add_ps(h1, _mm_loadu_ps(r + 4));
      h2 = _mm_add_ps(h2, _mm_loadu_ps(r + 8));
      h3 = _mm_add_ps(h3, _mm_loadu_ps(r + 12));
    }
    _mm_storeu_ps(hidden, h0);
    _mm_storeu_ps(hidden + 4, h1);
    _mm_storeu_ps(hidden + 8, h2);
    _mm_storeu_ps(hidden + 12, h3);
#else
    for (size_t i = 0; i < n_input; ++i) {
      const float* r = rows_ + static_cast<int64_t>(16) * input[i];
      for (int j = 0; j < 16; ++j) hidden[j] += r[j];
    }
#endif
  } else if (rows_) {
    for (size_t i = 0; i < n_input; ++i) {
      const float* r = rows_ + static_cast<int64_t>(dim_) * input[i];
      for (int32_t j = 0; j < dim_; ++j) hidden[j] += r[j];
    }
  } else if (!q.on) {
    thread_local std::unique_ptr<fasttext::Vector> v;
    if (!v || v->size() != dim_) v = std::make_unique<fasttext::Vector>(dim_);
    v->zero();
    for (size_t i = 0; i < n_input; ++i) input_->addRowToVector(*v, input[i]);
    std::copy(v->data(), v->data() + dim_, hidden);
  } else {
    // A large quantised matrix: each row through a zeroed buffer, as the dequantised table is made.
    std::vector<float> row(static_cast<size_t>(dim_));
    for (size_t i = 0; i < n_input; ++i) {
      std::fill(row.begin(), row.end(), 0.0f);
      add_quantised_row(input[i], row.data());
      for (int32_t j = 0; j < dim_; ++j) hidden[j] += row[j];
    }
  }
  const float a = static_cast<float>(1.0 / static_cast<double>(n_input));
  for (int32_t i = 0; i < dim_; ++i) hidden[i] *= a;
}

// Dictionary::getId(token, h): the word's index, or -1. Labels are vocabulary entries too.
int32_t FastTextModel::word_id(std::string_view token, uint32_t h) const {
  for (uint32_t s = mix(h) & vocab_mask_;; s = (s + 1) & vocab_mask_) {
    const VocabSlot& slot = vocab_slots_[s];
    if (slot.index < 0) return -1;
    if (slot.hash == h && vocab_[static_cast<size_t>(slot.index)].word == token) return slot.index;
  }
}

// Dictionary::pushHash.
inline void FastTextModel::push_hash(Scratch::Ids& out, int32_t id) const {
  if (pruneidx_size_ == 0 || id < 0) return;
  if (pruneidx_size_ > 0) {
    const size_t w = static_cast<size_t>(id) / 64;
    if (w >= prune_bits_.size()) return;
    const uint64_t bits = prune_bits_[w];
    if (!((bits >> (id % 64)) & 1)) return;
    id = prune_rows_[prune_before_[w] + popcount64(bits & ((uint64_t{1} << (id % 64)) - 1))];
  }
  out.push(nwords_ + id);
}

// Dictionary::computeSubwords(BOW + token + EOW) → pushHash: every n-gram of minn..maxn code points
// (UTF-8 lead bytes start one), except the single-character n-grams "<" and ">"; the hash of an n-gram
// is extended one character at a time instead of being recomputed from a fresh string. In three passes,
// so that the pruning index's loads do not wait on each other behind mispredicted branches: the bucket
// ids, then which of them the index keeps (compacted in order, without branches), then their rows.
void FastTextModel::add_subwords(std::string_view token, Scratch& s) const {
  if (pruneidx_size_ == 0) return;
  std::string& word = s.word;
  word.assign(1, '<');
  word.append(token);
  word.push_back('>');
  const char* at = word.data();
  const size_t len = word.size();
  const size_t bound = len * static_cast<size_t>(std::max(maxn_, 1));  // ≥ the number of n-grams
  if (s.grams.size() < bound) s.grams.resize(bound);
  uint32_t* g = s.grams.data();
  const uint64_t* bits = prune_bits_.data();
  const size_t last_bits = prune_bits_.empty() ? 0 : prune_bits_.size() - 1;
  size_t k = 0;
  for (size_t i = 0; i < len; ++i) {
    if (continuation(at[i])) continue;
    uint32_t h = kFnvInit;
    for (size_t j = i, n = 1; j < len && n <= static_cast<size_t>(maxn_); ++n) {
      h = fnv_step(h, at[j++]);
      while (j < len && continuation(at[j])) h = fnv_step(h, at[j++]);
      if (n >= static_cast<size_t>(minn_) && !(n == 1 && (i == 0 || j == len))) {
        g[k] = bucket_mod(h);
        __builtin_prefetch(bits + std::min<size_t>(g[k] / 64, last_bits));  // for the second pass
        ++k;
      }
    }
  }
  // bucket_mod(h) < bucket_ ≤ INT32_MAX, so pushHash's id < 0 test never fires here.
  if (pruneidx_size_ < 0) {
    int32_t* out = s.words.grow(k);
    for (size_t t = 0; t < k; ++t) out[t] = nwords_ + static_cast<int32_t>(g[t]);
    return;
  }
  const size_t n_bits = prune_bits_.size();
  size_t kept = 0;
  for (size_t t = 0; t < k; ++t) {
    const uint32_t id = g[t];
    const size_t w = id / 64;
    const uint64_t bit = w < n_bits ? (bits[w] >> (id % 64)) & 1 : 0;
    g[kept] = id;  // kept ≤ t: g[t] has been read
    kept += bit;
  }
  int32_t* out = s.words.grow(kept);
  for (size_t t = 0; t < kept; ++t) {
    const uint32_t id = g[t], w = id / 64;
    out[t] = nwords_ + prune_rows_[prune_before_[w] + popcount64(bits[w] & ((uint64_t{1} << (id % 64)) - 1))];
  }
}

FastTextModel::Scratch::Scratch() = default;  // the cache is allocated on first use

// Rounded up to whole huge pages, which the caller's `bytes` then says (HugeFree unmaps as many).
void* FastTextModel::alloc_huge_bytes(size_t& bytes) {
#if defined(__linux__)
  constexpr size_t kHuge = size_t{1} << 21;
  bytes = (std::max<size_t>(bytes, 1) + kHuge - 1) / kHuge * kHuge;
  void* raw = ::mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  char* const begin = static_cast<char*>(raw);
  char* const at = begin + (kHuge - reinterpret_cast<uintptr_t>(begin) % kHuge) % kHuge;
  if (at > begin) ::munmap(begin, static_cast<size_t>(at - begin));
  ::munmap(at + bytes, static_cast<size_t>(begin + kHuge - at));
#if defined(MADV_HUGEPAGE)
  ::madvise(at, bytes, MADV_HUGEPAGE);  // advice only: the memory works the same without
#endif
  return at;  // anonymous memory is zero
#else
  void* p = std::calloc(bytes, 1);
  if (!p) throw std::bad_alloc();
  return p;
#endif
}

void FastTextModel::HugeFree::operator()(void* p) const {
#if defined(__linux__)
  ::munmap(p, bytes);
#else
  std::free(p);
#endif
}

// A token the cache does not hold: getLine's body for one token. The result is cached in `slot` unless
// key_meta is 0 (too long to cache) or the cache is full, which starts it over instead (bounded memory,
// no eviction bookkeeping).
void FastTextModel::token_miss(Scratch& s, std::string_view t, uint32_t slot, uint64_t k0, uint32_t key_meta) const {
  Scratch::Ids& words = s.words;
  uint32_t h = kFnvInit;
  for (char c : t) h = fnv_step(h, c);
  const size_t before = words.n;
  const int32_t wid = word_id(t, h);
  const bool is_label = wid < 0 ? t.compare(0, label_prefix_.size(), label_prefix_) == 0 && t.size() >= label_prefix_.size()
                                : vocab_[static_cast<size_t>(wid)].is_label;
  if (!is_label) {  // labels of the input line are not used for prediction
    if (wid < 0) {
      if (t != kEos) add_subwords(t, s);
    } else if (maxn_ <= 0) {
      words.push(wid);
    } else {
      const VocabEntry& e = vocab_[static_cast<size_t>(wid)];
      const size_t n = e.sub_end - e.sub_begin;
      std::memcpy(words.grow(n), subwords_.data() + e.sub_begin, n * sizeof(int32_t));
    }
    if (word_ngrams_ > 1) s.hashes.push_back(static_cast<int32_t>(h));
  }
  const size_t n_ids = words.n - before;
  if (key_meta == 0 || n_ids > 0xFFFF) return;
  const bool inline_ids = t.size() <= 8 && n_ids <= kInlineIds;
  const size_t tail = tail_words(t.size()), record = inline_ids ? 0 : tail + n_ids;
  if (s.used >= kCacheMaxTokens || s.pool.size() + record > kMaxPoolWords) {
    std::memset(static_cast<void*>(s.slots.get()), 0, kCacheSlots * sizeof(Scratch::Slot));
    s.pool.clear();
    s.used = 0;
    return;
  }
  const int32_t* ids = words.buf.data() + before;
  Scratch::Slot& sl = s.slots[slot];
  sl.k0 = k0;
  sl.meta = key_meta | (is_label ? kLabel : 0) | static_cast<uint32_t>(n_ids);
  sl.fnv = h;
  if (inline_ids) {
    std::memcpy(sl.ids, ids, n_ids * sizeof(int32_t));
  } else {
    const size_t at = s.pool.size();
    if (s.pool.capacity() < at + record)  // grows as usual, but never past the bound
      s.pool.reserve(std::min(std::max(2 * s.pool.capacity(), at + record), kMaxPoolWords));
    sl.ids[0] = static_cast<uint32_t>(at);
    s.pool.resize(at + record, 0);
    if (tail) std::memcpy(s.pool.data() + at, t.data() + 8, t.size() - 8);
    std::memcpy(s.pool.data() + at + tail, ids, n_ids * sizeof(int32_t));
  }
  ++s.used;
}

// Dictionary::getLine on `text` + "\n": tokens split at readWord's separators, up to and including the
// EOS token that the first '\n' produces; a literal "</s>" in the text is the EOS token too and ends the
// line as well. The tokens go in batches: the first pass over a batch finds them and prefetches their
// cache slots (the 4 MiB table misses L2 for all but the most frequent tokens), so that the second pass,
// which reads the slots in order, does not wait for them one at a time.
void FastTextModel::ids_of(std::string_view text, Scratch& s) const {
  if (s.owner != this) {  // a new scratch, or its cached ids belong to another model
    if (!s.slots)
      s.slots = alloc_huge<Scratch::Slot>(kCacheSlots);
    else
      std::memset(static_cast<void*>(s.slots.get()), 0, kCacheSlots * sizeof(Scratch::Slot));
    s.pool.clear();
    s.used = 0;
    s.state.reset();
    s.owner = this;
  }
  Scratch::Ids& words = s.words;
  std::vector<int32_t>& word_hashes = s.hashes;
  words.n = 0;
  word_hashes.clear();
  Scratch::Slot* const slots = s.slots.get();
  const char* const p = text.data();
  const char* const end = p + text.size();
  const size_t n = text.size();
  struct Token {
    const char* p;
    uint32_t len, slot, key_meta;
    uint64_t k0;
  };
  constexpr size_t kBatch = 32;
  Token batch[kBatch];
  // Finds the token p[0, len) (`avail` bytes readable from p) a slot to start probing at.
  auto locate = [&](Token& tok, const char* p, size_t len, size_t avail) {
    const uint64_t k0 = load_key_word(p, avail, len);
    uint64_t hh = k0;
    uint32_t key_meta = kUsed | static_cast<uint32_t>(len) << 16;
    if (len > 8) {
      hh ^= len;
      for (size_t at = 8; at < len; at += 8)
        hh = ((hh << 23) | (hh >> 41)) * 0x9E3779B97F4A7C15ull ^ load_key_word(p + at, avail - at, len - at);
    }
    hh = mix64(hh * 0x9E3779B97F4A7C15ull);
    if (len > 8) key_meta |= static_cast<uint32_t>(hh >> 8) & (0x3Fu << 24);
    if (len > kMaxCachedToken) key_meta = 0;
    tok = Token{p, static_cast<uint32_t>(len), static_cast<uint32_t>(hh >> (64 - kCacheBits)), key_meta, k0};
    __builtin_prefetch(slots + tok.slot);
  };
  auto process = [&](const Token& tok) {
    const size_t len = tok.len;
    ++s.lookups_;
    for (uint32_t i = tok.slot;; i = (i + 1) & (kCacheSlots - 1)) {
      const Scratch::Slot& sl = slots[i];
      if ((sl.meta & kKeyMask) == tok.key_meta && sl.k0 == tok.k0 && tok.key_meta &&
          (len <= 8 || same_tail(s.pool.data() + sl.ids[0], tok.p, len, static_cast<size_t>(end - tok.p)))) {
        ++s.hits_;
        if (sl.meta & kLabel) return;
        const uint32_t n_ids = sl.meta & 0xFFFF;
        int32_t* out = words.grow(n_ids);
        if (len <= 8 && n_ids <= kInlineIds)
          std::memcpy(out, sl.ids, sizeof sl.ids);  // a fixed-size copy; grow() leaves room past n
        else
          std::memcpy(out, s.pool.data() + sl.ids[0] + tail_words(len), n_ids * sizeof(int32_t));
        if (word_ngrams_ > 1) word_hashes.push_back(static_cast<int32_t>(sl.fnv));
        return;
      }
      if (sl.meta == 0) return token_miss(s, std::string_view(tok.p, len), i, tok.k0, tok.key_meta);
    }
  };
  bool ended = false, done = false;
  for (size_t i = 0; !done;) {
    size_t nb = 0;
    while (nb < kBatch) {
      while (i < n && ft_separator(p[i]))
        if (p[i++] == '\n') { done = true; break; }
      if (done || i >= n) { done = true; break; }
      const size_t j = token_end(p, i + 1, n);
      locate(batch[nb], p + i, j - i, n - i);
      if (batch[nb++].k0 == kEosK0) { ended = done = true; break; }  // a longer token's k0 has no zero byte
      i = j;
    }
    for (size_t b = 0; b < nb; ++b) process(batch[b]);
  }
  if (!ended) {
    locate(batch[0], kEos.data(), kEos.size(), kEos.size());
    process(batch[0]);
  }
  // Dictionary::addWordNgrams (the hashes are int32, sign-extended into the 64-bit running hash).
  for (size_t a = 0; a < word_hashes.size(); ++a) {
    uint64_t h = static_cast<uint64_t>(static_cast<int64_t>(word_hashes[a]));
    for (size_t b = a + 1; b < word_hashes.size() && static_cast<int64_t>(b) < static_cast<int64_t>(a) + word_ngrams_; ++b) {
      h = h * 116049371 + static_cast<uint64_t>(static_cast<int64_t>(word_hashes[b]));
      push_hash(words, static_cast<int32_t>(h % static_cast<uint64_t>(static_cast<int64_t>(bucket_))));
    }
  }
}

std::vector<int32_t> FastTextModel::input_ids(std::string_view text, Scratch* scratch) const {
  thread_local Scratch local;
  Scratch& s = scratch ? *scratch : local;
  ids_of(text, s);
  return std::vector<int32_t>(s.words.buf.begin(), s.words.buf.begin() + static_cast<std::ptrdiff_t>(s.words.n));
}

std::vector<int32_t> FastTextModel::input_ids_reference(const std::string& text) const {
  std::istringstream in(text + "\n");
  std::vector<int32_t> words, labels;
  ft_->getDictionary()->getLine(in, words, labels);
  return words;
}

std::pair<std::string, double> FastTextModel::predict(std::string_view text, Scratch* scratch) const {
  thread_local Scratch local;  // callers without a scratch of their own share this thread's
  if (!scratch) scratch = &local;
  ids_of(text, *scratch);
  fasttext::Predictions& preds = scratch->preds;
  preds.clear();
  // FastText::predict → Model::predict(k = 1) with the hidden layer computed here.
  if (scratch->words.n == 0) return {"", 0.0};
  if (!supervised_) throw Error("fastText model is not supervised: cannot predict");
  if (!scratch->state || scratch->owner != this)
    scratch->state = std::make_shared<fasttext::Model::State>(dim_, nlabels_, 0);
  auto& state = *static_cast<fasttext::Model::State*>(scratch->state.get());
  compute_hidden(scratch->words.buf.data(), scratch->words.n, state.hidden.data());
  preds.reserve(2);
  loss_->predict(1, 0.0, preds, state);
  if (preds.empty()) return {"", 0.0};
  // predictLine reports std::exp of the log-probability, in fastText's float.
  const fasttext::real p = std::exp(preds[0].first);
  return {labels_[static_cast<size_t>(preds[0].second)], static_cast<double>(p)};
}

std::pair<std::string, double> FastTextModel::predict_reference(const std::string& text) const {
  std::istringstream in(text + "\n");
  std::vector<std::pair<fasttext::real, std::string>> preds;
  ft_->predictLine(in, preds, 1, 0.0);
  if (preds.empty()) return {"", 0.0};
  std::string label = preds[0].second;
  const std::string prefix = "__label__";
  if (label.compare(0, prefix.size(), prefix) == 0) label = label.substr(prefix.size());
  return {label, static_cast<double>(preds[0].first)};
}

}  // namespace dclm::curation
