// Trainable parameter counts of every host × mixer × dataset equal the authors' counts (docs/models.md), which
// were confirmed by instantiating the authors' own PyTorch models.
#include <gtest/gtest.h>

#include "models/model_configs.h"

namespace mno::testing {
namespace {

struct CountCase {
  std::string config;
  std::vector<std::string> overrides;
  int64_t trainable;
  int64_t frozen;
};

void PrintTo(const CountCase& c, std::ostream* os) { *os << c.config << (c.overrides.empty() ? "" : " +override"); }

class ModelsParameterCount : public ::testing::TestWithParam<CountCase> {};

TEST_P(ModelsParameterCount, EqualsReferenceTable) {
  const auto& c = GetParam();
  const auto model = build_model(c.config, c.overrides);
  const auto counts = nn::count_parameters(*model);
  EXPECT_EQ(counts.trainable, c.trainable) << c.config;
  EXPECT_EQ(counts.frozen, c.frozen) << c.config;
}

const std::vector<std::string> kC4{"model.mixer.type=mamba4"};

// docs/models.md, row by row; OFormer's frozen Gaussian Fourier matrix is 256 / 128 values.
INSTANTIATE_TEST_SUITE_P(
    ReferenceSection6, ModelsParameterCount,
    ::testing::Values(
        CountCase{"darcy/gnot_linear.yaml", {}, 890885, 0}, CountCase{"swe/gnot_linear.yaml", {}, 900479, 0},
        CountCase{"diffreact/gnot_linear.yaml", {}, 910266, 0}, CountCase{"darcy/gnot_softmax.yaml", {}, 890885, 0},
        CountCase{"swe/gnot_softmax.yaml", {}, 900479, 0}, CountCase{"diffreact/gnot_softmax.yaml", {}, 910266, 0},
        CountCase{"darcy/gnot_mamba.yaml", {}, 1287173, 0}, CountCase{"swe/gnot_mamba.yaml", {}, 1296767, 0},
        CountCase{"diffreact/gnot_mamba.yaml", {}, 1306554, 0}, CountCase{"darcy/gnot_mamba.yaml", kC4, 1536005, 0},
        CountCase{"swe/gnot_mamba.yaml", kC4, 1545599, 0}, CountCase{"diffreact/gnot_mamba.yaml", kC4, 1555386, 0},
        CountCase{"darcy/gt_galerkin.yaml", {}, 3582369, 0}, CountCase{"swe/gt_galerkin.yaml", {}, 3596283, 0},
        CountCase{"diffreact/gt_galerkin.yaml", {}, 3610582, 0}, CountCase{"darcy/gt_softmax.yaml", {}, 3582369, 0},
        CountCase{"swe/gt_softmax.yaml", {}, 3596283, 0}, CountCase{"diffreact/gt_softmax.yaml", {}, 3610582, 0},
        CountCase{"darcy/gt_mamba.yaml", {}, 4854177, 0}, CountCase{"swe/gt_mamba.yaml", {}, 4868091, 0},
        CountCase{"diffreact/gt_mamba.yaml", {}, 4882390, 0}, CountCase{"darcy/gt_mamba4.yaml", {}, 5357985, 0},
        CountCase{"darcy/oformer_galerkin.yaml", {}, 2556321, 256},
        CountCase{"swe/oformer_galerkin.yaml", {}, 228161, 128},
        CountCase{"diffreact/oformer_galerkin.yaml", {}, 228866, 128},
        CountCase{"darcy/oformer_softmax.yaml", {}, 2556321, 256},
        CountCase{"swe/oformer_softmax.yaml", {}, 228161, 128},
        CountCase{"diffreact/oformer_softmax.yaml", {}, 228866, 128},
        CountCase{"darcy/oformer_mamba.yaml", {}, 1626465, 256}, CountCase{"swe/oformer_mamba.yaml", {}, 266241, 128},
        CountCase{"diffreact/oformer_mamba.yaml", {}, 266946, 128}));

// Swapping attention for Mamba is one config line: the GT Galerkin config with its mixer type
// changed is exactly the GT Mamba model.
TEST(ModelsMixerSwap, GalerkinConfigWithMambaMixerIsGtMamba) {
  const auto swapped = build_model("darcy/gt_galerkin.yaml", {"model.mixer.type=mamba"});
  EXPECT_EQ(nn::count_parameters(*swapped).trainable, 4854177);
  EXPECT_NE(models::describe_model(*swapped).find("SelectiveScan2d"), std::string::npos);
}

}  // namespace
}  // namespace mno::testing
