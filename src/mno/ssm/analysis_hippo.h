#pragma once
// Online HiPPO reconstruction (`mno analyze hippo`, docs/ssm.md): a test signal on s in [0, 1] is
// fed sample by sample into the discretised HiPPO ODE (bilinear; LegS with the step 1/k of its
// time-scaled form), and at the end the N coefficients alone redraw its history:
//   LegS  all of [0, 1]           (uniform measure over the whole past)
//   LegT  the window [1 − θ, 1]   (θ = 0.5; the window slides)
//   LagT  s in [0, 1] at x = (1 − s)/τ, τ = 0.1 (exponentially decaying measure: the recent past
//         is sharp, the distant past fades); the error is taken over the last 5τ
#include <cstdint>
#include <vector>

#include "mno/ssm/hippo.h"

namespace mno::ssm {

struct HippoReconstruction {
  std::vector<double> s, signal;                 // the whole signal, samples at s
  std::vector<double> window_s, reconstruction;  // where the measure lets it be redrawn
  double rms_error = 0;                          // over the error window, relative to the signal's RMS there
  double window_start = 0;                       // s where the error window starts
};

// n >= 1 (an mno::Error otherwise); samples >= 2.
HippoReconstruction reconstruct_online(Measure measure, int64_t n, int64_t samples = 2000);

// The test signal: a sum of three sines.
double hippo_test_signal(double s);

}  // namespace mno::ssm
