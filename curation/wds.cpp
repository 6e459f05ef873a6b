#include "curation/wds.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/jsonl.h"
#include "curation/shard.h"

namespace dclm::curation {

std::string format_uuid4(uint64_t hi, uint64_t lo) {
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                    // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);        // variant 10xx
  char b[40];
  std::snprintf(b, sizeof b, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xFFFF), static_cast<unsigned long long>(hi & 0xFFFF),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return b;
}

namespace {

// libarchive writer into an AtomicWriter (temp + rename).
la_ssize_t write_cb(struct archive*, void* client, const void* buf, size_t n) {
  try {
    static_cast<AtomicWriter*>(client)->write(std::string_view(static_cast<const char*>(buf), n));
    return static_cast<la_ssize_t>(n);
  } catch (...) {
    return -1;
  }
}

struct ArchiveWrite {
  struct archive* a = archive_write_new();
  ~ArchiveWrite() { if (a) archive_write_free(a); }
};
struct ArchiveRead {
  struct archive* a = archive_read_new();
  ~ArchiveRead() { if (a) archive_read_free(a); }
};
struct Entry {
  struct archive_entry* e = archive_entry_new();
  ~Entry() { archive_entry_free(e); }
};

std::string la_error(struct archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

}  // namespace

WdsResult export_wds(const std::string& dataset_dir, const std::string& out_dir, uint64_t seed) {
  TokenDataset ds(dataset_dir, /*verify_checksums=*/true);
  json meta = read_json_file(dataset_dir + "/dataset.json");
  make_dirs(out_dir);
  WdsResult res;
  std::string manifest;
  std::vector<int64_t> seq(ds.seq_len());
  int64_t global = 0;
  for (const auto& s : meta.at("shards")) {
    const std::string name = s.at("shard").get<std::string>();
    const int64_t n = s.at("num_sequences").get<int64_t>();
    const std::string path = out_dir + "/" + name + ".tar";
    AtomicWriter out(path);
    ArchiveWrite w;
    if (archive_write_set_format_ustar(w.a) != ARCHIVE_OK ||
        archive_write_open2(w.a, &out, nullptr, write_cb, nullptr, nullptr) != ARCHIVE_OK)
      throw Error("cannot start tar: " + la_error(w.a), {path});
    std::mt19937_64 rng(derive_seed(seed, hash64("wds-uuid"), static_cast<uint64_t>(res.shards)));
    std::string text;
    for (int64_t i = 0; i < n; ++i, ++global) {
      ds.get(global, seq.data());
      text.assign("[");
      for (int64_t k = 0; k < ds.seq_len(); ++k) {
        if (k) text += ',';
        text += std::to_string(seq[k]);
      }
      text += ']';
      const std::string gz = gzip_compress(text);
      const uint64_t hi = rng(), lo = rng();
      const std::string member = format_uuid4(hi, lo) + ".json.gz";
      Entry e;
      archive_entry_set_pathname(e.e, member.c_str());
      archive_entry_set_size(e.e, static_cast<la_int64_t>(gz.size()));
      archive_entry_set_filetype(e.e, AE_IFREG);
      archive_entry_set_perm(e.e, 0644);
      archive_entry_set_mtime(e.e, 0, 0);
      archive_entry_set_uid(e.e, 0);
      archive_entry_set_gid(e.e, 0);
      if (archive_write_header(w.a, e.e) != ARCHIVE_OK ||
          archive_write_data(w.a, gz.data(), gz.size()) != static_cast<la_ssize_t>(gz.size()))
        throw Error("cannot write tar member " + member + ": " + la_error(w.a), {path});
    }
    if (archive_write_close(w.a) != ARCHIVE_OK) throw Error("cannot finish tar: " + la_error(w.a), {path});
    out.commit();
    manifest += "{\"shard\": \"" + name + "\", \"num_sequences\": " + std::to_string(n) + "}\n";
    ++res.shards;
    res.sequences += n;
  }
  write_file_atomic(out_dir + "/manifest.jsonl", manifest);
  return res;
}

namespace {

// Parses one member: a JSON array of exactly seq_len integers in [0, vocab). Appends to ids.
void parse_member(const std::string& text, int64_t seq_len, int64_t vocab, std::vector<int32_t>& ids,
                  const std::string& tar, const std::string& member) {
  auto bad = [&](const std::string& why) {
    return Error("member '" + member + "': " + why + " (expected a JSON array of " + std::to_string(seq_len) +
                     " token ids)", {tar});
  };
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw bad(std::string("not JSON: ") + e.what());
  }
  if (!j.is_array()) throw bad("not a JSON array");
  if (static_cast<int64_t>(j.size()) != seq_len) throw bad("array has " + std::to_string(j.size()) + " elements");
  for (const auto& v : j) {
    if (!v.is_number_integer()) throw bad("element " + v.dump() + " is not an integer");
    int64_t x = v.get<int64_t>();
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) x = -1;
    if (x < 0 || x >= vocab)
      throw bad("id " + v.dump() + " outside the vocabulary [0, " + std::to_string(vocab) + ")");
    ids.push_back(static_cast<int32_t>(x));
  }
}

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

}  // namespace

WdsResult import_wds(const std::string& wds_dir, const std::string& out_dir, int64_t seq_len, int64_t vocab) {
  if (seq_len <= 0 || vocab <= 0) throw Error("import-wds: bad seq_len/vocab_size");
  std::vector<std::pair<std::string, int64_t>> tars;  // (shard name, expected count or -1)
  const std::string mpath = wds_dir + "/manifest.jsonl";
  if (file_exists(mpath)) {
    JsonlReader r(mpath, /*strict=*/true);
    json j;
    while (r.next(j)) {
      try {
        tars.push_back({j.at("shard").get<std::string>(), j.at("num_sequences").get<int64_t>()});
      } catch (const json::exception& e) {
        throw Error(std::string("manifest line needs shard and num_sequences: ") + e.what(), {mpath, r.line_number()});
      }
    }
  } else {
    std::error_code ec;
    for (const auto& de : std::filesystem::directory_iterator(wds_dir, ec))
      if (de.is_regular_file() && de.path().extension() == ".tar") tars.push_back({de.path().stem().string(), -1});
    if (ec) throw Error("cannot list folder: " + ec.message(), {wds_dir});
    std::sort(tars.begin(), tars.end());
  }
  if (tars.empty()) throw Error("no DCLM tar shards here (neither manifest.jsonl entries nor *.tar files)", {wds_dir});
  make_dirs(out_dir);
  WdsResult res;
  std::vector<ShardEntry> entries;
  std::vector<int32_t> ids;
  for (const auto& [stem, expect] : tars) {
    const std::string tar = wds_dir + "/" + stem + ".tar";
    if (!file_exists(tar)) throw Error("tar shard listed in manifest.jsonl is missing", {tar});
    ArchiveRead rd;
    archive_read_support_format_tar(rd.a);
    archive_read_support_filter_all(rd.a);
    if (archive_read_open_filename(rd.a, tar.c_str(), 1 << 16) != ARCHIVE_OK)
      throw Error("cannot open tar: " + la_error(rd.a), {tar});
    ids.clear();
    int64_t n = 0;
    struct archive_entry* e;
    std::string data;
    for (;;) {
      int rc = archive_read_next_header(rd.a, &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) throw Error("corrupt tar: " + la_error(rd.a), {tar});
      const char* pn = archive_entry_pathname(e);
      const std::string member = pn ? pn : "";
      if (archive_entry_filetype(e) == AE_IFDIR) continue;
      if (archive_entry_filetype(e) != AE_IFREG) throw Error("member '" + member + "' is not a regular file", {tar});
      if (!ends_with(member, ".json.gz")) throw Error("member '" + member + "' is not a .json.gz sequence", {tar});
      data.clear();
      char buf[1 << 16];
      for (;;) {
        la_ssize_t got = archive_read_data(rd.a, buf, sizeof buf);
        if (got < 0) throw Error("member '" + member + "': cannot read: " + la_error(rd.a), {tar});
        if (got == 0) break;
        data.append(buf, static_cast<size_t>(got));
      }
      std::string text;
      try {
        text = gzip_decompress(data, member);
      } catch (const Error& err) {
        throw Error("member '" + member + "': not valid gzip: " + err.message(), {tar});
      }
      parse_member(text, seq_len, vocab, ids, tar, member);
      ++n;
    }
    if (expect >= 0 && n != expect)
      throw Error("tar holds " + std::to_string(n) + " sequences, manifest.jsonl says " + std::to_string(expect), {tar});
    const std::string name = shard_name(res.shards);
    const std::string path = out_dir + "/" + name + ".bin";
    write_shard(path, ids, seq_len, vocab);
    entries.push_back({name, n, sha256_file(path)});
    ++res.shards;
    res.sequences += n;
  }
  write_dataset_manifest(out_dir, entries, seq_len, vocab);
  return res;
}

}  // namespace dclm::curation
