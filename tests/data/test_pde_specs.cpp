// data/pde/: every PDE has one complete description, and the lookups find it.
#include <set>

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "mno/data/pde/pde_spec.h"

namespace mno::data {
namespace {

using testing::expect_error;

TEST(PdeSpecs, EveryPdeHasOneCompleteDescription) {
  std::set<std::string> names;
  for (Pde pde : {Pde::darcy, Pde::shallow_water, Pde::diffusion_reaction}) {
    const PdeSpec& s = pde_spec(pde);
    SCOPED_TRACE(s.name);
    EXPECT_EQ(s.pde, pde);
    EXPECT_TRUE(names.insert(s.name).second) << "two PDEs named " << s.name;
    EXPECT_EQ(find_pde(s.name), &s);
    EXPECT_EQ(pde_name(pde), s.name);
    EXPECT_GE(s.channels, 1u);
    // Steady data: the input and the solution; time-dependent: one range per channel.
    const size_t fields = s.time_dependent() ? s.channels : 2;
    EXPECT_EQ(s.summary_fields.size(), fields);
    EXPECT_EQ(s.plot_fields.size(), fields);
    EXPECT_FALSE(s.title.empty());
    EXPECT_FALSE(s.plot_title.empty());
    EXPECT_GT(s.authors_train, s.authors_test);
  }
  EXPECT_EQ(pde_specs().size(), names.size());
  EXPECT_EQ(find_pde("heat"), nullptr);
}

TEST(PdeSpecs, FrameFilesAreToldApartByTheirChannels) {
  EXPECT_EQ(frame_pde_with_channels(1, "f", "[5,8,8,1]").pde, Pde::shallow_water);
  EXPECT_EQ(frame_pde_with_channels(2, "f", "[5,8,8,2]").pde, Pde::diffusion_reaction);
  EXPECT_EQ(steady_pde().pde, Pde::darcy);
  expect_error([] { frame_pde_with_channels(3, "f.h5: dataset '0000/data'", "[5,8,8,3]"); },
               {"f.h5: dataset '0000/data'", "1 channel (swe: h) or 2 channels (diffreact: u, v)", "[5,8,8,3]"});
}

}  // namespace
}  // namespace mno::data
