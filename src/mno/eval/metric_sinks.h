#pragma once
// The two metric modes behind MetricAccumulator (metrics.h explains both). Internal to eval/.
#include <memory>

#include "mno/eval/metrics.h"

namespace mno::eval::detail {

// PDEBench's definitions over the predicted frames, summed per sample. Needs the grid size for
// the Fourier shells, so it is made at the first batch.
std::unique_ptr<MetricSink> make_standard_sink(const MetricOptions& options, int64_t height, int64_t width,
                                               int64_t frames, int64_t channels);

// The authors' per-batch computation, averaged over batches.
std::unique_ptr<MetricSink> make_paper_sink(int64_t frames);

// Population standard deviation from running sums (ddof 0, like numpy's np.std); clamps the
// rounding-error negatives of sum_sq/n − mean² to 0.
torch::Tensor population_std(const torch::Tensor& sum, const torch::Tensor& sum_sq, double n);

}  // namespace mno::eval::detail
