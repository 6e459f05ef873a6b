#include <gtest/gtest.h>

#include "common/error.h"
#include "common/hash.h"
#include "common/io.h"
#include "common/manifest.h"
#include "test_util.h"

using namespace dclm;
using dclm::testing::TempDir;

TEST(Hash, Sha256KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Manifest, WriteReadVerify) {
  TempDir t;
  write_file_atomic(t / "out.txt", "payload");
  Manifest m;
  m.stage = "curate";
  m.config = {{"recipe", "cpu_default"}};
  m.inputs["pool"] = sha256_hex("x");
  m.counts = {{"docs", 3}};
  m.tool_version = "dclm test";
  m.wall_seconds = 1.5;
  m.add_output(t.path(), "out.txt");
  EXPECT_FALSE(Manifest::is_complete(t.path()));
  m.complete = true;
  m.write(t.path());
  EXPECT_TRUE(Manifest::is_complete(t.path()));
  Manifest r = Manifest::read(t.path());
  EXPECT_EQ(r.to_json(), m.to_json());
  EXPECT_EQ(r.outputs.at("out.txt"), sha256_hex("payload"));
  EXPECT_EQ(r.verify(t.path()), "");
  write_file_atomic(t / "out.txt", "tampered");
  EXPECT_NE(r.verify(t.path()).find("out.txt"), std::string::npos);
}

TEST(Manifest, IncompleteOrCorruptIsNotComplete) {
  TempDir t;
  write_file_atomic(t / "manifest.json", "{\"stage\": \"x\", \"complete\": fal");
  EXPECT_FALSE(Manifest::is_complete(t.path()));
  EXPECT_THROW(Manifest::read(t.path()), Error);
  write_file_atomic(t / "manifest.json", "{\"stage\": \"x\", \"complete\": false}");
  EXPECT_FALSE(Manifest::is_complete(t.path()));
}
