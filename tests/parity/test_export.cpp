// `mno export` at the library level (docs/models.md, "Export"): our tensors in the MNO authors'
// names, shapes and order, written as torch.save writes them.
//  - Every shipped config with an authors' counterpart, full size: export a fresh model, import the
//    file into a second model of another seed: every parameter and buffer bit for bit.
//  - Every parity fixture: import the authors' checkpoint, export it again: the authors' files,
//    tensor for tensor (names, order, shapes, values bit for bit, derived inv_freq included).
//  - Python's torch.load reads the files (skipped without python3-torch).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/data_test_support.h"
#include "mno/core/config.h"
#include "mno/parity/authors_names.h"
#include "mno/parity/checkpoint_export.h"
#include "mno/parity/checkpoint_import.h"
#include "mno/models/neural_operator.h"
#include "mno/parity/safetensors_writer.h"
#include "mno/parity/torch_save_writer.h"
#include "models/model_configs.h"
#include "support/testing.h"

namespace mno {
namespace {

namespace fs = std::filesystem;
using data::testing::TempDir;

// Same dtype, shape and bytes (so -0.0 != 0.0 and NaNs compare by their bits).
bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  const auto ca = a.detach().contiguous(), cb = b.detach().contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

// Writes the parts of `all` as the authors' files in `dir`; returns their paths.
std::vector<std::string> write_parts(const TempDir& dir, const parity::NamedTensors& all,
                                     const std::vector<std::string>& parts, const std::string& what) {
  const auto split = parity::split_authors_parts(all, parts, what);
  std::vector<std::string> files;
  for (size_t i = 0; i < parts.size(); ++i) {
    files.push_back(dir.file((parts[i].empty() ? "checkpoint" : parts[i]) + ".pt"));
    parity::write_torch_state_dict(files.back(), split[i]);
  }
  return files;
}

parity::NamedTensors state_of(const torch::nn::Module& model) { return parity::state_dict_order(model); }

// Has the MNO authors' code this config's model? Decided from the config alone (host and mixer),
// independently of the name tables, which must agree.
bool authors_have(const ConfigNode& model) {
  const auto host = model.get<std::string>("name", "");
  const auto type = model.has("mixer") ? model.child("mixer").get<std::string>("type", "") : "";
  return (host == "gt" || host == "gnot" || host == "oformer") && type != "s4d";
}

TEST(ExportRoundTrip, EveryShippedConfigWithAnAuthorsModelComesBackBitForBit) {
  size_t exported = 0, refused = 0;
  for (const auto& relative : testing::all_model_configs()) {
    SCOPED_TRACE(relative);
    const Config config = testing::load_config(relative);
    const auto node = config.root().child("model");
    if (!authors_have(node)) {
      EXPECT_THROW(parity::authors_name_table(node), Error) << "the table should refuse a model the authors lack";
      ++refused;
      continue;
    }
    torch::manual_seed(1);
    auto source = models::make_model(node);
    torch::manual_seed(2);
    auto target = models::make_model(node);
    const auto before = state_of(*target);
    const auto want = state_of(*source);
    bool differed = false;
    for (size_t i = 0; i < want.size(); ++i) differed |= !same_bits(want[i].second, before[i].second);
    ASSERT_TRUE(differed) << "two seeds gave the same model: the round trip would prove nothing";

    TempDir dir;
    const auto parts = parity::authors_checkpoint_parts(node);
    const auto files = write_parts(dir, parity::export_authors_state(*source, node, relative), parts, relative);
    const auto authors = parity::read_authors_checkpoint(parts, files);
    parity::load_authors_state(*target, authors, parity::authors_name_table(node), relative);

    const auto got = state_of(*target);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_TRUE(same_bits(got[i].second, want[i].second)) << want[i].first << " changed in export + import";
    ++exported;
  }
  // 3 datasets x (gt: galerkin softmax mamba; gnot: linear softmax mamba; oformer: galerkin
  // softmax mamba) + darcy's gt_mamba4; fno and the s4d ones refused.
  EXPECT_EQ(exported, 28u);
  EXPECT_EQ(refused, 5u);
}

// ---- the parity fixtures ------------------------------------------------------------------

std::string fixture_dir(const std::string& name) { return testing::source_dir() + "/tests/fixtures/parity/" + name; }

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(testing::source_dir() + "/tests/fixtures/parity"))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct ImportedFixture {
  Config config;
  ConfigNode node;
  models::NeuralOperator model;
  std::vector<std::string> parts, files;
};

ImportedFixture import_fixture(const std::string& name) {
  const auto dir = fixture_dir(name);
  std::string mno_model;
  for (const auto& [k, v] : parity::read_torch_entries(dir + "/data.pt").strings)
    if (k == "mno_model") mno_model = v;
  Config config = Config::parse("model: " + mno_model, dir + "/data.pt:mno_model");
  const auto node = config.root().child("model");
  ImportedFixture f{config, node, models::make_model(node), parity::authors_checkpoint_parts(node), {}};
  f.model->to(torch::kFloat64);  // the fixtures are float64 (tools/parity/make_fixtures.py)
  for (const auto& part : f.parts) f.files.push_back(dir + "/" + (part.empty() ? "checkpoint" : part) + ".pt");
  parity::load_authors_state(*f.model, parity::read_authors_checkpoint(f.parts, f.files),
                             parity::authors_name_table(node), name);
  return f;
}

// The point-cloud configs (configs/darcy_points/): a model scanned along a curve, or GT with the
// pointwise regressor, has no counterpart in the authors' code and is refused by name; one in the
// file's order with the authors' layers (MambaGNOT index, GNOT-linear, OFormer-Galerkin) is theirs.
TEST(ExportRoundTrip, PointCloudModelsTheAuthorsLackAreRefusedByTheKeyThatDiffers) {
  const auto table_of = [](const std::string& file) {
    return parity::authors_name_table(testing::load_config("darcy_points/" + file).root().child("model"));
  };
  for (const std::string file : {"gnot_mamba.yaml", "gnot_mamba4.yaml", "gt_mamba.yaml", "oformer_mamba.yaml"})
    testing::expect_error([&] { table_of(file); }, {"model.mixer.order 'hilbert'", "expected index"});
  testing::expect_error([&] { table_of("gt_galerkin.yaml"); },
                             {"model.regressor 'pointwise'", "only the spectral regressor"});
  for (const std::string file : {"gnot_mamba_index.yaml", "gnot_linear.yaml", "oformer_galerkin.yaml"})
    EXPECT_FALSE(table_of(file).empty()) << file;
}

TEST(ExportFixtures, ExportingAnImportedCheckpointGivesBackTheAuthorsFiles) {
  const auto names = fixture_names();
  ASSERT_EQ(names.size(), 32u);  // every shipped host x mixer x dataset, and gnot_linear_darcy_experts2
  size_t same_order = 0, files = 0;
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const auto f = import_fixture(name);
    TempDir dir;
    const auto written = write_parts(dir, parity::export_authors_state(*f.model, f.node, name), f.parts, name);
    for (size_t i = 0; i < f.parts.size(); ++i) {
      const auto theirs = parity::read_torch_state_dict(f.files[i]);
      const auto ours = parity::read_torch_state_dict(written[i]);
      // Names, shapes and bits exactly; load_state_dict matches by name, so the order is only
      // counted (where a module of ours registers its pieces in another order than theirs, the
      // tensors follow ours; docs/models.md "Export").
      std::map<std::string, torch::Tensor> by_name(ours.begin(), ours.end());
      ASSERT_EQ(by_name.size(), ours.size()) << "a name written twice";
      EXPECT_EQ(ours.size(), theirs.size()) << f.files[i];
      bool ordered = ours.size() == theirs.size();
      for (size_t j = 0; j < theirs.size(); ++j) {
        const auto& [key, want] = theirs[j];
        const auto it = by_name.find(key);
        if (it == by_name.end()) {
          ADD_FAILURE() << f.files[i] << ": '" << key << "' was not exported";
          continue;
        }
        EXPECT_TRUE(same_bits(it->second, want)) << key << ": " << it->second.sizes() << " vs the authors' " << want.sizes();
        ordered = ordered && ours[j].first == key;
      }
      same_order += ordered;
      ++files;
      if (!ordered) fmt::print("{}: {}: the same tensors in another order\n", name, fs::path(f.files[i]).filename().string());
    }
  }
  fmt::print("export: {} of {} of the authors' files reproduced in their own order\n", same_order, files);
}

TEST(ExportTables, AJoinExportCannotSplitIsAnErrorNotAGuess) {
  // Our [3, 4] tensor made of two whole authors' tensors: stacked would need 3 names, and a
  // concatenation does not record where one ends.
  const parity::NameTable table = {{R"(w)", "a|b"}};
  testing::expect_error(
      [&] { parity::export_authors_tensors({{"w", torch::zeros({3, 4})}}, table, {}, "t"); },
      {"t: our 'w' [3, 4] joins 'a|b', which export cannot split back"});
  // A chunk no tensor of ours gives.
  const parity::NameTable gap = {{R"(q)", "qkv#0/3"}, {R"(v)", "qkv#2/3"}};
  testing::expect_error(
      [&] { parity::export_authors_tensors({{"q", torch::zeros({2, 4})}, {"v", torch::zeros({2, 4})}}, gap, {}, "t"); },
      {"no tensor of ours gives chunk 1 of 3 of the authors' 'qkv'"});
  // A derived buffer the table does not list as derived.
  testing::expect_error(
      [&] { parity::export_authors_tensors({{"q", torch::zeros({2})}}, {{"q", "q"}}, {{"x.inv_freq", torch::ones({2})}}, "t"); },
      {"the derived buffer 'x.inv_freq' is not among the name table's derived names"});
}

// ---- Python's torch.load ----------------------------------------------------------------

// A Python with torch: python3 on PATH, else Debian's /usr/bin/python3 (python3-torch).
std::string python_with_torch() {
  for (const char* python : {"python3", "/usr/bin/python3"})
    if (std::system((std::string(python) + " -c 'import torch' > /dev/null 2>&1").c_str()) == 0) return python;
  return "";
}

// "name shape checksum" per tensor, the checksum the sum of the float32 bit patterns as integers
// (exact on both sides).
std::string describe(const parity::NamedTensors& tensors) {
  std::string s;
  for (const auto& [name, t] : tensors) {
    std::string shape;
    for (const auto d : t.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    const auto bits = t.detach().contiguous().view(torch::kInt).to(torch::kLong).sum().item<int64_t>();
    s += fmt::format("{} [{}] {}\n", name, shape, bits);
  }
  return s;
}

const char* kPythonReader = R"(
import json, struct, sys, collections, torch
def line(name, t):
    bits = t.contiguous().view(torch.int32).to(torch.int64).sum().item()
    return '%s [%s] %d' % (name, ','.join(str(d) for d in t.shape), bits)
path, fmt = sys.argv[1], sys.argv[2]
if fmt == 'torch':
    sd = torch.load(path, weights_only=True)
    assert type(sd) is collections.OrderedDict, type(sd)
    items = list(sd.items())
else:
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    assert header.pop('__metadata__') == {'format': 'pt'}
    items = []
    for name, h in header.items():
        assert h['dtype'] == 'F32', h
        b, e = h['data_offsets']
        t = torch.frombuffer(bytearray(raw[8 + n + b:8 + n + e]), dtype=torch.float32).reshape(h['shape'])
        items.append((name, t))
for name, t in items:
    assert t.dtype == torch.float32 and not t.requires_grad, name
    print(line(name, t))
)";

TEST(ExportTorchLoad, PythonReadsEveryTensorAsWritten) {
  const std::string python = python_with_torch();
  if (python.empty()) GTEST_SKIP() << "python3-torch not installed: `apt-get install python3-torch` to check the "
                                      "exported files with Python's torch.load";
  TempDir dir;
  const std::string script = dir.file("read.py");
  std::ofstream(script) << kPythonReader;
  for (const char* name : {"gt_galerkin_darcy", "oformer_galerkin_swe", "gnot_mamba4_darcy"}) {
    SCOPED_TRACE(name);
    const auto f = import_fixture(name);
    f.model->to(torch::kFloat32);  // what a run holds and exports
    const auto split = parity::split_authors_parts(parity::export_authors_state(*f.model, f.node, name), f.parts, name);
    for (size_t i = 0; i < split.size(); ++i)
      for (const std::string format : {"torch", "safetensors"}) {
        const std::string file = dir.file(std::string(name) + "." + std::to_string(i) + "." + format);
        if (format == "torch") parity::write_torch_state_dict(file, split[i]);
        else parity::write_safetensors(file, split[i]);
        const std::string listing = file + ".txt";
        const int rc = std::system(fmt::format("{} {} {} {} > {} 2>&1", python, script, file, format, listing).c_str());
        EXPECT_EQ(rc, 0) << format << ": " << testing::read_text(listing);
        EXPECT_EQ(testing::read_text(listing), describe(split[i])) << format;
      }
  }
}

}  // namespace
}  // namespace mno
