// A corrupt checkpoint or normaliser is refused, naming the file and what is wrong, instead of
// giving wrong numbers: every zip entry's CRC-32 is checked on load (LibTorch's reader does not),
// and so are the per-tensor CRC-32s written beside the weights. Checkpoints written before those
// existed still load, with the zip check (train/checkpoint.h).
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "data/data_test_support.h"
#include "mno/core/config.h"
#include "mno/models/neural_operator.h"
#include "mno/train/checkpoint.h"
#include "train/train_test_support.h"

namespace mno::cli::testing {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

uint32_t u16(const std::string& b, size_t at) {
  return static_cast<uint8_t>(b[at]) | static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 8;
}
uint32_t u32(const std::string& b, size_t at) { return u16(b, at) | u16(b, at + 2) << 16; }
void put_u32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Where an entry of a (small, non-zip64) zip file lies, read from its central directory.
struct ZipEntry {
  std::string name;
  bool stored = true;  // LibTorch stores tensors and the pickle, and deflates the code of its classes
  size_t data = 0, size = 0, central_crc = 0, local_crc = 0;
};

std::vector<ZipEntry> zip_entries(const std::string& zip) {
  const size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  EXPECT_NE(end, std::string::npos);
  std::vector<ZipEntry> entries;
  size_t at = u32(zip, end + 16);
  for (uint32_t i = 0; i < u16(zip, end + 10); ++i) {
    EXPECT_EQ(u32(zip, at), 0x02014b50u);
    ZipEntry e;
    e.stored = u16(zip, at + 10) == 0;
    e.name = zip.substr(at + 46, u16(zip, at + 28));
    e.size = u32(zip, at + 20);
    e.central_crc = at + 16;
    const size_t local = u32(zip, at + 42);
    e.local_crc = local + 14;
    e.data = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
    entries.push_back(e);
    at += 46 + u16(zip, at + 28) + u16(zip, at + 30) + u16(zip, at + 32);
  }
  return entries;
}

// Rewrites `path`, letting edit(name, bytes) change each stored entry in place;
// with fresh_crcs the zip's CRCs are recomputed, as a tool that rewrites the archive would.
void edit_entries(const std::string& path, const std::function<void(const std::string&, char*, size_t)>& edit,
                  bool fresh_crcs) {
  std::string zip = read_text(path);
  for (const ZipEntry& e : zip_entries(zip)) {
    if (!e.stored) continue;
    edit(e.name, zip.data() + e.data, e.size);
    if (!fresh_crcs) continue;
    const uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(zip.data() + e.data),
                                                     static_cast<uInt>(e.size)));
    put_u32(zip, e.central_crc, crc);
    put_u32(zip, e.local_crc, crc);
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << zip;
}

// One float changed in every tensor larger than a scalar (the scalars hold the format, epoch
// and step, whose own checks would answer first): the top mantissa bit of a float32 in the
// middle, so the value is off by up to half and still finite: wrong numbers, no error.
void change_every_tensor(const std::string& name, char* bytes, size_t size) {
  if (name.find("/data/") != std::string::npos && size > 8) bytes[(size / 2) | 2] ^= 0x40;
}

// A run trained once (1 epoch of the tiny GT on 8 x 8 Darcy, with normalisers), copied for each test.
const std::string& trained_run() {
  static TempDir dir;
  static const std::string run = [] {
    const std::string config = train::testing::write_tiny_gt_config(dir.path(), train::testing::make_darcy(dir.path()));
    const std::string r = dir.file("run");
    const CliResult t = run_mno({"train", "-c", config, "--out", r, "train.epochs=1", "--no-eval",
                                 "data.normalise_inputs=per_point_gaussian", "data.normalise_targets=per_point_gaussian"});
    EXPECT_EQ(t.exit_code, 0) << t.output;
    return r;
  }();
  return run;
}

std::string copy_of_run(const TempDir& dir) {
  const std::string run = dir.file("run");
  fs::copy(trained_run(), run, fs::copy_options::recursive);
  return run;
}

// Rewrites the run's last.pt as mno wrote checkpoints before the tensor checksums existed: the
// same entries (the weights only, which is what eval reads) and no `weights_crc32`.
void write_as_before_the_checksums(const std::string& run) {
  const Config config = Config::load_file(run + "/config.yaml");
  auto model = models::make_model(config.root().child("model"));
  const train::LoadedCheckpoint loaded = train::load_checkpoint(run + "/checkpoints/last.pt", *model, nullptr);
  torch::serialize::OutputArchive archive;
  archive.write("format", torch::tensor(int64_t{1}));
  archive.write("config", c10::IValue(loaded.config_yaml));
  archive.write("signature", c10::IValue(train::parameter_signature(*model)));
  torch::serialize::OutputArchive weights;
  model->save(weights);
  archive.write("model", weights);
  const train::TrainState& s = loaded.state;
  for (const auto& [key, value] : std::vector<std::pair<std::string, int64_t>>{
           {"epoch", s.epoch}, {"batch", s.batch}, {"step", s.step}, {"best_epoch", s.best_epoch}})
    archive.write(key, torch::tensor(value));
  for (const auto& [key, value] : std::vector<std::pair<std::string, double>>{
           {"epoch_loss_sum", s.epoch_loss_sum}, {"seconds", s.seconds}, {"best_metric", s.best_metric}})
    archive.write(key, torch::tensor(value, torch::kFloat64));
  archive.write("log_csv", c10::IValue(s.log_csv));
  archive.save_to(run + "/checkpoints/last.pt");
}

void expect_refused(const CliResult& r, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(r.has("error: ")) << r.output;
  for (const auto& part : parts) EXPECT_TRUE(r.has(part)) << "missing: " << part << "\n" << r.output;
  EXPECT_FALSE(r.has("| ")) << "no metrics table from a corrupt file:\n" << r.output;
}

TEST(CliCheckpointIntegrity, AChangedFloatInEveryTensorIsRefusedNamingTheEntry) {
  TempDir dir;
  const std::string run = copy_of_run(dir);
  ASSERT_EQ(run_mno({"eval", run, "--checkpoint", "last"}).exit_code, 0);
  edit_entries(run + "/checkpoints/last.pt", change_every_tensor, false);
  const CliResult r = run_mno({"eval", run, "--checkpoint", "last"});
  expect_refused(r, {run + "/checkpoints/last.pt: entry '", "/data/", "' fails its CRC-32 check (stored 0x",
                     ", computed 0x", "): the file is corrupt"});
  // predict and --resume load it the same way.
  const std::string data = (fs::path(trained_run()).parent_path() / "darcy.h5").string();
  expect_refused(run_mno({"predict", run, "--input", data, "--out", dir.file("p.h5")}),
                 {"last.pt: entry '", "fails its CRC-32 check"});
  expect_refused(run_mno({"train", "--resume", run, "--no-eval"}), {"last.pt: entry '", "fails its CRC-32 check"});
  EXPECT_FALSE(fs::exists(dir.file("p.h5")));
}

TEST(CliCheckpointIntegrity, ChangedWeightsWithFreshZipCrcsFailTheSavedTensorChecksums) {
  TempDir dir;
  const std::string run = copy_of_run(dir);
  edit_entries(run + "/checkpoints/last.pt", change_every_tensor, true);
  expect_refused(run_mno({"eval", run, "--checkpoint", "last"}),
                 {run + "/checkpoints/last.pt: parameter '", "' was saved with CRC-32 0x", " but loads as 0x",
                  ": the file is corrupt"});
}

TEST(CliCheckpointIntegrity, ACheckpointWithoutTensorChecksumsLoadsAndItsZipCrcsAreStillChecked) {
  TempDir dir;
  const std::string run = copy_of_run(dir);
  const std::string checkpoint = run + "/checkpoints/last.pt";
  write_as_before_the_checksums(run);
  ASSERT_EQ(read_text(checkpoint).find("weights_crc32"), std::string::npos);
  const CliResult e = run_mno({"eval", run, "--checkpoint", "last"});
  EXPECT_EQ(e.exit_code, 0) << e.output;
  edit_entries(checkpoint, change_every_tensor, false);
  expect_refused(run_mno({"eval", run, "--checkpoint", "last"}), {"last.pt: entry '", "fails its CRC-32 check"});
}

TEST(CliCheckpointIntegrity, AChangedNormaliserIsRefusedNamingTheFile) {
  TempDir dir;
  const std::string run = copy_of_run(dir);
  std::string file;
  for (const auto& e : fs::directory_iterator(run + "/normalisers"))
    if (e.path().extension() == ".pt") file = e.path().string();
  ASSERT_FALSE(file.empty());
  edit_entries(file, change_every_tensor, false);
  expect_refused(run_mno({"eval", run, "--checkpoint", "last"}), {file + ": entry '", "fails its CRC-32 check"});
}

}  // namespace
}  // namespace mno::cli::testing
